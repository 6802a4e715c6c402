import { AlertIcon, CheckIcon, ErrorIcon } from '../ui/icons';
import type { Autosave } from './store/autosave';
import { useFlowStore } from './store/FlowEditorContext';

/** Always says whether the work is safe: Saved, Saving…, or what went wrong and what to do. */
export function SaveIndicator({ autosave, onReload }: { autosave: Autosave; onReload: () => void }) {
  const save = useFlowStore((s) => s.save);
  return (
    <div className={`save-indicator is-${save.state}`} role="status" aria-live="polite">
      {save.state === 'saved' ? (
        <>
          <CheckIcon /> Saved
          {save.note ? (
            <span className="save-note" title={save.note}>
              · {save.note}
            </span>
          ) : null}
        </>
      ) : save.state === 'saving' || save.state === 'pending' ? (
        <>
          <span className="spinner" aria-hidden="true" /> Saving…
        </>
      ) : save.state === 'error' ? (
        <>
          <ErrorIcon /> Save failed: {save.message}
          <button type="button" className="button button-small" onClick={() => void autosave.flush()}>
            Retry
          </button>
        </>
      ) : (
        <>
          <AlertIcon /> <span title="Someone saved this flow from another window, the command line, or a split's auto-winner. Reload to see that draft; edits made here since then are not kept.">{save.message}</span>
          <button type="button" className="button button-small" onClick={onReload}>
            Reload flow
          </button>
        </>
      )}
    </div>
  );
}
