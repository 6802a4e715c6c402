import { getCountries, getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * Phone numbers as people type them ("(212) 555-0150", "+44 7700 900123", "020 7946 0958")
 * turned into the E.164 form contacts are stored under. National numbers are read in the
 * chosen country. libphonenumber-js is the maintained JavaScript port of Google's
 * libphonenumber, pure JS, and the Node side already uses it, so both sides agree.
 */

export type PhoneParse = { ok: true; e164: string; international: string } | { ok: false; reason: 'empty' | 'not_a_number' };

export function normalisePhone(input: string, country: CountryCode): PhoneParse {
  const trimmed = input.trim();
  if (!trimmed) return { ok: false, reason: 'empty' };
  // "00 44 …" is how much of the world dials abroad.
  const text = trimmed.startsWith('00') ? `+${trimmed.slice(2)}` : trimmed;
  const parsed = parsePhoneNumberFromString(text, country);
  if (!parsed || !parsed.isPossible()) return { ok: false, reason: 'not_a_number' };
  return { ok: true, e164: parsed.number, international: parsed.formatInternational() };
}

/** A stored E.164 number in the spaced international form people read. */
export function formatPhone(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}

/** The country of the browser's language tag (en-GB → GB), else the US. */
export function defaultCountry(languages: readonly string[]): CountryCode {
  const countries = new Set<string>(getCountries());
  for (const tag of languages) {
    const region = /^[a-z]{2,3}-([A-Z]{2})\b/i.exec(tag)?.[1]?.toUpperCase();
    if (region && countries.has(region)) return region as CountryCode;
  }
  return 'US';
}

export interface CountryOption {
  code: CountryCode;
  label: string;
}

/** Every country libphonenumber knows, named in the viewer's language, with its calling code. */
export function countryOptions(locale: string | undefined): CountryOption[] {
  let names: Intl.DisplayNames | null = null;
  try {
    names = new Intl.DisplayNames(locale ? [locale] : undefined, { type: 'region' });
  } catch {
    names = null;
  }
  return getCountries()
    .map((code) => ({ code, label: `${names?.of(code) ?? code} (+${getCountryCallingCode(code)})` }))
    .sort((a, b) => a.label.localeCompare(b.label));
}
