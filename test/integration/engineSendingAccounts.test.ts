import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreSendingAccounts } from '../../src/main/accounts/engineAccounts';
import { mediaFor } from '../../src/main/api/handlers/media';
import { openPostcard, type Postcard } from '../../src/main/app';
import { VirtualClock } from '../../src/main/engine/clock';
import { EngineRuntime } from '../../src/main/engine/runtime';
import { SimulatorProvider } from '../../src/main/providers/simulator';
import { environmentSecretStore } from '../../src/main/secrets';
import type { FlowDetail } from '../../src/shared';
import type { SendingAccount } from '../../src/shared/api/accounts';
import type { MediaImportResult, MediaRendition } from '../../src/shared/api/media';
import { seededRandom } from '../../src/shared/engine/random';
import { fakeCredentials } from '../support/fakeProviders';
import { ok as okFrom } from '../support/dispatch';
import { edge, graph, node } from '../support/graphs';
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, useLoopbackSending } from '../support/s3';

/**
 * A published MMS flow on a real account, sent by the engine: accounts, credentials and hosted
 * media reach the drain through StoreSendingAccounts, and the provider gets the bucket's URL.
 */
const loopback = useLoopbackSending(['mms-media']);
let dir: string;
let postcard: Postcard;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-engine-accounts-'));
  postcard = await openPostcard({ dataDir: dir, seedSamples: false, secretStore: environmentSecretStore({}) });
});
afterEach(() => {
  postcard.close();
  rmSync(dir, { recursive: true, force: true });
});

const ok = <T>(method: string, input: unknown): Promise<T> => okFrom<T>(postcard, method, input);

function storeAccounts(): StoreSendingAccounts {
  return new StoreSendingAccounts({ db: postcard.db, accounts: postcard.services.accounts, hosting: postcard.services.mediaHosting });
}

describe('the engine sends a flow through its sending account', () => {
  it('publishes an MMS flow on a Twilio account and the drain sends it with the hosted image’s URL', async () => {
    await ok('hosting.set', {
      endpoint: loopback.s3.endpoint,
      region: loopback.s3.region,
      bucket: 'mms-media',
      presignHours: 6,
      secrets: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
    });
    const account = await ok<SendingAccount>('accounts.add', {
      provider: 'twilio',
      name: 'Main',
      sender: '+14155550100',
      baseUrl: loopback.fake.url,
      messagesPerSecond: 50,
      secrets: fakeCredentials.twilio,
    });
    const photo = await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#16a085' } }).jpeg().toBuffer();
    const imported = await ok<MediaImportResult>('media.import', { source: 'upload', name: 'teal.jpg', dataBase64: photo.toString('base64') });
    const flow = await ok<FlowDetail>('flows.create', { name: 'Teal drop' });
    await ok('flows.saveDraft', {
      id: flow.id,
      settings: { ...flow.settings, sendingAccountId: account.id, quietHours: { isEnabled: false, start: '21:00', end: '08:00' } },
      graph: graph(
        [
          node('t', 'trigger', { type: 'manual' }),
          node('m', 'mms', { body: 'Hi {{ first_name }}, it is here', subject: 'New', mediaAssetId: imported.asset.id }),
          node('s', 'sms', { body: 'It is here' }),
          node('x', 'exit'),
        ],
        [edge('t', 'next', 'm'), edge('m', 'sent', 'x'), edge('m', 'fallback', 's'), edge('s', 'next', 'x')],
      ),
    });
    await ok('flows.publish', { id: flow.id });
    await ok('contacts.import', { csv: 'phone,first_name,consent\n+12125550160,Ava,opted_in\n+12125550161,Liam,opted_in' });

    const accounts = storeAccounts();
    await accounts.refresh();
    const runtime = new EngineRuntime({
      sqlite: postcard.sqlite,
      clock: new VirtualClock(Date.now()),
      random: seededRandom(5),
      provider: new SimulatorProvider(postcard.sqlite),
      installId: 'accounts-test',
      accounts,
    });
    // Enrolled by this runner, which knows the accounts (the API's engine has none wired yet).
    const ids = postcard.sqlite.prepare('SELECT id FROM contacts ORDER BY id').pluck().all() as number[];
    expect(runtime.enrollContacts(flow.id, ids)).toBe(2);
    await runtime.tick();

    expect(loopback.fake.violations).toEqual([]);
    const sent = loopback.fake.messages.map((m) => [m.to, m.body, m.mediaUrls.length]).sort();
    expect(sent).toEqual([
      ['+12125550160', 'Hi Ava, it is here', 1],
      ['+12125550161', 'Hi Liam, it is here', 1],
    ]);
    // The provider fetches exactly the rendition for the flow's send profile.
    const url = loopback.fake.messages[0]!.mediaUrls[0]!;
    expect(url).toContain('X-Amz-Signature=');
    const rendition = await mediaFor(postcard).render(imported.asset.id, flow.settings.sendProfileId, { includeData: true });
    const served = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(served.equals(Buffer.from((rendition as MediaRendition).dataUrl!.split(',')[1]!, 'base64'))).toBe(true);
  });

  it('an account without its credentials, or not on this computer, is unavailable in words', async () => {
    const account = await ok<SendingAccount>('accounts.add', {
      provider: 'telnyx',
      name: 'No key',
      sender: '+14155550100',
      baseUrl: loopback.fake.url,
    });
    const accounts = storeAccounts();
    await accounts.refresh();
    expect(accounts.resolve(account.id)).toEqual({ unavailable: expect.stringContaining('POSTCARD_TELNYX_API_KEY') });
    // One added since the last read is looked for again at the next read (15 s), not minutes later.
    expect(accounts.resolve('acc_notherexxxxxx')).toEqual({ unavailable: expect.stringContaining('not on this computer'), retryInMs: 15_000 });
    await ok('accounts.update', { id: account.id, secrets: { apiKey: fakeCredentials.telnyx.apiKey } });
    await accounts.refresh();
    const resolved = accounts.resolve(account.id);
    expect('adapter' in resolved && resolved.limits).toEqual({ mps: 1, dailyCap: null });
  });
});
