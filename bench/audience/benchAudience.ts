import { performance } from 'node:perf_hooks';
import { scheduleDateTrigger } from '../../src/main/audience/dateTrigger';
import { recordSegmentUse } from '../../src/main/audience/flowUse';
import { countSegment, loadCatalog } from '../../src/main/audience/segmentSql';
import { SegmentService } from '../../src/main/audience/segments';
import { openDatabase } from '../../src/main/db/open';
import { VirtualClock } from '../../src/main/engine/clock';
import { tuneForEngine } from '../../src/main/engine/connection';
import { EngineRuntime } from '../../src/main/engine/runtime';
import { installFlow } from '../../src/main/engine/sandbox';
import { SimulatorProvider } from '../../src/main/providers/simulator';
import { areaCodesOf } from '../../src/shared/audience/areaCodes';
import { SegmentDefinition } from '../../src/shared/audience/segment';
import { seededRandom } from '../../src/shared/engine/random';
import { CURRENT_SCHEMA_VERSION, FLOW_DOCUMENT_FORMAT } from '../../src/shared/flow/document';
import { defaultFlowSettings } from '../../src/shared/flow/settings';
import type { FlowGraph } from '../../src/shared/graph/graph';
import { asEdgeId, asNodeId } from '../../src/shared/ids';

/**
 * bench:audience — contacts and events generated with raw SQL, then:
 *   segmentCounts  three typical segments counted through Postcard (compiled query) beside a plain
 *                  hand-written indexed SQLite query for the same rule, median of 3 runs each;
 *   entry          a live segment_entered flow while new events arrive: events per second through
 *                  the engine's ticks (event applied, contact re-evaluated, entry enrolled);
 *   dates          the next birthday occurrence stored for every contact, RSS before and after.
 */

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1, 12);

const rssMb = (): number => Math.round(process.memoryUsage().rss / 1048576);
const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const round1 = (n: number): number => Math.round(n * 10) / 10;

function timed<T>(work: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = work();
  return { ms: performance.now() - start, value };
}

export interface AudienceBenchResult {
  contacts: number;
  events: number;
  generateMs: number;
  segmentCounts: Array<{ name: string; ms: number; bareSqliteMs: number; matched: number }>;
  entry: { events: number; ms: number; entered: number; goLiveMs: number };
  entryEventsPerSecond: number;
  dates: { scheduled: number; ms: number; rssBeforeMb: number; rssAfterMb: number };
  peakRssMb: number;
}

export async function runAudienceBench(dir: string, contacts: number, eventsPerContact: number, newEvents: number): Promise<AudienceBenchResult> {
  const { sqlite } = openDatabase({ dataDir: dir });
  // The app's connection is the engine's (EngineService tunes it): the same page cache here.
  tuneForEngine(sqlite);
  const events = contacts * eventsPerContact;
  const areaCodes = ['305', '407', '212', '415', '312', '405', '918', '713'];

  const generate = timed(() => {
    sqlite.exec('BEGIN');
    sqlite
      .prepare(
        `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
         INSERT INTO contacts (phone, time_zone, attributes_json, mms_capable, created_at, updated_at)
         SELECT '+1' || substr(?, 1 + (i % 8) * 3, 3) || printf('%07d', i),
                CASE i % 3 WHEN 0 THEN 'America/New_York' WHEN 1 THEN 'America/Chicago' ELSE 'America/Los_Angeles' END,
                json_object('tier', CASE WHEN i % 20 = 0 THEN 'VIP' ELSE 'regular' END, 'lifetime_value', (i * 37) % 2000,
                            'birthday', printf('%04d-%02d-%02d', 1960 + i % 40, 1 + i % 12, 1 + i % 28)),
                CASE i % 4 WHEN 0 THEN 'no' ELSE 'yes' END, 0, 0
         FROM seq`,
      )
      .run(contacts, areaCodes.join(''));
    sqlite
      .prepare(
        `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
         INSERT INTO consent_events (contact_id, kind, channel, source, occurred_at, processed_at)
         SELECT i, CASE WHEN i % 10 = 0 THEN 'opt_out' ELSE 'opt_in' END, 'all', 'import', ? - (i % 365) * ?, 0 FROM seq`,
      )
      .run(contacts, NOW, DAY);
    sqlite
      .prepare(
        `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
         INSERT INTO events (contact_id, name, properties_json, occurred_at, processed_at)
         SELECT 1 + (i * 7919) % ?, CASE i % 10 WHEN 0 THEN 'cart_abandoned' WHEN 1 THEN 'order_placed' ELSE 'page_viewed' END,
                CASE i % 10 WHEN 0 THEN json_object('value', i % 200) ELSE '{}' END, ? - (i * 104729) % (90 * ?), 0
         FROM seq`,
      )
      .run(events, contacts, NOW, DAY);
    sqlite.exec('COMMIT');
    // Declared as the Segments page does it (which builds each attribute's index).
    const declaring = new SegmentService(sqlite, () => NOW);
    declaring.declareAttribute('tier', 'text');
    declaring.declareAttribute('lifetime_value', 'number');
    declaring.declareAttribute('birthday', 'date');
    sqlite.exec('ANALYZE');
  });

  const catalog = loadCatalog(sqlite);
  const week = NOW - 7 * DAY;
  const florida = areaCodesOf('FL');
  const cases: Array<{ name: string; definition: SegmentDefinition; bare: () => number }> = [
    {
      name: 'abandoned cart in 7 days, no order in 7 days',
      definition: SegmentDefinition.parse({
        match: 'all',
        rules: [
          { type: 'event', event: 'cart_abandoned', count: { operator: 'at_least', value: 1 }, window: { type: 'last', amount: 7, unit: 'days' }, properties: [] },
          { type: 'event', event: 'order_placed', count: { operator: 'at_most', value: 0 }, window: { type: 'last', amount: 7, unit: 'days' }, properties: [] },
        ],
      }),
      bare: () =>
        sqlite
          .prepare(
            `SELECT count(*) FROM contacts c
             WHERE c.id IN (SELECT contact_id FROM events WHERE name = 'cart_abandoned' AND occurred_at > ? AND occurred_at <= ?)
               AND c.id NOT IN (SELECT contact_id FROM events WHERE name = 'order_placed' AND occurred_at > ? AND occurred_at <= ?)`,
          )
          .pluck()
          .get(week, NOW, week, NOW) as number,
    },
    {
      name: 'VIPs in Florida',
      definition: SegmentDefinition.parse({
        match: 'all',
        rules: [
          { type: 'attribute', attribute: 'tier', operator: 'equals', values: ['vip'] },
          { type: 'location', field: 'state', operator: 'in', values: ['FL'] },
        ],
      }),
      bare: () =>
        sqlite
          .prepare(
            `SELECT count(*) FROM contacts WHERE lower(json_extract(attributes_json, '$.tier')) = 'vip'
               AND substr(phone, 3, 3) IN (SELECT value FROM json_each(?))`,
          )
          .pluck()
          .get(JSON.stringify(florida)) as number,
    },
    {
      name: 'SMS opted in, lifetime value over 1000, MMS capable',
      definition: SegmentDefinition.parse({
        match: 'all',
        rules: [
          { type: 'consent', channel: 'sms', state: 'opted_in' },
          { type: 'attribute', attribute: 'lifetime_value', operator: 'greater_than', values: ['1000'] },
          { type: 'mms_capable', values: ['yes'] },
        ],
      }),
      bare: () =>
        sqlite
          .prepare(
            `SELECT count(*) FROM contacts c WHERE c.mms_capable = 'yes' AND json_extract(c.attributes_json, '$.lifetime_value') > 1000
               AND (SELECT kind FROM consent_events ce WHERE ce.contact_id = c.id AND ce.kind IN ('opt_in', 'opt_out') AND ce.channel IN ('sms', 'all')
                    AND ce.occurred_at <= ? ORDER BY ce.occurred_at DESC, ce.id DESC LIMIT 1) = 'opt_in'`,
          )
          .pluck()
          .get(NOW) as number,
    },
  ];
  const segmentCounts = cases.map(({ name, definition, bare }) => {
    const ours = [0, 1, 2].map(() => timed(() => countSegment(sqlite, definition, catalog, NOW)));
    const plain = [0, 1, 2].map(() => timed(bare));
    const matched = ours[0]?.value ?? -1;
    if (matched !== plain[0]?.value) throw new Error(`${name}: Postcard counted ${matched}, the plain query ${plain[0]?.value}`);
    return { name, ms: round1(median(ours.map((r) => r.ms))), bareSqliteMs: round1(median(plain.map((r) => r.ms))), matched };
  });

  // A live flow on the first segment; new events arrive and the engine enters contacts.
  const segments = new SegmentService(sqlite, () => NOW);
  segments.save({ name: 'Abandoned', description: '', definition: cases[0]?.definition as SegmentDefinition });
  const graph: FlowGraph = {
    nodes: [
      { id: asNodeId('t'), kind: 'trigger', position: { x: 0, y: 0 }, config: { type: 'segment_entered', segment: 'Abandoned' } },
      { id: asNodeId('x'), kind: 'exit', position: { x: 0, y: 0 }, config: { reason: '' } },
    ],
    edges: [{ id: asEdgeId('t-x'), source: asNodeId('t'), sourcePort: 'next', target: asNodeId('x') }],
  };
  const versionId = installFlow(
    sqlite,
    'bench-flow',
    { format: FLOW_DOCUMENT_FORMAT, schemaVersion: CURRENT_SCHEMA_VERSION, name: 'Bench', description: '', settings: defaultFlowSettings(), graph },
    NOW,
  );
  recordSegmentUse(sqlite, versionId, graph);
  const clock = new VirtualClock(NOW);
  const runtime = new EngineRuntime({ sqlite, clock, random: seededRandom(1), provider: new SimulatorProvider(sqlite, {}), installId: 'bench', batchSize: 1000 });
  const goLive = await timedAsync(() => runtime.tick());
  const insertEvent = sqlite.prepare(`INSERT INTO events (contact_id, name, properties_json, occurred_at) VALUES (?, 'cart_abandoned', '{}', ?)`);
  clock.set(NOW + 1000);
  sqlite.transaction(() => {
    for (let i = 0; i < newEvents; i++) insertEvent.run(1 + ((i * 104_729) % contacts), NOW + 1000);
  })();
  const enrolledBefore = sqlite.prepare('SELECT count(*) FROM enrollments').pluck().get() as number;
  const entry = await timedAsync(async () => {
    for (;;) {
      const report = await runtime.tick();
      if (report.events === 0) break;
    }
  });
  const entered = (sqlite.prepare('SELECT count(*) FROM enrollments').pluck().get() as number) - enrolledBefore;

  const rssBeforeMb = rssMb();
  const dates = timed(() =>
    scheduleDateTrigger(
      sqlite,
      { flowVersionId: 'bench-dates', config: { type: 'date_attribute', attribute: 'birthday', offsetDays: -3, at: '10:00', isYearly: true }, defaultZone: 'America/New_York' },
      NOW,
    ),
  );
  const rssAfterMb = rssMb();
  sqlite.close();
  return {
    contacts,
    events,
    generateMs: Math.round(generate.ms),
    segmentCounts,
    entry: { events: newEvents, ms: Math.round(entry.ms), entered, goLiveMs: Math.round(goLive.ms) },
    entryEventsPerSecond: Math.round(newEvents / (entry.ms / 1000)),
    dates: { scheduled: dates.value, ms: Math.round(dates.ms), rssBeforeMb, rssAfterMb },
    peakRssMb: peakRssMb(),
  };
}

async function timedAsync<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}
