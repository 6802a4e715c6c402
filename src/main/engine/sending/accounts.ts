import type { ProviderAdapter } from '../../providers/types';
import type { AccountLimits } from './discipline';

/**
 * The sending accounts as the engine sees them: for an account id (FlowSettings.sendingAccountId,
 * kept on each message in `messages.provider`), its adapter (credentials inside it, never here)
 * and its limits, and the public URLs of a message's media. Implemented over the accounts store
 * and the secret store; the engine never reads either itself.
 */
export interface SendingAccounts {
  /** The account's adapter and limits, or why it cannot send now (removed, credentials missing). */
  resolve(accountId: string): { adapter: ProviderAdapter; limits: AccountLimits } | { unavailable: string; /** Ask again this soon (default UNAVAILABLE_ACCOUNT_RETRY_MS). */ retryInMs?: number };
  /** Public URLs of an MMS's media for this flow version (hosted at publish), or null when not hosted. */
  mediaUrls(mediaRef: string, flowVersionId: string | null): readonly string[] | null;
  /**
   * The accounts whose replies the runner polls for (their adapters list inbound messages): none
   * when replies arrive by webhook (a runner that listens), else every account that can be asked.
   */
  replySources?(): ReadonlyArray<{ accountId: string; adapter: ProviderAdapter }>;
}

/** How long messages of an account that cannot send now wait before it is asked again. */
export const UNAVAILABLE_ACCOUNT_RETRY_MS = 5 * 60_000;

/** At least this many HTTP sends in flight per drain batch (the rate limiter decides how many go). */
export const SENDS_IN_FLIGHT_FLOOR = 64;
/** Never more than this many, whatever the accounts' rates (sockets and memory stay bounded). */
export const SENDS_IN_FLIGHT_CEILING = 512;
/** Provider answer time the pool is sized for at full rate: a provider's API answers in 100–400 ms. */
const SIZED_FOR_ANSWER_MS = 500;

/**
 * How many sends a batch keeps in flight for accounts whose rates add up to `totalMps`: enough
 * that each account can keep its rate while every answer takes SIZED_FOR_ANSWER_MS (1,000 MPS
 * needs 500 calls open at half a second each; a fixed 64 would cap it at 128 MPS).
 */
export function sendsInFlight(totalMps: number): number {
  return Math.min(SENDS_IN_FLIGHT_CEILING, Math.max(SENDS_IN_FLIGHT_FLOOR, Math.ceil((totalMps * SIZED_FOR_ANSWER_MS) / 1000)));
}

/** Runs `work` over `items` with at most `limit` at once; results in item order. */
export async function inPool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(runners);
  return results;
}
