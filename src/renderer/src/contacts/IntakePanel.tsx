import { useRef, useState, type ChangeEvent } from 'react';
import type { ContactsImportResult, EventsIngestResult, ImportProblem } from '../../../shared/api/engine';
import type { ApiError, ApiResult } from '../../../shared/api/result';
import { useApi } from '../api/ApiContext';
import { UploadIcon } from '../ui/icons';
import { shiftProblems, splitCsv, splitNdjson, type IntakePart } from './intakeParts';

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
 * Every part in turn, its counts added up by `add` and its problems given back as lines of the
 * whole file; the first refusal stops the rest (what went before stays imported, and is said).
 */
async function inParts<R extends { problems: ImportProblem[] }>(
  parts: readonly IntakePart[],
  call: (text: string) => Promise<ApiResult<R>>,
  total: R,
  add: (total: R, part: R) => void,
): Promise<ApiResult<R>> {
  for (const part of parts) {
    const result = await call(part.text);
    if (!result.ok) return part.recordsBefore === 0 ? result : partial(result.error, part.recordsBefore);
    add(total, result.value);
    shiftProblems(result.value.problems, part.recordsBefore, total.problems);
  }
  return { ok: true, value: total };
}

/** A refusal after some parts went in: the records before it are imported, and the message says so. */
const partial = (error: ApiError, recordsBefore: number): ApiResult<never> => ({
  ok: false,
  error: { ...error, message: `${error.message} (the first ${recordsBefore.toLocaleString('en-US')} records were imported before this part)` },
});

const megabytes = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
const count = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

export function IntakePanel({ onImported }: { onImported: () => void }) {
  const api = useApi();
  const csvInput = useRef<HTMLInputElement>(null);
  const ndjsonInput = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState<'contacts' | 'events' | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const maxBytes = MAX_INTAKE_BYTES;
  const partChars = api.transport === 'http' ? HTTP_PART_CHARS : Number.POSITIVE_INFINITY;

  const importContacts = (text: string): Promise<ApiResult<ContactsImportResult>> =>
    inParts(splitCsv(text, partChars), (csv) => api.call('contacts.import', { csv }), { created: 0, updated: 0, skipped: 0, consentRecords: 0, problems: [], columns: [], refused: [] }, (t, r) => {
      t.created += r.created;
      t.updated += r.updated;
      t.skipped += r.skipped;
      t.consentRecords += r.consentRecords;
    });
  const ingestEvents = (text: string): Promise<ApiResult<EventsIngestResult>> =>
    inParts(splitNdjson(text, partChars), (ndjson) => api.call('events.ingest', { ndjson }), { ingested: 0, contactsCreated: 0, skipped: 0, problems: [] }, (t, r) => {
      t.ingested += r.ingested;
      t.contactsCreated += r.contactsCreated;
      t.skipped += r.skipped;
    });

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
    setBusy(kind);
    setOutcome(null);
    try {
      const text = await file.text();
      if (kind === 'contacts') {
        const result = await importContacts(text);
        setOutcome(result.ok ? { kind, fileName: file.name, result: result.value } : { kind: 'error', fileName: file.name, message: result.error.message });
      } else {
        const result = await ingestEvents(text);
        setOutcome(result.ok ? { kind, fileName: file.name, result: result.value } : { kind: 'error', fileName: file.name, message: result.error.message });
      }
      onImported();
    } catch (error) {
      setOutcome({ kind: 'error', fileName: file.name, message: `The file cannot be read (${error instanceof Error ? error.message : String(error)}).` });
    } finally {
      setBusy(null);
    }
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
        CSV: a <code>phone</code> column, optional <code>time_zone</code>, <code>mms_capable</code> (yes/no/unknown), <code>consent</code> (opted_in/opted_out),{' '}
        <code>consent_channel</code>, <code>consent_at</code>; other columns become attributes. NDJSON: one{' '}
        <code>{'{"phone": …, "name": "purchased", "properties": {…}, "occurred_at": …}'}</code> per line.
      </p>
      <div role="status" aria-live="polite">
        {outcome ? <OutcomeView outcome={outcome} /> : null}
      </div>
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
