import dagre from '@dagrejs/dagre';
import type { FlowGraph } from '../../../../shared/graph/graph';
import type { Dimensions } from '../store/flowStore';

const fallbackSize: Dimensions = { width: 240, height: 110 };

/**
 * Top-to-bottom layered layout (dagre), the shape journeys are read in. Uses the measured card
 * sizes so cards never overlap; returns top-left positions snapped to the 20 px grid.
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
  for (const edge of graph.edges) {
    if (ids.has(edge.source) && ids.has(edge.target) && edge.source !== edge.target) g.setEdge(edge.source, edge.target);
  }
  dagre.layout(g);
  const positions = new Map<string, { x: number; y: number }>();
  for (const node of graph.nodes) {
    const laid = g.node(node.id) as { x: number; y: number; width: number; height: number } | undefined;
    if (!laid) continue;
    positions.set(node.id, { x: snap(laid.x - laid.width / 2), y: snap(laid.y - laid.height / 2) });
  }
  return positions;
}

const snap = (value: number): number => Math.round(value / 20) * 20;
