import type { Channel } from '../engine/types';

/**
 * Which message earns a conversion. A pure function of the goal event and the contact's messages
 * (the "touches"), tested like the engine's step: no clock, no store. Last touch: the latest
 * message that reached the contact before the event and no longer ago than the window.
 */

export const MIN_ATTRIBUTION_DAYS = 1;
export const MAX_ATTRIBUTION_DAYS = 30;
export const DEFAULT_ATTRIBUTION_DAYS = 5;
export const DAY_MS = 86_400_000;

export interface Touch {
  messageId: number;
  flowId: string | null;
  nodeId: string | null;
  channel: Channel;
  /** When the provider accepted it (the contact could have seen it from then on). */
  sentAt: number;
  /** A message that failed or was undelivered never reached the phone: it cannot earn credit. */
  isReached: boolean;
  /** The window of the touch's own flow, when it differs from the default given to the function. */
  windowDays?: number;
}

export interface GoalEvent {
  occurredAt: number;
}

/**
 * The touch credited with the event, or null (a conversion without a message: it counts for the
 * contact, not for any message). A touch sent exactly `windowDays` before the event still counts;
 * one millisecond earlier does not. A touch at the same instant as the event counts (the message
 * could not have been caused by the purchase). Ties on time go to the higher message id (sent later).
 */
export function attributeLastTouch(event: GoalEvent, touches: readonly Touch[], windowDays: number): Touch | null {
  if (!(windowDays >= MIN_ATTRIBUTION_DAYS && windowDays <= MAX_ATTRIBUTION_DAYS)) {
    throw new RangeError(`the attribution window must be ${MIN_ATTRIBUTION_DAYS}–${MAX_ATTRIBUTION_DAYS} days, got ${windowDays}`);
  }
  let best: Touch | null = null;
  for (const touch of touches) {
    const earliest = event.occurredAt - (touch.windowDays ?? windowDays) * DAY_MS;
    if (!touch.isReached || touch.sentAt > event.occurredAt || touch.sentAt < earliest) continue;
    if (!best || touch.sentAt > best.sentAt || (touch.sentAt === best.sentAt && touch.messageId > best.messageId)) best = touch;
  }
  return best;
}

/** Whether an event falls in the window that opens when a contact is assigned to a split arm. */
export function isWithinWindow(startedAt: number, occurredAt: number, windowDays: number): boolean {
  return occurredAt >= startedAt && occurredAt <= startedAt + windowDays * DAY_MS;
}
