import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import { environmentSecretStore } from '../../src/main/secrets';
import type { FlowDetail } from '../../src/shared';
import type { SendingAccount } from '../../src/shared/api/accounts';
import { ok as okFrom } from '../support/dispatch';
import { FakeProviders, fakeCredentials, telnyxKeyPair, type FakeProviderKind } from '../support/fakeProviders';
import { edge, graph, node } from '../support/graphs';

/**
 * `postcard run --listen HOST:PORT --public-url URL` in its own process: it sends a live flow
 * through a Twilio account (a loopback fake) with the status callback URL, takes Twilio's signed
 * status webhook and the contact's STOP, refuses forged ones, and redirects tracked links.
 */

const bin = resolve(import.meta.dirname, '../../bin/postcard.mjs');
const PUBLIC_URL = 'https://hooks.example.com';
let fake: FakeProviders;
let dir: string;
let runner: ChildProcess | null = null;

beforeAll(async () => {
  fake = await FakeProviders.start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-run-listen-'));
});
afterEach(async () => {
  if (runner && runner.exitCode === null) {
    const exited = new Promise((done) => runner!.once('exit', done));
    runner.kill('SIGTERM');
    await exited;
  }
  runner = null;
  fake.reset();
  rmSync(dir, { recursive: true, force: true });
});

const twilioEnv = {
  POSTCARD_TWILIO_ACCOUNT_SID: fakeCredentials.twilio.accountSid,
  POSTCARD_TWILIO_AUTH_TOKEN: fakeCredentials.twilio.authToken,
};

/**
 * A data dir with a live flow on an account (Twilio unless said) pointing at the fake, and one
 * contact enrolled. The credentials are typed in here and forgotten when this process's store
 * closes; the runner reads them from its environment, as on a headless host.
 */
async function prepare(provider: FakeProviderKind = 'twilio'): Promise<{ accountId: string; flowId: string }> {
  const postcard: Postcard = await openPostcard({ dataDir: join(dir, 'data'), seedSamples: false, secretStore: environmentSecretStore({}) });
  try {
    const ok = <T>(method: string, input: unknown): Promise<T> => okFrom<T>(postcard, method, input);
    const account = await ok<SendingAccount>('accounts.add', { provider, name: 'Main', sender: '+14155550100', baseUrl: fake.url, messagesPerSecond: 10, secrets: fakeCredentials[provider] });
    const flow = await ok<FlowDetail>('flows.create', { name: 'Spring' });
    await ok('flows.saveDraft', {
      id: flow.id,
      settings: { ...flow.settings, sendingAccountId: account.id, quietHours: { isEnabled: false, start: '21:00', end: '08:00' } },
      graph: graph(
        [node('t', 'trigger', { type: 'manual' }), node('s', 'sms', { body: 'Hi {{ first_name }}, the sale: https://shop.example/sale' }), node('x', 'exit')],
        [edge('t', 'next', 's'), edge('s', 'next', 'x')],
      ),
    });
    await ok('flows.publish', { id: flow.id });
    await ok('contacts.import', { csv: 'phone,first_name,consent\n+12125550160,Ava,opted_in' });
    await ok('engine.enroll', { flowId: flow.id, phones: ['+12125550160'] });
    return { accountId: account.id, flowId: flow.id };
  } finally {
    postcard.close();
  }
}

/** Starts the runner and resolves with the listener's address once it says where it listens. */
function startRunner(credentials: Record<string, string> = twilioEnv): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, '--data-dir', join(dir, 'data'), 'run', '--listen', '127.0.0.1:0', '--public-url', PUBLIC_URL], {
      env: { PATH: process.env.PATH ?? '', HOME: dir, POSTCARD_SECRETS: 'env', ...credentials },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    runner = child;
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (match) done(match[1]!);
    });
    child.once('exit', (code) => fail(new Error(`postcard run exited (${code}): ${stderr}`)));
  });
}

async function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function twilioSignature(url: string, form: URLSearchParams, token = fakeCredentials.twilio.authToken): string {
  const sorted = [...form.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHmac('sha1', token).update(url + sorted.map(([k, v]) => k + v).join('')).digest('base64');
}

function postWebhook(listener: string, path: string, form: URLSearchParams, signature: string): Promise<Response> {
  return fetch(`${listener}${path}`, { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature } });
}

describe('postcard run --listen', { timeout: 180_000 }, () => {
  it('sends with the status callback URL, applies signed webhooks, refuses forged ones (403, nothing changes), and redirects tracked links', async () => {
    const { accountId } = await prepare();
    const listener = await startRunner();
    const sent = await until('the runner to send', () => fake.messages[0]);
    expect(fake.violations).toEqual([]);
    expect(sent.statusCallback).toBe(`${PUBLIC_URL}/webhooks/${accountId}/status`);

    const db = new Database(join(dir, 'data', 'postcard.db'), { readonly: true });
    try {
      const status = (): string => String(db.prepare('SELECT status FROM messages WHERE provider_message_id = ?').pluck().get(sent.id));
      await until('the message to be recorded as sent', () => status() === 'sent');

      // A forged callback (signed with another token): 403, and the message stays as it was.
      const path = `/webhooks/${accountId}/status`;
      const delivered = new URLSearchParams({ MessageSid: sent.id, MessageStatus: 'delivered', AccountSid: fakeCredentials.twilio.accountSid });
      const forged = await postWebhook(listener, path, delivered, twilioSignature(PUBLIC_URL + path, delivered, 'not-the-auth-token'));
      expect(forged.status).toBe(403);
      const unsigned = await fetch(`${listener}${path}`, { method: 'POST', body: delivered.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(unsigned.status).toBe(403);
      expect(status()).toBe('sent');

      // Twilio's own callback, signed over the public URL: the message is delivered.
      const genuine = await postWebhook(listener, path, delivered, twilioSignature(PUBLIC_URL + path, delivered));
      expect(genuine.status).toBe(200);
      expect(status()).toBe('delivered');

      // HELP through the inbound webhook is answered through the same Twilio account.
      const inboundPath = `/webhooks/${accountId}/inbound`;
      const help = new URLSearchParams({ MessageSid: 'SMinbound0000', From: '+12125550160', To: '+14155550100', Body: 'help', NumMedia: '0' });
      expect((await postWebhook(listener, inboundPath, help, twilioSignature(PUBLIC_URL + inboundPath, help))).status).toBe(200);
      const helpReply = await until('the HELP answer', () => fake.messages.find((m) => m.to === '+12125550160' && m.id !== sent.id));
      expect(helpReply.from).toBe('+14155550100');
      expect(helpReply.body).toMatch(/STOP/);

      // The contact's STOP through the inbound webhook reaches the consent ledger at once.
      const stop = new URLSearchParams({ MessageSid: 'SMinbound0001', From: '+12125550160', To: '+14155550100', Body: 'STOP', NumMedia: '0' });
      expect((await postWebhook(listener, inboundPath, stop, twilioSignature(PUBLIC_URL + inboundPath, stop))).status).toBe(200);
      expect(db.prepare(`SELECT kind FROM consent_events c JOIN contacts p ON p.id = c.contact_id WHERE p.phone = '+12125550160' ORDER BY c.id DESC LIMIT 1`).pluck().get()).toBe('opt_out');

      // The tracked link in the message redirects to the shop and the click is recorded.
      const code = /\/l\/([0-9A-Za-z]{10})/.exec(sent.body)?.[1];
      expect(code).toBeDefined();
      const click = await fetch(`${listener}/l/${code}`, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)' } });
      expect(click.status).toBe(302);
      expect(click.headers.get('location')).toMatch(/^https:\/\/shop\.example\/sale\?/);
      expect(Number(db.prepare('SELECT count(*) FROM clicks').pluck().get())).toBe(1);
      const unknown = await fetch(`${listener}/l/ZZZZZZZZZZ`, { redirect: 'manual' });
      expect(unknown.status).toBe(404);
      expect(Number(db.prepare('SELECT count(*) FROM clicks').pluck().get())).toBe(1);
    } finally {
      db.close();
    }
  });

  it('refuses --listen without --public-url, in words', async () => {
    const child = spawn(process.execPath, [bin, '--data-dir', join(dir, 'data'), 'run', '--listen', '127.0.0.1:0'], { env: { PATH: process.env.PATH ?? '', HOME: dir, POSTCARD_SECRETS: 'env' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((done) => child.once('exit', done));
    expect(code).toBe(1);
    expect(stderr).toMatch(/--listen needs --public-url/);
  });
});

/** A Telnyx webhook as Telnyx signs it: Ed25519 over `timestamp|body`, timestamp in seconds. */
function telnyxHeaders(body: string, privateKey: KeyObject, at = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(at / 1000));
  return {
    'content-type': 'application/json',
    'telnyx-timestamp': timestamp,
    'telnyx-signature-ed25519': sign(null, Buffer.from(`${timestamp}|${body}`, 'utf8'), privateKey).toString('base64'),
  };
}

/** A Vonage signed webhook: `Authorization: Bearer` JWT, HS256 with the signature secret, carrying the body's SHA-256. */
function vonageHeaders(body: string, secret: string, at = Date.now()): Record<string, string> {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { iat: Math.floor(at / 1000), jti: `jti-${at}`, iss: 'Vonage', payload_hash: createHash('sha256').update(body).digest('hex'), api_key: fakeCredentials.vonage.apiKey };
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return { 'content-type': 'application/json', authorization: `Bearer ${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}` };
}

describe('postcard run --listen: Telnyx and Vonage webhooks, verified with the account’s webhook key / signature secret', { timeout: 180_000 }, () => {
  /** Starts a runner on a live flow through `provider`, waits for its send, and returns what the checks need. */
  async function sentThrough(provider: 'telnyx' | 'vonage', env: Record<string, string>) {
    const { accountId } = await prepare(provider);
    const listener = await startRunner(env);
    const sent = await until('the runner to send', () => fake.messages[0]);
    expect(fake.violations).toEqual([]);
    const db = new Database(join(dir, 'data', 'postcard.db'), { readonly: true });
    const status = (): string => String(db.prepare('SELECT status FROM messages WHERE provider_message_id = ?').pluck().get(sent.id));
    await until('the message to be recorded as sent', () => status() === 'sent');
    const post = (body: string, headers: Record<string, string>, kind: 'status' | 'inbound' = 'status'): Promise<number> =>
      fetch(`${listener}/webhooks/${accountId}/${kind}`, { method: 'POST', body, headers }).then((response) => response.status);
    return { sent, status, post, accountId, db, close: () => db.close() };
  }

  /** A contact's reply as each provider's inbound webhook carries it. */
  const inboundBodies = {
    telnyx: (from: string, text: string) =>
      JSON.stringify({
        data: {
          record_type: 'event',
          id: '6e1c5a2b-0d6c-4a43-9d25-4a61a2f1c0ff',
          event_type: 'message.received',
          occurred_at: new Date().toISOString(),
          payload: { record_type: 'message', id: 'b0c5e8a4-41d4-4a1c-9f0e-5e2f3c1d0a99', direction: 'inbound', type: 'SMS', from: { phone_number: from }, to: [{ phone_number: '+14155550100' }], text, media: [] },
        },
        meta: { attempt: 1, delivered_to: `${PUBLIC_URL}/webhooks` },
      }),
    vonage: (from: string, text: string) =>
      JSON.stringify({ message_uuid: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeee01', to: '14155550100', from: from.replace('+', ''), timestamp: new Date().toISOString(), channel: 'sms', message_type: 'text', text }),
  };

  it.each(['telnyx', 'vonage'] as const)('%s: a signed inbound STOP reaches the consent ledger at once, and the next drain sends nothing more to that contact', async (provider) => {
    const telnyx = telnyxKeyPair();
    const secret = 'vonage-signature-secret-0123456789abcdef';
    const env: Record<string, string> =
      provider === 'telnyx'
        ? { POSTCARD_TELNYX_API_KEY: fakeCredentials.telnyx.apiKey, POSTCARD_TELNYX_PUBLIC_KEY: telnyx.publicKeyText }
        : { POSTCARD_VONAGE_API_KEY: fakeCredentials.vonage.apiKey, POSTCARD_VONAGE_API_SECRET: fakeCredentials.vonage.apiSecret, POSTCARD_VONAGE_SIGNATURE_SECRET: secret };
    const signed = (body: string): Record<string, string> => (provider === 'telnyx' ? telnyxHeaders(body, telnyx.privateKey) : vonageHeaders(body, secret));
    const { post, accountId, db, close } = await sentThrough(provider, env);
    try {
      const latestConsent = (): unknown =>
        db.prepare(`SELECT kind FROM consent_events c JOIN contacts p ON p.id = c.contact_id WHERE p.phone = '+12125550160' ORDER BY c.id DESC LIMIT 1`).pluck().get();
      expect(latestConsent()).toBe('opt_in');
      const stop = inboundBodies[provider]('+12125550160', 'STOP');
      // Unsigned, it changes nothing.
      expect(await post(stop, { 'content-type': 'application/json' }, 'inbound')).toBe(403);
      expect(latestConsent()).toBe('opt_in');
      expect(await post(stop, signed(stop), 'inbound')).toBe(200);
      expect(latestConsent()).toBe('opt_out');

      // Another flow on the same account reaches for the contact: the runner sends it nothing.
      const postcard: Postcard = await openPostcard({ dataDir: join(dir, 'data'), seedSamples: false, secretStore: environmentSecretStore({}) });
      try {
        const ok = <T>(method: string, input: unknown): Promise<T> => okFrom<T>(postcard, method, input);
        const flow = await ok<FlowDetail>('flows.create', { name: 'Follow-up' });
        await ok('flows.saveDraft', {
          id: flow.id,
          settings: { ...flow.settings, sendingAccountId: accountId, quietHours: { isEnabled: false, start: '21:00', end: '08:00' } },
          graph: graph([node('t', 'trigger', { type: 'manual' }), node('s', 'sms', { body: 'One more thing' }), node('x', 'exit')], [edge('t', 'next', 's'), edge('s', 'next', 'x')]),
        });
        await ok('flows.publish', { id: flow.id });
        await ok('engine.enroll', { flowId: flow.id, phones: ['+12125550160'] });
      } finally {
        postcard.close();
      }
      await until('the follow-up to be settled', () => db.prepare(`SELECT count(*) FROM messages WHERE status IN ('queued', 'sending')`).pluck().get() === 0);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(fake.messages.filter((m) => m.body === 'One more thing')).toEqual([]);
      expect(fake.messagesTo('+12125550160')).toHaveLength(1);
    } finally {
      close();
    }
  });

  it('Telnyx: a status webhook signed with the account’s key pair is applied; forged, stale and unsigned ones get 403 and change nothing', async () => {
    const telnyx = telnyxKeyPair();
    const impostor = telnyxKeyPair();
    const { sent, status, post, close } = await sentThrough('telnyx', {
      POSTCARD_TELNYX_API_KEY: fakeCredentials.telnyx.apiKey,
      POSTCARD_TELNYX_PUBLIC_KEY: telnyx.publicKeyText,
    });
    try {
      const delivered = JSON.stringify({
        data: {
          record_type: 'event',
          id: '6e1c5a2b-0d6c-4a43-9d25-4a61a2f1c001',
          event_type: 'message.finalized',
          occurred_at: new Date().toISOString(),
          payload: { record_type: 'message', id: sent.id, direction: 'outbound', type: 'SMS', from: { phone_number: '+14155550100' }, to: [{ phone_number: sent.to, status: 'delivered' }], text: sent.body, errors: [] },
        },
        meta: { attempt: 1, delivered_to: `${PUBLIC_URL}/webhooks` },
      });
      expect(await post(delivered, telnyxHeaders(delivered, impostor.privateKey))).toBe(403);
      expect(await post(delivered, telnyxHeaders(delivered, telnyx.privateKey, Date.now() - 10 * 60_000))).toBe(403);
      expect(await post(delivered, { 'content-type': 'application/json' })).toBe(403);
      // Signed for another body: the signature covers every byte.
      expect(await post(delivered.replace('delivered', 'delivery_failed'), telnyxHeaders(delivered, telnyx.privateKey))).toBe(403);
      expect(status()).toBe('sent');

      expect(await post(delivered, telnyxHeaders(delivered, telnyx.privateKey))).toBe(200);
      expect(status()).toBe('delivered');
    } finally {
      close();
    }
  });

  it('Vonage: a status webhook whose JWT is signed with the signature secret is applied; a forged one or one signed long ago gets 403 and changes nothing', async () => {
    const secret = 'vonage-signature-secret-0123456789abcdef';
    const { sent, status, post, close } = await sentThrough('vonage', {
      POSTCARD_VONAGE_API_KEY: fakeCredentials.vonage.apiKey,
      POSTCARD_VONAGE_API_SECRET: fakeCredentials.vonage.apiSecret,
      POSTCARD_VONAGE_SIGNATURE_SECRET: secret,
    });
    try {
      const delivered = JSON.stringify({
        message_uuid: sent.id,
        to: sent.to.replace('+', ''),
        from: '14155550100',
        timestamp: new Date().toISOString(),
        status: 'delivered',
        channel: 'sms',
        client_ref: sent.clientRef,
      });
      expect(await post(delivered, vonageHeaders(delivered, 'not-the-signature-secret'))).toBe(403);
      expect(await post(delivered, vonageHeaders(delivered, secret, Date.now() - 10 * 60_000))).toBe(403);
      expect(await post(delivered, { 'content-type': 'application/json' })).toBe(403);
      // The JWT carries the hash of another body.
      expect(await post(delivered.replace('"delivered"', '"rejected"'), vonageHeaders(delivered, secret))).toBe(403);
      expect(status()).toBe('sent');

      expect(await post(delivered, vonageHeaders(delivered, secret))).toBe(200);
      expect(status()).toBe('delivered');
    } finally {
      close();
    }
  });
});
