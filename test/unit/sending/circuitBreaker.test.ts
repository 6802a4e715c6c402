import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../src/main/engine/sending/circuitBreaker';

describe('CircuitBreaker', () => {
  it('opens after five failures in a row, lets one probe through later, and closes on its success', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 5, openMs: 30_000 });
    for (let i = 0; i < 4; i++) breaker.record('failure', i, 'TIMEOUT: no answer');
    expect(breaker.allow(10, 4)).toBe(10);
    breaker.record('failure', 5, 'TIMEOUT: no answer');
    expect(breaker.state(6)).toEqual({ state: 'open', reason: 'failures', since: 5, until: 30_005, lastError: 'TIMEOUT: no answer' });
    expect(breaker.allow(10, 6)).toBe(0);
    expect(breaker.nextAt(6)).toBe(30_005);
    expect(breaker.allow(10, 30_005)).toBe(1);
    expect(breaker.allow(10, 30_006)).toBe(0);
    breaker.record('success', 30_100);
    expect(breaker.state(30_101)).toEqual({ state: 'closed', consecutiveFailures: 0 });
  });

  it('a failed probe opens it again for twice as long, up to the limit', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 1_000, maxOpenMs: 3_000 });
    breaker.record('failure', 0);
    breaker.allow(1, 1_000);
    breaker.record('failure', 1_000);
    expect(breaker.state(1_001)).toMatchObject({ state: 'open', until: 3_000 });
    breaker.allow(1, 3_000);
    breaker.record('failure', 3_000);
    expect(breaker.state(3_001)).toMatchObject({ state: 'open', until: 6_000 });
  });

  it('an answer about the message itself resets the count: the account works', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3 });
    breaker.record('failure', 0);
    breaker.record('failure', 1);
    breaker.record('success', 2);
    breaker.record('failure', 3);
    breaker.record('failure', 4);
    expect(breaker.state(5)).toMatchObject({ state: 'closed' });
  });

  it('late failures of calls made before it opened do not extend it', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 1_000 });
    breaker.record('failure', 0);
    breaker.record('failure', 500);
    expect(breaker.state(600)).toMatchObject({ state: 'open', until: 1_000 });
  });

  it('refused credentials open it at once, for longer, until someone fixes the account', () => {
    const breaker = new CircuitBreaker({ authOpenMs: 900_000 });
    breaker.record('auth_failure', 0, '20003: Twilio refused the Account SID / Auth Token (20003)');
    expect(breaker.state(1)).toMatchObject({ state: 'open', reason: 'auth', until: 900_000 });
    breaker.reset();
    expect(breaker.allow(5, 2)).toBe(5);
  });
});
