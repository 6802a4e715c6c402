import type Database from 'better-sqlite3';
import { CURRENT_SCHEMA_VERSION, FLOW_DOCUMENT_FORMAT, defaultFlowSettings, type FlowDocument, type FlowGraph, type FlowSettings } from '../../src/shared';
import { seededRandom } from '../../src/shared/engine/random';
import type { SimulatorConfig } from '../../src/shared/engine/simulation';
import { VirtualClock } from '../../src/main/engine/clock';
import { EngineRuntime } from '../../src/main/engine/runtime';
import { installFlow, openSandbox } from '../../src/main/engine/sandbox';
import { SimulatorProvider } from '../../src/main/providers/simulator';
import type { ProviderAdapter } from '../../src/main/providers/types';

/** Monday 2026-01-05 10:00 in New York. */
export const T0 = Date.parse('2026-01-05T15:00:00.000Z');
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

export function flowDocument(graph: FlowGraph, settings: Partial<FlowSettings> = {}): FlowDocument {
  return {
    format: FLOW_DOCUMENT_FORMAT,
    schemaVersion: CURRENT_SCHEMA_VERSION,
    name: 'Test flow',
    description: '',
    settings: { ...defaultFlowSettings(), ...settings },
    graph,
  };
}

/** A simulator that always delivers after one minute, never refuses and never replies, unless told. */
export const calmSimulator = (overrides: Partial<SimulatorConfig> = {}): Partial<SimulatorConfig> => ({
  seed: 1,
  latencyMs: { min: MINUTE, max: MINUTE },
  carriers: [{ name: 'Test', share: 1, deliveryRate: 1 }],
  mmsIncapableShare: 0,
  stopReplyRate: 0,
  transientErrorRate: 0,
  ...overrides,
});

export interface Harness {
  sqlite: Database.Database;
  clock: VirtualClock;
  runtime: EngineRuntime;
  provider: ProviderAdapter;
  flowId: string;
  versionId: string;
  addContact(phone: string, options?: { zone?: string | null; attributes?: Record<string, unknown>; mms?: 'yes' | 'no' | 'unknown'; optIn?: boolean }): number;
  event(contactId: number, name: string, at?: number, properties?: Record<string, unknown>): void;
  runUntil(ts: number): Promise<void>;
  messages(contactId?: number): Array<{ id: number; channel: string; status: string; reason: string | null; node_id: string; accepted_at: number | null; error_class: string | null }>;
  enrollment(contactId: number): { id: number; node_id: string; state: string; exit_reason: string | null; wake_at: number | null; flow_version_id: string };
  close(): void;
}

export function createHarness(
  document: FlowDocument,
  options: { provider?: (sqlite: Database.Database) => ProviderAdapter; simulator?: Partial<SimulatorConfig>; start?: number; flowId?: string; file?: string } = {},
): Harness {
  const sqlite = openSandbox(options.file ? { file: options.file } : {});
  const start = options.start ?? T0;
  const flowId = options.flowId ?? 'flow1';
  const versionId = installFlow(sqlite, flowId, document, start);
  const clock = new VirtualClock(start);
  const provider = options.provider?.(sqlite) ?? new SimulatorProvider(sqlite, calmSimulator(options.simulator));
  const runtime = new EngineRuntime({ sqlite, clock, random: seededRandom(1), provider, installId: 't', batchSize: 50 });
  const insertContact = sqlite.prepare(
    `INSERT INTO contacts (phone, time_zone, time_zone_source, attributes_json, mms_capable, created_at, updated_at) VALUES (?, ?, 'contact', ?, ?, ?, ?)`,
  );
  return {
    sqlite,
    clock,
    runtime,
    provider,
    flowId,
    versionId,
    addContact(phone, o = {}) {
      const id = Number(insertContact.run(phone, o.zone === undefined ? 'America/New_York' : o.zone, JSON.stringify(o.attributes ?? {}), o.mms ?? 'unknown', start, start).lastInsertRowid);
      if (o.optIn ?? true) {
        sqlite
          .prepare(`INSERT INTO consent_events (contact_id, kind, channel, source, occurred_at, processed_at) VALUES (?, 'opt_in', 'all', 'test', ?, ?)`)
          .run(id, start - HOUR, start - HOUR);
      }
      return id;
    },
    event(contactId, name, at = clock.now(), properties = {}) {
      sqlite.prepare('INSERT INTO events (contact_id, name, properties_json, occurred_at) VALUES (?, ?, ?, ?)').run(contactId, name, JSON.stringify(properties), at);
    },
    runUntil: (ts) => runtime.runUntil(clock, ts),
    messages: (contactId) =>
      (contactId === undefined
        ? sqlite.prepare('SELECT * FROM messages ORDER BY id').all()
        : sqlite.prepare('SELECT * FROM messages WHERE contact_id = ? ORDER BY id').all(contactId)) as ReturnType<Harness['messages']>,
    enrollment: (contactId) =>
      sqlite.prepare('SELECT * FROM enrollments WHERE contact_id = ? ORDER BY id DESC LIMIT 1').get(contactId) as ReturnType<Harness['enrollment']>,
    close: () => sqlite.close(),
  };
}

/** `count` contacts in New York who take MMS, opted in an hour before T0 (+1415555 1000, 1001, …); returns their ids. */
export function insertOptedInContacts(sqlite: Database.Database, count: number): number[] {
  const insert = sqlite.prepare(`INSERT INTO contacts (phone, time_zone, time_zone_source, attributes_json, mms_capable, created_at, updated_at) VALUES (?, 'America/New_York', 'contact', '{}', 'yes', ?, ?)`);
  const optIn = sqlite.prepare(`INSERT INTO consent_events (contact_id, kind, channel, source, occurred_at, processed_at) VALUES (?, 'opt_in', 'all', 'test', ?, ?)`);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const id = Number(insert.run(`+1415555${String(1000 + i).padStart(4, '0')}`, T0, T0).lastInsertRowid);
    optIn.run(id, T0 - HOUR, T0 - HOUR);
    ids.push(id);
  }
  return ids;
}
