import type { FlowGraph, FlowNode } from '../../../../shared/graph/graph';
import { portsOf, type NodeKind } from '../../../../shared/graph/nodes';
import type { Dimensions } from '../store/flowStore';

/**
 * About how big each kind's card is drawn in full (a short text; an MMS with its picture): the
 * least room placement keeps for it. A card measured while the canvas was zoomed out is drawn
 * compact, shorter than it will be when zoomed in, so a measurement never counts for less.
 */
const FULL_SIZE: Record<NodeKind, Dimensions> = {
  trigger: { width: 240, height: 140 },
  wait: { width: 240, height: 140 },
  sms: { width: 240, height: 160 },
  mms: { width: 240, height: 200 },
  branch: { width: 240, height: 150 },
  split: { width: 240, height: 150 },
  exit: { width: 240, height: 110 },
};
/** Room between a step and the one added below it, and between any two cards. */
const GAP_Y = 80;
const GAP_X = 40;
const CLEARANCE = 20;
const GRID = 20;

export interface Placement {
  position: { x: number; y: number };
  /** The output the new step hangs from, when the anchor step has a free one. */
  from: { source: string; sourcePort: string } | null;
}

/** The room a card takes: its measured size, but never less than its kind's full size. */
const sizeOf = (node: Pick<FlowNode, 'id' | 'kind'>, measured: ReadonlyMap<string, Dimensions>): Dimensions => {
  const estimate = FULL_SIZE[node.kind];
  const size = measured.get(node.id);
  return size ? { width: Math.max(size.width, estimate.width), height: Math.max(size.height, estimate.height) } : estimate;
};
const snap = (value: number): number => Math.round(value / GRID) * GRID;

/**
 * Where a step added by click or Enter goes (as Braze and Twilio Studio do it): below the selected
 * step, under its first output that has no connection yet, and wired from it. Without a selection,
 * at `fallback` (the middle of the view). Either way the spot is moved down, then aside, until the
 * card overlaps no other card.
 */
export function placeNewStep(
  graph: FlowGraph,
  measured: ReadonlyMap<string, Dimensions>,
  anchorId: string | null,
  fallback: { x: number; y: number },
  newKind: NodeKind,
): Placement {
  const newSize = FULL_SIZE[newKind];
  const anchor = anchorId ? graph.nodes.find((n) => n.id === anchorId) : undefined;
  let wanted = { x: snap(fallback.x), y: snap(fallback.y) };
  let from: Placement['from'] = null;
  if (anchor) {
    const size = sizeOf(anchor, measured);
    const ports = portsOf(anchor.kind, anchor.config);
    const used = new Set(graph.edges.filter((e) => e.source === anchor.id).map((e) => e.sourcePort));
    const freeIndex = ports.findIndex((port) => !used.has(port.id));
    const port = ports[freeIndex];
    if (port) from = { source: anchor.id, sourcePort: port.id };
    // Under the port: a card's outputs are spread evenly along its bottom edge.
    const offset = freeIndex >= 0 && ports.length > 1 ? (freeIndex - (ports.length - 1) / 2) * (newSize.width + GAP_X) : 0;
    wanted = { x: snap(anchor.position.x + (size.width - newSize.width) / 2 + offset), y: snap(anchor.position.y + size.height + GAP_Y) };
  }
  return { position: freeSpot(graph, measured, wanted, newSize), from };
}

/** The nearest spot at or below `wanted` (then to its right) where a card of `size` overlaps nothing. */
export function freeSpot(
  graph: FlowGraph,
  measured: ReadonlyMap<string, Dimensions>,
  wanted: { x: number; y: number },
  size: Dimensions = FULL_SIZE.wait,
): { x: number; y: number } {
  const boxes = graph.nodes.map((node) => ({ ...node.position, ...sizeOf(node, measured) }));
  const isFree = (x: number, y: number): boolean =>
    boxes.every(
      (box) =>
        x + size.width + CLEARANCE <= box.x ||
        box.x + box.width + CLEARANCE <= x ||
        y + size.height + CLEARANCE <= box.y ||
        box.y + box.height + CLEARANCE <= y,
    );
  // Down first (a journey reads top to bottom), a column to the right after a long way down.
  for (let column = 0; column < 50; column++) {
    const x = wanted.x + column * (size.width + GAP_X);
    for (let row = 0; row < 100; row++) {
      const y = wanted.y + row * GRID;
      if (isFree(x, y)) return { x, y };
    }
  }
  return wanted;
}
