import type Database from 'better-sqlite3';
import { costOf, type PriceTable, type SendCount } from '../../shared/analytics/money';
import type { SimulationOptions, SimulationOptionsInput } from '../../shared/engine/simulation';
import type { SimulationCost } from '../../shared/engine/types';
import { countryOf } from './country';
import { AnalyticsService } from './service';

/**
 * The price table a dry-run is costed at, for the app, the CLI and the publish review alike: the
 * one the run names, else the workspace's (Analytics settings), with its default row set to the
 * SMS and MMS prices the run gives (the Simulate dialog's fields, `--sms-price`, `--mms-price`).
 */
export function simulationPrices(sqlite: Database.Database, options: Pick<SimulationOptionsInput, 'prices' | 'smsSegmentPrice' | 'mmsPrice'>): PriceTable {
  const table = options.prices ?? new AnalyticsService(sqlite).settings().prices;
  return {
    currency: table.currency,
    byCountry: table.byCountry ?? {},
    default: { smsSegment: options.smsSegmentPrice ?? table.default.smsSegment, mms: options.mmsPrice ?? table.default.mms },
  };
}

/** Inside the dry-run: the table it was given, or one row of the flat prices when called without one. */
export function pricesOfRun(options: SimulationOptions): PriceTable {
  return options.prices ?? { currency: options.currency.toUpperCase(), default: { smsSegment: options.smsSegmentPrice, mms: options.mmsPrice }, byCountry: {} };
}

/**
 * What the run's accepted messages cost at `table`: SMS per segment and MMS per message, at the
 * destination country's prices where the table names it (the same costOf the analytics use).
 */
export function costOfRun(sqlite: Database.Database, table: PriceTable): SimulationCost {
  // Numbers that share their first five characters share a country (country.ts): one per group.
  const rows = sqlite
    .prepare(
      `SELECT m.channel AS channel, min(c.phone) AS phone, count(*) AS messages, coalesce(sum(m.segments), 0) AS segments
       FROM messages m JOIN contacts c ON c.id = m.contact_id
       WHERE m.accepted_at IS NOT NULL GROUP BY m.channel, substr(c.phone, 1, 5)`,
    )
    .all() as Array<{ channel: 'sms' | 'mms'; phone: string; messages: number; segments: number }>;
  const sends: SendCount[] = rows.map((row) => ({ channel: row.channel, country: countryOf(row.phone) || null, messages: row.messages, segments: row.segments }));
  const sms = costOf(table, sends.filter((send) => send.channel === 'sms'));
  const mms = costOf(table, sends.filter((send) => send.channel === 'mms'));
  return {
    currency: table.currency,
    smsSegmentPrice: table.default.smsSegment,
    mmsPrice: table.default.mms,
    byCountry: table.byCountry,
    sms,
    mms,
    total: costOf(table, sends),
  };
}
