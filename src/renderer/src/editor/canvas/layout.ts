import dagre from '@dagrejs/dagre';
import type { FlowGraph } from '../../../../shared/graph/graph';
import { portsOf } from '../../../../shared/graph/nodes';
import type { Dimensions } from '../store/flowStore';

const fallbackSize: Dimensions = { width: 240, height: 110 };

/**
 * Top-to-bottom layered layout (dagre), the shape journeys are read in. Uses the measured card
 * sizes so cards never overlap; returns top-left positions snapped to the 20 px grid. Dagre knows
 * nothing of a card's outputs, which sit left to right along its bottom edge; so edges are handed
 * to it in that order, and afterwards the children a step's outputs lead to on one row are put in
 * the order of those outputs, so a branch's wires do not cross.
 */
export function layoutGraph(graph: FlowGraph, measured: ReadonlyMap<string, Dimensions>): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 48, ranksep: 72, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) {
    const size = measured.get(node.id) ?? fallbackSize;
    g.setNode(node.id, { width: size.width, height: size.height });
  }
  const ids = new Set(graph.nodes.map((n) => n.id));
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const portIndex = (sourceId: string, port: string): number => {
    const source = byId.get(sourceId as FlowGraph['nodes'][number]['id']);
    return source ? portsOf(source.kind, source.config).findIndex((p) => p.id === port) : 0;
  };
  const edges = graph.edges
    .filter((edge) => ids.has(edge.source) && ids.has(edge.target) && edge.source !== edge.target)
    .sort((a, b) => (a.source === b.source ? portIndex(a.source, a.sourcePort) - portIndex(b.source, b.sourcePort) : 0));
  for (const edge of edges) g.setEdge(edge.source, edge.target);
  dagre.layout(g);
  orderChildrenByPort(g, edges, portIndex);
  const positions = new Map<string, { x: number; y: number }>();
  for (const node of graph.nodes) {
    const laid = g.node(node.id) as { x: number; y: number; width: number; height: number } | undefined;
    if (!laid) continue;
    positions.set(node.id, { x: snap(laid.x - laid.width / 2), y: snap(laid.y - laid.height / 2) });
  }
  return positions;
}

const snap = (value: number): number => Math.round(value / 20) * 20;

type Laid = { x: number; y: number; width: number; height: number };

/**
 * For each step with several outputs: its children on one row (the same y) take the x slots they
 * already hold, in the order of the outputs that lead to them. Only slots those children occupy
 * are exchanged, so nothing lands on another card. A child two outputs lead to keeps its place.
 */
function orderChildrenByPort(
  g: InstanceType<typeof dagre.graphlib.Graph>,
  edges: ReadonlyArray<{ source: string; sourcePort: string; target: string }>,
  portIndex: (source: string, port: string) => number,
): void {
  const bySource = new Map<string, Array<{ target: string; index: number }>>();
  for (const edge of edges) {
    const list = bySource.get(edge.source) ?? [];
    list.push({ target: edge.target, index: portIndex(edge.source, edge.sourcePort) });
    bySource.set(edge.source, list);
  }
  for (const children of bySource.values()) {
    if (children.length < 2) continue;
    const targets = children.map((c) => c.target);
    if (new Set(targets).size !== targets.length) continue;
    const byRow = new Map<number, Array<{ target: string; index: number; laid: Laid }>>();
    for (const child of children) {
      const laid = g.node(child.target) as Laid | undefined;
      if (!laid) continue;
      const row = byRow.get(laid.y) ?? [];
      row.push({ ...child, laid });
      byRow.set(laid.y, row);
    }
    for (const row of byRow.values()) {
      if (row.length < 2) continue;
      const slots = row.map((c) => c.laid.x).sort((a, b) => a - b);
      row.sort((a, b) => a.index - b.index).forEach((child, i) => {
        child.laid.x = slots[i]!;
      });
    }
  }
}
