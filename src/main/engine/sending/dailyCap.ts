const dayMs = 86_400_000;

/**
 * At most `limit` sends per UTC day on an account (null: no cap). Counted when a send is granted,
 * not when it is accepted, so sends in flight cannot together overshoot the cap. A restarted
 * runner seeds the count with what the account already sent today.
 */
export class DailyCap {
  private day = Number.NaN;
  private used = 0;

  constructor(private limit: number | null) {
    if (limit !== null && !(Number.isInteger(limit) && limit >= 0)) throw new Error(`a daily cap is a whole number of messages (got ${limit})`);
  }

  setLimit(limit: number | null): void {
    this.limit = limit;
  }

  /** `count` sends already made today (at `now`), from the store. */
  seed(count: number, now: number): void {
    this.roll(now);
    this.used = count;
  }

  remaining(now: number): number {
    this.roll(now);
    return this.limit === null ? Number.POSITIVE_INFINITY : Math.max(0, this.limit - this.used);
  }

  usedToday(now: number): number {
    this.roll(now);
    return this.used;
  }

  get cap(): number | null {
    return this.limit;
  }

  take(n: number, now: number): number {
    const granted = Math.min(n, this.remaining(now));
    this.used += granted;
    return granted;
  }

  giveBack(n: number, now: number): void {
    this.roll(now);
    this.used = Math.max(0, this.used - n);
  }

  /** When sending may resume once the cap is reached: the next UTC midnight. */
  resetsAt(now: number): number {
    return (Math.floor(now / dayMs) + 1) * dayMs;
  }

  private roll(now: number): void {
    const day = Math.floor(now / dayMs);
    if (day !== this.day) {
      this.day = day;
      this.used = 0;
    }
  }
}
