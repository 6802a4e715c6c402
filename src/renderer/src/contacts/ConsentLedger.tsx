import { useId, useState } from 'react';
import type { ContactPreferences, LedgerEntry, PreferenceChange } from '../../../shared/api/audience';
import { useApi } from '../api/ApiContext';
import { formatInstant } from './timeFormat';

/**
 * A contact's preferences as the consent ledger has them — channels, subscription categories, a
 * pause — and the ledger itself, oldest first: every change with its source and its reason.
 */
const channelNames: Record<string, string> = { sms: 'SMS', mms: 'MMS', all: 'all channels' };
const sourceNames: Record<string, string> = { import: 'import', keyword: 'keyword', web_form: 'web form', api: 'API', agent: 'agent' };

function describe(entry: LedgerEntry, categoryLabel: (id: string) => string): string {
  const channel = channelNames[entry.channel] ?? entry.channel;
  switch (entry.kind) {
    case 'opt_in':
      return `Opted in: ${channel}`;
    case 'opt_out':
      return `Opted out: ${channel}${entry.keyword ? ` (${entry.keyword})` : ''}`;
    case 'keyword':
      return `Keyword ${entry.keyword ?? ''}`.trim();
    case 'subscribe':
      return `Subscribed to ${categoryLabel(entry.category ?? '')}`;
    case 'unsubscribe':
      return `Unsubscribed from ${categoryLabel(entry.category ?? '')}`;
    case 'pause':
      return 'Paused';
    case 'resume':
      return 'Resumed';
    case 'contact_deleted':
      return 'Contact deleted (this history was kept)';
    default:
      return entry.kind;
  }
}

/** What a change made here is recorded with in the ledger. */
const AGENT_DETAIL = 'changed on the contact’s page';

export function ConsentLedger({
  phone,
  preferences,
  zone,
  onChanged,
}: {
  phone: string;
  preferences: ContactPreferences;
  zone: string | null;
  onChanged: (preferences: ContactPreferences) => void;
}) {
  const api = useApi();
  const pauseId = useId();
  const [pauseUntil, setPauseUntil] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const categoryLabel = (id: string): string => preferences.categories.find((c) => c.id === id)?.label ?? id;
  const entries = [...preferences.ledger].reverse();

  // Each change is one ledger record (source: agent); the answer is the contact's preferences after it.
  const change = async (next: PreferenceChange): Promise<void> => {
    setBusy(true);
    setError(null);
    const result = await api.call('contacts.setPreference', { phone, change: next, source: 'agent', detail: AGENT_DETAIL });
    setBusy(false);
    if (result.ok) {
      setPauseUntil('');
      onChanged(result.value);
    } else setError(result.error.message);
  };

  return (
    <>
      <dl className="contact-facts" aria-label="Subscriptions">
        {preferences.categories.map((c) => (
          <div key={c.id}>
            <dt>{c.label}</dt>
            <dd className={`consent-state ${c.isSubscribed ? 'is-in' : 'is-out'}`}>
              {c.isSubscribed ? 'subscribed' : 'unsubscribed'}{' '}
              <button
                type="button"
                className="button button-small"
                disabled={busy}
                aria-label={c.isSubscribed ? `Unsubscribe from ${c.label}` : `Subscribe to ${c.label}`}
                onClick={() => void change({ type: 'category', category: c.id, state: c.isSubscribed ? 'unsubscribed' : 'subscribed' })}
              >
                {c.isSubscribed ? 'Unsubscribe' : 'Subscribe'}
              </button>
            </dd>
          </div>
        ))}
        <div>
          <dt>{preferences.pausedUntil ? 'Paused until' : 'Pause'}</dt>
          {preferences.pausedUntil ? (
            <dd>
              {formatInstant(preferences.pausedUntil, zone)}{' '}
              <button type="button" className="button button-small" disabled={busy} onClick={() => void change({ type: 'pause', until: null })}>
                Resume now
              </button>
            </dd>
          ) : (
            <dd className="preference-pause">
              <label htmlFor={pauseId} className="visually-hidden">
                Pause until
              </label>
              <input id={pauseId} className="input" type="date" value={pauseUntil} onChange={(event) => setPauseUntil(event.target.value)} />
              <button type="button" className="button button-small" disabled={busy || pauseUntil === ''} onClick={() => void change({ type: 'pause', until: pauseUntil })}>
                Pause
              </button>
            </dd>
          )}
        </div>
      </dl>
      {error ? (
        <p role="alert" className="callout callout-error">
          Not changed: {error}
        </p>
      ) : null}
      {entries.length === 0 ? (
        <p className="muted">No consent on record: marketing messages are not sent to this contact.</p>
      ) : (
        <ol className="timeline" aria-label="Consent history">
          {entries.map((entry) => (
            <li key={entry.id} className={`timeline-entry is-consent consent-${entry.kind}`}>
              <span className="timeline-dot" aria-hidden="true" />
              <div className="timeline-times">
                <time dateTime={entry.at} title={`${zone ?? 'UTC'} (the contact's time)`}>
                  {formatInstant(entry.at, zone)}
                </time>
              </div>
              <div className="timeline-what">
                <span className="timeline-title">{describe(entry, categoryLabel)}</span>
                <span className="timeline-detail">{[`source: ${sourceNames[entry.source] ?? entry.source}`, entry.detail].filter(Boolean).join(' · ')}</span>
              </div>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
