import type Database from 'better-sqlite3';
import { ConsentSource, consentSources } from '../../shared/api/audience';
import { MAX_REFUSED_ROWS, headerKey, type ColumnMapping, type ContactField, type ContactsImportResult, type ImportProblem } from '../../shared/api/engine';
import { mmsCapabilities, type ConsentChannel, type MmsCapability } from '../../shared/engine/types';
import { CounterBuffer, prepareStatements, recordConsent } from '../engine/store';
import { isValidTimeZone } from '../engine/localTime';
import { writeInChunks } from '../services/chunks';
import { dateProblem, textProblem } from '../services/untrusted';
import { convertAttribute } from '../../shared/audience/attributes';
import type { AttributeType } from '../../shared/audience/segment';
import { parseJsonObject } from '../../shared/json';
import { checkMapping, guessColumns, readCsv } from './columns';
import { inferTimeZone, normalizePhone } from './timeZone';
import { syncAttributeIndexes } from '../audience/attributeIndexes';

/**
 * CSV contact import: one row per contact. Each column is a contact field (phone required;
 * time_zone, mms_capable, consent, consent_channel, consent_source, consent_at), an attribute of
 * a type, or ignored — as the user mapped it (columns.ts), or as guessed when no mapping is given.
 * New attributes are declared in the catalog with their type; a value that does not fit its type
 * refuses its row. Existing phones are updated with the columns the file carries (attributes
 * merged; a zone, capability or attribute the file leaves out stays).
 *
 * Consent rows go into the ledger with their source and time. Two rows for one number: the later
 * consent_at wins (the ledger's latest record is the state); opposite states at the same time on
 * overlapping channels, in the file or against the ledger, are refused, both rows, with the
 * reason; the same record twice is written once (importing a file again adds nothing).
 *
 * Bad rows, and rows past the intake limits (untrusted.ts), are refused with their line and
 * reason and handed back whole for download; the good rows are written in chunks (chunks.ts),
 * each row whole in one, with progress after each commit.
 */
const MAX_PROBLEMS = 100;

export interface ImportOptions {
  /** One per column; without it, the guesses (columns.ts). */
  mapping?: readonly ColumnMapping[] | undefined;
  /** Named in the consent records' detail. */
  fileName?: string | undefined;
  /** Rows of the whole file before this text's first (the renderer sends a large file in parts). */
  rowsBefore?: number;
  /** After each committed chunk: rows of this text read so far (written or refused). */
  onProgress?: (rowsDone: number) => void;
}

interface ContactRecord {
  phone: string;
  zone: string | null;
  mms: MmsCapability | null;
  attributes: Record<string, unknown>;
  consent: { kind: 'opt_in' | 'opt_out'; channel: ConsentChannel; source: ConsentSource; occurredAt: number; isRepeat: boolean } | null;
}

type Row = ContactRecord & { line: number; values: string[] };

export async function importContactsCsv(sqlite: Database.Database, csv: string, now: number, options: ImportOptions = {}): Promise<ContactsImportResult> {
  const [header = [], ...records] = readCsv(csv);
  const rowsBefore = options.rowsBefore ?? 0;
  const mapping = options.mapping ?? guessColumns(sqlite, header, records).map((c) => c.guess);
  const toDeclare = checkMapping(sqlite, header, mapping);
  const declare = sqlite.prepare('INSERT OR IGNORE INTO contact_attributes (name, type, created_at) VALUES (?, ?, ?)');
  for (const { name, type } of toDeclare) declare.run(name, type, now);
  if (toDeclare.length > 0) syncAttributeIndexes(sqlite);

  const problems: ImportProblem[] = [];
  const refused: ContactsImportResult['refused'] = [];
  const refuse = (line: number, message: string, values: string[]): void => {
    if (problems.length < MAX_PROBLEMS) problems.push({ line, message });
    if (refused.length < MAX_REFUSED_ROWS) refused.push({ line, message, values });
  };
  const rows: Row[] = [];
  records.forEach((values, index) => {
    const line = rowsBefore + index + 2;
    const row = values.length > header.length ? `the row has ${values.length} values but the header names ${header.length} columns` : readRecord(values, mapping, now);
    if (typeof row === 'string') refuse(line, row, values);
    else rows.push({ line, values, ...row });
  });
  const conflicts = consentConflicts(sqlite, rows);
  const accepted = rows.filter((row) => {
    const conflict = conflicts.get(row.line);
    if (conflict) refuse(row.line, conflict, row.values);
    return !conflict;
  });
  refused.sort((a, b) => a.line - b.line);
  problems.sort((a, b) => a.line - b.line);

  const statements = prepareStatements(sqlite);
  const find = sqlite.prepare('SELECT id, attributes_json, time_zone FROM contacts WHERE phone = ?');
  const insert = sqlite.prepare(
    `INSERT INTO contacts (phone, time_zone, time_zone_source, attributes_json, mms_capable, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const update = sqlite.prepare(
    `UPDATE contacts SET time_zone = coalesce(?, time_zone), time_zone_source = coalesce(?, time_zone_source), attributes_json = ?,
       mms_capable = coalesce(?, mms_capable), updated_at = ? WHERE id = ?`,
  );
  const detail = sqlite.prepare('UPDATE consent_events SET detail = ? WHERE id = last_insert_rowid()');
  let created = 0;
  let updated = 0;
  let consentRecords = 0;
  let lastLine = rowsBefore + 1;
  const stored = { created: 0, updated: 0 };
  const counters = new CounterBuffer();
  await writeInChunks(
    sqlite,
    accepted,
    ({ phone, zone, mms, attributes, consent, line }) => {
      lastLine = line;
      const existing = find.get(phone) as { id: number; attributes_json: string; time_zone: string | null } | undefined;
      // A zone is guessed from the number only for a contact that has none: a file without a
      // time_zone value never replaces the zone a contact gave (or an earlier guess).
      const inferred = zone || (existing && existing.time_zone !== null) ? null : inferTimeZone(phone);
      let contactId: number;
      if (existing) {
        const merged = { ...parseJsonObject(existing.attributes_json), ...attributes };
        update.run(zone ?? inferred, zone ? 'contact' : inferred ? 'inferred' : null, JSON.stringify(merged), mms, now, existing.id);
        contactId = existing.id;
        updated++;
      } else {
        const result = insert.run(phone, zone ?? inferred, zone ? 'contact' : inferred ? 'inferred' : null, JSON.stringify(attributes), mms ?? 'unknown', now, now);
        contactId = Number(result.lastInsertRowid);
        created++;
      }
      if (consent && !consent.isRepeat) {
        recordConsent(statements, counters, { contactId, kind: consent.kind, channel: consent.channel, source: consent.source, keyword: null, occurredAt: consent.occurredAt }, now);
        // recordConsent's insert is the last one on this connection (an opt-out it applies only updates).
        detail.run(`imported${options.fileName ? ` from ${options.fileName.slice(0, 200)}` : ''}, line ${line}`);
        consentRecords++;
      }
    },
    {
      lineOf: (index) => accepted[index]?.line ?? 0,
      beforeCommit: () => counters.flush(statements),
      afterCommit: () => {
        Object.assign(stored, { created, updated });
        options.onProgress?.(lastLine - rowsBefore - 1);
      },
      describeStored: () => `${stored.created.toLocaleString('en-US')} contacts added, ${stored.updated.toLocaleString('en-US')} updated`,
      advice: 'import the file again to finish (contacts already in are updated, not doubled)',
    },
  );
  options.onProgress?.(records.length);
  return { created, updated, consentRecords, skipped: records.length - created - updated, problems, columns: header, refused };
}

/** One row as a contact to write, or why it is refused. */
function readRecord(values: readonly string[], mapping: readonly ColumnMapping[], now: number): ContactRecord | string {
  const field: Partial<Record<ContactField, string>> = {};
  const attributes: Record<string, unknown> = {};
  for (const [index, column] of mapping.entries()) {
    const value = values[index] ?? '';
    if (column.as === 'field') field[column.field] = value;
    if (column.as !== 'attribute' || value === '') continue;
    const tooLong = textProblem(`the column "${column.name}"`, value);
    if (tooLong) return tooLong;
    const converted = convertAttribute(column.name, column.type as AttributeType, value);
    if ('error' in converted) return converted.error;
    attributes[column.name] = converted.value;
  }
  const phone = normalizePhone(field.phone ?? '');
  if (!phone) return field.phone ? `"${field.phone.slice(0, 40)}" is not a phone number` : 'the phone number is missing';
  const zoneInput = field.time_zone ?? '';
  if (zoneInput && !isValidTimeZone(zoneInput)) return `"${zoneInput.slice(0, 64)}" is not an IANA time zone`;
  const mmsInput = (field.mms_capable ?? '').toLowerCase();
  const mms = mmsInput ? normalizeMms(mmsInput) : null;
  if (mmsInput && !mms) return `mms_capable must be yes, no or unknown`;
  const consentInput = (field.consent ?? '').toLowerCase();
  const consentKind = consentInput ? normalizeConsent(consentInput) : null;
  if (consentInput && !consentKind) return `consent "${consentInput.slice(0, 40)}" must be opted_in or opted_out`;
  const channelInput = (field.consent_channel ?? '').toLowerCase() || 'all';
  if (!['sms', 'mms', 'all'].includes(channelInput)) return 'consent_channel must be sms, mms or all';
  const consentAt = field.consent_at ? Date.parse(field.consent_at) : now;
  if (Number.isNaN(consentAt)) return `consent_at "${field.consent_at?.slice(0, 40)}" is not a date`;
  const outOfRange = dateProblem('consent_at', consentAt);
  if (outOfRange) return outOfRange;
  const source = field.consent_source ? normalizeSource(field.consent_source) : 'import';
  if (!source) return `consent_source "${field.consent_source?.slice(0, 40)}" must be one of ${consentSources.join(', ')}`;
  return {
    phone,
    zone: zoneInput || null,
    mms,
    attributes,
    consent: consentKind ? { kind: consentKind, channel: channelInput as ConsentChannel, source, occurredAt: consentAt, isRepeat: false } : null,
  };
}

const overlaps = (a: string, b: string): boolean => a === b || a === 'all' || b === 'all';
const stateWord = (kind: string): string => (kind === 'opt_in' ? 'opted_in' : 'opted_out');

/**
 * Rows whose consent contradicts another at the same instant (in the file, or a ledger record),
 * by line, with the reason. A record the ledger or an earlier row already holds is marked a
 * repeat, written once.
 */
function consentConflicts(sqlite: Database.Database, rows: Row[]): Map<number, string> {
  const conflicts = new Map<number, string>();
  const ledger = sqlite.prepare(
    `SELECT ce.kind, ce.channel FROM consent_events ce JOIN contacts c ON c.id = ce.contact_id
     WHERE c.phone = ? AND ce.occurred_at = ? AND ce.kind IN ('opt_in', 'opt_out')`,
  );
  const seen = new Map<string, Row[]>();
  for (const row of rows) {
    const consent = row.consent;
    if (!consent) continue;
    const at = new Date(consent.occurredAt).toISOString();
    const key = `${row.phone}|${consent.occurredAt}`;
    const earlier = seen.get(key) ?? [];
    for (const other of earlier) {
      const theirs = other.consent;
      if (!theirs || !overlaps(theirs.channel, consent.channel)) continue;
      if (theirs.kind === consent.kind) {
        if (theirs.channel === consent.channel) consent.isRepeat = true;
        continue;
      }
      const reason = (line: number, said: string, says: string): string =>
        `line ${line} says ${stateWord(said)} and this row ${stateWord(says)} for ${row.phone}, both at ${at}: give them different consent_at times, or keep one`;
      conflicts.set(row.line, reason(other.line, theirs.kind, consent.kind));
      if (!conflicts.has(other.line)) conflicts.set(other.line, reason(row.line, consent.kind, theirs.kind));
    }
    earlier.push(row);
    seen.set(key, earlier);
    if (conflicts.has(row.line) || consent.isRepeat) continue;
    for (const record of ledger.all(row.phone, consent.occurredAt) as Array<{ kind: string; channel: string }>) {
      if (!overlaps(record.channel, consent.channel)) continue;
      if (record.kind === consent.kind) {
        if (record.channel === consent.channel) consent.isRepeat = true;
      } else {
        conflicts.set(row.line, `the consent history of ${row.phone} already says ${stateWord(record.kind)} at ${at}; this row says ${stateWord(consent.kind)} at the same time: give it a different consent_at`);
      }
    }
  }
  return conflicts;
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

/** "Web form", "web-form" and "webform" are web_form; a file or a CSV is an import. */
function normalizeSource(value: string): ConsentSource | null {
  const key = headerKey(value);
  const aliases: Record<string, ConsentSource> = { webform: 'web_form', form: 'web_form', csv: 'import', file: 'import', sms_keyword: 'keyword' };
  const parsed = ConsentSource.safeParse(aliases[key] ?? key);
  return parsed.success ? parsed.data : null;
}
