import type { Channel } from '../engine/types';
import type { FlowGraph } from '../graph/graph';

/**
 * What decides who a flow can reach, read from its graph: the segment its trigger names (for
 * segment_entered) and the channel of the first message an entering contact would get.
 */
export function triggerSegment(graph: FlowGraph): string | null {
  const trigger = graph.nodes.find((node) => node.kind === 'trigger');
  return trigger?.kind === 'trigger' && trigger.config.type === 'segment_entered' ? trigger.config.segment.trim() : null;
}

/** Breadth-first from the trigger; SMS when no message follows it. */
export function firstChannel(graph: FlowGraph): Channel {
  const trigger = graph.nodes.find((node) => node.kind === 'trigger');
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  const seen = new Set<string>();
  const queue = trigger ? [trigger.id as string] : [];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = byId.get(id as never);
    if (node?.kind === 'mms' || node?.kind === 'sms') return node.kind;
    for (const edge of graph.edges) if (edge.source === id) queue.push(edge.target);
  }
  return 'sms';
}
