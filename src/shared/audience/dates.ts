/** Calendar dates and instants as segment rules and date attributes write them. */

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})/;

/**
 * A calendar day written YYYY-MM-DD (anything after the day, such as a time, is ignored), or
 * null when it is not one: 2026-02-30 and 2025-02-29 are refused, 2024-02-29 is a day.
 */
export function parseDay(value: string): { year: number; month: number; day: number } | null {
  const match = DAY_PATTERN.exec(value.trim());
  if (!match) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** A date (YYYY-MM-DD, midnight UTC) or an ISO date and time, in epoch ms; null when it is neither. */
export function parseInstant(value: string): number | null {
  const text = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const day = parseDay(text);
    return day ? Date.UTC(day.year, day.month - 1, day.day) : null;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text) || parseDay(text) === null) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

export function isValidIanaZone(zone: string): boolean {
  if (!zone.includes('/') && zone !== 'UTC') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
