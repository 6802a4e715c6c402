import { createHash, createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readWebhook, twilioSignature, verifyTelnyx, verifyTwilio, verifyVonage, type WebhookRequest } from '../../src/main/providers/webhooks';

// Signatures here are computed with node:crypto straight from each provider's documented
// algorithm, independently of the code under test (Twilio's also against its published example).

const now = Date.UTC(2026, 11, 4, 15, 0, 0);

describe('Twilio X-Twilio-Signature', () => {
  it('matches the worked example in Twilio’s webhook security guide', () => {
    const params = new URLSearchParams({ CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' });
    expect(twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  const url = 'https://hooks.example.com/webhooks/twilio-main/status';
  const body = 'MessageSid=SM0123&MessageStatus=undelivered&ErrorCode=30006&To=%2B15557654321&From=%2B15550001111&AccountSid=AC1';
  const signed = (): string => {
    // URL, then each parameter name and value sorted by name, HMAC-SHA1 with the Auth Token.
    const data = url + 'AccountSidAC1' + 'ErrorCode30006' + 'From+15550001111' + 'MessageSidSM0123' + 'MessageStatusundelivered' + 'To+15557654321';
    return createHmac('sha1', 'token-abc').update(data).digest('base64');
  };
  const request = (headers: Record<string, string>, rawBody = body): WebhookRequest => ({ url, headers, rawBody, now });

  it('accepts a signed status callback and reads the failure', () => {
    const outcome = readWebhook('twilio', { provider: 'twilio', accountSid: 'AC1', authToken: 'token-abc' }, 'status', request({ 'x-twilio-signature': signed() }));
    expect(outcome).toEqual({
      ok: true,
      events: [{ kind: 'status', idempotencyKey: null, status: { providerMessageId: 'SM0123', state: 'undelivered', code: '30006', errorClass: 'invalid_number', detail: 'undelivered', at: now } }],
    });
  });

  it('refuses a missing, forged or tampered signature', () => {
    expect(verifyTwilio('token-abc', request({}))).toEqual({ ok: false, reason: 'no X-Twilio-Signature header' });
    expect(verifyTwilio('other-token', request({ 'x-twilio-signature': signed() })).ok).toBe(false);
    expect(verifyTwilio('token-abc', request({ 'x-twilio-signature': signed() }, body.replace('undelivered', 'delivered'))).ok).toBe(false);
  });

  it('reads an inbound reply with its media', () => {
    const inbound = 'MessageSid=SM9&From=%2B15557654321&To=%2B15550001111&Body=STOP&NumMedia=1&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2Fm.jpg';
    const params = new URLSearchParams(inbound);
    const signature = twilioSignature('token-abc', url, params);
    const outcome = readWebhook('twilio', { provider: 'twilio', accountSid: 'AC1', authToken: 'token-abc' }, 'inbound', { url, headers: { 'x-twilio-signature': signature }, rawBody: inbound, now });
    expect(outcome).toEqual({ ok: true, events: [{ kind: 'inbound', message: { from: '+15557654321', to: '+15550001111', body: 'STOP', at: now, providerMessageId: 'SM9', mediaUrls: ['https://api.twilio.com/m.jpg'] } }] });
  });
});

describe('Telnyx telnyx-signature-ed25519', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const publicKeyBase64 = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url').toString('base64');
  const event = JSON.stringify({
    data: {
      event_type: 'message.finalized',
      id: 'evt-1',
      occurred_at: '2026-12-04T14:59:58.000+00:00',
      record_type: 'event',
      payload: { id: 'msg-1', to: [{ phone_number: '+15557654321', status: 'delivery_failed' }], errors: [{ code: '40300', title: 'Blocked due to STOP message' }], text: 'Hi' },
    },
  });
  const signedRequest = (timestampSeconds: number, rawBody = event): WebhookRequest => ({
    url: 'https://hooks.example.com/webhooks/telnyx-main/status',
    headers: {
      'telnyx-timestamp': String(timestampSeconds),
      'telnyx-signature-ed25519': sign(null, Buffer.from(`${timestampSeconds}|${event}`), privateKey).toString('base64'),
    },
    rawBody,
    now,
  });

  it('accepts a fresh signed event and reads the opt-out', () => {
    const outcome = readWebhook('telnyx', { provider: 'telnyx', apiKey: 'KEY', publicKey: publicKeyBase64 }, 'status', signedRequest(now / 1000 - 2));
    expect(outcome.ok && outcome.events).toEqual([
      { kind: 'status', idempotencyKey: null, status: { providerMessageId: 'msg-1', state: 'undelivered', code: '40300', errorClass: 'opted_out', detail: 'Blocked due to STOP message', at: Date.parse('2026-12-04T14:59:58Z') } },
    ]);
  });

  it('refuses a stale timestamp, a tampered body, another key, and no signature', () => {
    expect(verifyTelnyx(publicKeyBase64, signedRequest(now / 1000 - 301))).toMatchObject({ ok: false, reason: expect.stringMatching(/stale/) });
    expect(verifyTelnyx(publicKeyBase64, signedRequest(now / 1000, event.replace('delivery_failed', 'delivered'))).ok).toBe(false);
    const other = Buffer.from(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x ?? '', 'base64url').toString('base64');
    expect(verifyTelnyx(other, signedRequest(now / 1000)).ok).toBe(false);
    expect(verifyTelnyx(publicKeyBase64, { url: 'x', headers: {}, rawBody: event, now }).ok).toBe(false);
  });

  it('reads an inbound message', () => {
    const inbound = JSON.stringify({ data: { event_type: 'message.received', occurred_at: '2026-12-04T15:00:00Z', payload: { id: 'in-1', from: { phone_number: '+15557654321' }, to: [{ phone_number: '+15550001111' }], text: 'START', media: [] } } });
    const ts = now / 1000;
    const outcome = readWebhook('telnyx', { provider: 'telnyx', apiKey: 'KEY', publicKey: publicKeyBase64 }, 'inbound', {
      url: 'u',
      headers: { 'telnyx-timestamp': String(ts), 'telnyx-signature-ed25519': sign(null, Buffer.from(`${ts}|${inbound}`), privateKey).toString('base64') },
      rawBody: inbound,
      now,
    });
    expect(outcome.ok && outcome.events).toEqual([{ kind: 'inbound', message: { from: '+15557654321', to: '+15550001111', body: 'START', at: now, providerMessageId: 'in-1', mediaUrls: [] } }]);
  });
});

describe('Vonage signed webhooks (JWT HS256 with payload_hash)', () => {
  const secret = 'vonage-signature-secret';
  const body = JSON.stringify({ message_uuid: 'aaaa-1', to: '15557654321', from: '15550001111', timestamp: '2026-12-04T14:59:59Z', status: 'rejected', client_ref: 'pc-abc-1', channel: 'sms', error: { type: 'https://developer.nexmo.com/api-errors/messages-olympus#1050', title: '1050', detail: 'Number barred' } });
  const jwt = (claims: Record<string, unknown>, key = secret): string => {
    const encode = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
    return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
  };
  const hash = createHash('sha256').update(body).digest('hex');
  const request = (token: string, rawBody = body): WebhookRequest => ({ url: 'u', headers: { authorization: `Bearer ${token}` }, rawBody, now });

  it('accepts a signed status and reads the refusal with our client_ref', () => {
    const outcome = readWebhook('vonage', { provider: 'vonage', apiKey: 'k', apiSecret: 's', signatureSecret: secret }, 'status', request(jwt({ iat: now / 1000 - 10, jti: 'j', iss: 'Vonage', payload_hash: hash })));
    expect(outcome.ok && outcome.events).toEqual([
      { kind: 'status', idempotencyKey: 'pc-abc-1', status: { providerMessageId: 'aaaa-1', state: 'failed', code: '1050', errorClass: 'opted_out', detail: 'Number barred', at: Date.parse('2026-12-04T14:59:59Z') } },
    ]);
  });

  it('refuses another secret, a body that does not match payload_hash, a stale token, and none', () => {
    expect(verifyVonage(secret, request(jwt({ iat: now / 1000, payload_hash: hash }, 'wrong')))).toMatchObject({ ok: false, reason: 'the JWT signature does not match' });
    expect(verifyVonage(secret, request(jwt({ iat: now / 1000, payload_hash: hash }), body.replace('rejected', 'delivered')))).toMatchObject({ ok: false, reason: 'payload_hash does not match the body' });
    expect(verifyVonage(secret, request(jwt({ iat: now / 1000 - 600, payload_hash: hash })))).toMatchObject({ ok: false, reason: expect.stringMatching(/stale/) });
    expect(verifyVonage(secret, { url: 'u', headers: {}, rawBody: body, now })).toMatchObject({ ok: false });
  });

  it('reads an inbound SMS into E.164', () => {
    const inbound = JSON.stringify({ channel: 'sms', message_uuid: 'in-2', to: '15550001111', from: '15557654321', timestamp: '2026-12-04T15:00:00Z', text: 'UNSUBSCRIBE', message_type: 'text' });
    const token = jwt({ iat: now / 1000, payload_hash: createHash('sha256').update(inbound).digest('hex') });
    const outcome = readWebhook('vonage', { provider: 'vonage', apiKey: 'k', apiSecret: 's', signatureSecret: secret }, 'inbound', request(token, inbound));
    expect(outcome.ok && outcome.events).toEqual([{ kind: 'inbound', message: { from: '+15557654321', to: '+15550001111', body: 'UNSUBSCRIBE', at: now, providerMessageId: 'in-2', mediaUrls: [] } }]);
  });

  it('refuses when the account has no signature secret to check with', () => {
    expect(readWebhook('vonage', { provider: 'vonage', apiKey: 'k', apiSecret: 's' }, 'status', request('x.y.z'))).toMatchObject({ ok: false, reason: expect.stringMatching(/no Vonage signature secret/) });
  });
});
