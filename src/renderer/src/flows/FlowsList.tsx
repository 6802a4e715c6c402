import { useCallback, useEffect, useId, useRef, useState, type ChangeEvent } from 'react';
import type { FlowSummary } from '../../../shared/api/flows';
import type { ApiError } from '../../../shared/api/result';
import { useApi } from '../api/ApiContext';
import { navigate } from '../app/useRoute';
import { ConfirmDialog, PromptDialog } from '../ui/Dialog';
import { CopyIcon, DownloadIcon, ErrorIcon, PencilIcon, PlusIcon, SearchIcon, TrashIcon, UploadIcon } from '../ui/icons';
import { downloadJson, flowFileName, readJsonFile } from './flowFiles';
import { relativeTime } from '../ui/relativeTime';
import { StatusBadge } from './StatusBadge';

type Pending =
  | { kind: 'create' }
  | { kind: 'rename'; flow: FlowSummary }
  | { kind: 'delete'; flow: FlowSummary }
  | null;

export function FlowsList() {
  const api = useApi();
  const [flows, setFlows] = useState<FlowSummary[] | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [search, setSearch] = useState('');
  const [pending, setPending] = useState<Pending>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const searchId = useId();

  const load = useCallback(
    async (query: string) => {
      const result = await api.call('flows.list', query.trim() ? { search: query.trim() } : {});
      if (result.ok) {
        setFlows(result.value);
        setLoadError(null);
      } else {
        setLoadError(result.error);
      }
    },
    [api],
  );

  useEffect(() => {
    // Typing narrows the list on the server; a short pause avoids one request per key.
    const timer = window.setTimeout(() => void load(search), search ? 150 : 0);
    return () => window.clearTimeout(timer);
  }, [load, search]);

  useEffect(
    () =>
      api.subscribe((event) => {
        if (event.type.startsWith('flow')) void load(search);
      }),
    [api, load, search],
  );

  const create = async (name: string): Promise<void> => {
    const result = await api.call('flows.create', { name });
    if (!result.ok) return setActionError(result.error.message);
    setPending(null);
    navigate({ name: 'flow', flowId: result.value.id });
  };

  const rename = async (flow: FlowSummary, name: string): Promise<void> => {
    const result = await api.call('flows.rename', { id: flow.id, name });
    if (!result.ok) return setActionError(result.error.message);
    setPending(null);
    setNotice(`Renamed to “${name}”.`);
    await load(search);
  };

  const duplicate = async (flow: FlowSummary): Promise<void> => {
    const result = await api.call('flows.duplicate', { id: flow.id });
    if (!result.ok) return setNotice(`Could not duplicate “${flow.name}”: ${result.error.message}`);
    setNotice(`Duplicated as “${result.value.name}”.`);
    await load(search);
  };

  const exportFlow = async (flow: FlowSummary): Promise<void> => {
    const result = await api.call('flows.export', { id: flow.id });
    if (!result.ok) return setNotice(`Could not export “${flow.name}”: ${result.error.message}`);
    downloadJson(result.value, flowFileName(flow.name));
    setNotice(`Exported “${flow.name}” as ${flowFileName(flow.name)}.`);
  };

  const importInput = useRef<HTMLInputElement>(null);
  const importFile = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0];
    // The same file may be picked again (say, after fixing it).
    event.target.value = '';
    if (!file) return;
    const read = await readJsonFile(file);
    if (!read.ok) return setNotice(`Could not import ${file.name}: ${read.message}`);
    const result = await api.call('flows.import', { document: read.value });
    if (!result.ok) return setNotice(`Could not import ${file.name}: ${result.error.message}`);
    setNotice(`Imported ${file.name} as “${result.value.name}”.`);
    await load(search);
  };

  const remove = async (flow: FlowSummary): Promise<void> => {
    const result = await api.call('flows.delete', { id: flow.id });
    setPending(null);
    setNotice(result.ok ? `Deleted “${flow.name}”.` : `Could not delete “${flow.name}”: ${result.error.message}`);
    await load(search);
  };

  const closeDialog = (): void => {
    setPending(null);
    setActionError(null);
  };

  return (
    <main className="page flows-page">
      <header className="page-header">
        <div>
          <h1 className="page-title">Flows</h1>
          <p className="page-subtitle">Journeys that send MMS and SMS to your contacts.</p>
        </div>
        <div className="page-actions">
          <button type="button" className="button" onClick={() => importInput.current?.click()}>
            <UploadIcon /> Import flow…
          </button>
          <input
            ref={importInput}
            type="file"
            accept=".json,application/json"
            hidden
            aria-label="Flow file to import"
            onChange={(event) => void importFile(event)}
          />
          <button type="button" className="button button-primary" onClick={() => setPending({ kind: 'create' })}>
            <PlusIcon /> New flow
          </button>
        </div>
      </header>

      <div className="toolbar-row">
        <label htmlFor={searchId} className="search-field">
          <SearchIcon />
          <span className="visually-hidden">Search flows</span>
          <input
            id={searchId}
            type="search"
            className="input"
            placeholder="Search flows"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </label>
      </div>

      <p className="live-region" role="status" aria-live="polite">
        {notice}
      </p>

      {loadError ? (
        <div className="callout callout-error" role="alert">
          <ErrorIcon /> Could not load your flows: {loadError.message}
          <button type="button" className="button button-small" onClick={() => void load(search)}>
            Try again
          </button>
        </div>
      ) : flows === null ? (
        <p className="muted">Loading flows…</p>
      ) : flows.length === 0 ? (
        search.trim() ? (
          <div className="empty-state">
            <h2>No flows match “{search.trim()}”</h2>
            <p>Check the spelling or clear the search to see all flows.</p>
            <button type="button" className="button" onClick={() => setSearch('')}>
              Clear search
            </button>
          </div>
        ) : (
          <div className="empty-state">
            <h2>No flows yet</h2>
            <p>A flow is a journey: a trigger decides who enters, then waits, messages and branches decide what they get.</p>
            <button type="button" className="button button-primary" onClick={() => setPending({ kind: 'create' })}>
              <PlusIcon /> Create your first flow
            </button>
          </div>
        )
      ) : (
        <table className="flows-table" aria-label="Flows">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Steps</th>
              <th scope="col">Last edited</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {flows.map((flow) => (
              <FlowRow
                key={flow.id}
                flow={flow}
                onRename={() => setPending({ kind: 'rename', flow })}
                onDuplicate={() => void duplicate(flow)}
                onExport={() => void exportFlow(flow)}
                onDelete={() => setPending({ kind: 'delete', flow })}
              />
            ))}
          </tbody>
        </table>
      )}

      {pending?.kind === 'create' ? (
        <PromptDialog
          title="New flow"
          label="Flow name"
          initialValue="Untitled flow"
          submitLabel="Create flow"
          error={actionError}
          onSubmit={(name) => void create(name)}
          onCancel={closeDialog}
        />
      ) : null}
      {pending?.kind === 'rename' ? (
        <PromptDialog
          title={`Rename “${pending.flow.name}”`}
          label="Flow name"
          initialValue={pending.flow.name}
          submitLabel="Rename"
          error={actionError}
          onSubmit={(name) => void rename(pending.flow, name)}
          onCancel={closeDialog}
        />
      ) : null}
      {pending?.kind === 'delete' ? (
        <ConfirmDialog
          title={`Delete “${pending.flow.name}”?`}
          message={
            <p>
              {pending.flow.latestVersion
                ? `The flow, its draft and its ${pending.flow.latestVersion} published ${pending.flow.latestVersion === 1 ? 'version are' : 'versions are'}`
                : 'The flow and its draft are'}{' '}
              removed from this computer. This cannot be undone.
            </p>
          }
          confirmLabel="Delete flow"
          isDestructive
          onConfirm={() => void remove(pending.flow)}
          onCancel={closeDialog}
        />
      ) : null}
    </main>
  );
}

function FlowRow({
  flow,
  onRename,
  onDuplicate,
  onExport,
  onDelete,
}: {
  flow: FlowSummary;
  onRename: () => void;
  onDuplicate: () => void;
  onExport: () => void;
  onDelete: () => void;
}) {
  const isBroken = Boolean(flow.error);
  return (
    <tr className={isBroken ? 'is-broken' : undefined}>
      <td>
        {isBroken ? (
          <div className="flow-name-broken">
            <span className="flow-name">{flow.name || flow.id}</span>
            <span className="flow-error" role="note">
              <ErrorIcon /> {flow.error?.message}
            </span>
          </div>
        ) : (
          <a className="flow-link" href={`#/flows/${flow.id}`}>
            {flow.name}
          </a>
        )}
      </td>
      <td>
        <StatusBadge status={flow.status} hasUnpublishedChanges={flow.hasUnpublishedChanges} latestVersion={flow.latestVersion} />
      </td>
      <td className="numeric">{isBroken ? '—' : flow.nodeCount}</td>
      <td>
        <time dateTime={flow.updatedAt} title={new Date(flow.updatedAt).toLocaleString()}>
          {relativeTime(flow.updatedAt)}
        </time>
      </td>
      <td className="row-actions">
        <button type="button" className="icon-button" aria-label={`Rename ${flow.name}`} title="Rename" onClick={onRename} disabled={isBroken}>
          <PencilIcon />
        </button>
        <button
          type="button"
          className="icon-button"
          aria-label={`Duplicate ${flow.name}`}
          title="Duplicate"
          onClick={onDuplicate}
          disabled={isBroken}
        >
          <CopyIcon />
        </button>
        <button type="button" className="icon-button" aria-label={`Export ${flow.name}`} title="Export to a JSON file" onClick={onExport} disabled={isBroken}>
          <DownloadIcon />
        </button>
        <button type="button" className="icon-button icon-button-danger" aria-label={`Delete ${flow.name}`} title="Delete" onClick={onDelete}>
          <TrashIcon />
        </button>
      </td>
    </tr>
  );
}
