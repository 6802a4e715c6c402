import { threadId } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { DEFAULT_HELP_REPLY, type FlowSettings } from '../../shared/flow/settings';
import { classifyInbound, normalizeKeyword } from '../../shared/engine/keywords';
import type { RandomSource } from '../../shared/engine/random';
import { unitHash } from '../../shared/engine/random';
import type { Channel, EnrollmentState, MmsCapability } from '../../shared/engine/types';
import { isTransient } from '../providers/errors';
import type { InboundMessage, ProviderAdapter, Receipt, SendRequest, SendResult } from '../providers/types';
import type { Clock } from './clock';
import { compileFlow, type CompiledFlow } from './flow';
import { isQuietAt, quietHoursEnd } from './localTime';
import { matchesFilters, mayEnter, step, type MessageView, type StepContact, type StepFacts } from './step';
import { trailLine } from './trail';
import {
  applyOptOut,
  CounterBuffer,
  exitEnrollment,
  finishMessage,
  hasConsent,
  prepareStatements,
  recordConsent,
  sqliteFacts,
  type ConsentRecord,
  type ContactRow,
  type DueEnrollmentRow,
  type EntryHistory,
  type DueMessageRow,
  type Statements,
} from './store';

/**
 * The runtime performs what the pure step decides. One `tick()` at the clock's `now`:
 *   1. re-send rows a crash left in `sending` (same idempotency key),
 *   2. apply provider receipts and inbound replies (STOP, START, HELP, keywords),
 *   3. act on new consent and events (subscribed/event triggers, goal exits, event waits),
 *   4. advance every enrollment whose timer is due, in batches of one transaction each,
 *   5. drain the outbox, checking consent, quiet hours and the frequency cap at send time,
 * and repeats until nothing is left due at `now`. Every batch writes the enrollment, its outbox
 * rows, its timer and the node counters in a single SQLite transaction, so a crash at any
 * point leaves either the whole step or none of it.
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
   * A runner restarted under the same id takes its lease straight back. Default: this process
   * and thread.
   */
  runnerId?: string;
  /** Keep each enrollment's trail of runs for the contact timeline (on by default). */
  journal?: boolean;
  onChange?: (flowIds: string[]) => void;
  onError?: (error: unknown) => void;
}

export interface TickReport {
  /** Another runner holds this database's lease: nothing was done. */
  heldBy: { runnerId: string; until: number } | null;
  steps: number;
  enrolled: number;
  sent: number;
  receipts: number;
  inbound: number;
  events: number;
}

interface LiveFlow {
  flow: CompiledFlow;
}

/** How long a runner's lease lasts without renewal: a runner that died is taken over after this. */
export const RUNNER_LEASE_MS = 30_000;
const LEASE_KEY = 'runner_lease';

/** Width of one receipt-polling slice of virtual time. */
const POLL_SLICE_MS = 10_000;

export class EngineRuntime {
  readonly statements: Statements;
  private readonly sqlite: Database.Database;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly provider: ProviderAdapter;
  private readonly installId: string;
  private readonly batchSize: number;
  private readonly receiptSlice: number;
  private readonly maxAttempts: number;
  private readonly spreadMs: number;
  private readonly helpReply: string;
  private readonly journal: boolean;
  private readonly facts: StepFacts;
  /** The provider joins our transactions (capabilities.isTransactional): claim, send and record in one. */
  private readonly sendsInTransaction: boolean;
  private readonly versions = new Map<string, CompiledFlow | null>();
  private counters = new CounterBuffer();
  /** Messages finished by receipts in the open transaction, as the step sees them. */
  private readonly justFinished = new Map<number, MessageView>();
  /** The id the next enrollment created in the current transaction gets; read once per transaction. */
  private nextEnrollmentId: number | null = null;
  private live: LiveFlow[] = [];
  private report: TickReport = emptyReport();
  /**
   * Messages go out only while the scheduler ticks: an enrollment made by an API call outside
   * a tick queues its sends for the next tick, so nothing is sent while the scheduler is off.
   */
  private isTicking = false;
  readonly runnerId: string;
  /** When the lease this runtime holds should be renewed (null: it holds none). */
  private leaseRenewAt: number | null = null;
  stepCount = 0;

  constructor(private readonly options: EngineRuntimeOptions) {
    this.sqlite = options.sqlite;
    this.clock = options.clock;
    this.random = options.random;
    this.provider = options.provider;
    this.installId = options.installId;
    this.batchSize = options.batchSize ?? 1000;
    this.receiptSlice = options.receiptSlice ?? 4 * this.batchSize;
    this.maxAttempts = options.maxAttempts ?? 6;
    this.spreadMs = (options.quietSpreadMinutes ?? 15) * 60_000;
    this.helpReply = options.helpReply ?? DEFAULT_HELP_REPLY;
    this.journal = options.journal ?? true;
    this.runnerId = options.runnerId ?? `${options.installId}:${process.pid}:${threadId}`;
    this.statements = prepareStatements(this.sqlite);
    const stored = sqliteFacts(this.statements);
    // A message whose receipt the current transaction just applied is answered from memory.
    this.facts = { ...stored, message: (id) => this.justFinished.get(id) ?? stored.message(id) };
    this.sendsInTransaction = options.provider.capabilities.isTransactional === true && typeof options.provider.sendInTransaction === 'function';
  }

  // ------------------------------------------------------------------------------ versions
  /** A published version, compiled once; null when it cannot run (reported once). */
  version(versionId: string): CompiledFlow | null {
    let compiled = this.versions.get(versionId);
    if (compiled !== undefined) return compiled;
    const row = this.statements.versionDocument.get(versionId) as { flow_id: string; version: number; document_json: string } | undefined;
    compiled = null;
    if (row) {
      try {
        compiled = compileFlow({ flowId: row.flow_id, versionId, version: row.version }, JSON.parse(row.document_json));
      } catch (error) {
        this.options.onError?.(error);
      }
    }
    this.versions.set(versionId, compiled);
    return compiled;
  }

  private refreshLiveFlows(): void {
    const rows = this.statements.liveFlows.all() as Array<{ flow_id: string; version_id: string }>;
    this.live = [];
    for (const row of rows) {
      const flow = this.version(row.version_id);
      if (flow) this.live.push({ flow });
    }
  }

  // ------------------------------------------------------------------------------ tick
  async tick(): Promise<TickReport> {
    const now = this.clock.now();
    this.report = emptyReport();
    const heldBy = this.transaction(() => this.takeLease(now));
    if (heldBy) return { ...this.report, heldBy };
    this.refreshLiveFlows();
    this.isTicking = true;
    try {
      await this.recoverSending(now);
      await this.pollProvider(now);
      for (let round = 0; round < 10_000; round++) {
        let work = this.processConsent(now) + this.processEvents(now);
        work += this.processDue(now);
        work += await this.drain(now);
        if (work === 0) break;
      }
    } finally {
      this.isTicking = false;
    }
    const touched = [...this.counters.touchedFlows];
    this.counters.touchedFlows.clear();
    if (touched.length > 0) this.options.onChange?.(touched);
    return this.report;
  }

  /**
   * The runner lease: one row that names the runtime allowed to tick this database and until
   * when. Taken when free, expired or already ours; renewed while a long tick runs (in the
   * batches' own transactions); given back by releaseLease when a scheduler stops.
   */
  private takeLease(now: number): { runnerId: string; until: number } | null {
    const raw = this.statements.getState.get(LEASE_KEY) as string | undefined;
    const lease = raw === undefined ? null : parseLease(raw);
    if (lease && lease.runnerId !== this.runnerId && lease.until > now) {
      this.leaseRenewAt = null;
      return lease;
    }
    this.writeLease(now);
    return null;
  }

  private writeLease(now: number): void {
    this.statements.setState.run(LEASE_KEY, JSON.stringify({ runnerId: this.runnerId, until: now + RUNNER_LEASE_MS }));
    this.leaseRenewAt = now + RUNNER_LEASE_MS / 3;
  }

  /** Give the lease back (a stopping scheduler), so another runner need not wait for it to expire. */
  releaseLease(): void {
    this.leaseRenewAt = null;
    const raw = this.statements.getState.get(LEASE_KEY) as string | undefined;
    if (raw !== undefined && parseLease(raw)?.runnerId === this.runnerId) this.statements.deleteState.run(LEASE_KEY);
  }

  /** The earliest instant anything becomes due (timers, outbox, events, receipts), or null. */
  nextDueAt(): number | null {
    const s = this.statements;
    const cursor = this.pollCursor();
    const candidates = [
      s.nextWake.get() as number | undefined,
      s.nextMessageDue.get() as number | undefined,
      s.nextEventDue.get() as number | null,
      s.nextConsentDue.get() as number | null,
      this.provider.nextDueAt?.(cursor) ?? null,
    ].filter((t): t is number => typeof t === 'number');
    return candidates.length === 0 ? null : Math.min(...candidates);
  }

  /**
   * One batch = one transaction. IMMEDIATE takes the write lock up front, so another process
   * (the CLI beside the app) waits on busy_timeout instead of failing half-way on a lock
   * upgrade, and the enrollment ids reserved inside stay ours until commit. If anything throws,
   * nothing of the batch is kept: SQLite rolls back, and the buffered counters are dropped too.
   */
  private transaction<T>(work: () => T): T {
    const run = this.sqlite.transaction(() => {
      this.nextEnrollmentId = null;
      this.justFinished.clear();
      // A tick over a million enrollments outlasts the lease: its batches keep it.
      if (this.isTicking && this.leaseRenewAt !== null && this.clock.now() >= this.leaseRenewAt) this.writeLease(this.clock.now());
      const result = work();
      this.counters.flush(this.statements);
      return result;
    });
    try {
      return run.immediate();
    } catch (error) {
      this.counters.discard();
      throw error;
    } finally {
      this.nextEnrollmentId = null;
      this.justFinished.clear();
    }
  }

  /**
   * `apply` over the rows in one transaction. Should it throw, SQLite rolls the batch back and
   * each row is tried again in a transaction of its own; a row that throws alone (a poison row:
   * data the code did not expect, a bug in a provider adapter) is reported and set aside by
   * `quarantine`, and the rest go on. One bad row never stalls everything queued behind it.
   * Faults of the database itself (busy, I/O, disk full) are not about a row: they end the tick,
   * and the next tick tries again. Returns what the committed transactions returned.
   */
  private eachInBatch<T, R>(rows: readonly T[], apply: (rows: readonly T[]) => R[], quarantine: (row: T) => void): R[] {
    try {
      return this.transaction(() => apply(rows));
    } catch (error) {
      // Reported below, by the row that throws again on its own.
      if (isDatabaseFault(error)) throw error;
    }
    const out: R[] = [];
    for (const row of rows) {
      try {
        out.push(...this.transaction(() => apply([row])));
      } catch (error) {
        if (isDatabaseFault(error)) throw error;
        this.options.onError?.(error);
        this.transaction(() => quarantine(row));
      }
    }
    return out;
  }

  private reserveEnrollmentId(): number {
    const id = this.nextEnrollmentId ?? (this.statements.nextEnrollmentId.get() as number);
    this.nextEnrollmentId = id + 1;
    return id;
  }

  // ------------------------------------------------------------------------------ enrollment
  /** Enroll contacts into a live flow by hand (the `manual` trigger); returns how many entered. */
  enrollContacts(flowId: string, contactIds: readonly number[]): number {
    this.refreshLiveFlows();
    const live = this.live.find((l) => l.flow.flowId === flowId);
    if (!live) return 0;
    const now = this.clock.now();
    let entered = 0;
    for (let i = 0; i < contactIds.length; i += this.batchSize) {
      const chunk = contactIds.slice(i, i + this.batchSize);
      entered += this.transaction(() => {
        // One read for the whole chunk: each contact with its history in this flow.
        const rows = this.statements.contactsWithEntryHistory.all(flowId, JSON.stringify(chunk)) as Array<ContactRow & EntryHistory>;
        const byId = new Map(rows.map((row) => [row.id, row]));
        let count = 0;
        for (const id of chunk) {
          const row = byId.get(id);
          if (!row) continue;
          if (this.enrollLoaded(live.flow, row, row, now)) {
            count++;
            // A contact listed twice in one call: the second sees the first entry.
            row.active++;
            row.last_entered = now;
          }
        }
        return count;
      });
    }
    // An enrollment made by an API call changes the flow's live counts now, not at the next tick.
    if (entered > 0) this.options.onChange?.([flowId]);
    return entered;
  }

  private tryEnroll(flow: CompiledFlow, contactId: number, now: number): boolean {
    const s = this.statements;
    const contact = s.contactById.get(contactId) as ContactRow | undefined;
    if (!contact) return false;
    return this.enrollLoaded(flow, contact, s.entryHistory.get(contactId, flow.flowId) as EntryHistory, now);
  }

  private enrollLoaded(flow: CompiledFlow, contact: ContactRow, history: EntryHistory, now: number): boolean {
    if (!mayEnter(flow.settings.reentry, { activeCount: history.active, lastEnteredAt: history.last_entered, lastExitedAt: history.last_exited }, now)) {
      return false;
    }
    const id = this.reserveEnrollmentId();
    this.counters.add(flow.flowId, flow.trigger.id, 'entered');
    this.report.enrolled++;
    this.advance(
      flow,
      {
        phone: contact.phone,
        time_zone: contact.time_zone,
        attributes_json: contact.attributes_json,
        mms_capable: contact.mms_capable,
        id,
        flow_id: flow.flowId,
        flow_version_id: flow.versionId,
        contact_id: contact.id,
        node_id: flow.trigger.id,
        state: 'active',
        wake_at: null,
        step_seq: 0,
        await_message_id: null,
        entered_at: now,
        node_entered_at: now,
      },
      'enter',
      now,
    );
    return true;
  }

  private processDue(now: number): number {
    let total = 0;
    for (;;) {
      const rows = this.statements.dueEnrollments.all(now, this.batchSize) as DueEnrollmentRow[];
      if (rows.length === 0) return total;
      this.eachInBatch(
        rows,
        (batch) => {
          for (const row of batch) {
            const flow = this.version(row.flow_version_id);
            if (!flow) {
              exitEnrollment(this.statements, this.counters, row, 'version_unreadable', now);
              continue;
            }
            this.advance(flow, row, 'resume', now);
          }
          return [];
        },
        (row) => exitEnrollment(this.statements, this.counters, row, 'engine_error', now),
      );
      total += rows.length;
    }
  }

  /**
   * Run one enrollment through as many nodes as it can pass at `now` (trigger → branch → MMS in
   * one go), then park or exit it: one row write for the whole run. A new enrollment ('enter')
   * is inserted here, already in its parked state; an existing one is updated.
   */
  private advance(flow: CompiledFlow, row: DueEnrollmentRow, initialPhase: 'enter' | 'resume', now: number): void {
    const s = this.statements;
    const contact: StepContact = {
      id: row.contact_id,
      phone: row.phone,
      attributes: parseAttributes(row.attributes_json),
      timeZone: row.time_zone ?? flow.settings.defaultTimeZone,
      mmsCapable: row.mms_capable,
    };
    let nodeId = row.node_id;
    let phase = initialPhase;
    let seq = row.step_seq;
    let nodeEnteredAt = row.node_entered_at;
    let awaitMessageId = row.await_message_id;
    let state: EnrollmentState = 'active';
    let wakeAt: number | null = null;
    let exitReason: string | null = null;
    const path: string[] = initialPhase === 'enter' ? [nodeId] : [];
    const refused: Array<{ row: DueMessageRow; result: SendResult }> = [];
    let note = '';
    for (let hops = 0; ; hops++) {
      const node = flow.nodes.get(nodeId);
      if (!node || hops > 1_000) {
        exitReason = node ? 'too_many_steps' : 'node_missing';
        break;
      }
      const effects = step(
        node,
        contact,
        {
          settings: flow.settings,
          enrollment: { id: row.id, nodeId, state: row.state as EnrollmentState, enteredAt: row.entered_at, nodeEnteredAt, awaitMessageId },
          facts: this.facts,
          phase,
        },
        now,
      );
      this.stepCount++;
      this.report.steps++;
      note = effects.note;
      for (const metric of effects.counters) this.counters.add(flow.flowId, nodeId, metric);
      let acceptedUntil: number | null = null;
      if (effects.send) {
        // Zero-padded so keys sort in the order they are made: the unique index on them (ours
        // and the provider's) appends at its right edge instead of inserting all over a large B-tree.
        const key = `${this.installId}-${String(row.id).padStart(12, '0')}.${seq}`;
        const send = effects.send;
        const outbox: DueMessageRow = {
          id: 0, idempotency_key: key, enrollment_id: row.id, flow_id: flow.flowId, flow_version_id: flow.versionId, node_id: nodeId,
          contact_id: contact.id, purpose: 'marketing', channel: send.channel, body: send.body, subject: send.subject, media_ref: send.mediaRef,
          status: 'queued', attempts: 0, provider_message_id: null, phone: contact.phone, time_zone: contact.timeZone,
        };
        // An in-database provider takes the message in this very transaction when the send-time
        // rules allow it now: the row is written once, already sent, and the enrollment parks
        // straight away until its receipt is due. Anything else goes to the outbox for the drain.
        const result = this.isTicking && this.sendsInTransaction && this.sendVerdict(outbox, now, 0).type === 'send' ? this.sendNowInTransaction(outbox, now) : null;
        if (result?.ok) {
          const inserted = s.insertSentMessage.run(
            key, row.id, flow.flowId, flow.versionId, nodeId, contact.id, send.channel, send.body, send.subject, send.mediaRef,
            send.segments, this.provider.id, result.providerMessageId, now, now, now,
          );
          awaitMessageId = inserted.changes > 0 ? Number(inserted.lastInsertRowid) : (s.messageIdByKey.get(key) as number);
          if (inserted.changes > 0) this.countAccepted(outbox, result, awaitMessageId, now);
          acceptedUntil = this.receiptDeadline(outbox, now);
        } else {
          const inserted = s.insertMessage.run(
            key, row.id, flow.flowId, flow.versionId, nodeId, contact.id, 'marketing', send.channel, send.body,
            send.subject, send.mediaRef, send.segments, this.provider.id, now, now, now,
          );
          awaitMessageId = inserted.changes > 0 ? Number(inserted.lastInsertRowid) : (s.messageIdByKey.get(key) as number);
          // A refusal is recorded (retry, failure, fallback) once the enrollment is written below.
          if (result && inserted.changes > 0) refused.push({ row: { ...outbox, id: awaitMessageId }, result });
        }
      }
      const transition = effects.transition;
      if (transition.type === 'follow') {
        const target = flow.next(nodeId, transition.port);
        if (target === undefined) {
          exitReason = transition.orExit ?? 'no_path';
          break;
        }
        nodeId = target;
        seq++;
        nodeEnteredAt = now;
        awaitMessageId = null;
        phase = 'enter';
        path.push(target);
        this.counters.add(flow.flowId, target, 'entered');
        continue;
      }
      if (transition.type === 'park') {
        state = transition.state;
        // Waiting on a message the provider already took: look again when its receipt is overdue.
        wakeAt = state === 'awaiting_message' && acceptedUntil !== null && transition.wakeAt === null ? acceptedUntil : transition.wakeAt;
        break;
      }
      exitReason = transition.reason;
      break;
    }
    if (exitReason !== null) {
      state = 'exited';
      wakeAt = null;
      this.counters.add(flow.flowId, nodeId, 'exited');
    }
    const line =
      this.journal && (path.length > 0 || exitReason !== null)
        ? `\n${trailLine(now, path.length > 0 ? path : [nodeId], exitReason === null ? note : `${note}; exited: ${exitReason}`)}`
        : '';
    const awaiting = state === 'awaiting_message' ? awaitMessageId : null;
    const exitedAt = exitReason === null ? null : now;
    if (initialPhase === 'enter') {
      s.insertEnrollment.run(
        row.id, flow.flowId, flow.versionId, row.contact_id, nodeId, state, wakeAt, seq, awaiting, row.entered_at, nodeEnteredAt,
        exitedAt, exitReason, line,
      );
    } else {
      s.updateEnrollment.run(nodeId, state, wakeAt, seq, awaiting, nodeEnteredAt, exitedAt, exitReason, line, row.id);
    }
    for (const { row: message, result } of refused) this.recordResult(message, result, now, 'queued');
  }

  // ------------------------------------------------------------------------------ inputs
  private processConsent(now: number): number {
    const rows = this.statements.unprocessedConsent.all(now, this.batchSize) as Array<{
      id: number;
      contact_id: number;
      kind: string;
      channel: string;
    }>;
    if (rows.length === 0) return 0;
    this.eachInBatch(rows, (batch) => {
      for (const row of batch) {
        // Opt-outs recorded elsewhere (another process, a dated import) take effect when due.
        if (row.kind === 'opt_out') applyOptOut(this.statements, this.counters, row.contact_id, now);
        if (row.kind === 'opt_in') {
          for (const { flow } of this.live) {
            const t = flow.trigger.config;
            if (t.type === 'subscribed' && (row.channel === 'all' || row.channel === t.channel || (t.channel === 'mms' && row.channel === 'sms'))) {
              this.tryEnroll(flow, row.contact_id, now);
            }
          }
        }
        this.statements.markConsentProcessed.run(now, row.id);
      }
      return [];
    }, (row) => this.statements.markConsentProcessed.run(now, row.id));
    return rows.length;
  }

  private processEvents(now: number): number {
    const s = this.statements;
    const rows = s.unprocessedEvents.all(now, this.batchSize) as Array<{
      id: number;
      contact_id: number;
      name: string;
      properties_json: string;
    }>;
    if (rows.length === 0) return 0;
    this.eachInBatch(rows, (batch) => {
      for (const row of batch) {
        this.report.events++;
        // Goal first: an event that is both a goal and a trigger ends the old run before a new one starts.
        const active = s.activeEnrollmentsOfContact.all(row.contact_id) as Array<{
          id: number;
          flow_id: string;
          flow_version_id: string;
          node_id: string;
          state: string;
        }>;
        for (const enrollment of active) {
          const flow = this.version(enrollment.flow_version_id);
          if (flow && flow.settings.goalEvent.trim() && flow.settings.goalEvent.trim() === row.name) {
            for (const message of s.pendingMessagesOfEnrollment.all(enrollment.id) as Array<{ id: number }>) {
              finishMessage(s, message.id, 'cancelled', 'goal_reached', null, null, now);
            }
            exitEnrollment(s, this.counters, enrollment, 'goal_reached', now);
          }
        }
        s.wakeAwaitingEvent.run(now, row.contact_id);
        let properties: Record<string, unknown> | null = null;
        for (const { flow } of this.live) {
          const t = flow.trigger.config;
          if (t.type !== 'event' || t.event !== row.name) continue;
          properties ??= parseAttributes(row.properties_json);
          if (matchesFilters(properties, t.filters)) this.tryEnroll(flow, row.contact_id, now);
        }
        s.markEventProcessed.run(now, row.id);
      }
      return [];
    }, (row) => s.markEventProcessed.run(now, row.id));
    return rows.length;
  }

  // ------------------------------------------------------------------------------ provider input
  private pollCursor(): number {
    const value = this.statements.getState.get(`poll:${this.provider.id}`) as string | undefined;
    return value === undefined ? 0 : Number(value);
  }

  /**
   * Receipts and replies are fetched in slices that hold at most about `receiptSlice` receipts
   * (or, from a provider that cannot say, slices of virtual time that hold something), so a
   * million receipts due in the same minute never sit in memory at once, while each slice is
   * one large transaction: receipts touch rows all over the tables, and every transaction
   * rewrites the pages it touched. The cursor moves in the same transaction that applies a slice.
   */
  private async pollProvider(now: number): Promise<void> {
    const cursorKey = `poll:${this.provider.id}`;
    let cursor = this.pollCursor();
    while (cursor < now) {
      let sliceEnd = now;
      if (this.provider.pollUntil) {
        sliceEnd = this.provider.pollUntil(cursor, now, this.receiptSlice);
      } else if (this.provider.nextDueAt) {
        const next = this.provider.nextDueAt(cursor);
        sliceEnd = next === null || next > now ? now : Math.min(now, next + POLL_SLICE_MS - 1);
      }
      const { receipts, inbound } = await this.provider.poll(cursor, sliceEnd);
      this.transaction(() => {
        const woken: WokenEnrollment[] = [];
        // Receipts of different messages are independent, so they are applied in provider-id
        // order (stable: one message's receipts keep theirs): ids that follow the sending order
        // then touch the tables' pages in order instead of in the carriers' random order.
        const ordered = [...receipts].sort((a, b) => (a.providerMessageId < b.providerMessageId ? -1 : a.providerMessageId > b.providerMessageId ? 1 : 0));
        // The slice's messages in one read (rows all along one stretch of the index).
        const messages = new Map<string, ReceiptMessageRow>();
        const ids = JSON.stringify([...new Set(ordered.map((r) => r.providerMessageId))]);
        for (const row of this.statements.messagesByProviderIds.all(ids) as ReceiptMessageRow[]) messages.set(row.provider_message_id, row);
        for (const receipt of ordered) this.applyReceipt(receipt, messages.get(receipt.providerMessageId), now, woken);
        for (const message of inbound) this.applyInboundNow(message, now);
        // After the replies: a STOP in the same slice ends the enrollment before it could move on.
        this.resumeWoken(woken, now);
        this.statements.setState.run(cursorKey, String(sliceEnd));
      });
      cursor = sliceEnd;
    }
  }

  /** Apply one delivery receipt; repeated or late receipts for a finished message change nothing. */
  private applyReceipt(receipt: Receipt, message: ReceiptMessageRow | undefined, now: number, woken: WokenEnrollment[]): void {
    const s = this.statements;
    if (!message || message.status !== 'sent') return;
    this.report.receipts++;
    finishMessage(s, message.id, receipt.status, null, receipt.errorClass, receipt.code, receipt.at);
    // A second receipt for the same message in this slice finds it finished.
    message.status = receipt.status;
    this.justFinished.set(message.id, {
      id: message.id,
      nodeId: message.node_id,
      channel: message.channel,
      status: receipt.status,
      reason: null,
      errorClass: receipt.errorClass,
      acceptedAt: message.accepted_at,
    });
    if (message.flow_id && message.node_id) {
      this.counters.add(message.flow_id, message.node_id, receipt.status === 'delivered' ? 'delivered' : 'failed');
    }
    if (message.channel === 'mms') {
      if (receipt.status === 'delivered') this.learnMmsCapability(message.contact_id, 'yes', now);
      else if (receipt.errorClass === 'mms_unsupported') this.learnMmsCapability(message.contact_id, 'no', now);
    }
    if (message.enrollment_id !== null) woken.push({ enrollmentId: message.enrollment_id, messageId: message.id });
  }

  /**
   * The enrollments waiting on messages that just got their receipt take their next step now,
   * in the receipt's transaction: what a wake-up timer set to `now` would do a moment later,
   * without writing and re-reading that timer. A paused flow's enrollment gets the timer instead.
   */
  private resumeWoken(woken: readonly WokenEnrollment[], now: number): void {
    if (woken.length === 0) return;
    const rows = new Map<number, DueEnrollmentRow & { flow_status: string }>();
    const ids = JSON.stringify(woken.map((w) => w.enrollmentId));
    for (const row of this.statements.awaitingEnrollments.all(ids) as Array<DueEnrollmentRow & { flow_status: string }>) rows.set(row.id, row);
    // In enrollment order (each moves on its own): the row updates walk the table's pages in order.
    const inOrder = [...woken].sort((a, b) => a.enrollmentId - b.enrollmentId);
    for (const { enrollmentId, messageId } of inOrder) {
      const row = rows.get(enrollmentId);
      if (!row || row.await_message_id !== messageId) continue;
      rows.delete(enrollmentId);
      const flow = row.flow_status === 'live' ? this.version(row.flow_version_id) : null;
      if (flow) this.advance(flow, row, 'resume', now);
      else this.statements.wakeAwaitingMessage.run(now, enrollmentId, messageId);
    }
  }

  private learnMmsCapability(contactId: number, value: MmsCapability, now: number): void {
    this.statements.setMmsCapable.run(value, now, contactId, value);
  }

  /** Apply one inbound message (STOP, START, HELP, keywords) in a transaction of its own. */
  applyInbound(message: InboundMessage, now: number): void {
    this.transaction(() => this.applyInboundNow(message, now));
  }

  private applyInboundNow(message: InboundMessage, now: number): void {
    const s = this.statements;
    this.report.inbound++;
    const contact = s.contactByPhone.get(message.from) as { id: number } | undefined;
    if (!contact) return;
    const keyword = normalizeKeyword(message.body);
    const consent = (kind: ConsentRecord['kind']): void =>
      recordConsent(s, this.counters, { contactId: contact.id, kind, channel: 'all', source: 'inbound', keyword: keyword.slice(0, 40), occurredAt: message.at }, now);
    switch (classifyInbound(message.body)) {
      case 'opt_out':
        consent('opt_out');
        return;
      case 'opt_in':
        consent('opt_in');
        return;
      case 'help': {
        consent('keyword');
        // Someone who opted out hears nothing more (their STOP was confirmed); START comes first.
        if (s.latestConsentSms.get(contact.id, now) === 'opt_out') return;
        const key = `${this.installId}-help-${contact.id}-${message.at}`;
        // purpose 'reply' marks it as the HELP answer (no quiet hours, no cap).
        s.insertMessage.run(key, null, null, null, null, contact.id, 'reply', 'sms', this.helpReplyFor(contact.id), null, null, 1, this.provider.id, now, now, now);
        return;
      }
      case 'other':
        s.insertEvent.run(contact.id, 'message_received', JSON.stringify({ body: message.body.slice(0, 1600) }), message.at);
        for (const { flow } of this.live) {
          const t = flow.trigger.config;
          if (t.type === 'keyword' && t.keywords.some((k) => normalizeKeyword(k) === keyword && keyword !== '')) this.tryEnroll(flow, contact.id, now);
        }
    }
  }

  /**
   * The HELP answer of the flow the contact entered most recently: its live version's text while
   * it is live (the program as it stands now), else the version the contact followed, else the default.
   */
  private helpReplyFor(contactId: number): string {
    // Rare (one per HELP text), so prepared here rather than among the hot statements.
    const row = this.sqlite
      .prepare(
        `SELECT e.flow_version_id AS followed,
           (SELECT v.id FROM flow_versions v JOIN flows f ON f.id = v.flow_id
            WHERE v.flow_id = e.flow_id AND f.status = 'live' ORDER BY v.version DESC LIMIT 1) AS live
         FROM enrollments e WHERE e.contact_id = ? ORDER BY e.entered_at DESC, e.id DESC LIMIT 1`,
      )
      .get(contactId) as { followed: string; live: string | null } | undefined;
    if (!row) return this.helpReply;
    const flow = (row.live ? this.version(row.live) : null) ?? this.version(row.followed);
    return flow?.settings.helpReply.trim() || this.helpReply;
  }

  /** Append a consent record from outside the tick (API, import). */
  recordConsent(record: ConsentRecord): void {
    this.transaction(() => recordConsent(this.statements, this.counters, record, this.clock.now()));
  }

  // ------------------------------------------------------------------------------ outbox
  /**
   * Rows left in `sending` were handed to the provider, or were about to be, when the process
   * died. With a provider that deduplicates by idempotency key, resending is safe: it answers
   * with the original message id. A provider without idempotency keys cannot tell us, so the
   * row is failed as UNCERTAIN_AFTER_CRASH (at most once) rather than risk a duplicate; an
   * operator can look it up in the provider console.
   */
  private async recoverSending(now: number): Promise<void> {
    for (;;) {
      const rows = this.statements.sendingMessages.all(this.batchSize) as DueMessageRow[];
      if (rows.length === 0) return;
      if (!this.provider.capabilities.idempotentSend) {
        this.transaction(() => {
          for (const row of rows) finishMessage(this.statements, row.id, 'failed', 'uncertain_after_crash', 'permanent', 'UNCERTAIN_AFTER_CRASH', now);
        });
        continue;
      }
      const toSend: DueMessageRow[] = [];
      this.transaction(() => {
        for (const row of rows) {
          if (row.purpose === 'marketing' && !hasConsent(this.statements, row.contact_id, row.channel, now)) {
            this.cancel(row, 'opted_out', now);
          } else {
            toSend.push(row);
          }
        }
      });
      await this.sendAndRecord(toSend, now);
    }
  }

  private settingsOf(row: { flow_version_id: string | null }): FlowSettings | null {
    return row.flow_version_id ? (this.version(row.flow_version_id)?.settings ?? null) : null;
  }

  private async drain(now: number): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = this.statements.dueMessages.all(now, this.batchSize) as DueMessageRow[];
      if (rows.length === 0) return total;
      total += rows.length;
      const claimed = this.eachInBatch(
        rows,
        (batch) => this.judgeAndClaim(batch, now),
        (row) => {
          finishMessage(this.statements, row.id, 'failed', 'engine_error', 'permanent', 'ENGINE_ERROR', now);
          if (row.flow_id && row.node_id) this.counters.add(row.flow_id, row.node_id, 'failed');
          this.wakeFor(row, now);
        },
      );
      await this.sendAndRecord(claimed, now);
    }
  }

  /**
   * Inside a drain transaction: the send-time rules for each row, then the sends. An in-database
   * provider takes them right here; for any other the rows are marked `sending` and returned, to
   * be sent once that is committed.
   */
  private judgeAndClaim(rows: readonly DueMessageRow[], now: number): DueMessageRow[] {
    const claimed: DueMessageRow[] = [];
    const claimedPerContact = new Map<number, number>();
    for (const row of rows) {
      const verdict = this.sendVerdict(row, now, claimedPerContact.get(row.contact_id) ?? 0);
      switch (verdict.type) {
        case 'cancel':
          this.cancel(row, verdict.reason, now);
          continue;
        case 'defer':
          this.statements.defer.run(verdict.at, now, row.id);
          this.statements.insertMessageEvent.run(row.id, 'deferred', null, `quiet hours until ${new Date(verdict.opening).toISOString()}`, now);
          continue;
        case 'skip':
          finishMessage(this.statements, row.id, 'skipped', verdict.reason, null, null, now);
          this.wakeFor(row, now);
          continue;
        case 'send':
          claimedPerContact.set(row.contact_id, (claimedPerContact.get(row.contact_id) ?? 0) + 1);
          claimed.push(row);
      }
    }
    if (claimed.length === 0) return [];
    if (this.sendsInTransaction) {
      // The provider's ledger and our rows commit together: no `sending` state, no crash window.
      const results = this.provider.sendInTransaction?.(this.sqlite, claimed.map((row) => this.requestOf(row, now))) ?? [];
      claimed.forEach((row, i) => this.recordResult(row, results[i] as SendResult, now, 'queued'));
      return [];
    }
    // `sending` is committed before the provider is called: a crash from here on is
    // recovered by recoverSending with the same idempotency keys.
    this.statements.claimMessages.run(now, JSON.stringify(claimed.map((row) => row.id)));
    return claimed;
  }

  /**
   * The send-time rules, judged at the instant of sending (the drain, or a step that sends
   * straight away): consent for the channel, quiet hours in the contact's zone (deferred to
   * the window's opening, spread over a few minutes), the frequency cap across all flows.
   * HELP answers (purpose 'reply') pass. `alreadyClaimed` counts sends to the same contact
   * earlier in the same batch, not yet visible as accepted.
   */
  private sendVerdict(row: DueMessageRow, now: number, alreadyClaimed: number): SendVerdict {
    if (row.purpose !== 'marketing') return { type: 'send' };
    if (!hasConsent(this.statements, row.contact_id, row.channel, now)) return { type: 'cancel', reason: 'no_consent' };
    const settings = this.settingsOf(row);
    if (!settings) return { type: 'send' };
    const zone = row.time_zone ?? settings.defaultTimeZone;
    if (isQuietAt(settings.quietHours, zone, now)) {
      const opening = quietHoursEnd(settings.quietHours, zone, now);
      return { type: 'defer', opening, at: opening + Math.floor(unitHash('quiet', row.idempotency_key) * this.spreadMs) };
    }
    const cap = settings.frequencyCap;
    if (cap.isEnabled) {
      const since = now - cap.perHours * 3_600_000;
      if ((this.statements.countAcceptedSince.get(row.contact_id, since) as number) + alreadyClaimed >= cap.maxMessages) {
        return { type: 'skip', reason: 'frequency_cap' };
      }
    }
    return { type: 'send' };
  }

  /** One message to the in-database provider, inside the caller's transaction. */
  private sendNowInTransaction(row: DueMessageRow, now: number): SendResult {
    const [result] = this.provider.sendInTransaction?.(this.sqlite, [this.requestOf(row, now)]) ?? [];
    if (!result) throw new Error(`provider ${this.provider.id} returned no result for ${row.idempotency_key}`);
    return result;
  }

  private requestOf(row: DueMessageRow, now: number): SendRequest {
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

  private async sendAndRecord(rows: readonly DueMessageRow[], now: number): Promise<void> {
    if (rows.length === 0) return;
    const requests = rows.map((row) => this.requestOf(row, now));
    const results: SendResult[] = [];
    const failed = (error: unknown): SendResult => {
      // A thrown error (network, bug in an adapter) is treated as transient: the key makes the retry safe.
      this.options.onError?.(error);
      return { ok: false, errorClass: 'retryable', code: 'ADAPTER_ERROR', message: error instanceof Error ? error.message : String(error) };
    };
    if (this.provider.sendBatch) {
      try {
        results.push(...(await this.provider.sendBatch(requests)));
      } catch (error) {
        results.push(...requests.map(() => failed(error)));
      }
    } else {
      for (const request of requests) {
        try {
          results.push(await this.provider.send(request));
        } catch (error) {
          results.push(failed(error));
        }
      }
    }
    this.transaction(() => {
      rows.forEach((row, i) => this.recordResult(row, results[i] as SendResult, now));
    });
  }

  /** `from` is the status the row is in: `sending` after a claim, `queued` when sent in the claiming transaction. */
  private recordResult(row: DueMessageRow, result: SendResult, now: number, from: 'sending' | 'queued' = 'sending'): void {
    const s = this.statements;
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
    if (isTransient(result.errorClass) && attempts < this.maxAttempts) {
      const backoff = Math.min(3_600_000, 30_000 * 2 ** (attempts - 1));
      const jittered = backoff / 2 + this.random.next() * (backoff / 2);
      const delay = Math.max(result.retryAfterMs ?? 0, jittered);
      s.requeue.run(Math.ceil(now + delay), result.errorClass, result.code, now, row.id);
      s.insertMessageEvent.run(row.id, 'retry', result.code, result.message.slice(0, 200), now);
      return;
    }
    finishMessage(s, row.id, 'failed', null, result.errorClass, result.code, now);
    if (row.flow_id && row.node_id) this.counters.add(row.flow_id, row.node_id, 'failed');
    if (result.errorClass === 'mms_unsupported' && row.channel === 'mms') this.learnMmsCapability(row.contact_id, 'no', now);
    if (result.errorClass === 'opted_out') {
      recordConsent(s, this.counters, { contactId: row.contact_id, kind: 'opt_out', channel: 'all', source: 'provider', keyword: null, occurredAt: now }, now);
    }
    this.wakeFor(row, now);
  }

  private countAccepted(row: DueMessageRow, result: SendResult & { ok: true }, messageId: number, now: number): void {
    this.report.sent++;
    // accepted_at records the send; only a resend the provider recognised is worth an event.
    if (result.isDuplicate) this.statements.insertMessageEvent.run(messageId, 'sent', null, 'provider already had this key', now);
    if (row.flow_id && row.node_id) this.counters.add(row.flow_id, row.node_id, 'sent');
  }

  /**
   * When the enrollment waiting on an accepted MMS should look again if no receipt comes: its
   * node's fallbackAfterHours later (a receipt wakes it sooner). Saves a step per message.
   */
  private receiptDeadline(row: DueMessageRow, now: number): number {
    const node = row.flow_version_id && row.node_id ? this.version(row.flow_version_id)?.nodes.get(row.node_id) : undefined;
    if (node?.kind !== 'mms' || node.config.fallbackAfterHours <= 0) return now;
    return now + node.config.fallbackAfterHours * 3_600_000;
  }

  private cancel(row: DueMessageRow, reason: string, now: number): void {
    finishMessage(this.statements, row.id, 'cancelled', reason, null, null, now);
    this.wakeFor(row, now);
  }

  /** The enrollment waiting on this message looks again now (its step decides what the outcome means). */
  private wakeFor(row: { id: number; enrollment_id: number | null }, now: number): void {
    if (row.enrollment_id !== null) this.statements.wakeAwaitingMessage.run(now, row.enrollment_id, row.id);
  }

  // ------------------------------------------------------------------------------ virtual time
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
}

interface ReceiptMessageRow {
  id: number;
  provider_message_id: string;
  enrollment_id: number | null;
  flow_id: string | null;
  node_id: string | null;
  contact_id: number;
  channel: Channel;
  status: string;
  accepted_at: number | null;
}

type SendVerdict =
  | { type: 'send' }
  | { type: 'cancel'; reason: string }
  | { type: 'defer'; at: number; opening: number }
  | { type: 'skip'; reason: string };

interface WokenEnrollment {
  enrollmentId: number;
  messageId: number;
}

function emptyReport(): TickReport {
  return { heldBy: null, steps: 0, enrolled: 0, sent: 0, receipts: 0, inbound: 0, events: 0 };
}

/** SQLite errors that say the database cannot be written right now, whatever the row. */
const DATABASE_FAULT = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|NOMEM|READONLY|CANTOPEN|CORRUPT|NOTADB|INTERRUPT|PROTOCOL|PERM|AUTH)/;
function isDatabaseFault(error: unknown): boolean {
  return error instanceof Database.SqliteError && DATABASE_FAULT.test(error.code);
}

function parseLease(raw: string): { runnerId: string; until: number } | null {
  try {
    const value = JSON.parse(raw) as { runnerId?: unknown; until?: unknown };
    return typeof value.runnerId === 'string' && typeof value.until === 'number' ? { runnerId: value.runnerId, until: value.until } : null;
  } catch {
    return null;
  }
}

function parseAttributes(json: string): Record<string, unknown> {
  if (json === '{}') return {};
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
