import { unitHash } from '../../../shared/engine/random';
import { preferenceRefusal } from '../../audience/sendChecks';
import { isQuietAt, quietHoursEnd } from '../localTime';
import { hasConsent, type DueMessageRow } from '../store';
import type { RuntimeContext } from './context';

export type SendVerdict =
  | { type: 'send' }
  | { type: 'cancel'; reason: string }
  | { type: 'defer'; at: number; opening: number }
  | { type: 'skip'; reason: string }
  /** Not sent, and never will be: the number cannot take messages. */
  | { type: 'fail'; reason: string };

/**
 * The send-time rules, judged at the instant of sending (the drain, or a step that sends
 * straight away): a number a provider refused for good, consent for the channel, the contact's pause and the flow's subscription
 * category (the preference center), quiet hours in the contact's zone (deferred to the
 * window's opening), the frequency cap across all flows. HELP answers (purpose 'reply') pass.
 * `alreadyClaimed` counts sends to the same contact earlier in the same batch, not yet visible
 * as accepted.
 *
 * The spread after quiet hours is drawn per contact, not per message, so everything held for
 * one contact leaves in the order it was queued (a contact's flow waits for each message to
 * be sent before it moves on, so the order within a flow holds in any case).
 */
export function sendVerdict(context: RuntimeContext, row: DueMessageRow, now: number, alreadyClaimed: number): SendVerdict {
  // A number a provider refused for good is not paid for again, whatever the message is for.
  if (row.unreachable_reason) return { type: 'fail', reason: `number marked unreachable: ${row.unreachable_reason}` };
  if (row.purpose !== 'marketing') return { type: 'send' };
  const s = context.statements;
  if (!hasConsent(s, row.contact_id, row.channel, now)) return { type: 'cancel', reason: 'no_consent' };
  const settings = row.flow_version_id ? (context.versions.get(row.flow_version_id)?.settings ?? null) : null;
  const refusal = preferenceRefusal(context.sqlite, row.contact_id, settings?.category ?? null, now);
  if (refusal) return { type: 'cancel', reason: refusal };
  if (!settings) return { type: 'send' };
  const zone = row.time_zone ?? settings.defaultTimeZone;
  if (isQuietAt(settings.quietHours, zone, now)) {
    const opening = quietHoursEnd(settings.quietHours, zone, now);
    return { type: 'defer', opening, at: opening + Math.floor(unitHash('quiet', String(row.contact_id)) * context.settings.quietSpreadMs) };
  }
  const cap = settings.frequencyCap;
  if (cap.isEnabled) {
    const since = now - cap.perHours * 3_600_000;
    if ((s.countAcceptedSince.get(row.contact_id, since) as number) + alreadyClaimed >= cap.maxMessages) {
      return { type: 'skip', reason: 'frequency_cap' };
    }
  }
  return { type: 'send' };
}
