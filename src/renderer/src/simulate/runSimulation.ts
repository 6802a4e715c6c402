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
  operations.setState({
    simulationStatus: { state: 'running', contacts: contactSource === 'imported' ? 'imported' : (options.contacts ?? 1000), days: options.days ?? 7 },
    isSimulationPanelOpen: true,
  });
  const result = await api.call('engine.simulate', { document, options });
  if (!result.ok) {
    operations.setState({ simulationStatus: { state: 'error', code: result.error.code, message: result.error.message } });
    return;
  }
  setSimulation(operations, { options, contactSource, result: result.value, graph });
  operations.setState({ simulationStatus: { state: 'idle' } });
}
