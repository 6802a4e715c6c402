import { PostcardError } from '../../shared/api/result';
import { parseFlowDocument, type FlowDocument } from '../../shared/flow/document';
import type { FlowSettings } from '../../shared/flow/settings';
import type { FlowNode, FlowNodeOf } from '../../shared/graph/graph';
import { publishOnlyCodes, validateFlow } from '../../shared/graph/validate';

/** A published version, parsed, validated and indexed for the step function. Immutable. */
export interface CompiledFlow {
  flowId: string;
  versionId: string;
  version: number;
  settings: FlowSettings;
  trigger: FlowNodeOf<'trigger'>;
  nodes: ReadonlyMap<string, FlowNode>;
  /** The node an output port leads to, or undefined when the port is not connected. */
  next(nodeId: string, port: string): string | undefined;
}

export interface VersionRef {
  flowId: string;
  versionId: string;
  version: number;
}

/** Refuses a document that does not parse or whose graph has validation errors. */
export function compileFlow(ref: VersionRef, document: unknown): CompiledFlow {
  const parsed = parseFlowDocument(document);
  if (!parsed.ok) throw new PostcardError('FLOW_INVALID', `flow version ${ref.versionId} cannot be read: ${parsed.error.message}`);
  return compileDocument(ref, parsed.document);
}

export function compileDocument(ref: VersionRef, document: FlowDocument): CompiledFlow {
  const validation = validateFlow(document.graph);
  const errors = validation.issues.filter((i) => i.severity === 'error' && !publishOnlyCodes.has(i.code));
  if (errors.length > 0) {
    throw new PostcardError(
      'FLOW_INVALID',
      `the flow has errors and cannot run: ${errors.map((i) => i.code).join(', ')}`,
      { issues: validation.issues },
    );
  }
  const nodes = new Map<string, FlowNode>();
  for (const node of document.graph.nodes) nodes.set(node.id, node);
  const edges = new Map<string, string>();
  for (const edge of document.graph.edges) edges.set(`${edge.source}\u0001${edge.sourcePort}`, edge.target);
  const trigger = document.graph.nodes.find((n): n is FlowNodeOf<'trigger'> => n.kind === 'trigger');
  if (!trigger) throw new PostcardError('FLOW_INVALID', 'the flow has no trigger');
  return {
    ...ref,
    settings: document.settings,
    trigger,
    nodes,
    next: (nodeId, port) => edges.get(`${nodeId}\u0001${port}`),
  };
}
