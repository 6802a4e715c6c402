import type Database from 'better-sqlite3';
import { DateTime } from 'luxon';
import { PostcardError } from '../../shared/api/result';
import { isValidTimeZone } from '../engine/localTime';

/**
 * "Enroll a segment at a chosen local time" (a scheduled broadcast): each contact enters the flow
 * at that date and time in their own zone (contacts without one: the workspace default). One
 * row per contact in scheduled_enrollments, indexed by due time, so the scheduler reads only the
 * due rows; the rows are in the database, so a restart loses none.
 */
export interface EnrollAt {
  /** YYYY-MM-DD, the local date. */
  date: string;
  /** HH:MM, 24-hour local time. */
  time: string;
}

export interface ScheduledSummary {
  scheduled: number;
  /** The first and last moment (ISO, UTC) contacts will enter: the spread across their zones. */
  firstAt: string | null;
  lastAt: string | null;
}

const PAGE = 5_000;

/**
 * The instant of a local date and time in a zone. Across a DST change 10:00 stays 10:00 local; a
 * time the clocks skip (02:30 on the spring-forward night) moves forward by the gap, and one that
 * occurs twice (the fall-back hour) takes the first, as the date triggers do.
 */
export function localInstant(at: EnrollAt, zone: string): number {
  const [year, month, day] = at.date.split('-').map(Number) as [number, number, number];
  const [hour, minute] = at.time.split(':').map(Number) as [number, number];
  const local = DateTime.fromObject({ year, month, day, hour, minute }, { zone });
  if (!local.isValid || local.day !== day) throw new PostcardError('INVALID_INPUT', `"${at.date}" is not a date on the calendar`);
  return local.toMillis();
}

/**
 * Stores one due entry per contact, in pages so a million contacts never sit in one array, in one
 * transaction (all or nothing). Refused when the moment has already passed in every zone the
 * contacts live in; where it has passed in some zones only, those contacts enter at the next tick.
 */
export function scheduleEnrollments(
  sqlite: Database.Database,
  flowId: string,
  contactIds: Iterable<number>,
  at: EnrollAt,
  defaultZone: string,
  now: number,
): ScheduledSummary {
  const zone = isValidTimeZone(defaultZone) ? defaultZone : 'UTC';
  const dueByZone = new Map<string, number>();
  const dueIn = (contactZone: string | null): number => {
    const key = contactZone && isValidTimeZone(contactZone) ? contactZone : zone;
    let due = dueByZone.get(key);
    if (due === undefined) {
      due = localInstant(at, key);
      dueByZone.set(key, due);
    }
    return due;
  };
  const zoneOf = sqlite.prepare('SELECT id, time_zone FROM contacts WHERE id IN (SELECT value FROM json_each(?))');
  const insert = sqlite.prepare('INSERT INTO scheduled_enrollments (flow_id, contact_id, due_at, local_time, created_at) VALUES (?, ?, ?, ?, ?)');
  const localTime = `${at.date} ${at.time}`;
  let scheduled = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  sqlite.transaction(() => {
    let page: number[] = [];
    const flush = (): void => {
      for (const row of zoneOf.all(JSON.stringify(page)) as Array<{ id: number; time_zone: string | null }>) {
        const due = dueIn(row.time_zone);
        insert.run(flowId, row.id, due, localTime, now);
        scheduled++;
        first = Math.min(first, due);
        last = Math.max(last, due);
      }
      page = [];
    };
    for (const id of contactIds) {
      page.push(id);
      if (page.length >= PAGE) flush();
    }
    if (page.length > 0) flush();
    if (scheduled > 0 && last <= now) {
      throw new PostcardError('INVALID_INPUT', `${at.date} ${at.time} has already passed in every contact's time zone: choose a later time`);
    }
  })();
  return { scheduled, firstAt: scheduled ? new Date(first).toISOString() : null, lastAt: scheduled ? new Date(last).toISOString() : null };
}

/** Also validates the chosen moment (a date that does not exist is refused) before a count is shown. */
export function checkEnrollAt(at: EnrollAt, defaultZone: string): void {
  localInstant(at, isValidTimeZone(defaultZone) ? defaultZone : 'UTC');
}

export interface DueEnrollment {
  id: number;
  flow_id: string;
  contact_id: number;
  due_at: number;
}

export function dueScheduledEnrollments(sqlite: Database.Database, now: number, limit: number): DueEnrollment[] {
  return sqlite.prepare('SELECT id, flow_id, contact_id, due_at FROM scheduled_enrollments WHERE due_at <= ? ORDER BY due_at, id LIMIT ?').all(now, limit) as DueEnrollment[];
}

export function nextScheduledEnrollmentDue(sqlite: Database.Database): number | null {
  return (sqlite.prepare('SELECT min(due_at) FROM scheduled_enrollments').pluck().get() as number | null) ?? null;
}

export function deleteScheduledEnrollment(sqlite: Database.Database, id: number): void {
  sqlite.prepare('DELETE FROM scheduled_enrollments WHERE id = ?').run(id);
}

/** How many entries are still waiting for a flow (the enroll dialog and the report say it). */
export function pendingScheduledEnrollments(sqlite: Database.Database, flowId: string): number {
  return sqlite.prepare('SELECT count(*) FROM scheduled_enrollments WHERE flow_id = ?').pluck().get(flowId) as number;
}
