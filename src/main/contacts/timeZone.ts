import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { zoneForAreaCode, zoneForCountry } from '../../shared/engine/timeZones';

/** E.164 form of a phone number, or null when it is not a valid number. */
export function normalizePhone(input: string, defaultCountry: 'US' | undefined = 'US'): string | null {
  const parsed = parsePhoneNumberFromString(input.trim(), defaultCountry);
  if (!parsed || !parsed.isPossible()) return null;
  return parsed.number;
}

/**
 * The zone a number's owner is presumed to live in: NANP area code first (regulators presume
 * location from it), else the country's zone; null when neither is known.
 */
export function inferTimeZone(e164: string): string | null {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return null;
  if (parsed.countryCallingCode === '1') {
    const byArea = zoneForAreaCode(parsed.nationalNumber.slice(0, 3));
    if (byArea) return byArea;
  }
  // Numbers outside the assigned ranges (e.g. UK drama numbers) still say which country they dial.
  const country = parsed.country ?? parsed.getPossibleCountries()[0];
  return country ? (zoneForCountry(country) ?? null) : null;
}
