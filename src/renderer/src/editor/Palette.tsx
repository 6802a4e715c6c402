import { useReactFlow } from '@xyflow/react';
import type { DragEvent } from 'react';
import { definitionOf, nodeKinds, type NodeKind } from '../../../shared/graph/nodes';
import { kindIcons } from '../ui/icons';
import { PALETTE_MIME } from './canvas/Canvas';
import { placeNewStep } from './canvas/placement';
import { useFlowActions, useFlowEditor } from './store/FlowEditorContext';

/**
 * The step palette. Drag a step onto the canvas, or activate it (Enter, Space, click) to add it
 * below the selected step, wired from that step's free output (the keyboard path to the same
 * result); with nothing selected it goes near the middle of the view. It never covers a card.
 */
export function Palette({ canvasElement }: { canvasElement: () => HTMLElement | null }) {
  const actions = useFlowActions();
  const { store } = useFlowEditor();
  const { screenToFlowPosition, setCenter, getZoom } = useReactFlow();

  const add = (kind: NodeKind): void => {
    const rect = canvasElement()?.getBoundingClientRect();
    const centre = rect ? { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 } : { x: window.innerWidth / 2, y: window.innerHeight / 2 };
    const point = screenToFlowPosition(centre);
    const { graph, measured, selectedNodeIds } = store.getState();
    const anchor = selectedNodeIds.size === 1 ? [...selectedNodeIds][0]! : null;
    const { position, from } = placeNewStep(graph, measured, anchor, { x: point.x - 120, y: point.y - 40 }, kind);
    actions.addNode(kind, position, from);
    // Bring the new step into view when it landed outside it.
    const topLeft = screenToFlowPosition({ x: rect?.left ?? 0, y: rect?.top ?? 0 });
    const bottomRight = screenToFlowPosition({ x: rect?.right ?? window.innerWidth, y: rect?.bottom ?? window.innerHeight });
    const isInView = position.x >= topLeft.x && position.y >= topLeft.y && position.x + 240 <= bottomRight.x && position.y + 110 <= bottomRight.y;
    if (!isInView) void setCenter(position.x + 120, position.y + 55, { zoom: getZoom(), duration: 200 });
  };

  const onDragStart = (event: DragEvent<HTMLButtonElement>, kind: NodeKind): void => {
    event.dataTransfer.setData(PALETTE_MIME, kind);
    event.dataTransfer.effectAllowed = 'copy';
  };

  return (
    <nav className="palette" aria-label="Steps">
      <h2 className="panel-title">Steps</h2>
      <p className="panel-hint">Drag onto the canvas, or press Enter to add.</p>
      <ul className="palette-list">
        {nodeKinds.map((kind) => {
          const definition = definitionOf(kind);
          const Icon = kindIcons[kind];
          return (
            <li key={kind}>
              <button
                type="button"
                className={`palette-item kind-${kind}`}
                draggable
                onDragStart={(event) => onDragStart(event, kind)}
                onClick={() => add(kind)}
                aria-label={`Add ${definition.label} step`}
                title={definition.description}
              >
                <span className="node-icon">
                  <Icon size={16} />
                </span>
                <span className="palette-text">
                  <span className="palette-label">{definition.label}</span>
                  <span className="palette-description">{definition.description}</span>
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
