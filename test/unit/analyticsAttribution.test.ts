import { describe, expect, it } from 'vitest';
import { attributeLastTouch, DAY_MS, type Touch } from '../../src/shared/analytics/attribution';
import { combineRevenue, costOf, defaultPriceTable, revenueOf } from '../../src/shared/analytics/money';

const at = Date.parse('2026-03-10T12:00:00Z');
const touch = (messageId: number, sentAt: number, extra: Partial<Touch> = {}): Touch => ({
  messageId,
  flowId: 'f1',
  nodeId: `n${messageId}`,
  channel: 'sms',
  sentAt,
  isReached: true,
  ...extra,
});

describe('last-touch attribution', () => {
  it('credits the latest message before the event', () => {
    const credited = attributeLastTouch({ occurredAt: at }, [touch(1, at - 3 * DAY_MS), touch(2, at - DAY_MS), touch(3, at + 1)], 7);
    expect(credited?.messageId).toBe(2);
  });

  it('counts a message sent exactly at the window edge and not one a millisecond before it', () => {
    expect(attributeLastTouch({ occurredAt: at }, [touch(1, at - 7 * DAY_MS)], 7)?.messageId).toBe(1);
    expect(attributeLastTouch({ occurredAt: at }, [touch(1, at - 7 * DAY_MS - 1)], 7)).toBeNull();
    expect(attributeLastTouch({ occurredAt: at }, [touch(1, at - 7 * DAY_MS - 1)], 8)?.messageId).toBe(1);
  });

  it('gives no message credit for a conversion without a message, or after only failed messages', () => {
    expect(attributeLastTouch({ occurredAt: at }, [], 7)).toBeNull();
    expect(attributeLastTouch({ occurredAt: at }, [touch(1, at - DAY_MS, { isReached: false })], 7)).toBeNull();
  });

  it('passes over a failed later message to the one that reached the phone', () => {
    const credited = attributeLastTouch({ occurredAt: at }, [touch(1, at - 2 * DAY_MS), touch(2, at - DAY_MS, { isReached: false })], 7);
    expect(credited?.messageId).toBe(1);
  });

  it('refuses a window outside 1–30 days', () => {
    expect(() => attributeLastTouch({ occurredAt: at }, [], 0)).toThrow(/1–30 days/);
    expect(() => attributeLastTouch({ occurredAt: at }, [], 31)).toThrow(/1–30 days/);
  });
});

describe('cost and revenue', () => {
  it('prices SMS per segment and MMS per message, per destination country where the table has one', () => {
    const table = defaultPriceTable();
    const cost = costOf(table, [
      { channel: 'sms', country: 'US', messages: 100, segments: 150 },
      { channel: 'mms', country: 'US', messages: 10, segments: 10 },
      { channel: 'sms', country: 'GB', messages: 10, segments: 10 },
      { channel: 'sms', country: null, messages: 1, segments: 3 },
    ]);
    expect(cost).toBeCloseTo(150 * 0.0079 + 10 * 0.02 + 10 * 0.0463 + 3 * 0.0079, 4);
  });

  it('refuses to add revenue in mixed currencies without rates, naming them, and converts with a rate table', () => {
    const refused = combineRevenue({ USD: 100, EUR: 50 }, 'USD');
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.message).toBe('Revenue is in EUR and USD; add an exchange rate to USD for EUR to combine them.');
    expect(combineRevenue({ USD: 100, EUR: 50 }, 'USD', { EUR: 1.1 })).toEqual({ ok: true, amount: 155, currency: 'USD' });
    expect(combineRevenue({ USD: 100 }, 'USD')).toEqual({ ok: true, amount: 100, currency: 'USD' });
  });

  it('reads revenue from a numeric property and its currency, and nothing from a non-number', () => {
    expect(revenueOf({ value: '19.90', currency: 'eur' }, 'value', 'USD')).toEqual({ amount: 19.9, currency: 'EUR' });
    expect(revenueOf({ value: 12 }, 'value', 'USD')).toEqual({ amount: 12, currency: 'USD' });
    expect(revenueOf({ value: 'lots' }, 'value', 'USD')).toBeNull();
  });
});
