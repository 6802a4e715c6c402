import { useState } from 'react';
import { PriceTable, type CountryPrices } from '../../../shared/analytics/money';

/**
 * The price table as rows a person edits: destination country, channel, price (per segment for
 * SMS, per message for MMS), in the table's one currency. "Other countries" holds the prices every
 * destination without a row of its own pays; a country given only one channel pays the other
 * channel's "other countries" price. The table is checked by the shared schema the service checks
 * it with, and its problems are told per row.
 */

type Channel = 'sms' | 'mms';
const OTHER = '';

interface PriceRow {
  id: number;
  /** The two rows every table has: the prices of destinations without rows of their own. */
  isOther: boolean;
  /** Two letters, or '' for every other country. */
  country: string;
  channel: Channel;
  /** As typed, so a half-typed number stays on screen. */
  price: string;
}

const fields: Record<Channel, keyof CountryPrices> = { sms: 'smsSegment', mms: 'mms' };
let nextId = 1;

export function rowsOf(table: PriceTable): PriceRow[] {
  const row = (country: string, channel: Channel, prices: CountryPrices): PriceRow => ({ id: nextId++, isOther: country === OTHER, country, channel, price: String(prices[fields[channel]]) });
  return [
    row(OTHER, 'sms', table.default),
    row(OTHER, 'mms', table.default),
    ...Object.entries(table.byCountry).flatMap(([country, prices]) => [row(country, 'sms', prices), row(country, 'mms', prices)]),
  ];
}

const describe = (row: PriceRow, index: number): string => `Row ${index + 1} (${row.country || 'other countries'}, ${row.channel.toUpperCase()})`;

/** The table the rows say, or what is wrong with them, in words. */
export function tableOf(rows: readonly PriceRow[], currency: string): { table: PriceTable } | { problems: string[] } {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const prices = new Map<string, Partial<CountryPrices>>();
  rows.forEach((row, index) => {
    const country = row.isOther ? OTHER : row.country.trim().toUpperCase();
    if (!row.isOther && country === '') {
      problems.push(`Row ${index + 1}: enter the destination’s two-letter country code, such as CA.`);
      return;
    }
    const price = row.price.trim() === '' ? Number.NaN : Number(row.price);
    if (!Number.isFinite(price)) problems.push(`${describe(row, index)}: the price must be a number, such as 0.0079.`);
    const key = `${country}/${row.channel}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) problems.push(`${describe(row, index)} repeats row ${earlier + 1}: give each country one ${row.channel.toUpperCase()} price.`);
    seen.set(key, index);
    prices.set(country, { ...prices.get(country), [fields[row.channel]]: price });
  });
  const other = prices.get(OTHER) ?? {};
  if (other.smsSegment === undefined || other.mms === undefined) problems.push('Other countries need an SMS and an MMS price.');
  if (problems.length > 0) return { problems };
  const byCountry: Record<string, CountryPrices> = {};
  for (const [country, p] of prices) {
    if (country !== OTHER) byCountry[country] = { smsSegment: p.smsSegment ?? (other.smsSegment as number), mms: p.mms ?? (other.mms as number) };
  }
  const parsed = PriceTable.safeParse({ currency: currency.trim().toUpperCase(), default: other, byCountry });
  if (parsed.success) return { table: parsed.data };
  return {
    problems: parsed.error.issues.map((issue) => {
      const [first, country, field] = issue.path.map(String);
      if (first === 'currency') return `Currency: ${issue.message}.`;
      const channelField = first === 'default' ? country : field;
      const index = rows.findIndex(
        (r) => (first === 'default' ? r.isOther : r.country.trim().toUpperCase() === country) && (channelField === undefined || fields[r.channel] === channelField),
      );
      const where = index >= 0 ? describe(rows[index] as PriceRow, index) : `Country ${country ?? ''}`;
      if (issue.code === 'too_big' || issue.code === 'too_small') return `${where}: the price must be between 0 and 100.`;
      // A bad country code is the record's key: the words are on the key's own issue.
      const words = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
      return `${where}: ${words}.`;
    }),
  };
}

export function PriceTableForm({ table, onSave }: { table: PriceTable; onSave: (table: PriceTable) => Promise<string | null> }) {
  const [rows, setRows] = useState(() => rowsOf(table));
  const [currency, setCurrency] = useState(table.currency);
  const [problems, setProblems] = useState<string[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const update = (id: number, change: Partial<PriceRow>) => setRows((all) => all.map((r) => (r.id === id ? { ...r, ...change } : r)));
  const save = () => {
    setNotice(null);
    const result = tableOf(rows, currency);
    if ('problems' in result) {
      setProblems(result.problems);
      return;
    }
    setProblems([]);
    void onSave(result.table).then((error) => {
      if (error) setProblems([error]);
      else {
        setRows(rowsOf(result.table));
        setNotice('Prices saved. Costs and ROI are recomputed with them.');
      }
    });
  };
  return (
    <form
      className="price-table"
      aria-label="Prices"
      onSubmit={(event) => {
        event.preventDefault();
        save();
      }}
    >
      <h2>Prices</h2>
      <p className="muted">SMS cost per segment and MMS per message. A country without rows of its own pays the “other countries” prices.</p>
      <label>
        Currency of every price{' '}
        <input value={currency} onChange={(event) => setCurrency(event.target.value)} size={4} maxLength={3} aria-label="Currency" />
      </label>
      <table>
        <thead>
          <tr>
            <th>Country</th>
            <th>Channel</th>
            <th>Price</th>
            <th>
              <span className="visually-hidden">Remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => {
            const isOther = row.isOther;
            const name = `Row ${index + 1}`;
            return (
              <tr key={row.id}>
                <td>
                  {isOther ? (
                    'Other countries'
                  ) : (
                    <input aria-label={`${name} country`} value={row.country} placeholder="CA" size={4} maxLength={2} onChange={(event) => update(row.id, { country: event.target.value.toUpperCase() })} />
                  )}
                </td>
                <td>
                  {isOther ? (
                    row.channel.toUpperCase()
                  ) : (
                    <select aria-label={`${name} channel`} value={row.channel} onChange={(event) => update(row.id, { channel: event.target.value as Channel })}>
                      <option value="sms">SMS</option>
                      <option value="mms">MMS</option>
                    </select>
                  )}
                </td>
                <td>
                  <input
                    aria-label={`${name} price`}
                    inputMode="decimal"
                    value={row.price}
                    size={8}
                    onChange={(event) => update(row.id, { price: event.target.value })}
                  />{' '}
                  {currency} per {row.channel === 'sms' ? 'segment' : 'message'}
                </td>
                <td>
                  {isOther ? null : (
                    <button type="button" aria-label={`Remove row ${index + 1}`} onClick={() => setRows((all) => all.filter((r) => r.id !== row.id))}>
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="price-table-actions">
        <button type="button" onClick={() => setRows((all) => [...all, { id: nextId++, isOther: false, country: '', channel: 'sms', price: '' }])}>
          Add a country’s price
        </button>
        <button type="submit">Save prices</button>
        {notice ? <span role="status">{notice}</span> : null}
      </div>
      {problems.length > 0 ? (
        <ul role="alert" aria-label="Problems with the prices">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
    </form>
  );
}
