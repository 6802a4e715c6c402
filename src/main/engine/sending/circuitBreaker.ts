/**
 * Stops calling an account whose calls keep failing, instead of burning through the audience
 * (each of those messages would take a retry, and the provider would see a storm). Closed: calls
 * go. After `failureThreshold` failures in a row (5xx, timeouts, resets): open for `openMs`,
 * doubling each time it opens again without a success in between, up to `maxOpenMs`. Credentials
 * refused, or a sender the account may not use, open it at once, for `authOpenMs`: someone has to fix the account. When the time is up
 * it is half-open: one probe call goes; success closes it, failure opens it again. The state is
 * data the UI can show ("Twilio refused the Account SID / Auth Token; sending paused until 14:05").
 */
export interface BreakerOptions {
  failureThreshold: number;
  openMs: number;
  maxOpenMs: number;
  authOpenMs: number;
}

export const defaultBreakerOptions: BreakerOptions = { failureThreshold: 5, openMs: 30_000, maxOpenMs: 10 * 60_000, authOpenMs: 15 * 60_000 };

export type BreakerReason = 'failures' | 'auth' | 'sender';

export type BreakerState =
  | { state: 'closed'; consecutiveFailures: number }
  | { state: 'open'; reason: BreakerReason; since: number; until: number; lastError: string }
  | { state: 'half_open'; reason: BreakerReason; since: number; lastError: string; isProbeOut: boolean };

export type CallOutcome = 'success' | 'failure' | 'auth_failure' | 'sender_refusal' | 'neutral';

export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openedAt: number | null = null;
  private openUntil = 0;
  private reason: BreakerReason = 'failures';
  private lastError = '';
  private trips = 0;
  private isProbeOut = false;
  private readonly options: BreakerOptions;

  constructor(options: Partial<BreakerOptions> = {}) {
    this.options = { ...defaultBreakerOptions, ...options };
  }

  state(now: number): BreakerState {
    if (this.openedAt === null) return { state: 'closed', consecutiveFailures: this.consecutiveFailures };
    if (now < this.openUntil) return { state: 'open', reason: this.reason, since: this.openedAt, until: this.openUntil, lastError: this.lastError };
    return { state: 'half_open', reason: this.reason, since: this.openedAt, lastError: this.lastError, isProbeOut: this.isProbeOut };
  }

  /** How many of `n` calls may go now: all when closed, one probe when half-open, none when open. */
  allow(n: number, now: number): number {
    const state = this.state(now);
    if (state.state === 'closed') return n;
    if (state.state === 'open' || state.isProbeOut || n <= 0) return 0;
    this.isProbeOut = true;
    return 1;
  }

  /** When a call may go again (now when closed). */
  nextAt(now: number): number {
    const state = this.state(now);
    if (state.state === 'open') return state.until;
    return now;
  }

  record(outcome: CallOutcome, now: number, error = ''): void {
    if (outcome === 'neutral') {
      if (this.isProbeOut) this.isProbeOut = false;
      return;
    }
    if (outcome === 'success') {
      this.consecutiveFailures = 0;
      this.openedAt = null;
      this.trips = 0;
      this.isProbeOut = false;
      return;
    }
    this.lastError = error;
    if (outcome === 'auth_failure') return this.open('auth', now, this.options.authOpenMs);
    if (outcome === 'sender_refusal') return this.open('sender', now, this.options.authOpenMs);
    const current = this.state(now);
    // Late answers to calls made before it opened change nothing.
    if (current.state === 'open') return;
    this.consecutiveFailures++;
    if (current.state === 'half_open' || this.consecutiveFailures >= this.options.failureThreshold) {
      this.open('failures', now, Math.min(this.options.maxOpenMs, this.options.openMs * 2 ** this.trips));
    }
  }

  /** Someone fixed the account (new credentials, a passing connection test): call it again. */
  reset(): void {
    this.record('success', 0);
  }

  private open(reason: BreakerReason, now: number, forMs: number): void {
    this.reason = reason;
    this.openedAt = now;
    this.openUntil = now + forMs;
    this.trips++;
    this.isProbeOut = false;
  }
}
