import { MarkerType } from '@xyflow/react';
import type { FlowEdge, FlowNode } from '../../../../shared/graph/graph';
import { definitionOf } from '../../../../shared/graph/nodes';
import type { FlowEditorState, IssueCounts } from '../store/flowStore';
import type { CanvasEdge, CanvasNode } from '../nodes/types';

/**
 * The store holds the flow's domain graph; React Flow wants its own node and edge objects.
 * These projections translate one into the other and keep every unchanged object identical,
 * so dragging one node of a thousand re-renders one node, not a thousand (React Flow's
 * performance guide: stable objects, memoized node components).
 */

export const CARD_WIDTH = 240;
/** A compact card's height (see NodeCard), which a large flow opens with. */
const CARD_HEIGHT_ESTIMATE = 60;

interface NodeEntry {
  node: FlowNode;
  isSelected: boolean;
  errors: number;
  warnings: number;
  result: CanvasNode;
}

export function nodeAriaLabel(node: Pick<FlowNode, 'kind' | 'label'>): string {
  const kindLabel = definitionOf(node.kind).label;
  return `${kindLabel} step: ${node.label?.trim() || kindLabel}`;
}

export function createNodeProjection(): (state: FlowEditorState) => CanvasNode[] {
  let cache = new Map<string, NodeEntry>();
  let lastInputs: unknown[] = [];
  let lastResult: CanvasNode[] = [];
  const noIssues: IssueCounts = { errors: 0, warnings: 0 };

  return (state) => {
    // Not `state.measured`: React Flow measured the cards itself and keeps the sizes on its own
    // nodes while it gets the same objects back. Handing it a thousand new objects for the sizes it
    // just reported re-rendered every card once more on opening a large flow. A node object made
    // for another reason (moved, selected, edited) carries the size as it is then.
    const inputs = [state.graph.nodes, state.selectedNodeIds, state.issueCountsByNode];
    if (inputs.every((input, i) => input === lastInputs[i])) return lastResult;
    lastInputs = inputs;
    const next = new Map<string, NodeEntry>();
    let isSame = state.graph.nodes.length === lastResult.length;
    const result = state.graph.nodes.map((node, index) => {
      const isSelected = state.selectedNodeIds.has(node.id);
      const dims = state.measured.get(node.id);
      const { errors, warnings } = state.issueCountsByNode.get(node.id) ?? noIssues;
      const previous = cache.get(node.id);
      let entry: NodeEntry;
      if (
        previous &&
        previous.node === node &&
        previous.isSelected === isSelected &&
        previous.errors === errors &&
        previous.warnings === warnings
      ) {
        entry = previous;
      } else {
        const isDataSame =
          previous &&
          previous.node.config === node.config &&
          previous.node.label === node.label &&
          previous.errors === errors &&
          previous.warnings === warnings;
        const data = isDataSame ? previous.result.data : { label: node.label ?? '', config: node.config, errors, warnings };
        entry = {
          node,
          isSelected,
          errors,
          warnings,
          result: {
            id: node.id,
            type: node.kind,
            position: node.position,
            data,
            selected: isSelected,
            ariaLabel: nodeAriaLabel(node),
            // Cards are 240 px wide and about this tall: React Flow can fit and cull the view
            // before it has measured anything.
            initialWidth: CARD_WIDTH,
            initialHeight: CARD_HEIGHT_ESTIMATE,
            ...(dims ? { measured: dims } : {}),
          } as CanvasNode,
        };
      }
      next.set(node.id, entry);
      if (isSame && lastResult[index] !== entry.result) isSame = false;
      return entry.result;
    });
    cache = next;
    if (!isSame) lastResult = result;
    return lastResult;
  };
}

interface EdgeEntry {
  edge: FlowEdge;
  isSelected: boolean;
  hasError: boolean;
  sourceName: string | undefined;
  targetName: string | undefined;
  result: CanvasEdge;
}

const marker = { type: MarkerType.ArrowClosed, width: 18, height: 18 };

/** What a connection's accessible name calls a step: kept per node so unchanged names cost no string work. */
interface NodeName {
  node: FlowNode;
  name: string;
}

export function createEdgeProjection(): (state: FlowEditorState) => CanvasEdge[] {
  let cache = new Map<string, EdgeEntry>();
  let names = new Map<string, NodeName>();
  let lastNodes: readonly FlowNode[] | null = null;
  let lastInputs: unknown[] = [];
  let lastResult: CanvasEdge[] = [];

  const nameOf = (node: FlowNode, previous: NodeName | undefined): NodeName => {
    // Moving a step (every frame of a drag) changes its object, not its name.
    if (previous && (previous.node === node || (previous.node.label === node.label && previous.node.kind === node.kind))) {
      return previous.node === node ? previous : { node, name: previous.name };
    }
    return { node, name: node.label?.trim() || definitionOf(node.kind).label };
  };

  return (state) => {
    const inputs = [state.graph.edges, state.selectedEdgeIds, state.edgesWithErrors];
    let isNamesSame = state.graph.nodes === lastNodes;
    if (!isNamesSame) {
      const next = new Map<string, NodeName>();
      isNamesSame = state.graph.nodes.length === names.size;
      for (const node of state.graph.nodes) {
        const previous = names.get(node.id);
        const named = nameOf(node, previous);
        if (named.name !== previous?.name) isNamesSame = false;
        next.set(node.id, named);
      }
      names = next;
      lastNodes = state.graph.nodes;
    }
    // A drag moves steps every frame and renames none: nothing here changes.
    if (isNamesSame && inputs.every((input, i) => input === lastInputs[i])) return lastResult;
    lastInputs = inputs;
    const next = new Map<string, EdgeEntry>();
    let isSame = state.graph.edges.length === lastResult.length;
    const result = state.graph.edges.map((edge, index) => {
      const isSelected = state.selectedEdgeIds.has(edge.id);
      const hasError = state.edgesWithErrors.has(edge.id);
      const sourceName = names.get(edge.source)?.name;
      const targetName = names.get(edge.target)?.name;
      const previous = cache.get(edge.id);
      let entry: EdgeEntry;
      if (
        previous &&
        previous.edge === edge &&
        previous.isSelected === isSelected &&
        previous.hasError === hasError &&
        previous.sourceName === sourceName &&
        previous.targetName === targetName
      ) {
        entry = previous;
      } else {
        const label = `Connection from ${sourceName ?? edge.source} (${edge.sourcePort}) to ${targetName ?? edge.target}`;
        entry = {
          edge,
          isSelected,
          hasError,
          sourceName,
          targetName,
          result: {
            id: edge.id,
            source: edge.source,
            target: edge.target,
            sourceHandle: edge.sourcePort,
            selected: isSelected,
            className: hasError ? 'has-error' : undefined,
            markerEnd: marker,
            ariaLabel: hasError ? `${label} (has a problem)` : label,
            data: { hasError },
          },
        };
      }
      next.set(edge.id, entry);
      if (isSame && lastResult[index] !== entry.result) isSame = false;
      return entry.result;
    });
    cache = next;
    // Moving a node changes no edge: hand React Flow the very same array.
    if (!isSame) lastResult = result;
    return lastResult;
  };
}

export interface CanvasProjections {
  nodes: (state: FlowEditorState) => CanvasNode[];
  edges: (state: FlowEditorState) => CanvasEdge[];
}

const projectionsByStore = new WeakMap<object, CanvasProjections>();

/**
 * The projections of one open flow, shared by the React Flow provider (which takes the first
 * nodes and edges when its store is created) and the canvas (which keeps them in sync): the
 * very same objects, so React Flow adopts them once.
 */
export function projectionsOf(store: object): CanvasProjections {
  let projections = projectionsByStore.get(store);
  if (!projections) {
    projections = { nodes: createNodeProjection(), edges: createEdgeProjection() };
    projectionsByStore.set(store, projections);
  }
  return projections;
}
