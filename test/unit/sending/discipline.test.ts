import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/shared/engine/random';
import { describeSendingState, SendingDiscipline } from '../../../src/main/engine/sending/discipline';
import type { SendResult } from '../../../src/main/providers/types';

const ok: SendResult = { ok: true, providerMessageId: 'SM1', isDuplicate: false };
const timeout: SendResult = { ok: false, errorClass: 'retryable', code: 'TIMEOUT', message: 'api.twilio.com did not answer within 10000 ms' };

function discipline() {
  const d = new SendingDiscipline({ random: seededRandom(1), breaker: { failureThreshold: 3, openMs: 60_000 }, backoff: { baseMs: 1_000, maxAttempts: 5 } });
  d.configure('acme', { mps: 10, dailyCap: 25 }, 0);
  d.configure('other', { mps: 1_000, dailyCap: null }, 0);
  return d;
}

describe('SendingDiscipline', () => {
  it('grants what the rate allows and says when to ask again', () => {
    const d = discipline();
    expect(d.acquire('acme', 15, 0)).toEqual({ granted: 10, nextAt: 500, heldBy: 'rate' });
    expect(d.acquire('acme', 5, 500)).toEqual({ granted: 5, nextAt: null, heldBy: null });
  });

  it('says how much room an account has without taking any, and when a slice of its rate is back', () => {
    const d = discipline();
    expect(d.room('unknown', 0)).toBe(Number.POSITIVE_INFINITY);
    expect(d.room('acme', 0)).toBe(10);
    expect(d.room('acme', 0)).toBe(10);
    d.acquire('acme', 8, 0);
    expect(d.room('acme', 0)).toBe(2);
    d.acquire('acme', 2, 0);
    expect(d.room('acme', 0)).toBe(0);
    // Ten a second: three more are there 300 ms later, and the room says so.
    expect(d.roomAt('acme', 3, 0)).toBe(300);
    expect(d.room('acme', 300)).toBe(3);
    // The daily cap bounds the room too (25 a day, 10 taken).
    expect(d.room('acme', 60_000)).toBe(10);
    d.acquire('acme', 10, 60_000);
    expect(d.room('acme', 120_000)).toBe(5);
  });

  it('an open breaker leaves no room; half-open, room for the one probe', () => {
    const d = discipline();
    for (let i = 1; i <= 3; i++) {
      d.acquire('acme', 1, i);
      d.record('acme', timeout, 1, i);
    }
    expect(d.room('acme', 10)).toBe(0);
    expect(d.room('acme', 60_003)).toBe(1);
    expect(d.acquire('acme', 5, 60_003).granted).toBe(1);
    expect(d.room('acme', 60_004)).toBe(0);
  });

  it('stops at the daily cap until the next UTC day', () => {
    const d = discipline();
    let granted = 0;
    for (let t = 0; t < 10_000; t += 1_000) granted += d.acquire('acme', 10, t).granted;
    expect(granted).toBe(25);
    expect(d.acquire('acme', 1, 10_000)).toEqual({ granted: 0, nextAt: 86_400_000, heldBy: 'daily_cap' });
    expect(d.state('acme', 10_000)).toMatchObject({ sentToday: 25, dailyCap: 25 });
  });

  it('a run of failures stops calls to that account only, and the state says why', () => {
    const d = discipline();
    for (let i = 1; i <= 3; i++) {
      d.acquire('acme', 1, i);
      expect(d.record('acme', timeout, 1, i)).toMatchObject({ action: 'retry', isAttempt: true });
    }
    expect(d.acquire('acme', 5, 10)).toEqual({ granted: 0, nextAt: 60_003, heldBy: 'breaker_open' });
    expect(d.state('acme', 10).breaker).toMatchObject({ state: 'open', reason: 'failures', lastError: expect.stringContaining('did not answer') });
    expect(d.acquire('other', 5, 10).granted).toBe(5);
    // Once open time is over, one probe; its success lets the rest go.
    expect(d.acquire('acme', 5, 60_003)).toEqual({ granted: 1, nextAt: null, heldBy: 'breaker_open' });
    d.record('acme', ok, 1, 60_050);
    expect(d.acquire('acme', 4, 60_100).granted).toBe(4);
  });

  it('refused credentials hold the account without spending the message’s attempts', () => {
    const d = discipline();
    d.acquire('acme', 1, 0);
    const verdict = d.record('acme', { ok: false, errorClass: 'auth_failed', code: '20003', message: 'Twilio refused the Account SID / Auth Token (20003)' }, 1, 0);
    expect(verdict).toEqual({ action: 'retry', at: 900_000, isAttempt: false });
    expect(d.state('acme', 1).breaker).toMatchObject({ state: 'open', reason: 'auth' });
    d.resetBreaker('acme');
    expect(d.acquire('acme', 1, 2).granted).toBe(1);
  });

  it('a sender the account may not use holds the account, not the message, and the state names the sender', () => {
    const d = discipline();
    d.acquire('acme', 1, 0);
    const refused = 'Twilio refused the sender +15550001111: (21606) The From phone number is not a valid, SMS-capable inbound phone number for your account.';
    const verdict = d.record('acme', { ok: false, errorClass: 'sender_refused', code: '21606', message: refused }, 1, 0);
    expect(verdict).toEqual({ action: 'retry', at: 900_000, isAttempt: false });
    const state = d.state('acme', 1);
    expect(state.breaker).toMatchObject({ state: 'open', reason: 'sender' });
    expect(d.acquire('acme', 1, 1).granted).toBe(0);
    expect(describeSendingState(state, 1)).toBe(`Sending paused: ${refused}. Set a sender this account owns (or fix the account) to send again; retrying on its own at 1970-01-01T00:15:00.000Z.`);
  });

  it('a 429 pauses the whole account until Retry-After and the message waits at least that long', () => {
    const d = discipline();
    d.acquire('acme', 1, 0);
    const verdict = d.record('acme', { ok: false, errorClass: 'rate_limited', code: '20429', message: 'Too Many Requests', retryAfterMs: 5_000 }, 1, 0);
    expect(verdict.action === 'retry' && verdict.at).toBeGreaterThanOrEqual(5_000);
    expect(d.acquire('acme', 3, 4_000)).toMatchObject({ granted: 0, heldBy: 'provider_pause', nextAt: 5_300 });
    expect(d.state('acme', 4_000).pausedUntil).toBe(5_000);
    expect(d.acquire('acme', 1, 5_100).granted).toBe(1);
  });

  it('a refusal about the message is final and does not count against the account', () => {
    const d = discipline();
    for (let i = 0; i < 5; i++) {
      expect(d.record('acme', { ok: false, errorClass: 'invalid_number', code: '21211', message: 'invalid To' }, 1, i)).toEqual({ action: 'final' });
    }
    expect(d.state('acme', 10).breaker.state).toBe('closed');
  });

  it('retries a transient failure with backoff until the attempt limit', () => {
    const d = discipline();
    const first = d.record('acme', timeout, 1, 0);
    expect(first.action === 'retry' && first.at).toBeGreaterThanOrEqual(500);
    expect(d.record('acme', timeout, 5, 0)).toEqual({ action: 'final' });
  });

  it('refuses an account it was not told about, by name', () => {
    expect(() => discipline().acquire('nope', 1, 0)).toThrow(/account nope/);
  });
});

describe('describeSendingState', () => {
  it('says in words why an account is not sending, and nothing when it is', () => {
    const d = discipline();
    expect(describeSendingState(d.state('acme', 0), 0)).toBeNull();
    d.record('acme', { ok: false, errorClass: 'auth_failed', code: '20003', message: 'Twilio refused the Account SID / Auth Token (20003)' }, 1, 0);
    expect(describeSendingState(d.state('acme', 1), 1)).toMatch(/^Sending paused: Twilio refused the Account SID \/ Auth Token \(20003\)\. Fix the account's credentials/);
    d.resetBreaker('acme');
    for (let t = 0; t < 3_000; t += 1_000) d.acquire('acme', 10, t);
    expect(describeSendingState(d.state('acme', 3_000), 3_000)).toBe('Daily cap of 25 messages reached; sending again at 1970-01-02T00:00:00.000Z (UTC midnight).');
  });
});
