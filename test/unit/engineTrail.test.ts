import { describe, expect, it } from 'vitest';
import { parseTrail, trailLine } from '../../src/main/engine/trail';

const T = 1_767_625_200_000;

describe('enrollment trails', () => {
  it('round-trips lines, keeping notes with tabs or newlines on one line', () => {
    const trail = `\n${trailLine(T, ['t', 'w'], 'waiting until later')}\n${trailLine(T + 1, ['s', 'x'], 'SMS queued;\texited:\ndone')}`;
    expect(parseTrail(trail)).toEqual([
      { at: T, nodeIds: ['t', 'w'], note: 'waiting until later' },
      { at: T + 1, nodeIds: ['s', 'x'], note: 'SMS queued; exited: done' },
    ]);
    expect(parseTrail('')).toEqual([]);
  });

  it('drops the partial first line of a trail cut to its newest lines', () => {
    const full = `\n${trailLine(T, ['t'], 'entered')}\n${trailLine(T + 5, ['w'], 'waited')}`;
    // Cut inside the first timestamp: what is left of it still looks like a number.
    const cut = full.slice(5);
    expect(parseTrail(cut)).toEqual([{ at: T + 5, nodeIds: ['w'], note: 'waited' }]);
  });
});
