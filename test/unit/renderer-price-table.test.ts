import { describe, expect, it } from 'vitest';
import { defaultPriceTable } from '../../src/shared/analytics/money';
import { rowsOf, tableOf } from '../../src/renderer/src/analytics/PriceTableForm';

describe('the price table form', () => {
  it('gives back the table its rows came from', () => {
    const table = defaultPriceTable();
    expect(tableOf(rowsOf(table), table.currency)).toEqual({ table });
  });

  it('a country given only an SMS price pays the other countries’ MMS price', () => {
    const rows = [...rowsOf(defaultPriceTable()), { id: 99, isOther: false, country: 'us', channel: 'sms' as const, price: '0.02' }];
    expect(tableOf(rows, 'USD')).toMatchObject({ table: { byCountry: { US: { smsSegment: 0.02, mms: 0.02 } } } });
  });

  it('says in words what is wrong, row by row', () => {
    const rows = rowsOf(defaultPriceTable());
    const broken = [
      ...rows.map((r, i) => (i === 0 ? { ...r, price: 'abc' } : r)),
      { id: 97, isOther: false, country: 'CA', channel: 'sms' as const, price: '0.01' },
      { id: 98, isOther: false, country: '', channel: 'mms' as const, price: '0.01' },
    ];
    expect(tableOf(broken, 'USD')).toEqual({
      problems: ['Row 1 (other countries, SMS): the price must be a number, such as 0.0079.', 'Row 7 (CA, SMS) repeats row 3: give each country one SMS price.', 'Row 8: enter the destination’s two-letter country code, such as CA.'],
    });
    const tooDear = rows.map((r, i) => (i === 1 ? { ...r, price: '250' } : r));
    expect(tableOf(tooDear, 'usd')).toEqual({ problems: ['Row 2 (other countries, MMS): the price must be between 0 and 100.'] });
    expect(tableOf(rows, 'dollars')).toEqual({ problems: ['Currency: expected a three-letter currency code such as USD.'] });
    const badCountry = [...rows, { id: 96, isOther: false, country: 'USA', channel: 'sms' as const, price: '0.01' }];
    expect(tableOf(badCountry, 'USD')).toEqual({ problems: ['Row 7 (USA, SMS): expected a two-letter country code such as US.'] });
  });
});
