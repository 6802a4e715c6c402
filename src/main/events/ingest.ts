import type Database from 'better-sqlite3';
import type { EventsIngestResult, ImportProblem } from '../../shared/api/engine';
import { inferTimeZone, normalizePhone } from '../contacts/timeZone';

/**
 * NDJSON event ingest: one JSON object per line, `{"phone": "+1…", "name": "purchased",
 * "properties": {…}, "occurred_at": "2026-01-05T10:00:00Z"}` (`event` is accepted for `name`,
 * `at`/`timestamp` for `occurred_at`; default now). Unknown phones become contacts without
 * consent. The engine acts on the events at its next tick (triggers, goals, waits).
 */
const MAX_PROBLEMS = 100;

export function ingestEventsNdjson(sqlite: Database.Database, ndjson: string, now: number): EventsIngestResult {
  const findContact = sqlite.prepare('SELECT id FROM contacts WHERE phone = ?').pluck();
  const insertContact = sqlite.prepare(
    `INSERT INTO contacts (phone, time_zone, time_zone_source, attributes_json, mms_capable, created_at, updated_at) VALUES (?, ?, ?, '{}', 'unknown', ?, ?)`,
  );
  const insertEvent = sqlite.prepare('INSERT INTO events (contact_id, name, properties_json, occurred_at) VALUES (?, ?, ?, ?)');
  const problems: ImportProblem[] = [];
  let ingested = 0;
  let contactsCreated = 0;
  let lines = 0;
  const report = (line: number, message: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push({ line, message });
  };
  sqlite.transaction(() => {
    ndjson.split(/\r?\n/).forEach((text, index) => {
      const line = index + 1;
      if (!text.trim()) return;
      lines++;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return report(line, 'not valid JSON');
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return report(line, 'expected a JSON object');
      const record = value as Record<string, unknown>;
      const phone = typeof record.phone === 'string' ? normalizePhone(record.phone) : null;
      if (!phone) return report(line, 'missing or invalid "phone"');
      const name = typeof record.name === 'string' ? record.name : typeof record.event === 'string' ? record.event : '';
      if (!name.trim() || name.length > 120) return report(line, 'missing "name" (the event name, up to 120 characters)');
      const properties = record.properties ?? {};
      if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) return report(line, '"properties" must be an object');
      const when = record.occurred_at ?? record.at ?? record.timestamp;
      let occurredAt = now;
      if (when !== undefined) {
        occurredAt = typeof when === 'number' ? when : typeof when === 'string' ? Date.parse(when) : Number.NaN;
        if (!Number.isFinite(occurredAt)) return report(line, '"occurred_at" is not a date');
      }
      let contactId = findContact.get(phone) as number | undefined;
      if (contactId === undefined) {
        const zone = inferTimeZone(phone);
        contactId = Number(insertContact.run(phone, zone, zone ? 'inferred' : null, now, now).lastInsertRowid);
        contactsCreated++;
      }
      insertEvent.run(contactId, name.trim(), JSON.stringify(properties), occurredAt);
      ingested++;
    });
  })();
  return { ingested, contactsCreated, skipped: lines - ingested, problems };
}
