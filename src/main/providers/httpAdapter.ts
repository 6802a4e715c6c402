import type { ProviderErrorClass } from '../../shared/engine/types';
import type { ProviderKind } from '../../shared/providers/kinds';
import { defaultTimeoutMs, type ProviderAccountConfig } from './account';
import { authFailureMessage, classifyProviderError, senderRefusalMessage } from './errors';
import { callProvider, retryAfterMs, type HttpOutcome, type HttpRequest } from './http';
import type {
  ConnectionCheck,
  InboundMessage,
  ProviderAdapter,
  ProviderCapabilities,
  ProviderMessageState,
  ProviderMessageStatus,
  Receipt,
  ReconcileQuery,
  ReconcileResult,
  SendFailure,
  SendRequest,
  SendResult,
} from './types';

const inboundMarginMs = 5 * 60_000;
const maxSeenInbound = 20_000;

/**
 * What the three HTTP adapters share: the account, deadlines, turning refusals into classified
 * failures, the final-receipt view of a status lookup, and the rule for "not found" during
 * reconciliation. Each subclass writes its provider's wire format and nothing else.
 */
export abstract class HttpProviderAdapter implements ProviderAdapter {
  abstract readonly provider: ProviderKind;
  readonly capabilities: ProviderCapabilities;
  protected readonly timeoutMs: number;

  get callTimeoutMs(): number {
    return this.timeoutMs;
  }

  constructor(
    readonly account: ProviderAccountConfig,
    idempotentSend: boolean,
  ) {
    this.capabilities = { channels: account.channels, idempotentSend };
    this.timeoutMs = account.timeoutMs ?? defaultTimeoutMs;
  }

  get id(): string {
    return this.account.id;
  }

  abstract send(request: SendRequest): Promise<SendResult>;
  abstract lookupStatus(providerMessageId: string): Promise<ProviderMessageStatus | null>;
  abstract reconcile(query: ReconcileQuery): Promise<ReconcileResult>;
  abstract testConnection(): Promise<ConnectionCheck>;

  /** Final receipts only: a message still queued or on its way has none yet. */
  async status(providerMessageId: string): Promise<Receipt | null> {
    const found = await this.lookupStatus(providerMessageId);
    return found ? receiptOf(found) : null;
  }

  /**
   * Replies that reached the provider in (after, until], for a runner no webhook can reach;
   * receipts come through lookupStatus or webhooks. The window is widened by
   * `inboundMarginMs` backwards, because providers stamp replies to the second and index them a
   * little late; what that brings twice is dropped by id (a STOP read twice would do no harm
   * anyway). Throws when the provider cannot be asked, so a caller's cursor does not move past
   * replies not yet read. Providers without a way to list replies return none.
   */
  async poll(after: number, until: number): Promise<{ receipts: Receipt[]; inbound: InboundMessage[] }> {
    const found = await this.listInbound(after - inboundMarginMs, until);
    const inbound = found.filter((message) => message.at <= until && !this.seenInbound.has(message.providerMessageId ?? ''));
    for (const message of inbound) if (message.providerMessageId) this.rememberInbound(message.providerMessageId);
    return { receipts: [], inbound: inbound.sort((a, b) => a.at - b.at) };
  }

  /** Replies received after `since`, as far as the provider lists them; none by default. */
  protected async listInbound(_since: number, _until: number): Promise<InboundMessage[]> {
    return [];
  }

  private readonly seenInbound = new Set<string>();

  private rememberInbound(id: string): void {
    this.seenInbound.add(id);
    if (this.seenInbound.size > maxSeenInbound) {
      const oldest = this.seenInbound.values().next().value;
      if (oldest !== undefined) this.seenInbound.delete(oldest);
    }
  }

  classifyError(code: string, httpStatus?: number): ProviderErrorClass {
    return classifyProviderError(code, httpStatus);
  }

  protected call(request: Omit<HttpRequest, 'timeoutMs'>): Promise<HttpOutcome> {
    return callProvider({ ...request, timeoutMs: this.timeoutMs });
  }

  /** Checked before any call: the channel is the account's, and an MMS has hosted media. */
  protected refuseBeforeSending(request: SendRequest): SendFailure | null {
    if (!this.account.channels.includes(request.channel)) {
      return { ok: false, errorClass: 'permanent', code: 'CHANNEL_NOT_ON_ACCOUNT', message: `account ${this.account.id} does not carry ${request.channel}` };
    }
    if (request.channel === 'mms' && (request.mediaUrls?.length ?? 0) === 0) {
      return { ok: false, errorClass: 'permanent', code: 'MEDIA_NOT_HOSTED', message: 'this MMS has no media URL: set up media hosting so the provider can fetch it' };
    }
    return null;
  }

  /**
   * A refusal as a classified failure: the provider's code and words, Retry-After honoured, and
   * credentials refused said in plain words.
   */
  protected refusal(outcome: HttpOutcome & { kind: 'response' }, code: string | null, words: string | null, now: number): SendFailure {
    const effectiveCode = code ?? `HTTP_${outcome.status}`;
    const errorClass = classifyProviderError(effectiveCode, outcome.status);
    const isCredentials = outcome.status === 401 || (errorClass === 'auth_failed' && outcome.status === 403);
    const message = isCredentials
      ? authFailureMessage(this.provider, effectiveCode, words)
      : errorClass === 'sender_refused'
        ? senderRefusalMessage(this.provider, this.senderName(), effectiveCode, words)
        : (words ?? `HTTP ${outcome.status} from ${this.provider}`);
    const wait = retryAfterMs(outcome.headers, now);
    return {
      ok: false,
      errorClass,
      code: effectiveCode,
      message,
      httpStatus: outcome.status,
      ...(wait !== undefined && (errorClass === 'rate_limited' || errorClass === 'retryable') ? { retryAfterMs: wait } : {}),
    };
  }

  /** What the account sends from, as its provider knows it: the number, or the Messaging Service / messaging profile. */
  protected senderName(): string {
    const { from, messagingServiceSid, messagingProfileId } = this.account;
    if (from) return from;
    if (messagingServiceSid) return `Messaging Service ${messagingServiceSid}`;
    if (messagingProfileId) return `messaging profile ${messagingProfileId}`;
    return '(none set)';
  }

  /**
   * Nothing found at the provider. Conclusive only once its records have had time to show the
   * message (`settleMs` after the claim, counting the call's own deadline); before that, ask again.
   */
  protected notFound(query: ReconcileQuery, settleMs: number): ReconcileResult {
    const settledAt = query.claimedAt + this.timeoutMs + settleMs;
    if (query.now >= settledAt) return { outcome: 'not_sent' };
    return { outcome: 'unknown', reason: `${this.provider} may not list a message this recent yet`, retryAt: settledAt };
  }

  protected checkFailed(failure: SendFailure): ConnectionCheck {
    return { ok: false, errorClass: failure.errorClass, code: failure.code, message: failure.message };
  }
}


/** A status in our vocabulary, its error code classified the one way every provider's is. */
export function providerStatus(providerMessageId: string, state: ProviderMessageState, code: string | null, detail: string | null, at: number): ProviderMessageStatus {
  return { providerMessageId, state, code, errorClass: code ? classifyProviderError(code) : null, detail, at };
}

/** A final status as the runtime's Receipt (null while the message is still on its way). */
export function receiptOf(status: ProviderMessageStatus): Receipt | null {
  if (status.state !== 'delivered' && status.state !== 'undelivered' && status.state !== 'failed') return null;
  return { providerMessageId: status.providerMessageId, status: status.state, code: status.code, errorClass: status.errorClass, at: status.at };
}
