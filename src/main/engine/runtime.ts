import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { DEFAULT_HELP_REPLY } from '../../shared/flow/settings';
import type { RandomSource } from '../../shared/engine/random';
import { AutoWinner } from '../analytics/autoWinner';
import { OfflineEngagement } from '../analytics/offlineEngagement';
import type { InboundMessage, ProviderAdapter, ProviderMessageStatus, Receipt } from '../providers/types';
import type { Clock } from './clock';
import type { CompiledFlow } from './flow';
import { emptyReport, RuntimeContext, type TickReport } from './runtime/context';
import { Drain } from './runtime/drain';
import { AudienceTriggers } from './runtime/audienceTriggers';
import { Enrollments } from './runtime/enrollment';
import { Inbound } from './runtime/inbound';
import { isProcessAlive, LeaseLostError, RUNNER_LEASE_MS, RunnerLease } from './runtime/lease';
import { Receipts } from './runtime/receipts';
import { isDatabaseBusy, Transactions } from './runtime/transactions';
import { FlowVersions } from './runtime/versions';
import type { SendingAccounts } from './sending/accounts';
import { SendingDiscipline, type AccountSendingState } from './sending/discipline';
import { prepareStatements, type ConsentRecord, type Statements } from './store';

export type { TickReport } from './runtime/context';
export { LeaseLostError, RUNNER_LEASE_MS } from './runtime/lease';

/**
 * The runtime performs what the pure step decides. This file is its composition root: it wires
 * the modules in ./runtime/ and runs the tick. One `tick()` at the clock's `now`:
 *   0. take (or keep) the database's runner lease (runtime/lease.ts),
 *   1. re-send rows a crash left in `sending` (runtime/drain.ts, same idempotency key),
 *   2. apply provider receipts and inbound replies (runtime/receipts.ts, runtime/inbound.ts),
 *   3. act on new consent and events: triggers, goal exits, event waits (runtime/inbound.ts),
 *   4. advance every enrollment whose timer is due (runtime/enrollment.ts),
 *   5. drain the outbox, checking consent, quiet hours and the frequency cap at send time
 *      (runtime/drain.ts, runtime/sendRules.ts),
 * and repeats until nothing is left due at `now`. Every batch is one SQLite transaction fenced by
 * the lease (runtime/transactions.ts), so a crash at any point leaves either the whole step or
 * none of it, and a runner that lost the lease writes nothing more.
 */

export interface EngineRuntimeOptions {
  sqlite: Database.Database;
  clock: Clock;
  /** Jitter for retry backoff; seeded in dry-runs. */
  random: RandomSource;
  provider: ProviderAdapter;
  /** Prefix of every idempotency key, unique per database (so two databases never collide at a provider). */
  installId: string;
  /** Enrollments advanced, or outbox rows drained, per transaction. */
  batchSize?: number;
  /** Receipts applied per transaction (when the provider can size its polls). */
  receiptSlice?: number;
  maxAttempts?: number;
  /** Sends held by quiet hours restart spread over this many minutes after the window opens. */
  quietSpreadMinutes?: number;
  helpReply?: string;
  /**
   * Who this runtime is when it holds the database's runner lease (see tick). Two runtimes that
   * tick the same database would both send; the lease lets one tick and makes the other wait.
   * A runner restarted under the same id takes its lease straight back; one whose holder was a
   * process of this host that is gone takes it at once. Default: this process and thread.
   */
  runnerId?: string;
  /** How long the runner lease lasts without renewal (default RUNNER_LEASE_MS; tests shorten it). */
  leaseMs?: number;
  /** Whether a process of this host still runs (tests stand in for processes that died). */
  isProcessAlive?: (pid: number) => boolean;
  /**
   * Real sending accounts: a flow whose settings name one sends through it, under the sending
   * discipline (rate limit, daily cap, breaker). Without it every message goes to `provider`.
   */
  accounts?: SendingAccounts;
  /**
   * Dry-runs: the built-in simulator stands in for every sending account (a flow's account is
   * recorded on its messages otherwise, so a runner with the account's credentials sends them).
   */
  ignoreSendingAccounts?: boolean;
  /** Keep each enrollment's trail of runs for the contact timeline (on by default). */
  journal?: boolean;
  /**
   * A provider call still unanswered this long after its batch's last call went out is left to
   * finish on its own (recorded when it ends) and the drain moves on (default 2 s).
   */
  stragglerMs?: number;
  /** How the runtime waits in real time (for stragglers only); the real sleep by default. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * Offline mode: recipients of messages the built-in simulator delivered tap links, buy and reply
   * at the analytics settings' rates (src/main/analytics/offlineEngagement.ts). The app's live
   * runtime turns it on; dry-runs add their engagement after the run instead.
   */
  playsOfflineEngagement?: boolean;
  /** How often (clock time) a split whose auto-winner found no clear winner is looked at again (default 60 s). */
  autoWinnerIntervalMs?: number;
  onChange?: (flowIds: string[]) => void;
  onError?: (error: unknown) => void;
}

export class EngineRuntime {
  readonly statements: Statements;
  readonly runnerId: string;
  private readonly context: RuntimeContext;
  private readonly lease: RunnerLease;
  private readonly tx: Transactions;
  private readonly drain: Drain;
  private readonly enrollments: Enrollments;
  private readonly inbound: Inbound;
  private readonly audience: AudienceTriggers;
  private readonly receipts: Receipts;
  private readonly autoWinner: AutoWinner;
  private readonly offlineEngagement: OfflineEngagement | null;

  constructor(private readonly options: EngineRuntimeOptions) {
    const reportError = (error: unknown): void => options.onError?.(error);
    this.statements = prepareStatements(options.sqlite);
    this.runnerId = options.runnerId ?? `${options.installId}:${process.pid}:${threadId}`;
    const batchSize = options.batchSize ?? 1000;
    this.context = new RuntimeContext(
      options.sqlite,
      options.clock,
      options.random,
      options.provider,
      {
        installId: options.installId,
        batchSize,
        receiptSlice: options.receiptSlice ?? 4 * batchSize,
        maxAttempts: options.maxAttempts ?? 6,
        quietSpreadMs: (options.quietSpreadMinutes ?? 15) * 60_000,
        helpReply: options.helpReply ?? DEFAULT_HELP_REPLY,
        journal: options.journal ?? true,
        stragglerMs: options.stragglerMs ?? 2_000,
      },
      new FlowVersions(this.statements, reportError),
      reportError,
      this.statements,
      options.accounts ?? null,
      options.accounts ? new SendingDiscipline({ random: options.random }) : null,
      options.ignoreSendingAccounts === true,
      options.sleep,
    );
    this.lease = new RunnerLease(this.statements, {
      runnerId: this.runnerId,
      leaseMs: options.leaseMs ?? RUNNER_LEASE_MS,
      host: hostname(),
      pid: process.pid,
      isProcessAlive: options.isProcessAlive ?? isProcessAlive,
    });
    this.tx = new Transactions(this.context, this.lease);
    this.drain = new Drain(this.context, this.tx, () => this.lease.confirm());
    this.enrollments = new Enrollments(this.context, this.tx, this.drain);
    this.audience = new AudienceTriggers(this.context, this.tx, this.enrollments);
    this.inbound = new Inbound(this.context, this.tx, this.enrollments, this.audience);
    this.receipts = new Receipts(this.context, this.tx, this.enrollments, this.inbound, (id) => this.drain.adapterOf(id));
    this.autoWinner = new AutoWinner(options.sqlite, { intervalMs: options.autoWinnerIntervalMs });
    this.offlineEngagement = options.playsOfflineEngagement ? new OfflineEngagement(options.sqlite, Number.parseInt(options.installId.slice(0, 8), 16) || 1) : null;
  }

  get stepCount(): number {
    return this.context.stepCount;
  }

  /** A published version, compiled once; null when it cannot run (reported once). */
  version(versionId: string): CompiledFlow | null {
    return this.context.versions.get(versionId);
  }

  async tick(): Promise<TickReport> {
    const context = this.context;
    const now = context.clock.now();
    context.report = emptyReport();
    try {
      const heldBy = this.tx.run(() => this.lease.take(now));
      if (heldBy) return { ...context.report, heldBy: { runnerId: heldBy.runnerId, until: heldBy.until } };
      context.versions.refreshLive();
      context.isTicking = true;
      await this.drain.recover(now);
      await this.receipts.poll(now);
      await this.receipts.pollAccounts(now);
      await this.receipts.pollAccountReplies(now);
      this.playOfflineEngagement(now);
      for (let round = 0; round < 10_000; round++) {
        let work = this.inbound.processConsent(now) + this.inbound.processEvents(now);
        work += this.audience.process(now);
        work += this.enrollments.processDue(now);
        work += await this.drain.drain(now);
        if (work === 0) break;
      }
      this.decideWinners(now);
    } catch (error) {
      if (error instanceof LeaseLostError) {
        // Another runner took over while this one was frozen or slow: stop at once, and say so.
        context.report.leaseLost = true;
        context.report.heldBy = error.holder ? { runnerId: error.holder.runnerId, until: error.holder.until } : null;
        this.options.onError?.(error);
      } else if (isDatabaseBusy(error)) {
        // Another process holds the write lock past busy_timeout (a long import): a wait, not a crash.
        context.report.busy = true;
      } else {
        throw error;
      }
    } finally {
      context.isTicking = false;
      this.publishChanges();
    }
    return context.report;
  }

  /** Where each sending account stands (rate, today's count, breaker), for the app to show. */
  accountStates(): AccountSendingState[] {
    const discipline = this.context.discipline;
    if (!discipline) return [];
    const now = this.context.clock.now();
    return discipline.knownAccounts().map((id) => discipline.state(id, now));
  }

  /** Waits for provider calls a drain left to finish on their own (stragglers) to end and be recorded. */
  settleSends(): Promise<void> {
    return this.drain.settle();
  }

  /** Give the lease back (a stopping scheduler), so another runner need not wait for it to expire. */
  releaseLease(): void {
    try {
      this.tx.run(() => this.lease.release(), { isFenced: false });
    } catch (error) {
      // A busy database keeps the row; it lapses on its own.
      if (!isDatabaseBusy(error)) throw error;
    }
  }

  /** The earliest instant anything becomes due (timers, outbox, events, receipts), or null. */
  nextDueAt(): number | null {
    const s = this.statements;
    const candidates = [
      s.nextWake.get() as number | undefined,
      this.drain.nextMessageDue(),
      s.nextEventDue.get() as number | null,
      s.nextConsentDue.get() as number | null,
      this.context.provider.nextDueAt?.(this.receipts.cursor()) ?? null,
      this.audience.nextDueAt(),
      this.offlineEngagement?.nextDueAt() ?? null,
    ].filter((t): t is number => typeof t === 'number');
    return candidates.length === 0 ? null : Math.min(...candidates);
  }

  /** Enroll contacts into a live flow by hand (the `manual` trigger); returns how many entered. */
  enrollContacts(flowId: string, contactIds: readonly number[]): number {
    const entered = this.enrollments.enrollContacts(flowId, contactIds);
    // An enrollment made by an API call changes the flow's live counts now, not at the next tick.
    if (entered > 0) this.options.onChange?.([flowId]);
    return entered;
  }

  /** Append a consent record from outside the tick (API, import). */
  recordConsent(record: ConsentRecord): void {
    this.inbound.recordConsent(record);
  }

  /**
   * Status callbacks and inbound messages a sending account's webhooks delivered (verified by
   * src/main/http/webhooks.ts), applied at once in one transaction: a STOP stops the very next
   * drain. Repeated or late callbacks change nothing.
   */
  applyProviderEvents(statuses: readonly ProviderMessageStatus[], inbound: readonly InboundMessage[]): void {
    const receipts: Receipt[] = statuses
      .filter((status) => status.state === 'delivered' || status.state === 'undelivered' || status.state === 'failed')
      .map((status) => ({ providerMessageId: status.providerMessageId, status: status.state as Receipt['status'], code: status.code, errorClass: status.errorClass, at: status.at }));
    this.receipts.applyExternal(receipts, inbound, this.context.clock.now());
  }

  /** Apply one inbound message (STOP, START, HELP, keywords) in a transaction of its own. */
  applyInbound(message: InboundMessage, now: number): void {
    this.inbound.apply(message, now);
  }

  /**
   * Dry-runs and tests: tick, jump the clock to the next due instant, repeat until `until`.
   * With `resolutionMs`, jumps land on multiples of it, so everything due within one step of
   * virtual time is handled in one tick (a dry-run of a million contacts then costs a bounded
   * number of ticks); the default of 1 ms replays every instant exactly.
   */
  async runUntil(clock: { now(): number; set(ts: number): void }, until: number, resolutionMs = 1): Promise<void> {
    for (;;) {
      await this.tick();
      const next = this.nextDueAt();
      if (next === null || next > until) {
        if (clock.now() < until) {
          clock.set(until);
          await this.tick();
        }
        return;
      }
      const aligned = Math.ceil(next / resolutionMs) * resolutionMs;
      clock.set(Math.min(until, Math.max(aligned, clock.now() + 1)));
    }
  }

  /** 2b. Offline mode: what the simulator's recipients do now (taps, purchases, replies), before the events are processed. */
  private playOfflineEngagement(now: number): void {
    if (!this.offlineEngagement) return;
    try {
      this.offlineEngagement.run(now, (message) => this.inbound.apply(message, now));
    } catch (error) {
      if (error instanceof LeaseLostError || isDatabaseBusy(error)) throw error;
      this.options.onError?.(error);
    }
  }

  /**
   * 6. Splits with an auto-winner (src/main/analytics/autoWinner.ts): once per tick, after the
   * sends. A switch is a new published version, written under the lease; new entries run it.
   * Anything else that goes wrong here is reported and never stops the sending.
   */
  private decideWinners(now: number): void {
    try {
      const decisions = this.autoWinner.evaluate(this.context.versions.live, now, (write) => this.tx.run(write));
      const switched = decisions.filter((d) => d.status === 'switched');
      for (const decision of switched) this.context.counters.touchedFlows.add(decision.flowId);
      if (switched.length > 0) this.context.versions.refreshLive();
    } catch (error) {
      if (error instanceof LeaseLostError || isDatabaseBusy(error)) throw error;
      this.options.onError?.(error);
    }
  }

  private publishChanges(): void {
    const touched = [...this.context.counters.touchedFlows];
    this.context.counters.touchedFlows.clear();
    if (touched.length > 0) this.options.onChange?.(touched);
  }
}
