import type { FlowDetail } from '../../../shared/api/flows';
import type { ApiResult } from '../../../shared/api/result';
import { createApiClient, type ApiClient } from '../api/client';
import { parseRoute } from './useRoute';

/**
 * The entry's module (main.tsx loads React and the editor in a chunk of their own): it creates
 * the API client — which takes the token out of the address bar — and, when the window opens on
 * a flow, asks for that flow at once, so the answer travels while the rest of the script is
 * loaded and evaluated, not after.
 */

export const client: ApiClient = createApiClient(window);

interface Prefetch {
  flowId: string;
  promise: Promise<ApiResult<FlowDetail>>;
  /** Set once the answer is in: the editor can then render the flow in its first frame. */
  result: ApiResult<FlowDetail> | null;
  isTaken: boolean;
}

let prefetch: Prefetch | null = null;

/** Ask for the flow the window opens on, if it opens on one (the entry calls it first thing). */
export function prefetchOpeningFlow(): void {
  const route = parseRoute(window.location.hash);
  if (prefetch || route.name !== 'flow') return;
  const started: Prefetch = { flowId: route.flowId, promise: client.call('flows.get', { id: route.flowId }), result: null, isTaken: false };
  void started.promise.then((result) => {
    started.result = result;
  });
  prefetch = started;
}

/** The answer already in for this flow, if the window opened on it and nobody has taken it yet (pure). */
export function prefetchedFlowResult(flowId: string): ApiResult<FlowDetail> | null {
  return prefetch && !prefetch.isTaken && prefetch.flowId === flowId ? prefetch.result : null;
}

/**
 * The request started at boot for this flow, once: a later visit or a reload asks afresh,
 * since the flow may have changed since the window opened.
 */
export function takePrefetchedFlow(flowId: string): Promise<ApiResult<FlowDetail>> | null {
  if (!prefetch || prefetch.isTaken || prefetch.flowId !== flowId) return null;
  prefetch.isTaken = true;
  return prefetch.promise;
}
