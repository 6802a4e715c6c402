import type Database from 'better-sqlite3';
import { parseJsonObject } from '../../shared/json';
import { matchesFilters } from '../../shared/audience/compare';
import { compileSegment, PROPERTIES_MATCH_FUNCTION, type CompileMode } from '../../shared/audience/compile';
import { eventNamesOf, readsClicks, type ContactFacts } from '../../shared/audience/evaluate';
import { PropertyFilter } from '../../shared/graph/nodes';
import { AttributeType, SegmentDefinition, type SegmentCatalog } from '../../shared/audience/segment';
import { z } from 'zod';

/**
 * Segments against the database: the catalog rules are checked with, the SQL function event
 * property filters call, counts, samples, members among given contacts, and one contact's facts
 * for the pure evaluator.
 */

const withFunctions = new WeakSet<Database.Database>();
const filtersCache = new Map<string, PropertyFilter[]>();
const Filters = z.array(PropertyFilter);

/** Registers postcard_properties_match on a connection once (the same comparison branches use). */
export function ensureSegmentFunctions(sqlite: Database.Database): void {
  if (withFunctions.has(sqlite)) return;
  sqlite.function(PROPERTIES_MATCH_FUNCTION, { deterministic: true }, (propertiesJson: unknown, filtersJson: unknown) => {
    if (typeof propertiesJson !== 'string' || typeof filtersJson !== 'string') return 0;
    let filters = filtersCache.get(filtersJson);
    if (!filters) {
      filters = Filters.parse(JSON.parse(filtersJson));
      if (filtersCache.size > 200) filtersCache.clear();
      filtersCache.set(filtersJson, filters);
    }
    return matchesFilters(parseJsonObject(propertiesJson), filters) ? 1 : 0;
  });
  withFunctions.add(sqlite);
}


export function loadCatalog(sqlite: Database.Database): SegmentCatalog {
  const attributes: Record<string, AttributeType> = {};
  for (const row of sqlite.prepare('SELECT name, type FROM contact_attributes').all() as Array<{ name: string; type: string }>) {
    const type = AttributeType.safeParse(row.type);
    attributes[row.name] = type.success ? type.data : 'text';
  }
  const categories: Record<string, { isDefaultSubscribed: boolean }> = {};
  for (const row of sqlite.prepare('SELECT id, is_default_subscribed FROM subscription_categories WHERE archived_at IS NULL').all() as Array<{
    id: string;
    is_default_subscribed: number;
  }>) {
    categories[row.id] = { isDefaultSubscribed: row.is_default_subscribed === 1 };
  }
  return { attributes, categories };
}

/** A definition as a condition on `contacts c`, with the SQL functions it calls registered: what counts, samples and the contact list filter by. */
export function compiled(sqlite: Database.Database, definition: SegmentDefinition, catalog: SegmentCatalog, now: number, mode: CompileMode) {
  ensureSegmentFunctions(sqlite);
  return compileSegment(definition, catalog, now, mode);
}

export function countSegment(sqlite: Database.Database, definition: SegmentDefinition, catalog: SegmentCatalog, now: number): number {
  const { where, params } = compiled(sqlite, definition, catalog, now, 'population');
  return sqlite.prepare(`SELECT count(*) FROM contacts c WHERE ${where}`).pluck().get(...params) as number;
}

/** How many of the segment's contacts live in each time zone (contacts without one count under `fallbackZone`), largest first. */
export function countSegmentByTimeZone(
  sqlite: Database.Database,
  definition: SegmentDefinition,
  catalog: SegmentCatalog,
  now: number,
  fallbackZone: string,
): Array<{ timeZone: string; contacts: number }> {
  const { where, params } = compiled(sqlite, definition, catalog, now, 'population');
  return sqlite
    .prepare(`SELECT coalesce(c.time_zone, ?) AS timeZone, count(*) AS contacts FROM contacts c WHERE ${where} GROUP BY 1 ORDER BY 2 DESC, 1`)
    .all(fallbackZone, ...params) as Array<{ timeZone: string; contacts: number }>;
}

export interface SegmentSampleRow {
  id: number;
  phone: string;
  timeZone: string | null;
  attributes: Record<string, unknown>;
}

export function sampleSegment(sqlite: Database.Database, definition: SegmentDefinition, catalog: SegmentCatalog, now: number, limit: number): SegmentSampleRow[] {
  const { where, params } = compiled(sqlite, definition, catalog, now, 'population');
  const rows = sqlite
    .prepare(`SELECT c.id, c.phone, c.time_zone, c.attributes_json FROM contacts c WHERE ${where} ORDER BY c.id LIMIT ?`)
    .all(...params, limit) as Array<{ id: number; phone: string; time_zone: string | null; attributes_json: string }>;
  return rows.map((r) => ({ id: r.id, phone: r.phone, timeZone: r.time_zone, attributes: parseJsonObject(r.attributes_json) }));
}

/** Every matching contact id, in id order, read in pages so a million members never sit in one array. */
export function* segmentMemberIds(sqlite: Database.Database, definition: SegmentDefinition, catalog: SegmentCatalog, now: number): Generator<number> {
  const { where, params } = compiled(sqlite, definition, catalog, now, 'population');
  yield* sqlite.prepare(`SELECT c.id FROM contacts c WHERE ${where}`).pluck().iterate(...params) as Iterable<number>;
}

/** Which of the given contacts match, asked per contact (incremental evaluation of a few). */
export function membersAmong(sqlite: Database.Database, definition: SegmentDefinition, catalog: SegmentCatalog, contactIds: readonly number[], now: number): Set<number> {
  const { where, params } = compiled(sqlite, definition, catalog, now, 'contacts');
  const ids = sqlite
    .prepare(`SELECT c.id FROM contacts c WHERE c.id IN (SELECT value FROM json_each(?)) AND ${where}`)
    .pluck()
    .all(JSON.stringify(contactIds), ...params) as number[];
  return new Set(ids);
}

/** What the pure evaluator needs to know about each contact for this segment. */
export function loadContactFacts(sqlite: Database.Database, definition: SegmentDefinition, contactIds: readonly number[]): Map<number, ContactFacts> {
  const idsJson = JSON.stringify(contactIds);
  type Mutable = ContactFacts & { events: ContactFacts['events'][number][]; messagesAccepted: number[]; clicks: number[]; consent: ContactFacts['consent'][number][] };
  const facts = new Map<number, Mutable>();
  const contacts = sqlite
    .prepare(`SELECT id, phone, time_zone, mms_capable, paused_until, attributes_json FROM contacts WHERE id IN (SELECT value FROM json_each(?))`)
    .all(idsJson) as Array<{ id: number; phone: string; time_zone: string | null; mms_capable: string; paused_until: number | null; attributes_json: string }>;
  for (const c of contacts) {
    facts.set(c.id, {
      id: c.id,
      phone: c.phone,
      timeZone: c.time_zone,
      mmsCapable: c.mms_capable,
      pausedUntil: c.paused_until,
      attributes: parseJsonObject(c.attributes_json),
      events: [],
      messagesAccepted: [],
      clicks: [],
      consent: [],
    });
  }
  const names = eventNamesOf(definition);
  if (names.length > 0) {
    const events = sqlite
      .prepare(
        `SELECT contact_id, name, properties_json, occurred_at FROM events
         WHERE contact_id IN (SELECT value FROM json_each(?)) AND name IN (SELECT value FROM json_each(?))`,
      )
      .all(idsJson, JSON.stringify(names)) as Array<{ contact_id: number; name: string; properties_json: string; occurred_at: number }>;
    for (const e of events) {
      facts.get(e.contact_id)?.events.push({ name: e.name, occurredAt: e.occurred_at, properties: parseJsonObject(e.properties_json) });
    }
  }
  const accepted = sqlite
    .prepare(
      `SELECT contact_id, accepted_at FROM messages WHERE contact_id IN (SELECT value FROM json_each(?)) AND purpose = 'marketing' AND accepted_at IS NOT NULL`,
    )
    .all(idsJson) as Array<{ contact_id: number; accepted_at: number }>;
  for (const m of accepted) facts.get(m.contact_id)?.messagesAccepted.push(m.accepted_at);
  if (readsClicks(definition)) {
    const clicks = sqlite
      .prepare(`SELECT contact_id, occurred_at FROM clicks WHERE contact_id IN (SELECT value FROM json_each(?)) AND is_bot = 0`)
      .all(idsJson) as Array<{ contact_id: number; occurred_at: number }>;
    for (const k of clicks) facts.get(k.contact_id)?.clicks.push(k.occurred_at);
  }
  const consent = sqlite
    .prepare(`SELECT id, contact_id, kind, channel, category, occurred_at FROM consent_events WHERE contact_id IN (SELECT value FROM json_each(?))`)
    .all(idsJson) as Array<{ id: number; contact_id: number; kind: string; channel: string; category: string | null; occurred_at: number }>;
  for (const r of consent) {
    facts.get(r.contact_id)?.consent.push({
      id: r.id,
      kind: r.kind,
      channel: r.channel,
      category: r.category,
      occurredAt: r.occurred_at,
    });
  }
  return facts;
}

/**
 * A branch's segment condition for one contact: the segment version the flow version was
 * published with (recorded at publish), else the segment's latest; false when no such segment.
 */
export function isInSegment(sqlite: Database.Database, contactId: number, segment: string, flowVersionId: string, now: number): boolean {
  const row = (sqlite
    .prepare(
      `SELECT sv.definition_json FROM segment_versions sv JOIN segments s ON s.id = sv.segment_id
       LEFT JOIN flow_version_segments u ON u.segment_version_id = sv.id AND u.flow_version_id = ?
       WHERE s.id = ? OR s.name = ? ORDER BY u.flow_version_id IS NULL, sv.version DESC LIMIT 1`,
    )
    .get(flowVersionId, segment, segment) as { definition_json: string } | undefined);
  if (!row) return false;
  const definition = SegmentDefinition.parse(JSON.parse(row.definition_json));
  return membersAmong(sqlite, definition, loadCatalog(sqlite), [contactId], now).has(contactId);
}
