/**
 * Receipts by polling, for providers that can be asked (Twilio, Telnyx: adapter.lookupStatus)
 * when no webhook reaches the runner: paced per message and batched per account. A message is
 * looked up 1 minute after the send, then 5, 15 and 60 minutes, then every 4 hours until 72 hours
 * have passed (carriers report most receipts within minutes; a few take hours); after that it
 * stays as the provider last said. Each account's lookups get a budget of their own (a separate
 * TokenBucket, say), apart from the sending rate, so polling never takes throughput from sends.
 */
const firstLookupsMs = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000];
const laterEveryMs = 4 * 3_600_000;
export const stopLookingAfterMs = 72 * 3_600_000;

/** When to look the message up next, after `lookupsDone` lookups that found it not yet final; null: stop. */
export function nextLookupAt(sentAt: number, lookupsDone: number): number | null {
  const early = firstLookupsMs[lookupsDone];
  const at = early !== undefined ? sentAt + early : sentAt + (firstLookupsMs.at(-1) ?? 0) + (lookupsDone - firstLookupsMs.length + 1) * laterEveryMs;
  return at - sentAt > stopLookingAfterMs ? null : at;
}

export interface PendingLookup {
  providerMessageId: string;
  dueAt: number;
}

/**
 * The lookups to make now: due ones, most overdue first, at most `budget` (what the account's
 * lookup budget grants this tick). The rest wait for a later tick; none is dropped.
 */
export function dueLookups<T extends PendingLookup>(pending: readonly T[], now: number, budget: number): T[] {
  if (budget <= 0) return [];
  return pending
    .filter((p) => p.dueAt <= now)
    .sort((a, b) => a.dueAt - b.dueAt || (a.providerMessageId < b.providerMessageId ? -1 : 1))
    .slice(0, budget);
}
