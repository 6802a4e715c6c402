import { createStore, type StoreApi } from 'zustand/vanilla';
import type { FlowGraph } from '../../../shared/graph/graph';
import type { SimulationOptionsInput } from '../../../shared/engine/simulation';
import type { NodeCounts, SimulationResult } from '../../../shared/engine/types';

/**
 * What the canvas shows about a flow's contacts, beside the flow itself: live per-node counts
 * of the published flow and the latest dry-run. One store per open flow (created with the
 * editor); cards read their own entry of `overlayByNode`, whose objects stay identical while a
 * node's figures do not change, so a count update re-renders only the cards it touched.
 */

export type CountsSource = 'live' | 'simulated';

export interface NodeOverlay {
  source: CountsSource;
  counts: NodeCounts;
}

export interface SimulationRun {
  /** What was sent to `engine.simulate` (prices and seed included), for "run again". */
  options: SimulationOptionsInput;
  /** Synthetic contacts or the imported ones; kept for the summary line. */
  contactSource: 'synthetic' | 'imported';
  result: SimulationResult;
  /** The draft graph as it was simulated; a different graph now means the figures are stale. */
  graph: FlowGraph;
}

export type SimulationStatus =
  | { state: 'idle' }
  /** `progress`: how far virtual time has come, 0 to 1; `runId` names the run for cancelling. */
  | { state: 'running'; contacts: number | 'imported'; days: number; runId: string; progress: number }
  | { state: 'cancelled' }
  | { state: 'error'; code: string; message: string };

export interface OperationsState {
  live: Record<string, NodeCounts> | null;
  liveError: string | null;
  simulation: SimulationRun | null;
  simulationStatus: SimulationStatus;
  isSimulationPanelOpen: boolean;
  /** Derived: what each card draws; the dry-run wins over live figures while it is shown. */
  overlayByNode: Readonly<Record<string, NodeOverlay>>;
}

export type OperationsStore = StoreApi<OperationsState>;

const metrics: ReadonlyArray<keyof NodeCounts> = ['entered', 'waiting', 'sent', 'delivered', 'failed', 'fellBack', 'exited'];

export function sameCounts(a: NodeCounts, b: NodeCounts): boolean {
  return metrics.every((m) => a[m] === b[m]);
}

/** Rebuild the overlay, keeping every entry whose source and figures did not change. */
export function deriveOverlay(
  previous: Readonly<Record<string, NodeOverlay>>,
  live: Record<string, NodeCounts> | null,
  simulated: Record<string, NodeCounts> | null,
): Readonly<Record<string, NodeOverlay>> {
  const source: CountsSource | null = simulated ? 'simulated' : live ? 'live' : null;
  const counts = simulated ?? live;
  if (!source || !counts) return Object.keys(previous).length === 0 ? previous : {};
  const next: Record<string, NodeOverlay> = {};
  let isSame = Object.keys(previous).length === Object.keys(counts).length;
  for (const [nodeId, nodeCounts] of Object.entries(counts)) {
    const old = previous[nodeId];
    if (old && old.source === source && sameCounts(old.counts, nodeCounts)) {
      next[nodeId] = old;
    } else {
      next[nodeId] = { source, counts: nodeCounts };
      isSame = false;
    }
  }
  return isSame ? previous : next;
}

export function createOperationsStore(): OperationsStore {
  const store = createStore<OperationsState>()(() => ({
    live: null,
    liveError: null,
    simulation: null,
    simulationStatus: { state: 'idle' },
    isSimulationPanelOpen: false,
    overlayByNode: {},
  }));
  return store;
}

export function setLiveCounts(store: OperationsStore, live: Record<string, NodeCounts> | null): void {
  const state = store.getState();
  store.setState({
    live,
    liveError: null,
    overlayByNode: deriveOverlay(state.overlayByNode, live, state.simulation?.result.nodeCounts ?? null),
  });
}

export function setSimulation(store: OperationsStore, simulation: SimulationRun | null): void {
  const state = store.getState();
  store.setState({
    simulation,
    overlayByNode: deriveOverlay(state.overlayByNode, state.live, simulation?.result.nodeCounts ?? null),
  });
}
