/**
 * Instants shown in a given IANA zone ("Tue, Jan 6, 02:47 AM CST"). Formatters are costly to
 * build and a timeline formats hundreds of instants, so one is kept per zone.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? '';
  let formatter = formatters.get(key);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        weekday: 'short',
        month: 'short',
        day: 'numeric',
        year: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        timeZoneName: 'short',
      });
    } catch {
      // An unknown zone name (an old import): show UTC rather than nothing.
      return formatterFor('UTC');
    }
    formatters.set(key, formatter);
  }
  return formatter;
}

/** `timeZone` undefined means the viewer's own zone. */
export function formatInstant(iso: string, timeZone?: string | null): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return formatterFor(timeZone ?? undefined).format(ms);
}

export const viewerTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

const isoInstant = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z\b/g;

/** Engine notes carry UTC instants ("waiting until 2026-01-06T08:47:00.000Z"): show them in the contact's zone. */
export function localiseInstants(text: string, timeZone: string | null): string {
  return text.replace(isoInstant, (match) => formatInstant(match, timeZone));
}
