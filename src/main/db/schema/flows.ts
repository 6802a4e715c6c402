import { sql } from 'drizzle-orm';
import { integer, sqliteTable, text, uniqueIndex, index } from 'drizzle-orm/sqlite-core';

/**
 * Flows and their immutable published versions. JSON columns are stored as text and parsed
 * through the shared zod schemas on read, so a damaged row is reported rather than trusted.
 */
export const flows = sqliteTable(
  'flows',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    status: text('status').notNull().default('draft'),
    settingsJson: text('settings_json').notNull(),
    draftGraphJson: text('draft_graph_json').notNull(),
    /** Bumped on every draft save; the editor's base revision must match (optimistic locking). */
    draftRevision: integer('draft_revision').notNull().default(0),
    /** The draft revision the latest version was published from; null when never published. */
    publishedRevision: integer('published_revision'),
    createdAt: text('created_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    updatedAt: text('updated_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (table) => [index('flows_updated_at_idx').on(table.updatedAt)],
);

export const flowVersions = sqliteTable(
  'flow_versions',
  {
    id: text('id').primaryKey(),
    flowId: text('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    /** The whole FlowDocument as published; never updated after insert. */
    documentJson: text('document_json').notNull(),
    publishedAt: text('published_at').notNull(),
    /** Why the version exists when no person published it (e.g. the auto-winner's decision, in words). */
    note: text('note'),
  },
  (table) => [uniqueIndex('flow_versions_flow_version_uq').on(table.flowId, table.version)],
);

/** Small app-wide facts, e.g. which sample flows were already seeded. */
export const appMeta = sqliteTable('app_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
