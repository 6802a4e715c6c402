import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  useStore,
  useStoreApi,
  useUpdateNodeInternals,
  type Connection,
  type EdgeChange,
  type IsValidConnection,
  type NodeChange,
} from '@xyflow/react';
import { useCallback, useEffect, useRef, useState, type CSSProperties, type DragEvent } from 'react';
import { definitionOf, nodeKinds, portsOf, type NodeKind } from '../../../../shared/graph/nodes';
import { DetailContext, detailLevelSelector, lodZoomSelector } from '../nodes/DetailContext';
import { nodeTypes } from '../nodes/nodeTypes';
import type { CanvasEdge, CanvasNode } from '../nodes/types';
import { useFlowActions, useFlowEditor, useFlowStore } from '../store/FlowEditorContext';
import { edgeTypes } from './edgeTypes';
import { projectionsOf } from './projection';

export const PALETTE_MIME = 'application/x-postcard-kind';
/** Above this many steps only the visible part of the canvas is rendered… */
const VISIBLE_ONLY_THRESHOLD = 200;
/**
 * …except at the overview level up to this many, once the user has moved the view: overview cards
 * are a few elements each, and with every card in place a pan moves them instead of mounting and
 * unmounting cards and wires at the edges of the view on each frame. Opening still renders only
 * what is in view.
 */
const OVERVIEW_ALL_LIMIT = 2000;
const snapGrid: [number, number] = [20, 20];
const proOptions = { hideAttribution: true };
export const canvasFitViewOptions = { padding: 0.2, maxZoom: 1 };
export const CANVAS_MIN_ZOOM = 0.1;
export const CANVAS_MAX_ZOOM = 2;
const miniMapStyle = { width: 160, height: 110 };
const miniMapNodeClass = (node: CanvasNode): string => `minimap-node kind-${node.type}`;

/**
 * The canvas's size before it is laid out: the window minus the palette, inspector, bars and
 * problems panel. React Flow fits the flow into it when its store is created, so the first
 * frame already has (about) the zoom fitView settles on.
 */
export function estimatedCanvasSize(): { width: number; height: number } {
  return { width: Math.max(320, window.innerWidth - 540), height: Math.max(240, window.innerHeight - 270) };
}

const portKey = (node: CanvasNode): string =>
  portsOf(node.type as NodeKind, node.data.config)
    .map((port) => port.id)
    .join('|');

const isKind = (value: string): value is NodeKind => (nodeKinds as readonly string[]).includes(value);

export function Canvas({ colorMode }: { colorMode: 'light' | 'dark' }) {
  const { store } = useFlowEditor();
  const actions = useFlowActions();
  const projections = projectionsOf(store);
  const nodes = useFlowStore(projections.nodes);
  const edges = useFlowStore(projections.edges);
  const isSnapToGrid = useFlowStore((s) => s.isSnapToGrid);
  const detail = useStore(detailLevelSelector);
  const lodZoom = useStore(lodZoomSelector);
  const isLarge = useFlowStore((s) => s.graph.nodes.length > VISIBLE_ONLY_THRESHOLD);
  const isOverviewAll = useFlowStore((s) => s.graph.nodes.length <= OVERVIEW_ALL_LIMIT);
  // Opening shows the visible cards only; the rest of an overview joins when the view first moves.
  const [hasMoved, setHasMoved] = useState(false);
  const isVisibleOnly = isLarge && !(detail === 'overview' && isOverviewAll && hasMoved);
  const { screenToFlowPosition } = useReactFlow();
  const storeApi = useStoreApi<CanvasNode, CanvasEdge>();
  // Fit an existing flow into view once; an empty flow keeps the plain viewport so the first
  // step lands exactly where it was dropped instead of the view jumping to it.
  const [shouldFitOnOpen] = useState(() => store.getState().graph.nodes.length > 0);
  // Start where the provider's store put the view (fitted to the estimated canvas size), so a
  // large flow renders its compact cards from the first frame instead of every full card first.
  const [initialViewport] = useState(() => {
    const [x, y, zoom] = storeApi.getState().transform;
    return { x, y, zoom };
  });

  // React Flow measures a card's handles once. When a condition or variant adds or removes an
  // output, re-measure that card: one pass here over the changed cards, not an effect per card.
  // New cards are left alone: React Flow measures them itself, and an early call would cut
  // short the initial fitView.
  const updateNodeInternals = useUpdateNodeInternals();
  const previousNodes = useRef(nodes);
  useEffect(() => {
    const before = previousNodes.current;
    previousNodes.current = nodes;
    if (before === nodes) return;
    let beforeById: Map<string, CanvasNode> | null = null;
    const remeasure: string[] = [];
    nodes.forEach((node, index) => {
      let old = before[index];
      if (old?.id !== node.id) {
        beforeById ??= new Map(before.map((n) => [n.id, n]));
        old = beforeById.get(node.id);
      }
      if (!old || old.data.config === node.data.config) return;
      if (portKey(old) !== portKey(node)) remeasure.push(node.id);
    });
    if (remeasure.length > 0) updateNodeInternals(remeasure);
  }, [nodes, updateNodeInternals]);

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

  // While the view moves, the viewport gets its own compositor layer (.canvas.is-moving in
  // app.css): a pan frame then shifts painted pixels instead of repainting every card. Set on the
  // element directly, not through state, so starting a pan re-renders nothing (but the first).
  const canvasRef = useRef<HTMLDivElement>(null);
  const onMoveStart = useCallback((event: MouseEvent | TouchEvent | null) => {
    canvasRef.current?.classList.add('is-moving');
    // A move of the user's (the open's fit has no event): the whole overview is worth having now.
    if (event) setHasMoved(true);
  }, []);
  const onMoveEnd = useCallback(() => canvasRef.current?.classList.remove('is-moving'), []);

  const hasNodes = nodes.length > 0;
  return (
    <div
      className={`canvas is-${detail}`}
      style={{ '--lod-zoom': lodZoom } as CSSProperties}
      ref={canvasRef}
      onDragOver={onDragOver}
      onDrop={onDrop}
    >
      <DetailContext.Provider value={detail}>
        <ReactFlow<CanvasNode, CanvasEdge>
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onConnect={onConnect}
          isValidConnection={isValidConnection}
          snapToGrid={isSnapToGrid}
          snapGrid={snapGrid}
          defaultViewport={initialViewport}
          fitView={shouldFitOnOpen}
          fitViewOptions={canvasFitViewOptions}
          minZoom={CANVAS_MIN_ZOOM}
          maxZoom={CANVAS_MAX_ZOOM}
          onlyRenderVisibleElements={isVisibleOnly}
          onMoveStart={onMoveStart}
          onMoveEnd={onMoveEnd}
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
      </DetailContext.Provider>
      {hasNodes ? null : (
        <div className="canvas-empty" role="note">
          <h2>Start with a trigger</h2>
          <p>Drag a step from the palette onto the canvas, or focus a step and press Enter. Connect outputs to inputs by dragging between the dots.</p>
        </div>
      )}
    </div>
  );
}
