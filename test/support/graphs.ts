import {
  nodeDefinitions,
  type FlowEdge,
  type FlowGraph,
  type FlowNode,
  type NodeConfigByKind,
  type NodeKind,
  asEdgeId,
  asNodeId,
} from '../../src/shared';

/** Build test graphs tersely: node('m', 'mms', { body: 'Hi' }), edge('t', 'next', 'm'). */
export function node<K extends NodeKind>(id: string, kind: K, config: Partial<NodeConfigByKind[K]> = {}, label?: string): FlowNode {
  const defaults = nodeDefinitions[kind].defaults();
  return {
    id: asNodeId(id),
    kind,
    position: { x: 0, y: 0 },
    config: { ...defaults, ...config },
    ...(label ? { label } : {}),
  } as FlowNode;
}

export function edge(source: string, sourcePort: string, target: string, id = `${source}-${sourcePort}-${target}`): FlowEdge {
  return { id: asEdgeId(id), source: asNodeId(source), sourcePort, target: asNodeId(target) };
}

export const graph = (nodes: FlowNode[], edges: FlowEdge[] = []): FlowGraph => ({ nodes, edges });

/** trigger → wait → sms → exit: valid, no issues. */
export function linearFlow(): FlowGraph {
  return graph(
    [
      node('t', 'trigger', { type: 'event', event: 'signed_up', filters: [] }),
      node('w', 'wait', { type: 'duration', amount: 1, unit: 'hours' }),
      node('s', 'sms', { body: 'Welcome {{ first_name | default: "friend" }}!' }),
      node('x', 'exit'),
    ],
    [edge('t', 'next', 'w'), edge('w', 'next', 's'), edge('s', 'next', 'x')],
  );
}
