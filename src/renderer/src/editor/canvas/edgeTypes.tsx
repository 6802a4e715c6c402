import { BezierEdge, type EdgeProps } from '@xyflow/react';
import { memo, useContext } from 'react';
import { DetailContext } from '../nodes/DetailContext';
import type { CanvasEdge } from '../nodes/types';

/**
 * A connection at the canvas's level of detail (see DetailContext). Zoomed far out it is the
 * curve alone: no arrowhead (a couple of pixels there; wires run down the journey anyway) and no
 * invisible 20 px band for the pointer, which Chromium hit-tests on every pointer move of a pan
 * or drag, over a thousand wires. Closer in it is React Flow's own bezier edge.
 */
const ConnectionEdge = memo(function ConnectionEdge(props: EdgeProps<CanvasEdge>) {
  const detail = useContext(DetailContext);
  return detail === 'overview' ? <BezierEdge {...props} markerEnd={undefined} interactionWidth={0} /> : <BezierEdge {...props} />;
});

/** A module constant, like nodeTypes: React Flow re-creates every edge when it gets a new object. */
export const edgeTypes = { default: ConnectionEdge };
