import { z } from 'zod';
import { ExchangeRates, PriceTable } from '../analytics/money';
import { LINK_DOMAIN_PATTERN } from '../analytics/links';
import type { Lift, RateEstimate } from '../analytics/statistics';
import { SimulatedEngagement } from '../engine/simulation';
import { method } from './method';

/** Measurement: a flow's figures over a time range, a split's statistics, the workspace overview, settings, CSV. */

const flowId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a flow id');
const nodeId = z.string().min(1).max(64);
const DAY = 86_400_000;
const MAX_RANGE_DAYS = 400;

export const TimeRange = z
  .object({ from: z.iso.datetime(), to: z.iso.datetime() })
  .refine((r) => Date.parse(r.to) > Date.parse(r.from), { message: 'the range must end after it starts' })
  .refine((r) => Date.parse(r.to) - Date.parse(r.from) <= MAX_RANGE_DAYS * DAY, { message: `a range covers at most ${MAX_RANGE_DAYS} days` });
export type TimeRange = z.infer<typeof TimeRange>;

export interface MetricTotals {
  /** Rows the flow wrote to the outbox (including ones later cancelled or skipped). */
  queued: number;
  sent: number;
  delivered: number;
  failed: number;
  /** MMS that fell back to SMS in the range (the fallback step's messages created in it). */
  fellBack: number;
  segments: number;
  optOuts: number;
  clicks: number;
  uniqueClicks: number;
  /** Link-preview fetches (iMessage, WhatsApp, Slack …): recorded, not counted as clicks. */
  previewFetches: number;
  replies: number;
  conversions: number;
  cost: number;
  revenueByCurrency: Record<string, number>;
  /** In the report currency; null when currencies are mixed without exchange rates (see revenueProblem). */
  revenue: number | null;
  revenueProblem: string | null;
  revenuePerMessage: number | null;
  /** (revenue − cost) / cost. */
  roi: number | null;
}

export interface SeriesPoint {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  sent: number;
  delivered: number;
  failed: number;
  clicks: number;
  conversions: number;
  optOuts: number;
  revenue: number | null;
  cost: number;
}

export interface OptOutCause {
  nodeId: string | null;
  optOuts: number;
  /** The body the node sent most recently, so the marketer sees which words lost people. */
  body: string | null;
}

export interface SplitSummary {
  nodeId: string;
  label: string;
}

export interface FlowAnalytics {
  flowId: string;
  name: string;
  from: string;
  to: string;
  currency: string;
  totals: MetricTotals;
  byNode: Record<string, MetricTotals>;
  failuresByReason: Array<{ reason: string; count: number }>;
  optOutCauses: OptOutCause[];
  series: SeriesPoint[];
  splits: SplitSummary[];
  attributionDays: number;
  goalEvent: string;
}

/** An arm's rates, each with its 95 % interval; a rate without trials (a holdout is sent nothing) is null. */
export interface ArmRates {
  /** Delivered of sent. */
  delivery: RateEstimate;
  /** Contacts who tapped a link, of delivered. */
  clickThrough: RateEstimate;
  /** Opt-outs, of delivered. */
  optOut: RateEstimate;
  /** Converted, of the arm's contacts (the holdout's too). */
  conversion: RateEstimate;
}

export interface ArmAnalytics {
  id: string;
  label: string;
  isHoldout: boolean;
  isControl: boolean;
  /** The channel of the arm's first message step (null for a holdout or an arm without one). */
  channel: 'sms' | 'mms' | null;
  contacts: number;
  conversions: number;
  estimate: RateEstimate;
  probabilityToBeatControl: number | null;
  lift: Lift | null;
  rates: ArmRates;
  metrics: MetricTotals;
}

export interface SplitAnalytics {
  flowId: string;
  splitNodeId: string;
  label: string;
  from: string;
  to: string;
  controlId: string | null;
  arms: ArmAnalytics[];
  minimumDetectableEffect: number;
  sampleSizeNeeded: number | null;
  sampleSizeRemaining: number | null;
  verdict: string;
  /** Arm ids for the one-click comparisons the view offers. */
  comparisons: { holdoutId: string | null; smsArmId: string | null; mmsArmId: string | null };
}

export interface WorkspaceAnalytics {
  from: string;
  to: string;
  currency: string;
  totals: MetricTotals;
  flows: Array<{ flowId: string; name: string; totals: MetricTotals }>;
  /** Goal events in the range that no message earned. */
  conversionsWithoutMessage: number;
  series: SeriesPoint[];
}

/**
 * Offline mode: when a live flow sends through the built-in simulator, its recipients tap links,
 * buy and text back at these rates (marked as simulated), so every chart can be tried without a provider.
 */
export const OfflineEngagement = SimulatedEngagement.extend({ isEnabled: z.boolean() });
export type OfflineEngagement = z.infer<typeof OfflineEngagement>;
export const defaultOfflineEngagement = (): OfflineEngagement => ({ isEnabled: true, clickRate: { sms: 0.04, mms: 0.08 }, conversionRate: 0.2, replyRate: 0.01, orderValue: 40 });

export const AnalyticsSettings = z.object({
  prices: PriceTable,
  /** Into the price table's currency. */
  exchangeRates: ExchangeRates.default({}),
  linkDomain: z.string().regex(LINK_DOMAIN_PATTERN, 'expected a host name such as go.example.com'),
  simulatedEngagement: OfflineEngagement.default(defaultOfflineEngagement),
});
export type AnalyticsSettings = z.infer<typeof AnalyticsSettings>;

export interface MessagesExport {
  csv: string;
  rows: number;
  /** True when the range held more rows than one export carries. */
  isTruncated: boolean;
}

export const MAX_EXPORT_ROWS = 200_000;

export interface VersionHistoryEntry {
  version: number;
  publishedAt: string;
  /** Why the version exists when the runner published it (the auto-winner's decision); null when a person published it. */
  note: string | null;
}

export interface AutoWinnerStatus {
  splitNodeId: string;
  label: string;
  /** switched: the winner now gets the traffic; no_winner: the condition is met but no variant is clearly best. */
  status: 'switched' | 'no_winner';
  note: string;
  decidedAt: string;
  version: number | null;
}

export interface FlowHistory {
  flowId: string;
  name: string;
  /** Newest first. */
  versions: VersionHistoryEntry[];
  autoWinners: AutoWinnerStatus[];
}

export const analyticsContract = {
  'analytics.flow': method(z.object({ flowId, range: TimeRange })).returns<FlowAnalytics>(),
  'analytics.split': method(
    z.object({
      flowId,
      splitNodeId: nodeId,
      range: TimeRange,
      controlId: z.string().max(64).optional(),
      minimumDetectableEffect: z.number().min(0.01).max(5).default(0.2),
    }),
  ).returns<SplitAnalytics>(),
  'analytics.workspace': method(z.object({ range: TimeRange })).returns<WorkspaceAnalytics>(),
  'analytics.settings': method(z.object({})).returns<AnalyticsSettings>(),
  'analytics.saveSettings': method(AnalyticsSettings).returns<AnalyticsSettings>(),
  'analytics.exportMessages': method(z.object({ flowId, range: TimeRange })).returns<MessagesExport>(),
  'analytics.history': method(z.object({ flowId })).returns<FlowHistory>(),
} as const;
