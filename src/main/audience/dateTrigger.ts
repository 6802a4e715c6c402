import type Database from 'better-sqlite3';
import { DateTime } from 'luxon';
import { isLeapYear, parseDay } from '../../shared/audience/dates';
import type { TriggerNodeConfig } from '../../shared/graph/nodes';
import { isValidTimeZone } from '../engine/localTime';

/**
 * date_attribute triggers: "3 days before the birthday at 10:00 in the contact's own zone". The
 * next occurrence per (flow version, contact) is stored and indexed (date_trigger_occurrences),
 * so the scheduler wakes only the due contacts; an attribute change recomputes one contact's row.
 */
export type DateTriggerConfig = Extract<TriggerNodeConfig, { type: 'date_attribute' }>;

export interface Occurrence {
  dueAt: number;
  /** The date being marked (the anniversary, or the date itself), YYYY-MM-DD. */
  occursOn: string;
}

const instantCache = new Map<string, number>();
let yearCache = { zone: '', after: Number.NaN, year: 0 };
function localYear(zone: string, after: number): number {
  if (yearCache.zone !== zone || yearCache.after !== after) yearCache = { zone, after, year: DateTime.fromMillis(after, { zone }).year };
  return yearCache.year;
}
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * The first occurrence strictly after `after`. Yearly dates recur on the same month and day; a
 * 29 February is marked on 28 February in years without one. The send time is local wall-clock
 * time in `zone`: across a DST change 09:00 stays 09:00, a time the clocks skip (02:30 on the
 * spring-forward night) moves forward by the gap, and a time that occurs twice takes the first.
 */
export function nextOccurrence(value: unknown, config: Pick<DateTriggerConfig, 'offsetDays' | 'at' | 'isYearly'>, zone: string, after: number): Occurrence | null {
  if (typeof value !== 'string') return null;
  const date = parseDay(value);
  if (!date) return null;
  const [hour, minute] = config.at.split(':').map(Number) as [number, number];
  const at = (year: number, month: number, day: number): number => {
    // A million contacts share a few zones and 366 days: the calendar work is done once per pair.
    const key = `${zone}|${config.offsetDays}|${config.at}|${year}-${month}-${day}`;
    let instant = instantCache.get(key);
    if (instant === undefined) {
      instant = DateTime.fromObject({ year, month, day }, { zone })
        .plus({ days: config.offsetDays })
        .set({ hour, minute, second: 0, millisecond: 0 })
        .toMillis();
      if (instantCache.size >= 100_000) instantCache.clear();
      instantCache.set(key, instant);
    }
    return instant;
  };
  if (!config.isYearly) {
    const dueAt = at(date.year, date.month, date.day);
    return dueAt > after ? { dueAt, occursOn: value.slice(0, 10) } : null;
  }
  // The offset can move the send into the year before or after the anniversary.
  const startYear = Math.max(date.year, localYear(zone, after) - 1);
  for (let year = startYear; year <= startYear + 3; year++) {
    const day = date.month === 2 && date.day === 29 && !isLeapYear(year) ? 28 : date.day;
    const dueAt = at(year, date.month, day);
    if (dueAt > after) return { dueAt, occursOn: `${pad(year, 4)}-${pad(date.month)}-${pad(day)}` };
  }
  return null;
}

export interface DateTriggerPlan {
  flowVersionId: string;
  config: DateTriggerConfig;
  /** The flow's default zone, for contacts whose zone is unknown. */
  defaultZone: string;
}

const PAGE = 5_000;

/**
 * Store the next occurrence of every contact with the attribute (a flow version going live),
 * a page of contacts at a time so memory stays flat however many there are. Returns the count.
 */
export function scheduleDateTrigger(sqlite: Database.Database, plan: DateTriggerPlan, now: number): number {
  const page = sqlite.prepare(
    `SELECT id, time_zone, json_extract(attributes_json, ?) AS value FROM contacts WHERE id > ? ORDER BY id LIMIT ?`,
  );
  const write = writer(sqlite);
  const path = `$."${plan.config.attribute}"`;
  let lastId = 0;
  let scheduled = 0;
  for (;;) {
    const rows = page.all(path, lastId, PAGE) as Array<{ id: number; time_zone: string | null; value: unknown }>;
    if (rows.length === 0) return scheduled;
    sqlite.transaction(() => {
      for (const row of rows) if (write(plan, row, now)) scheduled++;
    })();
    lastId = (rows[rows.length - 1] as { id: number }).id;
  }
}

/** Recompute the given contacts' occurrences for each live plan (an import or an attribute change). */
export function rescheduleContacts(sqlite: Database.Database, plans: readonly DateTriggerPlan[], contactIds: readonly number[], now: number): void {
  if (plans.length === 0 || contactIds.length === 0) return;
  const read = sqlite.prepare(`SELECT id, time_zone, json_extract(attributes_json, ?) AS value FROM contacts WHERE id IN (SELECT value FROM json_each(?))`);
  const write = writer(sqlite);
  const ids = JSON.stringify(contactIds);
  for (const plan of plans) {
    for (const row of read.all(`$."${plan.config.attribute}"`, ids) as Array<{ id: number; time_zone: string | null; value: unknown }>) write(plan, row, now);
  }
}

function writer(sqlite: Database.Database) {
  const upsert = sqlite.prepare(
    `INSERT INTO date_trigger_occurrences (flow_version_id, contact_id, due_at, occurs_on) VALUES (?, ?, ?, ?)
     ON CONFLICT(flow_version_id, contact_id) DO UPDATE SET due_at = excluded.due_at, occurs_on = excluded.occurs_on`,
  );
  const remove = sqlite.prepare('DELETE FROM date_trigger_occurrences WHERE flow_version_id = ? AND contact_id = ?');
  return (plan: DateTriggerPlan, row: { id: number; time_zone: string | null; value: unknown }, now: number): boolean => {
    const zone = row.time_zone && isValidTimeZone(row.time_zone) ? row.time_zone : plan.defaultZone;
    const next = nextOccurrence(row.value, plan.config, zone, now);
    if (!next) {
      remove.run(plan.flowVersionId, row.id);
      return false;
    }
    upsert.run(plan.flowVersionId, row.id, next.dueAt, next.occursOn);
    return true;
  };
}

export interface DueOccurrence {
  flowVersionId: string;
  contactId: number;
  dueAt: number;
  occursOn: string;
}

/** The occurrences due by `now`, earliest first (served by the due_at index). */
export function dueOccurrences(sqlite: Database.Database, now: number, limit: number): DueOccurrence[] {
  return (
    sqlite
      .prepare('SELECT flow_version_id, contact_id, due_at, occurs_on FROM date_trigger_occurrences WHERE due_at <= ? ORDER BY due_at LIMIT ?')
      .all(now, limit) as Array<{ flow_version_id: string; contact_id: number; due_at: number; occurs_on: string }>
  ).map((r) => ({ flowVersionId: r.flow_version_id, contactId: r.contact_id, dueAt: r.due_at, occursOn: r.occurs_on }));
}

/** When the next occurrence of any contact is due (the scheduler's next wake), or null. */
export function nextOccurrenceDue(sqlite: Database.Database): number | null {
  return (sqlite.prepare('SELECT min(due_at) FROM date_trigger_occurrences').pluck().get() as number | null) ?? null;
}

/** After an occurrence fired: the next one of a yearly date, or none. */
export function advanceOccurrence(sqlite: Database.Database, plan: DateTriggerPlan, contactId: number, firedAt: number): void {
  const row = sqlite.prepare('SELECT id, time_zone, json_extract(attributes_json, ?) AS value FROM contacts WHERE id = ?').get(`$."${plan.config.attribute}"`, contactId) as
    | { id: number; time_zone: string | null; value: unknown }
    | undefined;
  if (row) writer(sqlite)(plan, row, firedAt);
}

/** A flow version leaving (paused, archived, replaced): its occurrences go with it. */
export function dropDateTrigger(sqlite: Database.Database, flowVersionId: string): void {
  sqlite.prepare('DELETE FROM date_trigger_occurrences WHERE flow_version_id = ?').run(flowVersionId);
}
