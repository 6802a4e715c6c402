import { createContext, memo, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { MetricTotals, TimeRange } from '../../../shared/api/analytics';
import type { NodeKind } from '../../../shared/graph/nodes';
import { useApi } from '../api/ApiContext';
import { rangeLabel, useRangeDays } from '../analytics/analyticsChoices';
import '../styles/stepAnalytics.css';

/**
 * "Analytics on steps": each message step's figures from analytics.flow (sent, delivered, failed,
 * fell back to SMS, clicks, opt-outs, replies, conversions, revenue, cost, ROI) and each split's
 * per-variant contacts and conversions from analytics.split, as a badge on the card, over the time
 * range chosen in the flow's Analytics view. Like the live counts it covers the card's summary and
 * never changes the card's size, so it never reaches over another step. One store per open editor,
 * passed by context.
 */

export interface VariantFigures {
  label: string;
  contacts: number;
  conversions: number;
}

export interface MessageFigures {
  kind: 'message';
  sent: number;
  delivered: number;
  failed: number;
  fellBack: number;
  clicks: number;
  optOuts: number;
  replies: number;
  conversions: number;
  revenue: number | null;
  cost: number;
  roi: number | null;
  currency: string;
}

export type StepFigures =
  | MessageFigures
  | { kind: 'split'; variants: VariantFigures[] };

interface StepAnalyticsState {
  isOn: boolean;
  /** The Analytics view's range for this flow, in days back from today. */
  days: number;
  isLoading: boolean;
  error: string | null;
  byNode: Record<string, StepFigures>;
}

type StepAnalyticsStore = StoreApi<StepAnalyticsState>;

const StepAnalyticsContext = createContext<StepAnalyticsStore | null>(null);
const DAY = 86_400_000;
const REFRESH_MS = 30_000;

/** The same days the Analytics view reads (whole UTC days up to the end of today). */
function lastDays(days: number): TimeRange {
  const to = Math.ceil(Date.now() / DAY) * DAY;
  return { from: new Date(to - days * DAY).toISOString(), to: new Date(to).toISOString() };
}

const messageFigures = (t: MetricTotals, currency: string): MessageFigures => ({
  kind: 'message',
  sent: t.sent,
  delivered: t.delivered,
  failed: t.failed,
  fellBack: t.fellBack,
  clicks: t.uniqueClicks,
  optOuts: t.optOuts,
  replies: t.replies,
  conversions: t.conversions,
  revenue: t.revenue,
  cost: t.cost,
  roi: t.roi,
  currency,
});

/** A step the range holds nothing for. */
const noFigures: MessageFigures = { kind: 'message', sent: 0, delivered: 0, failed: 0, fellBack: 0, clicks: 0, optOuts: 0, replies: 0, conversions: 0, revenue: 0, cost: 0, roi: null, currency: '' };

export function StepAnalyticsProvider({ flowId, children }: { flowId: string; children: ReactNode }) {
  const api = useApi();
  const [days] = useRangeDays(flowId);
  const [store] = useState(() => createStore<StepAnalyticsState>(() => ({ isOn: false, days, isLoading: false, error: null, byNode: {} })));
  const isOn = useStore(store, (s) => s.isOn);
  useEffect(() => {
    if (!isOn) return undefined;
    let isCurrent = true;
    store.setState({ days });
    const load = async (): Promise<void> => {
      store.setState({ isLoading: true });
      const range = lastDays(days);
      const flow = await api.call('analytics.flow', { flowId, range });
      if (!isCurrent) return;
      if (!flow.ok) {
        store.setState({ isLoading: false, error: flow.error.message });
        return;
      }
      const byNode: Record<string, StepFigures> = {};
      for (const [nodeId, totals] of Object.entries(flow.value.byNode)) byNode[nodeId] = messageFigures(totals, flow.value.currency);
      for (const split of flow.value.splits) {
        const answer = await api.call('analytics.split', { flowId, splitNodeId: split.nodeId, range, minimumDetectableEffect: 0.2 });
        if (!isCurrent) return;
        if (answer.ok) byNode[split.nodeId] = { kind: 'split', variants: answer.value.arms.map((arm) => ({ label: arm.label, contacts: arm.contacts, conversions: arm.conversions })) };
      }
      store.setState({ isLoading: false, error: null, byNode });
    };
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      isCurrent = false;
      clearInterval(timer);
    };
  }, [api, flowId, isOn, store, days]);
  return <StepAnalyticsContext.Provider value={store}>{children}</StepAnalyticsContext.Provider>;
}

/** The editor's switch; says when the figures cannot be read. */
export function StepAnalyticsToggle() {
  const store = useContext(StepAnalyticsContext);
  if (!store) throw new Error('StepAnalyticsToggle needs a <StepAnalyticsProvider> above it');
  const isOn = useStore(store, (s) => s.isOn);
  const error = useStore(store, (s) => s.error);
  const days = useStore(store, (s) => s.days);
  return (
    <button
      type="button"
      className="button"
      aria-pressed={isOn}
      title={error ?? `Show each step’s figures on the canvas (${rangeLabel(days)}, the range chosen in Analytics)`}
      onClick={() => store.setState({ isOn: !isOn, error: null })}
    >
      Analytics on steps
    </button>
  );
}

const numberFormat = new Intl.NumberFormat('en-US');
const n = (value: number): string => numberFormat.format(value);

/** Large figures and money in four characters or so ("12.3K", "2K"), so one card holds them all; the title has them in full. */
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumSignificantDigits: 3 });
const short = (value: number): string => (Math.abs(value) >= 10_000 ? compact.format(value) : n(value));
const moneyFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

function cellsOf(figures: StepFigures, kind: 'sms' | 'mms' | 'split'): Array<{ key: string; strong: string; text: string; title?: string }> {
  // A split's card has room for two short lines: "MMS 100/900" (converted of contacts) per variant, in full in the title.
  if (figures.kind === 'split') {
    return figures.variants.map((v) => ({
      key: `variant-${v.label}`,
      strong: v.label,
      text: `${n(v.conversions)}/${n(v.contacts)}`,
      title: `${v.label}: ${n(v.conversions)} conversions from ${n(v.contacts)} contacts`,
    }));
  }
  const currency = figures.currency ? ` ${figures.currency}` : '';
  const count = (key: string, value: number, text: string, words = text) => ({ key, strong: short(value), text, title: `${n(value)} ${words}` });
  const money = (key: string, value: number | null, text: string, words: string) => ({
    key,
    strong: value === null ? '—' : compact.format(value),
    text,
    title: value === null ? `${words}: mixed currencies` : `${words}: ${moneyFormat.format(value)}${currency}`,
  });
  return [
    count('sent', figures.sent, 'sent'),
    count('delivered', figures.delivered, 'deliv.', 'delivered'),
    count('failed', figures.failed, 'failed'),
    ...(kind === 'mms' ? [count('fellBack', figures.fellBack, '→ SMS', 'fell back to SMS')] : []),
    count('clicks', figures.clicks, 'clicks', 'contacts who tapped a link'),
    count('optOuts', figures.optOuts, 'opt-out', 'opt-outs after this message'),
    count('replies', figures.replies, 'replies'),
    count('conversions', figures.conversions, 'conv.', 'conversions'),
    money('revenue', figures.revenue, figures.currency || 'rev.', 'Revenue'),
    money('cost', figures.cost, 'cost', 'Cost'),
    {
      key: 'roi',
      strong: figures.roi === null ? '—' : `${new Intl.NumberFormat('en-US', { notation: 'compact', maximumSignificantDigits: 2 }).format(Math.round(figures.roi * 100))}%`,
      text: 'ROI',
      title: figures.roi === null ? 'ROI: no cost yet' : `ROI (revenue − cost) ÷ cost: ${n(Math.round(figures.roi * 100))} %`,
    },
  ];
}

/** The badge on one card, inside its summary; nothing when the switch is off or the step has no figures. */
export const StepAnalyticsBadge = memo(function StepAnalyticsBadge({ nodeId, kind }: { nodeId: string; kind: NodeKind }) {
  const store = useContext(StepAnalyticsContext);
  if (!store || (kind !== 'sms' && kind !== 'mms' && kind !== 'split')) return null;
  return <Badge store={store} nodeId={nodeId} kind={kind} />;
});

function Badge({ store, nodeId, kind }: { store: StepAnalyticsStore; nodeId: string; kind: 'sms' | 'mms' | 'split' }) {
  const isOn = useStore(store, (s) => s.isOn);
  const select = useCallback((s: StepAnalyticsState) => s.byNode[nodeId], [nodeId]);
  const figures = useStore(store, select);
  const isLoading = useStore(store, (s) => s.isLoading);
  const days = useStore(store, (s) => s.days);
  if (!isOn) return null;
  const shown: StepFigures | undefined = figures ?? (isLoading ? undefined : kind === 'split' ? { kind: 'split', variants: [] } : noFigures);
  if (!shown) return null;
  const cells = cellsOf(shown, kind);
  return (
    <div className={`node-counts step-analytics is-${shown.kind}`} role="group" aria-label="Step analytics">
      <span className="node-counts-source" title={`${rangeLabel(days)}, the range chosen in Analytics`}>
        {shown.kind === 'split' ? 'Converted' : `${days} days`}
      </span>
      {cells.length === 0 ? <span className="node-count">No sends yet</span> : null}
      <ul className="node-counts-list">
        {cells.map((cell) => (
          <li key={cell.key} className={`node-count metric-${cell.key}`} title={cell.title}>
            <strong>{cell.strong}</strong> {cell.text}
          </li>
        ))}
      </ul>
    </div>
  );
}
