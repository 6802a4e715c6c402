import type Database from 'better-sqlite3';
import type { RandomSource } from '../../../shared/engine/random';
import type { ProviderAdapter } from '../../providers/types';
import { realSleep, type Clock } from '../clock';
import type { MessageView, StepFacts } from '../step';
import { CounterBuffer, sqliteFacts, type Statements } from '../store';
import type { SendingAccounts } from '../sending/accounts';
import type { SendingDiscipline } from '../sending/discipline';
import type { FlowVersions } from './versions';

/** What one tick did; `heldBy` when another runner holds the database and nothing was done. */
export interface TickReport {
  /** Another runner holds this database's lease: nothing was done (or, with leaseLost, nothing more). */
  heldBy: { runnerId: string; until: number } | null;
  /** This runner lost its lease during the tick and stopped at once; what it did before stands. */
  leaseLost: boolean;
  /** Another process held the database's write lock past the busy timeout: the tick stopped, to be retried. */
  busy: boolean;
  steps: number;
  enrolled: number;
  sent: number;
  receipts: number;
  inbound: number;
  events: number;
}

export function emptyReport(): TickReport {
  return { heldBy: null, leaseLost: false, busy: false, steps: 0, enrolled: 0, sent: 0, receipts: 0, inbound: 0, events: 0 };
}

export interface RuntimeSettings {
  installId: string;
  /** Enrollments advanced, or outbox rows drained, per transaction. */
  batchSize: number;
  /** Receipts applied per transaction (when the provider can size its polls). */
  receiptSlice: number;
  maxAttempts: number;
  /** Sends held by quiet hours restart spread over this window after it opens. */
  quietSpreadMs: number;
  helpReply: string;
  /** Keep each enrollment's trail of runs for the contact timeline. */
  journal: boolean;
  /** A send still unanswered this long after its batch's last call went out no longer holds up the drain. */
  stragglerMs: number;
}

/**
 * What the runtime's modules share: the connection and its prepared statements, the injected
 * clock and chance, the provider, and the scratch state of the transaction and tick under way.
 * One per runtime; the composition root (../runtime.ts) makes it and hands it to each module.
 */
export class RuntimeContext {
  readonly statements: Statements;
  readonly facts: StepFacts;
  readonly counters = new CounterBuffer();
  /** Messages finished by receipts in the open transaction, as the step sees them. */
  readonly justFinished = new Map<number, MessageView>();
  /** The provider joins our transactions (capabilities.isTransactional): claim, send and record in one. */
  readonly sendsInTransaction: boolean;
  report: TickReport = emptyReport();
  /**
   * Messages go out only while the scheduler ticks: an enrollment made by an API call outside
   * a tick queues its sends for the next tick, so nothing is sent while the scheduler is off.
   */
  isTicking = false;
  /** The id the next enrollment created in the current transaction gets; read once per transaction. */
  private nextEnrollmentId: number | null = null;
  stepCount = 0;

  constructor(
    readonly sqlite: Database.Database,
    readonly clock: Clock,
    readonly random: RandomSource,
    readonly provider: ProviderAdapter,
    readonly settings: RuntimeSettings,
    readonly versions: FlowVersions,
    readonly reportError: (error: unknown) => void,
    statements: Statements,
    /** Real sending accounts and the discipline (rate, cap, breaker) their sends go through; absent in dry-runs. */
    readonly accounts: SendingAccounts | null = null,
    readonly discipline: SendingDiscipline | null = null,
    /** Dry-runs: every message goes to `provider`, whatever account its flow names. */
    readonly ignoresAccounts = false,
    /** The only way the engine waits in real time (clock.ts); resolves early when aborted. */
    readonly sleep: (ms: number, signal: AbortSignal) => Promise<void> = realSleep,
  ) {
    this.statements = statements;
    const stored = sqliteFacts(statements, sqlite);
    // A message whose receipt the current transaction just applied is answered from memory.
    this.facts = { ...stored, message: (id) => this.justFinished.get(id) ?? stored.message(id) };
    this.sendsInTransaction = provider.capabilities.isTransactional === true && typeof provider.sendInTransaction === 'function';
  }

  /** Called at the start and end of every transaction: scratch state never outlives one. */
  /** Who sends a flow's messages: its sending account, or this runtime's own provider. */
  senderOf(sendingAccountId: string | null): string {
    return (this.ignoresAccounts ? null : sendingAccountId) ?? this.provider.id;
  }

  /** A row a sending account sends (not this runtime's own provider). */
  isAccountSender(sender: string): boolean {
    return !this.ignoresAccounts && sender !== this.provider.id;
  }

  resetTransactionScratch(): void {
    this.nextEnrollmentId = null;
    this.justFinished.clear();
  }

  reserveEnrollmentId(): number {
    const id = this.nextEnrollmentId ?? (this.statements.nextEnrollmentId.get() as number);
    this.nextEnrollmentId = id + 1;
    return id;
  }
}
