import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../../src/main/db/open';
import { importContactsCsv } from '../../src/main/contacts/import';

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
