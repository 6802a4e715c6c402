import { sql } from 'drizzle-orm';
import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * The journey engine's state. Times are integer milliseconds since the epoch (UTC): the engine
 * compares and indexes them on every step, and the clock it reads is injected (virtual in a
 * dry-run). Hot paths use prepared statements on these tables directly (src/main/engine/store.ts).
 */

export const contacts = sqliteTable(
  'contacts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** E.164, e.g. +14155550123. */
    phone: text('phone').notNull(),
    /** IANA zone: given on import, or inferred from the number (see timeZoneSource). */
    timeZone: text('time_zone'),
    timeZoneSource: text('time_zone_source'),
    attributesJson: text('attributes_json').notNull().default('{}'),
    /**
     * The same attributes as SQLite's binary JSON (JSONB), which its JSON functions read without
     * parsing text: segment rules that read every contact (a range, "contains") read this one.
     * Derived, never written by code: triggers from migration 0017 keep it equal to
     * attributes_json (null if that were ever not valid JSON).
     */
    attributesJsonb: blob('attributes_jsonb'),
    /** yes / no / unknown; learned from delivery receipts and provider rejections. */
    mmsCapable: text('mms_capable').notNull().default('unknown'),
    /**
     * A provider said the number cannot take messages (invalid, a landline): when, and its code
     * and words. The drain sends nothing more to it without asking the provider; a new phone
     * clears it (trigger from migration 0019).
     */
    unreachableAt: integer('unreachable_at'),
    unreachableReason: text('unreachable_reason'),
    /** The contact asked for a break from marketing until then (ms); null = not paused. */
    pausedUntil: integer('paused_until'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    /**
     * The latest opt-in or opt-out in the ledger that governs SMS (channel sms or all), and the
     * one that governs MMS (sms, mms or all): its kind, time and id. Derived, never written by
     * code: triggers from migration 0016 keep them equal to the ledger's latest record (by time,
     * then id), so a segment's consent rule reads a column instead of searching the ledger once
     * per contact. A rule asked about a moment before that record falls back to the ledger.
     */
    smsConsent: text('sms_consent'),
    smsConsentAt: integer('sms_consent_at'),
    smsConsentEvent: integer('sms_consent_event'),
    mmsConsent: text('mms_consent'),
    mmsConsentAt: integer('mms_consent_at'),
    mmsConsentEvent: integer('mms_consent_event'),
  },
  (table) => [
    uniqueIndex('contacts_phone_uq').on(table.phone),
    // Segment and date triggers look again at contacts edited since their last look.
    index('contacts_updated_idx').on(table.updatedAt),
  ],
);

/**
 * Append-only: current consent is derived from the latest record per channel. The ledger outlives
 * its contact (an audit asks about numbers long deleted): contact_id has no foreign key, so a
 * deleted contact's records stay, and two triggers written in migration 0013 (drizzle has no
 * word for triggers; a migration that rebuilds `contacts` must write them again) keep them tied
 * to the number: `contacts_keep_ledger` copies the phone into `phone` before a contact is
 * deleted, and `contacts_reattach_ledger` hands such records to a new contact with that phone,
 * whichever path creates it (import, events, an inbound text).
 */
export const consentEvents = sqliteTable(
  'consent_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The contact; after a delete, the id it had (contacts ids are never reused) until a contact with `phone` comes back. */
    contactId: integer('contact_id').notNull(),
    /** Set only while the record's contact is deleted: its E.164 number. */
    phone: text('phone'),
    kind: text('kind').notNull(),
    channel: text('channel').notNull(),
    source: text('source').notNull(),
    keyword: text('keyword'),
    /**
     * A subscription category (kinds subscribe / unsubscribe); null for channel consent. Channel
     * consent reads only opt_in / opt_out, so category records never change it.
     */
    category: text('category'),
    /** What else the record says: the reason for an opt-out, the end of a pause, the import file. */
    detail: text('detail'),
    occurredAt: integer('occurred_at').notNull(),
    /** Set once the engine has acted on it (subscribed triggers); null = not yet seen. */
    processedAt: integer('processed_at'),
  },
  (table) => [
    // Serves "the latest record in force at a time" (every send checks it) without a sort.
    index('consent_contact_time_idx').on(table.contactId, table.occurredAt, table.id),
    index('consent_unprocessed_idx').on(table.occurredAt).where(sql`processed_at IS NULL`),
    index('consent_detached_phone_idx').on(table.phone).where(sql`phone IS NOT NULL`),
  ],
);

export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    contactId: integer('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    propertiesJson: text('properties_json').notNull().default('{}'),
    occurredAt: integer('occurred_at').notNull(),
    processedAt: integer('processed_at'),
  },
  (table) => [
    index('events_contact_name_idx').on(table.contactId, table.name, table.occurredAt),
    // Segment counts read one event name in a time window for everyone.
    index('events_name_time_idx').on(table.name, table.occurredAt, table.contactId),
    index('events_unprocessed_idx').on(table.occurredAt).where(sql`processed_at IS NULL`),
  ],
);

export const enrollments = sqliteTable(
  'enrollments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    flowId: text('flow_id').notNull(),
    /** The immutable published version this contact follows to the end. */
    flowVersionId: text('flow_version_id').notNull(),
    contactId: integer('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    nodeId: text('node_id').notNull(),
    state: text('state').notNull(),
    /** The timer: when the scheduler should look at this enrollment again (null = not by time). */
    wakeAt: integer('wake_at'),
    /** Counts node entries; with the enrollment id it makes each send's idempotency key. */
    stepSeq: integer('step_seq').notNull().default(0),
    awaitMessageId: integer('await_message_id'),
    enteredAt: integer('entered_at').notNull(),
    nodeEnteredAt: integer('node_entered_at').notNull(),
    exitedAt: integer('exited_at'),
    exitReason: text('exit_reason'),
    /**
     * The contact timeline's steps, one line per run through one or more nodes:
     * `at<TAB>node ids separated by spaces<TAB>note`. Kept on the row the step updates anyway,
     * rather than as a row per step in a table of its own (src/main/engine/trail.ts).
     */
    trail: text('trail').notNull().default(''),
  },
  (table) => [
    index('enrollments_wake_idx').on(table.wakeAt).where(sql`wake_at IS NOT NULL`),
    index('enrollments_contact_idx').on(table.contactId, table.flowId),
    // Live counts read who is still in the flow; finished enrollments leave the index.
    index('enrollments_active_node_idx').on(table.flowId, table.nodeId, table.state).where(sql`state != 'exited'`),
  ],
);

/** The outbox: one row per intended send. */
export const messages = sqliteTable(
  'messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    idempotencyKey: text('idempotency_key').notNull(),
    enrollmentId: integer('enrollment_id'),
    flowId: text('flow_id'),
    flowVersionId: text('flow_version_id'),
    nodeId: text('node_id'),
    contactId: integer('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    /** marketing (cap, quiet hours) or reply (HELP answers: neither applies). */
    purpose: text('purpose').notNull().default('marketing'),
    channel: text('channel').notNull(),
    body: text('body').notNull(),
    subject: text('subject'),
    mediaRef: text('media_ref'),
    segments: integer('segments').notNull().default(1),
    provider: text('provider').notNull(),
    status: text('status').notNull(),
    reason: text('reason'),
    errorClass: text('error_class'),
    errorCode: text('error_code'),
    providerMessageId: text('provider_message_id'),
    attempts: integer('attempts').notNull().default(0),
    deferrals: integer('deferrals').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at'),
    createdAt: integer('created_at').notNull(),
    acceptedAt: integer('accepted_at'),
    /** When the row reached its final status (delivered, failed, cancelled, skipped …). */
    finishedAt: integer('finished_at'),
    updatedAt: integer('updated_at').notNull(),
  },
  (table) => [
    uniqueIndex('messages_idempotency_uq').on(table.idempotencyKey),
    index('messages_due_idx').on(table.nextAttemptAt).where(sql`status IN ('queued', 'sending')`),
    /**
     * The same rows by sender: the drain reads each account's queue on its own, so an account
     * waiting for its rate limit is skipped with one seek instead of a walk through its backlog.
     */
    index('messages_queue_by_sender_idx').on(table.status, table.provider, table.nextAttemptAt).where(sql`status IN ('queued', 'sending')`),
    /** Messages a sending account took and has not settled yet: their status is looked up when next_attempt_at comes. */
    index('messages_account_receipt_idx').on(table.nextAttemptAt).where(sql`status = 'sent' AND substr(provider, 1, 4) = 'acc_'`),
    // Serves both the frequency cap (accepted since) and a contact's pending rows (opt-out).
    index('messages_contact_accepted_idx').on(table.contactId, table.acceptedAt),
    index('messages_enrollment_idx').on(table.enrollmentId, table.nodeId),
    // Analytics recompute a flow's day of messages (src/main/analytics/derive.ts); rows append in time order.
    index('messages_flow_created_idx').on(table.flowId, table.createdAt),
    // Partial: a queued row has no provider id yet, so it costs this index nothing until accepted.
    index('messages_provider_id_part_idx').on(table.providerMessageId).where(sql`provider_message_id IS NOT NULL`),
  ],
);

/**
 * A message's status history is its row (created_at = queued, accepted_at = sent, finished_at =
 * the final status with error_code and reason); this table holds only what the row cannot:
 * retries, quiet-hours deferrals and resends a provider recognised as duplicates.
 */
export const messageEvents = sqliteTable(
  'message_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    messageId: integer('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    status: text('status').notNull(),
    providerCode: text('provider_code'),
    detail: text('detail'),
    occurredAt: integer('occurred_at').notNull(),
  },
  (table) => [index('message_events_message_idx').on(table.messageId)],
);

/** Running per-node totals, updated in the same transaction as the steps they count. */
export const nodeCounters = sqliteTable(
  'node_counters',
  {
    flowId: text('flow_id').notNull(),
    nodeId: text('node_id').notNull(),
    metric: text('metric').notNull(),
    value: integer('value').notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.flowId, table.nodeId, table.metric] })],
);

/** Small engine bookmarks (e.g. how far provider receipts have been polled). */
export const engineState = sqliteTable('engine_state', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/**
 * The simulator provider's own ledger: what it accepted, keyed by idempotency key, so a resend
 * after a crash is recognised as a duplicate just like a real provider with idempotency keys.
 * Receipts and STOP replies it will "send back" carry the virtual time they become due.
 */
export const simulatorMessages = sqliteTable(
  'simulator_messages',
  {
    idempotencyKey: text('idempotency_key').primaryKey(),
    providerMessageId: text('provider_message_id').notNull(),
    toPhone: text('to_phone').notNull(),
    channel: text('channel').notNull(),
    carrier: text('carrier').notNull(),
    acceptedAt: integer('accepted_at').notNull(),
    /** When it left the provider's queue for the carrier (throughput); null on rows from before the queue existed. */
    dispatchedAt: integer('dispatched_at'),
    /** How many send calls carried this key (1 = no resend). */
    sendCalls: integer('send_calls').notNull().default(1),
    outcome: text('outcome').notNull(),
    errorCode: text('error_code'),
    receiptAt: integer('receipt_at').notNull(),
    replyBody: text('reply_body'),
    replyAt: integer('reply_at'),
  },
  (table) => [
    index('simulator_receipt_idx').on(table.receiptAt),
    index('simulator_reply_idx').on(table.replyAt).where(sql`reply_at IS NOT NULL`),
    uniqueIndex('simulator_provider_id_uq').on(table.providerMessageId),
  ],
);
