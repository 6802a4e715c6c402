import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { CURRENT_SCHEMA_VERSION, FLOW_DOCUMENT_FORMAT, defaultFlowSettings, type FlowDocument } from '../../src/shared';
import { DAY_MS } from '../../src/shared/analytics/attribution';
import { rebuildAnalytics } from '../../src/main/analytics/derive';
import { AnalyticsService } from '../../src/main/analytics/service';
import { installFlow, openSandbox } from '../../src/main/engine/sandbox';

/**
 * The analytics benchmark's store and queries. Generation is plain SQL (recursive CTEs), outside
 * the engine (so nothing marks buckets dirty) and the aggregates then derived by rebuildAnalytics,
 * as an upgrade of an existing store would. Sizes scale from the 10,000,000 messages,
 * 2,000,000 clicks and 500,000 conversions over 90 days.
 */

const FLOWS = 10;
const START = Date.parse('2026-01-01T00:00:00.000Z');
const DAYS = 90;

function document(index: number): FlowDocument {
  const n = (id: string, kind: string, config: unknown) => ({ id, kind, position: { x: 0, y: 0 }, config });
  const e = (source: string, sourcePort: string, target: string) => ({ id: `${source}-${sourcePort}`, source, sourcePort, target });
  return {
    format: FLOW_DOCUMENT_FORMAT,
    schemaVersion: CURRENT_SCHEMA_VERSION,
    name: `Bench flow ${index}`,
    description: '',
    settings: { ...defaultFlowSettings(), goalEvent: 'order_placed', attributionDays: 7 },
    graph: {
      nodes: [
        n('t', 'trigger', { type: 'manual' }),
        n('ab', 'split', { variants: [{ id: 'vmms', label: 'MMS', weight: 45, isHoldout: false }, { id: 'vsms', label: 'SMS', weight: 45, isHoldout: false }, { id: 'vhold', label: 'Holdout', weight: 10, isHoldout: true }] }),
        n('m1', 'mms', { subject: '', body: 'Look https://shop.example', mediaAssetId: null, fallbackAfterHours: 0 }),
        n('s1', 'sms', { body: 'Hi https://shop.example' }),
        n('s2', 'sms', { body: 'Last chance' }),
        n('x', 'exit', { reason: '' }),
      ],
      edges: [e('t', 'next', 'ab'), e('ab', 'vmms', 'm1'), e('ab', 'vsms', 's1'), e('m1', 'sent', 's2'), e('s1', 'next', 's2'), e('s2', 'next', 'x')],
    },
  } as unknown as FlowDocument;
}

export interface Generated {
  messages: number;
  clicks: number;
  conversions: number;
  assignments: number;
  generateSeconds: number;
  deriveSeconds: number;
}

export function generate(dir: string, scale: number): Generated {
  const sqlite = openSandbox({ file: join(dir, 'analytics.db') });
  const messages = Math.round(10_000_000 * scale);
  const clicks = Math.round(2_000_000 * scale);
  const conversions = Math.round(500_000 * scale);
  const contacts = Math.max(1000, Math.round(1_000_000 * scale));
  const started = performance.now();
  for (let i = 0; i < FLOWS; i++) installFlow(sqlite, `f${i}`, document(i), START);
  const span = DAYS * DAY_MS;
  // The file is thrown away after the run: no journal, no fsync, a large page cache. The bulk
  // tables' secondary indexes are built once after the load (a sorted build) instead of being
  // updated row by row in random order, which is what made a full-size load take more than half an hour.
  sqlite.pragma('journal_mode = DELETE'); // out of WAL first: WAL cannot go straight to OFF
  sqlite.pragma('journal_mode = OFF');
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('cache_size = -2000000');
  sqlite.pragma('temp_store = MEMORY');
  const bulkTables = ['contacts', 'messages', 'split_assignments', 'clicks', 'events'];
  const indexes = sqlite
    .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${bulkTables.map(() => '?').join(', ')})`)
    .all(...bulkTables) as Array<{ name: string; sql: string }>;
  for (const index of indexes) sqlite.exec(`DROP INDEX "${index.name}"`);
  // Times are whole milliseconds, as the engine writes them. (Bound numbers arrive as REAL: without
  // the CAST every message had a fractional time, its own "day" bucket, and the derivation of a
  // full-size store ran for hours over twelve million one-row buckets.)
  sqlite.transaction(() => {
    sqlite
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO contacts (id, phone, attributes_json, created_at, updated_at)
         SELECT i, '+1' || CASE i % 10 WHEN 0 THEN '416' ELSE '212' END || printf('%07d', i), '{}', ?, ? FROM n`,
      )
      .run(contacts, START, START);
    // Flow f0 carries 30 % of the messages (the one the bench opens), the rest share the others.
    // One enrollment per (flow, contact) reaches the split; its arm decides the first message's node.
    sqlite
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO messages (id, idempotency_key, enrollment_id, flow_id, flow_version_id, node_id, contact_id, purpose, channel, body, segments,
                               provider, status, error_code, created_at, accepted_at, finished_at, updated_at)
         SELECT i, 'k' || i, i / 2, flow, flow || '-v1', node, contact, 'marketing', CASE node WHEN 'm1' THEN 'mms' ELSE 'sms' END, 'x', 1 + (i % 7 = 0),
                'simulator', status, CASE status WHEN 'undelivered' THEN CASE i % 3 WHEN 0 THEN '30003' WHEN 1 THEN '30006' ELSE '30019' END END,
                at, at + 1000, at + 60000, at + 60000
         FROM (SELECT i, CASE WHEN i % 10 < 3 THEN 'f0' ELSE 'f' || (1 + i % 9) END AS flow,
                      CASE WHEN i % 2 = 1 THEN 's2' WHEN (i / 20) % 20 < 9 THEN 'm1' ELSE 's1' END AS node,
                      1 + (i / 2) % ? AS contact,
                      CASE WHEN i % 50 = 0 THEN 'undelivered' ELSE 'delivered' END AS status,
                      CAST(? + (i * ?) / ? AS INTEGER) AS at FROM n)`,
      )
      .run(messages, contacts, START, span, messages);
    sqlite
      .prepare(
        `INSERT INTO split_assignments (enrollment_id, split_node_id, flow_id, variant_id, is_holdout, contact_id, assigned_at)
         SELECT i / 2, 'ab', flow_id, CASE WHEN (i / 20) % 20 < 9 THEN 'vmms' WHEN (i / 20) % 20 < 18 THEN 'vsms' ELSE 'vhold' END,
                (i / 20) % 20 >= 18, contact_id, created_at
         FROM (SELECT id AS i, flow_id, contact_id, created_at FROM messages WHERE id % 2 = 0)`,
      )
      .run();
    const every = Math.max(1, Math.floor(messages / clicks));
    sqlite
      .prepare(
        `INSERT INTO clicks (message_id, contact_id, flow_id, node_id, occurred_at, user_agent, is_bot, is_unique)
         SELECT id, contact_id, flow_id, node_id, created_at + 600000, 'Mozilla/5.0', id % 9 = 0, id % 4 != 0 FROM messages WHERE id % ? = 0 LIMIT ?`,
      )
      .run(every, clicks);
    const everyOrder = Math.max(1, Math.floor(messages / conversions));
    sqlite
      .prepare(
        `INSERT INTO events (contact_id, name, properties_json, occurred_at, processed_at)
         SELECT contact_id, 'order_placed', json_object('value', 20 + id % 80), created_at + 3600000, created_at + 3600000
         FROM messages WHERE id % ? = 1 LIMIT ?`,
      )
      .run(everyOrder, conversions);
  })();
  for (const index of indexes) sqlite.exec(index.sql);
  const generated = performance.now();
  rebuildAnalytics(sqlite);
  const derived = performance.now();
  sqlite.exec('ANALYZE');
  const assignments = sqlite.prepare('SELECT count(*) FROM split_assignments').pluck().get() as number;
  sqlite.close();
  return { messages, clicks, conversions, assignments, generateSeconds: (generated - started) / 1000, deriveSeconds: (derived - generated) / 1000 };
}

function time<T>(fn: () => T, rounds: number): { ms: number; value: T } {
  let value = fn(); // warm: statements prepared, pages cached
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    value = fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { ms: Math.round((samples[Math.floor(samples.length / 2)] as number) * 10) / 10, value };
}

export function measure(dir: string, rounds = 5): Array<{ name: string; ms: number; bareSqliteMs: number; check: unknown }> {
  const sqlite: Database.Database = openSandbox({ file: join(dir, 'analytics.db') });
  const service = new AnalyticsService(sqlite);
  const range = { from: new Date(START).toISOString(), to: new Date(START + DAYS * DAY_MS).toISOString() };
  const from = START;
  const to = START + DAYS * DAY_MS;
  const flow = time(() => service.flow('f0', range), rounds);
  // The same figures straight from the rows, on the same indexes (flow, time) a hand-written report would use.
  const bareFlow = time(() => {
    const messages = sqlite
      .prepare(
        `SELECT node_id, count(*) AS queued, count(accepted_at) AS sent, sum(status = 'delivered') AS delivered, sum(status IN ('failed', 'undelivered')) AS failed
         FROM messages WHERE flow_id = 'f0' AND created_at >= ? AND created_at < ? GROUP BY node_id`,
      )
      .all(from, to);
    const clicks = sqlite.prepare(`SELECT node_id, sum(NOT is_bot), sum(is_unique AND NOT is_bot) FROM clicks WHERE flow_id = 'f0' AND occurred_at >= ? AND occurred_at < ? GROUP BY node_id`).all(from, to);
    const conversions = sqlite.prepare(`SELECT node_id, count(*), sum(revenue) FROM conversions WHERE flow_id = 'f0' AND occurred_at >= ? AND occurred_at < ? GROUP BY node_id`).all(from, to);
    return { messages, clicks, conversions };
  }, rounds);
  const split = time(() => service.split({ flowId: 'f0', splitNodeId: 'ab', range, minimumDetectableEffect: 0.2 }), rounds);
  const bareSplit = time(
    () =>
      sqlite
        .prepare(
          `SELECT variant_id, count(*), count(converted_at), sum(revenue) FROM split_assignments
           WHERE flow_id = 'f0' AND split_node_id = 'ab' AND assigned_at >= ? AND assigned_at < ? GROUP BY variant_id`,
        )
        .all(from, to),
    rounds,
  );
  const workspace = time(() => service.workspace(range), rounds);
  const bareWorkspace = time(
    () => sqlite.prepare(`SELECT flow_id, count(*), count(accepted_at), sum(status = 'delivered') FROM messages WHERE created_at >= ? AND created_at < ? GROUP BY flow_id`).all(from, to),
    rounds,
  );
  sqlite.close();
  return [
    { name: 'flow', ms: flow.ms, bareSqliteMs: bareFlow.ms, check: { sent: flow.value.totals.sent, bareSent: (bareFlow.value.messages as Array<{ sent: number }>).reduce((s, r) => s + r.sent, 0) } },
    { name: 'split', ms: split.ms, bareSqliteMs: bareSplit.ms, check: { verdict: split.value.verdict } },
    { name: 'workspace', ms: workspace.ms, bareSqliteMs: bareWorkspace.ms, check: { flows: workspace.value.flows.length } },
  ];
}
