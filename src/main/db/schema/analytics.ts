import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Measurement. Facts (clicks, link codes, replies, split assignments) are appended as they
 * happen; conversions and opt-out causes are derived from the store's events by
 * src/main/analytics/derive.ts; the *_daily tables are pre-aggregates for fast views. The
 * aggregates are never edited by hand: a (flow, day) bucket is marked dirty in the same
 * transaction as any change to its rows (the engine's message writes through MessageChanges in
 * src/main/engine/store.ts, once per transaction; the writers of the other tables mark it
 * themselves) and is recomputed whole from the rows, so a late receipt
 * or the same receipt twice leaves the same numbers a full rebuild would.
 */

/** Tracked links: an unguessable code for one (message, contact, destination). */
export const linkCodes = sqliteTable(
  'link_codes',
  {
    code: text('code').primaryKey(),
    /** The outbox row's key: known before the row has an id, and stable across a crash and a redo. */
    idempotencyKey: text('idempotency_key').notNull(),
    contactId: integer('contact_id').notNull(),
    flowId: text('flow_id'),
    nodeId: text('node_id'),
    destination: text('destination').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (table) => [index('link_codes_key_idx').on(table.idempotencyKey)],
);

export const clicks = sqliteTable(
  'clicks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    code: text('code'),
    messageId: integer('message_id'),
    contactId: integer('contact_id').notNull(),
    flowId: text('flow_id'),
    nodeId: text('node_id'),
    occurredAt: integer('occurred_at').notNull(),
    userAgent: text('user_agent'),
    /** A link-preview fetcher (iMessage, WhatsApp, Slack …): recorded, never a unique click. */
    isBot: integer('is_bot', { mode: 'boolean' }).notNull().default(false),
    /** The first human click on this message's links: the unique clicks count these. */
    isUnique: integer('is_unique', { mode: 'boolean' }).notNull().default(false),
  },
  (table) => [
    index('clicks_flow_time_idx').on(table.flowId, table.occurredAt),
    index('clicks_message_idx').on(table.messageId),
    // Segment rules "clicked in the last N days": per contact (membership) and by time for everyone (counts).
    index('clicks_contact_time_idx').on(table.contactId, table.occurredAt).where(sql`is_bot = 0`),
  ],
);

/** Inbound texts that are not keywords, credited to the latest message the contact had. */
export const replies = sqliteTable(
  'replies',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    contactId: integer('contact_id').notNull(),
    messageId: integer('message_id'),
    flowId: text('flow_id'),
    nodeId: text('node_id'),
    body: text('body').notNull(),
    occurredAt: integer('occurred_at').notNull(),
  },
  (table) => [index('replies_flow_time_idx').on(table.flowId, table.occurredAt)],
);

/** Who a split sent where, and (derived) whether they converted within the window after. */
export const splitAssignments = sqliteTable(
  'split_assignments',
  {
    enrollmentId: integer('enrollment_id').notNull(),
    splitNodeId: text('split_node_id').notNull(),
    flowId: text('flow_id').notNull(),
    variantId: text('variant_id').notNull(),
    isHoldout: integer('is_holdout', { mode: 'boolean' }).notNull(),
    contactId: integer('contact_id').notNull(),
    assignedAt: integer('assigned_at').notNull(),
    convertedAt: integer('converted_at'),
    revenue: real('revenue'),
    currency: text('currency'),
  },
  (table) => [
    primaryKey({ columns: [table.enrollmentId, table.splitNodeId] }),
    // Covers the recompute of a split's day: arms, counts, conversions and revenue without a table read.
    index('split_assignments_split_idx').on(table.flowId, table.splitNodeId, table.assignedAt, table.variantId, table.convertedAt, table.revenue, table.currency),
    index('split_assignments_contact_idx').on(table.contactId, table.assignedAt),
  ],
);

/** A goal event's credit: one row per goal event (message_id null = a conversion without a message). */
export const conversions = sqliteTable(
  'conversions',
  {
    eventId: integer('event_id').primaryKey(),
    contactId: integer('contact_id').notNull(),
    goal: text('goal').notNull(),
    occurredAt: integer('occurred_at').notNull(),
    messageId: integer('message_id'),
    flowId: text('flow_id'),
    nodeId: text('node_id'),
    channel: text('channel'),
    revenue: real('revenue'),
    currency: text('currency'),
  },
  (table) => [
    index('conversions_flow_time_idx').on(table.flowId, table.occurredAt),
    index('conversions_contact_idx').on(table.contactId, table.occurredAt),
    index('conversions_message_idx').on(table.messageId).where(sql`message_id IS NOT NULL`),
  ],
);

/** An opt-out and the message that caused it (the latest one the contact had before it, if any). */
export const optOutCauses = sqliteTable(
  'opt_out_causes',
  {
    consentEventId: integer('consent_event_id').primaryKey(),
    contactId: integer('contact_id').notNull(),
    messageId: integer('message_id'),
    flowId: text('flow_id'),
    nodeId: text('node_id'),
    occurredAt: integer('occurred_at').notNull(),
  },
  (table) => [index('opt_out_causes_flow_time_idx').on(table.flowId, table.occurredAt)],
);

/** Per flow, node, UTC day (of the message's creation), channel and destination country. */
export const analyticsMessagesDaily = sqliteTable(
  'analytics_messages_daily',
  {
    flowId: text('flow_id').notNull(),
    day: integer('day').notNull(),
    nodeId: text('node_id').notNull(),
    channel: text('channel').notNull(),
    country: text('country').notNull(),
    queued: integer('queued').notNull(),
    sent: integer('sent').notNull(),
    delivered: integer('delivered').notNull(),
    failed: integer('failed').notNull(),
    segments: integer('segments').notNull(),
  },
  (table) => [primaryKey({ columns: [table.flowId, table.day, table.nodeId, table.channel, table.country] })],
);

export const analyticsFailuresDaily = sqliteTable(
  'analytics_failures_daily',
  {
    flowId: text('flow_id').notNull(),
    day: integer('day').notNull(),
    nodeId: text('node_id').notNull(),
    reason: text('reason').notNull(),
    count: integer('count').notNull(),
  },
  (table) => [primaryKey({ columns: [table.flowId, table.day, table.nodeId, table.reason] })],
);

/** Engagement by the day it happened: clicks, replies, opt-outs, conversions and revenue per currency. */
export const analyticsEngagementDaily = sqliteTable(
  'analytics_engagement_daily',
  {
    flowId: text('flow_id').notNull(),
    day: integer('day').notNull(),
    nodeId: text('node_id').notNull(),
    /** '' for the rows that carry no revenue. */
    currency: text('currency').notNull(),
    clicks: integer('clicks').notNull(),
    uniqueClicks: integer('unique_clicks').notNull(),
    botClicks: integer('bot_clicks').notNull(),
    replies: integer('replies').notNull(),
    optOuts: integer('opt_outs').notNull(),
    conversions: integer('conversions').notNull(),
    revenue: real('revenue').notNull(),
  },
  (table) => [primaryKey({ columns: [table.flowId, table.day, table.nodeId, table.currency] })],
);

/** A split's arms by the day contacts were assigned: contacts, conversions within the window, revenue per currency. */
export const analyticsSplitDaily = sqliteTable(
  'analytics_split_daily',
  {
    flowId: text('flow_id').notNull(),
    splitNodeId: text('split_node_id').notNull(),
    day: integer('day').notNull(),
    variantId: text('variant_id').notNull(),
    currency: text('currency').notNull(),
    contacts: integer('contacts').notNull(),
    conversions: integer('conversions').notNull(),
    revenue: real('revenue').notNull(),
  },
  (table) => [primaryKey({ columns: [table.flowId, table.splitNodeId, table.day, table.variantId, table.currency] })],
);

/** (flow, day) buckets whose aggregates must be recomputed; kind = messages | engagement | split:<split node id>. */
export const analyticsDirty = sqliteTable(
  'analytics_dirty',
  {
    kind: text('kind').notNull(),
    flowId: text('flow_id').notNull(),
    day: integer('day').notNull(),
  },
  (table) => [primaryKey({ columns: [table.kind, table.flowId, table.day] })],
);

/** Contacts whose conversions must be attributed again (a message they had failed late). */
export const analyticsDirtyContacts = sqliteTable('analytics_dirty_contacts', {
  contactId: integer('contact_id').primaryKey(),
});

/** Analytics settings: the price table, exchange rates, the link domain. */
export const analyticsSettings = sqliteTable('analytics_settings', {
  key: text('key').primaryKey(),
  valueJson: text('value_json').notNull(),
});


/**
 * A split's auto-winner decision: `switched` once the runner published a version giving the winner
 * all non-holdout traffic (never again for this split), or `no_winner` while the condition is met
 * but no variant is 95 % likely best (looked at again as data arrives).
 */
export const splitAutoWinner = sqliteTable(
  'split_auto_winner',
  {
    flowId: text('flow_id').notNull(),
    splitNodeId: text('split_node_id').notNull(),
    status: text('status').notNull(),
    winnerVariantId: text('winner_variant_id'),
    note: text('note').notNull(),
    /** The version the switch published; null for no_winner. */
    version: integer('version'),
    decidedAt: integer('decided_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.flowId, table.splitNodeId] })],
);

/**
 * Offline mode: what the built-in simulator's recipients will do with a delivered message (tap its
 * link, buy, text back), planned when the receipt arrives and played out by the engine's tick when due.
 */
export const simulatedEngagement = sqliteTable(
  'simulated_engagement',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    messageId: integer('message_id').notNull(),
    /** preview | click | order | reply */
    kind: text('kind').notNull(),
    dueAt: integer('due_at').notNull(),
    /** The order's value (kind = order). */
    value: real('value'),
  },
  (table) => [index('simulated_engagement_due_idx').on(table.dueAt)],
);
