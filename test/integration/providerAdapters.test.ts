import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderAccountConfig, ProviderSecrets } from '../../src/main/providers/account';
import { createProviderAdapter } from '../../src/main/providers/index';
import type { SendRequest } from '../../src/main/providers/types';
import { FakeProviders, fakeCredentials, type FakeProviderKind } from '../support/fakeProviders';

// Each adapter against a real HTTP server on 127.0.0.1 that checks the provider's wire format.

let fake: FakeProviders;

beforeAll(async () => {
  fake = await FakeProviders.start();
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.reset();
  fake.latencyMs = 0;
});

const secretsOf: Record<FakeProviderKind, ProviderSecrets> = {
  twilio: { provider: 'twilio', ...fakeCredentials.twilio },
  vonage: { provider: 'vonage', ...fakeCredentials.vonage },
  telnyx: { provider: 'telnyx', ...fakeCredentials.telnyx },
};

function accountFor(provider: FakeProviderKind, overrides: Partial<ProviderAccountConfig> = {}): ProviderAccountConfig {
  return {
    id: `${provider}-main`,
    provider,
    from: '+15550001111',
    channels: ['sms', 'mms'],
    mps: 10,
    dailyCap: null,
    baseUrl: fake.url,
    timeoutMs: 2_000,
    ...overrides,
  };
}

function adapterFor(provider: FakeProviderKind, overrides: Partial<ProviderAccountConfig> = {}, secrets: Partial<ProviderSecrets> = {}) {
  return createProviderAdapter(accountFor(provider, overrides), { ...secretsOf[provider], ...secrets } as ProviderSecrets);
}

let keys = 0;
function sms(overrides: Partial<SendRequest> = {}): SendRequest {
  return { idempotencyKey: `pc-test-${++keys}`, to: '+15557654321', channel: 'sms', body: 'Hello from Postcard', subject: null, mediaRef: null, now: Date.now(), ...overrides };
}

function mms(overrides: Partial<SendRequest> = {}): SendRequest {
  return sms({ channel: 'mms', mediaRef: 'asset-1', mediaUrls: ['https://media.example.com/a1.jpg'], subject: 'Sale', ...overrides });
}

describe('Twilio wire format', () => {
  it('posts a form with Basic auth, To/From/Body, each MediaUrl and the StatusCallback, and keeps the sid', async () => {
    const adapter = adapterFor('twilio', { statusCallbackUrl: 'https://hooks.example.com/webhooks/twilio-main/status' });
    const result = await adapter.send(mms({ mediaUrls: ['https://media.example.com/a.jpg', 'https://media.example.com/b.gif'] }));
    expect(fake.violations).toEqual([]);
    expect(result).toMatchObject({ ok: true, isDuplicate: false });
    const [message] = fake.messages;
    expect(result.ok && result.providerMessageId).toBe(message?.id);
    expect(message).toMatchObject({
      to: '+15557654321',
      from: '+15550001111',
      body: 'Hello from Postcard',
      mediaUrls: ['https://media.example.com/a.jpg', 'https://media.example.com/b.gif'],
      statusCallback: 'https://hooks.example.com/webhooks/twilio-main/status',
    });
    const [request] = fake.received;
    expect(request?.path).toBe(`/2010-04-01/Accounts/${fakeCredentials.twilio.accountSid}/Messages.json`);
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('sends through a Messaging Service instead of a From number when the account has one', async () => {
    const adapter = adapterFor('twilio', { from: null, messagingServiceSid: 'MG0123456789abcdef0123456789abcdef' });
    expect((await adapter.send(sms())).ok).toBe(true);
    const form = new URLSearchParams(fake.received[0]?.body);
    expect(form.get('MessagingServiceSid')).toBe('MG0123456789abcdef0123456789abcdef');
    expect(form.has('From')).toBe(false);
  });

  it('reads where a message stands and narrows it to a receipt once final', async () => {
    const adapter = adapterFor('twilio');
    const sent = await adapter.send(sms());
    if (!sent.ok) throw new Error(sent.message);
    expect(await adapter.lookupStatus(sent.providerMessageId)).toMatchObject({ state: 'queued', code: null });
    expect(await adapter.status(sent.providerMessageId)).toBeNull();
    fake.setStatus(sent.providerMessageId, 'undelivered', '30006');
    expect(await adapter.status(sent.providerMessageId)).toMatchObject({ status: 'undelivered', code: '30006', errorClass: 'invalid_number' });
  });

  it('finds a message it sent before a crash by listing the messages to the number, and says when there is none', async () => {
    const adapter = adapterFor('twilio');
    const claimedAt = Date.now();
    const request = sms({ body: 'Your code: 1234' });
    const sent = await adapter.send(request);
    if (!sent.ok) throw new Error(sent.message);
    const query = { idempotencyKey: request.idempotencyKey, to: request.to, channel: request.channel, body: request.body, claimedAt, now: Date.now() };
    expect(await adapter.reconcile(query)).toEqual({ outcome: 'sent', providerMessageId: sent.providerMessageId });
    const listed = fake.received.at(-1);
    expect(listed?.method).toBe('GET');
    expect(new URL(listed?.path ?? '', fake.url).searchParams.get('To')).toBe('+15557654321');
    // Another number: nothing there; conclusive only once Twilio's list has had time to show it.
    const other = { ...query, to: '+15559990000' };
    expect(await adapter.reconcile(other)).toMatchObject({ outcome: 'unknown' });
    expect(await adapter.reconcile({ ...other, now: claimedAt + 10 * 60_000 })).toEqual({ outcome: 'not_sent' });
    // The same number with a different message since the claim: cannot tell, so not resent.
    expect(await adapter.reconcile({ ...query, body: 'something else', now: claimedAt + 10 * 60_000 })).toMatchObject({ outcome: 'unknown' });
  });

  it('tests the connection with a harmless account lookup, and names the refused credentials', async () => {
    expect(await adapterFor('twilio').testConnection()).toEqual({ ok: true, detail: 'Twilio account "Postcard test account" is active' });
    const wrong = await adapterFor('twilio', {}, { authToken: 'not-the-token' }).testConnection();
    expect(wrong).toMatchObject({ ok: false, errorClass: 'auth_failed', code: '20003' });
    expect(!wrong.ok && wrong.message).toMatch(/^Twilio refused the Account SID \/ Auth Token \(20003\)/);
  });
});

describe('Vonage wire format', () => {
  it('posts JSON with Basic auth, numbers without +, the sms shape and client_ref = the idempotency key', async () => {
    const adapter = adapterFor('vonage');
    const request = sms();
    const result = await adapter.send(request);
    expect(fake.violations).toEqual([]);
    expect(result.ok && result.providerMessageId).toBe(fake.messages[0]?.id);
    const payload = JSON.parse(fake.received[0]?.body ?? '{}');
    expect(payload).toEqual({ channel: 'sms', message_type: 'text', to: '15557654321', from: '15550001111', text: 'Hello from Postcard', client_ref: request.idempotencyKey });
    expect(fake.received[0]?.headers.authorization).toBe(`Basic ${Buffer.from(`${fakeCredentials.vonage.apiKey}:${fakeCredentials.vonage.apiSecret}`).toString('base64')}`);
  });

  it('sends an MMS as an image with its caption', async () => {
    const result = await adapterFor('vonage').send(mms());
    expect(result.ok).toBe(true);
    expect(JSON.parse(fake.received[0]?.body ?? '{}')).toMatchObject({ channel: 'mms', message_type: 'image', image: { url: 'https://media.example.com/a1.jpg', caption: 'Hello from Postcard' } });
  });

  it('finds a message sent before a crash by its client_ref in the message records', async () => {
    const adapter = adapterFor('vonage');
    const claimedAt = Date.now();
    const request = sms();
    const sent = await adapter.send(request);
    if (!sent.ok) throw new Error(sent.message);
    const query = { idempotencyKey: request.idempotencyKey, to: request.to, channel: request.channel, body: request.body, claimedAt, now: Date.now() };
    expect(await adapter.reconcile(query)).toEqual({ outcome: 'sent', providerMessageId: sent.providerMessageId });
    expect(await adapter.reconcile({ ...query, idempotencyKey: 'pc-never-sent', now: claimedAt + 30 * 60_000 })).toEqual({ outcome: 'not_sent' });
  });

  it('authenticates with a JWT for an application when given its private key', async () => {
    const { generateKeyPairSync, createVerify } = await import('node:crypto');
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const adapter = adapterFor('vonage', {}, { applicationId: 'app-123', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
    expect((await adapter.send(sms())).ok).toBe(true);
    const token = (fake.received[0]?.headers.authorization ?? '').replace(/^Bearer /, '');
    const [header, payload, signature] = token.split('.');
    expect(createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(publicKey, Buffer.from(signature ?? '', 'base64url'))).toBe(true);
    expect(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString())).toMatchObject({ application_id: 'app-123' });
  });

  it('tests the connection, and names the refused key and secret', async () => {
    expect(await adapterFor('vonage').testConnection()).toMatchObject({ ok: true });
    const wrong = await adapterFor('vonage', {}, { apiSecret: 'nope' }).testConnection();
    expect(wrong).toMatchObject({ ok: false, errorClass: 'auth_failed', code: 'unauthorized' });
    expect(!wrong.ok && wrong.message).toMatch(/^Vonage refused the API key \/ API secret \(unauthorized\)/);
  });
});

describe('Telnyx wire format', () => {
  it('posts JSON with a Bearer key, media_urls and subject for MMS, and keeps data.id', async () => {
    const adapter = adapterFor('telnyx', { statusCallbackUrl: 'https://hooks.example.com/webhooks/telnyx-main/status' });
    const result = await adapter.send(mms({ mediaUrls: ['https://media.example.com/a.jpg', 'https://media.example.com/b.png'] }));
    expect(fake.violations).toEqual([]);
    expect(result.ok && result.providerMessageId).toBe(fake.messages[0]?.id);
    expect(JSON.parse(fake.received[0]?.body ?? '{}')).toEqual({
      to: '+15557654321',
      from: '+15550001111',
      text: 'Hello from Postcard',
      media_urls: ['https://media.example.com/a.jpg', 'https://media.example.com/b.png'],
      subject: 'Sale',
      webhook_url: 'https://hooks.example.com/webhooks/telnyx-main/status',
    });
    expect(fake.received[0]?.headers.authorization).toBe(`Bearer ${fakeCredentials.telnyx.apiKey}`);
  });

  it('looks a message up by id and reads its failure code', async () => {
    const adapter = adapterFor('telnyx');
    const sent = await adapter.send(sms());
    if (!sent.ok) throw new Error(sent.message);
    fake.setStatus(sent.providerMessageId, 'delivery_failed', '40001');
    expect(await adapter.status(sent.providerMessageId)).toMatchObject({ status: 'undelivered', code: '40001', errorClass: 'invalid_number' });
  });

  it('finds a message sent before a crash through the detail records and its text', async () => {
    const adapter = adapterFor('telnyx');
    const claimedAt = Date.now();
    const request = sms({ body: 'Flash sale today' });
    const sent = await adapter.send(request);
    if (!sent.ok) throw new Error(sent.message);
    const query = { idempotencyKey: request.idempotencyKey, to: request.to, channel: request.channel, body: request.body, claimedAt, now: Date.now() };
    expect(await adapter.reconcile(query)).toEqual({ outcome: 'sent', providerMessageId: sent.providerMessageId });
    expect(await adapter.reconcile({ ...query, to: '+15550000000', now: claimedAt + 30 * 60_000 })).toEqual({ outcome: 'not_sent' });
  });

  it('tests the connection, and names the refused key', async () => {
    expect(await adapterFor('telnyx').testConnection()).toMatchObject({ ok: true });
    const wrong = await adapterFor('telnyx', {}, { apiKey: 'KEYwrong' }).testConnection();
    expect(!wrong.ok && wrong.message).toMatch(/^Telnyx refused the API key \(10009\)/);
  });
});

// The same refusals from each provider, in its own shapes, land in the same classes.
const classified: Record<FakeProviderKind, Array<[code: string, errorClass: string, channel?: 'mms']>> = {
  twilio: [
    ['21610', 'opted_out'],
    ['21211', 'invalid_number'],
    ['21614', 'invalid_number'],
    ['21635', 'invalid_number'],
    ['30006', 'invalid_number'],
    ['30019', 'mms_unsupported', 'mms'],
    ['30007', 'content_rejected'],
    ['21606', 'sender_refused'],
    ['21212', 'sender_refused'],
    ['21659', 'sender_refused'],
    ['21660', 'sender_refused'],
    ['21999', 'permanent'],
  ],
  vonage: [
    ['1050', 'opted_out'],
    ['1040', 'invalid_number'],
    ['1070', 'auth_failed'],
    ['1120', 'sender_refused'],
  ],
  telnyx: [
    ['40300', 'opted_out'],
    ['40310', 'invalid_number'],
    ['40001', 'invalid_number'],
    ['40009', 'content_rejected'],
    ['40305', 'sender_refused'],
    ['40013', 'sender_refused'],
    ['40308', 'mms_unsupported', 'mms'],
    ['40317', 'mms_unsupported', 'mms'],
    ['40999', 'permanent'],
  ],
};

describe.each(['twilio', 'vonage', 'telnyx'] as const)('%s refusals', (provider) => {
  it.each(classified[provider])('code %s is %s, with the provider’s words', async (code, errorClass, channel) => {
    fake.answerNext(provider, { kind: 'error', code, message: `refused with ${code}` });
    const result = await adapterFor(provider).send(channel === 'mms' ? mms() : sms());
    expect(result).toMatchObject({ ok: false, code, errorClass });
    expect(!result.ok && result.message).toContain(`refused with ${code}`);
    expect(fake.messages).toHaveLength(0);
  });

  it('a sender the account may not use is an account fault that names the sender', async () => {
    const code = { twilio: '21606', vonage: '1120', telnyx: '40305' }[provider];
    fake.answerNext(provider, { kind: 'error', code, message: 'not your number' });
    const result = await adapterFor(provider).send(sms());
    expect(result).toMatchObject({ ok: false, errorClass: 'sender_refused' });
    expect(!result.ok && result.message).toMatch(/^(Twilio|Vonage|Telnyx) refused the sender \+15550001111: \(\d+\) not your number$/);
  });

  it('401 is an account fault, said in words', async () => {
    fake.answerNext(provider, { kind: 'unauthorized' });
    const result = await adapterFor(provider).send(sms());
    expect(result).toMatchObject({ ok: false, errorClass: 'auth_failed', httpStatus: 401 });
    expect(!result.ok && result.message).toMatch(/refused the /);
  });

  it('429 waits for Retry-After', async () => {
    fake.answerNext(provider, { kind: 'rate_limited', retryAfterSeconds: 7 });
    expect(await adapterFor(provider).send(sms())).toMatchObject({ ok: false, errorClass: 'rate_limited', retryAfterMs: 7_000 });
  });

  it('500 is retryable', async () => {
    fake.answerNext(provider, { kind: 'server_error' });
    expect(await adapterFor(provider).send(sms())).toMatchObject({ ok: false, errorClass: 'retryable', httpStatus: 500 });
  });

  it('a provider that never answers is abandoned at the deadline, retryable', async () => {
    fake.answerNext(provider, { kind: 'hang' });
    const started = Date.now();
    const result = await adapterFor(provider, { timeoutMs: 300 }).send(sms());
    expect(result).toMatchObject({ ok: false, errorClass: 'retryable', code: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a reset connection is retryable', async () => {
    fake.answerNext(provider, { kind: 'reset' });
    expect(await adapterFor(provider).send(sms())).toMatchObject({ ok: false, errorClass: 'retryable', code: 'CONNECTION_RESET' });
  });

  it('an unreachable base URL says so', async () => {
    const closed = await FakeProviders.start();
    const url = closed.url;
    await closed.close();
    const result = await adapterFor(provider, { baseUrl: url }).send(sms());
    expect(result).toMatchObject({ ok: false, errorClass: 'retryable', code: 'CONNECTION_REFUSED' });
    expect(!result.ok && result.message).toMatch(/refused the connection/);
  });

  it('an MMS without hosted media is refused before any call', async () => {
    const result = await adapterFor(provider).send(mms({ mediaUrls: [] }));
    expect(result).toMatchObject({ ok: false, errorClass: 'permanent', code: 'MEDIA_NOT_HOSTED' });
    expect(fake.received).toHaveLength(0);
  });

  it('never puts a secret into a result', async () => {
    fake.answerNext(provider, { kind: 'unauthorized' });
    const results = [await adapterFor(provider).send(sms()), await adapterFor(provider).testConnection()];
    const text = JSON.stringify(results);
    for (const secret of Object.values(fakeCredentials[provider]).filter((v) => v.length > 8)) expect(text).not.toContain(secret);
  });
});

describe.each(['twilio', 'telnyx'] as const)('%s replies by polling (no webhook reaches the runner)', (provider) => {
  it('lists replies to the account’s number in the window, once each, oldest first', async () => {
    const adapter = adapterFor(provider);
    const now = Date.now();
    fake.receive(provider, { from: '+15557654321', to: '+15550001111', body: 'old news', at: now - 60 * 60_000 });
    fake.receive(provider, { from: '+15557654321', to: '+15550001111', body: 'STOP', at: now - 2_000 });
    fake.receive(provider, { from: '+15551112222', to: '+15550001111', body: 'HELP', at: now - 1_000 });
    fake.receive(provider, { from: '+15551112222', to: '+15559999999', body: 'to another number', at: now - 1_000 });
    expect((await adapter.send(sms())).ok).toBe(true);
    const first = await adapter.poll(now - 30_000, now + 1_000);
    expect(first.inbound.map((m) => [m.from, m.body])).toEqual([
      ['+15557654321', 'STOP'],
      ['+15551112222', 'HELP'],
    ]);
    expect(first.inbound[0]).toMatchObject({ to: '+15550001111', providerMessageId: expect.any(String) });
    // The next window overlaps (replies are stamped to the second): nothing comes twice.
    expect((await adapter.poll(now - 500, now + 2_000)).inbound).toEqual([]);
  });

  it('throws when the provider cannot be asked, so no reply is skipped', async () => {
    const closed = await FakeProviders.start();
    const url = closed.url;
    await closed.close();
    await expect(adapterFor(provider, { baseUrl: url }).poll(0, Date.now())).rejects.toThrow(/could not be asked for replies/);
  });
});

describe('connections to a provider', () => {
  it('are closed by Postcard once idle, before a server that keeps them a minute would; a later send opens a new one; a slow answer is waited for', async () => {
    const { createServer } = await import('node:http');
    const { callProvider, IDLE_CONNECTION_MS } = await import('../../src/main/providers/http');
    const server = createServer((req, res) => {
      if (req.url === '/slow') setTimeout(() => res.end('{"ok":true}'), IDLE_CONNECTION_MS + 500);
      else res.end('{"ok":true}');
    });
    server.keepAliveTimeout = 60_000;
    const opened: number[] = [];
    const closedAfter: number[] = [];
    server.on('connection', (socket) => {
      const at = Date.now();
      opened.push(at);
      socket.on('close', () => closedAfter.push(Date.now() - at));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const send = () => callProvider({ method: 'POST', url: `http://127.0.0.1:${port}/messages`, headers: {}, body: '{}', timeoutMs: 5_000 });
      expect(await send()).toMatchObject({ kind: 'response', status: 200 });
      // Closed from Postcard's side after IDLE_CONNECTION_MS, not after the server's minute.
      await expect.poll(() => closedAfter.length, { timeout: IDLE_CONNECTION_MS + 3_000, interval: 200 }).toBe(1);
      expect(closedAfter[0]).toBeGreaterThanOrEqual(IDLE_CONNECTION_MS - 100);
      expect(await send()).toMatchObject({ kind: 'response', status: 200 });
      expect(opened).toHaveLength(2);
      // A provider slower than that to answer is still waited for, up to the call's deadline.
      const slow = await callProvider({ method: 'POST', url: `http://127.0.0.1:${port}/slow`, headers: {}, body: '{}', timeoutMs: IDLE_CONNECTION_MS + 4_000 });
      expect(slow).toMatchObject({ kind: 'response', status: 200 });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 25_000);
});
