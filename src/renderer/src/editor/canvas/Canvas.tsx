import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  useStore,
  type Connection,
  type EdgeChange,
  type IsValidConnection,
  type NodeChange,
} from '@xyflow/react';
import { useCallback, useState, type DragEvent } from 'react';
import { definitionOf, nodeKinds, type NodeKind } from '../../../../shared/graph/nodes';
import { CompactContext, isZoomedOutSelector } from '../nodes/CompactContext';
import { nodeTypes } from '../nodes/nodeTypes';
import type { CanvasEdge, CanvasNode } from '../nodes/types';
import { useFlowActions, useFlowEditor, useFlowStore } from '../store/FlowEditorContext';
import { createEdgeProjection, createNodeProjection } from './projection';

export const PALETTE_MIME = 'application/x-postcard-kind';
/** Above this many steps only the visible part of the canvas is rendered. */
const VISIBLE_ONLY_THRESHOLD = 200;
const snapGrid: [number, number] = [20, 20];
const proOptions = { hideAttribution: true };
const fitViewOptions = { padding: 0.2, maxZoom: 1 };
const miniMapStyle = { width: 160, height: 110 };
const miniMapNodeClass = (node: CanvasNode): string => `minimap-node kind-${node.type}`;

/** Roughly what fitView will compute, from positions and typical card sizes, before anything is measured. */
function predictViewport(nodes: ReadonlyArray<{ position: { x: number; y: number } }>): { x: number; y: number; zoom: number } {
  if (nodes.length === 0) return { x: 0, y: 0, zoom: 1 };
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const { position } of nodes) {
    minX = Math.min(minX, position.x);
    minY = Math.min(minY, position.y);
    maxX = Math.max(maxX, position.x + 240);
    maxY = Math.max(maxY, position.y + 130);
  }
  // The canvas is the window minus the palette, inspector, bars and problems panel.
  const width = Math.max(320, window.innerWidth - 560);
  const height = Math.max(240, window.innerHeight - 300);
  const zoom = Math.min(1, Math.max(0.1, Math.min(width / ((maxX - minX) * 1.4), height / ((maxY - minY) * 1.4))));
  return { x: width / 2 - ((minX + maxX) / 2) * zoom, y: height / 2 - ((minY + maxY) / 2) * zoom, zoom };
}

const isKind = (value: string): value is NodeKind => (nodeKinds as readonly string[]).includes(value);

export function Canvas({ colorMode }: { colorMode: 'light' | 'dark' }) {
  const { store } = useFlowEditor();
  const actions = useFlowActions();
  const [projectNodes] = useState(createNodeProjection);
  const [projectEdges] = useState(createEdgeProjection);
  const nodes = useFlowStore(projectNodes);
  const edges = useFlowStore(projectEdges);
  const isSnapToGrid = useFlowStore((s) => s.isSnapToGrid);
  const isLarge = useFlowStore((s) => s.graph.nodes.length > VISIBLE_ONLY_THRESHOLD);
  const { screenToFlowPosition } = useReactFlow();
  const isCompact = useStore(isZoomedOutSelector);
  // Fit an existing flow into view once; an empty flow keeps the plain viewport so the first
  // step lands exactly where it was dropped instead of the view jumping to it.
  const [shouldFitOnOpen] = useState(() => store.getState().graph.nodes.length > 0);
  // Start near the zoom fitView will settle on, so a large flow renders its compact cards from
  // the first frame instead of rendering every full card once and then shrinking them.
  const [initialViewport] = useState(() => predictViewport(store.getState().graph.nodes));

  const onNodesChange = useCallback((changes: NodeChange<CanvasNode>[]) => actions.applyNodeChanges(changes), [actions]);
  const onEdgesChange = useCallback((changes: EdgeChange<CanvasEdge>[]) => actions.applyEdgeChanges(changes), [actions]);
  const onConnect = useCallback(
    (connection: Connection) => {
      if (connection.sourceHandle) actions.connect(connection.source, connection.sourceHandle, connection.target);
    },
    [actions],
  );
  const isValidConnection = useCallback<IsValidConnection<CanvasEdge>>(
    (connection) => {
      if (connection.source === connection.target) return false;
      const target = store.getState().graph.nodes.find((n) => n.id === connection.target);
      return Boolean(target && definitionOf(target.kind).hasInput);
    },
    [store],
  );

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(PALETTE_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);
  const onDrop = useCallback(
    (event: DragEvent) => {
      const kind = event.dataTransfer.getData(PALETTE_MIME);
      if (!isKind(kind)) return;
      event.preventDefault();
      const point = screenToFlowPosition({ x: event.clientX, y: event.clientY });
      // Drop the card centred under the pointer rather than hanging from its corner.
      actions.addNode(kind, { x: point.x - 120, y: point.y - 40 });
    },
    [actions, screenToFlowPosition],
  );

  const hasNodes = nodes.length > 0;
  return (
    <div className="canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <CompactContext.Provider value={isCompact}>
        <ReactFlow<CanvasNode, CanvasEdge>
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onConnect={onConnect}
          isValidConnection={isValidConnection}
          snapToGrid={isSnapToGrid}
          snapGrid={snapGrid}
          defaultViewport={initialViewport}
          fitView={shouldFitOnOpen}
          fitViewOptions={fitViewOptions}
          minZoom={0.1}
          maxZoom={2}
          onlyRenderVisibleElements={isLarge}
          deleteKeyCode={null}
          selectionKeyCode="Shift"
          multiSelectionKeyCode={['Meta', 'Control']}
          colorMode={colorMode}
          proOptions={proOptions}
          aria-label="Flow canvas"
        >
          <Background variant={BackgroundVariant.Dots} gap={20} size={1} />
          <Controls position="bottom-left" />
          <MiniMap position="bottom-right" pannable zoomable ariaLabel="Mini map of the flow" style={miniMapStyle} nodeClassName={miniMapNodeClass} />
        </ReactFlow>
      </CompactContext.Provider>
      {hasNodes ? null : (
        <div className="canvas-empty" role="note">
          <h2>Start with a trigger</h2>
          <p>Drag a step from the palette onto the canvas, or focus a step and press Enter. Connect outputs to inputs by dragging between the dots.</p>
        </div>
      )}
    </div>
  );
}
