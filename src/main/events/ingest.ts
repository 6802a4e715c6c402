import type Database from 'better-sqlite3';
import type { EventsIngestResult, ImportProblem } from '../../shared/api/engine';
import { inferTimeZone, normalizePhone } from '../contacts/timeZone';
import { writeInChunks } from '../services/chunks';
import { INTAKE_LIMITS, dateProblem, findHostileKey, stripBom } from '../services/untrusted';

/**
 * NDJSON event ingest: one JSON object per line, `{"phone": "+1…", "name": "purchased",
 * "properties": {…}, "occurred_at": "2026-01-05T10:00:00Z"}` (`event` is accepted for `name`,
 * `at`/`timestamp` for `occurred_at`; default now). Unknown phones become contacts without
 * consent. The engine acts on the events at its next tick (triggers, goals, waits).
 * A line that breaks the intake limits (untrusted.ts) is refused by its number, the rest kept;
 * good lines are written in chunks (chunks.ts).
 */
const MAX_PROBLEMS = 100;

interface EventRecord {
  line: number;
  phone: string;
  name: string;
  propertiesJson: string;
  occurredAt: number;
}

export async function ingestEventsNdjson(sqlite: Database.Database, ndjson: string, now: number): Promise<EventsIngestResult> {
  const problems: ImportProblem[] = [];
  let lines = 0;
  const report = (line: number, message: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push({ line, message });
  };
  const records: EventRecord[] = [];
  stripBom(ndjson)
    .split(/\r?\n/)
    .forEach((text, index) => {
      const line = index + 1;
      if (!text.trim()) return;
      lines++;
      const record = readLine(text, now);
      if (typeof record === 'string') report(line, record);
      else records.push({ line, ...record });
    });

  const findContact = sqlite.prepare('SELECT id FROM contacts WHERE phone = ?').pluck();
  const insertContact = sqlite.prepare(
    `INSERT INTO contacts (phone, time_zone, time_zone_source, attributes_json, mms_capable, created_at, updated_at) VALUES (?, ?, ?, '{}', 'unknown', ?, ?)`,
  );
  const insertEvent = sqlite.prepare('INSERT INTO events (contact_id, name, properties_json, occurred_at) VALUES (?, ?, ?, ?)');
  let ingested = 0;
  let contactsCreated = 0;
  const stored = { ingested: 0, contactsCreated: 0 };
  await writeInChunks(
    sqlite,
    records,
    (record) => {
      let contactId = findContact.get(record.phone) as number | undefined;
      if (contactId === undefined) {
        const zone = inferTimeZone(record.phone);
        contactId = Number(insertContact.run(record.phone, zone, zone ? 'inferred' : null, now, now).lastInsertRowid);
        contactsCreated++;
      }
      insertEvent.run(contactId, record.name, record.propertiesJson, record.occurredAt);
      ingested++;
    },
    {
      lineOf: (index) => records[index]?.line ?? 0,
      afterCommit: () => Object.assign(stored, { ingested, contactsCreated }),
      describeStored: () => `${stored.ingested.toLocaleString('en-US')} events`,
      advice: 'ingest the file from that line on (the whole file again would store those events twice)',
    },
  );
  return { ingested, contactsCreated, skipped: lines - ingested, problems };
}

/** One line as an event to store, or why it is refused. */
function readLine(text: string, now: number): Omit<EventRecord, 'line'> | string {
  if (text.length > INTAKE_LIMITS.maxLineChars) {
    return `the line is ${text.length.toLocaleString('en-US')} characters long (at most ${INTAKE_LIMITS.maxLineChars.toLocaleString('en-US')})`;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected a JSON object';
  const hostile = findHostileKey(value);
  if (hostile) return `refused: ${hostile}`;
  const record = value as Record<string, unknown>;
  const phone = typeof record.phone === 'string' ? normalizePhone(record.phone) : null;
  if (!phone) return 'missing or invalid "phone"';
  const name = typeof record.name === 'string' ? record.name : typeof record.event === 'string' ? record.event : '';
  if (!name.trim() || name.length > 120) return 'missing "name" (the event name, up to 120 characters)';
  const properties = record.properties ?? {};
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) return '"properties" must be an object';
  const when = record.occurred_at ?? record.at ?? record.timestamp;
  let occurredAt = now;
  if (when !== undefined) {
    occurredAt = typeof when === 'number' ? when : typeof when === 'string' ? Date.parse(when) : Number.NaN;
    const problem = dateProblem('"occurred_at"', occurredAt);
    if (problem) return problem;
  }
  return { phone, name: name.trim(), propertiesJson: JSON.stringify(properties), occurredAt };
}
