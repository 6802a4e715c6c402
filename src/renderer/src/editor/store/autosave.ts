import type { FlowDetail } from '../../../../shared/api/flows';
import type { ApiClient } from '../../api/client';
import type { FlowDoc, FlowEditor } from './flowStore';

export interface Autosave {
  /** Begin watching the store; returns the function that stops (and sends pending edits). */
  start(): () => void;
  /** Save now if anything is unsaved; resolves true once the store's document is saved. */
  flush(): Promise<boolean>;
  /**
   * A newer draft saved elsewhere: taken in place when nothing here is unsaved or being saved
   * (true); otherwise false, and the caller says so (saving would overwrite it).
   */
  adopt(detail: FlowDetail, note: string): boolean;
}

/**
 * Drafts save themselves: a short pause after the last edit, one request at a time, each based
 * on the revision the previous one returned. A CONFLICT (someone else saved this flow) stops
 * autosave so nothing is overwritten; the editor offers to reload instead.
 */
export function createAutosave(editor: FlowEditor, api: ApiClient, delayMs = 600): Autosave {
  const { store, actions } = editor;
  let saved: FlowDoc = { graph: store.getState().graph, settings: store.getState().settings };
  let timer: ReturnType<typeof setTimeout> | null = null;
  let inFlight: Promise<boolean> | null = null;
  let isDisposed = false;
  let unsubscribe: (() => void) | null = null;

  const isDirty = (): boolean => {
    const state = store.getState();
    return state.graph !== saved.graph || state.settings !== saved.settings;
  };
  const isStopped = (): boolean => store.getState().save.state === 'conflict';

  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void save();
    }, delayMs);
  };

  const save = async (): Promise<boolean> => {
    if (inFlight) {
      await inFlight;
      return isDirty() ? save() : !isStopped();
    }
    if (isStopped()) return false;
    if (!isDirty()) {
      actions.setSave({ state: 'saved' });
      return true;
    }
    const state = store.getState();
    const snapshot: FlowDoc = { graph: state.graph, settings: state.settings };
    actions.setSave({ state: 'saving' });
    inFlight = (async () => {
      const result = await api.call('flows.saveDraft', {
        id: state.meta.id,
        baseRevision: state.meta.revision,
        graph: snapshot.graph,
        settings: snapshot.settings,
      });
      if (isDisposed) return result.ok;
      if (result.ok) {
        saved = snapshot;
        actions.setMeta({ revision: result.value.revision, hasUnpublishedChanges: result.value.hasUnpublishedChanges });
        actions.setSave(isDirty() ? { state: 'pending' } : { state: 'saved' });
        return true;
      }
      if (result.error.code === 'CONFLICT') {
        // The service's words carry revision numbers, which say nothing to the person editing.
        actions.setSave({ state: 'conflict', message: 'Changed elsewhere: not saved' });
      } else {
        actions.setSave({ state: 'error', message: result.error.message });
      }
      return false;
    })();
    const isOk = await inFlight;
    inFlight = null;
    if (isOk && isDirty() && !isDisposed) schedule();
    return isOk && !isDirty();
  };

  const watch = (): (() => void) =>
    store.subscribe((state, previous) => {
      if (state.graph === previous.graph && state.settings === previous.settings && state.isDragging === previous.isDragging) return;
      if (isStopped() || !isDirty()) return;
      if (state.save.state !== 'saving') actions.setSave({ state: 'pending' });
      // A drag saves once, when the node is let go.
      if (state.isDragging) {
        if (timer) clearTimeout(timer);
        timer = null;
        return;
      }
      schedule();
    });

  const stop = (): void => {
    isDisposed = true;
    unsubscribe?.();
    unsubscribe = null;
    if (!timer) return;
    clearTimeout(timer);
    timer = null;
    // Leaving the editor with edits pending: send them now rather than drop them.
    if (isDirty() && !isStopped()) {
      const state = store.getState();
      void api.call('flows.saveDraft', { id: state.meta.id, baseRevision: state.meta.revision, graph: state.graph, settings: state.settings });
    }
  };

  return {
    adopt(detail, note) {
      if (isDisposed || isStopped() || inFlight || timer || isDirty()) return false;
      // First, so the store's change is not seen as an edit to save.
      saved = { graph: detail.graph, settings: detail.settings };
      actions.adoptSaved(detail, note);
      return true;
    },
    start() {
      isDisposed = false;
      unsubscribe?.();
      unsubscribe = watch();
      return stop;
    },
    async flush() {
      if (timer) clearTimeout(timer);
      timer = null;
      return save();
    },
  };
}
