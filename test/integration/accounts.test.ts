import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format } from 'node:util';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import { collectRunnerSecrets } from '../../src/main/accounts/runnerSecrets';
import { environmentSecretStore, type SecretStore } from '../../src/main/secrets';
import type { FlowDetail } from '../../src/shared';
import type { AccountsListResult, ConnectionTestResult, SendingAccount, TestSendResult, TestSendStatusResult } from '../../src/shared/api/accounts';
import type { MediaImportResult } from '../../src/shared/api/media';
import { fakeCredentials, telnyxKeyPair } from '../support/fakeProviders';
import { edge, graph, node } from '../support/graphs';
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, useLoopbackSending } from '../support/s3';

const loopback = useLoopbackSending(['mms-media']);
let dir: string;
let postcard: Postcard;
/** Where this test's Postcard keeps credentials (in memory: a host without a keychain). */
let secretStore: SecretStore;
/** Everything Postcard wrote to the console and its error log during a test. */
let logged: string[];
/** Every API answer of a test, as the renderer would have received it. */
let answers: string[];
const restoreConsole: (() => void)[] = [];

beforeEach(async () => {
  logged = [];
  answers = [];
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[level];
    console[level] = (...args: unknown[]) => void logged.push(format(...args));
    restoreConsole.push(() => (console[level] = original));
  }
  dir = mkdtempSync(join(tmpdir(), 'postcard-accounts-'));
  secretStore = environmentSecretStore({});
  postcard = await openPostcard({
    dataDir: dir,
    seedSamples: false,
    secretStore,
    logError: (method, error) => void logged.push(`${method}: ${format(error)}`),
  });
});
afterEach(() => {
  postcard.close();
  for (const restore of restoreConsole.splice(0)) restore();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, input: unknown) {
  const result = await postcard.dispatch(method, input, { transport: 'http' });
  answers.push(JSON.stringify(result));
  return result;
}

async function ok<T>(method: string, input: unknown): Promise<T> {
  const result = await call(method, input);
  if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
  return result.value as T;
}

async function refusal(method: string, input: unknown): Promise<{ code: string; message: string; details?: unknown }> {
  const result = await call(method, input);
  if (result.ok) throw new Error(`${method} was expected to be refused`);
  return result.error;
}

const twilio = (overrides: Record<string, unknown> = {}) => ({
  provider: 'twilio',
  name: 'Main store',
  sender: '+14155550100',
  baseUrl: loopback.fake.url,
  messagesPerSecond: 10,
  secrets: { ...fakeCredentials.twilio },
  ...overrides,
});

describe('sending accounts', () => {
  it('keeps credentials out of every answer: "set" and the last 4 characters only', async () => {
    const account = await ok<SendingAccount>('accounts.add', twilio());
    expect(account).toMatchObject({ provider: 'twilio', sender: '+14155550100', senderKind: 'number', channels: ['sms', 'mms'], messagesPerSecond: 10 });
    expect(account.secrets.map(({ field, isSet, last4, source }) => ({ field, isSet, last4, source }))).toEqual([
      { field: 'accountSid', isSet: true, last4: 'cdef', source: 'stored' },
      { field: 'authToken', isSet: true, last4: '0001', source: 'stored' },
    ]);
    const listed = await ok<AccountsListResult>('accounts.list', {});
    expect(listed.accounts.map((a) => a.name)).toEqual(['Main store']);
    expect(listed.secretStore.kind).toBe('environment');
    for (const answer of answers) {
      expect(answer).not.toContain(fakeCredentials.twilio.authToken);
      expect(answer).not.toContain(fakeCredentials.twilio.accountSid);
    }
  });

  it('keeps a Telnyx webhook public key and a Vonage signature secret like the other credentials, optional, and hands them to the runner', async () => {
    const publicKey = telnyxKeyPair().publicKeyText;
    const signatureSecret = 'vonage-signature-secret-0123456789abcdef';
    // Without them an account is complete: it sends; only its webhooks cannot be verified.
    const telnyx = await ok<SendingAccount>('accounts.add', twilio({ provider: 'telnyx', name: 'Telnyx', secrets: fakeCredentials.telnyx }));
    expect(telnyx.secrets.map(({ field, isSet }) => ({ field, isSet }))).toEqual([
      { field: 'apiKey', isSet: true },
      { field: 'publicKey', isSet: false },
    ]);
    expect((await ok<ConnectionTestResult>('accounts.test', { id: telnyx.id })).isOk).toBe(true);

    // Something that is not an Ed25519 key is refused by name, and nothing is stored.
    const wrong = await refusal('accounts.update', { id: telnyx.id, secrets: { publicKey: 'not-a-key-0123456789' } });
    expect(wrong.code).toBe('INVALID_INPUT');
    expect(wrong.message).toMatch(/Telnyx public key is the Base64 text of 32 bytes/);
    const updated = await ok<SendingAccount>('accounts.update', { id: telnyx.id, secrets: { publicKey } });
    expect(updated.secrets.find((s) => s.field === 'publicKey')).toMatchObject({ isSet: true, last4: publicKey.slice(-4), source: 'stored', label: 'Webhook public key', envName: 'POSTCARD_TELNYX_PUBLIC_KEY' });

    const vonage = await ok<SendingAccount>('accounts.add', twilio({ provider: 'vonage', name: 'Vonage', secrets: { ...fakeCredentials.vonage, signatureSecret } }));
    expect(vonage.secrets.find((s) => s.field === 'signatureSecret')).toMatchObject({ isSet: true, last4: 'cdef', envName: 'POSTCARD_VONAGE_SIGNATURE_SECRET' });
    // A Twilio account has no such field (Twilio signs with the Auth Token).
    expect((await refusal('accounts.add', twilio({ name: 'Other', secrets: { ...fakeCredentials.twilio, signatureSecret } }))).message).toMatch(/Twilio takes Account SID and Auth Token, not signatureSecret/);

    // The scheduler thread gets them with the rest of the account's credentials.
    const handed = await collectRunnerSecrets(postcard.db, secretStore);
    expect(handed[`account/${telnyx.id}/publicKey`]).toBe(publicKey);
    expect(handed[`account/${vonage.id}/signatureSecret`]).toBe(signatureSecret);

    for (const answer of answers) {
      expect(answer).not.toContain(publicKey);
      expect(answer).not.toContain(signatureSecret);
    }
  });

  it('refuses a sender the provider does not have, a second account of the same name, and credentials of another provider', async () => {
    expect((await refusal('accounts.add', twilio({ sender: 'not-a-number' }))).message).toMatch(/not a sender Twilio knows/);
    expect((await refusal('accounts.add', twilio({ provider: 'vonage', sender: 'MG' + 'a'.repeat(32), secrets: fakeCredentials.vonage }))).message).toMatch(
      /Vonage has no Twilio Messaging Service SID senders/,
    );
    await ok('accounts.add', twilio());
    expect((await refusal('accounts.add', twilio({ name: 'MAIN STORE' }))).code).toBe('CONFLICT');
    expect((await refusal('accounts.add', twilio({ name: 'Other', secrets: { apiKey: 'x'.repeat(20) } }))).message).toMatch(/Twilio takes Account SID and Auth Token/);
    expect((await ok<AccountsListResult>('accounts.list', {})).accounts).toHaveLength(1);
  });

  it('tests the connection in words, and names the provider’s refusal of a wrong token', async () => {
    const account = await ok<SendingAccount>('accounts.add', twilio());
    const good = await ok<ConnectionTestResult>('accounts.test', { id: account.id });
    expect(good.isOk).toBe(true);
    expect(good.message).toMatch(/Twilio account .* is active/);

    await ok('accounts.update', { id: account.id, secrets: { authToken: 'wrong-token-000000000000' } });
    const bad = await ok<ConnectionTestResult>('accounts.test', { id: account.id });
    expect(bad).toMatchObject({ isOk: false, code: '20003' });
    expect(bad.message).toMatch(/Twilio refused/);
  });

  it('names a missing credential and where to put it', async () => {
    const account = await ok<SendingAccount>('accounts.add', twilio({ secrets: { accountSid: fakeCredentials.twilio.accountSid } }));
    const error = await refusal('accounts.test', { id: account.id });
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain('Auth Token (or POSTCARD_TWILIO_AUTH_TOKEN)');
  });

  it('sends a test rendered for the sample contact, outside every flow, and follows its status', async () => {
    const account = await ok<SendingAccount>('accounts.add', twilio());
    const sent = await ok<TestSendResult>('accounts.sendTest', {
      accountId: account.id,
      to: '+14155550142',
      body: 'Hi {{ first_name }}, your {{ cart_item }} is waiting',
      attributes: { first_name: 'Maya', cart_item: 'Alpine rain jacket' },
    });
    expect(sent).toMatchObject({ status: 'queued', channel: 'sms', body: 'Hi Maya, your Alpine rain jacket is waiting', mediaUrls: [] });
    expect(loopback.fake.messagesTo('+14155550142').map((m) => [m.id, m.body, m.from])).toEqual([[sent.providerMessageId, 'Hi Maya, your Alpine rain jacket is waiting', '+14155550100']]);

    loopback.fake.setStatus(sent.providerMessageId, 'delivered');
    expect(await ok<TestSendStatusResult>('accounts.testStatus', { accountId: account.id, providerMessageId: sent.providerMessageId })).toMatchObject({ status: 'delivered' });
    // No flow, enrollment or outbox row knows of it.
    expect(postcard.sqlite.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 0 });
  });

  it('a refused test send answers with the provider’s code and words', async () => {
    const account = await ok<SendingAccount>('accounts.add', twilio());
    loopback.fake.answerNext('twilio', { kind: 'error', code: '21610', message: 'Attempt to send to unsubscribed recipient' });
    const error = await refusal('accounts.sendTest', { accountId: account.id, to: '+14155550142', body: 'Hello' });
    expect(error.message).toMatch(/unsubscribed/);
    expect(error.details).toMatchObject({ code: '21610', errorClass: 'opted_out' });
  });

  it('an MMS test goes with its image hosted in the bucket, and the provider gets that URL', async () => {
    await ok('hosting.set', {
      endpoint: loopback.s3.endpoint,
      region: loopback.s3.region,
      bucket: 'mms-media',
      publicBaseUrl: `${loopback.s3.endpoint}/mms-media`,
      secrets: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
    });
    const account = await ok<SendingAccount>('accounts.add', twilio());
    const photo = await sharp({ create: { width: 900, height: 900, channels: 3, background: '#8e44ad' } }).png().toBuffer();
    const imported = await ok<MediaImportResult>('media.import', { source: 'upload', name: 'square.png', dataBase64: photo.toString('base64') });
    const flow = await ok<FlowDetail>('flows.create', { name: 'Drop' });
    await ok('flows.saveDraft', {
      id: flow.id,
      graph: graph(
        [node('t', 'trigger', { type: 'manual' }), node('m', 'mms', { body: 'Hi {{ first_name | default: "there" }}', subject: 'New', mediaAssetId: imported.asset.id }), node('x', 'exit')],
        [edge('t', 'next', 'm'), edge('m', 'sent', 'x'), edge('m', 'fallback', 'x')],
      ),
    });
    const sent = await ok<TestSendResult>('accounts.sendTest', { accountId: account.id, to: '+14155550142', flowId: flow.id, nodeId: 'm' });
    expect(sent.channel).toBe('mms');
    expect(sent.body).toBe('Hi there');
    expect(sent.mediaUrls).toHaveLength(1);
    expect(loopback.fake.messagesTo('+14155550142')[0]?.mediaUrls).toEqual(sent.mediaUrls);
    const served = await fetch(sent.mediaUrls[0]!);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toMatch(/^image\//);
  });

  it('will not remove an account a flow sends through; removes it, and its credentials, once none does', async () => {
    const account = await ok<SendingAccount>('accounts.add', twilio());
    const flow = await ok<FlowDetail>('flows.create', { name: 'Welcome' });
    const welcome = graph(
      [node('t', 'trigger', { type: 'manual' }), node('s', 'sms', { body: 'Welcome!' }), node('x', 'exit')],
      [edge('t', 'next', 's'), edge('s', 'next', 'x')],
    );
    await ok('flows.saveDraft', { id: flow.id, graph: welcome, settings: { ...flow.settings, sendingAccountId: account.id } });
    const error = await refusal('accounts.remove', { id: account.id });
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain('"Welcome"');
    // Published on the account, then the draft moved to the simulator: the live version still sends through it.
    await ok('flows.publish', { id: flow.id });
    const published = await ok<FlowDetail>('flows.get', { id: flow.id });
    await ok('flows.saveDraft', { id: flow.id, graph: published.graph, settings: { ...published.settings, sendingAccountId: null } });
    expect((await refusal('accounts.remove', { id: account.id })).message).toContain('"Welcome"');
    await ok('engine.archive', { flowId: flow.id });
    await ok('accounts.remove', { id: account.id });
    expect((await ok<AccountsListResult>('accounts.list', {})).accounts).toEqual([]);
    const again = await ok<SendingAccount>('accounts.add', twilio({ secrets: {} }));
    expect(again.secrets.every((s) => !s.isSet)).toBe(true);
  });

  it('a run that used a secret leaves it in no database file, no log line and no API answer', async () => {
    const secret = 'sk-live-7d1e55c0a9b34f2e8c61';
    const account = await ok<SendingAccount>('accounts.add', twilio({ secrets: { accountSid: fakeCredentials.twilio.accountSid, authToken: secret } }));
    // The fake knows another token: every call is refused, and the refusal is reported and logged.
    await ok('accounts.test', { id: account.id });
    await refusal('accounts.sendTest', { accountId: account.id, to: '+14155550142', body: 'Hello' });
    await ok('accounts.update', { id: account.id, name: 'Renamed', secrets: { authToken: secret } });
    await ok('accounts.list', {});
    await refusal('accounts.add', twilio({ name: 'Bad', sender: 'nope', secrets: { accountSid: fakeCredentials.twilio.accountSid, authToken: secret } }));
    await refusal('accounts.add', { ...twilio({ name: 'Bad' }), secrets: { authToken: `${secret} with spaces` } });
    const flow = await ok<FlowDetail>('flows.create', { name: 'Export me' });
    await ok('flows.saveDraft', { id: flow.id, graph: flow.graph, settings: { ...flow.settings, sendingAccountId: account.id } });
    await ok('flows.export', { id: flow.id });
    // The secret was really used: the fake saw it in the Authorization header.
    expect(loopback.fake.received.some((r) => Buffer.from((r.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().endsWith(`:${secret}`))).toBe(true);

    postcard.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    for (const file of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!file.isFile()) continue;
      const bytes = readFileSync(join(file.parentPath, file.name));
      expect(bytes.includes(secret), `${file.name} holds the secret`).toBe(false);
    }
    expect(answers.length).toBeGreaterThan(8);
    for (const answer of answers) expect(answer).not.toContain(secret);
    for (const line of logged) expect(line).not.toContain(secret);
  });
});
