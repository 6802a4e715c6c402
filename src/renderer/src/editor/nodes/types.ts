import type { Edge, Node } from '@xyflow/react';
import type { NodeConfigByKind, NodeKind } from '../../../../shared/graph/nodes';

/**
 * What a canvas node carries: serializable values only (React Flow's state guide). Issue
 * counts ride along so a node re-renders when its own problems change and at no other time.
 */
export type CanvasNodeData<K extends NodeKind = NodeKind> = {
  [key: string]: unknown;
  label: string;
  config: NodeConfigByKind[K];
  errors: number;
  warnings: number;
};

export type CanvasNode<K extends NodeKind = NodeKind> = Node<CanvasNodeData<K>, K>;
export type CanvasEdge = Edge<{ hasError: boolean }>;
