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
    const writer = new LedgerWriter(this.sqlite, this.now());
    this.sqlite.transaction(() => {
      writer.apply(contactId, change, source, detail);
      writer.flush();
    })();
    return this.preferences(phone);
  }

  /** Every ledger record with its phone, oldest first: what an audit asks for (deleted contacts' records too). */
  ledgerCsv(): { csv: string; rows: number } {
    const rows = this.sqlite
      .prepare(
        `SELECT coalesce(c.phone, ce.phone) AS phone, ce.id, ce.kind, ce.channel, ce.category, ce.source, ce.keyword, ce.detail, ce.occurred_at
         FROM consent_events ce LEFT JOIN contacts c ON c.id = ce.contact_id ORDER BY ce.occurred_at, ce.id`,
      )
      .all() as Array<LedgerRow & { phone: string | null }>;
    const records = rows.map((r) => [r.phone ?? '', new Date(r.occurred_at).toISOString(), r.kind, r.channel, r.category ?? '', r.source, r.keyword ?? '', r.detail ?? '']);
    const csv = stringify(records, { header: true, columns: ['phone', 'occurred_at', 'kind', 'channel', 'category', 'source', 'keyword', 'detail'] });
    return { csv, rows: rows.length };
  }
}

/**
 * Writes preference changes into the ledger inside the caller's transaction: one contact from the
 * preference center, or thousands from a bulk action (bulk.ts), the same records either way. An
 * opt-out cancels what is queued and ends enrollments at once; the engine still reads each record
 * (processed_at is null) for its segment and subscribed triggers. `flush` before commit.
 */
export class LedgerWriter {
  private readonly insert: Database.Statement;
  private readonly touch: Database.Statement;
  private readonly categoryKnown: Database.Statement;
  private statements: ReturnType<typeof prepareStatements> | null = null;
  readonly counters = new CounterBuffer();

  constructor(
    private readonly sqlite: Database.Database,
    readonly now: number,
  ) {
    this.insert = sqlite.prepare(
      `INSERT INTO consent_events (contact_id, kind, channel, source, keyword, category, detail, occurred_at, processed_at)
       VALUES (?, ?, ?, ?, NULL, ?, ?, ?, NULL)`,
    );
    // Segment and date triggers look again at contacts edited since their last look.
    this.touch = sqlite.prepare('UPDATE contacts SET updated_at = ? WHERE id = ?');
    this.categoryKnown = sqlite.prepare('SELECT 1 FROM subscription_categories WHERE id = ? AND archived_at IS NULL').pluck();
  }

  /** Refuses a category that does not exist (or is archived), before anything is written. */
  requireCategory(category: string): void {
    if (!this.categoryKnown.get(category)) throw new PostcardError('INVALID_INPUT', `there is no subscription category "${category}"`);
  }

  /** A record that is not a preference (a contact deleted by an agent), kept with the rest. */
  note(contactId: number, kind: string, source: ConsentSource, detail: string | undefined): void {
    this.insert.run(contactId, kind, 'all', source, null, detail || null, this.now);
  }

  apply(contactId: number, change: PreferenceChange, source: ConsentSource, detail: string | undefined): void {
    const now = this.now;
    const note = detail || null;
    switch (change.type) {
      case 'channel': {
        const kind = change.state === 'opted_in' ? 'opt_in' : 'opt_out';
        this.insert.run(contactId, kind, change.channel, source, null, note, now);
        if (kind === 'opt_out') applyOptOut(this.engineStatements(), this.counters, contactId, now);
        break;
      }
      case 'category': {
        this.requireCategory(change.category);
        this.insert.run(contactId, change.state === 'subscribed' ? 'subscribe' : 'unsubscribe', 'all', source, change.category, note, now);
        break;
      }
      case 'pause': {
        const until = change.until === null ? null : parseInstant(change.until);
        if (change.until !== null && until === null) throw new PostcardError('INVALID_INPUT', `"${change.until}" is not a date (expected YYYY-MM-DD or an ISO date and time)`);
        if (until !== null && until <= now) throw new PostcardError('INVALID_INPUT', 'a pause must end in the future');
        this.sqlite.prepare('UPDATE contacts SET paused_until = ? WHERE id = ?').run(until, contactId);
        const what = until === null ? 'resumed' : `paused until ${new Date(until).toISOString()}`;
        this.insert.run(contactId, until === null ? 'resume' : 'pause', 'all', source, null, detail ? `${what}: ${detail}` : what, now);
        break;
      }
    }
    this.touch.run(now, contactId);
  }

  /** The engine's statements (prepared on first need: most changes never end an enrollment). */
  engineStatements(): ReturnType<typeof prepareStatements> {
    this.statements ??= prepareStatements(this.sqlite);
    return this.statements;
  }

  /** Node counters changed by ended enrollments; call inside the transaction, before it commits. */
  flush(): void {
    if (this.statements) this.counters.flush(this.statements);
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
