import { DateTime, IANAZone } from 'luxon';
import type { QuietHours } from '../../shared/flow/settings';
import type { Weekday } from '../../shared/graph/nodes';

/**
 * Local-time arithmetic for quiet hours and wait windows, in the recipient's zone. luxon does
 * the calendar work (DST gaps and folds); the hot checks read a cached UTC offset because a
 * drain asks the same few zones the same question millions of times.
 */

const QUARTER_HOUR = 15 * 60_000;
const offsetCache = new Map<string, number>();
const zoneCache = new Map<string, IANAZone | null>();

function zoneOf(name: string): IANAZone | null {
  let zone = zoneCache.get(name);
  if (zone === undefined) {
    const candidate = IANAZone.create(name);
    zone = candidate.isValid ? candidate : null;
    zoneCache.set(name, zone);
  }
  return zone;
}

export function isValidTimeZone(name: string): boolean {
  return zoneOf(name) !== null;
}

/** UTC offset in minutes at `ts`. Offsets change only on quarter hours, so a bucket cache is exact. */
export function offsetMinutes(zoneName: string, ts: number): number {
  const bucket = Math.floor(ts / QUARTER_HOUR);
  const key = `${zoneName}|${bucket}`;
  let offset = offsetCache.get(key);
  if (offset === undefined) {
    const zone = zoneOf(zoneName);
    offset = zone ? zone.offset(bucket * QUARTER_HOUR) : 0;
    if (offsetCache.size > 50_000) offsetCache.clear();
    offsetCache.set(key, offset);
  }
  return offset;
}

/** Minutes since local midnight. */
export function localMinuteOfDay(zoneName: string, ts: number): number {
  const local = ts + offsetMinutes(zoneName, ts) * 60_000;
  const day = 86_400_000;
  return Math.floor((((local % day) + day) % day) / 60_000);
}

export const parseHhMm = (value: string): number => {
  const [h, m] = value.split(':');
  return Number(h) * 60 + Number(m);
};

/** Whether minute-of-day `m` lies in [start, end), a window that may wrap midnight. */
function inWindow(m: number, start: number, end: number): boolean {
  if (start === end) return false;
  return start < end ? m >= start && m < end : m >= start || m < end;
}

export function isQuietAt(quiet: QuietHours, zoneName: string, ts: number): boolean {
  if (!quiet.isEnabled) return false;
  return inWindow(localMinuteOfDay(zoneName, ts), parseHhMm(quiet.start), parseHhMm(quiet.end));
}

/** The first instant at or after `ts` when quiet hours are over (ts itself when not quiet). */
export function quietHoursEnd(quiet: QuietHours, zoneName: string, ts: number): number {
  if (!isQuietAt(quiet, zoneName, ts)) return ts;
  const end = parseHhMm(quiet.end);
  let candidate = atLocalMinute(zoneName, ts, 0, end);
  if (candidate <= ts) candidate = atLocalMinute(zoneName, ts, 1, end);
  return candidate;
}

const weekdayNumbers: Record<Weekday, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

/**
 * The next time a local window on the given weekdays is open: `ts` itself when it is open now,
 * else the next opening. Windows that wrap midnight belong to the day they start on.
 */
export function nextWindowOpening(zoneName: string, ts: number, days: readonly Weekday[], startHhMm: string, endHhMm: string): number {
  const allowed = new Set(days.map((d) => weekdayNumbers[d]));
  if (allowed.size === 0) return Number.POSITIVE_INFINITY;
  const start = parseHhMm(startHhMm);
  const end = parseHhMm(endHhMm);
  const local = DateTime.fromMillis(ts, { zone: zoneName });
  const m = local.hour * 60 + local.minute;
  if (start < end) {
    if (allowed.has(local.weekday) && m >= start && m < end) return ts;
  } else if (start > end) {
    if (allowed.has(local.weekday) && m >= start) return ts;
    if (allowed.has(local.minus({ days: 1 }).weekday) && m < end) return ts;
  }
  for (let offset = 0; offset <= 7; offset++) {
    const day = local.plus({ days: offset });
    if (!allowed.has(day.weekday)) continue;
    const opening = atLocalMinute(zoneName, ts, offset, start);
    if (opening > ts) return opening;
  }
  return Number.POSITIVE_INFINITY;
}

/** `minuteOfDay` on the local day `dayOffset` days after the one containing `ts`; DST gaps move forward. */
function atLocalMinute(zoneName: string, ts: number, dayOffset: number, minuteOfDay: number): number {
  return DateTime.fromMillis(ts, { zone: zoneName })
    .plus({ days: dayOffset })
    .set({ hour: Math.floor(minuteOfDay / 60), minute: minuteOfDay % 60, second: 0, millisecond: 0 })
    .toMillis();
}
