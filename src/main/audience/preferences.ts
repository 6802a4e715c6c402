import type Database from 'better-sqlite3';
import { stringify } from 'csv-stringify/sync';
import type { ChannelConsentState, ConsentSource, ContactPreferences, LedgerEntry, PreferenceChange } from '../../shared/api/audience';
import { PostcardError } from '../../shared/api/result';
import { parseInstant } from '../../shared/audience/dates';
import { evaluateRule, type ContactFacts } from '../../shared/audience/evaluate';
import { normalizePhone } from '../contacts/timeZone';
import { CounterBuffer, applyOptOut, prepareStatements } from '../engine/store';
import { loadCatalog, loadContactFacts } from './segmentSql';

/**
 * The preference center: a contact's channel consents, subscription categories and pause, all
 * derived from the append-only consent ledger (consent_events), where every change is a record
 * with its source (import file, keyword, web form, API, agent) and time. An opt-out on any
 * channel cancels what is queued and ends the contact's enrollments in the same transaction.
 */
const LEDGER_LIMIT = 500;

export class PreferenceService {
  constructor(
    private readonly sqlite: Database.Database,
    private readonly now: () => number = Date.now,
  ) {}

  contactIdOf(phone: string): number {
    const normalized = normalizePhone(phone);
    const id = normalized ? (this.sqlite.prepare('SELECT id FROM contacts WHERE phone = ?').pluck().get(normalized) as number | undefined) : undefined;
    if (id === undefined) throw new PostcardError('NOT_FOUND', `${phone.slice(0, 32)} is not a contact (import it first)`);
    return id;
  }

  preferences(phone: string): ContactPreferences {
    const contactId = this.contactIdOf(phone);
    const now = this.now();
    const catalog = loadCatalog(this.sqlite);
    const definition = { match: 'all' as const, rules: [] };
    const facts = loadContactFacts(this.sqlite, definition, [contactId]).get(contactId) as ContactFacts;
    const channelState = (channel: 'sms' | 'mms'): ChannelConsentState =>
      (['opted_in', 'opted_out'] as const).find((state) => evaluateRule({ type: 'consent', channel, state }, catalog, facts, now)) ?? 'none';
    const categories = this.sqlite
      .prepare('SELECT id, label, description, is_default_subscribed FROM subscription_categories WHERE archived_at IS NULL ORDER BY label')
      .all() as Array<{ id: string; label: string; description: string; is_default_subscribed: number }>;
    const ledger = this.sqlite
      .prepare(
        `SELECT id, kind, channel, category, source, keyword, detail, occurred_at FROM consent_events WHERE contact_id = ?
         ORDER BY occurred_at DESC, id DESC LIMIT ?`,
      )
      .all(contactId, LEDGER_LIMIT) as LedgerRow[];
    return {
      contactId,
      phone: facts.phone,
      channels: { sms: channelState('sms'), mms: channelState('mms') },
      categories: categories.map((c) => ({
        id: c.id,
        label: c.label,
        description: c.description,
        isDefaultSubscribed: c.is_default_subscribed === 1,
        isSubscribed: evaluateRule({ type: 'subscription', category: c.id, state: 'subscribed' }, catalog, facts, now),
        isChosen: facts.consent.some((r) => r.category === c.id && r.occurredAt <= now),
      })),
      pausedUntil: facts.pausedUntil !== null && facts.pausedUntil > now ? new Date(facts.pausedUntil).toISOString() : null,
      ledger: ledger.map(ledgerEntry),
    };
  }

  change(phone: string, change: PreferenceChange, source: ConsentSource, detail: string | undefined): ContactPreferences {
    const contactId = this.contactIdOf(phone);
    const now = this.now();
    const insert = this.sqlite.prepare(
      `INSERT INTO consent_events (contact_id, kind, channel, source, keyword, category, detail, occurred_at, processed_at)
       VALUES (?, ?, ?, ?, NULL, ?, ?, ?, NULL)`,
    );
    this.sqlite.transaction(() => {
      switch (change.type) {
        case 'channel': {
          const kind = change.state === 'opted_in' ? 'opt_in' : 'opt_out';
          insert.run(contactId, kind, change.channel, source, null, detail ?? null, now);
          if (kind === 'opt_out') {
            const statements = prepareStatements(this.sqlite);
            const counters = new CounterBuffer();
            applyOptOut(statements, counters, contactId, now);
            counters.flush(statements);
          }
          return;
        }
        case 'category': {
          const known = this.sqlite.prepare('SELECT 1 FROM subscription_categories WHERE id = ? AND archived_at IS NULL').pluck().get(change.category);
          if (!known) throw new PostcardError('INVALID_INPUT', `there is no subscription category "${change.category}"`);
          insert.run(contactId, change.state === 'subscribed' ? 'subscribe' : 'unsubscribe', 'all', source, change.category, detail ?? null, now);
          return;
        }
        case 'pause': {
          const until = change.until === null ? null : parseInstant(change.until);
          if (change.until !== null && until === null) throw new PostcardError('INVALID_INPUT', `"${change.until}" is not a date (expected YYYY-MM-DD or an ISO date and time)`);
          if (until !== null && until <= now) throw new PostcardError('INVALID_INPUT', 'a pause must end in the future');
          this.sqlite.prepare('UPDATE contacts SET paused_until = ?, updated_at = ? WHERE id = ?').run(until, now, contactId);
          const what = until === null ? 'resumed' : `paused until ${new Date(until).toISOString()}`;
          insert.run(contactId, until === null ? 'resume' : 'pause', 'all', source, null, detail ? `${what}: ${detail}` : what, now);
          return;
        }
      }
    })();
    return this.preferences(phone);
  }

  /** Every ledger record with the contact's phone, oldest first: what an audit asks for. */
  ledgerCsv(): { csv: string; rows: number } {
    const rows = this.sqlite
      .prepare(
        `SELECT c.phone, ce.id, ce.kind, ce.channel, ce.category, ce.source, ce.keyword, ce.detail, ce.occurred_at
         FROM consent_events ce JOIN contacts c ON c.id = ce.contact_id ORDER BY ce.occurred_at, ce.id`,
      )
      .all() as Array<LedgerRow & { phone: string }>;
    const records = rows.map((r) => [r.phone, new Date(r.occurred_at).toISOString(), r.kind, r.channel, r.category ?? '', r.source, r.keyword ?? '', r.detail ?? '']);
    const csv = stringify(records, { header: true, columns: ['phone', 'occurred_at', 'kind', 'channel', 'category', 'source', 'keyword', 'detail'] });
    return { csv, rows: rows.length };
  }
}

interface LedgerRow {
  id: number;
  kind: string;
  channel: string;
  category: string | null;
  source: string;
  keyword: string | null;
  detail: string | null;
  occurred_at: number;
}

function ledgerEntry(row: LedgerRow): LedgerEntry {
  return {
    id: row.id,
    at: new Date(row.occurred_at).toISOString(),
    kind: row.kind,
    channel: row.channel,
    category: row.category,
    source: row.source,
    keyword: row.keyword,
    detail: row.detail,
  };
}
