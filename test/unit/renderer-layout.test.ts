import dagre from '@dagrejs/dagre';
import { describe, expect, it } from 'vitest';
import { layoutGraph } from '../../src/renderer/src/editor/canvas/layout';
import type { FlowEdge, FlowGraph, FlowNode } from '../../src/shared/graph/graph';
import type { EdgeId, NodeId } from '../../src/shared/ids';

const node = (id: string, kind: FlowNode['kind'], config: unknown): FlowNode => ({ id: id as NodeId, kind, position: { x: 0, y: 0 }, config }) as FlowNode;
const edge = (id: string, source: string, sourcePort: string, target: string): FlowEdge => ({ id: id as EdgeId, source: source as NodeId, sourcePort, target: target as NodeId });
const branch = { conditions: [{ id: 'c1', label: 'VIP', subject: 'attribute', name: 'tier', operator: 'equals', value: 'vip' }] };

/**
 * A branch whose "else" leads to a step listed before the one its condition leads to (as a flow
 * gets when its steps were added in that order). Dagre, which knows nothing of outputs, lays
 * the two children out in the order it met them, so the branch's wires cross.
 */
function crossingFlow(): FlowGraph {
  return {
    nodes: [
      node('t', 'trigger', { type: 'manual' }),
      node('b', 'branch', branch),
      node('rest', 'sms', { body: 'Everyone else' }),
      node('vip', 'sms', { body: 'VIP' }),
      node('b2', 'branch', branch),
      node('vip2', 'sms', { body: 'VIP again' }),
      node('x', 'exit', { reason: '' }),
    ],
    edges: [
      edge('e1', 't', 'next', 'b'),
      edge('e2', 'b', 'c1', 'vip'),
      edge('e3', 'b', 'else', 'rest'),
      edge('e4', 'rest', 'next', 'b2'),
      edge('e5', 'vip', 'next', 'vip2'),
      edge('e6', 'b2', 'c1', 'x'),
      edge('e7', 'b2', 'else', 'x'),
      edge('e8', 'vip2', 'next', 'x'),
    ],
  };
}

describe('auto-layout', () => {
  it('puts the children of a branch in the order of its outputs, so its wires do not cross', () => {
    const graph = crossingFlow();
    // Dagre alone, with the same options: the condition's child lands right of the else's.
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: 'TB', nodesep: 48, ranksep: 72 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const n of graph.nodes) g.setNode(n.id, { width: 240, height: 110 });
    for (const e of graph.edges) g.setEdge(e.source, e.target);
    dagre.layout(g);
    expect((g.node('vip') as { x: number }).x).toBeGreaterThan((g.node('rest') as { x: number }).x);

    const positions = layoutGraph(graph, new Map());
    expect(positions.get('vip')!.y).toBe(positions.get('rest')!.y);
    expect(positions.get('vip')!.x).toBeLessThan(positions.get('rest')!.x);
  });

  it('keeps cards apart', () => {
    const boxes = [...layoutGraph(crossingFlow(), new Map()).values()];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!;
        const b = boxes[j]!;
        expect(Math.abs(a.x - b.x) >= 240 || Math.abs(a.y - b.y) >= 110).toBe(true);
      }
    }
  });
});
