import { useEffect, useState } from 'react';
import { SENDING_STATES_CHANGED, type AccountSendingStatus } from '../../../shared/api/accounts';
import { useApi } from '../api/ApiContext';

/**
 * Every sending account's state as the engine last reported it, asked again whenever the engine
 * pushes a change (a breaker opening or closing, a provider's pause, the daily cap).
 */
export function useSendingStates(): Map<string, AccountSendingStatus> {
  const api = useApi();
  const [states, setStates] = useState<Map<string, AccountSendingStatus>>(() => new Map());
  useEffect(() => {
    let isCurrent = true;
    const load = (): void => {
      void api.call('accounts.sendingStates', {}).then((result) => {
        if (isCurrent && result.ok) setStates(new Map(result.value.accounts.map((status) => [status.accountId, status])));
      });
    };
    load();
    const unsubscribe = api.subscribe((event) => {
      if (event.type === SENDING_STATES_CHANGED) load();
    });
    return () => {
      isCurrent = false;
      unsubscribe();
    };
  }, [api]);
  return states;
}

const ISO_INSTANT = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z/g;

/** A time as the user reads it: HH:MM today, with the date on another day. */
export function localTime(iso: string, now = new Date()): string {
  const at = new Date(iso);
  const time = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
  return at.toDateString() === now.toDateString() ? time : `${at.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`;
}

/** The engine's words with the instants it names shown in the user's zone. */
export function inLocalTimes(words: string): string {
  return words.replace(ISO_INSTANT, (iso) => localTime(iso));
}

/** Whether the engine is holding the account back (anything but sending normally, or not used yet). */
export function isHeld(status: AccountSendingStatus | undefined): status is AccountSendingStatus & { words: string } {
  return status !== undefined && status.words !== null && status.kind !== 'ok' && status.kind !== 'unknown';
}

/**
 * The engine's reason without its own "Sending paused" lead (the app's line says it), times in
 * the user's zone, and when it tries again unless the words already say that time.
 */
export function heldReason(status: AccountSendingStatus & { words: string }): { reason: string; resumesAt: string | null } {
  const reason = inLocalTimes(status.words.replace(/^Sending paused(?: until \S+)?: /, '').replace(/\.$/, ''));
  const resumesAt = status.resumesAt ? localTime(status.resumesAt) : null;
  return { reason, resumesAt: resumesAt !== null && reason.includes(resumesAt) ? null : resumesAt };
}
