import { z } from 'zod';
import type { Channel } from '../engine/types';

/**
 * What messages cost and what conversions earned. Prices are the user's (a default table they
 * can edit); cost is counted, never estimated from averages: SMS per segment, MMS per message,
 * per destination country where the table has one. Revenue is a property of the goal event; sums
 * over several currencies are refused unless the user gives rates to convert them.
 */

const Price = z.number().min(0).max(100);
const CurrencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'expected a three-letter currency code such as USD');

export const CountryPrices = z.object({ smsSegment: Price, mms: Price });
export type CountryPrices = z.infer<typeof CountryPrices>;

export const PriceTable = z.object({
  currency: CurrencyCode,
  /** Used for every destination the table does not name. */
  default: CountryPrices,
  /** ISO 3166 alpha-2 country → prices, e.g. { CA: { smsSegment: 0.0085, mms: 0.025 } }. */
  byCountry: z.record(z.string().regex(/^[A-Z]{2}$/, 'expected a two-letter country code such as US'), CountryPrices).default({}),
});
export type PriceTable = z.infer<typeof PriceTable>;

/** Twilio-like US list prices; a starting point the user edits in Analytics settings. */
export const defaultPriceTable = (): PriceTable => ({
  currency: 'USD',
  default: { smsSegment: 0.0079, mms: 0.02 },
  byCountry: { CA: { smsSegment: 0.0083, mms: 0.0215 }, GB: { smsSegment: 0.0463, mms: 0.0463 } },
});

export interface SendCount {
  channel: Channel;
  /** ISO country of the destination, or null when unknown (the default prices apply). */
  country: string | null;
  messages: number;
  segments: number;
}

export function pricesFor(table: PriceTable, country: string | null): CountryPrices {
  return (country && table.byCountry[country]) || table.default;
}

/** Cost of accepted messages in the table's currency. */
export function costOf(table: PriceTable, counts: readonly SendCount[]): number {
  let total = 0;
  for (const count of counts) {
    const prices = pricesFor(table, count.country);
    total += count.channel === 'mms' ? count.messages * prices.mms : count.segments * prices.smsSegment;
  }
  return roundMoney(total);
}

/** Currency → units of the report currency per one unit of it, e.g. { EUR: 1.08 } into USD. */
export const ExchangeRates = z.record(CurrencyCode, z.number().positive().max(1_000_000));
export type ExchangeRates = z.infer<typeof ExchangeRates>;

export type RevenueResult = { ok: true; amount: number; currency: string } | { ok: false; currencies: string[]; message: string };

/**
 * One figure from amounts in several currencies: as is when there is one, converted when the user
 * gave a rate for every other currency, else refused with the currencies that lack a rate.
 */
export function combineRevenue(byCurrency: Readonly<Record<string, number>>, reportCurrency: string, rates: ExchangeRates = {}): RevenueResult {
  const currencies = Object.keys(byCurrency)
    .filter((c) => byCurrency[c] !== 0)
    .sort();
  if (currencies.length === 0) return { ok: true, amount: 0, currency: reportCurrency };
  const missing = currencies.filter((c) => c !== reportCurrency && rates[c] === undefined);
  if (missing.length > 0) {
    return {
      ok: false,
      currencies,
      message: `Revenue is in ${listWords(currencies)}; add an exchange rate to ${reportCurrency} for ${listWords(missing)} to combine them.`,
    };
  }
  let amount = 0;
  for (const c of currencies) amount += (byCurrency[c] ?? 0) * (c === reportCurrency ? 1 : (rates[c] as number));
  return { ok: true, amount: roundMoney(amount), currency: reportCurrency };
}

/** Return on what was spent: (revenue − cost) / cost; null when nothing was spent. */
export const returnOnSpend = (revenue: number, cost: number): number | null => (cost > 0 ? (revenue - cost) / cost : null);

export const roundMoney = (value: number): number => Math.round(value * 10_000) / 10_000;

const listWords = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

/**
 * The revenue of a goal event: a numeric `property` (a number or a numeric string), and its
 * currency from a `currency` property or the default. Anything else is no revenue (the
 * conversion still counts).
 */
export function revenueOf(properties: Record<string, unknown>, property: string, defaultCurrency: string): { amount: number; currency: string } | null {
  const raw = properties[property];
  const amount = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (!Number.isFinite(amount)) return null;
  const currencyRaw = properties.currency;
  const currency = typeof currencyRaw === 'string' && /^[A-Za-z]{3}$/.test(currencyRaw.trim()) ? currencyRaw.trim().toUpperCase() : defaultCurrency;
  return { amount, currency };
}
