import { createSign, randomUUID } from 'node:crypto';
import type { ProviderAccountConfig, VonageSecrets } from './account';
import { baseUrlOf, basicAuth, isObject, networkFailure, stringField, timeOf } from './http';
import { HttpProviderAdapter, providerStatus } from './httpAdapter';
import type { ConnectionCheck, ProviderMessageState, ProviderMessageStatus, ReconcileQuery, ReconcileResult, SendRequest, SendResult } from './types';

export const vonageDefaultBaseUrl = 'https://api.nexmo.com';

/** Reports API records can trail the send by minutes. */
const reportsSettleMs = 15 * 60_000;

/**
 * Vonage Messages API v1: JSON POST /v1/messages with HTTP Basic (API key : secret) or a JWT
 * for an application (RS256, signed here with node:crypto), numbers without '+', `client_ref`
 * carrying our idempotency key. Vonage keeps the key but does not deduplicate by it, so a crash
 * is reconciled by finding the key in the Reports API's message records; the same records answer
 * status lookups (status otherwise comes by webhook only).
 */
export class VonageAdapter extends HttpProviderAdapter {
  readonly provider = 'vonage' as const;
  private readonly base: string;

  constructor(account: ProviderAccountConfig, private readonly secrets: VonageSecrets) {
    super(account, false);
    this.base = baseUrlOf(account.baseUrl, vonageDefaultBaseUrl);
  }

  async send(request: SendRequest): Promise<SendResult> {
    const refused = this.refuseBeforeSending(request);
    if (refused) return refused;
    const to = withoutPlus(request.to);
    const from = withoutPlus(this.account.from ?? '');
    const payload: Record<string, unknown> =
      request.channel === 'mms'
        ? { channel: 'mms', message_type: 'image', to, from, image: { url: request.mediaUrls?.[0], ...(request.body ? { caption: request.body } : {}) } }
        : { channel: 'sms', message_type: 'text', to, from, text: request.body };
    payload.client_ref = request.idempotencyKey;
    if (this.account.statusCallbackUrl) payload.webhook_url = this.account.statusCallbackUrl;
    const outcome = await this.call({
      method: 'POST',
      url: `${this.base}/v1/messages`,
      headers: { authorization: this.authorization(), 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(payload),
    });
    if (outcome.kind === 'network') return networkFailure(outcome);
    const uuid = stringField(outcome.json, 'message_uuid');
    if (outcome.status >= 200 && outcome.status < 300 && uuid) return { ok: true, providerMessageId: uuid, isDuplicate: false };
    return this.refusal(outcome, vonageCode(outcome.json), vonageWords(outcome.json), request.now);
  }

  async lookupStatus(providerMessageId: string): Promise<ProviderMessageStatus | null> {
    const params = new URLSearchParams({ product: 'MESSAGES', account_id: this.secrets.apiKey, direction: 'outbound', id: providerMessageId });
    const records = await this.records(params);
    const record = Array.isArray(records) ? records.find((r) => stringField(r, 'message_id') === providerMessageId) : undefined;
    return record ? statusOfVonageRecord(record, Date.now()) : null;
  }

  async reconcile(query: ReconcileQuery): Promise<ReconcileResult> {
    const params = new URLSearchParams({
      product: 'MESSAGES',
      account_id: this.secrets.apiKey,
      direction: 'outbound',
      date_start: new Date(query.claimedAt - 60_000).toISOString(),
      date_end: new Date(query.now + 60_000).toISOString(),
      to: withoutPlus(query.to),
    });
    const records = await this.records(params);
    if (!Array.isArray(records)) return { outcome: 'unknown', reason: records, retryAt: query.now + 60_000 };
    const match = records.find((r) => stringField(r, 'client_ref') === query.idempotencyKey);
    const id = match ? stringField(match, 'message_id') : null;
    if (id) return { outcome: 'sent', providerMessageId: id };
    return this.notFound(query, reportsSettleMs);
  }

  async testConnection(): Promise<ConnectionCheck> {
    const outcome = await this.call({ method: 'GET', url: `${this.base}/account/get-balance`, headers: { authorization: basicAuth(this.secrets.apiKey, this.secrets.apiSecret), accept: 'application/json' } });
    if (outcome.kind === 'network') return this.checkFailed(networkFailure(outcome));
    if (outcome.status !== 200) return this.checkFailed(this.refusal(outcome, vonageCode(outcome.json), vonageWords(outcome.json), Date.now()));
    const balance = stringField(outcome.json, 'value');
    return { ok: true, detail: `Vonage accepted the API key ${this.secrets.apiKey}${balance ? ` (balance ${balance})` : ''}` };
  }

  /** The records, or why there are none. */
  private async records(params: URLSearchParams): Promise<unknown[] | string> {
    const outcome = await this.call({
      method: 'GET',
      url: `${this.base}/v2/reports/records?${params.toString()}`,
      headers: { authorization: basicAuth(this.secrets.apiKey, this.secrets.apiSecret), accept: 'application/json' },
    });
    if (outcome.kind === 'network') return outcome.message;
    if (outcome.status !== 200 || !isObject(outcome.json) || !Array.isArray(outcome.json.records)) {
      return `Vonage answered the records search with HTTP ${outcome.status}${vonageWords(outcome.json) ? `: ${vonageWords(outcome.json)}` : ''}`;
    }
    return outcome.json.records;
  }

  private authorization(): string {
    if (this.secrets.applicationId && this.secrets.privateKey) return `Bearer ${vonageJwt(this.secrets.applicationId, this.secrets.privateKey, Date.now())}`;
    return basicAuth(this.secrets.apiKey, this.secrets.apiSecret);
  }
}

const withoutPlus = (number: string): string => number.replace(/^\+/, '');

/** The code in an RFC 7807 problem's `type` ("…/api-errors/messages#1000" → "1000"), else its title. */
export function vonageCode(json: unknown): string | null {
  const type = stringField(json, 'type');
  const fragment = type?.includes('#') ? type.slice(type.lastIndexOf('#') + 1) : null;
  return fragment || stringField(json, 'title');
}

function vonageWords(json: unknown): string | null {
  const title = stringField(json, 'title');
  const detail = stringField(json, 'detail');
  if (title && detail && detail !== title) return `${title}: ${detail}`;
  return detail ?? title;
}

/** A JWT for the application (RS256), valid 15 minutes, as Vonage's Messages API accepts. */
function vonageJwt(applicationId: string, privateKey: string, now: number): string {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(now / 1000);
  const input = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ application_id: applicationId, iat, exp: iat + 900, jti: randomUUID() })}`;
  const signature = createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url');
  return `${input}.${signature}`;
}

/** Vonage's message statuses (webhooks and records) in our vocabulary. */
export function vonageState(status: string): ProviderMessageState | null {
  switch (status.toLowerCase()) {
    case 'submitted':
    case 'accepted':
      return 'sent';
    case 'delivered':
    case 'read':
      return 'delivered';
    case 'rejected':
    case 'failed':
      return 'failed';
    case 'undeliverable':
    case 'expired':
      return 'undelivered';
    default:
      return null;
  }
}

function statusOfVonageRecord(record: unknown, now: number): ProviderMessageStatus | null {
  const id = stringField(record, 'message_id');
  const state = vonageState(stringField(record, 'status') ?? '');
  if (!id || !state) return null;
  return providerStatus(id, state, stringField(record, 'error_code'), stringField(record, 'status'), timeOf(stringField(record, 'date_finalized') ?? stringField(record, 'date_received'), now));
}
