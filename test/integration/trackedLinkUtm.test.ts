import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/main/engine/clock';
import { EngineRuntime } from '../../src/main/engine/runtime';
import { installFlow, openSandbox } from '../../src/main/engine/sandbox';
import { SimulatorProvider } from '../../src/main/providers/simulator';
import { DAY_MS } from '../../src/shared/analytics/attribution';
import { seededRandom } from '../../src/shared/engine/random';
import { edge, graph, node } from '../support/graphs';
import { calmSimulator, flowDocument, insertOptedInContacts, T0 } from './engineHarness';

let sqlite: Database.Database | undefined;
afterEach(() => sqlite?.close());

/** Manual trigger → an SMS before the split → a split (MMS arm, SMS arm) → one SMS per arm, every message with a link. */
async function run(): Promise<Database.Database> {
  const db = openSandbox();
  sqlite = db;
  installFlow(
    db,
    'flow1',
    flowDocument(
      graph(
        [
          node('t', 'trigger', { type: 'manual' }),
          node('hello', 'sms', { body: 'Hello: https://shop.example/welcome' }),
          node('ab', 'split', {
            variants: [
              { id: 'va', label: 'Short', weight: 50, isHoldout: false },
              { id: 'vb', label: 'Long', weight: 50, isHoldout: false },
            ],
          }),
          node('a', 'sms', { body: 'Sale: https://shop.example/sale' }),
          node('b', 'sms', { body: 'Our spring sale is on: https://shop.example/sale?ref=text' }),
          node('x', 'exit'),
        ],
        [edge('t', 'next', 'hello'), edge('hello', 'next', 'ab'), edge('ab', 'va', 'a'), edge('ab', 'vb', 'b'), edge('a', 'next', 'x'), edge('b', 'next', 'x')],
      ),
      {
        quietHours: { isEnabled: false, start: '21:00', end: '08:00' },
        frequencyCap: { isEnabled: false, maxMessages: 3, perHours: 24 },
        clickTracking: { isEnabled: true, utmSource: 'postcard', utmMedium: '', utmCampaign: 'spring' },
      },
    ),
    T0,
  );
  const ids = insertOptedInContacts(db, 40);
  const clock = new VirtualClock(T0);
  const runtime = new EngineRuntime({ sqlite: db, clock, random: seededRandom(1), provider: new SimulatorProvider(db, calmSimulator()), installId: 't' });
  runtime.enrollContacts('flow1', ids);
  await runtime.runUntil(clock, T0 + DAY_MS);
  return db;
}

describe('tracked links carry the split variant', () => {
  it('tags a link sent past a split with its variant (utm_term) and its step (utm_content); a link before the split has no variant', async () => {
    const db = await run();
    const rows = db.prepare('SELECT l.node_id, l.contact_id, l.destination FROM link_codes l ORDER BY l.rowid').all() as Array<{ node_id: string; contact_id: number; destination: string }>;
    const variantOf = new Map(
      (db.prepare(`SELECT contact_id, variant_id FROM split_assignments`).all() as Array<{ contact_id: number; variant_id: string }>).map((r) => [r.contact_id, r.variant_id]),
    );
    const params = (row: { destination: string }) => new URL(row.destination).searchParams;
    const beforeSplit = rows.filter((r) => r.node_id === 'hello');
    const pastSplit = rows.filter((r) => r.node_id === 'a' || r.node_id === 'b');
    expect(beforeSplit).toHaveLength(40);
    expect(pastSplit).toHaveLength(40);
    expect(new Set(pastSplit.map((r) => r.node_id))).toEqual(new Set(['a', 'b']));
    for (const row of beforeSplit) {
      expect(params(row).get('utm_content')).toBe('hello');
      expect(params(row).has('utm_term')).toBe(false);
    }
    for (const row of pastSplit) {
      expect(params(row).get('utm_term')).toBe(row.node_id === 'a' ? 'va' : 'vb');
      expect(params(row).get('utm_term')).toBe(variantOf.get(row.contact_id));
      expect(params(row).get('utm_content')).toBe(row.node_id);
      expect(params(row).get('utm_campaign')).toBe('spring');
      expect(params(row).get('utm_medium')).toBe('sms');
    }
  });
});
