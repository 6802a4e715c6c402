import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/shared/engine/random';
import { nextRetry } from '../../../src/main/engine/sending/backoff';

const policy = { baseMs: 1_000, maxMs: 60_000, maxAttempts: 6 };

describe('nextRetry', () => {
  it('grows exponentially with jitter between half and the whole step, up to the limit', () => {
    const random = seededRandom(7);
    for (let attempts = 1; attempts < 6; attempts++) {
      const step = Math.min(60_000, 1_000 * 2 ** (attempts - 1));
      const delays = Array.from({ length: 50 }, () => nextRetry(policy, attempts, { errorClass: 'retryable' }, random));
      for (const d of delays) {
        expect(d.retry).toBe(true);
        if (d.retry) expect(d.delayMs).toBeGreaterThanOrEqual(step / 2);
        if (d.retry) expect(d.delayMs).toBeLessThanOrEqual(step);
      }
      expect(new Set(delays.map((d) => (d.retry ? d.delayMs : 0))).size).toBeGreaterThan(10);
    }
    expect(nextRetry({ ...policy, maxAttempts: 100 }, 40, { errorClass: 'retryable' }, random)).toMatchObject({ retry: true });
    const capped = nextRetry({ ...policy, maxAttempts: 100 }, 40, { errorClass: 'retryable' }, random);
    expect(capped.retry && capped.delayMs).toBeLessThanOrEqual(60_000);
  });

  it('stops at the attempt limit', () => {
    expect(nextRetry(policy, 6, { errorClass: 'retryable' }, seededRandom(1))).toEqual({ retry: false });
  });

  it('never retries sooner than the provider’s Retry-After', () => {
    const random = seededRandom(3);
    const limited = nextRetry(policy, 5, { errorClass: 'rate_limited', retryAfterMs: 20_000 }, random);
    expect(limited.retry && limited.delayMs).toBeGreaterThanOrEqual(20_000);
    expect(limited.retry && limited.delayMs).toBeLessThanOrEqual(21_000);
    const unavailable = nextRetry(policy, 1, { errorClass: 'retryable', retryAfterMs: 45_000 }, random);
    expect(unavailable.retry && unavailable.delayMs).toBe(45_000);
  });
});
