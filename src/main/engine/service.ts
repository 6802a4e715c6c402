import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type {
  ContactsImportResult,
  EnrollResult,
  EventsIngestResult,
  FlowNodeCounts,
  RunControlResult,
} from '../../shared/api/engine';
import { PostcardError } from '../../shared/api/result';
import type { FlowDocument } from '../../shared/flow/document';
import { FlowStatus } from '../../shared/flow/settings';
import { FlowGraph } from '../../shared/graph/graph';
import { seededRandom } from '../../shared/engine/random';
import type { SimulationOptionsInput } from '../../shared/engine/simulation';
import type { ContactTimeline, SimulationResult } from '../../shared/engine/types';
import { importContactsCsv, type ImportOptions } from '../contacts/import';
import { normalizePhone } from '../contacts/timeZone';
import { ingestEventsNdjson } from '../events/ingest';
import { SimulatorProvider } from '../providers/simulator';
import type { ProviderAdapter } from '../providers/types';
import { systemClock, type Clock } from './clock';
import { tuneForEngine } from './connection';
import { EngineRuntime } from './runtime';
import type { SendingAccounts } from './sending/accounts';
import { simulationPrices } from '../analytics/cost';
import { readNodeCounts, type ImportedContact } from './simulate';
import { runSimulationThread, type SimulationRunOptions } from './simulationHost';
import { CounterBuffer, exitEnrollment, finishMessage, prepareStatements, type Statements } from './store';
import { contactTimeline } from './timeline';

export interface EngineServiceOptions {
  sqlite: Database.Database;
  clock?: Clock;
  provider?: ProviderAdapter;
  /** Called with the flows whose live counts changed (the app forwards it as a change event). */
  onCountsChanged?: (flowIds: string[]) => void;
  migrationsFolder?: string;
  /** The better-sqlite3 addon to open a simulation's private database with (Electron's build in the app). */
  nativeBinding?: string;
  /** Sending accounts the runner sends through (only the runner's engine needs them). */
  accounts?: SendingAccounts;
  /** The scheduler's runner id for the database lease (EngineRuntimeOptions.runnerId). */
  runnerId?: string;
}

/**
 * The engine as the API sees it: intake, dry-runs, live counts, timelines and run control over
 * the live database, plus the runtime the scheduler ticks.
 */
export class EngineService {
  readonly runtime: EngineRuntime;
  private readonly sqlite: Database.Database;
  private readonly clock: Clock;
  private readonly statements: Statements;

  constructor(private readonly options: EngineServiceOptions) {
    this.sqlite = options.sqlite;
    tuneForEngine(this.sqlite);
    this.clock = options.clock ?? systemClock;
    this.statements = prepareStatements(this.sqlite);
    const installId = this.installId();
    this.runtime = new EngineRuntime({
      sqlite: this.sqlite,
      clock: this.clock,
      random: seededRandom(Number.parseInt(installId.slice(0, 8), 16) || 1),
      provider: options.provider ?? new SimulatorProvider(this.sqlite),
      installId,
      runnerId: options.runnerId,
      accounts: options.accounts,
      playsOfflineEngagement: true,
      onChange: options.onCountsChanged,
      onError: (error) => console.error('[postcard] engine:', error),
    });
  }

  /** A stable id of this database, prefixed to every idempotency key it sends. */
  private installId(): string {
    const existing = this.statements.getState.get('install_id') as string | undefined;
    if (existing) return existing;
    const id = randomUUID().replace(/-/g, '').slice(0, 16);
    this.statements.setState.run('install_id', id);
    return id;
  }

  importContacts(csv: string, options: ImportOptions = {}): Promise<ContactsImportResult> {
    return importContactsCsv(this.sqlite, csv, this.clock.now(), options);
  }

  ingestEvents(ndjson: string): Promise<EventsIngestResult> {
    return ingestEventsNdjson(this.sqlite, ndjson, this.clock.now());
  }

  /** A dry-run in a thread of its own (simulationHost.ts); the contacts it may use and the price table are read here first. */
  async simulate(document: FlowDocument, options: SimulationOptionsInput, run: SimulationRunOptions = {}): Promise<SimulationResult> {
    return runSimulationThread(
      { document, options: { ...options, prices: simulationPrices(this.sqlite, options) }, importedContacts: options.useImportedContacts ? this.importedContacts() : null,
        migrationsFolder: this.options.migrationsFolder,
        nativeBinding: this.options.nativeBinding,
      },
      run,
    );
  }

  private importedContacts(): ImportedContact[] {
    const rows = this.sqlite
      .prepare('SELECT id, phone, time_zone, attributes_json, mms_capable FROM contacts ORDER BY phone LIMIT 1000000')
      .all() as Array<{ id: number; phone: string; time_zone: string | null; attributes_json: string; mms_capable: string }>;
    return rows.map((row) => ({
      phone: row.phone,
      timeZone: row.time_zone,
      attributesJson: row.attributes_json,
      mmsCapable: row.mms_capable,
      isOptedIn: this.statements.latestConsentSms.get(row.id, this.clock.now()) === 'opt_in',
    }));
  }

  nodeCounts(flowId: string): FlowNodeCounts {
    const row = this.sqlite.prepare('SELECT draft_graph_json FROM flows WHERE id = ?').get(flowId) as { draft_graph_json: string } | undefined;
    if (!row) throw new PostcardError('NOT_FOUND', `no flow with id ${flowId}`);
    const graph = FlowGraph.safeParse(safeJson(row.draft_graph_json));
    const nodeIds = graph.success ? graph.data.nodes.map((n) => n.id as string) : [];
    return { flowId, nodes: readNodeCounts(this.sqlite, flowId, nodeIds) };
  }

  timeline(phoneInput: string): ContactTimeline {
    const phone = normalizePhone(phoneInput);
    const id = phone ? (this.statements.contactByPhone.get(phone) as { id: number } | undefined)?.id : undefined;
    const timeline = id === undefined ? null : contactTimeline(this.sqlite, id);
    if (!timeline) throw new PostcardError('NOT_FOUND', `no contact with the phone number ${phoneInput.slice(0, 32)}`);
    return timeline;
  }

  enroll(flowId: string, phones: readonly string[]): EnrollResult {
    this.requireStatus(flowId, ['live'], 'only a live flow can enroll contacts; publish it first');
    const ids: number[] = [];
    const unknownPhones: string[] = [];
    for (const input of phones) {
      const phone = normalizePhone(input);
      const row = phone ? (this.statements.contactByPhone.get(phone) as { id: number } | undefined) : undefined;
      if (row) ids.push(row.id);
      else unknownPhones.push(input);
    }
    const enrolled = this.runtime.enrollContacts(flowId, [...new Set(ids)]);
    return { enrolled, unknownPhones, refused: new Set(ids).size - enrolled };
  }

  /** Enroll contacts already found (everyone in a segment now) into a live flow; the re-entry rule still decides. */
  enrollContactIds(flowId: string, contactIds: readonly number[]): { enrolled: number; refused: number } {
    this.requireStatus(flowId, ['live'], 'only a live flow can enroll contacts; publish it first');
    const enrolled = this.runtime.enrollContacts(flowId, contactIds);
    return { enrolled, refused: contactIds.length - enrolled };
  }

  /** Pausing stops new sends and steps; timers that fall due meanwhile run on resume. */
  pause(flowId: string): RunControlResult {
    this.requireStatus(flowId, ['live', 'paused'], 'only a live flow can be paused');
    this.setStatus(flowId, 'paused');
    return { flowId, status: 'paused', cancelledMessages: 0, exitedEnrollments: 0 };
  }

  resume(flowId: string): RunControlResult {
    this.requireStatus(flowId, ['paused', 'live'], 'only a paused flow can be resumed');
    this.setStatus(flowId, 'live');
    return { flowId, status: 'live', cancelledMessages: 0, exitedEnrollments: 0 };
  }

  /** Archiving cancels everything queued and ends every enrollment, recording the reason. */
  archive(flowId: string, reason: string): RunControlResult {
    this.requireStatus(flowId, ['draft', 'live', 'paused', 'archived'], '');
    const now = this.clock.now();
    const counters = new CounterBuffer();
    const exitReason = `archived: ${reason}`.slice(0, 200);
    const result = this.sqlite.transaction(() => {
      this.setStatus(flowId, 'archived');
      const messages = this.statements.pendingMessagesOfFlow.all(flowId) as Array<{ id: number }>;
      for (const m of messages) finishMessage(this.statements, m.id, 'cancelled', exitReason, null, null, now);
      const enrollments = this.statements.activeEnrollmentsOfFlow.all(flowId) as Array<{ id: number; flow_id: string; node_id: string }>;
      for (const e of enrollments) exitEnrollment(this.statements, counters, e, exitReason, now);
      counters.flush(this.statements);
      return { cancelledMessages: messages.length, exitedEnrollments: enrollments.length };
    })();
    this.options.onCountsChanged?.([flowId]);
    return { flowId, status: 'archived', ...result };
  }

  private requireStatus(flowId: string, allowed: FlowStatus[], message: string): FlowStatus {
    const status = this.statements.flowStatus.get(flowId) as string | undefined;
    if (status === undefined) throw new PostcardError('NOT_FOUND', `no flow with id ${flowId}`);
    const parsed = FlowStatus.safeParse(status);
    if (!parsed.success || !allowed.includes(parsed.data)) throw new PostcardError('CONFLICT', `${message} (the flow is ${status})`);
    return parsed.data;
  }

  private setStatus(flowId: string, status: FlowStatus): void {
    this.sqlite.prepare('UPDATE flows SET status = ?, updated_at = ? WHERE id = ?').run(status, new Date(this.clock.now()).toISOString(), flowId);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
