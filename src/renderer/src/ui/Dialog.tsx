import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';

/**
 * Modal dialogs on the native <dialog> element: the browser gives focus trapping, Escape to
 * close and the `dialog` role for free, and nothing has to be portalled.
 */
export function Dialog({
  title,
  children,
  onClose,
  className,
}: {
  title: string;
  children: ReactNode;
  onClose: () => void;
  className?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className={`dialog ${className ?? ''}`}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId} className="dialog-title">
        {title}
      </h2>
      {children}
    </dialog>
  );
}

/**
 * A dialog's buttons: Cancel, then its one action in the dialog's tone. The action submits the
 * dialog's form unless `onConfirm` is given; without a `label` there is only Cancel.
 */
export function DialogActions({
  onCancel,
  label,
  onConfirm,
  tone = 'primary',
  isDisabled = false,
  isCancelFocused = false,
}: {
  onCancel: () => void;
  label?: string;
  onConfirm?: () => void;
  tone?: 'primary' | 'danger';
  isDisabled?: boolean;
  isCancelFocused?: boolean;
}) {
  return (
    <div className="dialog-actions">
      <button type="button" className="button" onClick={onCancel} autoFocus={isCancelFocused}>
        Cancel
      </button>
      {label ? (
        <button type={onConfirm ? 'button' : 'submit'} className={`button button-${tone}`} disabled={isDisabled} onClick={onConfirm}>
          {label}
        </button>
      ) : null}
    </div>
  );
}

export function ConfirmDialog({
  title,
  message,
  confirmLabel,
  isDestructive,
  onConfirm,
  onCancel,
}: {
  title: string;
  message: ReactNode;
  confirmLabel: string;
  isDestructive?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Dialog title={title} onClose={onCancel}>
      <div className="dialog-body">{message}</div>
      <DialogActions onCancel={onCancel} label={confirmLabel} onConfirm={onConfirm} tone={isDestructive ? 'danger' : 'primary'} isCancelFocused />
    </Dialog>
  );
}

/** Ask for one line of text (a flow name); the submit button stays disabled while it is blank. */
export function PromptDialog({
  title,
  label,
  initialValue,
  submitLabel,
  error,
  onSubmit,
  onCancel,
}: {
  title: string;
  label: string;
  initialValue: string;
  submitLabel: string;
  error?: string | null;
  onSubmit: (value: string) => void;
  onCancel: () => void;
}) {
  const [value, setValue] = useState(initialValue);
  const inputId = useId();
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (value.trim()) onSubmit(value.trim());
  };
  return (
    <Dialog title={title} onClose={onCancel}>
      <form onSubmit={submit}>
        <div className="dialog-body field">
          <label htmlFor={inputId}>{label}</label>
          <input
            id={inputId}
            className="input"
            value={value}
            maxLength={120}
            autoFocus
            onFocus={(event) => event.currentTarget.select()}
            onChange={(event) => setValue(event.target.value)}
          />
          {error ? (
            <p className="field-error" role="alert">
              {error}
            </p>
          ) : null}
        </div>
        <DialogActions onCancel={onCancel} label={submitLabel} isDisabled={!value.trim()} />
      </form>
    </Dialog>
  );
}
