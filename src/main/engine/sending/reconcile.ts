import type { ProviderAdapter, ReconcileQuery, ReconcileResult } from '../../providers/types';

/**
 * A row found in `sending` after a crash was handed to the provider, or was about to be. Before
 * anything is resent, ask: a provider with idempotency keys dedupes a resend itself; one without
 * is asked whether it has the message (adapter.reconcile). Only a certain "no" resends; a "yes"
 * records the send; "cannot tell yet" asks again later, and past `giveUpAfterMs` the row is
 * marked uncertain for a person to look at, never resent.
 */
export type SendingRowAction =
  | { action: 'mark_sent'; providerMessageId: string }
  | { action: 'resend' }
  | { action: 'ask_again'; at: number; reason: string }
  | { action: 'mark_uncertain'; reason: string };

export const defaultGiveUpAfterMs = 60 * 60_000;
const askAgainMs = 60_000;

export function decideSendingRow(
  answer: ReconcileResult | { outcome: 'error'; reason: string } | null,
  query: ReconcileQuery,
  giveUpAfterMs = defaultGiveUpAfterMs,
): SendingRowAction {
  if (answer === null) return { action: 'mark_uncertain', reason: 'the provider offers no way to look the message up' };
  if (answer.outcome === 'sent') return { action: 'mark_sent', providerMessageId: answer.providerMessageId };
  if (answer.outcome === 'not_sent') return { action: 'resend' };
  const at = answer.outcome === 'unknown' && answer.retryAt !== undefined ? answer.retryAt : query.now + askAgainMs;
  const isRetryable = answer.outcome === 'error' || answer.retryAt !== undefined;
  if (isRetryable && at - query.claimedAt <= giveUpAfterMs) return { action: 'ask_again', at, reason: answer.reason };
  return { action: 'mark_uncertain', reason: answer.reason };
}

export async function reconcileSendingRow(adapter: Pick<ProviderAdapter, 'capabilities' | 'reconcile'>, query: ReconcileQuery, giveUpAfterMs = defaultGiveUpAfterMs): Promise<SendingRowAction> {
  if (adapter.capabilities.idempotentSend) return { action: 'resend' };
  if (!adapter.reconcile) return decideSendingRow(null, query, giveUpAfterMs);
  let answer: ReconcileResult | { outcome: 'error'; reason: string };
  try {
    answer = await adapter.reconcile(query);
  } catch (error) {
    answer = { outcome: 'error', reason: error instanceof Error ? error.message : String(error) };
  }
  return decideSendingRow(answer, query, giveUpAfterMs);
}
