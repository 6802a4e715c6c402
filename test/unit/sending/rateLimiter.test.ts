import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../src/main/engine/sending/rateLimiter';

describe('TokenBucket', () => {
  it('lets a second’s worth go at once, then the configured rate, whoever asks', () => {
    const bucket = new TokenBucket(100);
    expect(bucket.take(250, 0)).toBe(100);
    expect(bucket.take(10, 0)).toBe(0);
    expect(bucket.nextAt(10, 0)).toBe(100);
    expect(bucket.take(10, 50)).toBe(5);
    // Two flows share the account: together they never exceed the rate.
    let sent = 0;
    for (let t = 1_000; t <= 11_000; t += 10) sent += bucket.take(3, t) + bucket.take(3, t);
    expect(sent).toBeGreaterThanOrEqual(1_000);
    expect(sent).toBeLessThanOrEqual(1_000 + 100);
  });

  it('sustains the configured rate over a long run (no drift from rounding)', () => {
    const bucket = new TokenBucket(7);
    let sent = bucket.take(1_000_000, 0);
    for (let t = 12; t <= 60_000; t += 12) sent += bucket.take(1_000_000, t);
    expect(sent).toBe(7 + 420);
  });

  it('pauses for a provider’s Retry-After and does not burst after it', () => {
    const bucket = new TokenBucket(50);
    bucket.take(50, 0);
    bucket.pauseUntil(5_000, 100);
    expect(bucket.take(1, 4_999)).toBe(0);
    expect(bucket.nextAt(1, 1_000)).toBe(5_020);
    expect(bucket.take(100, 5_100)).toBe(5);
  });

  it('keeps saved tokens when the rate changes, up to the new burst', () => {
    const bucket = new TokenBucket(10);
    bucket.setRate(2, 0);
    expect(bucket.take(10, 0)).toBe(2);
    expect(bucket.take(10, 1_000)).toBe(2);
  });

  it('refuses a rate of zero by name', () => {
    expect(() => new TokenBucket(0)).toThrow(/rate above 0/);
  });
});
