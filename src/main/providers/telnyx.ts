import type { ProviderAccountConfig, TelnyxSecrets } from './account';
import { baseUrlOf, isObject, networkFailure, stringField, timeOf } from './http';
import { HttpProviderAdapter, providerStatus } from './httpAdapter';
import type { ConnectionCheck, ProviderMessageState, ProviderMessageStatus, ReconcileQuery, ReconcileResult, SendRequest, SendResult } from './types';

export const telnyxDefaultBaseUrl = 'https://api.telnyx.com';

/** Message detail records can trail the send by minutes. */
const detailRecordsSettleMs = 15 * 60_000;
/** Candidates whose text is looked up during a reconciliation; more than this is not decided. */
const maxCandidates = 5;

/**
 * Telnyx Messaging API v2: JSON POST /v2/messages with a Bearer API key, `media_urls` for MMS,
 * the id in `data.id`, GET /v2/messages/{id} for status. No idempotency key: a crash is
 * reconciled by searching the message detail records to the number since the claim and
 * comparing each candidate's text.
 */
export class TelnyxAdapter extends HttpProviderAdapter {
  readonly provider = 'telnyx' as const;
  private readonly base: string;

  constructor(account: ProviderAccountConfig, private readonly secrets: TelnyxSecrets) {
    super(account, false);
    this.base = `${baseUrlOf(account.baseUrl, telnyxDefaultBaseUrl)}/v2`;
  }

  async send(request: SendRequest): Promise<SendResult> {
    const refused = this.refuseBeforeSending(request);
    if (refused) return refused;
    const payload: Record<string, unknown> = { to: request.to };
    if (this.account.from) payload.from = this.account.from;
    else if (this.account.messagingProfileId) payload.messaging_profile_id = this.account.messagingProfileId;
    if (request.body !== '') payload.text = request.body;
    if (request.channel === 'mms') {
      payload.media_urls = [...(request.mediaUrls ?? [])];
      if (request.subject) payload.subject = request.subject;
    }
    if (this.account.statusCallbackUrl) payload.webhook_url = this.account.statusCallbackUrl;
    const outcome = await this.call({ method: 'POST', url: `${this.base}/messages`, headers: { ...this.headers(), 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    if (outcome.kind === 'network') return networkFailure(outcome);
    const id = isObject(outcome.json) ? stringField(outcome.json.data, 'id') : null;
    if (outcome.status >= 200 && outcome.status < 300 && id) return { ok: true, providerMessageId: id, isDuplicate: false };
    const first = firstError(outcome.json);
    return this.refusal(outcome, stringField(first, 'code'), telnyxWords(first), request.now);
  }

  async lookupStatus(providerMessageId: string): Promise<ProviderMessageStatus | null> {
    const message = await this.message(providerMessageId);
    return message ? statusOfTelnyxMessage(message, Date.now()) : null;
  }

  async reconcile(query: ReconcileQuery): Promise<ReconcileResult> {
    const params = new URLSearchParams({
      'filter[record_type]': 'messaging',
      'filter[direction]': 'outbound',
      'filter[cld]': query.to,
      'filter[created_at][gte]': new Date(query.claimedAt - 60_000).toISOString(),
      sort: '-created_at',
    });
    const outcome = await this.call({ method: 'GET', url: `${this.base}/detail_records?${params.toString()}`, headers: this.headers() });
    if (outcome.kind === 'network') return { outcome: 'unknown', reason: outcome.message, retryAt: query.now + 60_000 };
    if (outcome.status !== 200 || !isObject(outcome.json) || !Array.isArray(outcome.json.data)) {
      return { outcome: 'unknown', reason: `Telnyx answered the detail record search with HTTP ${outcome.status}`, retryAt: query.now + 60_000 };
    }
    const ids = outcome.json.data.map((r) => stringField(r, 'uuid') ?? stringField(r, 'id')).filter((id): id is string => id !== null);
    if (ids.length > maxCandidates) return { outcome: 'unknown', reason: `Telnyx lists ${ids.length} messages to ${query.to} since the claim` };
    for (const id of ids) {
      const message = await this.message(id);
      if (!message) return { outcome: 'unknown', reason: `Telnyx did not return message ${id}`, retryAt: query.now + 60_000 };
      if ((stringField(message, 'text') ?? '') === query.body) return { outcome: 'sent', providerMessageId: id };
    }
    if (ids.length > 0) return { outcome: 'unknown', reason: `Telnyx lists ${ids.length} other message(s) to ${query.to} since the claim, none with this text` };
    return this.notFound(query, detailRecordsSettleMs);
  }

  async testConnection(): Promise<ConnectionCheck> {
    const outcome = await this.call({ method: 'GET', url: `${this.base}/balance`, headers: this.headers() });
    if (outcome.kind === 'network') return this.checkFailed(networkFailure(outcome));
    if (outcome.status !== 200) {
      const first = firstError(outcome.json);
      return this.checkFailed(this.refusal(outcome, stringField(first, 'code'), telnyxWords(first), Date.now()));
    }
    const data = isObject(outcome.json) ? outcome.json.data : null;
    const balance = stringField(data, 'balance');
    return { ok: true, detail: `Telnyx accepted the API key${balance ? ` (balance ${balance} ${stringField(data, 'currency') ?? ''})`.trimEnd() : ''}` };
  }

  private async message(id: string): Promise<unknown> {
    const outcome = await this.call({ method: 'GET', url: `${this.base}/messages/${encodeURIComponent(id)}`, headers: this.headers() });
    if (outcome.kind === 'network' || outcome.status !== 200 || !isObject(outcome.json)) return null;
    return outcome.json.data ?? null;
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.secrets.apiKey}`, accept: 'application/json' };
  }
}

function firstError(json: unknown): unknown {
  return isObject(json) && Array.isArray(json.errors) ? (json.errors[0] ?? null) : null;
}

function telnyxWords(error: unknown): string | null {
  const title = stringField(error, 'title');
  const detail = stringField(error, 'detail');
  if (title && detail && detail !== title) return `${title}: ${detail}`;
  return detail ?? title;
}

/** Telnyx's per-recipient statuses in our vocabulary. */
export function telnyxState(status: string): ProviderMessageState | null {
  switch (status) {
    case 'queued':
    case 'sending':
      return 'queued';
    case 'sent':
    case 'delivery_unconfirmed':
      return 'sent';
    case 'delivered':
      return 'delivered';
    case 'sending_failed':
      return 'failed';
    case 'delivery_failed':
    case 'expired':
      return 'undelivered';
    default:
      return null;
  }
}

/** A message object (GET /v2/messages/{id}, or a webhook's payload) as a status. */
export function statusOfTelnyxMessage(message: unknown, now: number): ProviderMessageStatus | null {
  const id = stringField(message, 'id');
  const recipients = isObject(message) && Array.isArray(message.to) ? message.to : [];
  const state = telnyxState(stringField(recipients[0], 'status') ?? '');
  if (!id || !state) return null;
  const first = isObject(message) && Array.isArray(message.errors) ? message.errors[0] : null;
  const at = timeOf(stringField(recipients[0], 'updated_at') ?? stringField(message, 'updated_at'), now);
  return providerStatus(id, state, stringField(first, 'code'), telnyxWords(first) ?? stringField(recipients[0], 'status'), at);
}
