/**
 * The engine's only sources of time and chance. Live runs pass `systemClock`; dry-runs and
 * tests pass a VirtualClock that jumps straight to the next due instant.
 */
export interface Clock {
  now(): number;
}

export class VirtualClock implements Clock {
  constructor(private current: number) {}
  now(): number {
    return this.current;
  }
  /** Time never runs backwards, even if asked to. */
  set(ts: number): void {
    if (ts > this.current) this.current = ts;
  }
  advance(ms: number): void {
    this.current += Math.max(0, ms);
  }
}

export const systemClock: Clock = { now: () => Date.now() };
