// One size of `npm run bench:engine`, in its own process (see scripts/bench-engine.mjs).
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CURRENT_SCHEMA_VERSION, FLOW_DOCUMENT_FORMAT, defaultFlowSettings, type FlowDocument } from '../../shared';
import { seededRandom } from '../../shared/engine/random';
import { VirtualClock } from './clock';
import { EngineRuntime } from './runtime';
import { installFlow, openSandbox } from './sandbox';
import { SimulatorProvider } from '../providers/simulator';

const T0 = Date.parse('2026-01-05T15:00:00.000Z');
const HOUR = 3_600_000;
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

/** The kernel's high-water mark of this process's resident set (KiB → bytes): a true peak, not a sample. */
const peakRssBytes = () => process.resourceUsage().maxRSS * 1024;

function rawWriteRate(dir: string, rows: number): number {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE raw (id INTEGER PRIMARY KEY, contact_id INTEGER NOT NULL, node_id TEXT NOT NULL, state TEXT NOT NULL, at INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO raw (contact_id, node_id, state, at) VALUES (?, ?, ?, ?)');
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) insert.run(i, 'wait', 'waiting', T0 + i);
  });
  const started = performance.now();
  for (let i = 0; i < rows; i += 1000) batch(i, Math.min(rows, i + 1000));
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return rows / seconds;
}

export async function runBench(contacts: number, dir: string) {
  const sqlite = openSandbox({ file: join(dir, 'engine.db') });
  installFlow(sqlite, 'bench', document, T0);
  const insertContact = sqlite.prepare(
    `INSERT INTO contacts (phone, time_zone, time_zone_source, attributes_json, mms_capable, created_at, updated_at) VALUES (?, ?, 'inferred', ?, ?, ?, ?)`,
  );
  const insertConsent = sqlite.prepare(`INSERT INTO consent_events (contact_id, kind, channel, source, occurred_at, processed_at) VALUES (?, 'opt_in', 'all', 'bench', ?, ?)`);
  const zones = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'];
  const setupStarted = performance.now();
  const seed = sqlite.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = Number(
        insertContact.run(`+1${2000000000 + i}`, zones[i % 4], i % 10 === 0 ? '{"tier":"vip","first_name":"Ava"}' : '{"first_name":"Liam"}', i % 25 === 0 ? 'no' : 'unknown', T0, T0).lastInsertRowid,
      );
      insertConsent.run(id, T0 - HOUR, T0 - HOUR);
    }
  });
  for (let i = 0; i < contacts; i += 5000) seed(i, Math.min(contacts, i + 5000));
  const setupSeconds = (performance.now() - setupStarted) / 1000;

  const clock = new VirtualClock(T0);
  const provider = new SimulatorProvider(sqlite, { seed: 1, stopReplyRate: 0.002, transientErrorRate: 0.005 });
  const runtime = new EngineRuntime({ sqlite, clock, random: seededRandom(1), provider, installId: 'bench', batchSize: 2000 });
  const started = performance.now();
  for (let from = 1; from <= contacts; from += 10_000) {
    const ids: number[] = [];
    for (let id = from; id < Math.min(contacts + 1, from + 10_000); id++) ids.push(id);
    runtime.enrollContacts('bench', ids);
  }
  await runtime.runUntil(clock, T0 + 3 * 24 * HOUR, 60_000);
  const wallSeconds = (performance.now() - started) / 1000;
  const scalar = (sql: string) => Number(sqlite.prepare(sql).pluck().get());
  const outcome = {
    enrollments: scalar('SELECT count(*) FROM enrollments'),
    exited: scalar(`SELECT count(*) FROM enrollments WHERE state = 'exited'`),
    mms: scalar(`SELECT count(*) FROM messages WHERE channel = 'mms'`),
    sms: scalar(`SELECT count(*) FROM messages WHERE channel = 'sms'`),
    fellBack: scalar(`SELECT coalesce(sum(value), 0) FROM node_counters WHERE metric = 'fellBack'`),
    stillQueued: scalar(`SELECT count(*) FROM messages WHERE status IN ('queued', 'sending')`),
  };
  const steps = runtime.stepCount;
  sqlite.close();
  const rawRowsPerSecond = rawWriteRate(dir, steps);
  const stepsPerSecond = steps / wallSeconds;
  return {
    contacts,
    steps,
    wallSeconds: round(wallSeconds),
    stepsPerSecond: Math.round(stepsPerSecond),
    rawRowsPerSecond: Math.round(rawRowsPerSecond),
    ratioOfRaw: round(stepsPerSecond / rawRowsPerSecond, 3),
    peakRssMb: Math.round(peakRssBytes() / 1024 / 1024),
    setupSeconds: round(setupSeconds),
    outcome,
  };
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
