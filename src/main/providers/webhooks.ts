import { createHash, createHmac, createPublicKey, timingSafeEqual, verify } from 'node:crypto';
import type { ProviderKind } from '../../shared/providers/kinds';
import type { ProviderSecrets } from './account';
import { isObject, stringField, timeOf } from './http';
import { providerStatus } from './httpAdapter';

export { receiptOf } from './httpAdapter';
import { statusOfTelnyxMessage } from './telnyx';
import { twilioState } from './twilio';
import type { InboundMessage, ProviderMessageStatus } from './types';
import { vonageCode, vonageState } from './vonage';

/**
 * Provider callbacks: each request's signature checked the provider's documented way, then its
 * body read into our types. Pure functions of (secret, request, now); the HTTP listener
 * (src/main/http/webhooks.ts) feeds them. A request that fails verification changes nothing.
 */
export interface WebhookRequest {
  /** The full public URL the provider called (what it signed, for Twilio). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  now: number;
}

export type WebhookKind = 'status' | 'inbound';

export type Verification = { ok: true } | { ok: false; reason: string };

export type WebhookEvent =
  | { kind: 'status'; status: ProviderMessageStatus; /** Vonage echoes our client_ref */ idempotencyKey: string | null }
  | { kind: 'inbound'; message: InboundMessage };

/** Signed timestamps older (or further ahead) than this are refused as replays. */
export const webhookToleranceMs = 5 * 60_000;

function header(request: WebhookRequest, name: string): string | null {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

// ------------------------------------------------------------------------------ Twilio
/** X-Twilio-Signature: Base64 HMAC-SHA1, keyed with the Auth Token, over the URL then each POST parameter name and value, sorted by name. */
export function twilioSignature(authToken: string, url: string, params: URLSearchParams): string {
  const sorted = [...params.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const data = url + sorted.map(([key, value]) => key + value).join('');
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

export function verifyTwilio(authToken: string, request: WebhookRequest): Verification {
  const given = header(request, 'x-twilio-signature');
  if (!given) return { ok: false, reason: 'no X-Twilio-Signature header' };
  const expected = twilioSignature(authToken, request.url, new URLSearchParams(request.rawBody));
  return sameBytes(Buffer.from(given), Buffer.from(expected)) ? { ok: true } : { ok: false, reason: 'X-Twilio-Signature does not match' };
}

export function parseTwilio(kind: WebhookKind, request: WebhookRequest): WebhookEvent[] {
  const form = new URLSearchParams(request.rawBody);
  const sid = form.get('MessageSid') ?? form.get('SmsSid');
  if (kind === 'inbound') {
    const from = form.get('From');
    if (!from) return [];
    const count = Number(form.get('NumMedia') ?? 0);
    const mediaUrls = Array.from({ length: Number.isInteger(count) ? Math.min(count, 10) : 0 }, (_, i) => form.get(`MediaUrl${i}`)).filter((u): u is string => u !== null);
    return [{ kind: 'inbound', message: { from, to: form.get('To') ?? undefined, body: form.get('Body') ?? '', at: request.now, providerMessageId: sid ?? undefined, mediaUrls } }];
  }
  const state = twilioState(form.get('MessageStatus') ?? form.get('SmsStatus') ?? '');
  if (!sid || !state) return [];
  const code = form.get('ErrorCode') || null;
  return [{ kind: 'status', status: providerStatus(sid, state, code, form.get('ErrorMessage') ?? form.get('MessageStatus'), request.now), idempotencyKey: null }];
}

// ------------------------------------------------------------------------------ Telnyx
/** telnyx-signature-ed25519: Base64 Ed25519 signature of `timestamp|raw body`, checked with the account's public key (Base64, 32 bytes). */
export function verifyTelnyx(publicKeyBase64: string, request: WebhookRequest, toleranceMs = webhookToleranceMs): Verification {
  const signature = header(request, 'telnyx-signature-ed25519');
  const timestamp = header(request, 'telnyx-timestamp');
  if (!signature || !timestamp) return { ok: false, reason: 'no telnyx-signature-ed25519 / telnyx-timestamp headers' };
  const seconds = Number(timestamp);
  if (!Number.isFinite(seconds)) return { ok: false, reason: 'telnyx-timestamp is not a number' };
  if (Math.abs(request.now - seconds * 1000) > toleranceMs) return { ok: false, reason: `telnyx-timestamp is ${Math.round(Math.abs(request.now / 1000 - seconds))} s away from now (stale or replayed)` };
  let key;
  try {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKeyBase64, 'base64').toString('base64url') }, format: 'jwk' });
  } catch {
    return { ok: false, reason: 'the account’s Telnyx public key is not a Base64 Ed25519 key' };
  }
  const isValid = verify(null, Buffer.from(`${timestamp}|${request.rawBody}`, 'utf8'), key, Buffer.from(signature, 'base64'));
  return isValid ? { ok: true } : { ok: false, reason: 'telnyx-signature-ed25519 does not match' };
}

export function parseTelnyx(request: WebhookRequest): WebhookEvent[] {
  const event = parseJson(request.rawBody);
  const data = isObject(event) ? event.data : null;
  const type = stringField(data, 'event_type');
  const payload = isObject(data) ? data.payload : null;
  const at = timeOf(stringField(data, 'occurred_at'), request.now);
  if (type === 'message.received') {
    const from = isObject(payload) ? stringField(payload.from, 'phone_number') : null;
    if (!from || !isObject(payload)) return [];
    const recipients = Array.isArray(payload.to) ? payload.to : [];
    const media = Array.isArray(payload.media) ? payload.media : [];
    return [
      {
        kind: 'inbound',
        message: {
          from,
          to: stringField(recipients[0], 'phone_number') ?? undefined,
          body: stringField(payload, 'text') ?? '',
          at,
          providerMessageId: stringField(payload, 'id') ?? undefined,
          mediaUrls: media.map((m) => stringField(m, 'url')).filter((u): u is string => u !== null),
        },
      },
    ];
  }
  if (type === 'message.sent' || type === 'message.finalized') {
    const status = statusOfTelnyxMessage(payload, at);
    return status ? [{ kind: 'status', status: { ...status, at }, idempotencyKey: null }] : [];
  }
  return [];
}

// ------------------------------------------------------------------------------ Vonage
/**
 * Vonage signed webhooks: `Authorization: Bearer <JWT>` signed HS256 with the account's
 * signature secret; its `payload_hash` is the SHA-256 (hex) of the body, `iat` when it was signed.
 */
export function verifyVonage(signatureSecret: string, request: WebhookRequest, toleranceMs = webhookToleranceMs): Verification {
  const authorization = header(request, 'authorization');
  const token = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : null;
  if (!token) return { ok: false, reason: 'no Bearer token in Authorization' };
  const [head, body, signature] = token.split('.');
  if (!head || !body || signature === undefined) return { ok: false, reason: 'the Authorization token is not a JWT' };
  const headerJson = parseJson(Buffer.from(head, 'base64url').toString('utf8'));
  if (stringField(headerJson, 'alg') !== 'HS256') return { ok: false, reason: 'the JWT is not signed HS256' };
  const expected = createHmac('sha256', signatureSecret).update(`${head}.${body}`).digest();
  if (!sameBytes(Buffer.from(signature, 'base64url'), expected)) return { ok: false, reason: 'the JWT signature does not match' };
  const claims = parseJson(Buffer.from(body, 'base64url').toString('utf8'));
  const hash = createHash('sha256').update(request.rawBody, 'utf8').digest('hex');
  if (stringField(claims, 'payload_hash')?.toLowerCase() !== hash) return { ok: false, reason: 'payload_hash does not match the body' };
  const iat = Number(stringField(claims, 'iat'));
  if (!Number.isFinite(iat) || Math.abs(request.now - iat * 1000) > toleranceMs) return { ok: false, reason: 'the JWT was not issued within the last 5 minutes (stale or replayed)' };
  return { ok: true };
}

export function parseVonage(kind: WebhookKind, request: WebhookRequest): WebhookEvent[] {
  const event = parseJson(request.rawBody);
  const id = stringField(event, 'message_uuid');
  const at = timeOf(stringField(event, 'timestamp'), request.now);
  if (!id || !isObject(event)) return [];
  if (kind === 'inbound') {
    const from = stringField(event, 'from');
    if (!from) return [];
    const imageUrl = stringField(event.image, 'url');
    const to = stringField(event, 'to');
    return [{ kind: 'inbound', message: { from: withPlus(from), to: to ? withPlus(to) : undefined, body: stringField(event, 'text') ?? stringField(event.image, 'caption') ?? '', at, providerMessageId: id, mediaUrls: imageUrl ? [imageUrl] : [] } }];
  }
  const state = vonageState(stringField(event, 'status') ?? '');
  if (!state) return [];
  const error = isObject(event.error) ? event.error : null;
  const code = error ? vonageCode(error) : null;
  return [{ kind: 'status', status: providerStatus(id, state, code, stringField(error, 'detail') ?? stringField(event, 'status'), at), idempotencyKey: stringField(event, 'client_ref') }];
}

/** Vonage writes numbers without '+'; contacts are stored in E.164. */
const withPlus = (number: string): string => (/^\d+$/.test(number) ? `+${number}` : number);

// ------------------------------------------------------------------------------ one entry point
export type WebhookOutcome = { ok: true; events: WebhookEvent[] } | { ok: false; reason: string };

/** Verifies a callback with the account's secrets, then reads it. Unsigned, forged and stale requests are refused with the reason. */
export function readWebhook(provider: ProviderKind, secrets: ProviderSecrets, kind: WebhookKind, request: WebhookRequest): WebhookOutcome {
  if (secrets.provider !== provider) return { ok: false, reason: `the account's credentials are not ${provider}'s` };
  let verification: Verification;
  switch (secrets.provider) {
    case 'twilio':
      verification = verifyTwilio(secrets.authToken, request);
      break;
    case 'telnyx':
      verification = secrets.publicKey ? verifyTelnyx(secrets.publicKey, request) : { ok: false, reason: 'the account has no Telnyx public key to verify webhooks with' };
      break;
    case 'vonage':
      verification = secrets.signatureSecret ? verifyVonage(secrets.signatureSecret, request) : { ok: false, reason: 'the account has no Vonage signature secret to verify webhooks with' };
      break;
  }
  if (!verification.ok) return verification;
  const events = provider === 'twilio' ? parseTwilio(kind, request) : provider === 'telnyx' ? parseTelnyx(request) : parseVonage(kind, request);
  return { ok: true, events };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
