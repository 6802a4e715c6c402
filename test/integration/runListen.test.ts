import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
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
import { FakeProviders, fakeCredentials } from '../support/fakeProviders';
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

/** A data dir with a live flow on a Twilio account pointing at the fake, and one contact enrolled. */
async function prepare(): Promise<{ accountId: string; flowId: string }> {
  const postcard: Postcard = await openPostcard({ dataDir: join(dir, 'data'), seedSamples: false, secretStore: environmentSecretStore({}) });
  try {
    const ok = <T>(method: string, input: unknown): Promise<T> => okFrom<T>(postcard, method, input);
    const account = await ok<SendingAccount>('accounts.add', { provider: 'twilio', name: 'Main', sender: '+14155550100', baseUrl: fake.url, messagesPerSecond: 10, secrets: fakeCredentials.twilio });
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
function startRunner(): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, '--data-dir', join(dir, 'data'), 'run', '--listen', '127.0.0.1:0', '--public-url', PUBLIC_URL], {
      env: { PATH: process.env.PATH ?? '', HOME: dir, POSTCARD_SECRETS: 'env', ...twilioEnv },
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
