import { createStore, type StoreApi } from 'zustand/vanilla';
import { temporal, type TemporalState } from 'zundo';
import type { FlowDetail, FlowVersionSummary } from '../../../../shared/api/flows';
import type { FlowSettings, FlowStatus } from '../../../../shared/flow/settings';
import type { FlowEdge, FlowGraph, FlowNode } from '../../../../shared/graph/graph';
import { definitionOf, portsOf, type NodeKind } from '../../../../shared/graph/nodes';
import { fixedBody, fixedSettings, type ComplianceFacts, type IssueFix } from '../../../../shared/graph/compliance';
import type { FlowIssue, FlowValidation, ValidationContext } from '../../../../shared/graph/validate';
import type { EdgeId, FlowId, NodeId } from '../../../../shared/ids';
import { freshId } from './ids';
import { loadedValidator, loadValidator } from './validator';

/**
 * One store per open flow (created by `createFlowEditor`, provided by context). The flow's
 * document — graph and settings — is the only state that enters undo history; selection,
 * measured sizes, validation results and the save status are view state beside it.
 */

export interface Dimensions {
  width: number;
  height: number;
}

export type SaveStatus =
  /** `note`: why the document changed without an edit here (it was saved elsewhere and taken in). */
  | { state: 'saved'; note?: string }
  | { state: 'pending' }
  | { state: 'saving' }
  | { state: 'error'; message: string }
  | { state: 'conflict'; message: string };

export interface FlowMeta {
  id: FlowId;
  name: string;
  status: FlowStatus;
  revision: number;
  versions: FlowVersionSummary[];
  hasUnpublishedChanges: boolean;
}

export interface IssueCounts {
  errors: number;
  warnings: number;
}

export interface FlowEditorState {
  meta: FlowMeta;
  graph: FlowGraph;
  settings: FlowSettings;
  selectedNodeIds: ReadonlySet<string>;
  selectedEdgeIds: ReadonlySet<string>;
  measured: ReadonlyMap<string, Dimensions>;
  validation: FlowValidation;
  issueCountsByNode: ReadonlyMap<string, IssueCounts>;
  edgesWithErrors: ReadonlySet<string>;
  save: SaveStatus;
  isDragging: boolean;
  isSnapToGrid: boolean;
}

export type FlowDoc = Pick<FlowEditorState, 'graph' | 'settings'>;

/** Whether a command enters undo history; `merge` folds a burst of edits (typing) into one step. */
export type HistoryMode = 'record' | 'skip' | { merge: string };

export interface ClipboardPayload {
  format: 'postcard.clipboard';
  nodes: FlowNode[];
  edges: FlowEdge[];
}

export type NodeChangeLike =
  | { type: 'position'; id: string; position?: { x: number; y: number }; dragging?: boolean }
  | { type: 'dimensions'; id: string; dimensions?: Dimensions }
  | { type: 'select'; id: string; selected: boolean }
  | { type: string; id?: string };

export type EdgeChangeLike = { type: 'select'; id: string; selected: boolean } | { type: string; id?: string };

const MERGE_WINDOW_MS = 1200;
const HISTORY_LIMIT = 200;

export type FlowStore = StoreApi<FlowEditorState> & { temporal: StoreApi<TemporalState<FlowDoc>> };

export interface FlowEditor {
  store: FlowStore;
  actions: FlowActions;
}

export interface FlowActions {
  applyNodeChanges(changes: readonly NodeChangeLike[]): void;
  applyEdgeChanges(changes: readonly EdgeChangeLike[]): void;
  /** Add a step; with `from`, wired from that output in the same undo step (if the kind takes an input). */
  addNode(kind: NodeKind, position: { x: number; y: number }, from?: { source: string; sourcePort: string } | null): NodeId;
  /** Wire an output port; an output carries one connection, so an old one is replaced. */
  connect(source: string, sourcePort: string, target: string): { ok: true; edgeId: EdgeId } | { ok: false; reason: string };
  disconnect(source: string, sourcePort: string): void;
  deleteSelection(): void;
  selectAll(): void;
  select(nodeIds: readonly string[], edgeIds?: readonly string[]): void;
  updateNode(id: string, update: (node: FlowNode) => FlowNode, history?: HistoryMode): void;
  updateSettings(update: (settings: FlowSettings) => FlowSettings, history?: HistoryMode): void;
  copySelection(): ClipboardPayload | null;
  paste(payload: ClipboardPayload, offset?: { x: number; y: number }): void;
  duplicateSelection(): void;
  setPositions(positions: ReadonlyMap<string, { x: number; y: number }>): void;
  undo(): void;
  redo(): void;
  setSnapToGrid(isOn: boolean): void;
  /**
   * Recompute validation now, or as soon as the validator has loaded (see validator.ts); the store
   * also does it on its own after each change.
   */
  validateNow(): void;
  /** What the library and contacts know (media, attributes), for the checks beyond the graph; revalidates. */
  setValidationContext(context: ValidationContext | undefined): void;
  /** What the workspace and database say for the compliance checks (brand, account, consent sources); revalidates. */
  setComplianceFacts(facts: ComplianceFacts | undefined): void;
  /** Apply an issue's fix (Problems panel): one undo step. */
  applyFix(fix: IssueFix): void;
  setSave(save: SaveStatus): void;
  setMeta(meta: Partial<FlowMeta>): void;
  /**
   * The draft as saved elsewhere (another window, the CLI, a split's auto-winner), taken in place
   * of an unchanged document: no undo step, and undo starts from it (undoing past it would save
   * the older draft back over the newer one). Selection of what is gone is dropped.
   */
  adoptSaved(detail: FlowDetail, note: string): void;
}

function indexIssues(validation: FlowValidation): Pick<FlowEditorState, 'issueCountsByNode' | 'edgesWithErrors'> {
  const issueCountsByNode = new Map<string, IssueCounts>();
  const edgesWithErrors = new Set<string>();
  for (const issue of validation.issues) {
    if (issue.edgeId) edgesWithErrors.add(issue.edgeId);
    if (!issue.nodeId) continue;
    const counts = issueCountsByNode.get(issue.nodeId) ?? { errors: 0, warnings: 0 };
    if (issue.severity === 'error') counts.errors++;
    else counts.warnings++;
    issueCountsByNode.set(issue.nodeId, counts);
  }
  return { issueCountsByNode, edgesWithErrors };
}

function sameIssues(a: readonly FlowIssue[], b: readonly FlowIssue[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((issue, i) => {
    const other = b[i];
    return (
      other !== undefined &&
      issue.code === other.code &&
      issue.nodeId === other.nodeId &&
      issue.edgeId === other.edgeId &&
      issue.port === other.port &&
      issue.message === other.message &&
      JSON.stringify(issue.fix) === JSON.stringify(other.fix)
    );
  });
}

export function createFlowEditor(detail: FlowDetail): FlowEditor {
  // The server validated this very graph when it answered flows.get: no need to wait for it again.
  const validation = detail.validation;
  const store = createStore<FlowEditorState>()(
    temporal(
      (): FlowEditorState => ({
        meta: {
          id: detail.id,
          name: detail.name,
          status: detail.status,
          revision: detail.revision,
          versions: detail.versions,
          hasUnpublishedChanges: detail.hasUnpublishedChanges,
        },
        graph: detail.graph,
        settings: detail.settings,
        selectedNodeIds: new Set<string>(),
        selectedEdgeIds: new Set<string>(),
        measured: new Map<string, Dimensions>(),
        validation,
        ...indexIssues(validation),
        save: { state: 'saved' },
        isDragging: false,
        isSnapToGrid: true,
      }),
      {
        partialize: (state): FlowDoc => ({ graph: state.graph, settings: state.settings }),
        // Only a change of the document is a history step; selection and view state are not.
        equality: (past, current) => past.graph === current.graph && past.settings === current.settings,
        limit: HISTORY_LIMIT,
      },
    ),
  ) as FlowStore;

  const get = store.getState;
  let lastMerge: { key: string; at: number } | null = null;
  let dragSnapshot: FlowDoc | null = null;
  let validationContext: ValidationContext | undefined;
  let complianceFacts: ComplianceFacts | undefined;
  let isAwaitingValidator = false;

  const commit = (update: (state: FlowEditorState) => Partial<FlowEditorState> | null, history: HistoryMode): void => {
    const patch = update(get());
    if (!patch) return;
    let isRecorded = history === 'record';
    if (typeof history === 'object') {
      const now = Date.now();
      isRecorded = !(lastMerge && lastMerge.key === history.merge && now - lastMerge.at < MERGE_WINDOW_MS);
      lastMerge = { key: history.merge, at: now };
    } else {
      lastMerge = null;
    }
    const history$ = store.temporal.getState();
    if (isRecorded) {
      store.setState(patch);
    } else {
      history$.pause();
      store.setState(patch);
      history$.resume();
    }
  };

  const setGraph = (graph: FlowGraph, history: HistoryMode, extra: Partial<FlowEditorState> = {}): void =>
    commit(() => ({ graph, ...extra }), history);

  const takenIds = (graph: FlowGraph): Set<string> => new Set([...graph.nodes.map((n) => n.id), ...graph.edges.map((e) => e.id)]);

  const movedPositions = (graph: FlowGraph, moves: Map<string, { x: number; y: number }>): FlowGraph => ({
    ...graph,
    nodes: graph.nodes.map((node) => {
      const position = moves.get(node.id);
      return position && (position.x !== node.position.x || position.y !== node.position.y) ? { ...node, position } : node;
    }),
  });

  /** After undo or redo: a step or wire that is gone is no longer selected (the inspector counted it). */
  const pruneSelection = (): void => {
    const { graph, selectedNodeIds, selectedEdgeIds } = get();
    const nodeIds = new Set<string>(graph.nodes.map((n) => n.id));
    const edgeIds = new Set<string>(graph.edges.map((e) => e.id));
    const nodes = [...selectedNodeIds].filter((id) => nodeIds.has(id));
    const edges = [...selectedEdgeIds].filter((id) => edgeIds.has(id));
    if (nodes.length !== selectedNodeIds.size || edges.length !== selectedEdgeIds.size) {
      store.setState({ selectedNodeIds: new Set(nodes), selectedEdgeIds: new Set(edges) });
    }
  };

  const actions: FlowActions = {
    applyNodeChanges(changes) {
      const moves = new Map<string, { x: number; y: number }>();
      let isDragActive: boolean | null = null;
      let measured: Map<string, Dimensions> | null = null;
      let selection: Set<string> | null = null;
      for (const change of changes) {
        if (change.type === 'position' && 'position' in change) {
          if (change.position) moves.set(change.id, change.position);
          if (change.dragging !== undefined) isDragActive = change.dragging;
        } else if (change.type === 'dimensions' && 'dimensions' in change && change.dimensions) {
          measured ??= new Map(get().measured);
          measured.set(change.id, change.dimensions);
        } else if (change.type === 'select' && 'selected' in change) {
          selection ??= new Set(get().selectedNodeIds);
          if (change.selected) selection.add(change.id);
          else selection.delete(change.id);
        }
        // 'remove' is ignored on purpose: deleting goes through deleteSelection (one history step).
      }
      if (measured || selection) {
        store.setState({ ...(measured ? { measured } : {}), ...(selection ? { selectedNodeIds: selection } : {}) });
      }
      if (moves.size === 0 && isDragActive === null) return;

      const state = get();
      if (isDragActive === true && !state.isDragging) {
        // A drag is one history step: remember the document as it was before the first pixel.
        dragSnapshot = { graph: state.graph, settings: state.settings };
        store.setState({ isDragging: true });
      }
      const graph = moves.size > 0 ? movedPositions(get().graph, moves) : get().graph;
      if (get().isDragging) {
        const isEnd = isDragActive === false;
        commit(() => ({ graph, ...(isEnd ? { isDragging: false } : {}) }), 'skip');
        if (isEnd && dragSnapshot) {
          const before = dragSnapshot;
          dragSnapshot = null;
          if (before.graph !== get().graph) {
            const history$ = store.temporal.getState();
            store.temporal.setState({
              pastStates: [...history$.pastStates, before].slice(-HISTORY_LIMIT),
              futureStates: [],
            });
          }
        }
        return;
      }
      // Moves outside a drag come from the keyboard (arrow keys): a burst of nudges is one step.
      if (graph !== state.graph) setGraph(graph, { merge: 'nudge' });
    },

    applyEdgeChanges(changes) {
      let selection: Set<string> | null = null;
      for (const change of changes) {
        if (change.type === 'select' && 'selected' in change) {
          selection ??= new Set(get().selectedEdgeIds);
          if (change.selected) selection.add(change.id);
          else selection.delete(change.id);
        }
      }
      if (selection) store.setState({ selectedEdgeIds: selection });
    },

    addNode(kind, position, from) {
      const { graph } = get();
      const definition = definitionOf(kind);
      const sameKind = graph.nodes.filter((n) => n.kind === kind).length;
      const taken = takenIds(graph);
      const node = {
        id: freshId(kind, taken),
        kind,
        position: { x: Math.round(position.x), y: Math.round(position.y) },
        label: sameKind === 0 ? definition.label : `${definition.label} ${sameKind + 1}`,
        config: definition.defaults(),
      } as FlowNode;
      taken.add(node.id);
      const source = from ? graph.nodes.find((n) => n.id === from.source) : undefined;
      const isWired =
        source !== undefined &&
        from !== null &&
        from !== undefined &&
        definition.hasInput &&
        portsOf(source.kind, source.config).some((p) => p.id === from.sourcePort) &&
        !graph.edges.some((e) => e.source === from.source && e.sourcePort === from.sourcePort);
      const edges: FlowEdge[] =
        isWired && source ? [...graph.edges, { id: freshId('e', taken) as EdgeId, source: source.id, sourcePort: from.sourcePort, target: node.id }] : graph.edges;
      setGraph({ nodes: [...graph.nodes, node], edges }, 'record', {
        selectedNodeIds: new Set([node.id]),
        selectedEdgeIds: new Set(),
      });
      return node.id;
    },

    connect(source, sourcePort, target) {
      const { graph } = get();
      const from = graph.nodes.find((n) => n.id === source);
      const to = graph.nodes.find((n) => n.id === target);
      if (!from || !to) return { ok: false, reason: 'That step no longer exists.' };
      if (source === target) return { ok: false, reason: 'A step cannot connect to itself.' };
      if (!definitionOf(to.kind).hasInput) return { ok: false, reason: 'A trigger starts the flow; nothing can lead into it.' };
      if (!portsOf(from.kind, from.config).some((p) => p.id === sourcePort)) return { ok: false, reason: 'That output does not exist.' };
      const existing = graph.edges.find((e) => e.source === source && e.sourcePort === sourcePort);
      if (existing?.target === target) return { ok: true, edgeId: existing.id };
      const edge: FlowEdge = { id: freshId('e', takenIds(graph)) as EdgeId, source: from.id, sourcePort, target: to.id };
      setGraph({ ...graph, edges: [...graph.edges.filter((e) => e !== existing), edge] }, 'record');
      return { ok: true, edgeId: edge.id };
    },

    disconnect(source, sourcePort) {
      const { graph } = get();
      const edges = graph.edges.filter((e) => !(e.source === source && e.sourcePort === sourcePort));
      if (edges.length !== graph.edges.length) setGraph({ ...graph, edges }, 'record');
    },

    deleteSelection() {
      const { graph, selectedNodeIds, selectedEdgeIds } = get();
      if (selectedNodeIds.size === 0 && selectedEdgeIds.size === 0) return;
      const nodes = graph.nodes.filter((n) => !selectedNodeIds.has(n.id));
      const edges = graph.edges.filter(
        (e) => !selectedEdgeIds.has(e.id) && !selectedNodeIds.has(e.source) && !selectedNodeIds.has(e.target),
      );
      if (nodes.length === graph.nodes.length && edges.length === graph.edges.length) return;
      setGraph({ nodes, edges }, 'record', { selectedNodeIds: new Set(), selectedEdgeIds: new Set() });
    },

    selectAll() {
      const { graph } = get();
      store.setState({ selectedNodeIds: new Set(graph.nodes.map((n) => n.id)), selectedEdgeIds: new Set(graph.edges.map((e) => e.id)) });
    },

    select(nodeIds, edgeIds = []) {
      store.setState({ selectedNodeIds: new Set(nodeIds), selectedEdgeIds: new Set(edgeIds) });
    },

    updateNode(id, update, history = 'record') {
      commit((state) => {
        const index = state.graph.nodes.findIndex((n) => n.id === id);
        const before = state.graph.nodes[index];
        if (!before) return null;
        const after = update(before);
        if (after === before) return null;
        const nodes = state.graph.nodes.slice();
        nodes[index] = after;
        // Removing a branch condition or split variant removes its output, and the wire with it.
        // A config that does not parse keeps every wire: validation reports the config instead.
        const isValid = definitionOf(after.kind).schema.safeParse(after.config).success;
        const ports = new Set(portsOf(after.kind, after.config).map((p) => p.id));
        const edges = isValid
          ? state.graph.edges.filter((e) => e.source !== id || ports.has(e.sourcePort))
          : state.graph.edges;
        return { graph: { nodes, edges } };
      }, history);
    },

    updateSettings(update, history = 'record') {
      commit((state) => {
        const settings = update(state.settings);
        return settings === state.settings ? null : { settings };
      }, history);
    },

    copySelection() {
      const { graph, selectedNodeIds } = get();
      const nodes = graph.nodes.filter((n) => selectedNodeIds.has(n.id));
      if (nodes.length === 0) return null;
      const edges = graph.edges.filter((e) => selectedNodeIds.has(e.source) && selectedNodeIds.has(e.target));
      return { format: 'postcard.clipboard', nodes, edges };
    },

    paste(payload, offset = { x: 40, y: 40 }) {
      const { graph } = get();
      const taken = takenIds(graph);
      const idMap = new Map<string, string>();
      const nodes = payload.nodes.map((node) => {
        const id = freshId(node.kind, taken);
        taken.add(id);
        idMap.set(node.id, id);
        return {
          ...node,
          id: id as NodeId,
          position: { x: Math.round(node.position.x + offset.x), y: Math.round(node.position.y + offset.y) },
        } as FlowNode;
      });
      const edges: FlowEdge[] = [];
      for (const edge of payload.edges) {
        const source = idMap.get(edge.source);
        const target = idMap.get(edge.target);
        if (!source || !target) continue;
        const id = freshId('e', taken);
        taken.add(id);
        edges.push({ id: id as EdgeId, source: source as NodeId, sourcePort: edge.sourcePort, target: target as NodeId });
      }
      if (nodes.length === 0) return;
      setGraph({ nodes: [...graph.nodes, ...nodes], edges: [...graph.edges, ...edges] }, 'record', {
        selectedNodeIds: new Set(nodes.map((n) => n.id)),
        selectedEdgeIds: new Set(edges.map((e) => e.id)),
      });
    },

    duplicateSelection() {
      const payload = actions.copySelection();
      if (payload) actions.paste(payload);
    },

    setPositions(positions) {
      const { graph } = get();
      const moved = movedPositions(graph, new Map(positions));
      if (moved !== graph) setGraph(moved, 'record');
    },

    undo() {
      lastMerge = null;
      store.temporal.getState().undo();
      pruneSelection();
    },
    redo() {
      lastMerge = null;
      store.temporal.getState().redo();
      pruneSelection();
    },

    setSnapToGrid(isOn) {
      store.setState({ isSnapToGrid: isOn });
    },

    validateNow() {
      const validateFlow = loadedValidator();
      if (!validateFlow) {
        // First use: validate once the validator has loaded, against the graph of that moment
        // (once, however many asked meanwhile; a failed load is retried by the next request).
        if (isAwaitingValidator) return;
        isAwaitingValidator = true;
        loadValidator().then(
          () => {
            isAwaitingValidator = false;
            actions.validateNow();
          },
          () => {
            isAwaitingValidator = false;
          },
        );
        return;
      }
      const state = get();
      const next = validateFlow(state.graph, { ...validationContext, ...complianceFacts, settings: state.settings });
      if (sameIssues(next.issues, state.validation.issues)) return;
      store.setState({ validation: next, ...indexIssues(next) });
    },

    setValidationContext(context) {
      validationContext = context;
      actions.validateNow();
    },

    setComplianceFacts(facts) {
      complianceFacts = facts;
      actions.validateNow();
    },

    applyFix(fix) {
      if (fix.type === 'settings') {
        actions.updateSettings((settings) => fixedSettings(settings, fix));
        return;
      }
      actions.updateNode(fix.nodeId, (node) => (node.kind === 'sms' || node.kind === 'mms' ? ({ ...node, config: { ...node.config, body: fixedBody(node.config.body, fix) } } as FlowNode) : node));
    },

    setSave(save) {
      store.setState({ save });
    },

    setMeta(meta) {
      store.setState({ meta: { ...get().meta, ...meta } });
    },

    adoptSaved(detail, note) {
      lastMerge = null;
      const history$ = store.temporal.getState();
      history$.pause();
      store.setState({
        graph: detail.graph,
        settings: detail.settings,
        meta: { ...get().meta, name: detail.name, status: detail.status, revision: detail.revision, versions: detail.versions, hasUnpublishedChanges: detail.hasUnpublishedChanges },
        save: { state: 'saved', note },
      });
      history$.resume();
      history$.clear();
      pruneSelection();
    },
  };

  return { store, actions };
}

/**
 * Validation runs after each change of the graph: at once for ordinary flows, after a short
 * pause for very large ones (a 1,000-step flow validates in a few ms, but not on every drag frame).
 */
export function attachValidation(editor: FlowEditor): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const unsubscribe = editor.store.subscribe((state, previous) => {
    if (state.graph === previous.graph && state.settings === previous.settings && state.isDragging === previous.isDragging) return;
    if (state.isDragging) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      editor.actions.validateNow();
    }, state.graph.nodes.length > 300 ? 200 : 0);
  });
  return () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
  };
}
