import { useStore } from 'zustand';
import { CheckIcon, CloseIcon, ErrorIcon } from '../ui/icons';
import { dismissToast, toastStore } from './toasts';

export function Toasts() {
  const toasts = useStore(toastStore, (s) => s.toasts);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.id} className={`toast is-${toast.kind}`} role={toast.kind === 'error' ? 'alert' : 'status'}>
          <span className="toast-icon">{toast.kind === 'error' ? <ErrorIcon /> : <CheckIcon />}</span>
          <div className="toast-text">
            <strong>{toast.title}</strong>
            {toast.message ? <span>{toast.message}</span> : null}
            {toast.code ? <code className="toast-code">{toast.code}</code> : null}
          </div>
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismissToast(toast.id)}>
            <CloseIcon />
          </button>
        </div>
      ))}
    </div>
  );
}
