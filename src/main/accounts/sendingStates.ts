import type { AccountSendingStatus } from '../../shared/api/accounts';
import { SENDING_STATES_CHANGED } from '../../shared/api/accounts';
import type { EventBus, PostcardEvent } from '../api/events';
import { describeSendingState, type AccountSendingState } from '../engine/sending/discipline';

/**
 * Where each sending account stands lives in the engine that sends (the scheduler's thread in
 * the app), in memory. After each tick the engine side reports what changed as an event; the
 * main side keeps the last report per account for `accounts.sendingStates`, and the same event
 * reaches the renderer, which asks again.
 */
export interface ReportedSendingState {
  accountId: string;
  kind: string;
  words: string | null;
  resumesAt: number | null;
}

const DAY_MS = 86_400_000;

/** The engine's state of one account as the app shows it: its kind of hold, the engine's words, and when it sends again. */
export function reportSendingState(state: AccountSendingState, now: number): ReportedSendingState {
  const words = describeSendingState(state, now);
  const { breaker } = state;
  const base = { accountId: state.accountId, words };
  if (breaker.state === 'open') return { ...base, kind: `paused:${breaker.reason}`, resumesAt: breaker.until };
  if (breaker.state === 'half_open') return { ...base, kind: 'probing', resumesAt: null };
  if (state.pausedUntil !== null) return { ...base, kind: 'rate_limited', resumesAt: state.pausedUntil };
  if (state.dailyCap !== null && state.sentToday >= state.dailyCap) return { ...base, kind: 'daily_cap', resumesAt: (Math.floor(now / DAY_MS) + 1) * DAY_MS };
  // A hold the engine describes that this module does not name yet still shows, in its words.
  return { ...base, kind: words === null ? 'ok' : 'held', resumesAt: null };
}

/**
 * Call after each tick: emits `accounts.sendingChanged` with every account's state when any of
 * them changed since the last call (the kind, the words or the time), and nothing otherwise.
 */
export function sendingStateReporter(read: () => AccountSendingState[], now: () => number, emit: (event: PostcardEvent) => void): () => void {
  let last = '';
  return () => {
    const at = now();
    const accounts = read().map((state) => reportSendingState(state, at));
    const signature = JSON.stringify(accounts);
    if (signature === last) return;
    last = signature;
    emit({ type: SENDING_STATES_CHANGED, accounts, at });
  };
}

/** The main side's copy of the engine's last report, per account. */
export class SendingStateBoard {
  private readonly latest = new Map<string, ReportedSendingState & { reportedAt: number }>();

  constructor(events: EventBus) {
    events.subscribe((event) => {
      if (event.type !== SENDING_STATES_CHANGED || !Array.isArray(event.accounts)) return;
      const at = typeof event.at === 'number' ? event.at : Date.now();
      for (const state of event.accounts as ReportedSendingState[]) this.latest.set(state.accountId, { ...state, reportedAt: at });
    });
  }

  statusOf(account: { id: string; name: string }): AccountSendingStatus {
    const state = this.latest.get(account.id);
    if (!state) return { accountId: account.id, name: account.name, kind: 'unknown', words: null, resumesAt: null, reportedAt: null };
    return {
      accountId: account.id,
      name: account.name,
      kind: state.kind,
      words: state.words,
      resumesAt: state.resumesAt === null ? null : new Date(state.resumesAt).toISOString(),
      reportedAt: new Date(state.reportedAt).toISOString(),
    };
  }
}
