import type { MmsCapability } from '../../../shared/engine/types';
import { isTransient } from '../../providers/errors';
import type { SendRequest, SendResult } from '../../providers/types';
import { finishMessage, hasConsent, recordConsent, type DueMessageRow } from '../store';
import type { RuntimeContext } from './context';
import { sendVerdict } from './sendRules';
import type { Transactions } from './transactions';

/**
 * The outbox drain: due rows are judged by the send-time rules and claimed in one transaction,
 * sent, and their results recorded in another. Rows a crash left in `sending` are recovered
 * first. For an in-database provider (the simulator) claim, send and record are one transaction.
 *
 * Where real providers plug in: `send` below is the one place that calls the adapter, so the
 * sending discipline (per-account rate limit, breaker) wraps it, and `recover` is where a
 * provider without idempotency keys is asked what it already has (reconciliation).
 */
export class Drain {
  constructor(
    private readonly context: RuntimeContext,
    private readonly tx: Transactions,
    /** Throws LeaseLostError unless this runtime still holds the lease (a read, no write). */
    private readonly confirmLease: () => void,
  ) {}

  /**
   * Rows left in `sending` were handed to the provider, or were about to be, when the process
   * died. With a provider that deduplicates by idempotency key, resending is safe: it answers
   * with the original message id. A provider without idempotency keys cannot tell us, so the
   * row is failed as UNCERTAIN_AFTER_CRASH (at most once) rather than risk a duplicate.
   */
  async recover(now: number): Promise<void> {
    const { statements: s, provider, settings } = this.context;
    for (;;) {
      if (!provider.capabilities.idempotentSend) {
        const failed = this.tx.run(() => {
          const rows = s.sendingMessages.all(settings.batchSize) as DueMessageRow[];
          for (const row of rows) finishMessage(s, row.id, 'failed', 'uncertain_after_crash', 'permanent', 'UNCERTAIN_AFTER_CRASH', now);
          return rows.length;
        });
        if (failed === 0) return;
        continue;
      }
      const toSend = this.tx.run(() => {
        const rows = s.sendingMessages.all(settings.batchSize) as DueMessageRow[];
        const resend: DueMessageRow[] = [];
        for (const row of rows) {
          if (row.purpose === 'marketing' && !hasConsent(s, row.contact_id, row.channel, now)) this.cancel(row, 'opted_out', now);
          else resend.push(row);
        }
        return { read: rows.length, resend };
      });
      if (toSend.read === 0) return;
      await this.sendAndRecord(toSend.resend, now);
    }
  }

  async drain(now: number): Promise<number> {
    const { statements: s, settings } = this.context;
    let total = 0;
    for (;;) {
      const { count, results: claimed } = this.tx.batch(
        () => s.dueMessages.all(now, settings.batchSize) as DueMessageRow[],
        (batch) => this.judgeAndClaim(batch, now),
        (row) => {
          finishMessage(s, row.id, 'failed', 'engine_error', 'permanent', 'ENGINE_ERROR', now);
          if (row.flow_id && row.node_id) this.context.counters.add(row.flow_id, row.node_id, 'failed');
          this.wakeFor(row, now);
        },
        (row) => s.dueMessageById.get(row.id, now) as DueMessageRow | undefined,
      );
      if (count === 0) return total;
      total += count;
      await this.sendAndRecord(claimed, now);
    }
  }

  /**
   * Inside a drain transaction: the send-time rules for each row, then the sends. An in-database
   * provider takes them right here; for any other the rows are marked `sending` and returned, to
   * be sent once that is committed.
   */
  private judgeAndClaim(rows: readonly DueMessageRow[], now: number): DueMessageRow[] {
    const s = this.context.statements;
    const claimed: DueMessageRow[] = [];
    const claimedPerContact = new Map<number, number>();
    for (const row of rows) {
      const verdict = sendVerdict(this.context, row, now, claimedPerContact.get(row.contact_id) ?? 0);
      switch (verdict.type) {
        case 'cancel':
          this.cancel(row, verdict.reason, now);
          continue;
        case 'defer':
          s.defer.run(verdict.at, now, row.id);
          s.insertMessageEvent.run(row.id, 'deferred', null, `quiet hours until ${new Date(verdict.opening).toISOString()}`, now);
          continue;
        case 'skip':
          finishMessage(s, row.id, 'skipped', verdict.reason, null, null, now);
          this.wakeFor(row, now);
          continue;
        case 'send':
          claimedPerContact.set(row.contact_id, (claimedPerContact.get(row.contact_id) ?? 0) + 1);
          claimed.push(row);
      }
    }
    if (claimed.length === 0) return [];
    if (this.context.sendsInTransaction) {
      // The provider's ledger and our rows commit together: no `sending` state, no crash window.
      const results = this.context.provider.sendInTransaction?.(this.context.sqlite, claimed.map((row) => requestOf(row, now))) ?? [];
      claimed.forEach((row, i) => this.recordResult(row, results[i] as SendResult, now, 'queued'));
      return [];
    }
    // `sending` is committed before the provider is called: a crash from here on is
    // recovered by `recover` with the same idempotency keys.
    s.claimMessages.run(now, JSON.stringify(claimed.map((row) => row.id)));
    return claimed;
  }

  /** One message to the in-database provider, inside the caller's transaction (a step that sends at once). */
  sendNowInTransaction(row: DueMessageRow, now: number): SendResult {
    const { provider, sqlite } = this.context;
    const [result] = provider.sendInTransaction?.(sqlite, [requestOf(row, now)]) ?? [];
    if (!result) throw new Error(`provider ${provider.id} returned no result for ${row.idempotency_key}`);
    return result;
  }

  private async sendAndRecord(rows: readonly DueMessageRow[], now: number): Promise<void> {
    if (rows.length === 0) return;
    // A runner that lost its lease while its claim committed (frozen in between) sends nothing:
    // the rows stay in `sending` for the holder to recover.
    this.confirmLease();
    const results = await this.send(rows.map((row) => requestOf(row, now)));
    // Recorded even if the lease was lost during the call: those messages left.
    this.tx.run(() => rows.forEach((row, i) => this.recordResult(row, results[i] as SendResult, now)), { isFenced: false });
    this.confirmLease();
  }

  /** The one call to the adapter. A thrown error (network, a bug in an adapter) is a transient failure: the key makes the retry safe. */
  private async send(requests: readonly SendRequest[]): Promise<SendResult[]> {
    const provider = this.context.provider;
    const failed = (error: unknown): SendResult => {
      this.context.reportError(error);
      return { ok: false, errorClass: 'retryable', code: 'ADAPTER_ERROR', message: error instanceof Error ? error.message : String(error) };
    };
    if (provider.sendBatch) {
      try {
        return await provider.sendBatch(requests);
      } catch (error) {
        return requests.map(() => failed(error));
      }
    }
    const results: SendResult[] = [];
    for (const request of requests) {
      try {
        results.push(await provider.send(request));
      } catch (error) {
        results.push(failed(error));
      }
    }
    return results;
  }

  /** `from` is the status the row is in: `sending` after a claim, `queued` when sent in the claiming transaction. */
  recordResult(row: DueMessageRow, result: SendResult, now: number, from: 'sending' | 'queued' = 'sending'): void {
    const { statements: s, counters } = this.context;
    if (result.ok) {
      const accept = from === 'queued' ? s.acceptQueued : s.markAccepted;
      if (accept.run(result.providerMessageId, now, now, row.id).changes === 0) return;
      this.countAccepted(row, result, row.id, now);
      if (row.enrollment_id !== null) s.wakeAwaitingMessage.run(this.receiptDeadline(row, now), row.enrollment_id, row.id);
      return;
    }
    // Counted as the claim would have (failures are rare enough that this write costs nothing).
    if (from === 'queued') s.claimMessages.run(now, JSON.stringify([row.id]));
    const attempts = row.attempts + 1;
    if (isTransient(result.errorClass) && attempts < this.context.settings.maxAttempts) {
      const backoff = Math.min(3_600_000, 30_000 * 2 ** (attempts - 1));
      const jittered = backoff / 2 + this.context.random.next() * (backoff / 2);
      const delay = Math.max(result.retryAfterMs ?? 0, jittered);
      s.requeue.run(Math.ceil(now + delay), result.errorClass, result.code, now, row.id);
      s.insertMessageEvent.run(row.id, 'retry', result.code, result.message.slice(0, 200), now);
      return;
    }
    finishMessage(s, row.id, 'failed', null, result.errorClass, result.code, now);
    if (row.flow_id && row.node_id) counters.add(row.flow_id, row.node_id, 'failed');
    if (result.errorClass === 'mms_unsupported' && row.channel === 'mms') learnMmsCapability(this.context, row.contact_id, 'no', now);
    if (result.errorClass === 'opted_out') {
      recordConsent(s, counters, { contactId: row.contact_id, kind: 'opt_out', channel: 'all', source: 'provider', keyword: null, occurredAt: now }, now);
    }
    this.wakeFor(row, now);
  }

  countAccepted(row: DueMessageRow, result: SendResult & { ok: true }, messageId: number, now: number): void {
    this.context.report.sent++;
    // accepted_at records the send; only a resend the provider recognised is worth an event.
    if (result.isDuplicate) this.context.statements.insertMessageEvent.run(messageId, 'sent', null, 'provider already had this key', now);
    if (row.flow_id && row.node_id) this.context.counters.add(row.flow_id, row.node_id, 'sent');
  }

  /**
   * When the enrollment waiting on an accepted message should look again if no receipt comes:
   * an MMS node's fallbackAfterHours later (a receipt wakes it sooner); anything else at once.
   */
  receiptDeadline(row: DueMessageRow, now: number): number {
    const node = row.flow_version_id && row.node_id ? this.context.versions.get(row.flow_version_id)?.nodes.get(row.node_id) : undefined;
    if (node?.kind !== 'mms' || node.config.fallbackAfterHours <= 0) return now;
    return now + node.config.fallbackAfterHours * 3_600_000;
  }

  private cancel(row: DueMessageRow, reason: string, now: number): void {
    finishMessage(this.context.statements, row.id, 'cancelled', reason, null, null, now);
    this.wakeFor(row, now);
  }

  /** The enrollment waiting on this message looks again now (its step decides what the outcome means). */
  private wakeFor(row: { id: number; enrollment_id: number | null }, now: number): void {
    if (row.enrollment_id !== null) this.context.statements.wakeAwaitingMessage.run(now, row.enrollment_id, row.id);
  }
}

export function requestOf(row: DueMessageRow, now: number): SendRequest {
  return {
    idempotencyKey: row.idempotency_key,
    to: row.phone,
    channel: row.channel,
    body: row.body,
    subject: row.subject,
    mediaRef: row.media_ref,
    now,
  };
}

export function learnMmsCapability(context: RuntimeContext, contactId: number, value: MmsCapability, now: number): void {
  context.statements.setMmsCapable.run(value, now, contactId, value);
}
