import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import { encryptedFileBackend } from '../../src/main/secrets/encryptedFile';
import { secretStoreOver, type SecretStore } from '../../src/main/secrets/store';
import type { FlowDetail } from '../../src/shared';
import type { SendingAccount } from '../../src/shared/api/accounts';
import type { ApiResult } from '../../src/shared/api/result';
import { FakeProviders, fakeCredentials } from '../support/fakeProviders';
import { edge, graph, node } from '../support/graphs';

/**
 * The app's scheduler thread cannot open safeStorage: the main process unseals the credentials
 * and hands them over the thread's message port, at start and whenever accounts change. Here the
 * sealing is a real cipher with a key only the main thread holds (standing in for safeStorage,
 * which needs Electron), the thread is a real worker thread, the provider a loopback Twilio.
 */
const key = randomBytes(32);
function sealedStore(file: string): SecretStore {
  return secretStoreOver(
    encryptedFileBackend(file, {
      encrypt: (plain) => {
        const iv = randomBytes(12);
        const cipher = createCipheriv('aes-256-gcm', key, iv);
        const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
        return Buffer.concat([iv, cipher.getAuthTag(), body]);
      },
      decrypt: (sealed) => {
        const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
        decipher.setAuthTag(sealed.subarray(12, 28));
        return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
      },
    }),
    { kind: 'safe-storage', isPersistent: true, description: 'sealed for the test' },
    // No credential in the environment: the thread has nothing but what it is handed.
    {},
  );
}

let fake: FakeProviders;
let dir: string;
let postcard: Postcard | null = null;
beforeAll(async () => {
  fake = await FakeProviders.start();
});
afterAll(async () => {
  await fake.close();
});
afterEach(async () => {
  await postcard?.scheduler.stop();
  postcard?.close();
  postcard = null;
  fake.reset();
  rmSync(dir, { recursive: true, force: true });
});

async function call<T>(method: string, input: unknown): Promise<T> {
  const result = (await postcard!.dispatch(method, input, { transport: 'cli' })) as ApiResult<T>;
  if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
  return result.value;
}

async function until(done: () => boolean, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return done();
}

async function liveFlowOn(accountId: string, name: string, phone: string): Promise<void> {
  const flow = await call<FlowDetail>('flows.create', { name });
  await call('flows.saveDraft', {
    id: flow.id,
    settings: { ...flow.settings, sendingAccountId: accountId, quietHours: { isEnabled: false, start: '21:00', end: '08:00' } },
    graph: graph([node('t', 'trigger', { type: 'manual' }), node('s', 'sms', { body: `Hello from ${name}` }), node('x', 'exit')], [edge('t', 'next', 's'), edge('s', 'next', 'x')]),
  });
  await call('flows.publish', { id: flow.id });
  await call('engine.enroll', { flowId: flow.id, phones: [phone] });
}

const addAccount = (name: string): Promise<SendingAccount> =>
  call<SendingAccount>('accounts.add', { provider: 'twilio', name, sender: '+14155550100', baseUrl: fake.url, messagesPerSecond: 10, secrets: fakeCredentials.twilio });

describe('the scheduler thread gets its credentials from the main thread', { timeout: 90_000 }, () => {
  it('sends through an account whose credentials are sealed, and through one added while it runs', async () => {
    dir = mkdtempSync(join(tmpdir(), 'postcard-worker-secrets-'));
    const sealedFile = join(dir, 'secrets.sealed.json');
    postcard = await openPostcard({ dataDir: join(dir, 'data'), seedSamples: false, scheduler: 'worker', schedulerPollMs: 200, secretStore: sealedStore(sealedFile) });
    await call('contacts.import', { csv: 'phone,consent\n+12125550160,opted_in\n+12125550161,opted_in' });

    const first = await addAccount('First');
    await liveFlowOn(first.id, 'Welcome', '+12125550160');
    expect(await until(() => fake.messages.length === 1, 40_000)).toBe(true);
    expect(fake.messages[0]).toMatchObject({ to: '+12125550160', body: 'Hello from Welcome' });
    expect(fake.violations).toEqual([]);

    // An account added while the thread runs: its credentials are handed over at once (without
    // them it would wait minutes as "unavailable"), so its first send goes within seconds.
    const second = await addAccount('Second');
    await liveFlowOn(second.id, 'Follow-up', '+12125550161');
    expect(await until(() => fake.messages.length === 2, 40_000)).toBe(true);
    expect(fake.messages[1]).toMatchObject({ to: '+12125550161', body: 'Hello from Follow-up' });
    // The fake has the request; the thread records the answer a moment later.
    const rows = (): unknown[] => postcard!.sqlite.prepare(`SELECT provider, status FROM messages ORDER BY id`).all();
    await until(() => rows().every((row) => (row as { status: string }).status === 'sent'), 10_000);
    expect(rows()).toEqual([
      { provider: first.id, status: 'sent' },
      { provider: second.id, status: 'sent' },
    ]);

    // At rest the credentials are sealed, and the database never held them.
    const sealed = readFileSync(sealedFile, 'utf8');
    expect(sealed).not.toContain(fakeCredentials.twilio.authToken);
    postcard.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(join(dir, 'data', 'postcard.db')).includes(fakeCredentials.twilio.authToken)).toBe(false);
  });
});
