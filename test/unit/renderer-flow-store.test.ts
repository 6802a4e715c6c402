import { describe, expect, it } from 'vitest';
import type { FlowDetail } from '../../src/shared/api/flows';
import { defaultFlowSettings } from '../../src/shared/flow/settings';
import type { FlowGraph } from '../../src/shared/graph/graph';
import { validateFlow } from '../../src/shared/graph/validate';
import type { FlowId } from '../../src/shared/ids';
import { createEdgeProjection, createNodeProjection } from '../../src/renderer/src/editor/canvas/projection';
import { createFlowEditor } from '../../src/renderer/src/editor/store/flowStore';

function detailOf(graph: FlowGraph): FlowDetail {
  return {
    id: 'f1' as FlowId,
    name: 'Test',
    description: '',
    status: 'draft',
    settings: defaultFlowSettings(),
    graph,
    revision: 0,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    versions: [],
    hasUnpublishedChanges: false,
    validation: validateFlow(graph),
  };
}

function editorWithSteps() {
  const editor = createFlowEditor(detailOf({ nodes: [], edges: [] }));
  const trigger = editor.actions.addNode('trigger', { x: 0, y: 0 });
  const mms = editor.actions.addNode('mms', { x: 0, y: 200 });
  const sms = editor.actions.addNode('sms', { x: 300, y: 200 });
  return { editor, trigger, mms, sms, history: () => editor.store.temporal.getState().pastStates.length };
}

describe('the flow editor store', () => {
  it('records a whole drag as one undo step, and selection not at all', () => {
    const { editor, mms, history } = editorWithSteps();
    const before = history();
    editor.actions.applyNodeChanges([{ type: 'select', id: mms, selected: true }]);
    expect(history()).toBe(before);
    for (let x = 1; x <= 30; x++) editor.actions.applyNodeChanges([{ type: 'position', id: mms, position: { x, y: 200 }, dragging: true }]);
    editor.actions.applyNodeChanges([{ type: 'position', id: mms, position: { x: 40, y: 220 }, dragging: false }]);
    expect(history()).toBe(before + 1);
    expect(editor.store.getState().graph.nodes.find((n) => n.id === mms)?.position).toEqual({ x: 40, y: 220 });
    editor.actions.undo();
    expect(editor.store.getState().graph.nodes.find((n) => n.id === mms)?.position).toEqual({ x: 0, y: 200 });
    editor.actions.redo();
    expect(editor.store.getState().graph.nodes.find((n) => n.id === mms)?.position).toEqual({ x: 40, y: 220 });
  });

  it('keeps one connection per output: wiring a used port replaces its edge', () => {
    const { editor, trigger, mms, sms } = editorWithSteps();
    expect(editor.actions.connect(trigger, 'next', mms).ok).toBe(true);
    expect(editor.actions.connect(trigger, 'next', sms).ok).toBe(true);
    const edges = editor.store.getState().graph.edges;
    expect(edges).toHaveLength(1);
    expect(edges[0]).toMatchObject({ source: trigger, sourcePort: 'next', target: sms });
    expect(editor.actions.connect(mms, 'sent', trigger)).toMatchObject({ ok: false });
    expect(editor.actions.connect(mms, 'sent', mms)).toMatchObject({ ok: false });
    expect(editor.actions.connect(mms, 'nope', sms)).toMatchObject({ ok: false });
  });

  it('folds a burst of typing into one undo step', () => {
    const { editor, sms, history } = editorWithSteps();
    const before = history();
    for (const body of ['H', 'Hi', 'Hi t', 'Hi there']) {
      editor.actions.updateNode(sms, (n) => ({ ...n, config: { body } }) as typeof n, { merge: `${sms}:body` });
    }
    expect(history()).toBe(before + 1);
    editor.actions.undo();
    expect(editor.store.getState().graph.nodes.find((n) => n.id === sms)?.config).toEqual({ body: '' });
  });

  it('drops the wire of a removed branch condition with it', () => {
    const { editor, sms } = editorWithSteps();
    const branch = editor.actions.addNode('branch', { x: 0, y: 400 });
    editor.actions.connect(branch, 'c1', sms);
    editor.actions.connect(branch, 'else', sms);
    editor.actions.updateNode(branch, (n) => (n.kind === 'branch' ? { ...n, config: { conditions: [] } } : n));
    expect(editor.store.getState().graph.edges.map((e) => e.sourcePort)).toEqual(['else']);
  });

  it('pastes copies with fresh ids, offset, and their inner connections', () => {
    const { editor, mms, sms } = editorWithSteps();
    editor.actions.connect(mms, 'fallback', sms);
    editor.actions.select([mms, sms]);
    const payload = editor.actions.copySelection();
    expect(payload?.nodes).toHaveLength(2);
    const other = createFlowEditor(detailOf({ nodes: [], edges: [] }));
    other.actions.paste(payload!, { x: 40, y: 40 });
    const { nodes, edges } = other.store.getState().graph;
    expect(nodes).toHaveLength(2);
    expect(nodes.map((n) => n.id)).not.toContain(mms);
    expect(nodes.find((n) => n.kind === 'mms')?.position).toEqual({ x: 40, y: 240 });
    expect(edges).toHaveLength(1);
    expect(edges[0]).toMatchObject({ source: nodes.find((n) => n.kind === 'mms')?.id, sourcePort: 'fallback', target: nodes.find((n) => n.kind === 'sms')?.id });
    expect([...other.store.getState().selectedNodeIds].sort()).toEqual(nodes.map((n) => n.id).sort());
  });

  it('deletes the selection and its wires in one step', () => {
    const { editor, trigger, mms, sms, history } = editorWithSteps();
    editor.actions.connect(trigger, 'next', mms);
    editor.actions.connect(mms, 'fallback', sms);
    const before = history();
    editor.actions.select([mms]);
    editor.actions.deleteSelection();
    expect(editor.store.getState().graph.nodes.map((n) => n.id).sort()).toEqual([trigger, sms].sort());
    expect(editor.store.getState().graph.edges).toHaveLength(0);
    expect(history()).toBe(before + 1);
  });
});

describe('validation in the editor', () => {
  it('validates an edit asked for before the validator has loaded, as soon as it has', async () => {
    const { editor, sms } = editorWithSteps();
    const validations: unknown[] = [];
    editor.store.subscribe((state, previous) => {
      if (state.validation !== previous.validation) validations.push(state.validation);
    });
    editor.actions.updateNode(sms, (node) => ({ ...node, label: 'Reminder' }));
    editor.actions.validateNow();
    editor.actions.validateNow();
    await expect.poll(() => validations.length).toBe(1);
    expect(editor.store.getState().validation.issues.some((i) => i.nodeId === sms && i.code === 'NODE_UNREACHABLE')).toBe(true);
  });
});

describe('the canvas projections', () => {
  it('hand React Flow the same objects for steps that did not change', () => {
    const { editor, mms, sms } = editorWithSteps();
    editor.actions.connect(mms, 'fallback', sms);
    const nodesOf = createNodeProjection();
    const edgesOf = createEdgeProjection();
    const first = nodesOf(editor.store.getState());
    const firstEdges = edgesOf(editor.store.getState());
    editor.actions.applyNodeChanges([{ type: 'position', id: sms, position: { x: 500, y: 500 }, dragging: true }]);
    const second = nodesOf(editor.store.getState());
    expect(second).not.toBe(first);
    expect(second.find((n) => n.id === mms)).toBe(first.find((n) => n.id === mms));
    expect(second.find((n) => n.id === sms)).not.toBe(first.find((n) => n.id === sms));
    // The moved step keeps its data object, so its memoized card does not re-render.
    expect(second.find((n) => n.id === sms)?.data).toBe(first.find((n) => n.id === sms)?.data);
    expect(edgesOf(editor.store.getState())).toBe(firstEdges);
    expect(first.find((n) => n.id === mms)?.ariaLabel).toBe('MMS step: MMS');
  });

  it('hand React Flow back the same objects when it reports sizes it measured, and the size with a later change', () => {
    const { editor, mms, sms } = editorWithSteps();
    const nodesOf = createNodeProjection();
    const first = nodesOf(editor.store.getState());
    editor.actions.applyNodeChanges([
      { type: 'dimensions', id: mms, dimensions: { width: 240, height: 132 } },
      { type: 'dimensions', id: sms, dimensions: { width: 240, height: 96 } },
    ]);
    expect(editor.store.getState().measured.get(mms)).toEqual({ width: 240, height: 132 });
    expect(nodesOf(editor.store.getState())).toBe(first);
    editor.actions.applyNodeChanges([{ type: 'select', id: mms, selected: true }]);
    const second = nodesOf(editor.store.getState());
    expect(second.find((n) => n.id === mms)?.measured).toEqual({ width: 240, height: 132 });
    expect(second.find((n) => n.id === sms)).toBe(first.find((n) => n.id === sms));
  });

  it('renames a connection when a step it joins is renamed, and only that connection', () => {
    const { editor, trigger, mms, sms } = editorWithSteps();
    editor.actions.connect(trigger, 'next', mms);
    editor.actions.connect(mms, 'fallback', sms);
    const edgesOf = createEdgeProjection();
    const first = edgesOf(editor.store.getState());
    expect(first.map((e) => e.ariaLabel)).toEqual(['Connection from Trigger (next) to MMS', 'Connection from MMS (fallback) to SMS']);
    editor.actions.updateNode(sms, (node) => ({ ...node, label: 'Reminder' }));
    const second = edgesOf(editor.store.getState());
    expect(second).not.toBe(first);
    expect(second[0]).toBe(first[0]);
    expect(second[1]?.ariaLabel).toBe('Connection from MMS (fallback) to Reminder');
  });
});

describe('adding a step by click or Enter (placement)', () => {
  it('goes below the selected step, wired from its first free output, in one undo step', async () => {
    const { placeNewStep } = await import('../../src/renderer/src/editor/canvas/placement');
    const { editor, trigger, mms, history } = editorWithSteps();
    editor.actions.connect(trigger, 'next', mms);
    editor.actions.connect(mms, 'sent', editor.actions.addNode('exit', { x: 0, y: 2000 }));
    const state = editor.store.getState();
    const placement = placeNewStep(state.graph, new Map([[mms, { width: 240, height: 140 }]]), mms, { x: 5000, y: 5000 }, 'sms');
    // MMS: "sent" is taken, "fallback" (the second of two outputs) is free: right of centre, below.
    expect(placement.from).toEqual({ source: mms, sourcePort: 'fallback' });
    expect(placement.position.y).toBeGreaterThanOrEqual(200 + 140 + 60);
    expect(placement.position.x).toBeGreaterThan(0);
    const before = history();
    const sms = editor.actions.addNode('sms', placement.position, placement.from);
    expect(history()).toBe(before + 1);
    expect(editor.store.getState().graph.edges.find((e) => e.target === sms)).toMatchObject({ source: mms, sourcePort: 'fallback' });
    editor.actions.undo();
    expect(editor.store.getState().graph.nodes.some((n) => n.id === sms)).toBe(false);
    expect(editor.store.getState().graph.edges.some((e) => e.target === sms)).toBe(false);
    expect(editor.store.getState().selectedNodeIds.has(sms)).toBe(false);
  });

  it('never lands on another card', async () => {
    const { freeSpot, placeNewStep } = await import('../../src/renderer/src/editor/canvas/placement');
    const { editor } = editorWithSteps();
    for (let i = 0; i < 12; i++) {
      const { graph, measured } = editor.store.getState();
      const { position } = placeNewStep(graph, measured, null, { x: 0, y: 0 }, 'wait');
      editor.actions.addNode('wait', position);
    }
    const boxes = editor.store.getState().graph.nodes.map((n) => ({ ...n.position, width: 240, height: 110 }));
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!;
        const b = boxes[j]!;
        expect(a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height, `${i} and ${j}`).toBe(false);
      }
    }
    expect(freeSpot({ nodes: [], edges: [] }, new Map(), { x: 40, y: 40 })).toEqual({ x: 40, y: 40 });
  });
});
