import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { contacts } from './engine';

/**
 * Audience: declared contact attributes, subscription categories, segments (versioned like
 * flows), segment membership for incremental entry, and the next date-trigger occurrence per
 * (flow version, contact). Times are integer ms since the epoch (UTC), as in the engine tables.
 */

/** The attributes contacts carry, with their type; segment rules are checked against this list. */
export const contactAttributes = sqliteTable('contact_attributes', {
  name: text('name').primaryKey(),
  /** text, number, date or list (src/shared/audience/segment.ts). */
  type: text('type').notNull(),
  createdAt: integer('created_at').notNull(),
});

/** What a contact can subscribe to apart from the channel itself: promotions, order updates … */
export const subscriptionCategories = sqliteTable('subscription_categories', {
  id: text('id').primaryKey(),
  label: text('label').notNull(),
  description: text('description').notNull().default(''),
  /** Whether a contact who never chose counts as subscribed (order updates: yes; promotions: no). */
  isDefaultSubscribed: integer('is_default_subscribed', { mode: 'boolean' }).notNull().default(false),
  archivedAt: integer('archived_at'),
  createdAt: integer('created_at').notNull(),
});

export const segments = sqliteTable(
  'segments',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /** active or archived; a segment a flow version uses is archived, never deleted. */
    status: text('status').notNull().default('active'),
    draftJson: text('draft_json').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (table) => [uniqueIndex('segments_name_uq').on(table.name)],
);

/** Immutable saved definitions; a published flow refers to the version it was published with. */
export const segmentVersions = sqliteTable(
  'segment_versions',
  {
    id: text('id').primaryKey(),
    segmentId: text('segment_id')
      .notNull()
      .references(() => segments.id),
    version: integer('version').notNull(),
    definitionJson: text('definition_json').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (table) => [uniqueIndex('segment_versions_segment_version_uq').on(table.segmentId, table.version)],
);

/** Which segment versions a published flow version reads (its trigger, its branches). */
export const flowVersionSegments = sqliteTable(
  'flow_version_segments',
  {
    flowVersionId: text('flow_version_id').notNull(),
    segmentVersionId: text('segment_version_id')
      .notNull()
      .references(() => segmentVersions.id),
  },
  (table) => [
    primaryKey({ columns: [table.flowVersionId, table.segmentVersionId] }),
    index('flow_version_segments_segment_idx').on(table.segmentVersionId),
  ],
);

/**
 * Who is in a segment version now, for entry on change: a row per member, and per non-member
 * whose rules become true by time alone (recheck_at). Evaluated for changed or due contacts only.
 */
export const segmentMembers = sqliteTable(
  'segment_members',
  {
    segmentVersionId: text('segment_version_id').notNull(),
    contactId: integer('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    isMember: integer('is_member', { mode: 'boolean' }).notNull(),
    /** When the contact last entered (is_member became true). */
    enteredAt: integer('entered_at'),
    /** When time alone may change the answer (a window rule lapsing, a pause ending); null = only a change can. */
    recheckAt: integer('recheck_at'),
  },
  (table) => [
    primaryKey({ columns: [table.segmentVersionId, table.contactId] }),
    index('segment_members_recheck_idx').on(table.recheckAt).where(sql`recheck_at IS NOT NULL`),
    index('segment_members_contact_idx').on(table.contactId),
  ],
);

/** The next time a date_attribute trigger fires for a contact in a published flow version. */
export const dateTriggerOccurrences = sqliteTable(
  'date_trigger_occurrences',
  {
    flowVersionId: text('flow_version_id').notNull(),
    contactId: integer('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    dueAt: integer('due_at').notNull(),
    /** The calendar day the occurrence celebrates (YYYY-MM-DD), so one day fires once. */
    occursOn: text('occurs_on').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.flowVersionId, table.contactId] }),
    index('date_trigger_due_idx').on(table.dueAt),
    index('date_trigger_contact_idx').on(table.contactId),
  ],
);

/**
 * Workspace-wide settings as key → JSON (the brand name, the default time zone, extra inbound
 * keywords; shapes in src/shared/audience/workspace.ts). Read where they apply, so a change made
 * in Settings reaches the scheduler thread at its next inbound message without a restart.
 */
export const workspaceSettings = sqliteTable('workspace_settings', {
  key: text('key').primaryKey(),
  valueJson: text('value_json').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * "Enroll a segment at a chosen local time": one row per contact, due at that time in the
 * contact's own zone. The scheduler reads only the due rows (by index) and deletes each as it
 * enrolls it, so a restart picks up where it stopped.
 */
export const scheduledEnrollments = sqliteTable(
  'scheduled_enrollments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    flowId: text('flow_id').notNull(),
    contactId: integer('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    dueAt: integer('due_at').notNull(),
    /** The local date and time asked for ("2026-03-08 10:00"), as the marketer chose it. */
    localTime: text('local_time').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (table) => [index('scheduled_enrollments_due_idx').on(table.dueAt), index('scheduled_enrollments_flow_idx').on(table.flowId)],
);
