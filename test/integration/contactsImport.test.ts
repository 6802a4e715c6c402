import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../../src/main/db/open';
import { importContactsCsv } from '../../src/main/contacts/import';
import { ingestEventsNdjson } from '../../src/main/events/ingest';
import { INTAKE_CHUNK_RECORDS } from '../../src/main/services/chunks';
import { PostcardError } from '../../src/shared/api/result';

const NOW = Date.parse('2026-01-05T15:00:00.000Z');
let dir: string;
let sqlite: SqliteDatabase;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'postcard-contacts-import-'));
  sqlite = openDatabase({ dataDir: dir }).sqlite;
});
afterEach(() => {
  sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

const contact = (phone: string) =>
  sqlite.prepare('SELECT time_zone, time_zone_source, mms_capable, attributes_json FROM contacts WHERE phone = ?').get(phone) as {
    time_zone: string | null;
    time_zone_source: string | null;
    mms_capable: string;
    attributes_json: string;
  };

describe('contacts import into a database file', () => {
  it('re-importing without a time_zone column keeps the zone the contact gave', async () => {
    await importContactsCsv(sqlite, 'phone,time_zone,first_name,mms_capable\n+12125550150,Asia/Tokyo,Ava,no\n', NOW);
    expect(contact('+12125550150')).toMatchObject({ time_zone: 'Asia/Tokyo', time_zone_source: 'contact' });

    const again = await importContactsCsv(sqlite, 'phone,city\n+12125550150,Osaka\n', NOW + 1);
    expect(again.updated).toBe(1);
    const after = contact('+12125550150');
    // Not America/New_York, which the 212 area code would suggest.
    expect(after).toMatchObject({ time_zone: 'Asia/Tokyo', time_zone_source: 'contact', mms_capable: 'no' });
    expect(JSON.parse(after.attributes_json)).toEqual({ first_name: 'Ava', city: 'Osaka' });

    // An empty time_zone cell is no value either; a given one does replace the zone.
    await importContactsCsv(sqlite, 'phone,time_zone\n+12125550150,\n', NOW + 2);
    expect(contact('+12125550150').time_zone).toBe('Asia/Tokyo');
    await importContactsCsv(sqlite, 'phone,time_zone\n+12125550150,Europe/Paris\n', NOW + 3);
    expect(contact('+12125550150').time_zone).toBe('Europe/Paris');
  });

  it('a contact first seen without a zone gets one guessed from the number, kept on re-import', async () => {
    await importContactsCsv(sqlite, 'phone\n+14155550151\n', NOW);
    expect(contact('+14155550151')).toMatchObject({ time_zone: 'America/Los_Angeles', time_zone_source: 'inferred' });
    await importContactsCsv(sqlite, 'phone,first_name\n+14155550151,Liam\n', NOW + 1);
    expect(contact('+14155550151')).toMatchObject({ time_zone: 'America/Los_Angeles', time_zone_source: 'inferred' });
  });
});

const phoneAt = (i: number): string => `+1212${String(5_000_000 + i).slice(-7)}`;
const contactsCsv = (rows: number): string => ['phone,first_name', ...Array.from({ length: rows }, (_, i) => `${phoneAt(i)},N${i}`)].join('\n');

describe('a large import', () => {
  it('commits in chunks: another connection takes the write lock between them while the import runs', async () => {
    const rows = 5 * INTAKE_CHUNK_RECORDS;
    const other = new Database(join(dir, 'postcard.db'));
    other.pragma('busy_timeout = 0');
    const seen: number[] = [];
    let isDone = false;
    const poll = (): void => {
      if (isDone) return;
      // BEGIN IMMEDIATE takes the write lock now or fails with SQLITE_BUSY.
      other.exec('BEGIN IMMEDIATE');
      seen.push(Number(other.prepare('SELECT count(*) FROM contacts').pluck().get()));
      other.exec('ROLLBACK');
      setImmediate(poll);
    };
    setImmediate(poll);
    try {
      const result = await importContactsCsv(sqlite, contactsCsv(rows), NOW);
      isDone = true;
      expect(result.created).toBe(rows);
    } finally {
      isDone = true;
      other.close();
    }
    const during = seen.filter((n) => n > 0 && n < rows);
    expect(during.length).toBeGreaterThan(0);
    // Only whole chunks were ever visible.
    expect(during.every((n) => n % INTAKE_CHUNK_RECORDS === 0)).toBe(true);
  });

  it('a chunk that fails is rolled back whole; the chunks before it stay, and the error says where it stopped', async () => {
    const rows = 3 * INTAKE_CHUNK_RECORDS;
    const failing = INTAKE_CHUNK_RECORDS + 500;
    // Stands in for a full disk in the middle of the second chunk.
    sqlite.exec(`CREATE TRIGGER disk_full BEFORE INSERT ON contacts WHEN new.phone = '${phoneAt(failing)}' BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    const error = await importContactsCsv(sqlite, contactsCsv(rows), NOW).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PostcardError);
    const firstLineOfChunk = (INTAKE_CHUNK_RECORDS + 2).toLocaleString('en-US');
    expect((error as PostcardError).message).toContain(`stopped at line ${firstLineOfChunk} (database or disk is full)`);
    expect((error as PostcardError).message).toContain(`${INTAKE_CHUNK_RECORDS.toLocaleString('en-US')} contacts added`);
    expect(sqlite.prepare('SELECT count(*) FROM contacts').pluck().get()).toBe(INTAKE_CHUNK_RECORDS);

    // Importing the same file again, once the disk has room, finishes the job without doubles.
    sqlite.exec('DROP TRIGGER disk_full');
    const again = await importContactsCsv(sqlite, contactsCsv(rows), NOW + 1);
    expect(again).toMatchObject({ created: rows - INTAKE_CHUNK_RECORDS, updated: INTAKE_CHUNK_RECORDS });
  });

  it('events are ingested in chunks too, and a failed chunk names the line to resume from', async () => {
    const lines = Array.from({ length: 2 * INTAKE_CHUNK_RECORDS + 10 }, (_, i) => JSON.stringify({ phone: phoneAt(i % 50), name: 'viewed', properties: { i } }));
    sqlite.exec(`CREATE TRIGGER disk_full BEFORE INSERT ON events WHEN json_extract(new.properties_json, '$.i') = ${2 * INTAKE_CHUNK_RECORDS + 3} BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    const error = await ingestEventsNdjson(sqlite, lines.join('\n'), NOW).then(
      () => null,
      (e: unknown) => e as PostcardError,
    );
    expect(error?.message).toContain(`stopped at line ${(2 * INTAKE_CHUNK_RECORDS + 1).toLocaleString('en-US')}`);
    expect(error?.message).toContain('ingest the file from that line on');
    expect(sqlite.prepare('SELECT count(*) FROM events').pluck().get()).toBe(2 * INTAKE_CHUNK_RECORDS);
  });
});
