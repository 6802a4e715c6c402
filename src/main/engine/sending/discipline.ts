import type { RandomSource } from '../../../shared/engine/random';
import type { ProviderErrorClass } from '../../../shared/engine/types';
import { isAccountFault } from '../../providers/errors';
import type { SendResult } from '../../providers/types';
import { defaultBackoffPolicy, nextRetry, type BackoffPolicy } from './backoff';
import { CircuitBreaker, type BreakerOptions, type BreakerState, type CallOutcome } from './circuitBreaker';
import { DailyCap } from './dailyCap';
import { TokenBucket } from './rateLimiter';

/**
 * The sending discipline between the drain and the adapters, one place for every provider. The
 * drain asks `acquire(account, n, now)` how many of n sends may go now (rate limit, daily cap,
 * circuit breaker, a provider's Retry-After pause) and when to ask again, then tells `record`
 * each result and gets what to do with that message. Pure: time comes in as `now`, chance from
 * the injected RandomSource.
 */
export interface AccountLimits {
  /** Messages per second. */
  mps: number;
  /** Sends per UTC day, or null. */
  dailyCap: number | null;
  /** Tokens that may be saved up; one second's worth by default. */
  burst?: number;
}

export type HoldReason = 'rate' | 'daily_cap' | 'breaker_open' | 'provider_pause';

export interface Grant {
  granted: number;
  /** When to ask again for the rest: null when all n were granted, or when a breaker's probe is out (ask after its result). */
  nextAt: number | null;
  /** Why not all were granted. */
  heldBy: HoldReason | null;
}

export type MessageVerdict =
  /** Accepted, or refused for good (record the provider's answer as final). */
  | { action: 'final' }
  /** Send again at `at`. `isAttempt` false: the account was at fault, the message's attempts do not grow. */
  | { action: 'retry'; at: number; isAttempt: boolean };

export interface AccountSendingState {
  accountId: string;
  mps: number;
  dailyCap: number | null;
  sentToday: number;
  /** A provider's 429 asked for a pause until then (ms), or null. */
  pausedUntil: number | null;
  breaker: BreakerState;
}

interface Account {
  bucket: TokenBucket;
  cap: DailyCap;
  breaker: CircuitBreaker;
}

export interface DisciplineOptions {
  random: RandomSource;
  backoff?: Partial<BackoffPolicy>;
  breaker?: Partial<BreakerOptions>;
}

export class SendingDiscipline {
  private readonly accounts = new Map<string, Account>();
  private readonly backoff: BackoffPolicy;

  constructor(private readonly options: DisciplineOptions) {
    this.backoff = { ...defaultBackoffPolicy, ...options.backoff };
  }

  /** Sets (or changes) an account's limits; its breaker and today's count are kept. */
  configure(accountId: string, limits: AccountLimits, now: number): void {
    const existing = this.accounts.get(accountId);
    if (existing) {
      existing.bucket.setRate(limits.mps, now, limits.burst);
      existing.cap.setLimit(limits.dailyCap);
      return;
    }
    this.accounts.set(accountId, {
      bucket: new TokenBucket(limits.mps, limits.burst),
      cap: new DailyCap(limits.dailyCap),
      breaker: new CircuitBreaker(this.options.breaker),
    });
  }

  /** What the account already sent today (a restarted runner reads it from the store). */
  seedSentToday(accountId: string, count: number, now: number): void {
    this.account(accountId).cap.seed(count, now);
  }

  acquire(accountId: string, n: number, now: number): Grant {
    const { bucket, cap, breaker } = this.account(accountId);
    if (n <= 0) return { granted: 0, nextAt: null, heldBy: null };
    const byBreaker = breaker.allow(n, now);
    if (byBreaker === 0) return { granted: 0, nextAt: breaker.nextAt(now), heldBy: 'breaker_open' };
    const byCap = Math.min(byBreaker, cap.remaining(now));
    if (byCap === 0) {
      breaker.record('neutral', now);
      return { granted: 0, nextAt: cap.resetsAt(now), heldBy: 'daily_cap' };
    }
    const granted = bucket.take(byCap, now);
    cap.take(granted, now);
    if (granted === 0) breaker.record('neutral', now);
    if (granted === n) return { granted, nextAt: null, heldBy: null };
    if (granted < byCap) return { granted, nextAt: bucket.nextAt(n - granted, now), heldBy: bucket.isPausedAt(now) ? 'provider_pause' : 'rate' };
    if (byCap < byBreaker) return { granted, nextAt: cap.resetsAt(now), heldBy: 'daily_cap' };
    // Half-open: one probe went; the rest wait for its result (record() closes or reopens).
    return { granted, nextAt: null, heldBy: 'breaker_open' };
  }

  /**
   * How many sends `acquire` could grant now, taking nothing: the drain reads no more of an
   * account's queue than this (at least one, to learn when to come back). Infinity for an
   * account not configured yet (nothing known limits it).
   */
  room(accountId: string, now: number): number {
    const account = this.accounts.get(accountId);
    if (!account) return Number.POSITIVE_INFINITY;
    const breaker = account.breaker.state(now);
    if (breaker.state === 'open' || (breaker.state === 'half_open' && breaker.isProbeOut)) return 0;
    const byBreaker = breaker.state === 'half_open' ? 1 : Number.POSITIVE_INFINITY;
    return Math.min(byBreaker, account.cap.remaining(now), account.bucket.available(now));
  }

  /**
   * When the rate limit (or a provider's pause) lets `n` more sends go, at most a burst's worth:
   * an account held by its rate is woken for a slice of sends, not for each token.
   */
  roomAt(accountId: string, n: number, now: number): number {
    return this.account(accountId).bucket.nextAt(n, now);
  }

  /** Sends granted but not made after all (judged at the last moment): back to the account. */
  release(accountId: string, n: number, now: number): void {
    const { bucket, cap } = this.account(accountId);
    bucket.giveBack(n, now);
    cap.giveBack(n, now);
  }

  /**
   * One send's result. `attempts` counts the attempts made for the message, this one included.
   * Rate limits pause the whole account until the provider's Retry-After; failures that say
   * nothing about the message (5xx, timeouts, refused credentials, a sender the account may not
   * use) count against the account's
   * breaker; an answer about the message itself (accepted, invalid number, opted out) shows the
   * account works.
   */
  record(accountId: string, result: SendResult, attempts: number, now: number): MessageVerdict {
    const { bucket, breaker } = this.account(accountId);
    if (result.ok) {
      breaker.record('success', now);
      return { action: 'final' };
    }
    breaker.record(breakerOutcome(result.errorClass), now, `${result.code}: ${result.message}`);
    if (result.errorClass === 'rate_limited') bucket.pauseUntil(now + (result.retryAfterMs ?? this.backoff.baseMs), now);
    if (isAccountFault(result.errorClass)) return { action: 'retry', at: breaker.nextAt(now), isAttempt: false };
    if (result.errorClass !== 'retryable' && result.errorClass !== 'rate_limited') return { action: 'final' };
    const decision = nextRetry(this.backoff, attempts, result, this.options.random);
    return decision.retry ? { action: 'retry', at: now + decision.delayMs, isAttempt: true } : { action: 'final' };
  }

  /** Someone fixed the account (new credentials, a passing connection test): send again now. */
  resetBreaker(accountId: string): void {
    this.account(accountId).breaker.reset();
  }

  /** The accounts configured so far. */
  knownAccounts(): string[] {
    return [...this.accounts.keys()];
  }

  state(accountId: string, now: number): AccountSendingState {
    const { bucket, cap, breaker } = this.account(accountId);
    return {
      accountId,
      mps: bucket.rate,
      dailyCap: cap.cap,
      sentToday: cap.usedToday(now),
      pausedUntil: bucket.isPausedAt(now) ? bucket.pausedUntilAt : null,
      breaker: breaker.state(now),
    };
  }

  private account(accountId: string): Account {
    const account = this.accounts.get(accountId);
    if (!account) throw new Error(`no sending limits configured for account ${accountId}`);
    return account;
  }
}

function breakerOutcome(errorClass: ProviderErrorClass): CallOutcome {
  if (errorClass === 'auth_failed') return 'auth_failure';
  if (errorClass === 'sender_refused') return 'sender_refusal';
  if (errorClass === 'retryable') return 'failure';
  if (errorClass === 'rate_limited') return 'neutral';
  return 'success';
}

/**
 * What the flow and the settings page say about an account that is not sending at full pace,
 * or null when it is. Times are given as ISO instants; the UI shows them in the user's zone.
 */
export function describeSendingState(state: AccountSendingState, now: number): string | null {
  const { breaker } = state;
  if (breaker.state === 'open' && breaker.reason === 'auth') {
    return `Sending paused: ${breaker.lastError.replace(/^[^:]*: /, '')}. Fix the account's credentials (and test the connection) to send again; retrying on its own at ${new Date(breaker.until).toISOString()}.`;
  }
  if (breaker.state === 'open' && breaker.reason === 'sender') {
    return `Sending paused: ${breaker.lastError.replace(/^[^:]*: /, '')}. Set a sender this account owns (or fix the account) to send again; retrying on its own at ${new Date(breaker.until).toISOString()}.`;
  }
  if (breaker.state === 'open') {
    return `Sending paused until ${new Date(breaker.until).toISOString()}: the provider's last calls kept failing (${breaker.lastError}).`;
  }
  if (breaker.state === 'half_open') return `Trying one message to see whether the provider works again (${breaker.lastError}).`;
  if (state.pausedUntil !== null) return `The provider asked to slow down; sending again at ${new Date(state.pausedUntil).toISOString()}.`;
  if (state.dailyCap !== null && state.sentToday >= state.dailyCap) {
    return `Daily cap of ${state.dailyCap} messages reached; sending again at ${new Date((Math.floor(now / 86_400_000) + 1) * 86_400_000).toISOString()} (UTC midnight).`;
  }
  return null;
}
