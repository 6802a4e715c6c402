import { DateTime } from 'luxon';
import { CliError } from './context';

const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/i;
const LOCAL = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})$/;

/**
 * The instant `simulate --start` names: an ISO date-time with its offset ("2026-03-02T14:00:00Z"),
 * or "YYYY-MM-DD HH:MM" read in the flow's time zone, as its author thinks of the send times. A
 * local time the zone skips (a spring-forward gap) is refused rather than moved.
 */
export function parseStart(value: string, zone: string): string {
  const text = value.trim();
  const expected = `write an ISO date-time such as 2026-03-02T14:00:00Z, or "YYYY-MM-DD HH:MM" in the flow's time zone (${zone})`;
  if (WITH_OFFSET.test(text)) {
    const instant = DateTime.fromISO(text, { setZone: true });
    if (!instant.isValid) throw new CliError(`--start "${value}" is not a real date and time: ${expected}`);
    return instant.toUTC().toISO() as string;
  }
  const local = LOCAL.exec(text);
  if (!local) throw new CliError(`--start "${value}" is not a date and time: ${expected}`);
  const [, date, hour, minute] = local;
  const instant = DateTime.fromISO(`${date}T${hour}:${minute}`, { zone });
  if (!instant.isValid) throw new CliError(`--start "${value}" is not a real date and time: ${expected}`);
  if (instant.toFormat('yyyy-MM-dd HH:mm') !== `${date} ${hour}:${minute}`) {
    throw new CliError(`--start "${value}" does not exist in ${zone} (the clocks skip it); choose a time outside the change`);
  }
  return instant.toUTC().toISO() as string;
}

/** Now, to the minute: what a run without --start begins at, as the app's simulation does. */
export const startNow = (now: number): string => new Date(Math.floor(now / 60_000) * 60_000).toISOString();

/** "2026-03-02 09:00 America/New_York" */
export const localStart = (startAt: string, zone: string): string => `${DateTime.fromISO(startAt, { zone }).toFormat('yyyy-MM-dd HH:mm')} ${zone}`;
