import type { Channel, ProviderErrorClass } from '../../shared/engine/types';

/**
 * What every messaging provider adapter offers the engine. Real adapters (Twilio, Vonage,
 * Telnyx) arrive later and speak HTTP; the simulator answers from its own SQLite ledger.
 */

export interface SendRequest {
  /** Stable per outbox row; a provider that supports idempotency keys accepts it at most once. */
  idempotencyKey: string;
  to: string;
  channel: Channel;
  body: string;
  subject: string | null;
  mediaRef: string | null;
  /** The engine's clock at send time (virtual in a dry-run). */
  now: number;
}

export type SendResult =
  | { ok: true; providerMessageId: string; isDuplicate: boolean }
  | { ok: false; errorClass: ProviderErrorClass; code: string; message: string; retryAfterMs?: number };

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
}

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
}
