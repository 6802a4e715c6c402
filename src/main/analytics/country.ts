import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * The destination country of an E.164 number, for per-country prices. Parsing is the costly part
 * and a country is fixed by the number's first digits (+1 416 is Canada, +1 212 the US), so
 * answers are cached by the first five characters (a calling code shared by several countries
 * beyond that, such as +44 1481 for Guernsey, is priced as the first number seen with that prefix).
 */
const cache = new Map<string, string>();

export function countryOf(phone: string): string {
  const prefix = phone.slice(0, 5);
  const known = cache.get(prefix);
  if (known !== undefined) return known;
  // A number libphonenumber cannot place (not a valid number) gets the default prices; that answer
  // is cached too, or every such message would be parsed again on each recompute.
  const country = parsePhoneNumberFromString(phone)?.country ?? '';
  if (cache.size < 50_000) cache.set(prefix, country);
  return country;
}
