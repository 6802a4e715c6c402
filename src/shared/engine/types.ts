/**
 * Shapes the journey engine shares with the renderer: message statuses, error classes, node
 * counts, contact timelines and dry-run results. Pure types and constants only.
 */

export const channels = ['sms', 'mms'] as const;
export type Channel = (typeof channels)[number];

/** A consent record names one channel, or `all` (a STOP keyword revokes every channel). */
export const consentChannels = ['sms', 'mms', 'all'] as const;
export type ConsentChannel = (typeof consentChannels)[number];
export const consentKinds = ['opt_in', 'opt_out', 'keyword'] as const;
export type ConsentKind = (typeof consentKinds)[number];

export const mmsCapabilities = ['yes', 'no', 'unknown'] as const;
export type MmsCapability = (typeof mmsCapabilities)[number];

/**
 * queued → sending → sent → delivered | undelivered | failed; or cancelled (consent, goal,
 * archive) / skipped (frequency cap) before anything left. `sending` is the claim taken just
 * before the provider call; a row found there after a crash is re-sent with the same key.
 */
export const messageStatuses = ['queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'cancelled', 'skipped'] as const;
export type MessageStatus = (typeof messageStatuses)[number];
export const terminalMessageStatuses: ReadonlySet<MessageStatus> = new Set(['delivered', 'undelivered', 'failed', 'cancelled', 'skipped']);

/**
 * How a provider error is handled: retried, deferred, rerouted to SMS, or final. `auth_failed`
 * is the account's fault, not the message's (credentials refused, account suspended or out of
 * credit): sending on that account stops until someone fixes it, and the message waits.
 */
export const providerErrorClasses = [
  'retryable',
  'auth_failed',
  /** The account may not send from its sender (a From it does not own): like auth_failed, the account waits, not the message. */
  'sender_refused',
  'rate_limited',
  'mms_unsupported',
  'opted_out',
  'invalid_number',
  'content_rejected',
  'permanent',
] as const;
export type ProviderErrorClass = (typeof providerErrorClasses)[number];

export const enrollmentStates = ['active', 'waiting', 'awaiting_message', 'awaiting_event', 'exited'] as const;
export type EnrollmentState = (typeof enrollmentStates)[number];

/** Per-node live figures; `waiting` is a current level, the rest are running totals. */
export interface NodeCounts {
  entered: number;
  waiting: number;
  sent: number;
  delivered: number;
  failed: number;
  fellBack: number;
  exited: number;
}
export const counterMetrics = ['entered', 'sent', 'delivered', 'failed', 'fellBack', 'exited'] as const;
export type CounterMetric = (typeof counterMetrics)[number];

export const emptyNodeCounts = (): NodeCounts => ({ entered: 0, waiting: 0, sent: 0, delivered: 0, failed: 0, fellBack: 0, exited: 0 });

/** A message as the contact gets it: the rendered text, the MMS subject and the image's media asset id. */
export interface MessageContent {
  body: string;
  subject: string | null;
  mediaAssetId: string | null;
}

export type TimelineEntry =
  | { at: string; type: 'enrolled'; flowId: string; version: number; enrollmentId: number }
  | { at: string; type: 'step'; flowId: string; enrollmentId: number; nodeIds: string[]; note: string }
  | { at: string; type: 'exited'; flowId: string; enrollmentId: number; reason: string }
  | {
      at: string;
      type: 'message';
      messageId: number;
      flowId: string;
      nodeId: string;
      channel: Channel;
      status: MessageStatus;
      providerCode: string | null;
      detail: string | null;
      /** What was sent, on the message's first entry only (its later entries are status changes). */
      content?: MessageContent;
    }
  | { at: string; type: 'consent'; kind: ConsentKind; channel: ConsentChannel; source: string; keyword: string | null }
  | { at: string; type: 'event'; name: string; properties: Record<string, unknown> };

export interface ContactTimeline {
  contact: {
    id: number;
    phone: string;
    timeZone: string | null;
    mmsCapable: MmsCapability;
    attributes: Record<string, unknown>;
    /**
     * A provider refused this number for good (invalid, a landline): when, and its code and
     * words. Nothing more is sent to it until the contact's phone changes. Null when reachable.
     */
    unreachable?: { at: string; reason: string } | null;
  };
  entries: TimelineEntry[];
  /**
   * What the entries' ids are called: flow names, and each flow's step names as of the versions
   * the contact followed (a step deleted from the draft since keeps its name here).
   */
  names?: { flows: Record<string, string>; steps: Record<string, Record<string, string>> };
}

export interface SimulationTotals {
  contacts: number;
  enrolled: number;
  messagesByChannel: Record<Channel, number>;
  delivered: number;
  failed: number;
  fellBack: number;
  /**
   * MMS that failed for a reason other than "this phone takes no MMS": no fallback is taken, and
   * the contact goes on by the MMS step's "Sent" output without having received it.
   */
  mmsFailedWithoutFallback: number;
  /** fellBack / MMS attempts (0 when no MMS was attempted). */
  fallbackRate: number;
  quietHoursDeferrals: number;
  capSkips: number;
  optOuts: number;
  exits: Record<string, number>;
  smsSegments: number;
}

export interface SimulationCost {
  currency: string;
  /** The price table's default row: destinations it does not name. */
  smsSegmentPrice: number;
  mmsPrice: number;
  /** Country → its own prices, for destinations the table names. */
  byCountry: Record<string, { smsSegment: number; mms: number }>;
  sms: number;
  mms: number;
  total: number;
}

/** Forecast engagement and money per node (and summed per split arm). */
export interface SimulationNodeMetrics {
  clicks: number;
  conversions: number;
  /** In the simulation's currency; conversions without a value add nothing. */
  revenue: number;
  cost: number;
}

export interface SimulationSplitVariant extends SimulationNodeMetrics {
  id: string;
  label: string;
  isHoldout: boolean;
  /** Contacts the split sent this way. */
  contacts: number;
  /** Conversions within the attribution window after the split, per contact of the arm (holdout included). */
  armConversions: number;
  /** Bayesian beta-binomial P(this arm converts better than the control); null for the control or without data. */
  probabilityToBeatControl: number | null;
}

export interface SimulationSplit {
  nodeId: string;
  controlId: string | null;
  verdict: string;
  variants: SimulationSplitVariant[];
}

export interface SimulationResult {
  seed: number;
  days: number;
  startAt: string;
  endAt: string;
  nodeCounts: Record<string, NodeCounts>;
  totals: SimulationTotals;
  cost: SimulationCost;
  /** Per node: clicks, conversions, revenue and cost. */
  nodeMetrics: Record<string, SimulationNodeMetrics>;
  splits: SimulationSplit[];
  sampleTimelines: ContactTimeline[];
}
