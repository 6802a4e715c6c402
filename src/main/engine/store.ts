import type Database from 'better-sqlite3';
import { isInSegment } from '../audience/segmentSql';
import type { Channel, ConsentChannel, ConsentKind, CounterMetric, MessageStatus, MmsCapability, ProviderErrorClass } from '../../shared/engine/types';
import { DAY_MS } from '../../shared/analytics/attribution';
import type { MessageView, StepFacts } from './step';
import { MAX_TRAIL_CHARS, trailLine } from './trail';

/**
 * Prepared statements and the small writes several parts share (consent, cancellation, exits,
 * counters). Everything here runs inside the caller's transaction; nothing commits on its own.
 */

export interface ContactRow {
  id: number;
  phone: string;
  time_zone: string | null;
  attributes_json: string;
  mms_capable: MmsCapability;
  /** Set when a provider refused the number for good: nothing more is sent to it. */
  unreachable_reason?: string | null;
}

export interface EnrollmentRow {
  id: number;
  flow_id: string;
  flow_version_id: string;
  contact_id: number;
  node_id: string;
  state: string;
  wake_at: number | null;
  step_seq: number;
  await_message_id: number | null;
  entered_at: number;
  node_entered_at: number;
}

export type DueEnrollmentRow = EnrollmentRow & Omit<ContactRow, 'id'>;

/** A contact's past in one flow, for the re-entry rule. */
export interface EntryHistory {
  active: number;
  last_entered: number | null;
  last_exited: number | null;
}

export interface MessageRow {
  id: number;
  idempotency_key: string;
  enrollment_id: number | null;
  flow_id: string | null;
  flow_version_id: string | null;
  node_id: string | null;
  contact_id: number;
  purpose: 'marketing' | 'reply';
  channel: Channel;
  body: string;
  subject: string | null;
  media_ref: string | null;
  status: MessageStatus;
  attempts: number;
  provider_message_id: string | null;
}

/**
 * `provider` is who sends the row: the runtime's own provider (the simulator, by its id) or a
 * sending account's id (`acc_…`, FlowSettings.sendingAccountId). `updated_at` of a row in
 * `sending` is when it was claimed.
 */
export type DueMessageRow = MessageRow & {
  phone: string;
  time_zone: string | null;
  provider: string;
  updated_at: number;
  /** Set when a provider refused the contact's number for good (contacts.unreachable_reason). */
  unreachable_reason?: string | null;
};

/** Consent for texting: an SMS opt-in also covers MMS (both are text messages to the carrier). */
const consentChannelsFor: Record<Channel, string> = { sms: "('sms', 'all')", mms: "('sms', 'mms', 'all')" };

/**
 * Which messages a write touched, from its arguments and result: every statement that inserts a
 * message or changes its status says so, and the ids are handed to the analytics (see
 * MessageChanges) once per transaction instead of by a per-row trigger.
 */
type Touches = (args: unknown[], result: Database.RunResult) => number | readonly number[] | null;
type SqlSpec = { sql: string; pluck: boolean; touches?: Touches };
const plain = (sql: string): SqlSpec => ({ sql, pluck: false });
/** Statements that return the first column only. */
const pluck = (sql: string): SqlSpec => ({ sql, pluck: true });
/** A message write whose row id is its last argument. */
const writesMessage = (sql: string): SqlSpec => ({ sql, pluck: false, touches: (args) => args[args.length - 1] as number });
/** A message insert: the new row, when one was made (ON CONFLICT DO NOTHING makes none). */
const insertsMessage = (sql: string): SqlSpec => ({
  sql,
  pluck: false,
  touches: (_args, result) => (result.changes > 0 ? Number(result.lastInsertRowid) : null),
});

const statementSql = {
    getState: pluck('SELECT value FROM engine_state WHERE key = ?'),
    setState: plain('INSERT INTO engine_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    deleteState: plain('DELETE FROM engine_state WHERE key = ?'),

    liveFlows: plain(
      `SELECT f.id AS flow_id, v.id AS version_id, v.version AS version
       FROM flows f JOIN flow_versions v ON v.flow_id = f.id
       WHERE f.status = 'live' AND v.version = (SELECT max(version) FROM flow_versions WHERE flow_id = f.id)`,
    ),
    versionDocument: plain('SELECT flow_id, version, document_json FROM flow_versions WHERE id = ?'),
    flowStatus: pluck('SELECT status FROM flows WHERE id = ?'),

    contactById: plain('SELECT id, phone, time_zone, attributes_json, mms_capable, unreachable_reason FROM contacts WHERE id = ?'),
    contactByPhone: plain('SELECT id, phone, time_zone, attributes_json, mms_capable, unreachable_reason FROM contacts WHERE phone = ?'),
    /** Writes only when the value changes: most receipts confirm what is already known. */
    setMmsCapable: plain('UPDATE contacts SET mms_capable = ?, updated_at = ? WHERE id = ? AND mms_capable != ?'),
    /** A provider refused the number for good (invalid, a landline): the first refusal's words are kept. */
    markUnreachable: plain('UPDATE contacts SET unreachable_at = ?, unreachable_reason = ? WHERE id = ? AND unreachable_at IS NULL'),

    /**
     * A new enrollment is written once, after its first run, with the id the runtime reserved
     * for it (nextEnrollmentId) so the sends of that run could already carry it in their keys.
     */
    insertEnrollment: plain(
      `INSERT INTO enrollments (id, flow_id, flow_version_id, contact_id, node_id, state, wake_at, step_seq, await_message_id,
         entered_at, node_entered_at, exited_at, exit_reason, trail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    /** Past every id ever used (sqlite_sequence remembers deleted ones), so a key is never reused. */
    nextEnrollmentId: pluck(
      `SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'enrollments'), 0),
                  coalesce((SELECT max(id) FROM enrollments), 0)) + 1`,
    ),
    updateEnrollment: plain(
      `UPDATE enrollments SET node_id = ?, state = ?, wake_at = ?, step_seq = ?, await_message_id = ?, node_entered_at = ?,
         exited_at = ?, exit_reason = ?, trail = substr(trail || ?, -${MAX_TRAIL_CHARS}) WHERE id = ?`,
    ),
    entryHistory: plain(
      `SELECT count(*) FILTER (WHERE state != 'exited') AS active, max(entered_at) AS last_entered, max(exited_at) AS last_exited
       FROM enrollments WHERE contact_id = ? AND flow_id = ?`,
    ),
    /** Bulk manual enrollment: (flow id, JSON array of contact ids) → those contacts, each with its history in the flow. */
    contactsWithEntryHistory: plain(
      `SELECT c.id, c.phone, c.time_zone, c.attributes_json, c.mms_capable, c.unreachable_reason,
              count(e.id) FILTER (WHERE e.state != 'exited') AS active, max(e.entered_at) AS last_entered, max(e.exited_at) AS last_exited
       FROM contacts c LEFT JOIN enrollments e ON e.contact_id = c.id AND e.flow_id = ?
       WHERE c.id IN (SELECT value FROM json_each(?))
       GROUP BY c.id`,
    ),
    dueEnrollments: plain(
      `SELECT e.id, e.flow_id, e.flow_version_id, e.contact_id, e.node_id, e.state, e.wake_at, e.step_seq, e.await_message_id,
              e.entered_at, e.node_entered_at, c.phone, c.time_zone, c.attributes_json, c.mms_capable, c.unreachable_reason
       FROM enrollments e JOIN flows f ON f.id = e.flow_id JOIN contacts c ON c.id = e.contact_id
       WHERE e.wake_at IS NOT NULL AND e.wake_at <= ? AND f.status = 'live'
       ORDER BY e.wake_at, e.id LIMIT ?`,
    ),
    /** One due enrollment re-read by id (a batch retried row by row). */
    dueEnrollmentById: plain(
      `SELECT e.id, e.flow_id, e.flow_version_id, e.contact_id, e.node_id, e.state, e.wake_at, e.step_seq, e.await_message_id,
              e.entered_at, e.node_entered_at, c.phone, c.time_zone, c.attributes_json, c.mms_capable, c.unreachable_reason
       FROM enrollments e JOIN flows f ON f.id = e.flow_id JOIN contacts c ON c.id = e.contact_id
       WHERE e.id = ? AND e.wake_at IS NOT NULL AND e.wake_at <= ? AND f.status = 'live'`,
    ),
    nextWake: pluck(
      `SELECT e.wake_at FROM enrollments e JOIN flows f ON f.id = e.flow_id
       WHERE e.wake_at IS NOT NULL AND f.status = 'live' ORDER BY e.wake_at LIMIT 1`,
    ),
    /** Enrollments a batch of receipts woke: resumed in the same transaction instead of via a timer. */
    awaitingEnrollments: plain(
      `SELECT e.id, e.flow_id, e.flow_version_id, e.contact_id, e.node_id, e.state, e.wake_at, e.step_seq, e.await_message_id,
              e.entered_at, e.node_entered_at, c.phone, c.time_zone, c.attributes_json, c.mms_capable, c.unreachable_reason, f.status AS flow_status
       FROM enrollments e JOIN flows f ON f.id = e.flow_id JOIN contacts c ON c.id = e.contact_id
       WHERE e.id IN (SELECT value FROM json_each(?)) AND e.state = 'awaiting_message'`,
    ),
    activeEnrollmentsOfContact: plain(
      `SELECT id, flow_id, flow_version_id, node_id, state FROM enrollments WHERE contact_id = ? AND state != 'exited'`,
    ),
    activeEnrollmentsOfFlow: plain(`SELECT id, flow_id, node_id FROM enrollments WHERE flow_id = ? AND state != 'exited'`),
    exitEnrollment: plain(
      `UPDATE enrollments SET state = 'exited', wake_at = NULL, exited_at = ?, exit_reason = ?,
         trail = substr(trail || ?, -${MAX_TRAIL_CHARS}) WHERE id = ? AND state != 'exited'`,
    ),
    wakeAwaitingEvent: plain(`UPDATE enrollments SET wake_at = ? WHERE contact_id = ? AND state = 'awaiting_event'`),
    wakeAwaitingMessage: plain(`UPDATE enrollments SET wake_at = ? WHERE id = ? AND await_message_id = ? AND state = 'awaiting_message'`),

    insertMessage: insertsMessage(
      `INSERT INTO messages (idempotency_key, enrollment_id, flow_id, flow_version_id, node_id, contact_id, purpose, channel, body, subject,
         media_ref, segments, provider, status, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)
       ON CONFLICT(idempotency_key) DO NOTHING`,
    ),
    /** A message an in-database provider took in the transaction that made it: written once, already sent. */
    insertSentMessage: insertsMessage(
      `INSERT INTO messages (idempotency_key, enrollment_id, flow_id, flow_version_id, node_id, contact_id, purpose, channel, body, subject,
         media_ref, segments, provider, status, provider_message_id, attempts, accepted_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'marketing', ?, ?, ?, ?, ?, ?, 'sent', ?, 1, ?, ?, ?)
       ON CONFLICT(idempotency_key) DO NOTHING`,
    ),
    messageIdByKey: pluck('SELECT id FROM messages WHERE idempotency_key = ?'),
    insertMessageEvent: plain('INSERT INTO message_events (message_id, status, provider_code, detail, occurred_at) VALUES (?, ?, ?, ?, ?)'),
    messageView: plain('SELECT id, node_id, channel, status, reason, error_class, accepted_at FROM messages WHERE id = ?'),
    messageFromNode: plain(
      'SELECT id, node_id, channel, status, reason, error_class, accepted_at FROM messages WHERE enrollment_id = ? AND node_id = ? ORDER BY id DESC LIMIT 1',
    ),
    /** The messages a slice of receipts is about (provider ids as a JSON array). */
    messagesByProviderIds: plain(
      `SELECT id, provider_message_id, provider, enrollment_id, flow_id, node_id, contact_id, channel, status, accepted_at FROM messages
       WHERE provider_message_id IN (SELECT value FROM json_each(?))`,
    ),
    dueMessageById: plain(
      `SELECT m.id, m.idempotency_key, m.enrollment_id, m.flow_id, m.flow_version_id, m.node_id, m.contact_id, m.purpose, m.channel, m.body,
              m.subject, m.media_ref, m.status, m.attempts, m.provider_message_id, m.provider, m.updated_at, c.phone, c.time_zone, c.unreachable_reason
       FROM messages m JOIN contacts c ON c.id = m.contact_id LEFT JOIN flows f ON f.id = m.flow_id
       WHERE m.id = ? AND m.status = 'queued' AND m.next_attempt_at <= ? AND (m.flow_id IS NULL OR f.status = 'live')`,
    ),
    /**
     * Who has rows in the queue (the simulator's id, sending accounts' ids), one index seek each
     * (messages_queue_by_sender_idx), however long each queue is.
     */
    queuedSenders: pluck(
      `WITH RECURSIVE sender(id) AS (
         SELECT min(provider) FROM messages WHERE status IN ('queued', 'sending') AND status = 'queued'
         UNION ALL
         SELECT (SELECT min(provider) FROM messages WHERE status IN ('queued', 'sending') AND status = 'queued' AND provider > sender.id)
         FROM sender WHERE sender.id IS NOT NULL
       ) SELECT id FROM sender WHERE id IS NOT NULL`,
    ),
    /** Due queued rows of one sender, in due order (args: provider, now, limit). */
    dueMessagesOf: plain(
      `SELECT m.id, m.idempotency_key, m.enrollment_id, m.flow_id, m.flow_version_id, m.node_id, m.contact_id, m.purpose, m.channel, m.body,
              m.subject, m.media_ref, m.status, m.attempts, m.provider_message_id, m.provider, m.updated_at, c.phone, c.time_zone, c.unreachable_reason, m.next_attempt_at
       FROM messages m JOIN contacts c ON c.id = m.contact_id LEFT JOIN flows f ON f.id = m.flow_id
       WHERE m.status IN ('queued', 'sending') AND m.status = 'queued' AND m.provider = ? AND m.next_attempt_at <= ? AND (m.flow_id IS NULL OR f.status = 'live')
       ORDER BY m.next_attempt_at, m.id LIMIT ?`,
    ),
    /** When the first queued row of one sender is due (a paused flow's rows wait for it). */
    nextQueuedOf: pluck(
      `SELECT m.next_attempt_at FROM messages m LEFT JOIN flows f ON f.id = m.flow_id
       WHERE m.status IN ('queued', 'sending') AND m.status = 'queued' AND m.provider = ? AND m.next_attempt_at IS NOT NULL AND (m.flow_id IS NULL OR f.status = 'live')
       ORDER BY m.next_attempt_at LIMIT 1`,
    ),
    /** When the first row in `sending` is due again (a recovery, or a straggler's recheck). */
    nextSendingDue: pluck(
      `SELECT min(m.next_attempt_at) FROM messages m LEFT JOIN flows f ON f.id = m.flow_id
       WHERE m.status IN ('queued', 'sending') AND m.status = 'sending' AND m.next_attempt_at IS NOT NULL AND (m.flow_id IS NULL OR f.status = 'live')`,
    ),
    sendingMessages: plain(
      `SELECT m.id, m.idempotency_key, m.enrollment_id, m.flow_id, m.flow_version_id, m.node_id, m.contact_id, m.purpose, m.channel, m.body,
              m.subject, m.media_ref, m.status, m.attempts, m.provider_message_id, m.provider, m.updated_at, c.phone, c.time_zone, c.unreachable_reason
       FROM messages m JOIN contacts c ON c.id = m.contact_id
       WHERE m.status IN ('queued', 'sending') AND m.status = 'sending' AND (m.next_attempt_at IS NULL OR m.next_attempt_at <= ?) ORDER BY m.next_attempt_at, m.id LIMIT ?`,
    ),
    /** One statement claims a whole drain batch (ids as a JSON array). */
    claimMessages: {
      sql: `UPDATE messages SET status = 'sending', attempts = attempts + 1, updated_at = ?
       WHERE id IN (SELECT value FROM json_each(?)) AND status = 'queued'`,
      pluck: false,
      touches: (args: unknown[]) => JSON.parse(args[1] as string) as number[],
    },
    markAccepted: writesMessage(
      `UPDATE messages SET status = 'sent', provider_message_id = ?, accepted_at = ?, updated_at = ? WHERE id = ? AND status = 'sending'`,
    ),
    /** Accepted in the transaction that claimed it (a transactional provider): one write instead of two. */
    acceptQueued: writesMessage(
      `UPDATE messages SET status = 'sent', provider_message_id = ?, accepted_at = ?, attempts = attempts + 1, updated_at = ?
       WHERE id = ? AND status = 'queued'`,
    ),
    /** Held by the account's rate limit, cap or breaker: back to the queue, the attempt not counted. */
    /** Messages sending accounts took and have not settled, whose status is due for a look-up. */
    accountReceiptsDue: plain(
      `SELECT id, provider, provider_message_id, accepted_at FROM messages
       WHERE status = 'sent' AND substr(provider, 1, 4) = 'acc_' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`,
    ),
    /** When to look up an account message's status next (or, in `sending`, ask the provider again). */
    setNextCheck: plain(`UPDATE messages SET next_attempt_at = ? WHERE id = ?`),
    /** How often reconciliation asked the provider again about a row (its message_events of that code). */
    reconcileChecks: pluck('SELECT count(*) FROM message_events WHERE message_id = ? AND provider_code = ?'),
    /** A row in `sending` the provider cannot yet say it has: asked again at the given time. */
    recheckSending: plain(`UPDATE messages SET next_attempt_at = ?, updated_at = updated_at WHERE id = ? AND status = 'sending'`),
    hold: writesMessage(`UPDATE messages SET status = 'queued', attempts = max(0, attempts - ?), next_attempt_at = ?, updated_at = ? WHERE id = ?`),
    requeue: writesMessage(
      `UPDATE messages SET status = 'queued', next_attempt_at = ?, error_class = ?, error_code = ?, updated_at = ? WHERE id = ?`,
    ),
    defer: plain(`UPDATE messages SET next_attempt_at = ?, deferrals = deferrals + 1, updated_at = ? WHERE id = ?`),
    finish: writesMessage(
      `UPDATE messages SET status = ?, reason = ?, error_class = ?, error_code = ?, next_attempt_at = NULL, finished_at = ?,
         updated_at = ? WHERE id = ?`,
    ),
    countAcceptedSince: pluck(
      `SELECT count(*) FROM messages WHERE contact_id = ? AND accepted_at > ? AND purpose = 'marketing'`,
    ),
    pendingMessagesOfContact: plain(`SELECT id, enrollment_id, flow_id, node_id FROM messages WHERE contact_id = ? AND status = 'queued'`),
    pendingMessagesOfEnrollment: plain(`SELECT id FROM messages WHERE enrollment_id = ? AND status = 'queued'`),
    pendingMessagesOfFlow: plain(`SELECT id FROM messages WHERE status IN ('queued', 'sending') AND status = 'queued' AND flow_id = ?`),

    latestConsentSms: pluck(
        `SELECT kind FROM consent_events WHERE contact_id = ? AND kind IN ('opt_in', 'opt_out') AND channel IN ${consentChannelsFor.sms}
         AND occurred_at <= ? ORDER BY occurred_at DESC, id DESC LIMIT 1`,
      ),
    latestConsentMms: pluck(
        `SELECT kind FROM consent_events WHERE contact_id = ? AND kind IN ('opt_in', 'opt_out') AND channel IN ${consentChannelsFor.mms}
         AND occurred_at <= ? ORDER BY occurred_at DESC, id DESC LIMIT 1`,
      ),
    insertConsent: plain(
      `INSERT INTO consent_events (contact_id, kind, channel, source, keyword, occurred_at, processed_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    unprocessedConsent: plain(
      `SELECT id, contact_id, kind, channel, occurred_at FROM consent_events WHERE processed_at IS NULL AND occurred_at <= ?
       ORDER BY occurred_at, id LIMIT ?`,
    ),
    unprocessedConsentById: plain('SELECT id, contact_id, kind, channel, occurred_at FROM consent_events WHERE id = ? AND processed_at IS NULL'),
    markConsentProcessed: plain('UPDATE consent_events SET processed_at = ? WHERE id = ?'),
    nextConsentDue: pluck('SELECT min(occurred_at) FROM consent_events WHERE processed_at IS NULL'),

    insertEvent: plain('INSERT INTO events (contact_id, name, properties_json, occurred_at) VALUES (?, ?, ?, ?)'),
    unprocessedEvents: plain(
      `SELECT id, contact_id, name, properties_json, occurred_at FROM events WHERE processed_at IS NULL AND occurred_at <= ?
       ORDER BY occurred_at, id LIMIT ?`,
    ),
    unprocessedEventById: plain('SELECT id, contact_id, name, properties_json, occurred_at FROM events WHERE id = ? AND processed_at IS NULL'),
    markEventProcessed: plain('UPDATE events SET processed_at = ? WHERE id = ?'),
    nextEventDue: pluck('SELECT min(occurred_at) FROM events WHERE processed_at IS NULL'),
    countEvents: pluck('SELECT count(*) FROM events WHERE contact_id = ? AND name = ? AND occurred_at >= ? AND occurred_at <= ?'),

    bumpCounter: plain(
      `INSERT INTO node_counters (flow_id, node_id, metric, value) VALUES (?, ?, ?, ?)
       ON CONFLICT(flow_id, node_id, metric) DO UPDATE SET value = value + excluded.value`,
    ),
  };

export type Statements = { [K in keyof typeof statementSql]: Database.Statement } & { readonly messageChanges: MessageChanges };

export function prepareStatements(db: Database.Database): Statements {
  const changes = new MessageChanges(db);
  const prepared = {} as Record<string, Database.Statement>;
  for (const [name, spec] of Object.entries(statementSql)) {
    const statement = db.prepare(spec.sql);
    const touches = (spec as SqlSpec).touches;
    if (touches) {
      // Each write of a message says which row it touched; nothing else changes about the statement
      // (the class's own run, looked up at each call, so wrappers of the class still see it).
      const statementClass = Object.getPrototypeOf(statement) as Database.Statement;
      statement.run = (...args: unknown[]) => {
        const result = statementClass.run.apply(statement, args);
        if (result.changes > 0) changes.record(touches(args, result));
        return result;
      };
    }
    prepared[name] = spec.pluck ? statement.pluck() : statement;
  }
  return Object.assign(prepared, { messageChanges: changes }) as unknown as Statements;
}

/**
 * The messages a transaction inserted or whose status it changed, marked for the analytics at the
 * transaction's end in two set-based statements: the (flow, day) buckets of the daily aggregates
 * to recompute, and the contacts whose credited message turned out not to reach the phone (their
 * conversions are attributed again). Per-row triggers did this before and made every message
 * write about three times slower; the buckets are the same (see analytics/derive.ts).
 */
export class MessageChanges {
  private ids: number[] = [];
  private readonly markBuckets: Database.Statement;
  private readonly markContacts: Database.Statement;

  constructor(db: Database.Database) {
    this.markBuckets = db.prepare(
      `INSERT OR IGNORE INTO analytics_dirty (kind, flow_id, day)
       SELECT DISTINCT 'messages', flow_id, created_at / ${DAY_MS} FROM messages
       WHERE id IN (SELECT value FROM json_each(?)) AND flow_id IS NOT NULL`,
    );
    this.markContacts = db.prepare(
      `INSERT OR IGNORE INTO analytics_dirty_contacts (contact_id)
       SELECT DISTINCT contact_id FROM messages
       WHERE id IN (SELECT value FROM json_each(?)) AND status IN ('failed', 'undelivered') AND accepted_at IS NOT NULL`,
    );
  }

  record(touched: number | readonly number[] | null): void {
    if (touched === null) return;
    if (typeof touched === 'number') this.ids.push(touched);
    else for (const id of touched) this.ids.push(id);
  }

  /** A rolled-back transaction touched nothing. */
  discard(): void {
    this.ids = [];
  }

  /** Inside the transaction, after its writes. */
  flush(): void {
    if (this.ids.length === 0) return;
    const ids = JSON.stringify(this.ids);
    this.ids = [];
    this.markBuckets.run(ids);
    this.markContacts.run(ids);
  }
}


/**
 * Buffers counter increments during a transaction and writes them once at its end, together with
 * the analytics marks of the messages the transaction wrote (Statements.messageChanges): every
 * writer of messages already ends its transaction with `flush`.
 */
export class CounterBuffer {
  /** flow → node → metric → delta: no key string built per increment (several per step). */
  private readonly deltas = new Map<string, Map<string, Map<CounterMetric, number>>>();
  readonly touchedFlows = new Set<string>();

  add(flowId: string, nodeId: string, metric: CounterMetric, by = 1): void {
    let nodes = this.deltas.get(flowId);
    if (nodes === undefined) {
      nodes = new Map();
      this.deltas.set(flowId, nodes);
      this.touchedFlows.add(flowId);
    }
    let metrics = nodes.get(nodeId);
    if (metrics === undefined) {
      metrics = new Map();
      nodes.set(nodeId, metrics);
    }
    metrics.set(metric, (metrics.get(metric) ?? 0) + by);
  }

  /** A rolled-back transaction's increments never happened. */
  discard(statements?: Statements): void {
    this.deltas.clear();
    statements?.messageChanges.discard();
  }

  flush(statements: Statements): void {
    statements.messageChanges.flush();
    for (const [flowId, nodes] of this.deltas) {
      for (const [nodeId, metrics] of nodes) {
        for (const [metric, value] of metrics) statements.bumpCounter.run(flowId, nodeId, metric, value);
      }
    }
    this.deltas.clear();
  }
}

interface MessageViewRow {
  id: number;
  node_id: string | null;
  channel: Channel;
  status: MessageStatus;
  reason: string | null;
  error_class: ProviderErrorClass | null;
  accepted_at: number | null;
}

const toView = (row: MessageViewRow | undefined): MessageView | null =>
  row
    ? {
        id: row.id,
        nodeId: row.node_id,
        channel: row.channel,
        status: row.status,
        reason: row.reason,
        errorClass: row.error_class,
        acceptedAt: row.accepted_at,
      }
    : null;

export function sqliteFacts(statements: Statements, sqlite: Database.Database): StepFacts {
  return {
    countEvents: (contactId, name, since, until) => statements.countEvents.get(contactId, name, since, until) as number,
    messageFromNode: (enrollmentId, nodeId) => toView(statements.messageFromNode.get(enrollmentId, nodeId) as MessageViewRow | undefined),
    message: (messageId) => toView(statements.messageView.get(messageId) as MessageViewRow | undefined),
    isInSegment: (contactId, segment, flowVersionId, at) => isInSegment(sqlite, contactId, segment, flowVersionId, at),
  };
}

/** Consent in force at `at`: records dated later (scheduled or imported ahead) do not count yet. */
export function hasConsent(statements: Statements, contactId: number, channel: Channel, at: number): boolean {
  return (channel === 'sms' ? statements.latestConsentSms : statements.latestConsentMms).get(contactId, at) === 'opt_in';
}

export interface ConsentRecord {
  contactId: number;
  kind: ConsentKind;
  channel: ConsentChannel;
  source: string;
  keyword: string | null;
  occurredAt: number;
}

/**
 * Append to the consent ledger. An opt-out, on any channel, cancels everything still queued for
 * the contact on every channel and ends their enrollments, in the same transaction.
 */
export function recordConsent(statements: Statements, counters: CounterBuffer, record: ConsentRecord, now: number): void {
  statements.insertConsent.run(record.contactId, record.kind, record.channel, record.source, record.keyword, record.occurredAt, null);
  if (record.kind === 'opt_out' && record.occurredAt <= now) applyOptOut(statements, counters, record.contactId, now);
}

/** Everything queued for the contact is cancelled on every channel, and their enrollments end. Idempotent. */
export function applyOptOut(statements: Statements, counters: CounterBuffer, contactId: number, now: number): void {
  for (const message of statements.pendingMessagesOfContact.all(contactId) as Array<{ id: number }>) {
    finishMessage(statements, message.id, 'cancelled', 'opted_out', null, null, now);
  }
  for (const enrollment of statements.activeEnrollmentsOfContact.all(contactId) as Array<{ id: number; flow_id: string; node_id: string }>) {
    exitEnrollment(statements, counters, enrollment, 'opted_out', now);
  }
}

export function finishMessage(
  statements: Statements,
  messageId: number,
  status: MessageStatus,
  reason: string | null,
  errorClass: ProviderErrorClass | null,
  errorCode: string | null,
  now: number,
): void {
  // The row is the record: status, reason, code and finished_at (no message_events row).
  statements.finish.run(status, reason, errorClass, errorCode, now, now, messageId);
}

export function exitEnrollment(
  statements: Statements,
  counters: CounterBuffer,
  enrollment: { id: number; flow_id: string; node_id: string },
  reason: string,
  now: number,
): void {
  const changed = statements.exitEnrollment.run(now, reason, `\n${trailLine(now, [enrollment.node_id], `exited: ${reason}`)}`, enrollment.id).changes;
  if (changed === 0) return;
  counters.add(enrollment.flow_id, enrollment.node_id, 'exited');
}
