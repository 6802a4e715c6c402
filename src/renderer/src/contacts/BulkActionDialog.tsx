import { useEffect, useId, useState, type FormEvent } from 'react';
import type { BulkAction, BulkTarget, CategoryInfo } from '../../../shared/api/audience';
import { useApi } from '../api/ApiContext';
import { Dialog, DialogActions } from '../ui/Dialog';

/**
 * A change to many contacts at once: the ticked ones or everyone the list matches. First what
 * and why; then Postcard counts whom it touches and asks once more, naming the number; only then
 * is anything written (each contact gets a consent history record with the reason).
 */
type ActionKind = BulkAction['type'];

const actionNames: Record<ActionKind, string> = {
  subscribe: 'Add to a subscription category',
  unsubscribe: 'Remove from a subscription category',
  opt_out: 'Opt out of marketing messages',
  delete: 'Delete',
};

const people = (n: number): string => `${n.toLocaleString('en-US')} ${n === 1 ? 'contact' : 'contacts'}`;

export function BulkActionDialog({
  selectedIds,
  matching,
  matchingLabel,
  onDone,
  onCancel,
}: {
  selectedIds: number[];
  matching: { query: string; segmentId?: string | undefined; count: number };
  /** "everyone in “VIPs” matching “305”", for the choice of whom. */
  matchingLabel: string;
  onDone: (message: string) => void;
  onCancel: () => void;
}) {
  const api = useApi();
  const [scope, setScope] = useState<'selected' | 'matching'>(selectedIds.length > 0 ? 'selected' : 'matching');
  const [kind, setKind] = useState<ActionKind>('opt_out');
  const [categories, setCategories] = useState<CategoryInfo[]>([]);
  const [category, setCategory] = useState('');
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState<{ matched: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [isWorking, setIsWorking] = useState(false);
  const ids = { kind: useId(), category: useId(), reason: useId() };

  useEffect(() => {
    let isCurrent = true;
    void api.call('audience.catalog', {}).then((result) => {
      if (!isCurrent || !result.ok) return;
      setCategories(result.value.categories);
      setCategory((current) => current || (result.value.categories[0]?.id ?? ''));
    });
    return () => {
      isCurrent = false;
    };
  }, [api]);

  const target: BulkTarget =
    scope === 'selected' ? { type: 'contacts', contactIds: selectedIds } : { type: 'matching', query: matching.query, segmentId: matching.segmentId };
  const action: BulkAction =
    kind === 'subscribe' || kind === 'unsubscribe' ? { type: kind, category } : kind === 'opt_out' ? { type: 'opt_out', channel: 'all' } : { type: 'delete' };
  const needsCategory = kind === 'subscribe' || kind === 'unsubscribe';
  const isReady = (!needsCategory || category !== '') && (kind !== 'opt_out' || reason.trim() !== '');

  const send = async (isConfirmed: boolean): Promise<void> => {
    setIsWorking(true);
    setError(null);
    const result = await api.call('contacts.bulk', { target, action, reason: reason.trim(), isConfirmed });
    setIsWorking(false);
    if (!result.ok) {
      setError(result.error.message);
      return;
    }
    if (!isConfirmed) setConfirming({ matched: result.value.matched });
    else onDone(`${summary(kind, categoryLabel)}: ${people(result.value.changed)} changed.`);
  };
  const categoryLabel = categories.find((c) => c.id === category)?.label ?? category;

  if (confirming) {
    const isDelete = kind === 'delete';
    return (
      <Dialog title={confirming.matched === 0 ? 'No contacts to change' : `${summary(kind, categoryLabel)}?`} onClose={onCancel}>
        <div className="dialog-body">
          {confirming.matched === 0 ? (
            <p>No contact matches any more. Nothing was changed.</p>
          ) : (
            <>
              <p>
                This touches <strong>{people(confirming.matched)}</strong>
                {reason.trim() ? <> and records the reason “{reason.trim()}” in each one’s consent history</> : null}.
              </p>
              {isDelete ? <p>The contacts are removed with their journeys and events; their consent history is kept for audits and returns if the number is imported again.</p> : null}
            </>
          )}
          <ErrorLine error={error} />
        </div>
        <DialogActions
          onCancel={onCancel}
          label={confirming.matched === 0 ? undefined : `${isDelete ? 'Delete' : 'Change'} ${people(confirming.matched)}`}
          tone={isDelete || kind === 'opt_out' ? 'danger' : 'primary'}
          isDisabled={isWorking}
          onConfirm={() => void send(true)}
        />
      </Dialog>
    );
  }

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (isReady) void send(false);
  };
  return (
    <Dialog title="Change many contacts" onClose={onCancel}>
      <form onSubmit={submit}>
        <div className="dialog-body">
          <fieldset className="field bulk-scope">
            <legend className="field-label">Which contacts</legend>
            <label>
              <input type="radio" name="bulk-scope" checked={scope === 'selected'} disabled={selectedIds.length === 0} onChange={() => setScope('selected')} /> The{' '}
              {people(selectedIds.length)} ticked in the list
            </label>
            <label>
              <input type="radio" name="bulk-scope" checked={scope === 'matching'} onChange={() => setScope('matching')} /> All {people(matching.count)}: {matchingLabel}
            </label>
          </fieldset>
          <div className="field">
            <label htmlFor={ids.kind} className="field-label">
              Change
            </label>
            <select id={ids.kind} className="input select" value={kind} onChange={(e) => setKind(e.target.value as ActionKind)}>
              {(Object.keys(actionNames) as ActionKind[]).map((k) => (
                <option key={k} value={k}>
                  {actionNames[k]}
                </option>
              ))}
            </select>
          </div>
          {needsCategory ? (
            <div className="field">
              <label htmlFor={ids.category} className="field-label">
                Category
              </label>
              <select id={ids.category} className="input select" value={category} onChange={(e) => setCategory(e.target.value)}>
                {categories.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.label}
                  </option>
                ))}
              </select>
            </div>
          ) : null}
          <div className="field">
            <label htmlFor={ids.reason} className="field-label">
              Reason{kind === 'opt_out' ? '' : ' (optional)'}
            </label>
            <input id={ids.reason} className="input" value={reason} maxLength={400} placeholder="Kept in each contact’s consent history" onChange={(e) => setReason(e.target.value)} />
          </div>
          <ErrorLine error={error} />
        </div>
        <DialogActions onCancel={onCancel} label="Continue" isDisabled={!isReady || isWorking} />
      </form>
    </Dialog>
  );
}

function summary(kind: ActionKind, category: string): string {
  switch (kind) {
    case 'subscribe':
      return `Add to “${category}”`;
    case 'unsubscribe':
      return `Remove from “${category}”`;
    case 'opt_out':
      return 'Opt out';
    case 'delete':
      return 'Delete';
  }
}

const ErrorLine = ({ error }: { error: string | null }) =>
  error ? (
    <p className="field-error" role="alert">
      {error}
    </p>
  ) : null;
