import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dueRechecks, initializeMembers, isMember, nextRecheckDue, refreshMembers, type SegmentPlan } from '../../src/main/audience/membership';
import { loadCatalog } from '../../src/main/audience/segmentSql';
import { openDatabase, type SqliteDatabase } from '../../src/main/db/open';
import { SegmentDefinition, type SegmentCatalog } from '../../src/shared/audience/segment';

/** Entry into a segment by change and by time alone, against a real database. */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 4, 1, 12);

let dir: string;
let sqlite: SqliteDatabase;
let catalog: SegmentCatalog;
const id: Record<string, number> = {};

const plan: SegmentPlan = {
  segmentVersionId: 'sv-abandoned',
  definition: SegmentDefinition.parse({
    match: 'all',
    rules: [
      { type: 'event', event: 'cart_abandoned', count: { operator: 'at_least', value: 1 }, window: { type: 'last', amount: 7, unit: 'days' }, properties: [] },
      { type: 'event', event: 'order_placed', count: { operator: 'at_most', value: 0 }, window: { type: 'last', amount: 3, unit: 'days' }, properties: [] },
    ],
  }),
};

const event = (who: string, name: string, at: number): void => {
  sqlite.prepare(`INSERT INTO events (contact_id, name, properties_json, occurred_at) VALUES (?, ?, '{}', ?)`).run(id[who], name, at);
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-membership-'));
  sqlite = openDatabase({ dataDir: dir }).sqlite;
  for (const [who, phone] of [
    ['ana', '+13055550001'],
    ['bo', '+13055550002'],
    ['cy', '+13055550003'],
  ] as const) {
    id[who] = Number(sqlite.prepare(`INSERT INTO contacts (phone, attributes_json, created_at, updated_at) VALUES (?, '{}', 0, 0)`).run(phone).lastInsertRowid);
  }
  event('ana', 'cart_abandoned', NOW - DAY);
  event('ana', 'order_placed', NOW - DAY);
  event('cy', 'cart_abandoned', NOW - 2 * DAY);
  catalog = loadCatalog(sqlite);
});
afterAll(() => {
  sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

const who = (ids: Iterable<number>): string[] => [...ids].map((n) => Object.keys(id).find((k) => id[k] === n) ?? String(n)).sort();

describe('segment entry', () => {
  it('going live records the members without entering them, and when time alone may change each answer', () => {
    expect(initializeMembers(sqlite, plan, catalog, NOW)).toBe(1);
    expect(isMember(sqlite, plan.segmentVersionId, id.cy ?? 0)).toBe(true);
    // Ana matches once her order is 3 days old; Cy stops matching once her cart is 7 days old; Bo has nothing to wait for.
    expect(nextRecheckDue(sqlite)).toBe(NOW + 2 * DAY);
    const rows = sqlite.prepare('SELECT contact_id, is_member, recheck_at FROM segment_members ORDER BY contact_id').all() as Array<{ contact_id: number; is_member: number; recheck_at: number }>;
    expect(rows.map((r) => [who([r.contact_id])[0], r.is_member, r.recheck_at])).toEqual([
      ['ana', 0, NOW + 2 * DAY],
      ['cy', 1, NOW + 5 * DAY],
    ]);
  });

  it('a change that makes a contact match enters it once; the same change seen again does not', () => {
    event('bo', 'cart_abandoned', NOW + HOUR);
    expect(refreshMembers(sqlite, plan, catalog, [id.bo ?? 0], NOW + HOUR)).toEqual({ entered: [id.bo], left: [] });
    expect(refreshMembers(sqlite, plan, catalog, [id.bo ?? 0, id.cy ?? 0], NOW + 2 * HOUR)).toEqual({ entered: [], left: [] });
  });

  it('time alone: a contact enters at the moment computed in advance, and leaves when its window lapses', () => {
    expect(who(dueRechecks(sqlite, NOW + 2 * DAY - 1, 100).get(plan.segmentVersionId) ?? [])).toEqual([]);
    const due = dueRechecks(sqlite, NOW + 2 * DAY, 100).get(plan.segmentVersionId) ?? [];
    expect(who(due)).toEqual(['ana']);
    expect(refreshMembers(sqlite, plan, catalog, due, NOW + 2 * DAY)).toEqual({ entered: [id.ana], left: [] });

    const lapsing = dueRechecks(sqlite, NOW + 5 * DAY, 100).get(plan.segmentVersionId) ?? [];
    expect(who(lapsing)).toEqual(['cy']);
    expect(refreshMembers(sqlite, plan, catalog, lapsing, NOW + 5 * DAY)).toEqual({ entered: [], left: [id.cy] });
  });

  it('leaving and matching again is a new entry (the flow’s re-entry rule decides what happens)', () => {
    event('cy', 'cart_abandoned', NOW + 5 * DAY + HOUR);
    expect(refreshMembers(sqlite, plan, catalog, [id.cy ?? 0], NOW + 5 * DAY + HOUR).entered).toEqual([id.cy]);
    const entered = sqlite.prepare('SELECT entered_at FROM segment_members WHERE contact_id = ?').pluck().get(id.cy);
    expect(entered).toBe(NOW + 5 * DAY + HOUR);
  });
});
