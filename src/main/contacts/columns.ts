import type Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { contactFields, headerKey, type ColumnMapping, type ContactField, type ImportColumn } from '../../shared/api/engine';
import { PostcardError } from '../../shared/api/result';
import { inferAttributeType } from '../../shared/audience/attributes';
import { AttributeName, type AttributeType } from '../../shared/audience/segment';
import { loadCatalog } from '../audience/segmentSql';

/**
 * The column-mapping step of a contacts import: the file's header row, a guess for each column
 * (a contact field by its usual names, a declared attribute with its type, or a new attribute
 * typed by its values), and the check of a mapping the user chose. The import without a mapping
 * (the CLI) takes the guesses, so both read a file the same way.
 */

/** Header spellings each field is recognised by, after `headerKey`. */
const fieldAliases: Record<ContactField, readonly string[]> = {
  phone: ['phone', 'phone_number', 'mobile', 'mobile_number', 'mobile_phone', 'cell', 'cell_phone', 'msisdn', 'telephone', 'tel', 'e164'],
  time_zone: ['time_zone', 'timezone', 'tz'],
  mms_capable: ['mms_capable', 'mms'],
  consent: ['consent', 'sms_consent', 'consent_status', 'marketing_consent', 'opted_in', 'opt_in'],
  consent_channel: ['consent_channel'],
  consent_source: ['consent_source', 'opt_in_source'],
  consent_at: ['consent_at', 'consented_at', 'consent_date', 'consent_time', 'consent_timestamp', 'opt_in_date', 'opted_in_at'],
};

/**
 * Rows of a CSV text as arrays of fields, the header row first; a file that cannot be read is
 * refused whole. An apostrophe before = + - @ is a spreadsheet's "this is text" mark (Postcard's
 * own CSV downloads add it, so no cell runs as a formula): the value is what follows, so a file
 * of refused rows, fixed, imports as it is.
 */
export function readCsv(csv: string): string[][] {
  try {
    const rows = parse(csv, { skip_empty_lines: true, trim: true, bom: true, relax_column_count: true }) as string[][];
    for (const row of rows) for (let i = 0; i < row.length; i++) if (/^'[=+\-@]/.test(row[i] as string)) row[i] = (row[i] as string).slice(1);
    return rows;
  } catch (error) {
    throw new PostcardError('INVALID_INPUT', `the CSV cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const SAMPLES = 3;

/** Each column with its first values and what it would become. */
export function guessColumns(sqlite: Database.Database, header: readonly string[], rows: ReadonlyArray<readonly string[]>): ImportColumn[] {
  const declared = loadCatalog(sqlite).attributes;
  const takenFields = new Set<ContactField>();
  const takenNames = new Set<string>();
  return header.map((raw, index) => {
    const values = rows.map((row) => row[index] ?? '');
    const samples = values.filter((v) => v !== '').slice(0, SAMPLES);
    const key = headerKey(raw);
    const field = contactFields.find((f) => !takenFields.has(f) && fieldAliases[f].includes(key));
    if (field) {
      takenFields.add(field);
      return { header: raw, samples, guess: { as: 'field', field }, isDeclared: false };
    }
    const name = declared[raw.trim()] ? raw.trim() : key;
    if (name === '' || takenNames.has(name) || !AttributeName.safeParse(name).success) return { header: raw, samples, guess: { as: 'ignore' }, isDeclared: false };
    takenNames.add(name);
    const type: AttributeType = declared[name] ?? inferAttributeType(values);
    return { header: raw, samples, guess: { as: 'attribute', name, type }, isDeclared: declared[name] !== undefined };
  });
}

/**
 * A mapping checked against the file and the catalog: one per column, a phone column, no field
 * twice, no attribute twice, a declared attribute keeping its type. Returns the attributes to
 * declare (new names with the chosen type).
 */
export function checkMapping(sqlite: Database.Database, header: readonly string[], mapping: readonly ColumnMapping[]): Array<{ name: string; type: AttributeType }> {
  if (mapping.length !== header.length) {
    throw new PostcardError('INVALID_INPUT', `the mapping names ${mapping.length} columns but the file has ${header.length}: choose again for this file`);
  }
  const declared = loadCatalog(sqlite).attributes;
  const fields = new Map<ContactField, string>();
  const names = new Map<string, string>();
  const toDeclare: Array<{ name: string; type: AttributeType }> = [];
  mapping.forEach((column, index) => {
    const label = `"${header[index] ?? ''}"`;
    if (column.as === 'field') {
      const other = fields.get(column.field);
      if (other) throw new PostcardError('INVALID_INPUT', `the columns ${other} and ${label} are both mapped to ${column.field}: choose one`);
      fields.set(column.field, label);
    } else if (column.as === 'attribute') {
      const other = names.get(column.name);
      if (other) throw new PostcardError('INVALID_INPUT', `the columns ${other} and ${label} are both mapped to the attribute "${column.name}": choose one`);
      names.set(column.name, label);
      const type = declared[column.name];
      if (type && type !== column.type) {
        throw new PostcardError('INVALID_INPUT', `the attribute "${column.name}" is a ${type} attribute; the column ${label} cannot fill it as ${column.type}`);
      }
      if (!type) toDeclare.push({ name: column.name, type: column.type });
    }
  });
  if (!fields.has('phone')) throw new PostcardError('INVALID_INPUT', 'the CSV needs a "phone" column: map one column to phone');
  return toDeclare;
}
