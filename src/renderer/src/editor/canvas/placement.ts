import type { FlowGraph, FlowNode } from '../../../../shared/graph/graph';
import { portsOf } from '../../../../shared/graph/nodes';
import type { Dimensions } from '../store/flowStore';

/** A card's size before it has been measured (see projection.ts). */
const FALLBACK_SIZE: Dimensions = { width: 240, height: 110 };
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

const sizeOf = (node: FlowNode, measured: ReadonlyMap<string, Dimensions>): Dimensions => measured.get(node.id) ?? FALLBACK_SIZE;
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
  newSize: Dimensions = FALLBACK_SIZE,
): Placement {
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
  size: Dimensions = FALLBACK_SIZE,
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
