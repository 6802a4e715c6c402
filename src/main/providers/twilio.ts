import type { ProviderAccountConfig, TwilioSecrets } from './account';
import { baseUrlOf, basicAuth, isObject, networkFailure, stringField, timeOf } from './http';
import { HttpProviderAdapter, providerStatus } from './httpAdapter';
import type { ConnectionCheck, ProviderMessageState, ProviderMessageStatus, ReconcileQuery, ReconcileResult, SendRequest, SendResult } from './types';

export const twilioDefaultBaseUrl = 'https://api.twilio.com';

/** How far back from the claim a listed message still counts (clocks differ a little). */
const clockSkewMs = 60_000;
/** Twilio creates the Message resource before it answers, so it is listed at once; a minute covers a slow edge. */
const listSettleMs = 60_000;
const maxReconcilePages = 5;

/**
 * Twilio Programmable Messaging, Messages resource of API 2010-04-01: form-encoded POST with
 * HTTP Basic (Account SID : Auth Token), MediaUrl repeated, StatusCallback per message; status
 * by GET of the message; no idempotency key, so a crash is reconciled by listing the messages
 * sent to the number since the claim.
 */
export class TwilioAdapter extends HttpProviderAdapter {
  readonly provider = 'twilio' as const;
  private readonly base: string;
  private readonly auth: string;

  constructor(account: ProviderAccountConfig, private readonly secrets: TwilioSecrets) {
    super(account, false);
    this.base = `${baseUrlOf(account.baseUrl, twilioDefaultBaseUrl)}/2010-04-01/Accounts/${encodeURIComponent(secrets.accountSid)}`;
    this.auth = basicAuth(secrets.accountSid, secrets.authToken);
  }

  async send(request: SendRequest): Promise<SendResult> {
    const refused = this.refuseBeforeSending(request);
    if (refused) return refused;
    const form = new URLSearchParams();
    form.set('To', request.to);
    if (this.account.messagingServiceSid) form.set('MessagingServiceSid', this.account.messagingServiceSid);
    else if (this.account.from) form.set('From', this.account.from);
    if (request.body !== '') form.set('Body', request.body);
    if (request.channel === 'mms') for (const url of request.mediaUrls ?? []) form.append('MediaUrl', url);
    if (this.account.statusCallbackUrl) form.set('StatusCallback', this.account.statusCallbackUrl);
    const outcome = await this.call({
      method: 'POST',
      url: `${this.base}/Messages.json`,
      headers: { authorization: this.auth, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
    });
    if (outcome.kind === 'network') return networkFailure(outcome);
    const sid = stringField(outcome.json, 'sid');
    if (outcome.status >= 200 && outcome.status < 300 && sid) return { ok: true, providerMessageId: sid, isDuplicate: false };
    return this.refusal(outcome, stringField(outcome.json, 'code'), stringField(outcome.json, 'message'), request.now);
  }

  async lookupStatus(providerMessageId: string): Promise<ProviderMessageStatus | null> {
    const outcome = await this.call({ method: 'GET', url: `${this.base}/Messages/${encodeURIComponent(providerMessageId)}.json`, headers: this.headers() });
    if (outcome.kind === 'network' || outcome.status !== 200) return null;
    return statusOfTwilioMessage(outcome.json, Date.now());
  }

  async reconcile(query: ReconcileQuery): Promise<ReconcileResult> {
    // Not filtered by DateSent: a message still queued has no date_sent yet and would be missed.
    // Newest first, so paging stops at the first message created before the claim.
    const params = new URLSearchParams({ To: query.to, PageSize: '50' });
    if (!this.account.messagingServiceSid && this.account.from) params.set('From', this.account.from);
    let url: string | null = `${this.base}/Messages.json?${params.toString()}`;
    const origin = baseUrlOf(this.account.baseUrl, twilioDefaultBaseUrl);
    let others = 0;
    for (let page = 0; url && page < maxReconcilePages; page++) {
      const outcome = await this.call({ method: 'GET', url, headers: this.headers() });
      if (outcome.kind === 'network') return { outcome: 'unknown', reason: outcome.message, retryAt: query.now + 60_000 };
      if (outcome.status !== 200 || !isObject(outcome.json) || !Array.isArray(outcome.json.messages)) {
        return { outcome: 'unknown', reason: `Twilio answered the message list with HTTP ${outcome.status}`, retryAt: query.now + 60_000 };
      }
      let isOlderThanClaim = false;
      for (const message of outcome.json.messages as unknown[]) {
        if (stringField(message, 'direction')?.startsWith('inbound')) continue;
        const created = timeOf(stringField(message, 'date_created'), Number.POSITIVE_INFINITY);
        if (created < query.claimedAt - clockSkewMs) {
          isOlderThanClaim = true;
          break;
        }
        const sid = stringField(message, 'sid');
        if (sid && (stringField(message, 'body') ?? '') === query.body) return { outcome: 'sent', providerMessageId: sid };
        others++;
      }
      const next = stringField(outcome.json, 'next_page_uri');
      url = !isOlderThanClaim && next ? `${origin}${next}` : null;
    }
    if (others > 0) return { outcome: 'unknown', reason: `Twilio lists ${others} other message(s) to ${query.to} since the claim, none with this body` };
    return this.notFound(query, listSettleMs);
  }

  async testConnection(): Promise<ConnectionCheck> {
    const outcome = await this.call({ method: 'GET', url: `${this.base}.json`, headers: this.headers() });
    if (outcome.kind === 'network') return this.checkFailed(networkFailure(outcome));
    if (outcome.status !== 200) {
      return this.checkFailed(this.refusal(outcome, stringField(outcome.json, 'code'), stringField(outcome.json, 'message'), Date.now()));
    }
    const status = stringField(outcome.json, 'status') ?? 'unknown';
    const name = stringField(outcome.json, 'friendly_name') ?? this.secrets.accountSid;
    if (status !== 'active') return { ok: false, errorClass: 'auth_failed', code: `ACCOUNT_${status.toUpperCase()}`, message: `Twilio account "${name}" is ${status}` };
    return { ok: true, detail: `Twilio account "${name}" is active` };
  }

  private headers(): Record<string, string> {
    return { authorization: this.auth, accept: 'application/json' };
  }
}

/** Twilio's message statuses in our vocabulary (receiving/received belong to inbound messages). */
export function twilioState(status: string): ProviderMessageState | null {
  switch (status) {
    case 'accepted':
    case 'scheduled':
    case 'queued':
    case 'sending':
      return 'queued';
    case 'sent':
      return 'sent';
    case 'delivered':
    case 'read':
      return 'delivered';
    case 'undelivered':
      return 'undelivered';
    case 'failed':
    case 'canceled':
      return 'failed';
    default:
      return null;
  }
}

function statusOfTwilioMessage(json: unknown, now: number): ProviderMessageStatus | null {
  const sid = stringField(json, 'sid');
  const state = twilioState(stringField(json, 'status') ?? '');
  if (!sid || !state) return null;
  return providerStatus(sid, state, stringField(json, 'error_code'), stringField(json, 'error_message') ?? stringField(json, 'status'), timeOf(stringField(json, 'date_updated'), now));
}
