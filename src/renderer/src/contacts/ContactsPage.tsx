import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import type { CountryCode } from 'libphonenumber-js';
import type { ContactPreferences, SegmentSummary } from '../../../shared/api/audience';
import type { ContactsSearchResult } from '../../../shared/api/engine';
import type { ApiError } from '../../../shared/api/result';
import type { ContactTimeline } from '../../../shared/engine/types';
import { definitionOf } from '../../../shared/graph/nodes';
import { useApi } from '../api/ApiContext';
import '../styles/operations.css';
import { downloadText } from '../ui/download';
import { DownloadIcon, SearchIcon } from '../ui/icons';
import { BulkActionDialog } from './BulkActionDialog';
import { ConsentLedger } from './ConsentLedger';
import { IntakePanel } from './IntakePanel';
import { countryOptions, defaultCountry, formatPhone, normalisePhone } from './phone';
import { viewerTimeZone } from './timeFormat';
import { TimelineView, type TimelineNames } from './TimelineView';

/** `#/contacts/+12125550150` opens that contact's timeline; the number is the route, so it can be linked. */
export const contactHash = (e164: string | null): string => (e164 ? `#/contacts/${encodeURIComponent(e164)}` : '#/contacts');

type TimelineState =
  | { state: 'none' }
  | { state: 'invalid'; input: string }
  | { state: 'loading'; phone: string }
  | { state: 'missing'; phone: string }
  | { state: 'error'; phone: string; error: ApiError }
  | { state: 'loaded'; phone: string; timeline: ContactTimeline; preferences: ContactPreferences | null };
type LoadState = Exclude<TimelineState, { state: 'none' } | { state: 'invalid' }>;

/** A journey refreshes while it is open, at most this often, when the engine reports progress. */
const REFRESH_MS = 1000;
/** Contacts per page of the list. */
const PAGE_SIZE = 25;

export function ContactsPage({ phone }: { phone: string | null }) {
  const api = useApi();
  const [country, setCountry] = useState<CountryCode>(() => defaultCountry(navigator.languages ?? [navigator.language]));
  const countries = useMemo(() => countryOptions(navigator.language), []);
  const [query, setQuery] = useState(phone ?? '');
  const [list, setList] = useState<ContactsSearchResult | null>(null);
  const [segments, setSegments] = useState<SegmentSummary[]>([]);
  const [segmentId, setSegmentId] = useState('');
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [isBulkOpen, setIsBulkOpen] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [listVersion, setListVersion] = useState(0);
  const [offset, setOffset] = useState(0);
  const [loaded, setLoaded] = useState<LoadState | null>(null);
  const [invalidInput, setInvalidInput] = useState<string | null>(null);
  const [names, setNames] = useState<Map<string, { name: string; labels: Map<string, string> }>>(new Map());
  const inputId = useId();
  const countryId = useId();
  const segmentSelectId = useId();
  const requested = useRef<string | null>(null);
  const [reloadCount, setReloadCount] = useState(0);

  // ---- the contact list, following what is typed
  useEffect(() => {
    let isCurrent = true;
    const asked = query.trim().slice(0, 64);
    const timer = setTimeout(() => {
      void api.call('contacts.search', { query: asked, limit: PAGE_SIZE, offset, segmentId: segmentId || undefined }).then((result) => {
        if (isCurrent && result.ok) setList(result.value);
      });
    }, 200);
    return () => {
      isCurrent = false;
      clearTimeout(timer);
    };
  }, [api, query, listVersion, offset, segmentId]);

  // ---- saved segments to filter by, and a refresh when contacts change elsewhere (a bulk action, an import)
  useEffect(() => {
    let isCurrent = true;
    void api.call('segments.list', {}).then((result) => {
      if (isCurrent && result.ok) setSegments(result.value);
    });
    return () => {
      isCurrent = false;
    };
  }, [api, listVersion]);
  useEffect(
    () =>
      api.subscribe((event) => {
        if (event.type !== 'contacts.changed') return;
        setListVersion((n) => n + 1);
        setReloadCount((n) => n + 1);
      }),
    [api],
  );

  // ---- the timeline of the number in the route, refreshed while the engine makes progress
  useEffect(() => {
    requested.current = phone;
    if (!phone) return undefined;
    const fetchTimeline = (): void => {
      void Promise.all([api.call('contacts.timeline', { phone }), api.call('contacts.preferences', { phone })]).then(([result, preferences]) => {
        if (requested.current !== phone) return;
        if (result.ok) setLoaded({ state: 'loaded', phone, timeline: result.value, preferences: preferences.ok ? preferences.value : null });
        else if (result.error.code === 'NOT_FOUND') setLoaded({ state: 'missing', phone });
        else setLoaded({ state: 'error', phone, error: result.error });
      });
    };
    fetchTimeline();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const unsubscribe = api.subscribe((event) => {
      if (event.type !== 'engine.countsChanged' || timer) return;
      timer = setTimeout(() => {
        timer = null;
        fetchTimeline();
      }, REFRESH_MS);
    });
    return () => {
      if (timer) clearTimeout(timer);
      unsubscribe();
    };
  }, [api, phone, reloadCount]);

  const timeline: TimelineState = invalidInput
    ? { state: 'invalid', input: invalidInput }
    : !phone
      ? { state: 'none' }
      : loaded && loaded.phone === phone
        ? loaded
        : { state: 'loading', phone };

  // ---- flow and step names for the flows this contact went through
  const flowIds = useMemo(() => {
    if (loaded?.state !== 'loaded') return [];
    const ids = new Set<string>();
    for (const entry of loaded.timeline.entries) if ('flowId' in entry && entry.flowId) ids.add(entry.flowId);
    return [...ids].sort();
  }, [loaded]);
  useEffect(() => {
    const missing = flowIds.filter((id) => !names.has(id));
    if (missing.length === 0) return undefined;
    let isCurrent = true;
    void Promise.all(missing.map((id) => api.call('flows.get', { id }))).then((results) => {
      if (!isCurrent) return;
      setNames((previous) => {
        const next = new Map(previous);
        results.forEach((result, index) => {
          const id = missing[index] as string;
          if (!result.ok) {
            next.set(id, { name: id, labels: new Map() });
            return;
          }
          const labels = new Map(result.value.graph.nodes.map((n) => [n.id as string, n.label?.trim() || definitionOf(n.kind).label]));
          next.set(id, { name: result.value.name, labels });
        });
        return next;
      });
    });
    return () => {
      isCurrent = false;
    };
  }, [api, flowIds, names]);
  // The timeline names its flows and steps (as of the versions the contact followed); the drafts
  // fill in the rest. An id is never shown: a step gone from everything is said to be gone.
  const served = loaded?.state === 'loaded' ? loaded.timeline.names : undefined;
  const timelineNames = useMemo<TimelineNames>(
    () => ({
      flowName: (flowId) => served?.flows[flowId] ?? names.get(flowId)?.name ?? 'a deleted flow',
      nodeLabel: (flowId, nodeId) => served?.steps[flowId]?.[nodeId] ?? names.get(flowId)?.labels.get(nodeId) ?? 'a removed step',
    }),
    [names, served],
  );

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const parsed = normalisePhone(query, country);
    setInvalidInput(null);
    if (parsed.ok) {
      window.location.hash = contactHash(parsed.e164);
      if (parsed.e164 === phone) setReloadCount((n) => n + 1);
      return;
    }
    if (parsed.reason === 'empty') return;
    // A name with exactly one match opens that contact. Ask afresh: the list lags typing.
    const text = query.trim();
    void api.call('contacts.search', { query: text.slice(0, 64), limit: 2 }).then((result) => {
      const only = result.ok && result.value.matched === 1 ? result.value.contacts[0] : undefined;
      if (only) window.location.hash = contactHash(only.phone);
      else setInvalidInput(text);
    });
  };

  const exportLedger = async (): Promise<void> => {
    const result = await api.call('consent.exportCsv', {});
    if (!result.ok) {
      setNotice(`The consent ledger cannot be exported: ${result.error.message}`);
      return;
    }
    downloadText(result.value.csv, `consent-ledger-${new Date().toISOString().slice(0, 10)}.csv`, 'text/csv;charset=utf-8');
    setNotice(`Consent ledger exported: ${result.value.rows.toLocaleString('en-US')} records.`);
  };
  const segmentName = segments.find((s) => s.id === segmentId)?.name ?? null;
  const matchingLabel = [segmentName ? `in “${segmentName}”` : 'every contact', query.trim() ? `matching “${query.trim()}”` : null].filter(Boolean).join(' ');
  const toggle = (id: number): void =>
    setSelected((previous) => {
      const next = new Set(previous);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <main className="page contacts-page">
      <header className="page-header">
        <div>
          <h1 className="page-title">Contacts</h1>
          <p className="page-subtitle">Look up a contact’s journey, step by step; import contacts and events.</p>
        </div>
        <div className="page-actions">
          <button type="button" className="button" onClick={() => void exportLedger()}>
            <DownloadIcon /> Export consent ledger (CSV)
          </button>
        </div>
      </header>
      <IntakePanel onImported={() => setListVersion((n) => n + 1)} />
      <div className="contacts-layout">
        <section aria-label="Find a contact">
          <form className="contacts-search-form" role="search" onSubmit={submit}>
            <div className="search-field">
              <SearchIcon />
              <input
                id={inputId}
                className="input"
                type="search"
                value={query}
                maxLength={64}
                placeholder="Phone number or name"
                aria-label="Phone number or name"
                onChange={(event) => {
                  setQuery(event.target.value);
                  setOffset(0);
                  setInvalidInput(null);
                }}
              />
            </div>
            <button type="submit" className="button">
              Show
            </button>
          </form>
          <div className="field">
            <label htmlFor={countryId} className="field-label">
              National numbers are in
            </label>
            <select id={countryId} className="input select" value={country} onChange={(event) => setCountry(event.target.value as CountryCode)}>
              {countries.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={segmentSelectId} className="field-label">
              Segment
            </label>
            <select
              id={segmentSelectId}
              className="input select"
              value={segmentId}
              onChange={(event) => {
                setSegmentId(event.target.value);
                setOffset(0);
              }}
            >
              <option value="">All contacts</option>
              {segments.map((segment) => (
                <option key={segment.id} value={segment.id}>
                  {segment.name}
                </option>
              ))}
            </select>
          </div>
          {list && list.matched > 0 ? (
            <div className="contacts-bulk">
              <span className="muted">{selected.size > 0 ? `${selected.size.toLocaleString('en-US')} ticked` : 'Tick contacts, or act on all that match'}</span>
              <button type="button" className="button button-small" onClick={() => setIsBulkOpen(true)}>
                Change contacts…
              </button>
            </div>
          ) : null}
          {notice ? (
            <p className="contacts-notice" role="status">
              {notice}
            </p>
          ) : null}
          <ContactList list={list} selected={phone} query={query} segmentName={segmentName} ticked={selected} onTick={toggle} onPage={setOffset} />
        </section>
        <section aria-label="Contact journey">
          <TimelinePane
            state={timeline}
            names={timelineNames}
            onPreferencesChanged={(preferences) => setLoaded((current) => (current?.state === 'loaded' ? { ...current, preferences } : current))}
          />
        </section>
      </div>
      {isBulkOpen ? (
        <BulkActionDialog
          selectedIds={[...selected]}
          matching={{ query: query.trim().slice(0, 64), segmentId: segmentId || undefined, count: list?.matched ?? 0 }}
          matchingLabel={matchingLabel}
          onCancel={() => setIsBulkOpen(false)}
          onDone={(message) => {
            setIsBulkOpen(false);
            setSelected(new Set());
            setNotice(message);
            setListVersion((n) => n + 1);
            setReloadCount((n) => n + 1);
          }}
        />
      ) : null}
    </main>
  );
}

function ContactList({
  list,
  selected,
  query,
  segmentName,
  ticked,
  onTick,
  onPage,
}: {
  list: ContactsSearchResult | null;
  selected: string | null;
  query: string;
  segmentName: string | null;
  ticked: ReadonlySet<number>;
  onTick: (id: number) => void;
  onPage: (offset: number) => void;
}) {
  if (!list) return <p className="muted">Loading contacts…</p>;
  if (list.total === 0) {
    if (segmentName) return <p className="muted">No contact is in “{segmentName}” now.</p>;
    return <p className="muted">No contacts yet. Import a CSV above, or ingest events: unknown numbers become contacts.</p>;
  }
  const count = (n: number): string => n.toLocaleString('en-US');
  const first = list.offset + 1;
  const last = list.offset + list.contacts.length;
  const hasPages = list.matched > list.contacts.length || list.offset > 0;
  return (
    <>
      <p className="contacts-count">
        {segmentName
          ? query.trim()
            ? `${count(list.matched)} of ${count(list.total)} contacts in “${segmentName}” match`
            : `${count(list.total)} contacts in “${segmentName}”, newest first`
          : query.trim()
            ? `${count(list.matched)} of ${count(list.total)} contacts match`
            : `${count(list.total)} contacts, newest first`}
      </p>
      {hasPages && list.contacts.length > 0 ? (
        <nav className="contacts-pager" aria-label="Contact pages">
          <button type="button" className="button button-small" disabled={list.offset === 0} onClick={() => onPage(Math.max(0, list.offset - PAGE_SIZE))}>
            Previous
          </button>
          <span role="status">
            {count(first)}–{count(last)} of {count(list.matched)}
          </span>
          <button type="button" className="button button-small" disabled={last >= list.matched} onClick={() => onPage(list.offset + PAGE_SIZE)}>
            Next
          </button>
        </nav>
      ) : null}
      {list.contacts.length > 0 ? (
        <ul className="contact-list" aria-label="Contacts">
          {list.contacts.map((c) => (
            <li key={c.id} className="contact-list-row">
              <input type="checkbox" className="contact-tick" aria-label={`Tick ${formatPhone(c.phone)}`} checked={ticked.has(c.id)} onChange={() => onTick(c.id)} />
              <a className="contact-list-item" href={contactHash(c.phone)} aria-current={c.phone === selected ? 'true' : undefined}>
                <span className="contact-list-phone">{formatPhone(c.phone)}</span>
                <span className="contact-list-meta">
                  {[typeof c.attributes.first_name === 'string' ? c.attributes.first_name : null, c.timeZone ?? 'zone unknown'].filter(Boolean).join(' · ')}
                </span>
              </a>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No contact matches “{query.trim()}”.</p>
      )}
    </>
  );
}

/** Current consent per channel: the latest record naming the channel or `all` wins. */
function consentNow(timeline: ContactTimeline): { sms: string; mms: string } {
  const state = { sms: 'no record', mms: 'no record' };
  for (const entry of timeline.entries) {
    if (entry.type !== 'consent') continue;
    const value = entry.kind === 'opt_out' ? 'opted out' : entry.kind === 'opt_in' ? 'opted in' : null;
    if (!value) continue;
    if (entry.channel === 'all' || entry.channel === 'sms') state.sms = value;
    if (entry.channel === 'all' || entry.channel === 'mms') state.mms = value;
  }
  return state;
}

function TimelinePane({
  state,
  names,
  onPreferencesChanged,
}: {
  state: TimelineState;
  names: TimelineNames;
  onPreferencesChanged: (preferences: ContactPreferences) => void;
}) {
  if (state.state === 'none') {
    return (
      <div className="empty-state">
        <h2>Find a contact</h2>
        <p>Type a phone number, international (+44 7700 900123) or national ((212) 555-0150), to see every step, message and consent record.</p>
      </div>
    );
  }
  if (state.state === 'invalid') {
    return (
      <div className="empty-state" role="alert">
        <h2>Not a phone number</h2>
        <p>“{state.input}” cannot be read as a phone number. Check the digits, add the country code, or pick the country of national numbers.</p>
      </div>
    );
  }
  if (state.state === 'loading') return <p className="muted">Loading the journey of {formatPhone(state.phone)}…</p>;
  if (state.state === 'missing') {
    return (
      <div className="empty-state" role="alert">
        <h2>No contact with {formatPhone(state.phone)}</h2>
        <p>This number has never been imported or seen in an event. Import it from a CSV, or ingest an event for it.</p>
      </div>
    );
  }
  if (state.state === 'error') {
    return (
      <div className="callout callout-error" role="alert">
        The journey of {formatPhone(state.phone)} cannot be shown: {state.error.message}
      </div>
    );
  }
  const { contact } = state.timeline;
  const said = { opted_in: 'opted in', opted_out: 'opted out', none: 'no record' } as const;
  const consent = state.preferences ? { sms: said[state.preferences.channels.sms], mms: said[state.preferences.channels.mms] } : consentNow(state.timeline);
  const consentEntries = state.timeline.entries.filter((e) => e.type === 'consent');
  const attributes = Object.entries(contact.attributes);
  return (
    <article className="contact-card" aria-label={`Contact ${contact.phone}`}>
      <h2>{formatPhone(contact.phone)}</h2>
      <dl className="contact-facts">
        <div>
          <dt>Time zone</dt>
          <dd>{contact.timeZone ?? 'unknown (the flow’s default zone applies)'}</dd>
        </div>
        <div>
          <dt>Takes MMS</dt>
          <dd>{contact.mmsCapable}</dd>
        </div>
        <div>
          <dt>SMS consent</dt>
          <dd className={`consent-state ${consent.sms === 'opted in' ? 'is-in' : consent.sms === 'opted out' ? 'is-out' : ''}`}>{consent.sms}</dd>
        </div>
        <div>
          <dt>MMS consent</dt>
          <dd className={`consent-state ${consent.mms === 'opted in' ? 'is-in' : consent.mms === 'opted out' ? 'is-out' : ''}`}>{consent.mms}</dd>
        </div>
        {attributes.map(([key, value]) => (
          <div key={key}>
            <dt>{key}</dt>
            <dd>{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
          </div>
        ))}
      </dl>
      <h3 className="contact-section-title">Preferences and consent history</h3>
      {state.preferences ? (
        <ConsentLedger
          phone={contact.phone}
          preferences={state.preferences}
          zone={contact.timeZone}
          onChanged={(preferences) => onPreferencesChanged(preferences)}
        />
      ) : consentEntries.length === 0 ? (
        <p className="muted">No consent on record: marketing messages are not sent to this contact.</p>
      ) : (
        <TimelineView timeline={{ contact, entries: consentEntries }} names={names} isViewerTimeShown label="Consent history" />
      )}
      <h3 className="contact-section-title">Journey</h3>
      <p className="field-hint">
        Times in the contact’s zone ({contact.timeZone ?? 'UTC'}), and in yours ({viewerTimeZone()}) below each.
      </p>
      <TimelineView timeline={state.timeline} names={names} isViewerTimeShown label="Journey" />
    </article>
  );
}
