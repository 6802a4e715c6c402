import { useReactFlow } from '@xyflow/react';
import type { DragEvent } from 'react';
import { definitionOf, nodeKinds, type NodeKind } from '../../../shared/graph/nodes';
import { kindIcons } from '../ui/icons';
import { PALETTE_MIME } from './canvas/Canvas';
import { useFlowActions, useFlowStore } from './store/FlowEditorContext';

/**
 * The step palette. Drag a step onto the canvas, or activate it (Enter, Space, click) to drop it
 * near the middle of what is on screen — the keyboard path to the same result.
 */
export function Palette({ canvasElement }: { canvasElement: () => HTMLElement | null }) {
  const actions = useFlowActions();
  const nodeCount = useFlowStore((s) => s.graph.nodes.length);
  const { screenToFlowPosition } = useReactFlow();

  const addNearCentre = (kind: NodeKind): void => {
    const rect = canvasElement()?.getBoundingClientRect();
    const centre = rect ? { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 } : { x: window.innerWidth / 2, y: window.innerHeight / 2 };
    const point = screenToFlowPosition(centre);
    // Successive additions step down and right so they do not hide each other.
    const step = (nodeCount % 6) * 30;
    actions.addNode(kind, { x: point.x - 120 + step, y: point.y - 40 + step });
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
                onClick={() => addNearCentre(kind)}
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
