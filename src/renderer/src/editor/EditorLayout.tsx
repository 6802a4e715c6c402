import { useReactFlow } from '@xyflow/react';
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useApi } from '../api/ApiContext';
import { LiveControls } from '../live/LiveControls';
import { SendingPausedBanner } from '../live/SendingPausedBanner';
import { StepAnalyticsProvider, StepAnalyticsToggle } from '../live/StepAnalyticsOverlay';
import { SimulateButton } from '../simulate/SimulateButton';
import { SimulationPanel } from '../simulate/SimulationPanel';
import { EditorMediaBridge } from '../media/EditorMediaBridge';
import { ComplianceBridge } from './ComplianceBridge';
import { PreviewButton } from '../preview/PreviewButton';
import { PreviewDialogHost } from '../preview/PreviewDialogHost';
import { StatusBadge } from '../flows/StatusBadge';
import { Dialog } from '../ui/Dialog';
import { BackIcon, GridIcon, KeyboardIcon, LayoutIcon, PublishIcon, RedoIcon, UndoIcon } from '../ui/icons';
import { Canvas } from './canvas/Canvas';
import { FlowSettingsPanel } from './inspector/FlowSettingsPanel';
import { Palette } from './Palette';
import { ProblemsPanel } from './ProblemsPanel';
import { PublishReviewDialog } from './PublishReviewDialog';
import { WalkFlowButton } from './WalkFlowDialog';
import { SaveIndicator } from './SaveIndicator';
import type { Autosave } from './store/autosave';
import { useFlowActions, useFlowEditor, useFlowStore, useHistoryState } from './store/FlowEditorContext';
import { loadValidator } from './store/validator';
import { shortcutList, useEditorShortcuts } from './useEditorShortcuts';

// The inspector (every kind's editor, the SMS segment counter) shows only once a step is
// selected: its code is not on the path to a first frame of the canvas.
const loadInspector = () => import('./inspector/Inspector');
const Inspector = lazy(() => loadInspector().then((m) => ({ default: m.Inspector })));

type Notice = { kind: 'success' | 'error'; text: string } | null;

export function EditorLayout({ colorMode, autosave, onReload }: { colorMode: 'light' | 'dark'; autosave: Autosave; onReload: () => void }) {
  const editor = useFlowEditor();
  const actions = useFlowActions();
  const api = useApi();
  const { fitView } = useReactFlow();
  const canvasRef = useRef<HTMLDivElement>(null);
  const [isHelpOpen, setIsHelpOpen] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  const [isPublishing, setIsPublishing] = useState(false);
  const [isReviewOpen, setIsReviewOpen] = useState(false);
  const [isPreparingReview, setIsPreparingReview] = useState(false);

  const meta = useFlowStore((s) => s.meta);
  const validation = useFlowStore((s) => s.validation);
  const hasErrors = validation.hasErrors;
  // Counted when validation changes, not in a selector that every store update (each drag frame) runs.
  const errorCount = useMemo(() => validation.issues.filter((i) => i.severity === 'error').length, [validation]);
  const isSnapToGrid = useFlowStore((s) => s.isSnapToGrid);
  const isConflict = useFlowStore((s) => s.save.state === 'conflict');
  const selectedNodeIds = useFlowStore((s) => s.selectedNodeIds);
  const { canUndo, canRedo } = useHistoryState();

  const autoLayout = useCallback(() => {
    if (editor.store.getState().graph.nodes.length === 0) return;
    // The layout library loads on first use: most sessions never tidy up, and opening a flow
    // should not parse it.
    void import('./canvas/layout').then(({ layoutGraph }) => {
      const { graph, measured } = editor.store.getState();
      if (graph.nodes.length === 0) return;
      actions.setPositions(layoutGraph(graph, measured));
      window.requestAnimationFrame(() => void fitView({ padding: 0.2, duration: 300, maxZoom: 1 }));
    });
  }, [actions, editor, fitView]);

  useEffect(() => {
    // The inspector's and the validator's chunks are fetched once the canvas is up, so the first
    // selection shows the inspector at once and the first edit validates at once.
    const idle = window.requestIdleCallback?.(
      () => {
        void loadInspector();
        void loadValidator();
      },
      { timeout: 2000 },
    );
    return () => {
      if (idle !== undefined) window.cancelIdleCallback(idle);
    };
  }, []);

  const handlers = useMemo(
    () => ({
      onHelp: () => setIsHelpOpen(true),
      onLayout: autoLayout,
      onFitView: () => void fitView({ padding: 0.2, duration: 300, maxZoom: 1 }),
    }),
    [autoLayout, fitView],
  );
  useEditorShortcuts(editor, handlers);

  /** Publish opens the review of what it would set going; only its confirmation publishes. */
  const openReview = async (): Promise<void> => {
    setNotice(null);
    setIsPreparingReview(true);
    try {
      // The review reads the stored draft, so it must be the one on the canvas.
      const isSaved = await autosave.flush();
      if (!isSaved) {
        setNotice({ kind: 'error', text: 'The draft could not be saved, so it was not published. See the save status above.' });
        return;
      }
      setIsReviewOpen(true);
    } finally {
      setIsPreparingReview(false);
    }
  };

  const publish = async (): Promise<void> => {
    setIsPublishing(true);
    setNotice(null);
    try {
      const result = await api.call('flows.publish', { id: meta.id });
      setIsReviewOpen(false);
      if (!result.ok) {
        setNotice({
          kind: 'error',
          text: result.error.code === 'FLOW_INVALID' ? `Not published: ${result.error.message}` : `Publishing failed: ${result.error.message}`,
        });
        return;
      }
      setNotice({ kind: 'success', text: `Published version ${result.value.version}.` });
      const refreshed = await api.call('flows.get', { id: meta.id });
      if (refreshed.ok) {
        actions.setMeta({
          status: refreshed.value.status,
          versions: refreshed.value.versions,
          revision: refreshed.value.revision,
          hasUnpublishedChanges: refreshed.value.hasUnpublishedChanges,
        });
      } else {
        actions.setMeta({ status: result.value.status, hasUnpublishedChanges: false });
      }
    } finally {
      setIsPublishing(false);
    }
  };

  const latestVersion = meta.versions.length > 0 ? Math.max(...meta.versions.map((v) => v.version)) : null;
  const singleSelection = selectedNodeIds.size === 1 ? [...selectedNodeIds][0] : undefined;
  const publishBlockedReason = hasErrors
    ? `Fix ${errorCount} ${errorCount === 1 ? 'error' : 'errors'} before publishing`
    : isConflict
      ? 'Reload the flow before publishing'
      : latestVersion !== null && !meta.hasUnpublishedChanges
        ? `No changes since version ${latestVersion}`
        : undefined;

  return (
    <StepAnalyticsProvider flowId={meta.id}>
    <div className="editor">
      <header className="editor-topbar">
        <a className="button button-ghost" href="#/">
          <BackIcon /> All flows
        </a>
        <div className="editor-title">
          <h1>{meta.name}</h1>
          <StatusBadge status={meta.status} hasUnpublishedChanges={meta.hasUnpublishedChanges} latestVersion={latestVersion} />
        </div>
        <SaveIndicator autosave={autosave} onReload={onReload} />
        <a className="button" href={`#/flows/${meta.id}/analytics`} aria-label="Analytics of this flow" title="What this flow sent and earned, its A/B splits, and a forecast">
          Analytics
        </a>
        <StepAnalyticsToggle />
        <LiveControls onNotice={setNotice} />
        <SimulateButton />
        <PreviewButton />
        <WalkFlowButton autosave={autosave} />
        <div className="toolbar" role="toolbar" aria-label="Canvas tools">
          <button type="button" className="icon-button" aria-label="Undo" title="Undo (Ctrl/⌘+Z)" disabled={!canUndo} onClick={actions.undo}>
            <UndoIcon />
          </button>
          <button type="button" className="icon-button" aria-label="Redo" title="Redo (Ctrl/⌘+Shift+Z)" disabled={!canRedo} onClick={actions.redo}>
            <RedoIcon />
          </button>
          <span className="toolbar-separator" />
          <button type="button" className="icon-button" aria-label="Auto-layout" title="Tidy up the layout (L)" onClick={autoLayout}>
            <LayoutIcon />
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label="Snap to grid"
            aria-pressed={isSnapToGrid}
            title="Snap to grid"
            onClick={() => actions.setSnapToGrid(!isSnapToGrid)}
          >
            <GridIcon />
          </button>
          <button type="button" className="icon-button" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" onClick={() => setIsHelpOpen(true)}>
            <KeyboardIcon />
          </button>
        </div>
        <button
          type="button"
          className="button button-primary"
          disabled={Boolean(publishBlockedReason) || isPublishing || isPreparingReview}
          title={publishBlockedReason ?? 'Review and publish a new version of this flow'}
          aria-describedby={publishBlockedReason ? 'publish-blocked' : undefined}
          onClick={() => void openReview()}
        >
          <PublishIcon /> {isPublishing ? 'Publishing…' : 'Publish'}
        </button>
        {publishBlockedReason ? (
          <span id="publish-blocked" className="visually-hidden">
            {publishBlockedReason}
          </span>
        ) : null}
      </header>
      <SendingPausedBanner />
      <div className={`editor-notice${notice ? ` is-${notice.kind}` : ''}`} role="status" aria-live="polite">
        {notice ? (
          <>
            <span>{notice.text}</span>
            <button type="button" className="button button-small button-ghost" onClick={() => setNotice(null)}>
              Dismiss
            </button>
          </>
        ) : null}
      </div>
      <div className="editor-body">
        <Palette canvasElement={() => canvasRef.current} />
        <div className="editor-centre">
          <div className="canvas-wrap" ref={canvasRef}>
            <Canvas colorMode={colorMode} />
            <SimulationPanel />
          </div>
          <ProblemsPanel />
        </div>
        <aside className="side-panel" aria-label="Inspector">
          {singleSelection ? (
            <Suspense fallback={<div className="inspector" aria-busy="true" />}>
              <Inspector key={singleSelection} nodeId={singleSelection} />
            </Suspense>
          ) : selectedNodeIds.size > 1 ? (
            <div className="inspector">
              <h2 className="panel-title">{selectedNodeIds.size} steps selected</h2>
              <p className="panel-hint">Drag to move them together, Ctrl/⌘+D to duplicate, Delete to remove. Select one step to edit it.</p>
              <button type="button" className="button button-danger" onClick={actions.deleteSelection}>
                Delete {selectedNodeIds.size} steps
              </button>
            </div>
          ) : (
            <FlowSettingsPanel />
          )}
        </aside>
      </div>
      {isReviewOpen ? (
        <PublishReviewDialog
          flowId={meta.id}
          isPublishing={isPublishing}
          onConfirm={() => void publish()}
          onCancel={() => setIsReviewOpen(false)}
        />
      ) : null}
      <EditorMediaBridge />
      <ComplianceBridge />
      <PreviewDialogHost />
      {isHelpOpen ? (
        <Dialog title="Keyboard shortcuts" onClose={() => setIsHelpOpen(false)} className="shortcuts-dialog">
          <table className="shortcuts-table">
            <tbody>
              {shortcutList.map((shortcut) => (
                <tr key={shortcut.keys}>
                  <th scope="row">
                    <kbd>{shortcut.keys}</kbd>
                  </th>
                  <td>{shortcut.action}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="dialog-actions">
            <button type="button" className="button button-primary" onClick={() => setIsHelpOpen(false)} autoFocus>
              Close
            </button>
          </div>
        </Dialog>
      ) : null}
    </div>
    </StepAnalyticsProvider>
  );
}
