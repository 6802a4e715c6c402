import { ReactFlowProvider } from '@xyflow/react';
import { useCallback, useEffect, useState } from 'react';
import type { FlowDetail } from '../../../shared/api/flows';
import type { ApiError, ApiResult } from '../../../shared/api/result';
import { prefetchedFlowResult, takePrefetchedFlow } from '../app/boot';
import { useApi } from '../api/ApiContext';
import { OperationsProvider } from '../live/OperationsContext';
import { BackIcon, ErrorIcon } from '../ui/icons';
import { EditorLayout } from './EditorLayout';
import { CANVAS_MIN_ZOOM, canvasFitViewOptions, estimatedCanvasSize } from './canvas/Canvas';
import { projectionsOf } from './canvas/projection';
import { createAutosave, type Autosave } from './store/autosave';
import { FlowEditorProvider } from './store/FlowEditorContext';
import { attachValidation, createFlowEditor, type FlowEditor } from './store/flowStore';

type Loaded = { detail: FlowDetail; key: number } | { error: ApiError };

const loadedFrom = (result: ApiResult<FlowDetail>): Loaded => (result.ok ? { detail: result.value, key: Date.now() } : { error: result.error });

/** Loads one flow and builds its store; a new store per flow (and per reload) keeps flows apart. */
export function EditorPage({ flowId, colorMode }: { flowId: string; colorMode: 'light' | 'dark' }) {
  const api = useApi();
  // The window may have opened on this flow, and its answer may already be in (see app/boot).
  const [loaded, setLoaded] = useState<Loaded | null>(() => {
    const result = prefetchedFlowResult(flowId);
    return result ? loadedFrom(result) : null;
  });
  const [loadCount, setLoadCount] = useState(0);

  useEffect(() => {
    const prefetched = loadCount === 0 ? takePrefetchedFlow(flowId) : null;
    if (prefetched && loaded !== null) return undefined;
    let isCurrent = true;
    void (prefetched ?? api.call('flows.get', { id: flowId })).then((result) => {
      if (isCurrent) setLoaded(loadedFrom(result));
    });
    return () => {
      isCurrent = false;
    };
    // `loaded` is read only to skip a request the first render already answered.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, flowId, loadCount]);

  const reload = useCallback(() => {
    setLoaded(null);
    setLoadCount((n) => n + 1);
  }, []);

  if (loaded === null) {
    return (
      <main className="page">
        <p className="muted">Opening flow…</p>
      </main>
    );
  }
  if ('error' in loaded) {
    return (
      <main className="page">
        <a className="button" href="#/">
          <BackIcon /> All flows
        </a>
        <div className="callout callout-error" role="alert">
          <ErrorIcon />
          {loaded.error.code === 'NOT_FOUND' ? 'This flow does not exist any more.' : `This flow cannot be opened: ${loaded.error.message}`}
        </div>
      </main>
    );
  }
  return <LoadedEditor key={`${flowId}:${loaded.key}`} detail={loaded.detail} colorMode={colorMode} onReload={reload} />;
}

function LoadedEditor({ detail, colorMode, onReload }: { detail: FlowDetail; colorMode: 'light' | 'dark'; onReload: () => void }) {
  const api = useApi();
  const [editor] = useState<FlowEditor>(() => createFlowEditor(detail));
  const [autosave] = useState<Autosave>(() => createAutosave(editor, api));

  useEffect(() => {
    const stopValidation = attachValidation(editor);
    const stopAutosave = autosave.start();
    return () => {
      stopValidation();
      stopAutosave();
    };
  }, [editor, autosave]);

  useEffect(() => {
    // Another window, the CLI or a split's auto-winner saved this flow: with nothing unsaved here
    // the newer draft is taken in place; with edits pending, a reload is offered instead of
    // overwriting it later.
    return api.subscribe((event) => {
      if (event.type !== 'flows.changed' || event.flowId !== detail.id) return;
      const { save, meta } = editor.store.getState();
      if (save.state === 'saving' || save.state === 'conflict') return;
      void api.call('flows.get', { id: detail.id }).then((result) => {
        const current = editor.store.getState();
        if (!result.ok || current.save.state === 'saving') return;
        if (result.value.revision > current.meta.revision && result.value.revision > meta.revision) {
          if (!autosave.adopt(result.value, changeNote(result.value, Math.max(0, ...current.meta.versions.map((v) => v.version))))) {
            editor.actions.setSave({ state: 'conflict', message: 'Changed elsewhere: not saved' });
          }
        } else {
          editor.actions.setMeta({ name: result.value.name, status: result.value.status, versions: result.value.versions });
        }
      });
    });
  }, [api, editor, autosave, detail.id]);

  useEffect(() => {
    const warn = (event: BeforeUnloadEvent): void => {
      const state = editor.store.getState().save.state;
      if (state === 'pending' || state === 'saving') event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [editor]);

  // React Flow's store starts with the flow's nodes and edges: created empty, it would mount
  // every card into an existing list a frame later, which React places one by one (slow at 1,000).
  const [initial] = useState(() => {
    const state = editor.store.getState();
    const projections = projectionsOf(editor.store);
    return { nodes: projections.nodes(state), edges: projections.edges(state), fitView: state.graph.nodes.length > 0, size: estimatedCanvasSize() };
  });

  return (
    <FlowEditorProvider editor={editor}>
      <ReactFlowProvider
        initialNodes={initial.nodes}
        initialEdges={initial.edges}
        fitView={initial.fitView}
        initialFitViewOptions={canvasFitViewOptions}
        initialMinZoom={CANVAS_MIN_ZOOM}
        initialMaxZoom={canvasFitViewOptions.maxZoom}
        initialWidth={initial.size.width}
        initialHeight={initial.size.height}
      >
        <OperationsProvider>
          <EditorLayout colorMode={colorMode} autosave={autosave} onReload={onReload} />
        </OperationsProvider>
      </ReactFlowProvider>
    </FlowEditorProvider>
  );
}

/** What the indicator says about a draft taken in from elsewhere: the note of a version Postcard published meanwhile (an auto-winner's). */
function changeNote(detail: FlowDetail, latestBefore: number): string {
  // Versions come newest first.
  const note = detail.versions.find((v) => v.version > latestBefore && v.note)?.note;
  return note ? `updated from elsewhere: ${note}` : 'updated from elsewhere';
}
