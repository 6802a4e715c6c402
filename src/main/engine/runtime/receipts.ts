import type { Channel } from '../../../shared/engine/types';
import type { InboundMessage, ProviderAdapter, ProviderMessageStatus, Receipt } from '../../providers/types';
import { inPool } from '../sending/accounts';
import { finishMessage, type DueEnrollmentRow } from '../store';
import type { RuntimeContext } from './context';
import { learnMmsCapability } from './drain';
import type { Enrollments } from './enrollment';
import type { Inbound } from './inbound';
import type { Transactions } from './transactions';

/** Width of one receipt-polling slice of virtual time. */
const POLL_SLICE_MS = 10_000;
/** Status look-ups of account messages per tick, and at once. */
const LOOKUPS_PER_TICK = 200;
const LOOKUPS_IN_FLIGHT = 16;
/** First look-up this long after the send, then at growing gaps up to an hour. */
const FIRST_LOOKUP_MS = 30_000;
const MAX_LOOKUP_GAP_MS = 3_600_000;
/** A message no receipt has settled in this long is left as sent (carriers do not always report). */
const GIVE_UP_LOOKUPS_AFTER_MS = 72 * 3_600_000;
/** Each sending account is asked for new replies at most this often (a STOP then lands within it). */
export const REPLY_POLL_MS = 20_000;

interface ReceiptMessageRow {
  id: number;
  provider_message_id: string;
  /** Who sent it: the runtime's own provider or a sending account's id. */
  provider: string;
  enrollment_id: number | null;
  flow_id: string | null;
  node_id: string | null;
  contact_id: number;
  channel: Channel;
  status: string;
  accepted_at: number | null;
}

interface WokenEnrollment {
  enrollmentId: number;
  messageId: number;
}

/**
 * Delivery receipts and replies from the provider, polled in slices; each slice is applied in one
 * transaction with the poll cursor, and the enrollments its receipts wake move on in it.
 */
export class Receipts {
  constructor(
    private readonly context: RuntimeContext,
    private readonly tx: Transactions,
    private readonly enrollments: Enrollments,
    private readonly inbound: Inbound,
    /** The adapter of a sending account (resolved by the drain), or null. */
    private readonly adapterOf: (accountId: string) => ProviderAdapter | null = () => null,
  ) {}

  private get cursorKey(): string {
    return `poll:${this.context.provider.id}`;
  }

  cursor(): number {
    const value = this.context.statements.getState.get(this.cursorKey) as string | undefined;
    return value === undefined ? 0 : Number(value);
  }

  /**
   * Receipts and replies are fetched in slices that hold at most about `receiptSlice` receipts
   * (or, from a provider that cannot say, slices of virtual time that hold something), so a
   * million receipts due in the same minute never sit in memory at once, while each slice is
   * one large transaction: receipts touch rows all over the tables, and every transaction
   * rewrites the pages it touched. The cursor moves in the same transaction that applies a slice.
   */
  async poll(now: number): Promise<void> {
    const { provider, settings, statements: s } = this.context;
    let cursor = this.cursor();
    while (cursor < now) {
      let sliceEnd = now;
      if (provider.pollUntil) {
        sliceEnd = provider.pollUntil(cursor, now, settings.receiptSlice);
      } else if (provider.nextDueAt) {
        const next = provider.nextDueAt(cursor);
        sliceEnd = next === null || next > now ? now : Math.min(now, next + POLL_SLICE_MS - 1);
      }
      const { receipts, inbound } = await provider.poll(cursor, sliceEnd);
      const from = cursor;
      this.tx.run(() => {
        // Fenced, so only the lease holder gets here; still, a slice is applied once: the cursor
        // must be where this poll started.
        if (this.cursor() !== from) return;
        this.applyInTransaction(receipts, inbound, now);
        s.setState.run(this.cursorKey, String(sliceEnd));
      });
      cursor = sliceEnd;
    }
  }

  /**
   * Receipts and replies that came another way than the provider poll (a sending account's
   * status webhooks and inbound messages), in one transaction. Repeats change nothing.
   */
  applyExternal(receipts: readonly Receipt[], inbound: readonly InboundMessage[], now: number): void {
    if (receipts.length === 0 && inbound.length === 0) return;
    this.tx.run(() => this.applyInTransaction(receipts, inbound, now));
  }

  /**
   * Messages that sending accounts took and have not settled: their status is looked up at the
   * provider (Twilio and Telnyx offer it; Vonage reports by webhook only), paced per message from
   * 30 s after the send at growing gaps, a bounded number per tick.
   */
  async pollAccounts(now: number): Promise<void> {
    const s = this.context.statements;
    const due = this.tx.run(
      () => s.accountReceiptsDue.all(now, LOOKUPS_PER_TICK) as Array<{ id: number; provider: string; provider_message_id: string | null; accepted_at: number | null }>,
    );
    if (due.length === 0) return;
    const answers = await inPool(due, LOOKUPS_IN_FLIGHT, async (row): Promise<ProviderMessageStatus | null | 'no_lookup'> => {
      const adapter = this.adapterOf(row.provider);
      if (!adapter?.lookupStatus || row.provider_message_id === null) return 'no_lookup';
      try {
        return await adapter.lookupStatus(row.provider_message_id);
      } catch (error) {
        this.context.reportError(error);
        return null;
      }
    });
    const receipts: Receipt[] = [];
    this.tx.run(() => {
      due.forEach((row, i) => {
        const answer = answers[i];
        const status = answer === 'no_lookup' || answer === null || answer === undefined ? null : answer;
        if (status && (status.state === 'delivered' || status.state === 'undelivered' || status.state === 'failed')) {
          receipts.push({ providerMessageId: status.providerMessageId, status: status.state, code: status.code, errorClass: status.errorClass, at: status.at });
          return;
        }
        const age = now - (row.accepted_at ?? now);
        // Webhook-only providers and messages no carrier ever settles are not asked again.
        const next = answer === 'no_lookup' || age > GIVE_UP_LOOKUPS_AFTER_MS ? null : now + Math.min(MAX_LOOKUP_GAP_MS, Math.max(FIRST_LOOKUP_MS, age));
        s.setNextCheck.run(next, row.id);
      });
      this.applyInTransaction(receipts, [], now);
    });
  }

  /**
   * Replies to sending accounts, for a runner no webhook reaches: each account whose adapter can
   * list inbound messages is asked for those since its cursor, at most every REPLY_POLL_MS; they
   * are applied (STOP to the consent ledger, HELP answered through the same account) in one
   * transaction with the account's cursor. A failed poll leaves the cursor, so nothing is skipped.
   */
  async pollAccountReplies(now: number): Promise<void> {
    const sources = this.context.ignoresAccounts ? [] : (this.context.accounts?.replySources?.() ?? []);
    const s = this.context.statements;
    for (const { accountId, adapter } of sources) {
      if (now - (this.repliesPolledAt.get(accountId) ?? Number.NEGATIVE_INFINITY) < REPLY_POLL_MS) continue;
      this.repliesPolledAt.set(accountId, now);
      const key = `replies:${accountId}`;
      const stored = this.tx.run(() => s.getState.get(key) as string | undefined);
      if (stored === undefined) {
        // First sight of the account: its replies from now on (the adapter looks a little further back).
        this.tx.run(() => s.setState.run(key, String(now)));
        continue;
      }
      const cursor = Number(stored);
      let inbound: InboundMessage[];
      try {
        inbound = (await adapter.poll(cursor, now)).inbound;
      } catch (error) {
        this.context.reportError(error);
        continue;
      }
      this.tx.run(() => {
        if (s.getState.get(key) !== stored) return;
        this.applyInTransaction([], inbound.map((message) => ({ ...message, accountId })), now);
        s.setState.run(key, String(now));
      });
    }
  }

  private readonly repliesPolledAt = new Map<string, number>();

  /** Inside the caller's transaction: a set of receipts and replies, and the enrollments they wake. */
  private applyInTransaction(receipts: readonly Receipt[], inbound: readonly InboundMessage[], now: number): void {
    const s = this.context.statements;
    const woken: WokenEnrollment[] = [];
    // Receipts of different messages are independent, so they are applied in provider-id
    // order (stable: one message's receipts keep theirs): ids that follow the sending order
    // then touch the tables' pages in order instead of in the carriers' random order.
    const ordered = [...receipts].sort((a, b) => (a.providerMessageId < b.providerMessageId ? -1 : a.providerMessageId > b.providerMessageId ? 1 : 0));
    // The slice's messages in one read (rows all along one stretch of the index).
    const messages = new Map<string, ReceiptMessageRow>();
    const ids = JSON.stringify([...new Set(ordered.map((r) => r.providerMessageId))]);
    for (const row of s.messagesByProviderIds.all(ids) as ReceiptMessageRow[]) messages.set(row.provider_message_id, row);
    for (const receipt of ordered) this.apply(receipt, messages.get(receipt.providerMessageId), now, woken);
    for (const message of inbound) this.inbound.applyNow(message, now);
    // After the replies: a STOP in the same slice ends the enrollment before it could move on.
    this.resumeWoken(woken, now);
  }

  /** Apply one delivery receipt; repeated or late receipts for a finished message change nothing. */
  private apply(receipt: Receipt, message: ReceiptMessageRow | undefined, now: number, woken: WokenEnrollment[]): void {
    const context = this.context;
    if (!message || message.status !== 'sent') return;
    context.report.receipts++;
    finishMessage(context.statements, message.id, receipt.status, null, receipt.errorClass, receipt.code, receipt.at);
    // A second receipt for the same message in this slice finds it finished.
    message.status = receipt.status;
    context.justFinished.set(message.id, {
      id: message.id,
      nodeId: message.node_id,
      channel: message.channel,
      status: receipt.status,
      reason: null,
      errorClass: receipt.errorClass,
      acceptedAt: message.accepted_at,
    });
    if (message.flow_id && message.node_id) {
      context.counters.add(message.flow_id, message.node_id, receipt.status === 'delivered' ? 'delivered' : 'failed');
    }
    if (message.channel === 'mms') {
      if (receipt.status === 'delivered') learnMmsCapability(context, message.contact_id, 'yes', now);
      else if (receipt.errorClass === 'mms_unsupported') learnMmsCapability(context, message.contact_id, 'no', now);
    }
    if (receipt.errorClass === 'sender_refused') this.holdAccount(message.provider, receipt.code, now);
    if (receipt.errorClass === 'invalid_number') {
      context.statements.markUnreachable.run(now, `(${receipt.code ?? '?'}) the carrier could not deliver to this number`, message.contact_id);
    }
    if (message.enrollment_id !== null) woken.push({ enrollmentId: message.enrollment_id, messageId: message.id });
  }

  /**
   * A carrier refused the account's sender after the provider took the message (Telnyx 40013):
   * the next messages would meet the same refusal, so the account stops sending, as when the
   * provider refuses the sender at once. An account this runner has not sent through yet (a
   * receipt read after a restart) is left to the drain's own first refusal.
   */
  private holdAccount(accountId: string, code: string | null, now: number): void {
    const discipline = this.context.discipline;
    if (!discipline || !discipline.knownAccounts().includes(accountId)) return;
    const words = `the carrier refused the account's sender (${code ?? 'no code'})`;
    discipline.record(accountId, { ok: false, errorClass: 'sender_refused', code: code ?? 'SENDER_REFUSED', message: words }, 1, now);
  }

  /**
   * The enrollments waiting on messages that just got their receipt take their next step now,
   * in the receipt's transaction: what a wake-up timer set to `now` would do a moment later,
   * without writing and re-reading that timer. A paused flow's enrollment gets the timer instead.
   */
  private resumeWoken(woken: readonly WokenEnrollment[], now: number): void {
    if (woken.length === 0) return;
    const { statements: s, versions } = this.context;
    const rows = new Map<number, DueEnrollmentRow & { flow_status: string }>();
    const ids = JSON.stringify(woken.map((w) => w.enrollmentId));
    for (const row of s.awaitingEnrollments.all(ids) as Array<DueEnrollmentRow & { flow_status: string }>) rows.set(row.id, row);
    // In enrollment order (each moves on its own): the row updates walk the table's pages in order.
    const inOrder = [...woken].sort((a, b) => a.enrollmentId - b.enrollmentId);
    for (const { enrollmentId, messageId } of inOrder) {
      const row = rows.get(enrollmentId);
      if (!row || row.await_message_id !== messageId) continue;
      rows.delete(enrollmentId);
      const flow = row.flow_status === 'live' ? versions.get(row.flow_version_id) : null;
      if (flow) this.enrollments.advance(flow, row, 'resume', now);
      else s.wakeAwaitingMessage.run(now, enrollmentId, messageId);
    }
  }
}
