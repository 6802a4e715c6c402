import { useRef, useState, type ChangeEvent } from 'react';
import { toCsv } from '../../../shared/analytics/csv';
import type { ColumnMapping, ContactsImportResult, EventsIngestResult, ImportColumn, ImportProblem } from '../../../shared/api/engine';
import type { ApiError, ApiResult } from '../../../shared/api/result';
import { useApi } from '../api/ApiContext';
import { downloadText } from '../ui/download';
import { DownloadIcon, UploadIcon } from '../ui/icons';
import { ColumnMappingDialog } from './ColumnMappingDialog';
import { countCsvRecords, shiftProblems, splitCsv, splitNdjson, type IntakePart } from './intakeParts';

/**
 * Contacts from a CSV file and events from an NDJSON file, read in the window and sent as text
 * (the same methods the CLI uses with a path). Over loopback HTTP the host refuses bodies over
 * 8 MiB, and JSON escaping grows text, so the browser mode sends a larger file in parts of whole
 * records (intakeParts.ts), one call each, and adds up what they did; the desktop app (IPC)
 * sends it in one call. Either way a file may be up to 60 MB.
 */
export const MAX_INTAKE_BYTES = 60 * 1024 * 1024;
const HTTP_PART_CHARS = 4 * 1024 * 1024;

type Outcome =
  | { kind: 'contacts'; fileName: string; result: ContactsImportResult }
  | { kind: 'events'; fileName: string; result: EventsIngestResult }
  | { kind: 'error'; fileName: string; message: string };

/**
 * Every part in turn, its counts added up by `add`; the first refusal stops the rest (what went
 * before stays imported, and is said).
 */
async function inParts<R>(parts: readonly IntakePart[], call: (part: IntakePart) => Promise<ApiResult<R>>, total: R, add: (total: R, part: R, recordsBefore: number) => void): Promise<ApiResult<R>> {
  for (const part of parts) {
    const result = await call(part);
    if (!result.ok) return part.recordsBefore === 0 ? result : partial(result.error, part.recordsBefore);
    add(total, result.value, part.recordsBefore);
  }
  return { ok: true, value: total };
}

/** A refusal after some parts went in: the records before it are imported, and the message says so. */
const partial = (error: ApiError, recordsBefore: number): ApiResult<never> => ({
  ok: false,
  error: { ...error, message: `${error.message} (the first ${recordsBefore.toLocaleString('en-US')} records were imported before this part)` },
});

/** The first rows of a file, enough to guess its columns from. */
const HEAD_CHARS = 256 * 1024;
/** Refused rows listed on the page; the download has them all. */
const MAX_LISTED_PROBLEMS = 100;

const megabytes = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
const count = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** A contacts file read and waiting for its columns to be mapped. */
interface PendingCsv {
  fileName: string;
  text: string;
  rows: number;
  columns: ImportColumn[];
}

export function IntakePanel({ onImported }: { onImported: () => void }) {
  const api = useApi();
  const csvInput = useRef<HTMLInputElement>(null);
  const ndjsonInput = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState<'contacts' | 'events' | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [pending, setPending] = useState<PendingCsv | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const maxBytes = MAX_INTAKE_BYTES;
  const partChars = api.transport === 'http' ? HTTP_PART_CHARS : Number.POSITIVE_INFINITY;

  const importContacts = async ({ text, fileName, rows }: PendingCsv, mapping: ColumnMapping[]): Promise<ApiResult<ContactsImportResult>> => {
    const importId = crypto.randomUUID();
    setProgress({ done: 0, total: rows });
    // The server says how far it has come after each chunk it commits; only this import's reports move the bar.
    const unsubscribe = api.subscribe((event) => {
      if (event.type === 'contacts.importProgress' && event.importId === importId && typeof event.rowsDone === 'number') {
        const done = event.rowsDone;
        setProgress((previous) => (previous ? { ...previous, done: Math.max(previous.done, done) } : previous));
      }
    });
    const empty: ContactsImportResult = { created: 0, updated: 0, skipped: 0, consentRecords: 0, problems: [], columns: [], refused: [] };
    try {
      return await inParts(
        splitCsv(text, partChars),
        (part) => api.call('contacts.import', { csv: part.text, mapping, fileName, importId, rowsBefore: part.recordsBefore, rowsTotal: rows }),
        empty,
        (t, r) => {
          t.created += r.created;
          t.updated += r.updated;
          t.skipped += r.skipped;
          t.consentRecords += r.consentRecords;
          t.columns = r.columns;
          // Lines are the whole file's already (the part said how many rows came before it).
          for (const problem of r.problems) if (t.problems.length < MAX_LISTED_PROBLEMS) t.problems.push(problem);
          t.refused.push(...r.refused);
        },
      );
    } finally {
      unsubscribe();
      setProgress(null);
    }
  };
  const ingestEvents = (text: string): Promise<ApiResult<EventsIngestResult>> =>
    inParts(splitNdjson(text, partChars), (part) => api.call('events.ingest', { ndjson: part.text }), { ingested: 0, contactsCreated: 0, skipped: 0, problems: [] }, (t, r, recordsBefore) => {
      t.ingested += r.ingested;
      t.contactsCreated += r.contactsCreated;
      t.skipped += r.skipped;
      shiftProblems(r.problems, recordsBefore, t.problems);
    });

  const run = async (kind: 'contacts' | 'events', fileName: string, work: () => Promise<void>): Promise<void> => {
    setBusy(kind);
    setOutcome(null);
    try {
      await work();
      onImported();
    } catch (error) {
      setOutcome({ kind: 'error', fileName, message: `The file cannot be read (${error instanceof Error ? error.message : String(error)}).` });
    } finally {
      setBusy(null);
    }
  };

  const handle = async (event: ChangeEvent<HTMLInputElement>, kind: 'contacts' | 'events'): Promise<void> => {
    const file = event.target.files?.[0];
    // Let the same file be picked again after fixing it.
    event.target.value = '';
    if (!file) return;
    if (file.size > maxBytes) {
      const cli = kind === 'contacts' ? 'postcard contacts import FILE.csv' : 'postcard events ingest FILE.ndjson';
      setOutcome({
        kind: 'error',
        fileName: file.name,
        message: `${file.name} is ${megabytes(file.size)}; Postcard takes files up to ${megabytes(maxBytes)} here. Split it, or use \`${cli}\`. Nothing was imported.`,
      });
      return;
    }
    if (kind === 'events') {
      await run('events', file.name, async () => {
        const result = await ingestEvents(await file.text());
        setOutcome(result.ok ? { kind, fileName: file.name, result: result.value } : { kind: 'error', fileName: file.name, message: result.error.message });
      });
      return;
    }
    // Contacts: the columns first (the first rows are enough to guess from), then the mapping step.
    setOutcome(null);
    try {
      const text = await file.text();
      const head = splitCsv(text, HEAD_CHARS)[0]?.text ?? '';
      const result = await api.call('contacts.importColumns', { csv: head });
      if (!result.ok) setOutcome({ kind: 'error', fileName: file.name, message: result.error.message });
      else if (result.value.columns.length === 0) setOutcome({ kind: 'error', fileName: file.name, message: 'The file is empty: it has no header row. Nothing was imported.' });
      else setPending({ fileName: file.name, text, rows: countCsvRecords(text), columns: result.value.columns });
    } catch (error) {
      setOutcome({ kind: 'error', fileName: file.name, message: `The file cannot be read (${error instanceof Error ? error.message : String(error)}).` });
    }
  };

  const startImport = (file: PendingCsv, mapping: ColumnMapping[]): void => {
    setPending(null);
    void run('contacts', file.fileName, async () => {
      const result = await importContacts(file, mapping);
      setOutcome(result.ok ? { kind: 'contacts', fileName: file.fileName, result: result.value } : { kind: 'error', fileName: file.fileName, message: result.error.message });
    });
  };

  return (
    <section aria-label="Import">
      <div className="intake">
        <button type="button" className="button" disabled={busy !== null} onClick={() => csvInput.current?.click()}>
          <UploadIcon /> {busy === 'contacts' ? 'Importing…' : 'Import contacts (CSV)'}
        </button>
        <button type="button" className="button" disabled={busy !== null} onClick={() => ndjsonInput.current?.click()}>
          <UploadIcon /> {busy === 'events' ? 'Ingesting…' : 'Ingest events (NDJSON)'}
        </button>
        <input
          ref={csvInput}
          type="file"
          accept=".csv,text/csv"
          hidden
          aria-label="Contacts CSV file"
          onChange={(event) => void handle(event, 'contacts')}
        />
        <input
          ref={ndjsonInput}
          type="file"
          accept=".ndjson,.jsonl,.json,application/x-ndjson"
          hidden
          aria-label="Events NDJSON file"
          onChange={(event) => void handle(event, 'events')}
        />
      </div>
      <p className="field-hint">
        CSV: a phone column, and any of time zone, takes MMS (yes/no/unknown), consent (opted_in/opted_out), consent channel, consent source (import, keyword, web_form, api,
        agent) and consent time; you say what each column holds before anything is imported. NDJSON: one{' '}
        <code>{'{"phone": …, "name": "purchased", "properties": {…}, "occurred_at": …}'}</code> per line.
      </p>
      {progress ? (
        <div className="import-progress intake-progress">
          <span className="import-progress-text">
            Importing… {progress.done.toLocaleString('en-US')} of {count(progress.total, 'row')}
          </span>
          <div className="progress-bar" role="progressbar" aria-label="Import progress" aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={progress.done}>
            <span style={{ width: `${progress.total > 0 ? Math.round((progress.done / progress.total) * 100) : 0}%` }} />
          </div>
        </div>
      ) : null}
      <div role="status" aria-live="polite">
        {outcome ? <OutcomeView outcome={outcome} /> : null}
      </div>
      {pending ? (
        <ColumnMappingDialog
          fileName={pending.fileName}
          rows={pending.rows}
          columns={pending.columns}
          onCancel={() => setPending(null)}
          onImport={(mapping) => startImport(pending, mapping)}
        />
      ) : null}
    </section>
  );
}

function OutcomeView({ outcome }: { outcome: Outcome }) {
  if (outcome.kind === 'error') {
    return (
      <div className="intake-result callout-error" role="alert">
        <h3>{outcome.fileName}: not imported</h3>
        <p>{outcome.message}</p>
      </div>
    );
  }
  if (outcome.kind === 'contacts') {
    const r = outcome.result;
    return (
      <div className="intake-result">
        <h3>{outcome.fileName}: contacts imported</h3>
        <p>
          {count(r.created, 'new contact')}, {count(r.updated, 'updated', 'updated')}, {count(r.skipped, 'row')} refused · {count(r.consentRecords, 'consent record')}
        </p>
        <Problems problems={r.problems} skipped={r.skipped} />
        {r.refused.length > 0 ? (
          <button type="button" className="button button-small" onClick={() => downloadText(refusedCsv(r), refusedFileName(outcome.fileName), 'text/csv;charset=utf-8')}>
            <DownloadIcon /> Download refused rows (CSV)
          </button>
        ) : null}
      </div>
    );
  }
  const r = outcome.result;
  return (
    <div className="intake-result">
      <h3>{outcome.fileName}: events ingested</h3>
      <p>
        {count(r.ingested, 'event')} ingested, {count(r.skipped, 'line')} refused · {count(r.contactsCreated, 'new contact')} (without consent)
      </p>
      <Problems problems={r.problems} skipped={r.skipped} />
    </div>
  );
}

function Problems({ problems, skipped }: { problems: ImportProblem[]; skipped: number }) {
  if (problems.length === 0) return null;
  return (
    <>
      <ul className="intake-problems" aria-label="Refused rows">
        {problems.map((p) => (
          <li key={`${p.line}:${p.message}`}>
            Line {p.line}: {p.message}
          </li>
        ))}
      </ul>
      {skipped > problems.length ? <p className="field-hint">The first {problems.length} of {skipped} refused rows are listed.</p> : null}
    </>
  );
}

/** The refused rows as the file had them, with the line and the reason first: fix them and import this file. */
function refusedCsv(result: ContactsImportResult): string {
  const used = new Set(['line', 'reason']);
  const headers = result.columns.map((header) => {
    let name = header;
    for (let n = 2; used.has(name); n++) name = `${header} (${n})`;
    used.add(name);
    return name;
  });
  const rows = result.refused.map((row) => Object.fromEntries([['line', row.line], ['reason', row.message], ...headers.map((h, i) => [h, row.values[i] ?? ''])]));
  return toCsv(['line', 'reason', ...headers], rows);
}

const refusedFileName = (fileName: string): string => `${fileName.replace(/\.csv$/i, '') || 'contacts'}-refused.csv`;
