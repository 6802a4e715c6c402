import { memo, useCallback } from 'react';
import { useStore } from 'zustand';
import type { NodeKind } from '../../../shared/graph/nodes';
import type { NodeCounts } from '../../../shared/engine/types';
import { useOperationsStoreOrNull } from './OperationsContext';
import { createOperationsStore, type NodeOverlay, type OperationsState } from './operationsStore';

/** The figures worth a place on each kind of card; the rest show only when they are not zero. */
const metricsByKind: Record<NodeKind, ReadonlyArray<keyof NodeCounts>> = {
  trigger: ['entered'],
  wait: ['entered'],
  mms: ['entered', 'sent', 'delivered', 'failed', 'fellBack'],
  sms: ['entered', 'sent', 'delivered', 'failed'],
  branch: ['entered'],
  split: ['entered'],
  exit: ['exited'],
};
const allMetrics: ReadonlyArray<keyof NodeCounts> = ['entered', 'waiting', 'sent', 'delivered', 'failed', 'fellBack', 'exited'];

const labels: Record<keyof NodeCounts, { live: string; simulated: string }> = {
  entered: { live: 'entered', simulated: 'entered' },
  waiting: { live: 'here now', simulated: 'still here' },
  sent: { live: 'sent', simulated: 'sent' },
  delivered: { live: 'delivered', simulated: 'delivered' },
  failed: { live: 'failed', simulated: 'failed' },
  fellBack: { live: 'fell back', simulated: 'fell back' },
  exited: { live: 'exited', simulated: 'exited' },
};

const numberFormat = new Intl.NumberFormat('en-US');
/** Cards outside an editor read from an empty store so the hook order never changes. */
const emptyStore = createOperationsStore();

export function visibleMetrics(kind: NodeKind, counts: NodeCounts): Array<keyof NodeCounts> {
  const base = metricsByKind[kind];
  return allMetrics.filter((m) => base.includes(m) || counts[m] > 0);
}

/**
 * The badge row on a card: live or simulated figures for this one node. One selector per card
 * on the operations store (which changes only when counts do), never on the canvas's store.
 */
export const NodeCountsOverlay = memo(function NodeCountsOverlay({ nodeId, kind }: { nodeId: string; kind: NodeKind }) {
  const store = useOperationsStoreOrNull() ?? emptyStore;
  const select = useCallback((state: OperationsState): NodeOverlay | undefined => state.overlayByNode[nodeId], [nodeId]);
  const overlay = useStore(store, select);
  // The dry-run's clicks and purchases for this node (the same object while the result is shown).
  const selectEngagement = useCallback((state: OperationsState) => state.simulation?.result.nodeMetrics?.[nodeId], [nodeId]);
  const engagement = useStore(store, selectEngagement);
  if (!overlay) return null;
  const { source, counts } = overlay;
  const sourceLabel = source === 'live' ? 'Live' : 'Simulated';
  const showsEngagement = source === 'simulated' && engagement && (engagement.clicks > 0 || engagement.conversions > 0);
  return (
    <>
      <div className={`node-counts is-${source}`} role="group" aria-label={`${sourceLabel} counts`}>
        <span className="node-counts-source">{sourceLabel}</span>
        <ul className="node-counts-list">
          {visibleMetrics(kind, counts).map((metric) => (
            <li key={metric} className={`node-count metric-${metric}`}>
              <strong>{numberFormat.format(counts[metric])}</strong> {labels[metric][source]}
            </li>
          ))}
        </ul>
      </div>
      {showsEngagement ? (
        <div className="node-counts is-simulated" role="group" aria-label="Simulated engagement">
          <ul className="node-counts-list">
            <li className="node-count metric-clicks">
              <strong>{numberFormat.format(engagement.clicks)}</strong> clicks
            </li>
            <li className="node-count metric-conversions">
              <strong>{numberFormat.format(engagement.conversions)}</strong> conversions
            </li>
          </ul>
        </div>
      ) : null}
    </>
  );
});
