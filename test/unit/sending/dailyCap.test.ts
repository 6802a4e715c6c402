import { describe, expect, it } from 'vitest';
import { DailyCap } from '../../../src/main/engine/sending/dailyCap';

const day = 86_400_000;

describe('DailyCap', () => {
  it('grants up to the cap in a UTC day and starts again at midnight', () => {
    const cap = new DailyCap(1_000);
    const morning = 10 * day + 8 * 3_600_000;
    expect(cap.take(600, morning)).toBe(600);
    expect(cap.take(600, morning + 1)).toBe(400);
    expect(cap.remaining(morning + 2)).toBe(0);
    expect(cap.resetsAt(morning)).toBe(11 * day);
    expect(cap.take(5, 11 * day)).toBe(5);
  });

  it('counts what was sent today before a restart', () => {
    const cap = new DailyCap(100);
    cap.seed(95, 3 * day + 5);
    expect(cap.take(10, 3 * day + 6)).toBe(5);
  });

  it('without a cap grants everything', () => {
    expect(new DailyCap(null).take(1_000_000, 0)).toBe(1_000_000);
  });
});
