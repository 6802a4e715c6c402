import { describe, expect, it } from 'vitest';
import { dueLookups, nextLookupAt } from '../../../src/main/engine/sending/statusPolling';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('status polling', () => {
  it('looks soon after the send, then less and less often, and stops after 72 hours', () => {
    const schedule: number[] = [];
    for (let done = 0; ; done++) {
      const at = nextLookupAt(0, done);
      if (at === null) break;
      schedule.push(at);
    }
    expect(schedule.slice(0, 5)).toEqual([1 * MIN, 5 * MIN, 15 * MIN, 1 * HOUR, 5 * HOUR]);
    expect(schedule.at(-1)).toBeLessThanOrEqual(72 * HOUR);
    expect(schedule.length).toBeLessThan(25);
    for (let i = 1; i < schedule.length; i++) expect(schedule[i]).toBeGreaterThan(schedule[i - 1] as number);
  });

  it('takes the most overdue lookups first, within the budget, and leaves the rest for later', () => {
    const pending = [
      { providerMessageId: 'c', dueAt: 300 },
      { providerMessageId: 'a', dueAt: 100 },
      { providerMessageId: 'future', dueAt: 10_000 },
      { providerMessageId: 'b', dueAt: 100 },
    ];
    expect(dueLookups(pending, 1_000, 2).map((p) => p.providerMessageId)).toEqual(['a', 'b']);
    expect(dueLookups(pending, 1_000, 10).map((p) => p.providerMessageId)).toEqual(['a', 'b', 'c']);
    expect(dueLookups(pending, 1_000, 0)).toEqual([]);
  });
});
