import type { RandomSource } from '../../../shared/engine/random';
import type { ProviderErrorClass } from '../../../shared/engine/types';

/**
 * When to try a failed send again, if at all: jittered exponential backoff (half fixed, half
 * random, so a crowd of failures spreads out) from `baseMs`, doubling per attempt up to `maxMs`,
 * for at most `maxAttempts` attempts; the provider's Retry-After is a floor. A rate limit is not
 * the message's fault: it waits the Retry-After (or the base) without growing.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

export const defaultBackoffPolicy: BackoffPolicy = { baseMs: 30_000, maxMs: 3_600_000, maxAttempts: 8 };

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

/** `attempts` counts the attempts made so far, this failed one included. */
export function nextRetry(
  policy: BackoffPolicy,
  attempts: number,
  failure: { errorClass: ProviderErrorClass; retryAfterMs?: number },
  random: RandomSource,
): RetryDecision {
  if (attempts >= policy.maxAttempts) return { retry: false };
  if (failure.errorClass === 'rate_limited') {
    const wait = failure.retryAfterMs ?? policy.baseMs;
    // A little jitter on top, never below what the provider asked for.
    return { retry: true, delayMs: Math.ceil(wait + random.next() * Math.min(1_000, wait * 0.1)) };
  }
  const backoff = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  const jittered = backoff / 2 + random.next() * (backoff / 2);
  return { retry: true, delayMs: Math.ceil(Math.max(failure.retryAfterMs ?? 0, jittered)) };
}
