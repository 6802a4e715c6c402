import { createHash, createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWebhookListener, type WebhookListener } from '../../src/main/http/webhooks';
import type { ProviderSecrets } from '../../src/main/providers/account';
import type { WebhookEvent, WebhookKind } from '../../src/main/providers/webhooks';

// The webhook listener on a real loopback port, called the way each provider calls it, with
// signatures computed by the providers' documented algorithms.

const publicUrl = 'https://hooks.example.com';
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const telnyxPublicKey = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url').toString('base64');

const accounts: Record<string, ProviderSecrets> = {
  'twilio-main': { provider: 'twilio', accountSid: 'AC1', authToken: 'twilio-token-xyz' },
  'telnyx-main': { provider: 'telnyx', apiKey: 'KEY1', publicKey: telnyxPublicKey },
  'vonage-main': { provider: 'vonage', apiKey: 'k', apiSecret: 's', signatureSecret: 'vonage-sig-secret' },
};

let listener: WebhookListener;
let delivered: Array<{ accountId: string; kind: WebhookKind; events: WebhookEvent[] }>;
let refused: string[];
let isDeliveryBroken = false;

beforeAll(async () => {
  listener = await startWebhookListener({
    host: '127.0.0.1',
    port: 0,
    publicUrl,
    secretsOf: (id) => accounts[id] ?? null,
    deliver: (accountId, kind, events) => {
      if (isDeliveryBroken) throw new Error('database is locked');
      delivered.push({ accountId, kind, events });
    },
    now: () => Date.now(),
    maxBodyBytes: 4_096,
    onRefused: (id, reason) => refused.push(`${id}: ${reason}`),
  });
});

afterAll(async () => {
  await listener.close();
});

beforeEach(() => {
  delivered = [];
  refused = [];
  isDeliveryBroken = false;
});

function post(path: string, body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${listener.url}${path}`, { method: 'POST', body, headers });
}

function twilioSigned(path: string, body: string, token = 'twilio-token-xyz'): Record<string, string> {
  const params = [...new URLSearchParams(body).entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  const signature = createHmac('sha1', token).update(publicUrl + path + params.map(([k, v]) => k + v).join('')).digest('base64');
  return { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature };
}

describe('webhook listener', () => {
  it('takes a signed Twilio STOP reply, hands it over and answers empty TwiML', async () => {
    const body = 'MessageSid=SM1&From=%2B15557654321&To=%2B15550001111&Body=STOP&NumMedia=0';
    const response = await post('/webhooks/twilio-main/inbound', body, twilioSigned('/webhooks/twilio-main/inbound', body));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<Response></Response>');
    expect(delivered).toEqual([{ accountId: 'twilio-main', kind: 'inbound', events: [{ kind: 'inbound', message: expect.objectContaining({ from: '+15557654321', body: 'STOP' }) }] }]);
  });

  it('refuses a forged or unsigned request with 403 and hands nothing over', async () => {
    const body = 'MessageSid=SM1&From=%2B15557654321&Body=STOP';
    expect((await post('/webhooks/twilio-main/inbound', body, twilioSigned('/webhooks/twilio-main/inbound', body, 'guessed-token'))).status).toBe(403);
    expect((await post('/webhooks/twilio-main/inbound', body, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(403);
    // Signed for another account's path: the URL is part of what Twilio signs.
    expect((await post('/webhooks/twilio-main/inbound', body, twilioSigned('/webhooks/other/inbound', body))).status).toBe(403);
    expect(delivered).toEqual([]);
    expect(refused).toHaveLength(3);
    expect(refused.join('\n')).not.toContain('twilio-token-xyz');
  });

  it('takes a fresh Telnyx event and refuses a replayed one', async () => {
    const body = JSON.stringify({ data: { event_type: 'message.finalized', occurred_at: new Date().toISOString(), payload: { id: 'm1', to: [{ phone_number: '+15557654321', status: 'delivered' }], errors: [] } } });
    const signed = (ts: number): Record<string, string> => ({
      'content-type': 'application/json',
      'telnyx-timestamp': String(ts),
      'telnyx-signature-ed25519': sign(null, Buffer.from(`${ts}|${body}`), privateKey).toString('base64'),
    });
    const fresh = Math.floor(Date.now() / 1000);
    expect((await post('/webhooks/telnyx-main/status', body, signed(fresh))).status).toBe(200);
    expect(delivered[0]?.events[0]).toMatchObject({ kind: 'status', status: { providerMessageId: 'm1', state: 'delivered' } });
    expect((await post('/webhooks/telnyx-main/status', body, signed(fresh - 600))).status).toBe(403);
    expect(delivered).toHaveLength(1);
  });

  it('takes a signed Vonage status', async () => {
    const body = JSON.stringify({ message_uuid: 'u1', to: '15557654321', from: '15550001111', timestamp: new Date().toISOString(), status: 'delivered', client_ref: 'pc-1' });
    const encode = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ iat: Math.floor(Date.now() / 1000), jti: 'j1', iss: 'Vonage', payload_hash: createHash('sha256').update(body).digest('hex') })}`;
    const token = `${input}.${createHmac('sha256', 'vonage-sig-secret').update(input).digest('base64url')}`;
    const response = await post('/webhooks/vonage-main/status', body, { 'content-type': 'application/json', authorization: `Bearer ${token}` });
    expect(response.status).toBe(200);
    expect(delivered[0]?.events).toEqual([{ kind: 'status', idempotencyKey: 'pc-1', status: expect.objectContaining({ providerMessageId: 'u1', state: 'delivered' }) }]);
  });

  it('answers 500 when the events cannot be stored, so the provider sends them again', async () => {
    isDeliveryBroken = true;
    const body = 'MessageSid=SM2&MessageStatus=delivered';
    expect((await post('/webhooks/twilio-main/status', body, twilioSigned('/webhooks/twilio-main/status', body))).status).toBe(500);
  });

  it('404 for an unknown account or path, 405 for GET, 413 for an oversized body', async () => {
    expect((await post('/webhooks/nobody/status', 'a=1', {})).status).toBe(404);
    expect((await post('/elsewhere', 'a=1', {})).status).toBe(404);
    expect((await fetch(`${listener.url}/webhooks/twilio-main/status`)).status).toBe(405);
    expect((await post('/webhooks/twilio-main/status', 'x'.repeat(10_000), {})).status).toBe(413);
    expect(delivered).toEqual([]);
  });
});
