/**
 * A token bucket: `ratePerSecond` tokens a second, at most `burst` saved up. One per sending
 * account, shared by every flow that sends on it, so the account's throughput is what the
 * provider allows however many flows are live. Time comes in as `now` (ms); nothing here reads
 * a clock or sets a timer.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number | null = null;
  private pausedUntil = 0;

  constructor(
    private ratePerSecond: number,
    private burst: number = Math.max(1, ratePerSecond),
  ) {
    if (!(ratePerSecond > 0)) throw new Error(`a rate limit needs a rate above 0 messages per second (got ${ratePerSecond})`);
    this.tokens = this.burst;
  }

  get rate(): number {
    return this.ratePerSecond;
  }

  /** A new rate takes effect from now; tokens saved up so far are kept (up to the new burst). */
  setRate(ratePerSecond: number, now: number, burst: number = Math.max(1, ratePerSecond)): void {
    if (!(ratePerSecond > 0)) throw new Error(`a rate limit needs a rate above 0 messages per second (got ${ratePerSecond})`);
    this.refill(now);
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.tokens = Math.min(this.tokens, burst);
  }

  /** Takes up to `n` whole tokens available at `now`; returns how many it took. */
  take(n: number, now: number): number {
    this.refill(now);
    if (now < this.pausedUntil) return 0;
    // The epsilon keeps sums of fractional refills (0.1 + 0.2 …) from losing a token to rounding.
    const granted = Math.max(0, Math.min(n, Math.floor(this.tokens + 1e-9)));
    this.tokens = Math.max(0, this.tokens - granted);
    return granted;
  }

  /** How many whole tokens `take` would grant at `now` (none while paused); takes nothing. */
  available(now: number): number {
    this.refill(now);
    if (now < this.pausedUntil) return 0;
    return Math.floor(this.tokens + 1e-9);
  }

  /** Gives back tokens taken but not used (a send judged unnecessary after all). */
  giveBack(n: number, now: number): void {
    this.refill(now);
    this.tokens = Math.min(this.burst, this.tokens + n);
  }

  /** When `n` tokens (at most the burst) will be there, if nothing else takes them. */
  nextAt(n: number, now: number): number {
    this.refill(now);
    const wanted = Math.min(Math.max(1, n), this.burst);
    const missing = wanted - this.tokens;
    // Refilling starts at the later of now and the end of a pause.
    const from = Math.max(now, this.updatedAt ?? now);
    const refilled = missing <= 1e-9 ? from : from + Math.ceil((missing * 1000) / this.ratePerSecond);
    return Math.max(refilled, this.pausedUntil);
  }

  /** The provider said to wait (429 Retry-After): nothing goes out before `until`, and no burst after it. */
  pauseUntil(until: number, now: number): void {
    this.refill(now);
    if (until > this.pausedUntil) this.pausedUntil = until;
    this.tokens = 0;
    this.updatedAt = Math.max(now, until);
  }

  isPausedAt(now: number): boolean {
    return now < this.pausedUntil;
  }

  get pausedUntilAt(): number {
    return this.pausedUntil;
  }

  private refill(now: number): void {
    if (this.updatedAt === null) {
      this.updatedAt = now;
      return;
    }
    if (now <= this.updatedAt) return;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) * this.ratePerSecond) / 1000);
    this.updatedAt = now;
  }
}
