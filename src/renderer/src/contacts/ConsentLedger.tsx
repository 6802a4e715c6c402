import type { ContactPreferences, LedgerEntry } from '../../../shared/api/audience';
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

export function ConsentLedger({ preferences, zone }: { preferences: ContactPreferences; zone: string | null }) {
  const categoryLabel = (id: string): string => preferences.categories.find((c) => c.id === id)?.label ?? id;
  const entries = [...preferences.ledger].reverse();
  return (
    <>
      <dl className="contact-facts" aria-label="Subscriptions">
        {preferences.categories.map((c) => (
          <div key={c.id}>
            <dt>{c.label}</dt>
            <dd className={`consent-state ${c.isSubscribed ? 'is-in' : 'is-out'}`}>{c.isSubscribed ? 'subscribed' : 'unsubscribed'}</dd>
          </div>
        ))}
        {preferences.pausedUntil ? (
          <div>
            <dt>Paused until</dt>
            <dd>{formatInstant(preferences.pausedUntil, zone)}</dd>
          </div>
        ) : null}
      </dl>
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
