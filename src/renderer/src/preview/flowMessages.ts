import type { FlowGraph, FlowNode, FlowNodeOf } from '../../../shared/graph/graph';
import type { SplitVariant } from '../../../shared/graph/nodes';

/** Where messages sit in a flow, for choosing what to preview and what to compare. */

export type MessageNode = FlowNodeOf<'mms'> | FlowNodeOf<'sms'>;

export const isMessageNode = (node: FlowNode): node is MessageNode => node.kind === 'mms' || node.kind === 'sms';

export function messageNodes(graph: FlowGraph): MessageNode[] {
  return graph.nodes.filter(isMessageNode);
}

function targetOf(graph: FlowGraph, source: string, port: string): FlowNode | undefined {
  const edge = graph.edges.find((e) => e.source === source && e.sourcePort === port);
  return edge ? graph.nodes.find((n) => n.id === edge.target) : undefined;
}

/** The first message step a contact meets from `start` on, through waits and branches (first path first). */
export function firstMessageFrom(graph: FlowGraph, start: FlowNode | undefined, kinds: ReadonlyArray<MessageNode['kind']> = ['mms', 'sms']): MessageNode | null {
  const queue: FlowNode[] = start ? [start] : [];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const node = queue.shift() as FlowNode;
    if (seen.has(node.id)) continue;
    seen.add(node.id);
    if (isMessageNode(node)) {
      if (kinds.includes(node.kind)) return node;
      // Another message ends this path: what follows it is a different message's story.
      continue;
    }
    for (const edge of graph.edges) {
      if (edge.source !== node.id) continue;
      const next = graph.nodes.find((n) => n.id === edge.target);
      if (next) queue.push(next);
    }
  }
  return null;
}

/** The SMS contacts without MMS get instead of this MMS. */
export function fallbackSmsOf(graph: FlowGraph, mmsId: string): FlowNodeOf<'sms'> | null {
  const found = firstMessageFrom(graph, targetOf(graph, mmsId, 'fallback'), ['sms']);
  return found?.kind === 'sms' ? found : null;
}

export interface VariantMessage {
  variant: SplitVariant;
  message: MessageNode | null;
}

export function variantMessages(graph: FlowGraph, splitId: string): VariantMessage[] {
  const split = graph.nodes.find((n) => n.id === splitId);
  if (split?.kind !== 'split') return [];
  return split.config.variants.map((variant) => ({
    variant,
    message: variant.isHoldout ? null : firstMessageFrom(graph, targetOf(graph, splitId, variant.id)),
  }));
}

export const splitNodes = (graph: FlowGraph): Array<FlowNodeOf<'split'>> => graph.nodes.filter((n): n is FlowNodeOf<'split'> => n.kind === 'split');
