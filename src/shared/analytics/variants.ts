import type { FlowGraph } from '../graph/graph';

/**
 * Which nodes belong to which arm of a split: the nodes reachable from a variant's port without
 * passing the split again, and reachable from that variant only. A node two arms lead into (a
 * shared exit, a common follow-up) belongs to none, so its numbers are never counted twice.
 */
export function variantNodes(graph: FlowGraph, splitNodeId: string): Map<string, Set<string>> {
  const out = new Map<string, string[]>();
  const start = splitNodeId as string;
  for (const edge of graph.edges) out.set(edge.source, [...(out.get(edge.source) ?? []), edge.target]);
  const reach = new Map<string, Set<string>>();
  for (const edge of graph.edges) {
    if (edge.source !== start) continue;
    const seen = reach.get(edge.sourcePort) ?? new Set<string>();
    const stack: string[] = [edge.target];
    while (stack.length > 0) {
      const node = stack.pop() as string;
      if (node === start || seen.has(node)) continue;
      seen.add(node);
      stack.push(...(out.get(node) ?? []));
    }
    reach.set(edge.sourcePort, seen);
  }
  const owners = new Map<string, number>();
  for (const nodes of reach.values()) for (const node of nodes) owners.set(node, (owners.get(node) ?? 0) + 1);
  const result = new Map<string, Set<string>>();
  for (const [variant, nodes] of reach) result.set(variant, new Set([...nodes].filter((node) => owners.get(node) === 1)));
  return result;
}
