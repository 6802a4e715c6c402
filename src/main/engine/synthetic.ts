import type Database from 'better-sqlite3';
import { nanpAreaCodes, zoneForAreaCode } from '../../shared/engine/timeZones';
import { pickWeighted, randomInt, type RandomSource } from '../../shared/engine/random';

/**
 * Synthetic contacts for dry-runs: US numbers whose area codes follow roughly where people
 * live (so quiet hours bite as they would), a share known not to take MMS, simple attributes
 * for personalisation, and consent on record.
 */

/** Approximate share of the US population per zone. */
const zoneShares: Array<{ weight: number; value: string }> = [
  { weight: 0.47, value: 'America/New_York' },
  { weight: 0.03, value: 'America/Indiana/Indianapolis' },
  { weight: 0.28, value: 'America/Chicago' },
  { weight: 0.05, value: 'America/Denver' },
  { weight: 0.02, value: 'America/Phoenix' },
  { weight: 0.14, value: 'America/Los_Angeles' },
  { weight: 0.005, value: 'America/Anchorage' },
  { weight: 0.005, value: 'Pacific/Honolulu' },
];

const firstNames = ['Ava', 'Liam', 'Maya', 'Noah', 'Zoe', 'Ethan', 'Chloe', 'Lucas', 'Isla', 'Mateo', 'Aria', 'Leo', 'Nora', 'Eli', 'Mia', 'Owen'];
const items = ['sneakers', 'denim jacket', 'sunglasses', 'backpack', 'running shorts', 'wool scarf'];

export interface SyntheticContactOptions {
  count: number;
  knownMmsIncapableShare: number;
  /** Consent recorded this long before the start (ms); null records none (subscribed trigger). */
  consentAt: number | null;
  now: number;
}

export function insertSyntheticContacts(sqlite: Database.Database, random: RandomSource, options: SyntheticContactOptions): number[] {
  const codesByZone = new Map<string, string[]>();
  for (const code of nanpAreaCodes()) {
    const zone = zoneForAreaCode(code) as string;
    codesByZone.set(zone, [...(codesByZone.get(zone) ?? []), code]);
  }
  const insert = sqlite.prepare(
    `INSERT INTO contacts (phone, time_zone, time_zone_source, attributes_json, mms_capable, created_at, updated_at)
     VALUES (?, ?, 'inferred', ?, ?, ?, ?) ON CONFLICT(phone) DO NOTHING`,
  );
  const consent = sqlite.prepare(
    `INSERT INTO consent_events (contact_id, kind, channel, source, keyword, occurred_at, processed_at) VALUES (?, 'opt_in', 'all', 'synthetic', NULL, ?, ?)`,
  );
  const ids: number[] = [];
  sqlite.transaction(() => {
    while (ids.length < options.count) {
      const zone = pickWeighted(random, zoneShares) as string;
      const codes = codesByZone.get(zone) ?? ['212'];
      const area = codes[randomInt(random, 0, codes.length - 1)] as string;
      // The 555 exchange keeps synthetic numbers recognisable; a dry-run never reaches a real provider anyway.
      const phone = `+1${area}555${String(randomInt(random, 0, 9999)).padStart(4, '0')}`;
      const attributes = {
        first_name: firstNames[randomInt(random, 0, firstNames.length - 1)],
        cart_item: items[randomInt(random, 0, items.length - 1)],
        loyalty_points: randomInt(random, 0, 5000),
      };
      const mms = random.next() < options.knownMmsIncapableShare ? 'no' : 'unknown';
      const result = insert.run(phone, zone, JSON.stringify(attributes), mms, options.now, options.now);
      if (result.changes === 0) continue;
      const id = Number(result.lastInsertRowid);
      if (options.consentAt !== null) consent.run(id, options.consentAt, options.consentAt);
      ids.push(id);
    }
  })();
  return ids;
}
