import { Handle, Position } from '@xyflow/react';
import { useContext, useMemo, type ReactNode } from 'react';
import { DetailContext } from './DetailContext';
import { definitionOf, portsOf, type NodeKind } from '../../../../shared/graph/nodes';
import { kindIcons, type IconComponent } from '../../ui/icons';
import { NodeCountsOverlay } from '../../live/NodeCountsOverlay';
import { StepAnalyticsBadge } from '../../live/StepAnalyticsOverlay';
import type { CanvasNodeData } from './types';

/** Where a compact or overview card puts an output: evenly along the bottom edge, as the full card's port cells do. */
const outputOffset = (index: number, count: number): string => `${((index + 0.5) / count) * 100}%`;

/** Outputs named by the kind itself ("next", "fallback"); the others are named by the user (a condition, a variant). */
const builtInPorts = new Set(['next', 'sent', 'fallback', 'else', 'event', 'timeout']);

/** The shared card every node kind renders: icon, kind, title, a summary, and labelled outputs. */

export function NodeCard<K extends NodeKind>({
  id,
  kind,
  data,
  isSelected,
  height,
  children,
}: {
  id: string;
  kind: K;
  data: CanvasNodeData<K>;
  isSelected: boolean;
  /** The measured height (0 before measuring): a compact card keeps it so wires stay put. */
  height: number | undefined;
  children: ReactNode;
}) {
  const detail = useContext(DetailContext);
  const definition = definitionOf(kind);
  const Icon: IconComponent = kindIcons[kind];
  // When a condition or variant adds or removes an output, the canvas re-measures the card's
  // handles (one effect there, not one per card: see Canvas).
  const ports = useMemo(() => portsOf(kind, data.config), [kind, data.config]);

  const name = data.label || definition.label;
  // Handles are named for what they do, so assistive technology can tell one from another.
  const inputName = `Connect into '${name}'`;
  const outputName = (port: { id: string; label: string }): string =>
    builtInPorts.has(port.id) ? `Connect '${name}' ${port.label.toLowerCase()}` : `Connect '${name}' output '${port.label}'`;
  const problems = data.errors + data.warnings;
  const className = `node-card kind-${kind}${isSelected ? ' is-selected' : ''}${data.errors ? ' has-errors' : data.warnings ? ' has-warnings' : ''}`;
  const badge =
    problems > 0 ? (
      <span
        className={`node-badge ${data.errors ? 'is-error' : 'is-warning'}`}
        role="img"
        aria-label={`${problems} ${problems === 1 ? 'problem' : 'problems'}`}
        title={`${data.errors} error(s), ${data.warnings} warning(s)`}
      >
        {problems}
      </span>
    ) : null;
  const outputs =
    ports.length > 0 ? (
      <div className="node-ports">
        {ports.map((port) => (
          <div key={port.id} className="node-port">
            <span className="node-port-label">{port.label}</span>
            <Handle
              type="source"
              position={Position.Bottom}
              id={port.id}
              className="node-handle node-handle-out"
              title={`${port.label} output`}
              role="button"
              aria-label={outputName(port)}
            />
          </div>
        ))}
      </div>
    ) : null;

  if (detail === 'overview') {
    // A block in the kind's colour: no text, no React Flow handle components (each one subscribes
    // to the store). The hidden anchors only let React Flow measure where wires attach, at the
    // spots the compact card's handles take, so wires stay put when the level changes. A problem
    // is a dot drawn by the card's own style, and the card, a picture at this size, names it.
    const problemsLabel = problems > 0 ? `${problems} ${problems === 1 ? 'problem' : 'problems'}` : undefined;
    return (
      <div
        className={`${className} is-overview`}
        style={height ? { height } : undefined}
        role={problemsLabel ? 'img' : undefined}
        aria-label={problemsLabel}
      >
        {definition.hasInput ? <div className="react-flow__handle react-flow__handle-top node-anchor target" data-nodeid={id} data-handlepos="top" /> : null}
        {ports.map((port, index) => (
          <div
            key={port.id}
            className="react-flow__handle react-flow__handle-bottom node-anchor source"
            data-nodeid={id}
            data-handleid={port.id}
            data-handlepos="bottom"
            style={{ left: outputOffset(index, ports.length) }}
          />
        ))}
      </div>
    );
  }
  if (detail === 'compact') {
    // The fewest elements that still carry the wires: the title is the card's own text, and
    // outputs sit where the full card's port cells put them (evenly along the bottom edge).
    return (
      <div className={`${className} is-compact`} style={height ? { height } : undefined}>
        {definition.hasInput ? <Handle type="target" position={Position.Top} className="node-handle node-handle-in" role="button" aria-label={inputName} /> : null}
        <span className="node-compact-title">{name}</span>
        {badge}
        <NodeCountsOverlay nodeId={id} kind={kind} />
        <StepAnalyticsBadge nodeId={id} kind={kind} />
        {ports.map((port, index) => (
          <Handle
            key={port.id}
            type="source"
            position={Position.Bottom}
            id={port.id}
            className="node-handle node-handle-out"
            style={{ left: outputOffset(index, ports.length) }}
            role="button"
            aria-label={outputName(port)}
          />
        ))}
      </div>
    );
  }
  return (
    <div className={className}>
      {definition.hasInput ? <Handle type="target" position={Position.Top} className="node-handle node-handle-in" role="button" aria-label={inputName} /> : null}
      <div className="node-header">
        <span className="node-icon">
          <Icon size={14} />
        </span>
        <span className="node-kind">{definition.label}</span>
        {badge}
      </div>
      <div className="node-title">{name}</div>
      <div className="node-summary">
        {children}
        <NodeCountsOverlay nodeId={id} kind={kind} />
        <StepAnalyticsBadge nodeId={id} kind={kind} />
      </div>
      {outputs}
    </div>
  );
}
