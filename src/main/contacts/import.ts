import type Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import type { ContactsImportResult, ImportProblem } from '../../shared/api/engine';
import { PostcardError } from '../../shared/api/result';
import { mmsCapabilities, type ConsentChannel, type MmsCapability } from '../../shared/engine/types';
import { CounterBuffer, prepareStatements, recordConsent } from '../engine/store';
import { isValidTimeZone } from '../engine/localTime';
import { writeInChunks } from '../services/chunks';
import { dateProblem, textProblem } from '../services/untrusted';
import { inferTimeZone, normalizePhone } from './timeZone';

/**
 * CSV contact import: one row per contact, `phone` required; `time_zone`, `mms_capable`,
 * `consent` (opted_in / opted_out), `consent_channel`, `consent_at` recognised; every other
 * column becomes an attribute. Existing phones are updated with the columns the file carries
 * (attributes merged; a zone, capability or attribute the file leaves out stays). Bad rows,
 * and rows past the intake limits (untrusted.ts), are reported by line and skipped; the good
 * rows are written in chunks (chunks.ts), each row whole in one.
 */
const reserved = new Set(['phone', 'time_zone', 'timezone', 'mms_capable', 'consent', 'consent_channel', 'consent_at', 'consent_source']);
const MAX_PROBLEMS = 100;

interface ContactRecord {
  phone: string;
  zone: string | null;
  mms: MmsCapability | null;
  attributes: Record<string, string>;
  consent: { kind: 'opt_in' | 'opt_out'; channel: ConsentChannel; source: string; occurredAt: number } | null;
}

export async function importContactsCsv(sqlite: Database.Database, csv: string, now: number): Promise<ContactsImportResult> {
  let records: Array<Record<string, string>>;
  try {
    records = parse(csv, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true });
  } catch (error) {
    throw new PostcardError('INVALID_INPUT', `the CSV cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (records.length > 0 && !('phone' in (records[0] as object))) {
    throw new PostcardError('INVALID_INPUT', 'the CSV needs a "phone" column');
  }
  const problems: ImportProblem[] = [];
  const report = (line: number, message: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push({ line, message });
  };
  const rows: Array<ContactRecord & { line: number }> = [];
  records.forEach((record, index) => {
    const line = index + 2;
    const row = readRecord(record, now);
    if (typeof row === 'string') report(line, row);
    else rows.push({ line, ...row });
  });

  const statements = prepareStatements(sqlite);
  const find = sqlite.prepare('SELECT id, attributes_json, time_zone FROM contacts WHERE phone = ?');
  const insert = sqlite.prepare(
    `INSERT INTO contacts (phone, time_zone, time_zone_source, attributes_json, mms_capable, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const update = sqlite.prepare(
    `UPDATE contacts SET time_zone = coalesce(?, time_zone), time_zone_source = coalesce(?, time_zone_source), attributes_json = ?,
       mms_capable = coalesce(?, mms_capable), updated_at = ? WHERE id = ?`,
  );
  let created = 0;
  let updated = 0;
  let consentRecords = 0;
  const stored = { created: 0, updated: 0 };
  const counters = new CounterBuffer();
  await writeInChunks(
    sqlite,
    rows,
    ({ phone, zone, mms, attributes, consent }) => {
      const existing = find.get(phone) as { id: number; attributes_json: string; time_zone: string | null } | undefined;
      // A zone is guessed from the number only for a contact that has none: a file without a
      // time_zone value never replaces the zone a contact gave (or an earlier guess).
      const inferred = zone || (existing && existing.time_zone !== null) ? null : inferTimeZone(phone);
      let contactId: number;
      if (existing) {
        const merged = { ...safeObject(existing.attributes_json), ...attributes };
        update.run(zone ?? inferred, zone ? 'contact' : inferred ? 'inferred' : null, JSON.stringify(merged), mms, now, existing.id);
        contactId = existing.id;
        updated++;
      } else {
        const result = insert.run(phone, zone ?? inferred, zone ? 'contact' : inferred ? 'inferred' : null, JSON.stringify(attributes), mms ?? 'unknown', now, now);
        contactId = Number(result.lastInsertRowid);
        created++;
      }
      if (consent) {
        recordConsent(statements, counters, { contactId, kind: consent.kind, channel: consent.channel, source: consent.source, keyword: null, occurredAt: consent.occurredAt }, now);
        consentRecords++;
      }
    },
    {
      lineOf: (index) => rows[index]?.line ?? 0,
      beforeCommit: () => counters.flush(statements),
      afterCommit: () => Object.assign(stored, { created, updated }),
      describeStored: () => `${stored.created.toLocaleString('en-US')} contacts added, ${stored.updated.toLocaleString('en-US')} updated`,
      advice: 'import the file again to finish (contacts already in are updated, not doubled)',
    },
  );
  return { created, updated, consentRecords, skipped: records.length - created - updated, problems };
}

/** One row as a contact to write, or why it is refused. */
function readRecord(record: Record<string, string>, now: number): ContactRecord | string {
  const phone = normalizePhone(record.phone ?? '');
  if (!phone) return `"${(record.phone ?? '').slice(0, 40)}" is not a phone number`;
  const zoneInput = (record.time_zone ?? record.timezone ?? '').trim();
  if (zoneInput && !isValidTimeZone(zoneInput)) return `"${zoneInput.slice(0, 64)}" is not an IANA time zone`;
  const mmsInput = (record.mms_capable ?? '').trim().toLowerCase();
  const mms = mmsInput ? normalizeMms(mmsInput) : null;
  if (mmsInput && !mms) return `mms_capable must be yes, no or unknown`;
  const consent = (record.consent ?? '').trim().toLowerCase();
  const consentKind = consent ? normalizeConsent(consent) : null;
  if (consent && !consentKind) return `consent must be opted_in or opted_out`;
  const channelInput = (record.consent_channel ?? 'all').trim().toLowerCase() || 'all';
  if (!['sms', 'mms', 'all'].includes(channelInput)) return 'consent_channel must be sms, mms or all';
  const consentAt = record.consent_at ? Date.parse(record.consent_at) : now;
  if (Number.isNaN(consentAt)) return `consent_at "${record.consent_at?.slice(0, 40)}" is not a date`;
  const outOfRange = dateProblem('consent_at', consentAt);
  if (outOfRange) return outOfRange;

  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) {
    if (reserved.has(key) || key === '' || value === '') continue;
    const tooLong = textProblem(`the column "${key}"`, value) ?? textProblem('a column name', key);
    if (tooLong) return tooLong;
    attributes[key] = value;
  }
  return {
    phone,
    zone: zoneInput || null,
    mms,
    attributes,
    consent: consentKind ? { kind: consentKind, channel: channelInput as ConsentChannel, source: (record.consent_source ?? 'import').slice(0, 60) || 'import', occurredAt: consentAt } : null,
  };
}

function normalizeMms(value: string): MmsCapability | null {
  if (value === 'true' || value === '1') return 'yes';
  if (value === 'false' || value === '0') return 'no';
  return (mmsCapabilities as readonly string[]).includes(value) ? (value as MmsCapability) : null;
}

function normalizeConsent(value: string): 'opt_in' | 'opt_out' | null {
  if (['opted_in', 'opt_in', 'yes', 'true', 'subscribed', '1'].includes(value)) return 'opt_in';
  if (['opted_out', 'opt_out', 'no', 'false', 'unsubscribed', '0'].includes(value)) return 'opt_out';
  return null;
}

function safeObject(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
