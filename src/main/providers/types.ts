import type { Channel, ProviderErrorClass } from '../../shared/engine/types';

/**
 * What every messaging provider adapter offers the engine. The simulator answers from its own
 * SQLite ledger; the HTTP adapters (twilio.ts, vonage.ts, telnyx.ts, made by
 * createProviderAdapter in index.ts) speak each provider's documented API.
 */

export interface SendRequest {
  /** Stable per outbox row; a provider that supports idempotency keys accepts it at most once. */
  idempotencyKey: string;
  to: string;
  channel: Channel;
  body: string;
  subject: string | null;
  mediaRef: string | null;
  /**
   * Public URLs the provider fetches the MMS media from (media hosting fills them in before the
   * call). HTTP adapters refuse an MMS whose media has no URL (code MEDIA_NOT_HOSTED) rather
   * than send it as a bare text; the simulator ignores them.
   */
  mediaUrls?: readonly string[];
  /** The engine's clock at send time (virtual in a dry-run). */
  now: number;
}

export type SendFailure = {
  ok: false;
  errorClass: ProviderErrorClass;
  /** The provider's own code (Twilio 21610, Telnyx 40300, Vonage 1000), or ours for what never reached it (TIMEOUT, CONNECTION_RESET). */
  code: string;
  /** The provider's words, or ours in the same spirit ("Twilio refused the Account SID / Auth Token (20003)"). */
  message: string;
  /** From the provider's Retry-After, when it sent one. */
  retryAfterMs?: number;
  /** The HTTP status, when there was a response. */
  httpStatus?: number;
};

export type SendResult = { ok: true; providerMessageId: string; isDuplicate: boolean } | SendFailure;

export type ReceiptStatus = 'delivered' | 'undelivered' | 'failed';

export interface Receipt {
  providerMessageId: string;
  status: ReceiptStatus;
  code: string | null;
  errorClass: ProviderErrorClass | null;
  at: number;
}

export interface InboundMessage {
  from: string;
  body: string;
  at: number;
  /** Our number (or short code) it was sent to, when the provider says. */
  to?: string;
  providerMessageId?: string;
  /** Media the contact sent (URLs at the provider). */
  mediaUrls?: readonly string[];
  /** The sending account it arrived through (webhook or poll); a HELP answer goes back through it. */
  accountId?: string;
}

/** Where a message stands at the provider, in one vocabulary for all of them. */
export type ProviderMessageState = 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed';

/** A message's status as a provider reports it (a lookup, a poll, or a status callback). */
export interface ProviderMessageStatus {
  providerMessageId: string;
  state: ProviderMessageState;
  /** The provider's error code when the message failed, else null. */
  code: string | null;
  errorClass: ProviderErrorClass | null;
  /** The provider's words about a failure (or its raw status name). */
  detail: string | null;
  at: number;
}

/**
 * A row found in `sending` after a crash: was it handed to the provider? Asked before anything
 * is resent, so a provider without idempotency keys does not send the same message twice.
 */
export interface ReconcileQuery {
  idempotencyKey: string;
  to: string;
  channel: Channel;
  body: string;
  /** When the row was claimed (entered `sending`); the provider's record is no older. */
  claimedAt: number;
  now: number;
}

export type ReconcileResult =
  /** The provider has it: record the message as sent under this id; do not resend. */
  | { outcome: 'sent'; providerMessageId: string }
  /** The provider certainly has no such message: resending is safe. */
  | { outcome: 'not_sent' }
  /**
   * Cannot tell (the provider's records lag, the lookup failed, several candidates): ask again
   * at `retryAt` if given, otherwise mark the row uncertain rather than risk a duplicate.
   */
  | { outcome: 'unknown'; reason: string; retryAt?: number };

export type ConnectionCheck =
  | { ok: true; detail: string }
  | { ok: false; errorClass: ProviderErrorClass; code: string; message: string };

export interface ProviderCapabilities {
  channels: readonly Channel[];
  /**
   * True when the provider deduplicates sends by our idempotency key. When false, a row found
   * in `sending` after a crash cannot be resent safely: the drain marks it failed with code
   * UNCERTAIN_AFTER_CRASH (at most once) instead of risking a duplicate (see drain.ts).
   */
  idempotentSend: boolean;
  /**
   * True when the provider records what it accepts in the engine's own SQLite connection (the
   * simulator) and offers `sendInTransaction`: the drain then claims, sends and records a batch
   * in ONE transaction, so there is no window between "provider accepted" and "row marked sent"
   * at all, and no `sending` state to write. HTTP providers leave it false and get the
   * claim → call → record sequence with idempotency keys covering the crash window.
   */
  isTransactional?: boolean;
}

export interface ProviderAdapter {
  readonly id: string;
  readonly capabilities: ProviderCapabilities;
  /** How long one call may take before the adapter gives up on it (ms): a call out longer has ended. */
  readonly callTimeoutMs?: number;
  send(request: SendRequest): Promise<SendResult>;
  /**
   * Optional bulk send with the same per-message semantics (results in request order). The
   * drain uses it when present: real APIs with batch endpoints, and the simulator, which then
   * records a whole batch in one ledger transaction.
   */
  sendBatch?(requests: readonly SendRequest[]): Promise<SendResult[]>;
  /**
   * Transactional providers only (see capabilities.isTransactional): send synchronously, inside
   * the transaction the caller has open on `sqlite`, which must be the connection the provider
   * writes its ledger through (it throws otherwise, rather than deadlock on a second writer).
   */
  sendInTransaction?(sqlite: unknown, requests: readonly SendRequest[]): SendResult[];
  /** Current status of one message, for providers polled rather than called back. */
  status(providerMessageId: string): Promise<Receipt | null>;
  /**
   * Receipts and inbound messages that became due in (after, until]. Webhook-driven providers
   * return nothing here and hand their callbacks to the runtime instead.
   */
  poll(after: number, until: number): Promise<{ receipts: Receipt[]; inbound: InboundMessage[] }>;
  /** The next time poll() would have something after `after`; lets virtual time jump ahead. */
  nextDueAt?(after: number): number | null;
  /**
   * Where a poll from `after` should stop so that it returns about `maxItems` items at most:
   * the latest t ≤ until with at most maxItems receipts in (after, t], but never before the
   * first one (items sharing one instant stay together). Lets the runtime apply receipts in
   * few large transactions without holding an unbounded number in memory.
   */
  pollUntil?(after: number, until: number, maxItems: number): number;
  classifyError(code: string, httpStatus?: number): ProviderErrorClass;
  /**
   * HTTP providers: where one message stands now (null when the provider does not know the id,
   * or offers no lookup). `status()` is the same answer narrowed to final receipts.
   */
  lookupStatus?(providerMessageId: string): Promise<ProviderMessageStatus | null>;
  /** Providers without idempotency keys (capabilities.idempotentSend false) answer this instead. */
  reconcile?(query: ReconcileQuery): Promise<ReconcileResult>;
  /** A harmless authenticated call that proves the credentials (and base URL) work. */
  testConnection?(): Promise<ConnectionCheck>;
}
