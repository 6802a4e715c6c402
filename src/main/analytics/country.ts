import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * The destination country of an E.164 number, for per-country prices. Parsing is the costly part
 * and a country is fixed by the number's first digits (+1 416 is Canada, +1 212 the US), so
 * answers are cached by the first five characters.
 */
const cache = new Map<string, string>();

export function countryOf(phone: string): string {
  const prefix = phone.slice(0, 5);
  const known = cache.get(prefix);
  if (known !== undefined) return known;
  const country = parsePhoneNumberFromString(phone)?.country ?? '';
  // A number whose prefix alone decides nothing (a shared calling code) is not cached.
  if (country !== '' && cache.size < 50_000) cache.set(prefix, country);
  return country;
}
