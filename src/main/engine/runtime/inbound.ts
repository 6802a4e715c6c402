import { matchKeyword, PAUSE_REPLY_DEFAULT } from '../../../shared/audience/workspace';
import { normalizeKeyword } from '../../../shared/engine/keywords';
import { readWorkspaceSettings } from '../../audience/workspace';
import type { InboundMessage } from '../../providers/types';
import { matchesFilters } from '../step';
import { applyOptOut, exitEnrollment, finishMessage, recordConsent, type ConsentRecord } from '../store';
import type { RuntimeContext } from './context';
import { parseAttributes, type Enrollments } from './enrollment';
import type { AudienceTriggers } from './audienceTriggers';
import type { Transactions } from './transactions';

interface ConsentRow {
  id: number;
  contact_id: number;
  kind: string;
  channel: string;
}

interface EventRow {
  id: number;
  contact_id: number;
  name: string;
  properties_json: string;
}

/**
 * What comes in: consent records and events (written by imports, the API, another process) and
 * replies from contacts (STOP, START, HELP, keywords). Each may end enrollments (opt-out, goal)
 * or start them (subscribed, event and keyword triggers).
 */
export class Inbound {
  constructor(
    private readonly context: RuntimeContext,
    private readonly tx: Transactions,
    private readonly enrollments: Enrollments,
    private readonly audience: AudienceTriggers,
  ) {}

  /** Consent records now due, a batch per transaction; returns how many were read. */
  processConsent(now: number): number {
    const { statements: s, settings, versions } = this.context;
    return this.tx.batch(
      () => s.unprocessedConsent.all(now, settings.batchSize) as ConsentRow[],
      (batch) => {
        for (const row of batch) {
          // Opt-outs recorded elsewhere (another process, a dated import) take effect when due.
          if (row.kind === 'opt_out') applyOptOut(s, this.context.counters, row.contact_id, now);
          if (row.kind === 'opt_in') {
            for (const flow of versions.live) {
              const t = flow.trigger.config;
              if (t.type === 'subscribed' && (row.channel === 'all' || row.channel === t.channel || (t.channel === 'mms' && row.channel === 'sms'))) {
                this.enrollments.tryEnroll(flow, row.contact_id, now);
              }
            }
          }
          this.audience.noteChanged(row.contact_id);
          s.markConsentProcessed.run(now, row.id);
        }
        return [];
      },
      (row) => s.markConsentProcessed.run(now, row.id),
      (row) => s.unprocessedConsentById.get(row.id) as ConsentRow | undefined,
    ).count;
  }

  /** Events now due: goal exits, event waits, event triggers; returns how many were read. */
  processEvents(now: number): number {
    const { statements: s, settings, versions, counters } = this.context;
    return this.tx.batch(
      () => s.unprocessedEvents.all(now, settings.batchSize) as EventRow[],
      (batch) => {
        for (const row of batch) {
          this.context.report.events++;
          // Goal first: an event that is both a goal and a trigger ends the old run before a new one starts.
          const active = s.activeEnrollmentsOfContact.all(row.contact_id) as Array<{ id: number; flow_id: string; flow_version_id: string; node_id: string }>;
          for (const enrollment of active) {
            const flow = versions.get(enrollment.flow_version_id);
            if (flow && flow.settings.goalEvent.trim() && flow.settings.goalEvent.trim() === row.name) {
              for (const message of s.pendingMessagesOfEnrollment.all(enrollment.id) as Array<{ id: number }>) {
                finishMessage(s, message.id, 'cancelled', 'goal_reached', null, null, now);
              }
              exitEnrollment(s, counters, enrollment, 'goal_reached', now);
            }
          }
          s.wakeAwaitingEvent.run(now, row.contact_id);
          let properties: Record<string, unknown> | null = null;
          for (const flow of versions.live) {
            const t = flow.trigger.config;
            if (t.type !== 'event' || t.event !== row.name) continue;
            properties ??= parseAttributes(row.properties_json);
            if (matchesFilters(properties, t.filters)) this.enrollments.tryEnroll(flow, row.contact_id, now);
          }
          this.audience.noteChanged(row.contact_id);
          s.markEventProcessed.run(now, row.id);
        }
        return [];
      },
      (row) => s.markEventProcessed.run(now, row.id),
      (row) => s.unprocessedEventById.get(row.id) as EventRow | undefined,
    ).count;
  }

  /** Append a consent record from outside the tick (API, import). */
  recordConsent(record: ConsentRecord): void {
    this.tx.run(() => recordConsent(this.context.statements, this.context.counters, record, this.context.clock.now()));
  }

  /** Apply one inbound message (STOP, START, HELP, keywords) in a transaction of its own. */
  apply(message: InboundMessage, now: number): void {
    this.tx.run(() => this.applyNow(message, now));
  }

  /**
   * Inside the caller's transaction. Keywords are the built-in STOP / START / HELP words and the
   * workspace's own (Settings → Workspace: aliases of those, and PAUSE [N days]), read at each
   * message so a change in Settings applies at once. Every keyword is a consent-ledger record with
   * source 'keyword'; a STOP (or an alias) opts the contact out of every channel at once.
   */
  applyNow(message: InboundMessage, now: number): void {
    const context = this.context;
    const s = context.statements;
    context.report.inbound++;
    const contact = s.contactByPhone.get(message.from) as { id: number } | undefined;
    if (!contact) return;
    const workspace = readWorkspaceSettings(context.sqlite);
    const match = matchKeyword(message.body, workspace.keywords);
    const keyword = match?.word ?? normalizeKeyword(message.body);
    const consent = (kind: ConsentRecord['kind']): void =>
      recordConsent(s, context.counters, { contactId: contact.id, kind, channel: 'all', source: 'keyword', keyword: keyword.slice(0, 40), occurredAt: message.at }, now);
    // purpose 'reply' answers at once (no quiet hours, no cap), through the account the text came in on.
    const reply = (body: string, kind: string): void => {
      if (!body.trim()) return;
      const key = `${context.settings.installId}-${kind}-${contact.id}-${message.at}`;
      s.insertMessage.run(key, null, null, null, null, contact.id, 'reply', 'sms', body, null, null, 1, context.senderOf(message.accountId ?? null), now, now, now);
    };
    switch (match?.action) {
      case 'opt_out':
        consent('opt_out');
        // The one confirmation an opt-out may get, when the workspace wrote one for this word.
        reply(match.keyword?.reply ?? '', 'stop');
        return;
      case 'opt_in':
        consent('opt_in');
        reply(match.keyword?.reply ?? '', 'start');
        return;
      case 'help':
        consent('keyword');
        // Someone who opted out hears nothing more (their STOP was confirmed); START comes first.
        if (s.latestConsentSms.get(contact.id, now) === 'opt_out') return;
        reply(this.helpReplyFor(contact.id), 'help');
        return;
      case 'pause': {
        const until = message.at + match.days * DAY_MS;
        const zone = (context.sqlite.prepare('SELECT time_zone FROM contacts WHERE id = ?').pluck().get(contact.id) as string | null) ?? workspace.defaultTimeZone;
        const date = localDate(until, zone);
        context.sqlite.prepare('UPDATE contacts SET paused_until = ?, updated_at = ? WHERE id = ?').run(until, now, contact.id);
        context.sqlite
          .prepare(
            `INSERT INTO consent_events (contact_id, kind, channel, source, keyword, category, detail, occurred_at, processed_at)
             VALUES (?, 'pause', 'all', 'keyword', ?, NULL, ?, ?, NULL)`,
          )
          .run(contact.id, keyword.slice(0, 40), `paused for ${match.days} day${match.days === 1 ? '' : 's'}, until ${new Date(until).toISOString()}`, message.at);
        this.audience.noteChanged(contact.id);
        if (s.latestConsentSms.get(contact.id, now) === 'opt_out') return;
        const text = match.keyword.reply.trim() || PAUSE_REPLY_DEFAULT;
        reply(text.replaceAll('{days}', String(match.days)).replaceAll('{date}', date), 'pause');
        return;
      }
      default:
        s.insertEvent.run(contact.id, 'message_received', JSON.stringify({ body: message.body.slice(0, 1600) }), message.at);
        for (const flow of context.versions.live) {
          const t = flow.trigger.config;
          if (t.type === 'keyword' && t.keywords.some((k) => normalizeKeyword(k) === keyword && keyword !== '')) this.enrollments.tryEnroll(flow, contact.id, now);
        }
    }
  }

  /**
   * The HELP answer of the flow the contact entered most recently: its live version's text while
   * it is live (the program as it stands now), else the version the contact followed, else the default.
   */
  private helpReplyFor(contactId: number): string {
    const context = this.context;
    // Rare (one per HELP text), so prepared here rather than among the hot statements.
    const row = context.sqlite
      .prepare(
        `SELECT e.flow_version_id AS followed,
           (SELECT v.id FROM flow_versions v JOIN flows f ON f.id = v.flow_id
            WHERE v.flow_id = e.flow_id AND f.status = 'live' ORDER BY v.version DESC LIMIT 1) AS live
         FROM enrollments e WHERE e.contact_id = ? ORDER BY e.entered_at DESC, e.id DESC LIMIT 1`,
      )
      .get(contactId) as { followed: string; live: string | null } | undefined;
    if (!row) return context.settings.helpReply;
    const flow = (row.live ? context.versions.get(row.live) : null) ?? context.versions.get(row.followed);
    return flow?.settings.helpReply.trim() || context.settings.helpReply;
  }
}

const DAY_MS = 86_400_000;

/** "March 13" in the contact's zone: the day a pause ends, as the confirmation says it. */
function localDate(at: number, zone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone, month: 'long', day: 'numeric' }).format(at);
  } catch {
    return new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', month: 'long', day: 'numeric' }).format(at);
  }
}
