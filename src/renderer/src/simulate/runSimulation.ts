import type { ApiClient } from '../api/client';
import type { FlowEditor } from '../editor/store/flowStore';
import { CURRENT_SCHEMA_VERSION, FLOW_DOCUMENT_FORMAT, type FlowDocument } from '../../../shared/flow/document';
import type { SimulationOptionsInput } from '../../../shared/engine/simulation';
import { setSimulation, type OperationsStore } from '../live/operationsStore';

/**
 * Dry-run the draft exactly as it is on the canvas (unsaved edits included): the document goes
 * to `engine.simulate`, which runs the real engine in a private database, so live contacts,
 * counts and messages are never touched. The request is asynchronous; the editor stays usable.
 */
export async function runSimulation(
  api: ApiClient,
  editor: FlowEditor,
  operations: OperationsStore,
  options: SimulationOptionsInput,
  contactSource: 'synthetic' | 'imported',
): Promise<void> {
  const { graph, settings, meta } = editor.store.getState();
  const document: FlowDocument = {
    format: FLOW_DOCUMENT_FORMAT,
    schemaVersion: CURRENT_SCHEMA_VERSION,
    name: meta.name,
    description: '',
    settings,
    graph,
  };
  const runId = crypto.randomUUID();
  const contacts = contactSource === 'imported' ? 'imported' : (options.contacts ?? 1000);
  const days = options.days ?? 7;
  operations.setState({ simulationStatus: { state: 'running', contacts, days, runId, progress: 0 }, isSimulationPanelOpen: true });
  // The run reports how far it has come; only this run's reports move this panel's bar.
  const unsubscribe = api.subscribe((event) => {
    const status = operations.getState().simulationStatus;
    if (event.type !== 'engine.simulationProgress' || event.runId !== runId || status.state !== 'running' || status.runId !== runId) return;
    if (typeof event.fraction === 'number') operations.setState({ simulationStatus: { ...status, progress: event.fraction } });
  });
  const result = await api.call('engine.simulate', { document, options, runId }).finally(unsubscribe);
  if (!result.ok) {
    operations.setState({
      simulationStatus: result.error.code === 'CANCELLED' ? { state: 'cancelled' } : { state: 'error', code: result.error.code, message: result.error.message },
    });
    return;
  }
  setSimulation(operations, { options, contactSource, result: result.value, graph });
  operations.setState({ simulationStatus: { state: 'idle' } });
}

/** Stops the running dry-run; its engine.simulate call then ends as cancelled. */
export async function cancelSimulation(api: ApiClient, operations: OperationsStore): Promise<void> {
  const status = operations.getState().simulationStatus;
  if (status.state !== 'running') return;
  await api.call('engine.cancelSimulation', { runId: status.runId });
}
