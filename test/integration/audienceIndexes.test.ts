import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compiled, countSegment, loadCatalog } from '../../src/main/audience/segmentSql';
import { SegmentService } from '../../src/main/audience/segments';
import { openDatabase, type SqliteDatabase } from '../../src/main/db/open';
import { SegmentDefinition } from '../../src/shared/audience/segment';
import { migrationsBefore } from '../support/migrations';

/**
 * What keeps a live count fast at a million contacts (bench:audience measures it), checked on a
 * real database with the real migrations: each declared attribute has an expression index that
 * the compiled rules actually use, and each contact's row carries its latest opt-in/out, kept
 * equal to the ledger by triggers whatever order the records arrive in.
 */

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1, 12);

let dir: string;
let sqlite: SqliteDatabase;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-audience-indexes-'));
  sqlite = openDatabase({ dataDir: join(dir, 'data') }).sqlite;
});

afterEach(() => {
  sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

const attributeIndexes = (): string[] =>
  sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name GLOB 'contacts_attribute_*' ORDER BY name`).pluck().all() as string[];

function plan(rules: unknown[]): string {
  const definition = SegmentDefinition.parse({ match: 'all', rules });
  const { where, params } = compiled(sqlite, definition, loadCatalog(sqlite), NOW, 'population');
  return (sqlite.prepare(`EXPLAIN QUERY PLAN SELECT count(*) FROM contacts c WHERE ${where}`).all(...params) as Array<{ detail: string }>)
    .map((row) => row.detail)
    .join('\n');
}

const count = (rules: unknown[], now = NOW): number => countSegment(sqlite, SegmentDefinition.parse({ match: 'all', rules }), loadCatalog(sqlite), now);

function addContacts(n: number): void {
  const insert = sqlite.prepare(`INSERT INTO contacts (phone, attributes_json, created_at, updated_at) VALUES (?, ?, 0, 0)`);
  sqlite.transaction(() => {
    for (let i = 1; i <= n; i++) {
      insert.run(`+1305555${String(i).padStart(4, '0')}`, JSON.stringify({ tier: i % 10 === 0 ? ' VIP' : 'regular', lifetime_value: i, "owner's team": i % 2 ? 'North' : 'South', since: '2024-01-15' }));
    }
  })();
}

describe('an index for each declared attribute', () => {
  it('is built when an attribute is declared, and "tier is VIP" reads it rather than every contact', () => {
    addContacts(200);
    const segments = new SegmentService(sqlite, () => NOW);
    const vip = [{ type: 'attribute', attribute: 'tier', operator: 'equals', values: ['vip'] }];
    expect(attributeIndexes()).toEqual([]);
    segments.declareAttribute('tier', 'text');
    segments.declareAttribute('lifetime_value', 'number');
    segments.declareAttribute('since', 'date');
    segments.declareAttribute('tags', 'list');
    // Text, number, date: one each; a list's elements are read one by one, so none for it.
    expect(attributeIndexes()).toHaveLength(3);
    expect(plan(vip)).toMatch(/SEARCH c USING (COVERING )?INDEX contacts_attribute_\w+ \(<expr>=\?\)/);
    expect(count(vip)).toBe(20);
    expect(count([{ type: 'attribute', attribute: 'lifetime_value', operator: 'in', values: ['7', '70', '700'] }])).toBe(2);
    // A range usually covers many contacts: it is not looked up through the index row by row.
    expect(plan([{ type: 'attribute', attribute: 'lifetime_value', operator: 'greater_than', values: ['100'] }])).not.toMatch(/<expr>>\?/);
    expect(count([{ type: 'attribute', attribute: 'lifetime_value', operator: 'greater_than', values: ['100'] }])).toBe(100);
    expect(count([{ type: 'attribute', attribute: 'since', operator: 'equals', values: ['2024-01-15'] }])).toBe(200);
  });

  it('follows a change of type, counts the same with and without it, and handles a name with a quote', () => {
    addContacts(50);
    const segments = new SegmentService(sqlite, () => NOW);
    segments.declareAttribute('lifetime_value', 'text');
    const asText = attributeIndexes();
    segments.declareAttribute('lifetime_value', 'number');
    const asNumber = attributeIndexes();
    expect(asNumber).toHaveLength(1);
    expect(asNumber).not.toEqual(asText);
    const over = [{ type: 'attribute', attribute: 'lifetime_value', operator: 'equals', values: ['42'] }];
    expect(plan(over)).toContain(asNumber[0]);
    expect(count(over)).toBe(1);

    segments.declareAttribute("owner's team", 'text');
    const north = [{ type: 'attribute', attribute: "owner's team", operator: 'equals', values: ['north'] }];
    expect(plan(north)).toMatch(/USING (COVERING )?INDEX contacts_attribute_/);
    expect(count(north)).toBe(25);
    const withIndexes = [count(north), count(over)];
    for (const name of attributeIndexes()) sqlite.exec(`DROP INDEX "${name}"`);
    expect([count(north), count(over)]).toEqual(withIndexes);
  });

  it('is built on opening a database whose attributes were declared before indexes existed', () => {
    addContacts(10);
    sqlite.prepare(`INSERT INTO contact_attributes (name, type, created_at) VALUES ('tier', 'text', 0)`).run();
    expect(attributeIndexes()).toEqual([]);
    sqlite.close();
    sqlite = openDatabase({ dataDir: join(dir, 'data') }).sqlite;
    expect(attributeIndexes()).toHaveLength(1);
    expect(count([{ type: 'attribute', attribute: 'tier', operator: 'equals', values: ['VIP'] }])).toBe(1);
  });

  it('is built for columns a CSV import declares', async () => {
    const { importContactsCsv } = await import('../../src/main/contacts/import');
    await importContactsCsv(sqlite, 'phone,favourite_store\n+13055550101,Miami Beach\n+13055550102,Orlando', NOW);
    expect(attributeIndexes()).toHaveLength(1);
    expect(plan([{ type: 'attribute', attribute: 'favourite_store', operator: 'equals', values: ['orlando'] }])).toMatch(/INDEX contacts_attribute_/);
    expect(count([{ type: 'attribute', attribute: 'favourite_store', operator: 'equals', values: ['orlando'] }])).toBe(1);
  });
});

describe('the JSONB copy of the attributes that ranges read', () => {
  it('follows every insert and update, so a range rule counts what the contact holds now', () => {
    addContacts(20);
    new SegmentService(sqlite, () => NOW).declareAttribute('lifetime_value', 'number');
    const over = [{ type: 'attribute', attribute: 'lifetime_value', operator: 'greater_than', values: ['15'] }];
    expect(compiled(sqlite, SegmentDefinition.parse({ match: 'all', rules: over }), loadCatalog(sqlite), NOW, 'population').where).toContain('c.attributes_jsonb');
    expect(count(over)).toBe(5);
    sqlite.prepare(`UPDATE contacts SET attributes_json = json_set(attributes_json, '$.lifetime_value', 1000) WHERE id <= 3`).run();
    expect(count(over)).toBe(8);
    const mismatched = sqlite.prepare('SELECT count(*) FROM contacts WHERE json(attributes_jsonb) IS NOT json(attributes_json)').pluck().get();
    expect(mismatched).toBe(0);
  });
});

describe("each contact's latest opt-in or opt-out, on its row", () => {
  const state = (id: number) =>
    sqlite.prepare('SELECT sms_consent AS sms, sms_consent_at AS smsAt, mms_consent AS mms, mms_consent_at AS mmsAt FROM contacts WHERE id = ?').get(id);
  const record = (contactId: number, kind: string, channel: string, at: number): void => {
    sqlite.prepare(`INSERT INTO consent_events (contact_id, kind, channel, source, occurred_at, processed_at) VALUES (?, ?, ?, 'import', ?, 0)`).run(contactId, kind, channel, at);
  };
  const optedIn = (channel: 'sms' | 'mms', now = NOW): number => count([{ type: 'consent', channel, state: 'opted_in' }], now);

  it('follows the latest record by time, whatever order records arrive in; an MMS opt-in leaves SMS alone', () => {
    addContacts(1);
    record(1, 'opt_in', 'all', NOW - 10 * DAY);
    expect(state(1)).toEqual({ sms: 'opt_in', smsAt: NOW - 10 * DAY, mms: 'opt_in', mmsAt: NOW - 10 * DAY });
    // A record written later about an earlier moment does not override the newer one.
    record(1, 'opt_out', 'all', NOW - 20 * DAY);
    expect(state(1)).toMatchObject({ sms: 'opt_in', mms: 'opt_in' });
    record(1, 'opt_out', 'sms', NOW - 5 * DAY);
    expect(state(1)).toEqual({ sms: 'opt_out', smsAt: NOW - 5 * DAY, mms: 'opt_out', mmsAt: NOW - 5 * DAY });
    record(1, 'opt_in', 'mms', NOW - 2 * DAY);
    expect(state(1)).toEqual({ sms: 'opt_out', smsAt: NOW - 5 * DAY, mms: 'opt_in', mmsAt: NOW - 2 * DAY });
    // Two records at the same instant: the one written last wins, as in the ledger's own order.
    record(1, 'opt_in', 'sms', NOW - 5 * DAY);
    expect(state(1)).toMatchObject({ sms: 'opt_in', smsAt: NOW - 5 * DAY });
    expect([optedIn('sms'), optedIn('mms')]).toEqual([1, 1]);
  });

  it('answers a count as of a moment before the latest record from the ledger itself', () => {
    addContacts(2);
    record(1, 'opt_in', 'sms', NOW - 10 * DAY);
    record(1, 'opt_out', 'sms', NOW + 3 * DAY);
    record(2, 'opt_in', 'sms', NOW - 10 * DAY);
    expect(optedIn('sms')).toBe(2);
    expect(optedIn('sms', NOW + 4 * DAY)).toBe(1);
    expect(optedIn('sms', NOW - 11 * DAY)).toBe(0);
  });

  it('comes back with the ledger when a deleted contact is imported again', () => {
    addContacts(1);
    const phone = sqlite.prepare('SELECT phone FROM contacts WHERE id = 1').pluck().get() as string;
    record(1, 'opt_out', 'all', NOW - DAY);
    sqlite.prepare('DELETE FROM contacts WHERE id = 1').run();
    const id = Number(sqlite.prepare(`INSERT INTO contacts (phone, created_at, updated_at) VALUES (?, 0, 0)`).run(phone).lastInsertRowid);
    expect(state(id)).toEqual({ sms: 'opt_out', smsAt: NOW - DAY, mms: 'opt_out', mmsAt: NOW - DAY });
    expect(count([{ type: 'consent', channel: 'sms', state: 'opted_out' }])).toBe(1);
  });

  it('cannot be made to disagree with the ledger: a record is never edited', () => {
    addContacts(1);
    record(1, 'opt_out', 'all', NOW - DAY);
    expect(() => sqlite.prepare(`UPDATE consent_events SET kind = 'opt_in'`).run()).toThrow(/consent ledger is append-only/);
    expect(() => sqlite.prepare(`UPDATE consent_events SET occurred_at = 0`).run()).toThrow(/append-only/);
    sqlite.prepare(`UPDATE consent_events SET processed_at = 5`).run();
    expect(state(1)).toMatchObject({ sms: 'opt_out', mms: 'opt_out' });
  });
});

describe('migrations 0016 and 0017 on a database from before them', () => {
  it("fill each contact's latest consent from the ledger, and the JSONB copy of its attributes", () => {
    const before = join(dir, 'before');
    const older = migrationsBefore(16, join(before, 'drizzle'));
    const data = join(before, 'data');
    const old = openDatabase({ dataDir: data, migrationsFolder: older }).sqlite;
    old.prepare(`INSERT INTO contacts (id, phone, attributes_json, created_at, updated_at) VALUES (7, '+13055550171', '{"tier":"VIP"}', 1, 1), (8, '+13055550172', '{}', 1, 1)`).run();
    const insert = old.prepare(`INSERT INTO consent_events (contact_id, kind, channel, source, occurred_at, processed_at) VALUES (?, ?, ?, 'import', ?, 0)`);
    insert.run(7, 'opt_in', 'all', 1000);
    insert.run(7, 'opt_out', 'sms', 3000);
    insert.run(7, 'opt_in', 'mms', 2000);
    insert.run(8, 'subscribe', 'all', 1000);
    old.close();

    const upgraded = openDatabase({ dataDir: data }).sqlite;
    try {
      expect(upgraded.prepare('SELECT id, sms_consent, sms_consent_at, mms_consent, mms_consent_at FROM contacts ORDER BY id').all()).toEqual([
        { id: 7, sms_consent: 'opt_out', sms_consent_at: 3000, mms_consent: 'opt_out', mms_consent_at: 3000 },
        { id: 8, sms_consent: null, sms_consent_at: null, mms_consent: null, mms_consent_at: null },
      ]);
      expect(upgraded.prepare('SELECT json(attributes_jsonb) FROM contacts ORDER BY id').pluck().all()).toEqual(['{"tier":"VIP"}', '{}']);
    } finally {
      upgraded.close();
    }
  });
});
