/**
 * The engine's only source of time, and the one engine file allowed to touch the real clock and
 * timers (eslint.config.mjs bans Date.now, new Date(), setTimeout and Math.random in the rest).
 * Live runs pass `systemClock` and `realSleep`; dry-runs and tests pass a VirtualClock that jumps
 * straight to the next due instant.
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

/** The real sleep, handed to the Scheduler by the composition root; resolves early when aborted. */
export function realSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
