import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../../src/main/db/open';
import { syncAttributeIndexes } from '../../src/main/audience/attributeIndexes';
import { countSegment, loadCatalog, loadContactFacts, membersAmong, sampleSegment } from '../../src/main/audience/segmentSql';
import { checkSegment } from '../../src/shared/audience/check';
import { becomesTrueAt, evaluateSegment, timeChanges } from '../../src/shared/audience/evaluate';
import { SegmentDefinition, type SegmentCatalog, type SegmentRule } from '../../src/shared/audience/segment';

/**
 * Segment rules against a real database with the real migrations: the compiled query (both
 * shapes) and the pure evaluator pick the same contacts, and those are the ones a marketer means.
 */

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 2, 10, 12, 0, 0);

let dir: string;
let sqlite: SqliteDatabase;
let catalog: SegmentCatalog;
const ids: Record<string, number> = {};

interface Person {
  key: string;
  phone: string;
  zone?: string;
  mms?: 'yes' | 'no' | 'unknown';
  pausedUntil?: number;
  attributes?: Record<string, unknown>;
  events?: Array<[name: string, daysAgo: number, properties?: Record<string, unknown>]>;
  consent?: Array<[kind: string, channel: string, daysAgo: number, category?: string]>;
  received?: number[];
  /** Tracked-link clicks: days ago, and whether a link-preview fetcher made it. */
  clicked?: Array<[daysAgo: number, isBot?: boolean]>;
}

const people: Person[] = [
  {
    key: 'ava',
    phone: '+13055550101', // Miami, FL
    zone: 'America/New_York',
    mms: 'yes',
    attributes: { tier: 'VIP', lifetime_value: 1200, birthday: '1990-02-28', tags: ['shoes', 'Sale'] },
    events: [['cart_abandoned', 2, { value: 80, sku: 'A1' }], ['order_placed', 20]],
    consent: [['opt_in', 'sms', 30]],
    received: [3, 10],
    clicked: [[2], [9]],
  },
  {
    key: 'ben',
    phone: '+14055550102', // Oklahoma City
    zone: 'America/Chicago',
    mms: 'no',
    attributes: { tier: 'vip ', lifetime_value: 300, birthday: '1985-07-04', tags: 'shoes' },
    events: [['cart_abandoned', 1, { value: 15 }], ['order_placed', 1], ['message_received', 1, { body: 'hi' }]],
    consent: [['opt_in', 'all', 40], ['opt_out', 'all', 5]],
    clicked: [[1, true]],
  },
  {
    key: 'cleo',
    phone: '+12125550103', // New York
    zone: 'America/New_York',
    attributes: { tier: 'regular', lifetime_value: 50, birthday: 'not a date' },
    events: [['cart_abandoned', 9], ['cart_abandoned', 8], ['cart_abandoned', 6]],
    consent: [['opt_in', 'mms', 3], ['unsubscribe', 'all', 2, 'promotions']],
    pausedUntil: NOW + 2 * DAY,
  },
  {
    key: 'dev',
    phone: '+447700900104',
    zone: 'Europe/London',
    attributes: {},
    events: [['order_placed', 2.5]],
  },
  {
    key: 'eli',
    phone: '+13055550105', // FL again
    zone: 'America/New_York',
    attributes: { tier: 'VIP', lifetime_value: '900', tags: [] },
    events: [['cart_abandoned', 0.5, { value: 120, sku: 'B2' }], ['cart_abandoned', 0.25, { value: 20 }]],
    consent: [['opt_in', 'sms', 1], ['subscribe', 'all', 1, 'promotions']],
    received: [0.1],
    clicked: [[0.2], [1], [1, true]],
  },
];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-segments-'));
  sqlite = openDatabase({ dataDir: dir }).sqlite;
  const insertContact = sqlite.prepare(
    `INSERT INTO contacts (phone, time_zone, attributes_json, mms_capable, paused_until, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, 0)`,
  );
  const insertEvent = sqlite.prepare('INSERT INTO events (contact_id, name, properties_json, occurred_at, processed_at) VALUES (?, ?, ?, ?, 0)');
  const insertConsent = sqlite.prepare(
    `INSERT INTO consent_events (contact_id, kind, channel, source, category, occurred_at, processed_at) VALUES (?, ?, ?, 'import', ?, ?, 0)`,
  );
  const insertMessage = sqlite.prepare(
    `INSERT INTO messages (idempotency_key, contact_id, channel, body, provider, status, accepted_at, created_at, updated_at)
     VALUES (?, ?, 'sms', 'hi', 'simulator', 'delivered', ?, 0, 0)`,
  );
  const insertClick = sqlite.prepare('INSERT INTO clicks (contact_id, occurred_at, is_bot, is_unique) VALUES (?, ?, ?, 0)');
  for (const p of people) {
    const id = Number(insertContact.run(p.phone, p.zone ?? null, JSON.stringify(p.attributes ?? {}), p.mms ?? 'unknown', p.pausedUntil ?? null).lastInsertRowid);
    ids[p.key] = id;
    for (const [name, daysAgo, properties] of p.events ?? []) insertEvent.run(id, name, JSON.stringify(properties ?? {}), NOW - daysAgo * DAY);
    for (const [kind, channel, daysAgo, category] of p.consent ?? []) insertConsent.run(id, kind, channel, category ?? null, NOW - daysAgo * DAY);
    (p.received ?? []).forEach((daysAgo, i) => insertMessage.run(`${p.key}-${i}`, id, NOW - daysAgo * DAY));
    for (const [daysAgo, isBot] of p.clicked ?? []) insertClick.run(id, NOW - daysAgo * DAY, isBot ? 1 : 0);
  }
  const declare = sqlite.prepare('INSERT INTO contact_attributes (name, type, created_at) VALUES (?, ?, 0)');
  declare.run('tier', 'text');
  declare.run('lifetime_value', 'number');
  declare.run('birthday', 'date');
  declare.run('tags', 'list');
  // As the app does on declaring: attribute rules below go through the expression indexes.
  syncAttributeIndexes(sqlite);
  catalog = loadCatalog(sqlite);
});

afterAll(() => {
  sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

const define = (rules: unknown[], match: 'all' | 'any' = 'all'): SegmentDefinition => SegmentDefinition.parse({ match, rules });
const names = (found: Iterable<number>): string[] =>
  [...found].map((id) => Object.entries(ids).find(([, v]) => v === id)?.[0] ?? String(id)).sort();
const allIds = (): number[] => Object.values(ids);

/** Members by the population query, by the per-contact query and by the evaluator; all three must agree. */
function members(definition: SegmentDefinition, now = NOW): string[] {
  expect(checkSegment(definition, catalog)).toEqual([]);
  const byQuery = names(sampleSegment(sqlite, definition, catalog, now, 100).map((c) => c.id));
  expect(countSegment(sqlite, definition, catalog, now)).toBe(byQuery.length);
  expect(names(membersAmong(sqlite, definition, catalog, allIds(), now))).toEqual(byQuery);
  const facts = loadContactFacts(sqlite, definition, allIds());
  const byEvaluator = names([...facts.values()].filter((f) => evaluateSegment(definition, catalog, f, now)).map((f) => f.id));
  expect(byEvaluator).toEqual(byQuery);
  return byQuery;
}

const attr = (attribute: string, operator: string, values: string[] = []): SegmentRule =>
  ({ type: 'attribute', attribute, operator, values }) as SegmentRule;

describe('attribute rules', () => {
  it('text: equals ignores case and surrounding spaces; contains, in, not_in, is_set', () => {
    expect(members(define([attr('tier', 'equals', ['vip'])]))).toEqual(['ava', 'ben', 'eli']);
    expect(members(define([attr('tier', 'not_equals', ['vip'])]))).toEqual(['cleo', 'dev']);
    expect(members(define([attr('tier', 'contains', ['REG'])]))).toEqual(['cleo']);
    expect(members(define([attr('tier', 'in', ['regular', 'VIP'])]))).toEqual(['ava', 'ben', 'cleo', 'eli']);
    expect(members(define([attr('tier', 'not_in', ['regular'])]))).toEqual(['ava', 'ben', 'dev', 'eli']);
    expect(members(define([attr('tier', 'is_not_set')]))).toEqual(['dev']);
  });

  it('number: compares numbers, between is inclusive, and a number written as text is not a number', () => {
    expect(members(define([attr('lifetime_value', 'greater_than', ['100'])]))).toEqual(['ava', 'ben']);
    expect(members(define([attr('lifetime_value', 'between', ['1200', '50'])]))).toEqual(['ava', 'ben', 'cleo']);
    expect(members(define([attr('lifetime_value', 'is_not_set')]))).toEqual(['dev', 'eli']);
    expect(members(define([attr('lifetime_value', 'in', ['50', '300'])]))).toEqual(['ben', 'cleo']);
  });

  it('date: before, after, between and is_set (a value that is not a date is not set)', () => {
    expect(members(define([attr('birthday', 'less_than', ['1989-01-01'])]))).toEqual(['ben']);
    expect(members(define([attr('birthday', 'between', ['1990-01-01', '1990-12-31'])]))).toEqual(['ava']);
    expect(members(define([attr('birthday', 'is_set')]))).toEqual(['ava', 'ben']);
  });

  it('list: contains any of the values; a single value counts as a one-item list', () => {
    expect(members(define([attr('tags', 'contains', ['sale'])]))).toEqual(['ava']);
    expect(members(define([attr('tags', 'in', ['shoes'])]))).toEqual(['ava', 'ben']);
    expect(members(define([attr('tags', 'is_not_set')]))).toEqual(['cleo', 'dev', 'eli']);
  });
});

describe('event rules', () => {
  const event = (name: string, operator: string, value: number, window: unknown, properties: unknown[] = []) => ({
    type: 'event',
    event: name,
    count: { operator, value },
    window,
    properties,
  });
  const last7 = { type: 'last', amount: 7, unit: 'days' };

  it('"cart_abandoned at least once in the last 7 days and no order_placed in the last 3 days"', () => {
    const abandoned = define([event('cart_abandoned', 'at_least', 1, last7), event('order_placed', 'at_most', 0, { type: 'last', amount: 3, unit: 'days' })]);
    expect(members(abandoned)).toEqual(['ava', 'cleo', 'eli']);
  });

  it('counts: at least 2, exactly 1, ever, since a date', () => {
    expect(members(define([event('cart_abandoned', 'at_least', 2, { type: 'ever' })]))).toEqual(['cleo', 'eli']);
    expect(members(define([event('cart_abandoned', 'exactly', 1, last7)]))).toEqual(['ava', 'ben', 'cleo']);
    expect(members(define([event('order_placed', 'at_most', 0, { type: 'since', date: '2026-03-01' })]))).toEqual(['ava', 'cleo', 'eli']);
  });

  it('event properties use the comparison branches use (numbers as numbers)', () => {
    const big = define([event('cart_abandoned', 'at_least', 1, last7, [{ property: 'value', operator: 'greater_than', value: '50' }])]);
    expect(members(big)).toEqual(['ava', 'eli']);
    const sku = define([event('cart_abandoned', 'at_least', 1, { type: 'ever' }, [{ property: 'sku', operator: 'exists', value: '' }])]);
    expect(members(sku)).toEqual(['ava', 'eli']);
  });
});

describe('consent, subscriptions, pauses, capability, place, engagement', () => {
  it('channel consent follows the latest record; an SMS opt-in covers MMS; a STOP on all revokes both', () => {
    expect(members(define([{ type: 'consent', channel: 'sms', state: 'opted_in' }]))).toEqual(['ava', 'eli']);
    expect(members(define([{ type: 'consent', channel: 'mms', state: 'opted_in' }]))).toEqual(['ava', 'cleo', 'eli']);
    expect(members(define([{ type: 'consent', channel: 'sms', state: 'opted_out' }]))).toEqual(['ben']);
    expect(members(define([{ type: 'consent', channel: 'sms', state: 'none' }]))).toEqual(['cleo', 'dev']);
  });

  it('consent as of an earlier moment is read from the ledger: before his STOP, Ben was opted in', () => {
    expect(members(define([{ type: 'consent', channel: 'sms', state: 'opted_in' }]), NOW - 10 * DAY)).toEqual(['ava', 'ben']);
    expect(members(define([{ type: 'consent', channel: 'sms', state: 'opted_out' }]), NOW - 10 * DAY)).toEqual([]);
    expect(members(define([{ type: 'consent', channel: 'mms', state: 'none' }]), NOW - 35 * DAY)).toEqual(['ava', 'cleo', 'dev', 'eli']);
  });

  it('categories: a contact without a choice gets the category default; an unsubscribe counts', () => {
    expect(members(define([{ type: 'subscription', category: 'promotions', state: 'unsubscribed' }]))).toEqual(['cleo']);
    expect(members(define([{ type: 'subscription', category: 'order_updates', state: 'subscribed' }]))).toEqual(['ava', 'ben', 'cleo', 'dev', 'eli']);
  });

  it('paused until a date, MMS capability, state by area code, time zone', () => {
    expect(members(define([{ type: 'paused', isPaused: true }]))).toEqual(['cleo']);
    expect(members(define([{ type: 'paused', isPaused: true }]), NOW + 3 * DAY)).toEqual([]);
    expect(members(define([{ type: 'mms_capable', values: ['no', 'unknown'] }]))).toEqual(['ben', 'cleo', 'dev', 'eli']);
    expect(members(define([{ type: 'location', field: 'state', operator: 'in', values: ['FL', 'ok'] }]))).toEqual(['ava', 'ben', 'eli']);
    expect(members(define([{ type: 'location', field: 'area_code', operator: 'not_in', values: ['305'] }]))).toEqual(['ben', 'cleo', 'dev']);
    expect(members(define([{ type: 'location', field: 'time_zone', operator: 'in', values: ['Europe/London'] }]))).toEqual(['dev']);
  });

  it('engagement: received a message in the last 7 days; replied ever', () => {
    const window = { type: 'last', amount: 7, unit: 'days' };
    expect(members(define([{ type: 'engagement', activity: 'received', count: { operator: 'at_least', value: 1 }, window }]))).toEqual(['ava', 'eli']);
    expect(members(define([{ type: 'engagement', activity: 'replied', count: { operator: 'at_least', value: 1 }, window: { type: 'ever' } }]))).toEqual(['ben']);
  });

  it('engagement: clicked a tracked link in the last 7 days, at least twice, never; link-preview fetches are not clicks', () => {
    const clicked = (count: { operator: string; value: number }, window: unknown): SegmentDefinition =>
      define([{ type: 'engagement', activity: 'clicked', count, window }]);
    const lastWeek = { type: 'last', amount: 7, unit: 'days' };
    expect(members(clicked({ operator: 'at_least', value: 1 }, lastWeek))).toEqual(['ava', 'eli']);
    expect(members(clicked({ operator: 'at_least', value: 2 }, lastWeek))).toEqual(['eli']);
    expect(members(clicked({ operator: 'at_least', value: 2 }, { type: 'ever' }))).toEqual(['ava', 'eli']);
    expect(members(clicked({ operator: 'exactly', value: 0 }, lastWeek))).toEqual(['ben', 'cleo', 'dev']);
    // Ava's click 2 days ago leaves the 7-day window 5 days from now: the evaluator names that moment and the query agrees then.
    const facts = loadContactFacts(sqlite, clicked({ operator: 'at_least', value: 1 }, lastWeek), [ids.ava ?? -1]).get(ids.ava ?? -1)!;
    expect(timeChanges(clicked({ operator: 'at_least', value: 1 }, lastWeek), facts, NOW)).toContain(NOW + 5 * DAY);
    expect(members(clicked({ operator: 'at_least', value: 1 }, lastWeek), NOW + 5 * DAY + 1)).toEqual(['eli']);
  });

  it('"VIPs in Florida, or anyone who replied": AND inside OR, nested a level down', () => {
    const vipsInFlorida = define(
      [
        { type: 'group', match: 'all', rules: [attr('tier', 'equals', ['vip']), { type: 'location', field: 'state', operator: 'in', values: ['FL'] }] },
        { type: 'engagement', activity: 'replied', count: { operator: 'at_least', value: 1 }, window: { type: 'ever' } },
      ],
      'any',
    );
    expect(members(vipsInFlorida)).toEqual(['ava', 'ben', 'eli']);
    expect(members(define([]))).toEqual(['ava', 'ben', 'cleo', 'dev', 'eli']);
  });
});

describe('time alone', () => {
  it('"no order_placed in the last 3 days" becomes true 3 days after the last one, and the query agrees then', () => {
    const noOrder = define([{ type: 'event', event: 'order_placed', count: { operator: 'at_most', value: 0 }, window: { type: 'last', amount: 3, unit: 'days' }, properties: [] }]);
    const facts = loadContactFacts(sqlite, noOrder, allIds());
    const ben = facts.get(ids.ben ?? -1);
    const dev = facts.get(ids.dev ?? -1);
    if (!ben || !dev) throw new Error('contacts missing');
    expect(evaluateSegment(noOrder, catalog, ben, NOW)).toBe(false);
    expect(becomesTrueAt(noOrder, catalog, ben, NOW)).toBe(NOW - 1 * DAY + 3 * DAY);
    expect(becomesTrueAt(noOrder, catalog, dev, NOW)).toBe(NOW - 2.5 * DAY + 3 * DAY);
    expect(members(noOrder, NOW + 0.5 * DAY - 1)).toEqual(['ava', 'cleo', 'eli']);
    expect(members(noOrder, NOW + 0.5 * DAY)).toEqual(['ava', 'cleo', 'dev', 'eli']);
    expect(members(noOrder, NOW + 2 * DAY)).toEqual(['ava', 'ben', 'cleo', 'dev', 'eli']);
  });

  it('a rule time can only make false gives no moment; a pause that ends does', () => {
    const recent = define([{ type: 'event', event: 'cart_abandoned', count: { operator: 'at_least', value: 1 }, window: { type: 'last', amount: 7, unit: 'days' }, properties: [] }]);
    const facts = loadContactFacts(sqlite, recent, allIds());
    expect(becomesTrueAt(recent, catalog, facts.get(ids.dev ?? -1)!, NOW)).toBeNull();
    const notPaused = define([{ type: 'paused', isPaused: false }]);
    const cleo = loadContactFacts(sqlite, notPaused, [ids.cleo ?? -1]).get(ids.cleo ?? -1)!;
    expect(becomesTrueAt(notPaused, catalog, cleo, NOW)).toBe(NOW + 2 * DAY);
  });
});

describe('rules that do not fit the data get a clear message', () => {
  it('names a missing attribute and lists the known ones', () => {
    const problems = checkSegment(define([attr('tier', 'equals', ['vip']), { type: 'group', match: 'any', rules: [attr('loyalty_points', 'greater_than', ['5'])] }]), catalog);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.code).toBe('UNKNOWN_ATTRIBUTE');
    expect(problems[0]?.path).toEqual([1, 0]);
    expect(problems[0]?.message).toContain('rule 1 of group 2');
    expect(problems[0]?.message).toContain('"loyalty_points"');
    expect(problems[0]?.message).toContain('birthday, lifetime_value, tags, tier');
  });

  it('refuses a malformed date in a date rule and in a "since" window', () => {
    const problems = checkSegment(
      define([attr('birthday', 'less_than', ['2025-02-29']), { type: 'event', event: 'x', count: { operator: 'at_least', value: 1 }, window: { type: 'since', date: 'last tuesday' }, properties: [] }]),
      catalog,
    );
    expect(problems.map((p) => p.code)).toEqual(['BAD_DATE', 'BAD_DATE']);
    expect(problems[0]?.message).toContain('"2025-02-29" is not a date');
    expect(problems[1]?.message).toContain('"last tuesday"');
  });

  it('refuses an operator the type does not take, a wrong number of values, an unknown category or state', () => {
    const codes = checkSegment(
      define([
        attr('lifetime_value', 'contains', ['1']),
        attr('tier', 'between', ['a']),
        { type: 'subscription', category: 'flash_sales', state: 'subscribed' },
        { type: 'location', field: 'state', operator: 'in', values: ['ZZ'] },
        attr('lifetime_value', 'equals', ['ten']),
      ]),
      catalog,
    ).map((p) => p.code);
    expect(codes).toEqual(['OPERATOR_NOT_FOR_TYPE', 'OPERATOR_NOT_FOR_TYPE', 'UNKNOWN_CATEGORY', 'UNKNOWN_STATE', 'BAD_NUMBER']);
  });

  it('a value with quotes or SQL in it is only ever a value', () => {
    const sneaky = define([attr('tier', 'equals', ["vip' OR 1=1 --"])]);
    expect(members(sneaky)).toEqual([]);
  });
});
