// The baseline for `npm run bench:canvas`: plain React Flow with the same graph and the same
// canvas options Postcard uses (fit view, snap to grid, only visible elements, minimap,
// controls, background), but default nodes and a plain useState — no store, no validation.
import { StrictMode, useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Background, Controls, MiniMap, ReactFlow, addEdge, applyEdgeChanges, applyNodeChanges } from '@xyflow/react';
import '@xyflow/react/dist/style.css';

const nodeStyle = { width: 240, height: 110 };
// The bench passes the size of Postcard's canvas so both render the same area.
const size = Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
const frameStyle = { position: 'fixed', left: 0, top: 0, width: Number(size.w) || '100vw', height: Number(size.h) || '100vh' };

function Bare() {
  const [nodes, setNodes] = useState([]);
  const [edges, setEdges] = useState([]);
  useEffect(() => {
    fetch('./graph.json')
      .then((response) => response.json())
      .then((graph) => {
        setNodes(graph.nodes.map((n) => ({ id: n.id, position: n.position, data: { label: n.label }, style: nodeStyle, ariaLabel: n.label })));
        setEdges(graph.edges.map((e) => ({ id: e.id, source: e.source, target: e.target, markerEnd: { type: 'arrowclosed' } })));
      });
  }, []);
  const onNodesChange = useCallback((changes) => setNodes((ns) => applyNodeChanges(changes, ns)), []);
  const onEdgesChange = useCallback((changes) => setEdges((es) => applyEdgeChanges(changes, es)), []);
  const onConnect = useCallback((connection) => setEdges((es) => addEdge(connection, es)), []);
  if (nodes.length === 0) return null;
  return (
    <div style={frameStyle}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        fitView
        fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
        minZoom={0.1}
        snapToGrid
        snapGrid={[20, 20]}
        onlyRenderVisibleElements
        aria-label="Flow canvas"
      >
        <Background gap={20} size={1} />
        <Controls />
        <MiniMap style={{ width: 160, height: 110 }} />
      </ReactFlow>
    </div>
  );
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <Bare />
  </StrictMode>,
);
