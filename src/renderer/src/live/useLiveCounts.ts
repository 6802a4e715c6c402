import { useEffect } from 'react';
import { useApi } from '../api/ApiContext';
import { useFlowStore } from '../editor/store/FlowEditorContext';
import { setLiveCounts, type OperationsStore } from './operationsStore';

/** A busy flow changes its counts many times a second; the canvas catches up at most this often. */
const REFRESH_INTERVAL_MS = 500;

/**
 * Live per-node counts of a published flow: read once when the flow opens (or is published),
 * then again after each `engine.countsChanged` event naming it, coalesced so a burst of events
 * costs one request.
 */
export function useLiveCounts(store: OperationsStore): void {
  const api = useApi();
  const flowId = useFlowStore((s) => s.meta.id);
  const isPublished = useFlowStore((s) => s.meta.versions.length > 0 || s.meta.status !== 'draft');

  useEffect(() => {
    if (!isPublished) {
      setLiveCounts(store, null);
      return;
    }
    let isActive = true;
    let isFetching = false;
    let isDirty = false;
    let timer: ReturnType<typeof setTimeout> | null = null;

    const fetchCounts = async (): Promise<void> => {
      isFetching = true;
      isDirty = false;
      const result = await api.call('engine.nodeCounts', { flowId });
      isFetching = false;
      if (!isActive) return;
      if (result.ok) setLiveCounts(store, result.value.nodes);
      else store.setState({ liveError: result.error.message });
      if (isDirty) schedule();
    };
    const schedule = (): void => {
      if (isFetching) {
        isDirty = true;
        return;
      }
      timer ??= setTimeout(() => {
        timer = null;
        void fetchCounts();
      }, REFRESH_INTERVAL_MS);
    };

    void fetchCounts();
    const unsubscribe = api.subscribe((event) => {
      if (event.type !== 'engine.countsChanged') return;
      const flowIds = Array.isArray(event.flowIds) ? event.flowIds : [];
      if (flowIds.includes(flowId)) schedule();
    });
    return () => {
      isActive = false;
      if (timer) clearTimeout(timer);
      unsubscribe();
    };
  }, [api, flowId, isPublished, store]);
}
