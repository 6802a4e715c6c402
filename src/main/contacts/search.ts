import type Database from 'better-sqlite3';
import type { ContactsSearchResult } from '../../shared/api/engine';
import { mmsCapabilities, type MmsCapability } from '../../shared/engine/types';
import { parseJsonObject } from '../../shared/json';
import { compiled, loadCatalog } from '../audience/segmentSql';
import { SegmentService } from '../audience/segments';

/**
 * Which contacts the Contacts page shows, and which a bulk action over "everyone matching"
 * touches: the same two conditions for both. The text condition: digits in the query match
 * anywhere in the E.164 number (so "(212) 555-01" finds +1212555015x); words match attribute
 * text (a first name, a customer id). The segment condition is the segment's latest version
 * compiled exactly as its live count is (segmentSql.ts), not a second filter.
 */
export interface ContactFilter {
  query: string;
  /** A saved segment: only its members now. */
  segmentId?: string | undefined;
}

interface Condition {
  sql: string;
  params: Array<string | number>;
}

const always: Condition = { sql: '1', params: [] };

function textCondition(query: string): Condition {
  const digits = query.replace(/\D/g, '');
  const words = query.replace(/[\d\s()+.-]/g, '').length > 0 ? query.trim() : '';
  const like = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  if (words) return { sql: `(c.attributes_json LIKE ? ESCAPE '\\' OR c.phone LIKE ? ESCAPE '\\')`, params: [like(words), like(words)] };
  if (digits.length > 0) return { sql: `c.phone LIKE ? ESCAPE '\\'`, params: [like(digits)] };
  return always;
}

function segmentCondition(sqlite: Database.Database, segmentId: string | undefined, now: number): Condition {
  if (segmentId === undefined) return always;
  const { definition } = new SegmentService(sqlite, () => now).latestVersion(segmentId);
  const { where, params } = compiled(sqlite, definition, loadCatalog(sqlite), now, 'population');
  return { sql: where, params };
}

const both = (a: Condition, b: Condition): Condition => ({ sql: `${a.sql} AND ${b.sql}`, params: [...a.params, ...b.params] });

/** The filter as one condition on `contacts c`. */
export function contactFilterSql(sqlite: Database.Database, filter: ContactFilter, now: number): Condition {
  return both(segmentCondition(sqlite, filter.segmentId, now), textCondition(filter.query));
}

/**
 * A page of contacts, newest first. `matched` counts the query within the segment; `total` is the
 * segment's size (every contact without one), what "n of total match" is said against.
 */
export function searchContacts(sqlite: Database.Database, filter: ContactFilter, limit: number, offset: number, now: number): ContactsSearchResult {
  const segment = segmentCondition(sqlite, filter.segmentId, now);
  const text = textCondition(filter.query);
  const { sql: where, params } = both(segment, text);
  const rows = sqlite
    .prepare(`SELECT c.id, c.phone, c.time_zone, c.mms_capable, c.attributes_json, c.created_at FROM contacts c WHERE ${where} ORDER BY c.created_at DESC, c.id DESC LIMIT ? OFFSET ?`)
    .all(...params, limit, offset) as Array<{ id: number; phone: string; time_zone: string | null; mms_capable: string; attributes_json: string; created_at: number }>;
  const count = (condition: string, values: Array<string | number>): number =>
    Number(sqlite.prepare(`SELECT count(*) FROM contacts c WHERE ${condition}`).pluck().get(...values) ?? 0);
  const matched = count(where, params);
  const total = text === always ? matched : count(segment.sql, segment.params);
  return {
    contacts: rows.map((row) => ({
      id: row.id,
      phone: row.phone,
      timeZone: row.time_zone,
      mmsCapable: (mmsCapabilities as readonly string[]).includes(row.mms_capable) ? (row.mms_capable as MmsCapability) : 'unknown',
      attributes: parseJsonObject(row.attributes_json),
      createdAt: new Date(row.created_at).toISOString(),
    })),
    matched,
    offset,
    total,
  };
}
