import { useStore } from 'zustand';
import { persist } from 'zustand/middleware';
import { createStore } from 'zustand/vanilla';

/**
 * What the marketer chose in the Analytics view, kept so the rest of the app reads the same
 * figures: each flow's time range (the canvas's "Analytics on steps" shows that range too) and
 * each split's minimum detectable effect. Kept in localStorage: a choice outlives the page.
 */

export const RANGE_DAYS = [7, 30, 90, 400] as const;
export const DEFAULT_RANGE_DAYS = 30;
/** Relative lifts a split can be planned for, 5 % to 100 %. */
export const EFFECTS = [0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1] as const;
export const DEFAULT_EFFECT = 0.2;

interface AnalyticsChoices {
  daysByFlow: Record<string, number>;
  /** Keyed `flowId/splitNodeId`. */
  effectBySplit: Record<string, number>;
}

const choices = createStore<AnalyticsChoices>()(persist(() => ({ daysByFlow: {}, effectBySplit: {} }), { name: 'postcard.analytics' }));

const splitKey = (flowId: string, splitNodeId: string): string => `${flowId}/${splitNodeId}`;

export function useRangeDays(flowId: string): [number, (days: number) => void] {
  const days = useStore(choices, (s) => s.daysByFlow[flowId] ?? DEFAULT_RANGE_DAYS);
  return [days, (next) => choices.setState((s) => ({ daysByFlow: { ...s.daysByFlow, [flowId]: next } }))];
}

export function useMinimumEffect(flowId: string, splitNodeId: string): [number, (effect: number) => void] {
  const key = splitKey(flowId, splitNodeId);
  const effect = useStore(choices, (s) => s.effectBySplit[key] ?? DEFAULT_EFFECT);
  return [effect, (next) => choices.setState((s) => ({ effectBySplit: { ...s.effectBySplit, [key]: next } }))];
}

export const rangeLabel = (days: number): string => `last ${days} days`;
