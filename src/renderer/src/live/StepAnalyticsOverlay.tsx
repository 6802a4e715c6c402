import { createContext, memo, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { MetricTotals, TimeRange } from '../../../shared/api/analytics';
import type { NodeKind } from '../../../shared/graph/nodes';
import { useApi } from '../api/ApiContext';
import '../styles/stepAnalytics.css';

/**
 * "Analytics on steps": each message step's figures from analytics.flow (sent, delivered, clicks,
 * conversions, revenue) and each split's per-variant contacts and conversions from analytics.split,
 * as a badge on the card. Like the live counts it covers the card's summary and never changes the
 * card's size, so it never reaches over another step. One store per open editor, passed by context.
 */

export interface VariantFigures {
  label: string;
  contacts: number;
  conversions: number;
}

export type StepFigures =
  | { kind: 'message'; sent: number; delivered: number; clicks: number; conversions: number; revenue: number | null; currency: string }
  | { kind: 'split'; variants: VariantFigures[] };

interface StepAnalyticsState {
  isOn: boolean;
  isLoading: boolean;
  error: string | null;
  byNode: Record<string, StepFigures>;
}

type StepAnalyticsStore = StoreApi<StepAnalyticsState>;

const StepAnalyticsContext = createContext<StepAnalyticsStore | null>(null);
const DAY = 86_400_000;
const REFRESH_MS = 30_000;

/** Everything the flow ever sent (the longest range the API takes). */
function allTime(): TimeRange {
  const to = Math.ceil(Date.now() / DAY) * DAY;
  return { from: new Date(to - 400 * DAY).toISOString(), to: new Date(to).toISOString() };
}

const messageFigures = (t: MetricTotals, currency: string): StepFigures => ({
  kind: 'message',
  sent: t.sent,
  delivered: t.delivered,
  clicks: t.uniqueClicks,
  conversions: t.conversions,
  revenue: t.revenue,
  currency,
});

export function StepAnalyticsProvider({ flowId, children }: { flowId: string; children: ReactNode }) {
  const api = useApi();
  const [store] = useState(() => createStore<StepAnalyticsState>(() => ({ isOn: false, isLoading: false, error: null, byNode: {} })));
  const isOn = useStore(store, (s) => s.isOn);
  useEffect(() => {
    if (!isOn) return undefined;
    let isCurrent = true;
    const load = async (): Promise<void> => {
      store.setState({ isLoading: true });
      const range = allTime();
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
  }, [api, flowId, isOn, store]);
  return <StepAnalyticsContext.Provider value={store}>{children}</StepAnalyticsContext.Provider>;
}

/** The editor's switch; says when the figures cannot be read. */
export function StepAnalyticsToggle() {
  const store = useContext(StepAnalyticsContext);
  if (!store) throw new Error('StepAnalyticsToggle needs a <StepAnalyticsProvider> above it');
  const isOn = useStore(store, (s) => s.isOn);
  const error = useStore(store, (s) => s.error);
  return (
    <button
      type="button"
      className="button"
      aria-pressed={isOn}
      title={error ?? 'Show each step’s sent, delivered, clicks, conversions and revenue on the canvas (all time)'}
      onClick={() => store.setState({ isOn: !isOn, error: null })}
    >
      Analytics on steps
    </button>
  );
}

const numberFormat = new Intl.NumberFormat('en-US');
const n = (value: number): string => numberFormat.format(value);

function cellsOf(figures: StepFigures): Array<{ key: string; strong: string; text: string; title?: string }> {
  // A split's card has room for two short lines: "MMS 100/900" (converted of contacts) per variant, in full in the title.
  if (figures.kind === 'split') {
    return figures.variants.map((v) => ({
      key: `variant-${v.label}`,
      strong: v.label,
      text: `${n(v.conversions)}/${n(v.contacts)}`,
      title: `${v.label}: ${n(v.conversions)} conversions from ${n(v.contacts)} contacts`,
    }));
  }
  const revenue = figures.revenue === null ? '—' : figures.revenue.toLocaleString('en-US', { maximumFractionDigits: 0 });
  return [
    { key: 'sent', strong: n(figures.sent), text: 'sent' },
    { key: 'delivered', strong: n(figures.delivered), text: 'delivered' },
    { key: 'clicks', strong: n(figures.clicks), text: 'clicks' },
    { key: 'conversions', strong: n(figures.conversions), text: 'conv.' },
    { key: 'revenue', strong: revenue, text: figures.currency || 'revenue' },
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
  if (!isOn) return null;
  const shown: StepFigures | undefined =
    figures ?? (isLoading ? undefined : kind === 'split' ? { kind: 'split', variants: [] } : { kind: 'message', sent: 0, delivered: 0, clicks: 0, conversions: 0, revenue: 0, currency: '' });
  if (!shown) return null;
  const cells = cellsOf(shown);
  return (
    <div className="node-counts step-analytics" role="group" aria-label="Step analytics">
      <span className="node-counts-source">{shown.kind === 'split' ? 'Converted' : 'Analytics'}</span>
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
