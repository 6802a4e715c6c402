import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { AudienceCatalog, SegmentDetail, SegmentPreview, SegmentSummary, SegmentUse } from '../../../shared/api/audience';
import type { SegmentDefinition } from '../../../shared/audience/segment';
import { useApi } from '../api/ApiContext';
import { hrefOf, setLeaveGuard } from '../app/useRoute';
import { contactHash } from '../contacts/ContactsPage';
import { formatPhone } from '../contacts/phone';
import { TextAreaField, TextField } from '../editor/inspector/fields';
import '../styles/operations.css';
import '../styles/segments.css';
import { ConfirmDialog, Dialog, DialogActions } from '../ui/Dialog';
import { PlusIcon } from '../ui/icons';
import { relativeTime } from '../ui/relativeTime';
import { RuleBuilder } from './RuleBuilder';
import { editDefinition, hasUnsavedEdits, problemsByPath, type RuleEdit } from './ruleEditing';
import { useSegmentPreview, type PreviewState } from './useSegmentPreview';

interface Draft {
  name: string;
  description: string;
  definition: SegmentDefinition;
}

const blankDraft = (): Draft => ({ name: '', description: '', definition: { match: 'all', rules: [] } });
const draftOf = (detail: SegmentDetail): Draft => ({ name: detail.name, description: detail.description, definition: detail.definition });

type Notice = { tone: 'ok' | 'error'; text: string };
type Pending = { kind: 'leave'; toHash: string } | { kind: 'delete' } | { kind: 'inUse'; usedBy: SegmentUse[] } | null;

/** Active reads like a live flow, archived like an archived one. */
const badgeClass: Record<SegmentSummary['status'], string> = { active: 'badge-live', archived: 'badge-archived' };

const count = (n: number): string => n.toLocaleString('en-US');
const contacts = (n: number): string => `${count(n)} contact${n === 1 ? '' : 's'}`;

/** Segments: the saved list, and an editor with a live count and a sample of who matches. */
export function SegmentsPage({ segmentId }: { segmentId: string | null }) {
  const api = useApi();
  const [summaries, setSummaries] = useState<SegmentSummary[] | null>(null);
  const [catalog, setCatalog] = useState<AudienceCatalog | null>(null);
  const [catalogVersion, setCatalogVersion] = useState(0);
  const [saved, setSaved] = useState<SegmentDetail | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [draft, setDraft] = useState<Draft>(blankDraft);
  const [isSaving, setIsSaving] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);
  const noticeAfterMove = useRef<Notice | null>(null);
  const [pending, setPending] = useState<Pending>(null);

  const loadList = useCallback(
    () =>
      api.call('segments.list', { includeArchived: true }).then((result) => {
        if (result.ok) setSummaries(result.value);
      }),
    [api],
  );
  useEffect(() => {
    void loadList();
  }, [loadList]);
  useEffect(() => {
    void api.call('audience.catalog', {}).then((result) => {
      if (result.ok) setCatalog(result.value);
    });
  }, [api]);

  // ---- the segment in the route: loaded, and its saved form becomes the draft
  useEffect(() => {
    let isCurrent = true;
    setNotice(noticeAfterMove.current);
    noticeAfterMove.current = null;
    setLoadError(null);
    if (!segmentId) {
      setSaved(null);
      setDraft(blankDraft());
      return undefined;
    }
    setSaved((current) => (current?.id === segmentId ? current : null));
    void api.call('segments.get', { id: segmentId }).then((result) => {
      if (!isCurrent) return;
      if (!result.ok) return setLoadError(result.error.code === 'NOT_FOUND' ? 'This segment no longer exists: it was deleted.' : result.error.message);
      setSaved(result.value);
      setDraft(draftOf(result.value));
    });
    return () => {
      isCurrent = false;
    };
  }, [api, segmentId]);

  // ---- unsaved edits hold the page: leaving (a link, Back, a reload) asks first
  const isDirty = (segmentId === null || saved !== null) && hasUnsavedEdits(saved, draft);
  const dirtyRef = useRef(isDirty);
  useEffect(() => {
    dirtyRef.current = isDirty;
  }, [isDirty]);
  // The one hash the page itself moves to (after a save, a delete, a confirmed leave): not asked about.
  const allowedHash = useRef<string | null>(null);
  useEffect(() => {
    setLeaveGuard((toHash) => {
      if (toHash === allowedHash.current || !dirtyRef.current) {
        allowedHash.current = null;
        return true;
      }
      setPending({ kind: 'leave', toHash });
      return false;
    });
    const warn = (event: BeforeUnloadEvent): void => {
      if (dirtyRef.current) event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => {
      setLeaveGuard(null);
      window.removeEventListener('beforeunload', warn);
    };
  }, []);
  const go = (hash: string, notice?: Notice): void => {
    allowedHash.current = hash;
    noticeAfterMove.current = notice ?? null;
    window.location.hash = hash;
  };

  const preview = useSegmentPreview(draft.definition, catalogVersion);
  const problems = useMemo(
    () => problemsByPath(preview.state === 'incomplete' ? preview.problems : preview.state === 'counted' ? preview.preview.problems : []),
    [preview],
  );

  const isArchived = saved?.status === 'archived';
  const edit = (ruleEdit: RuleEdit): void => setDraft((d) => ({ ...d, definition: editDefinition(d.definition, ruleEdit) }));

  const declareAttribute = async (name: string, type: AudienceCatalog['attributes'][number]['type']): Promise<string | null> => {
    const result = await api.call('audience.declareAttribute', { name, type });
    if (!result.ok) return result.error.message;
    setCatalog(result.value);
    setCatalogVersion((v) => v + 1);
    return null;
  };

  const save = async (): Promise<void> => {
    setIsSaving(true);
    const result = await api.call('segments.save', {
      ...(saved ? { id: saved.id } : {}),
      name: draft.name.trim(),
      description: draft.description,
      definition: draft.definition,
    });
    setIsSaving(false);
    if (!result.ok) return setNotice({ tone: 'error', text: `Not saved: ${result.error.message}` });
    const isNewVersion = result.value.version !== saved?.version;
    await loadList();
    setSaved(result.value);
    setDraft(draftOf(result.value));
    const done: Notice = { tone: 'ok', text: isNewVersion ? `Saved as version ${result.value.version}.` : 'Saved. The rules did not change, so the version stays the same.' };
    setNotice(done);
    if (!saved) go(hrefOf({ name: 'segments', segmentId: result.value.id }), done);
  };

  const archive = async (): Promise<void> => {
    if (!saved) return;
    const result = await api.call('segments.archive', { id: saved.id });
    setPending(null);
    if (!result.ok) return setNotice({ tone: 'error', text: `Not archived: ${result.error.message}` });
    await loadList();
    setSaved(result.value);
    setDraft(draftOf(result.value));
    setNotice({ tone: 'ok', text: `“${result.value.name}” is archived. Flows already published with it keep it; it can no longer be picked for new ones.` });
  };

  const remove = async (): Promise<void> => {
    if (!saved) return;
    const result = await api.call('segments.delete', { id: saved.id });
    if (result.ok) {
      setPending(null);
      await loadList();
      go(hrefOf({ name: 'segments', segmentId: null }), { tone: 'ok', text: `Deleted “${saved.name}”.` });
      return;
    }
    if (result.error.code === 'CONFLICT') {
      const details = result.error.details as { usedBy?: SegmentUse[] } | undefined;
      return setPending({ kind: 'inUse', usedBy: details?.usedBy ?? saved.usedBy });
    }
    setPending(null);
    setNotice({ tone: 'error', text: `Not deleted: ${result.error.message}` });
  };

  return (
    <main className="page segments-page">
      <header className="page-header">
        <div>
          <h1 className="page-title">Segments</h1>
          <p className="page-subtitle">Audiences defined by rules. Flows start when a contact enters one, and branches test who is in one.</p>
        </div>
        <div className="page-actions">
          <a className="button" href={hrefOf({ name: 'segments', segmentId: null })}>
            <PlusIcon /> New segment
          </a>
        </div>
      </header>
      <div className="segments-layout">
        <nav aria-label="Saved segments" className="segments-list-pane">
          <SegmentList summaries={summaries} selected={segmentId} />
        </nav>
        <section aria-label="Segment editor" className="segment-editor">
          {loadError ? (
            <div className="callout callout-error" role="alert">
              {loadError}
            </div>
          ) : segmentId && !saved ? (
            <p className="muted">Opening the segment…</p>
          ) : (
            <>
              <div className="segment-editor-head">
                <h2 className="segment-editor-title">{saved ? saved.name : 'New segment'}</h2>
                {saved ? (
                  <span className="status">
                    <span className={`badge ${badgeClass[saved.status]}`}>{saved.status}</span>
                    <span>version {saved.version}</span>
                  </span>
                ) : null}
                {isDirty ? <span className="segment-unsaved">Unsaved changes</span> : null}
              </div>
              {isArchived ? <p className="callout">This segment is archived: it is kept as it was for the flows published with it, and cannot be edited.</p> : null}
              <fieldset className="segment-meta" disabled={isArchived}>
                <legend className="visually-hidden">Name and description</legend>
                <TextField label="Segment name" value={draft.name} maxLength={120} placeholder="e.g. VIPs in Florida" onChange={(name) => setDraft((d) => ({ ...d, name }))} />
                <TextAreaField
                  label="Description"
                  value={draft.description}
                  maxLength={1000}
                  rows={2}
                  placeholder="e.g. Loyalty tier VIP with a Florida number"
                  onChange={(description) => setDraft((d) => ({ ...d, description }))}
                />
              </fieldset>
              <h3 className="segment-section-title">Rules</h3>
              {catalog ? (
                <RuleBuilder
                  definition={draft.definition}
                  catalog={catalog}
                  problems={problems}
                  isReadOnly={isArchived}
                  onEdit={edit}
                  declareAttribute={declareAttribute}
                />
              ) : (
                <p className="muted">Loading the contact attributes…</p>
              )}
              <div className="segment-actions">
                {notice ? (
                  <p className={notice.tone === 'error' ? 'field-error' : 'segment-notice'} role={notice.tone === 'error' ? 'alert' : 'status'}>
                    {notice.text}
                  </p>
                ) : null}
                {saved && !isArchived ? (
                  <button type="button" className="button" onClick={() => void archive()}>
                    Archive
                  </button>
                ) : null}
                {saved ? (
                  <button type="button" className="button button-danger" onClick={() => setPending({ kind: 'delete' })}>
                    Delete…
                  </button>
                ) : null}
                <button
                  type="button"
                  className="button button-primary"
                  disabled={isArchived || isSaving || !draft.name.trim() || !isDirty}
                  onClick={() => void save()}
                >
                  {isSaving ? 'Saving…' : saved ? 'Save new version' : 'Save segment'}
                </button>
              </div>
              {saved ? <SavedFacts detail={saved} /> : null}
            </>
          )}
        </section>
        <aside aria-label="Who matches" className="segment-preview-pane">
          <PreviewPanel state={preview} />
        </aside>
      </div>
      {pending?.kind === 'leave' ? (
        <ConfirmDialog
          title="Leave without saving?"
          message={<p>The changes to “{draft.name.trim() || 'New segment'}” are not saved. Leaving discards them.</p>}
          confirmLabel="Discard changes"
          isDestructive
          onCancel={() => setPending(null)}
          onConfirm={() => {
            const to = pending.toHash;
            setPending(null);
            setDraft(saved ? draftOf(saved) : blankDraft());
            go(to);
          }}
        />
      ) : null}
      {pending?.kind === 'delete' && saved ? (
        <ConfirmDialog
          title={`Delete “${saved.name}”?`}
          message={<p>The segment and all its versions are deleted. This cannot be undone.</p>}
          confirmLabel="Delete segment"
          isDestructive
          onCancel={() => setPending(null)}
          onConfirm={() => void remove()}
        />
      ) : null}
      {pending?.kind === 'inUse' && saved ? (
        <Dialog title={`“${saved.name}” is in use`} onClose={() => setPending(null)}>
          <div className="dialog-body">
            <p>It cannot be deleted while these flows use it; a flow keeps the version it was published with. Archive it instead: it stays for these flows and can no longer be picked.</p>
            <FlowUses usedBy={pending.usedBy} />
          </div>
          <DialogActions onCancel={() => setPending(null)} label="Archive instead" onConfirm={() => void archive()} />
        </Dialog>
      ) : null}
    </main>
  );
}

function SegmentList({ summaries, selected }: { summaries: SegmentSummary[] | null; selected: string | null }) {
  if (!summaries) return <p className="muted">Loading segments…</p>;
  if (summaries.length === 0) return <p className="muted">No saved segments yet. Build one on the right and save it.</p>;
  return (
    <ul className="contact-list segment-list" aria-label="Segments">
      {summaries.map((s) => (
        <li key={s.id}>
          <a className="contact-list-item" href={hrefOf({ name: 'segments', segmentId: s.id })} aria-current={s.id === selected ? 'true' : undefined}>
            <span className="segment-list-name">{s.name}</span>
            <span className="segment-list-meta">
              <span className={`badge ${badgeClass[s.status]}`}>{s.status}</span>
              <span>version {s.version}</span>
              <span>updated {relativeTime(s.updatedAt)}</span>
            </span>
          </a>
        </li>
      ))}
    </ul>
  );
}

function FlowUses({ usedBy }: { usedBy: SegmentUse[] }) {
  return (
    <ul className="segment-uses" aria-label="Flows using this segment">
      {usedBy.map((use) => (
        <li key={`${use.flowId}:${use.flowVersion}`}>
          <a href={hrefOf({ name: 'flow', flowId: use.flowId })}>{use.flowName}</a> — flow version {use.flowVersion}, with segment version {use.segmentVersion}
        </li>
      ))}
    </ul>
  );
}

function SavedFacts({ detail }: { detail: SegmentDetail }) {
  return (
    <div className="segment-facts">
      <section aria-label="Versions">
        <h3 className="segment-section-title">Versions</h3>
        <ol className="segment-versions" aria-label="Versions">
          {detail.versions.map((v) => (
            <li key={v.id}>
              <strong>Version {v.version}</strong> <span className="muted">saved {relativeTime(v.createdAt)}</span>
              {v.version === detail.version ? <span className="badge">latest</span> : null}
            </li>
          ))}
        </ol>
      </section>
      <section aria-label="Used by">
        <h3 className="segment-section-title">Used by</h3>
        {detail.usedBy.length === 0 ? <p className="muted">No published flow uses this segment.</p> : <FlowUses usedBy={detail.usedBy} />}
      </section>
    </div>
  );
}

function PreviewPanel({ state }: { state: PreviewState }) {
  const shown: SegmentPreview | null = state.state === 'counted' ? state.preview : state.state === 'counting' ? state.last : null;
  return (
    <div className="segment-preview">
      <h2 className="segment-section-title">Matching now</h2>
      <p className="segment-count" role="status" aria-live="polite">
        {state.state === 'incomplete' ? (
          <span className="muted">Finish the rules marked in red to see a count.</span>
        ) : state.state === 'failed' ? (
          <span className="field-error">Cannot count: {state.message}</span>
        ) : state.state === 'counting' && !shown ? (
          <span className="muted">Counting…</span>
        ) : shown?.count === null || !shown ? (
          <span className="muted">Fix the rules marked in red to see a count.</span>
        ) : (
          <>
            <strong className="segment-count-number">{count(shown.count)}</strong> {shown.count === 1 ? 'contact matches' : 'contacts match'}
            {state.state === 'counting' ? <span className="muted"> (updating…)</span> : null}
          </>
        )}
      </p>
      {shown && shown.count !== null && shown.sample.length > 0 ? (
        <>
          <h3 className="segment-section-title">Sample</h3>
          <ul className="contact-list segment-sample" aria-label="Sample of matching contacts">
            {shown.sample.map((c) => (
              <li key={c.id}>
                <a className="contact-list-item" href={contactHash(c.phone)}>
                  <span className="contact-list-phone">{formatPhone(c.phone)}</span>
                  <span className="contact-list-meta">{c.timeZone ?? 'time zone unknown'}</span>
                  <span className="segment-sample-attributes">{attributeLine(c.attributes)}</span>
                </a>
              </li>
            ))}
          </ul>
          {shown.count > shown.sample.length ? <p className="field-hint">and {contacts(shown.count - shown.sample.length)} more.</p> : null}
        </>
      ) : null}
    </div>
  );
}

/** A few attributes, "tier: VIP · city: Miami": enough to see why a contact matched. */
function attributeLine(attributes: Record<string, unknown>): string {
  return Object.entries(attributes)
    .slice(0, 3)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' · ');
}
