import type { MmsCapability } from '../../../shared/engine/types';
import { isTransient } from '../../providers/errors';
import { defaultTimeoutMs } from '../../providers/account';
import type { ProviderAdapter, SendRequest, SendResult } from '../../providers/types';
import { inPool, SENDS_IN_FLIGHT_FLOOR, sendsInFlight, UNAVAILABLE_ACCOUNT_RETRY_MS } from '../sending/accounts';
import { finishMessage, hasConsent, recordConsent, type DueMessageRow } from '../store';
import type { RuntimeContext } from './context';
import { sendVerdict } from './sendRules';
import type { Transactions } from './transactions';

/** How long after a call's timeout its row stays out of recovery: the call has surely ended by then. */
const STRAGGLER_MARGIN_MS = 5_000;

/**
 * A row left in `sending` whose provider keeps answering "cannot tell yet" is asked again at most
 * this many times (each at the provider's retryAt, about a minute apart), then failed as
 * UNCERTAIN_AFTER_CRASH with the reason: a provider whose list never settles must not keep a
 * message, and the enrollment waiting on it, in limbo forever.
 */
export const MAX_RECONCILE_CHECKS = 10;
/** message_events code of one recheck (status `sending`, detail: the provider's reason). */
const RECONCILE_PENDING = 'RECONCILE_PENDING';

/**
 * An account held by its rate limit is woken when this much of a second's sends can go (a
 * quarter of its rate): often enough that it keeps its rate, seldom enough that a tick sends a
 * slice rather than a message.
 */
const RATE_SLICE_MS = 250;

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
  /** Adapters of the sending accounts resolved this tick. */
  private readonly adapters = new Map<string, ProviderAdapter>();
  /** Their rates (messages per second), which size how many sends are in flight at once. */
  private readonly rates = new Map<string, number>();
  /** Calls handed off as stragglers, until they are recorded. */
  private readonly outstanding = new Set<Promise<void>>();
  /** Why an account could not send, as last reported (said once, not per message). */
  private readonly unavailable = new Map<string, string>();
  /**
   * Accounts that can take no more sends before a moment (rate limit, a provider's pause, breaker,
   * daily cap, unusable): their queued rows are not read, judged or written until then. Without
   * this, each tick read the whole backlog of an account behind its rate limit only to put it
   * back: quadratic in the backlog (100,000 queued at 1,000 a second: five million rows judged).
   */
  private readonly waits = new Map<string, number>();

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
    this.adapters.clear();
    this.rates.clear();
    for (;;) {
      const rows = this.tx.run(() => s.sendingMessages.all(now, settings.batchSize) as DueMessageRow[]);
      if (rows.length === 0) return;
      const own = rows.filter((row) => !this.isAccountRow(row));
      const byAccount = groupBy(rows.filter((row) => this.isAccountRow(row)), (row) => row.provider);
      if (own.length > 0) {
        if (!provider.capabilities.idempotentSend) {
          this.tx.run(() => {
            for (const row of own) finishMessage(s, row.id, 'failed', 'uncertain_after_crash', 'permanent', 'UNCERTAIN_AFTER_CRASH', now);
          });
        } else {
          const resend = this.tx.run(() => own.filter((row) => this.keepsConsent(row, now)));
          await this.sendAndRecord(resend, now);
        }
      }
      for (const [accountId, accountRows] of byAccount) await this.recoverForAccount(accountId, accountRows, now);
    }
  }

  /**
   * Rows of a sending account left in `sending`: resent with their key where the provider
   * deduplicates by it; otherwise the provider is asked whether it has each one (reconciliation)
   * before anything is resent, so a crash never sends twice. What it cannot tell is failed as
   * uncertain, at most once, rather than risk a duplicate.
   */
  private async recoverForAccount(accountId: string, rows: readonly DueMessageRow[], now: number): Promise<void> {
    const s = this.context.statements;
    const adapter = this.adapterOf(accountId);
    if (!adapter) {
      // Cannot ask or send now: back to the queue for when the account is usable again (no attempt made).
      this.tx.run(() => rows.forEach((row) => s.hold.run(0, now + UNAVAILABLE_ACCOUNT_RETRY_MS, now, row.id)));
      return;
    }
    if (adapter.capabilities.idempotentSend) {
      const resend = this.tx.run(() => rows.filter((row) => this.keepsConsent(row, now)));
      await this.sendAndRecord(resend, now);
      return;
    }
    const answers = await inPool(rows, SENDS_IN_FLIGHT_FLOOR, async (row) => {
      if (!adapter.reconcile) return { outcome: 'unknown' as const, reason: 'the provider offers no lookup' };
      try {
        return await adapter.reconcile({ idempotencyKey: row.idempotency_key, to: row.phone, channel: row.channel, body: row.body, claimedAt: row.updated_at, now });
      } catch (error) {
        return { outcome: 'unknown' as const, reason: error instanceof Error ? error.message : String(error) };
      }
    });
    this.tx.run(() =>
      rows.forEach((row, i) => {
        const answer = answers[i];
        if (answer?.outcome === 'sent') {
          this.recordResult(row, { ok: true, providerMessageId: answer.providerMessageId, isDuplicate: true }, now);
        } else if (answer?.outcome === 'not_sent') {
          // Never reached the provider: the claim's attempt did not happen; the drain sends it again.
          s.hold.run(1, now, now, row.id);
          s.insertMessageEvent.run(row.id, 'retry', 'RECONCILED_NOT_SENT', 'the provider has no such message after a crash; sending it again', now);
        } else if (answer?.outcome === 'unknown' && answer.retryAt !== undefined && answer.retryAt > now && this.recheckCount(row.id) < MAX_RECONCILE_CHECKS) {
          // The provider's records may lag the send: ask again then, still in `sending`. Each
          // recheck is kept on the message, so the rechecks are counted and bounded.
          s.insertMessageEvent.run(row.id, 'sending', RECONCILE_PENDING, answer.reason.slice(0, 200), now);
          s.recheckSending.run(answer.retryAt, row.id);
        } else {
          const checks = this.recheckCount(row.id);
          const reason =
            answer?.outcome === 'unknown' && answer.retryAt !== undefined && checks >= MAX_RECONCILE_CHECKS
              ? `still not known after ${checks + 1} look-ups at the provider (last: ${answer.reason}); not resent, to avoid a duplicate`
              : (answer?.reason ?? 'unknown');
          finishMessage(s, row.id, 'failed', 'uncertain_after_crash', 'permanent', 'UNCERTAIN_AFTER_CRASH', now);
          s.insertMessageEvent.run(row.id, 'failed', 'UNCERTAIN_AFTER_CRASH', reason.slice(0, 200), now);
          if (row.flow_id && row.node_id) this.context.counters.add(row.flow_id, row.node_id, 'failed');
          this.wakeFor(row, now);
        }
      }),
    );
  }

  /** How often reconciliation has already asked the provider about a row again (inside a transaction). */
  private recheckCount(messageId: number): number {
    return this.context.statements.reconcileChecks.get(messageId, RECONCILE_PENDING) as number;
  }

  /** Inside a transaction: a marketing row whose contact has since opted out is cancelled instead of resent. */
  private keepsConsent(row: DueMessageRow, now: number): boolean {
    if (row.purpose === 'marketing' && !hasConsent(this.context.statements, row.contact_id, row.channel, now)) {
      this.cancel(row, 'opted_out', now);
      return false;
    }
    return true;
  }

  async drain(now: number): Promise<number> {
    const { statements: s, settings } = this.context;
    let total = 0;
    for (;;) {
      const { count, results: claimed } = this.tx.batch(
        () => this.dueRows(now, settings.batchSize),
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
   * Due rows, read sender by sender (the simulator, each account) and merged in due order: an
   * account waiting for its limits is skipped, and one with room for only some sends is read
   * only that far, so no row is judged that cannot go now.
   */
  private dueRows(now: number, limit: number): DueMessageRow[] {
    const { statements: s, discipline } = this.context;
    const rows: Array<DueMessageRow & { next_attempt_at: number }> = [];
    let senders = 0;
    for (const sender of s.queuedSenders.all() as string[]) {
      let room = limit;
      if (this.context.isAccountSender(sender)) {
        const wait = this.waits.get(sender);
        if (wait !== undefined && wait > now) continue;
        this.waits.delete(sender);
        // At least one row: the grant that refuses it says when to come back.
        if (discipline) room = Math.max(1, Math.min(limit, discipline.room(sender, now)));
      }
      rows.push(...(s.dueMessagesOf.all(sender, now, room) as Array<DueMessageRow & { next_attempt_at: number }>));
      senders++;
    }
    if (senders <= 1) return rows;
    return rows.sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.id - b.id).slice(0, limit);
  }

  /**
   * When the next queued or in-flight message is due, an account's waiting rows at the end of
   * its wait (the scheduler sleeps until then instead of spinning on rows that cannot go).
   */
  nextMessageDue(): number | null {
    const s = this.context.statements;
    const candidates: number[] = [];
    const sending = s.nextSendingDue.get() as number | null;
    if (sending !== null) candidates.push(sending);
    for (const sender of s.queuedSenders.all() as string[]) {
      const next = s.nextQueuedOf.get(sender) as number | undefined;
      if (next === undefined) continue;
      const wait = this.waits.get(sender);
      candidates.push(wait === undefined ? next : Math.max(next, wait));
    }
    return candidates.length === 0 ? null : Math.min(...candidates);
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
        case 'fail':
          finishMessage(s, row.id, 'failed', verdict.reason.slice(0, 300), 'invalid_number', 'UNREACHABLE', now);
          if (row.flow_id && row.node_id) this.context.counters.add(row.flow_id, row.node_id, 'failed');
          this.wakeFor(row, now);
          continue;
        case 'send':
          claimedPerContact.set(row.contact_id, (claimedPerContact.get(row.contact_id) ?? 0) + 1);
          claimed.push(row);
      }
    }
    if (claimed.length === 0) return [];
    const own = claimed.filter((row) => !this.isAccountRow(row));
    const toSend: DueMessageRow[] = [];
    if (own.length > 0 && this.context.sendsInTransaction) {
      // The provider's ledger and our rows commit together: no `sending` state, no crash window.
      const results = this.context.provider.sendInTransaction?.(this.context.sqlite, own.map((row) => requestOf(row, now))) ?? [];
      own.forEach((row, i) => this.recordResult(row, results[i] as SendResult, now, 'queued'));
    } else {
      toSend.push(...own);
    }
    for (const [accountId, rowsOfAccount] of groupBy(claimed.filter((row) => this.isAccountRow(row)), (row) => row.provider)) {
      toSend.push(...this.grantForAccount(accountId, rowsOfAccount, now));
    }
    if (toSend.length === 0) return [];
    // `sending` is committed before the provider is called: a crash from here on is
    // recovered by `recover` with the same idempotency keys (or by asking the provider).
    s.claimMessages.run(now, JSON.stringify(toSend.map((row) => row.id)));
    return toSend;
  }

  /**
   * Inside the claim transaction: how many of an account's due rows may go now, by its rate
   * limit, daily cap and breaker (the sending discipline). The rest wait in the queue until the
   * account can take them; the wait is not an attempt of theirs.
   */
  private grantForAccount(accountId: string, rows: readonly DueMessageRow[], now: number): DueMessageRow[] {
    const { statements: s, discipline, accounts } = this.context;
    const resolved = accounts?.resolve(accountId);
    if (!resolved || 'unavailable' in resolved || !discipline) {
      const why = resolved && 'unavailable' in resolved ? resolved.unavailable : 'no sending accounts here';
      if (this.unavailable.get(accountId) !== why) this.context.reportError(new Error(`sending account ${accountId} cannot send: ${why}`));
      this.unavailable.set(accountId, why);
      const retryInMs = resolved && 'unavailable' in resolved ? (resolved.retryInMs ?? UNAVAILABLE_ACCOUNT_RETRY_MS) : UNAVAILABLE_ACCOUNT_RETRY_MS;
      for (const row of rows) {
        s.hold.run(0, now + retryInMs, now, row.id);
        s.insertMessageEvent.run(row.id, 'held', 'ACCOUNT_UNAVAILABLE', why.slice(0, 200), now);
      }
      this.waits.set(accountId, now + retryInMs);
      return [];
    }
    this.unavailable.delete(accountId);
    this.adapters.set(accountId, resolved.adapter);
    this.rates.set(accountId, resolved.limits.mps);
    discipline.configure(accountId, resolved.limits, now);
    const grant = discipline.acquire(accountId, rows.length, now);
    const held = rows.slice(grant.granted);
    if (held.length > 0) {
      if (grant.heldBy === 'rate' || grant.heldBy === 'provider_pause') {
        // The rest keep their place in the queue, untouched; the account is read again when a
        // slice of its rate can go (or the provider's pause ends).
        const slice = Math.max(1, Math.ceil((resolved.limits.mps * RATE_SLICE_MS) / 1000));
        this.waits.set(accountId, Math.max(discipline.roomAt(accountId, slice, now), now + 1));
      } else {
        // Breaker or daily cap: a wait worth saying on the messages it reached. A half-open
        // breaker whose probe is out says "now": look again in a second, not every millisecond.
        const at = grant.nextAt !== null && grant.nextAt > now ? grant.nextAt : now + 1_000;
        const code = grant.heldBy === 'daily_cap' ? 'DAILY_CAP' : 'ACCOUNT_FAILING';
        for (const row of held) {
          s.hold.run(0, at, now, row.id);
          s.insertMessageEvent.run(row.id, 'held', code, `held by the account's ${grant.heldBy === 'daily_cap' ? 'daily cap' : 'circuit breaker'}`, now);
        }
        this.waits.set(accountId, at);
      }
    }
    return rows.slice(0, grant.granted);
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
    const results = new Array<SendResult | undefined>(rows.length);
    const ownIndexes = rows.flatMap((row, i) => (this.isAccountRow(row) ? [] : [i]));
    if (ownIndexes.length > 0) {
      const ownResults = await this.send(ownIndexes.map((i) => requestOf(rows[i] as DueMessageRow, now)));
      ownIndexes.forEach((index, k) => (results[index] = ownResults[k] as SendResult));
    }
    const accountIndexes = rows.flatMap((row, i) => (this.isAccountRow(row) ? [i] : []));
    const batchAccounts = new Set(accountIndexes.map((index) => (rows[index] as DueMessageRow).provider));
    const totalMps = [...batchAccounts].reduce((sum, accountId) => sum + (this.rates.get(accountId) ?? 0), 0);
    let started = 0;
    let allStarted: () => void = () => {};
    const hasAllStarted = new Promise<void>((resolve) => (allStarted = resolve));
    const accountSends = inPool(accountIndexes, sendsInFlight(totalMps), async (index) => {
      if (++started === accountIndexes.length) allStarted();
      const result = await this.sendThroughAccount(rows[index] as DueMessageRow, now);
      results[index] = result;
      return result;
    });
    if (accountIndexes.length > 0) {
      // A call still unanswered STRAGGLER_MS after the batch's last call went out (a provider
      // that hangs on one request) does not hold up the rest: the answered are recorded now and
      // the drain moves on; the straggler is recorded when its call ends (it times out at the
      // latest), and until then no recovery touches its row.
      const wait = new AbortController();
      const isDone = await Promise.race([
        accountSends.then(() => true),
        hasAllStarted.then(() => this.context.sleep(this.context.settings.stragglerMs, wait.signal)).then(() => false),
      ]);
      wait.abort();
      if (!isDone) this.handOffStragglers(rows, results, accountIndexes, accountSends, now);
    }
    // Recorded even if the lease was lost during the call: those messages left.
    this.tx.run(
      () =>
        rows.forEach((row, i) => {
          const result = results[i];
          if (result) this.recordResult(row, result, now);
        }),
      { isFenced: false },
    );
    this.confirmLease();
  }

  /**
   * Rows whose calls are still out: kept in `sending` with their recovery put off until the call
   * has certainly ended (the adapter's timeout, and a margin), then recorded in a transaction of
   * their own when it does. `settle` waits for them (a stopping runner).
   */
  private handOffStragglers(
    rows: readonly DueMessageRow[],
    results: ReadonlyArray<SendResult | undefined>,
    accountIndexes: readonly number[],
    accountSends: Promise<unknown>,
    now: number,
  ): void {
    const stragglers = accountIndexes.filter((index) => results[index] === undefined);
    const s = this.context.statements;
    this.tx.run(
      () => {
        for (const index of stragglers) {
          const row = rows[index] as DueMessageRow;
          const timeoutMs = this.adapterOf(row.provider)?.callTimeoutMs ?? defaultTimeoutMs;
          s.recheckSending.run(now + timeoutMs + STRAGGLER_MARGIN_MS, row.id);
        }
      },
      { isFenced: false },
    );
    const settled = accountSends
      .then(() => {
        const at = this.context.clock.now();
        this.tx.run(
          () =>
            stragglers.forEach((index) => {
              const result = results[index];
              if (result) this.recordResult(rows[index] as DueMessageRow, result, at);
            }),
          { isFenced: false },
        );
      })
      .catch((error: unknown) => this.context.reportError(error))
      .finally(() => this.outstanding.delete(settled));
    this.outstanding.add(settled);
  }

  /** Waits for the calls handed off as stragglers to end and be recorded. */
  async settle(): Promise<void> {
    while (this.outstanding.size > 0) await Promise.all([...this.outstanding]);
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

  /** One message through its sending account's adapter, with its media's public URLs. */
  private async sendThroughAccount(row: DueMessageRow, now: number): Promise<SendResult> {
    const adapter = this.adapterOf(row.provider);
    if (!adapter) return { ok: false, errorClass: 'retryable', code: 'ACCOUNT_UNAVAILABLE', message: `sending account ${row.provider} cannot send now` };
    const request = requestOf(row, now);
    if (row.channel === 'mms' && row.media_ref) {
      const urls = this.context.accounts?.mediaUrls(row.media_ref, row.flow_version_id) ?? null;
      if (urls) request.mediaUrls = urls;
    }
    try {
      return await adapter.send(request);
    } catch (error) {
      this.context.reportError(error);
      return { ok: false, errorClass: 'retryable', code: 'ADAPTER_ERROR', message: error instanceof Error ? error.message : String(error) };
    }
  }

  private isAccountRow(row: DueMessageRow): boolean {
    return this.context.isAccountSender(row.provider);
  }

  /** The adapter of an account resolved this tick (or resolved now). */
  adapterOf(accountId: string): ProviderAdapter | null {
    const known = this.adapters.get(accountId);
    if (known) return known;
    const resolved = this.context.accounts?.resolve(accountId);
    if (!resolved || 'unavailable' in resolved) return null;
    this.adapters.set(accountId, resolved.adapter);
    this.rates.set(accountId, resolved.limits.mps);
    this.context.discipline?.configure(accountId, resolved.limits, this.context.clock.now());
    return resolved.adapter;
  }

  /** `from` is the status the row is in: `sending` after a claim, `queued` when sent in the claiming transaction. */
  recordResult(row: DueMessageRow, result: SendResult, now: number, from: 'sending' | 'queued' = 'sending'): void {
    const { statements: s, counters } = this.context;
    if (result.ok) {
      if (this.isAccountRow(row)) this.context.discipline?.record(row.provider, result, row.attempts + 1, now);
      const accept = from === 'queued' ? s.acceptQueued : s.markAccepted;
      if (accept.run(result.providerMessageId, now, now, row.id).changes === 0) return;
      // An account's receipt comes by webhook or is looked up (receipts.ts), the first time in 30 s.
      if (this.isAccountRow(row)) s.setNextCheck.run(now + 30_000, row.id);
      this.countAccepted(row, result, row.id, now);
      if (row.enrollment_id !== null) s.wakeAwaitingMessage.run(this.receiptDeadline(row, now), row.enrollment_id, row.id);
      return;
    }
    // Counted as the claim would have (failures are rare enough that this write costs nothing).
    if (from === 'queued') s.claimMessages.run(now, JSON.stringify([row.id]));
    const attempts = row.attempts + 1;
    if (this.isAccountRow(row) && this.context.discipline) {
      // The account's discipline decides: a rate limit pauses the account, refused credentials
      // open its breaker (the message waits, its attempts unchanged), 5xx and timeouts back off.
      const verdict = this.context.discipline.record(row.provider, result, attempts, now);
      if (from === 'sending' && AMBIGUOUS_NETWORK_FAILURES.has(result.code) && this.adapterOf(row.provider)?.capabilities.idempotentSend === false) {
        // The request may have reached a provider that keeps no idempotency key: resending now
        // could send it twice. It stays in `sending` and is reconciled like a crash (recover).
        s.recheckSending.run(now, row.id);
        s.insertMessageEvent.run(row.id, 'retry', result.code, `${result.message.slice(0, 150)}; asking the provider before sending again`, now);
        return;
      }
      if (verdict.action === 'retry' && attempts < this.context.settings.maxAttempts + (verdict.isAttempt ? 0 : 1_000)) {
        s.hold.run(verdict.isAttempt ? 0 : 1, Math.ceil(verdict.at), now, row.id);
        s.insertMessageEvent.run(row.id, 'retry', result.code, result.message.slice(0, 200), now);
        return;
      }
    } else if (isTransient(result.errorClass) && attempts < this.context.settings.maxAttempts) {
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
    if (result.errorClass === 'invalid_number') s.markUnreachable.run(now, `(${result.code}) ${result.message}`.slice(0, 300), row.contact_id);
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

/** Failures after which a request may or may not have reached the provider. */
const AMBIGUOUS_NETWORK_FAILURES: ReadonlySet<string> = new Set(['TIMEOUT', 'CONNECTION_RESET', 'NETWORK_ERROR']);

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

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
