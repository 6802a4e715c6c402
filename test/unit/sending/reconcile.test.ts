import { describe, expect, it } from 'vitest';
import { decideSendingRow } from '../../../src/main/engine/sending/reconcile';

const query = { idempotencyKey: 'pc-1', to: '+15557654321', channel: 'sms' as const, body: 'Hi', claimedAt: 1_000_000, now: 1_060_000 };

describe('decideSendingRow', () => {
  it('records a message the provider has, resends only one it certainly does not', () => {
    expect(decideSendingRow({ outcome: 'sent', providerMessageId: 'SM1' }, query)).toEqual({ action: 'mark_sent', providerMessageId: 'SM1' });
    expect(decideSendingRow({ outcome: 'not_sent' }, query)).toEqual({ action: 'resend' });
  });

  it('asks again while the provider cannot tell yet, then marks the row uncertain instead of resending', () => {
    const waiting = { outcome: 'unknown' as const, reason: 'records lag', retryAt: query.claimedAt + 15 * 60_000 };
    expect(decideSendingRow(waiting, query)).toEqual({ action: 'ask_again', at: waiting.retryAt, reason: 'records lag' });
    expect(decideSendingRow({ ...waiting, retryAt: query.claimedAt + 2 * 3_600_000 }, query)).toEqual({ action: 'mark_uncertain', reason: 'records lag' });
    expect(decideSendingRow({ outcome: 'unknown', reason: '3 other messages' }, query)).toEqual({ action: 'mark_uncertain', reason: '3 other messages' });
  });

  it('a lookup that failed is asked again a minute later; no lookup at all is uncertain', () => {
    expect(decideSendingRow({ outcome: 'error', reason: 'timeout' }, query)).toEqual({ action: 'ask_again', at: query.now + 60_000, reason: 'timeout' });
    expect(decideSendingRow(null, query)).toMatchObject({ action: 'mark_uncertain' });
  });
});
