import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceOccurrence, dueOccurrences, nextOccurrence, rescheduleContacts, scheduleDateTrigger, type DateTriggerPlan } from '../../src/main/audience/dateTrigger';
import { openDatabase, type SqliteDatabase } from '../../src/main/db/open';

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
const at = (text: string): number => Date.parse(text);

describe('next occurrence of a date attribute', () => {
  const yearly = { offsetDays: 0, at: '10:00', isYearly: true };

  it('a birthday recurs every year at the local send time', () => {
    const next = nextOccurrence('1990-06-15', yearly, 'America/Los_Angeles', at('2026-03-01T00:00:00Z'));
    expect(next).toEqual({ dueAt: at('2026-06-15T17:00:00Z'), occursOn: '2026-06-15' });
    // Once this year's has passed, next year's.
    expect(iso(nextOccurrence('1990-06-15', yearly, 'America/Los_Angeles', at('2026-06-15T17:00:00Z'))?.dueAt)).toBe('2027-06-15T17:00:00.000Z');
  });

  it('29 February is marked on 28 February in years without one, and on the 29th in leap years', () => {
    expect(nextOccurrence('2000-02-29', yearly, 'UTC', at('2026-01-01T00:00:00Z'))).toEqual({ dueAt: at('2026-02-28T10:00:00Z'), occursOn: '2026-02-28' });
    expect(nextOccurrence('2000-02-29', yearly, 'UTC', at('2027-03-01T00:00:00Z'))).toEqual({ dueAt: at('2028-02-29T10:00:00Z'), occursOn: '2028-02-29' });
    // "1 day after" a leap-day birthday in a common year is 1 March.
    expect(iso(nextOccurrence('2000-02-29', { ...yearly, offsetDays: 1 }, 'UTC', at('2026-01-01T00:00:00Z'))?.dueAt)).toBe('2026-03-01T10:00:00.000Z');
  });

  it('keeps local wall-clock time across a DST change in the contact’s zone', () => {
    // New York springs forward on 8 March 2026: 09:00 is 14:00Z the day before and 13:00Z the day after.
    expect(iso(nextOccurrence('1980-03-07', yearly, 'America/New_York', at('2026-01-01T00:00:00Z'))?.dueAt.valueOf())).toBe('2026-03-07T15:00:00.000Z');
    const nine = { ...yearly, at: '09:00' };
    expect(iso(nextOccurrence('1980-03-07', nine, 'America/New_York', at('2026-01-01T00:00:00Z'))?.dueAt)).toBe('2026-03-07T14:00:00.000Z');
    expect(iso(nextOccurrence('1980-03-09', nine, 'America/New_York', at('2026-01-01T00:00:00Z'))?.dueAt)).toBe('2026-03-09T13:00:00.000Z');
    // 02:30 does not exist that night: the send moves forward by the gap, to 03:30 EDT.
    expect(iso(nextOccurrence('1980-03-08', { ...yearly, at: '02:30' }, 'America/New_York', at('2026-01-01T00:00:00Z'))?.dueAt)).toBe('2026-03-08T07:30:00.000Z');
    // "3 days before" counts calendar days, not 72 hours, across the change.
    expect(iso(nextOccurrence('1980-03-10', { ...nine, offsetDays: -3 }, 'America/New_York', at('2026-01-01T00:00:00Z'))?.dueAt)).toBe('2026-03-07T14:00:00.000Z');
  });

  it('an offset can cross into the year before; a one-off date fires once; a malformed date never', () => {
    expect(nextOccurrence('1990-01-02', { ...yearly, offsetDays: -3 }, 'UTC', at('2026-06-01T00:00:00Z'))).toEqual({
      dueAt: at('2026-12-30T10:00:00Z'),
      occursOn: '2027-01-02',
    });
    const once = { offsetDays: -7, at: '08:00', isYearly: false };
    expect(iso(nextOccurrence('2026-09-30', once, 'UTC', at('2026-06-01T00:00:00Z'))?.dueAt)).toBe('2026-09-23T08:00:00.000Z');
    expect(nextOccurrence('2026-09-30', once, 'UTC', at('2026-09-24T00:00:00Z'))).toBeNull();
    expect(nextOccurrence('2026-02-30', yearly, 'UTC', 0)).toBeNull();
    expect(nextOccurrence(19900615, yearly, 'UTC', 0)).toBeNull();
  });
});

describe('stored occurrences', () => {
  let dir: string;
  let sqlite: SqliteDatabase;
  const plan: DateTriggerPlan = {
    flowVersionId: 'fv-1',
    config: { type: 'date_attribute', attribute: 'birthday', offsetDays: -3, at: '10:00', isYearly: true },
    defaultZone: 'America/New_York',
  };
  const now = at('2026-01-10T12:00:00Z');
  const contact = (phone: string, zone: string | null, attributes: object): number =>
    Number(
      sqlite
        .prepare(`INSERT INTO contacts (phone, time_zone, attributes_json, created_at, updated_at) VALUES (?, ?, ?, 0, 0)`)
        .run(phone, zone, JSON.stringify(attributes)).lastInsertRowid,
    );

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'postcard-date-trigger-'));
    sqlite = openDatabase({ dataDir: dir }).sqlite;
  });
  afterAll(() => {
    sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('schedules every contact with the date, wakes only the due ones, recomputes on change, and moves on a year after firing', () => {
    const tokyo = contact('+81312345678', 'Asia/Tokyo', { birthday: '1991-01-20' });
    const unknownZone = contact('+12125550100', null, { birthday: '1985-02-01' });
    contact('+12125550101', null, { birthday: 'soon' });
    contact('+12125550102', null, {});
    sqlite.transaction(() => {
      for (let i = 0; i < 12_000; i++) contact(`+1646555${String(i).padStart(4, '0')}`, 'UTC', { birthday: '1970-12-25' });
    })();

    expect(scheduleDateTrigger(sqlite, plan, now)).toBe(12_002);
    // Tokyo: 17 January 10:00 JST; the contact without a zone gets the flow's default zone.
    const due = dueOccurrences(sqlite, at('2026-02-01T00:00:00Z'), 10);
    expect(due.map((d) => [d.contactId, iso(d.dueAt), d.occursOn])).toEqual([
      [tokyo, '2026-01-17T01:00:00.000Z', '2026-01-20'],
      [unknownZone, '2026-01-29T15:00:00.000Z', '2026-02-01'],
    ]);

    sqlite.prepare(`UPDATE contacts SET attributes_json = '{"birthday":"1991-03-01"}' WHERE id = ?`).run(tokyo);
    rescheduleContacts(sqlite, [plan], [tokyo], now);
    expect(dueOccurrences(sqlite, at('2026-02-01T00:00:00Z'), 10).map((d) => d.contactId)).toEqual([unknownZone]);

    advanceOccurrence(sqlite, plan, unknownZone, at('2026-01-29T15:00:00Z'));
    const row = sqlite.prepare('SELECT due_at, occurs_on FROM date_trigger_occurrences WHERE contact_id = ?').get(unknownZone) as { due_at: number; occurs_on: string };
    expect([iso(row.due_at), row.occurs_on]).toEqual(['2027-01-29T15:00:00.000Z', '2027-02-01']);
  });
});
