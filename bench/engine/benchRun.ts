// The two halves of one size of `npm run bench:engine`, each in its own process (see
// scripts/bench-engine.mjs): the engine run, then the raw-write ceiling for the rows it wrote.
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { CURRENT_SCHEMA_VERSION, FLOW_DOCUMENT_FORMAT, defaultFlowSettings, type FlowDocument } from '../../src/shared';
import { seededRandom } from '../../src/shared/engine/random';
import { VirtualClock } from '../../src/main/engine/clock';
import { EngineRuntime } from '../../src/main/engine/runtime';
import { installFlow, openSandbox } from '../../src/main/engine/sandbox';
import { SimulatorProvider } from '../../src/main/providers/simulator';

const T0 = Date.parse('2026-01-05T15:00:00.000Z');
const HOUR = 3_600_000;
/** Rows per transaction, for the engine's batches and for the ceiling's inserts alike. */
const BATCH = 5_000;
const n = (id: string, kind: string, config: unknown) => ({ id, kind, position: { x: 0, y: 0 }, config });
const e = (source: string, sourcePort: string, target: string) => ({ id: `${source}-${sourcePort}`, source, sourcePort, target });

const document = {
  format: FLOW_DOCUMENT_FORMAT,
  schemaVersion: CURRENT_SCHEMA_VERSION,
  name: 'Bench',
  description: '',
  settings: defaultFlowSettings(),
  graph: {
    nodes: [
      n('trigger', 'trigger', { type: 'manual' }),
      n('wait', 'wait', { type: 'duration', amount: 1, unit: 'hours' }),
      n('branch', 'branch', { conditions: [{ id: 'c_vip', label: 'VIP', subject: 'attribute', name: 'tier', operator: 'equals', value: 'vip' }] }),
      n('mms', 'mms', { subject: '', body: 'Hi {{ first_name | default: "there" }}, new arrivals', mediaAssetId: null, fallbackAfterHours: 24 }),
      n('sms', 'sms', { body: 'Hi {{ first_name | default: "there" }}, new arrivals: shop.example' }),
      n('exit', 'exit', { reason: 'done' }),
    ],
    edges: [e('trigger', 'next', 'wait'), e('wait', 'next', 'branch'), e('branch', 'c_vip', 'mms'), e('branch', 'else', 'mms'), e('mms', 'sent', 'exit'), e('mms', 'fallback', 'sms'), e('sms', 'next', 'exit')],
  },
} as unknown as FlowDocument;

/** The kernel's high-water mark of this process's resident set: a true peak, not a sample. */
const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Counts every row each statement inserts, updates or deletes, per table, from SQLite's own
 * `changes` (an UPDATE that matches nothing counts nothing). The engine and the simulator
 * provider share the connection, so the provider's ledger writes count too: they are part of
 * the run the wall time measures.
 */
function countRowWrites(sqlite: Database.Database): { byTable: Map<string, number>; stop(): void } {
  const byTable = new Map<string, number>();
  const tableOf = new Map<string, string | null>();
  const proto = Object.getPrototypeOf(sqlite.prepare('SELECT 1')) as { run: (this: Database.Statement, ...params: unknown[]) => Database.RunResult };
  const original = proto.run;
  proto.run = function (this: Database.Statement, ...params: unknown[]) {
    const result = original.apply(this, params);
    if (result.changes > 0) {
      let table = tableOf.get(this.source);
      if (table === undefined) {
        table = /^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+[`"]?(\w+)/i.exec(this.source)?.[1] ?? null;
        tableOf.set(this.source, table);
      }
      if (table) byTable.set(table, (byTable.get(table) ?? 0) + result.changes);
    }
    return result;
  };
  return { byTable, stop: () => (proto.run = original) };
}

export async function runEngine(contacts: number, dir: string) {
  const sqlite = openSandbox({ file: join(dir, 'engine.db') });
  installFlow(sqlite, 'bench', document, T0);
  const insertContact = sqlite.prepare(
    `INSERT INTO contacts (phone, time_zone, time_zone_source, attributes_json, mms_capable, created_at, updated_at) VALUES (?, ?, 'inferred', ?, ?, ?, ?)`,
  );
  const insertConsent = sqlite.prepare(`INSERT INTO consent_events (contact_id, kind, channel, source, occurred_at, processed_at) VALUES (?, 'opt_in', 'all', 'bench', ?, ?)`);
  const zones = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'];
  const seed = sqlite.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = Number(
        insertContact.run(`+1${2000000000 + i}`, zones[i % 4], i % 10 === 0 ? '{"tier":"vip","first_name":"Ava"}' : '{"first_name":"Liam"}', i % 25 === 0 ? 'no' : 'unknown', T0, T0).lastInsertRowid,
      );
      insertConsent.run(id, T0 - HOUR, T0 - HOUR);
    }
  });
  for (let i = 0; i < contacts; i += BATCH) seed(i, Math.min(contacts, i + BATCH));
  const setupRows = { contacts: count(sqlite, 'contacts'), consent_events: count(sqlite, 'consent_events') };

  const clock = new VirtualClock(T0);
  const provider = new SimulatorProvider(sqlite, { seed: 1, stopReplyRate: 0.002, transientErrorRate: 0.005 });
  const runtime = new EngineRuntime({ sqlite, clock, random: seededRandom(1), provider, installId: 'bench', batchSize: BATCH });
  const writes = countRowWrites(sqlite);
  const changesBefore = totalChanges(sqlite);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let from = 1; from <= contacts; from += 10 * BATCH) {
    const ids: number[] = [];
    for (let id = from; id < Math.min(contacts + 1, from + 10 * BATCH); id++) ids.push(id);
    runtime.enrollContacts('bench', ids);
  }
  await runtime.runUntil(clock, T0 + 3 * 24 * HOUR, 60_000);
  const engineSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const rowWritesTotal = totalChanges(sqlite) - changesBefore;
  writes.stop();

  const scalar = (sql: string) => Number(sqlite.prepare(sql).pluck().get());
  const outcome = {
    enrollments: scalar('SELECT count(*) FROM enrollments'),
    exited: scalar(`SELECT count(*) FROM enrollments WHERE state = 'exited'`),
    mms: scalar(`SELECT count(*) FROM messages WHERE channel = 'mms'`),
    sms: scalar(`SELECT count(*) FROM messages WHERE channel = 'sms'`),
    delivered: scalar(`SELECT count(*) FROM messages WHERE status = 'delivered'`),
    fellBack: scalar(`SELECT coalesce(sum(value), 0) FROM node_counters WHERE metric = 'fellBack'`),
    optOuts: scalar(`SELECT count(*) FROM consent_events WHERE kind = 'opt_out'`),
    stillQueued: scalar(`SELECT count(*) FROM messages WHERE status IN ('queued', 'sending')`),
  };
  const finalRows: Record<string, number> = {};
  for (const table of engineTables) finalRows[table] = count(sqlite, table) - (setupRows[table as keyof typeof setupRows] ?? 0);
  const steps = runtime.stepCount;
  sqlite.close();
  return {
    contacts,
    steps,
    engineSeconds: round(engineSeconds),
    engineCpuSeconds: round((cpu.user + cpu.system) / 1e6),
    stepsPerSecond: Math.round(steps / engineSeconds),
    rowWrites: Object.fromEntries([...writes.byTable].sort(([a], [b]) => a.localeCompare(b))),
    rowWritesTotal,
    finalRows,
    peakRssMb: peakRssMb(),
    outcome,
  };
}

/** Tables the engine and its provider write during a run (contacts only by learning MMS capability). */
const engineTables = ['contacts', 'consent_events', 'enrollments', 'events', 'messages', 'message_events', 'node_counters', 'engine_state', 'simulator_messages'];
/** Columns that must stay unique when a table's rows are inserted more than once. */
const uniqueColumns: Record<string, string[]> = {
  contacts: ['phone'],
  messages: ['idempotency_key'],
  simulator_messages: ['idempotency_key', 'provider_message_id'],
  node_counters: ['node_id'],
  engine_state: ['key'],
  analytics_dirty: ['kind'],
  analytics_dirty_contacts: ['contact_id'],
};

const count = (sqlite: Database.Database, table: string): number => Number(sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck().get());
const totalChanges = (sqlite: Database.Database): number => Number(sqlite.prepare('SELECT total_changes()').pluck().get());

/**
 * The ceiling: plain better-sqlite3 inserts, in transactions of BATCH rows, into a fresh
 * database with the same migrations (same tables, same indexes) and the same connection
 * settings, of `rows[table]` rows per table, copied from what the engine left in that table
 * (cycled, with unique columns prefixed, when a table saw more writes than it holds rows).
 * Only the insert transactions are timed; reading the template rows is not.
 */
export function runCeiling(dir: string, engineFile: string, rows: Record<string, number>, name: string) {
  const target = openSandbox({ file: join(dir, `${name}.db`) });
  target.pragma('foreign_keys = OFF');
  const source = openSandbox({ file: engineFile });
  const perTable: Record<string, { rows: number; seconds: number }> = {};
  let seconds = 0;
  let total = 0;
  for (const [table, wanted] of Object.entries(rows)) {
    if (wanted <= 0) continue;
    // Every column but a lone INTEGER PRIMARY KEY (the rowid, assigned on insert); a composite key's columns are data.
    const columns = source
      .prepare(`SELECT name FROM pragma_table_info(?) WHERE pk = 0 OR type != 'INTEGER' OR (SELECT count(*) FROM pragma_table_info(?) WHERE pk > 0) > 1`)
      .pluck()
      .all(table, table) as string[];
    // A table that is only its key (analytics_dirty_contacts): the key is the data.
    if (columns.length === 0) columns.push(...(source.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[]));
    const unique = new Set(uniqueColumns[table] ?? []);
    const select = source.prepare(`SELECT rowid, ${columns.join(', ')} FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ?`).raw();
    const insert = target.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
    const available = count(source, table);
    if (available === 0) continue;
    const write = target.transaction((batch: unknown[][]) => {
      for (const row of batch) insert.run(row);
    });
    let written = 0;
    let tableSeconds = 0;
    let after = -Infinity;
    while (written < wanted) {
      const pass = Math.floor(written / available);
      const read = select.all(after, Math.min(BATCH, wanted - written)) as unknown[][];
      if (read.length === 0) {
        after = -Infinity;
        continue;
      }
      after = read[read.length - 1]?.[0] as number;
      const batch = read.map((row) => row.slice(1));
      if (pass > 0) {
        // A prefix, not a suffix: each pass appends to the unique indexes in order, as the
        // engine's own keys do, instead of scattering inserts next to every original.
        for (const row of batch) columns.forEach((column, i) => unique.has(column) && (row[i] = `~${pass}~${String(row[i])}`));
      }
      const started = performance.now();
      write(batch);
      tableSeconds += (performance.now() - started) / 1000;
      written += batch.length;
    }
    perTable[table] = { rows: written, seconds: round(tableSeconds, 3) };
    seconds += tableSeconds;
    total += written;
  }
  source.close();
  target.close();
  return { rows: total, seconds: round(seconds, 3), rowsPerSecond: Math.round(total / seconds), perTable, peakRssMb: peakRssMb() };
}
