import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostcard, type Postcard } from '../../src/main/app';
import { openDatabase } from '../../src/main/db/open';
import type { PostcardEvent } from '../../src/main/api/events';
import type { AudienceCatalog, BulkResult, ContactPreferences, SegmentDetail } from '../../src/shared/api/audience';
import type { ColumnMapping, ContactsImportResult, ContactsSearchResult, ImportColumn } from '../../src/shared/api/engine';
import type { ApiError } from '../../src/shared';
import { ok, refused } from '../support/dispatch';
import { migrationsBefore } from '../support/migrations';

/**
 * The Contacts page's audience work through the API dispatch, against a real database file with
 * the real migrations: filtering by a segment, bulk actions and the ledger they leave (kept after
 * a delete, back on re-import), the column-mapping import, refused rows and consent conflicts.
 */

let dir: string;
let postcard: Postcard;

const call = <T>(method: string, input: unknown): Promise<T> => ok<T>(postcard, method, input);
const refusal = (method: string, input: unknown): Promise<ApiError> => refused(postcard, method, input);
const ledgerCsv = async (): Promise<Array<Record<string, string>>> =>
  parse((await call<{ csv: string }>('consent.exportCsv', {})).csv, { columns: true }) as Array<Record<string, string>>;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-contacts-audience-'));
  postcard = await openPostcard({ dataDir: dir, seedSamples: false });
});
afterEach(() => {
  postcard.close();
  rmSync(dir, { recursive: true, force: true });
});

const people = ['phone,first_name,tier,consent', '+13055550101,Ana,vip,opted_in', '+13055550102,Ben,vip,opted_in', '+14055550103,Cy,regular,opted_in', '+12125550104,Di,vip,'].join('\n');
const vipSegment = async (): Promise<SegmentDetail> =>
  call<SegmentDetail>('segments.save', { name: 'VIPs', definition: { match: 'all', rules: [{ type: 'attribute', attribute: 'tier', operator: 'equals', values: ['vip'] }] } });

describe('the contact list filtered by a segment', () => {
  it('lists only the members, its total is the segment’s count, and a search narrows within it', async () => {
    await call('contacts.import', { csv: people });
    const segment = await vipSegment();
    const all = await call<ContactsSearchResult>('contacts.search', { query: '' });
    expect(all.total).toBe(4);
    const members = await call<ContactsSearchResult>('contacts.search', { query: '', segmentId: segment.id });
    expect(members.contacts.map((c) => c.phone).sort()).toEqual(['+12125550104', '+13055550101', '+13055550102']);
    expect(members.total).toBe(3);
    const preview = await call<{ count: number }>('segments.preview', { definition: segment.definition });
    expect(members.matched).toBe(preview.count);
    const searched = await call<ContactsSearchResult>('contacts.search', { query: '305', segmentId: segment.id });
    expect(searched).toMatchObject({ matched: 2, total: 3 });
    expect((await refusal('contacts.search', { query: '', segmentId: 'no-such-segment' })).code).toBe('NOT_FOUND');
  });
});

describe('bulk actions', () => {
  it('counts first, then opts the ticked contacts out with the reason in each one’s ledger, source agent', async () => {
    await call('contacts.import', { csv: people });
    const list = await call<ContactsSearchResult>('contacts.search', { query: '305' });
    const ids = list.contacts.map((c) => c.id);
    const action = { type: 'opt_out' };
    expect((await refusal('contacts.bulk', { target: { type: 'contacts', contactIds: ids }, action })).message).toContain('reason');
    const counted = await call<BulkResult>('contacts.bulk', { target: { type: 'contacts', contactIds: ids }, action, reason: 'asked at the store' });
    expect(counted).toEqual({ matched: 2, changed: 0 });
    expect((await call<ContactPreferences>('contacts.preferences', { phone: '+13055550101' })).channels.sms).toBe('opted_in');

    const events: PostcardEvent[] = [];
    const unsubscribe = postcard.events.subscribe((event) => events.push(event));
    const done = await call<BulkResult>('contacts.bulk', { target: { type: 'contacts', contactIds: ids }, action, reason: 'asked at the store', isConfirmed: true });
    unsubscribe();
    expect(done).toEqual({ matched: 2, changed: 2 });
    expect(events.map((e) => e.type)).toContain('contacts.changed');
    for (const phone of ['+13055550101', '+13055550102']) {
      const preferences = await call<ContactPreferences>('contacts.preferences', { phone });
      expect(preferences.channels).toEqual({ sms: 'opted_out', mms: 'opted_out' });
      expect(preferences.ledger[0]).toMatchObject({ kind: 'opt_out', channel: 'all', source: 'agent', detail: 'asked at the store' });
    }
    expect((await call<ContactPreferences>('contacts.preferences', { phone: '+14055550103' })).channels.sms).toBe('opted_in');
  });

  it('acts on everyone matching the search within the segment: leaves a category, each with a ledger record', async () => {
    await call('contacts.import', { csv: people });
    const segment = await vipSegment();
    const target = { type: 'matching', query: '305', segmentId: segment.id };
    const action = { type: 'unsubscribe', category: 'promotions' };
    expect(await call<BulkResult>('contacts.bulk', { target, action, reason: 'too many offers', isConfirmed: true })).toEqual({ matched: 2, changed: 2 });
    const promotions = (p: ContactPreferences): boolean | undefined => p.categories.find((c) => c.id === 'promotions')?.isSubscribed;
    expect(promotions(await call<ContactPreferences>('contacts.preferences', { phone: '+13055550101' }))).toBe(false);
    expect(promotions(await call<ContactPreferences>('contacts.preferences', { phone: '+12125550104' }))).toBe(true);
    const ledger = (await ledgerCsv()).filter((r) => r.kind === 'unsubscribe');
    expect(ledger.map((r) => [r.phone, r.category, r.source, r.detail]).sort()).toEqual([
      ['+13055550101', 'promotions', 'agent', 'too many offers'],
      ['+13055550102', 'promotions', 'agent', 'too many offers'],
    ]);
    expect((await refusal('contacts.bulk', { target, action: { type: 'subscribe', category: 'flash_sales' }, isConfirmed: true })).message).toContain('"flash_sales"');
  });

  it('a delete keeps the ledger with the number; the number imported again gets its ledger back, still opted out', async () => {
    await call('contacts.import', { csv: people });
    const ana = (await call<ContactsSearchResult>('contacts.search', { query: '3055550101' })).contacts[0]!;
    await call('contacts.bulk', { target: { type: 'contacts', contactIds: [ana.id] }, action: { type: 'opt_out' }, reason: 'complained', isConfirmed: true });
    const deleted = await call<BulkResult>('contacts.bulk', { target: { type: 'contacts', contactIds: [ana.id] }, action: { type: 'delete' }, reason: 'data request', isConfirmed: true });
    expect(deleted).toEqual({ matched: 1, changed: 1 });
    expect((await refusal('contacts.preferences', { phone: '+13055550101' })).code).toBe('NOT_FOUND');
    expect((await call<ContactsSearchResult>('contacts.search', { query: '' })).total).toBe(3);

    // An audit still finds every record of the number.
    const kept = (await ledgerCsv()).filter((r) => r.phone === '+13055550101').map((r) => [r.kind, r.source, r.detail]);
    expect(kept).toEqual([
      ['opt_in', 'import', 'imported, line 2'],
      ['opt_out', 'agent', 'complained'],
      ['contact_deleted', 'agent', 'data request'],
    ]);

    await call('contacts.import', { csv: 'phone,first_name\n+13055550101,Ana' });
    const back = await call<ContactPreferences>('contacts.preferences', { phone: '+13055550101' });
    expect(back.ledger.map((e) => e.kind)).toEqual(['contact_deleted', 'opt_out', 'opt_in']);
    expect(back.channels.sms).toBe('opted_out');
    expect((await ledgerCsv()).filter((r) => r.phone === '+13055550101')).toHaveLength(3);
  });
});

describe('the column-mapping import', () => {
  const file = ['Mobile,First Name,Points,Signed Up,Notes,Tags', '+13055550111,Eve,12,2025-03-01,likes red,shoes;bags', '+13055550112,Fay,many,2025-03-02,,', 'not-a-phone,Gus,3,2025-03-03,,'].join('\n');

  it('guesses each header: a field by its usual names, new attributes typed by their values', async () => {
    const { columns } = await call<{ columns: ImportColumn[] }>('contacts.importColumns', { csv: file });
    expect(columns.map((c) => [c.header, c.guess])).toEqual([
      ['Mobile', { as: 'field', field: 'phone' }],
      ['First Name', { as: 'attribute', name: 'first_name', type: 'text' }],
      ['Points', { as: 'attribute', name: 'points', type: 'text' }],
      ['Signed Up', { as: 'attribute', name: 'signed_up', type: 'date' }],
      ['Notes', { as: 'attribute', name: 'notes', type: 'text' }],
      ['Tags', { as: 'attribute', name: 'tags', type: 'text' }],
    ]);
    expect(columns[0]?.samples).toEqual(['+13055550111', '+13055550112', 'not-a-phone']);
  });

  it('turns headers into attributes of the chosen types in the catalog, and hands back the refused rows with line and reason', async () => {
    const mapping: ColumnMapping[] = [
      { as: 'field', field: 'phone' },
      { as: 'attribute', name: 'first_name', type: 'text' },
      { as: 'attribute', name: 'points', type: 'number' },
      { as: 'attribute', name: 'signed_up', type: 'date' },
      { as: 'ignore' },
      { as: 'attribute', name: 'tags', type: 'list' },
    ];
    const result = await call<ContactsImportResult>('contacts.import', { csv: file, mapping, fileName: 'spring.csv' });
    expect(result).toMatchObject({ created: 1, skipped: 2, columns: ['Mobile', 'First Name', 'Points', 'Signed Up', 'Notes', 'Tags'] });
    expect(result.refused).toEqual([
      { line: 3, message: 'points "many" is not a number', values: ['+13055550112', 'Fay', 'many', '2025-03-02', '', ''] },
      { line: 4, message: '"not-a-phone" is not a phone number', values: ['not-a-phone', 'Gus', '3', '2025-03-03', '', ''] },
    ]);
    const catalog = await call<AudienceCatalog>('audience.catalog', {});
    expect(catalog.attributes).toEqual(
      expect.arrayContaining([
        { name: 'first_name', type: 'text' },
        { name: 'points', type: 'number' },
        { name: 'signed_up', type: 'date' },
        { name: 'tags', type: 'list' },
      ]),
    );
    expect(catalog.attributes.map((a) => a.name)).not.toContain('notes');
    const eve = (await call<ContactsSearchResult>('contacts.search', { query: 'Eve' })).contacts[0];
    expect(eve?.attributes).toEqual({ first_name: 'Eve', points: 12, signed_up: '2025-03-01', tags: ['shoes', 'bags'] });

    // The refused rows as downloaded (phones marked as text for spreadsheets), fixed, import as they are.
    const fixed = await call<ContactsImportResult>('contacts.import', { csv: "Mobile,First Name,Points\n'+13055550112,Fay,7", mapping: [mapping[0], mapping[1], mapping[2]] });
    expect(fixed).toMatchObject({ created: 1, skipped: 0 });
    expect((await call<ContactsSearchResult>('contacts.search', { query: 'Fay' })).contacts[0]).toMatchObject({ phone: '+13055550112', attributes: { first_name: 'Fay', points: 7 } });

    // A declared attribute keeps its type; a mapping without a phone column is refused whole.
    const retyped = mapping.map((m) => (m.as === 'attribute' && m.name === 'points' ? { ...m, type: 'text' as const } : m));
    expect((await refusal('contacts.import', { csv: file, mapping: retyped })).message).toContain('"points" is a number attribute');
    expect((await refusal('contacts.import', { csv: file, mapping: mapping.map(() => ({ as: 'ignore' })) })).message).toContain('phone');
    expect((await refusal('contacts.import', { csv: file, mapping: mapping.slice(1) })).message).toContain('the file has 6');
  });

  it('reports progress after each committed chunk, up to every row', async () => {
    const rows = Array.from({ length: 4_500 }, (_, i) => `+1305${String(5_000_000 + i)},P${i}`);
    const events: PostcardEvent[] = [];
    const unsubscribe = postcard.events.subscribe((event) => events.push(event));
    await call('contacts.import', { csv: ['phone,first_name', ...rows].join('\n'), importId: 'imp1', rowsTotal: 4_500 });
    unsubscribe();
    const progress = events.filter((e) => e.type === 'contacts.importProgress').map((e) => ('rowsDone' in e ? e.rowsDone : null));
    expect(progress.slice(0, 2)).toEqual([2_000, 4_000]);
    expect(progress.at(-1)).toBe(4_500);
  });
});

describe('consent imported with its source and time', () => {
  it('records the source and time; for one number the later consent_at wins, in any row order', async () => {
    const csv = [
      'phone,consent,consent_source,consent_at',
      '+13055550121,opted_out,keyword,2025-05-02T10:00:00Z',
      '+13055550121,opted_in,Web form,2025-05-01T10:00:00Z',
      '+13055550122,opted_in,newsletter,2025-05-01T10:00:00Z',
    ].join('\n');
    const result = await call<ContactsImportResult>('contacts.import', { csv });
    expect(result.refused.map((r) => [r.line, r.message])).toEqual([[4, 'consent_source "newsletter" must be one of import, keyword, web_form, api, agent']]);
    const preferences = await call<ContactPreferences>('contacts.preferences', { phone: '+13055550121' });
    expect(preferences.channels.sms).toBe('opted_out');
    expect(preferences.ledger.map((e) => [e.at, e.kind, e.source])).toEqual([
      ['2025-05-02T10:00:00.000Z', 'opt_out', 'keyword'],
      ['2025-05-01T10:00:00.000Z', 'opt_in', 'web_form'],
    ]);
    // The same file again adds no record twice.
    await call('contacts.import', { csv });
    expect((await call<ContactPreferences>('contacts.preferences', { phone: '+13055550121' })).ledger).toHaveLength(2);
  });

  it('refuses rows that say opposite things at the same time, in the file or against the ledger, naming both', async () => {
    const csv = [
      'phone,first_name,consent,consent_at',
      '+13055550131,Hal,opted_in,2025-06-01T09:00:00Z',
      '+13055550132,Ivy,opted_in,2025-06-01T09:00:00Z',
      '+13055550131,Hal,opted_out,2025-06-01T09:00:00Z',
    ].join('\n');
    const result = await call<ContactsImportResult>('contacts.import', { csv });
    expect(result).toMatchObject({ created: 1, skipped: 2 });
    expect(result.refused.map((r) => r.line)).toEqual([2, 4]);
    expect(result.refused[0]?.message).toContain('line 4 says opted_out');
    expect(result.refused[1]?.message).toContain('line 2 says opted_in');
    expect(result.refused[0]?.message).toContain('2025-06-01T09:00:00.000Z');
    expect((await refusal('contacts.preferences', { phone: '+13055550131' })).code).toBe('NOT_FOUND');

    const against = await call<ContactsImportResult>('contacts.import', { csv: 'phone,consent,consent_at\n+13055550132,opted_out,2025-06-01T09:00:00Z' });
    expect(against.refused[0]?.message).toContain('already says opted_in at 2025-06-01T09:00:00.000Z');
    expect((await call<ContactPreferences>('contacts.preferences', { phone: '+13055550132' })).channels.sms).toBe('opted_in');
  });
});

describe('migration 0013 on a database from before it', () => {
  it('keeps every consent record, which then outlives a deleted contact', async () => {
    // The app's migrations up to 0012 only, as a database created before this change had them.
    const before = mkdtempSync(join(tmpdir(), 'postcard-migrations-0012-'));
    // 0013 and everything after it is missing from such a database.
    const older = migrationsBefore(13, join(before, 'drizzle'));
    const data = join(before, 'data');
    const old = openDatabase({ dataDir: data, migrationsFolder: older }).sqlite;
    old.prepare(`INSERT INTO contacts (id, phone, attributes_json, created_at, updated_at) VALUES (7, '+13055550171', '{}', 1, 1)`).run();
    old.prepare(`INSERT INTO consent_events (contact_id, kind, channel, source, occurred_at, processed_at) VALUES (7, 'opt_in', 'all', 'import', 1000, 1000)`).run();
    old.close();

    const upgraded = openDatabase({ dataDir: data }).sqlite;
    try {
      expect(upgraded.prepare('SELECT contact_id, phone, kind FROM consent_events').all()).toEqual([{ contact_id: 7, phone: null, kind: 'opt_in' }]);
      upgraded.prepare('DELETE FROM contacts WHERE id = 7').run();
      expect(upgraded.prepare('SELECT contact_id, phone, kind FROM consent_events').all()).toEqual([{ contact_id: 7, phone: '+13055550171', kind: 'opt_in' }]);
    } finally {
      upgraded.close();
      rmSync(before, { recursive: true, force: true });
    }
  });
});
