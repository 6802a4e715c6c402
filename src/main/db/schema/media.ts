import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * The media library. An asset's id is the sha-256 of its original bytes, whose file lives at
 * `<dataDir>/media/originals/<id[0..2]>/<id[2..]>`; renditions are cached per target and
 * pipeline version, so re-optimising the same input is a lookup.
 */
export const mediaAssets = sqliteTable(
  'media_assets',
  {
    id: text('id').primaryKey(),
    /** image | animation | video */
    kind: text('kind').notNull(),
    /** The format found in the bytes (jpeg, png, webp, gif, heic, avif, mp4, mov). */
    format: text('format').notNull(),
    /** The file name it was imported as; shown in the library, never used to guess the type. */
    name: text('name').notNull(),
    bytes: integer('bytes').notNull(),
    /** Display size (after EXIF orientation), one frame. */
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    frames: integer('frames').notNull().default(1),
    durationMs: integer('duration_ms'),
    hasAlpha: integer('has_alpha', { mode: 'boolean' }).notNull().default(false),
    hasAudio: integer('has_audio', { mode: 'boolean' }).notNull().default(false),
    createdAt: text('created_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (table) => [index('media_assets_created_at_idx').on(table.createdAt)],
);

export const mediaRenditions = sqliteTable(
  'media_renditions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    assetId: text('asset_id')
      .notNull()
      .references(() => mediaAssets.id, { onDelete: 'cascade' }),
    /** `<profile>.v<pipeline>.<digest of the exact target>`; see src/main/media/target.ts. */
    targetKey: text('target_key').notNull(),
    /** Null for a one-off target (the CLI's --max-bytes). */
    profileId: text('profile_id'),
    mime: text('mime').notNull(),
    bytes: integer('bytes').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    frames: integer('frames').notNull().default(1),
    durationMs: integer('duration_ms'),
    quality: integer('quality'),
    budgetBytes: integer('budget_bytes').notNull(),
    /** What was given up to fit, as a JSON array of sentences. */
    notesJson: text('notes_json').notNull().default('[]'),
    /** Relative to `<dataDir>/media`. */
    path: text('path').notNull(),
    posterPath: text('poster_path'),
    createdAt: text('created_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (table) => [uniqueIndex('media_renditions_asset_target_uq').on(table.assetId, table.targetKey)],
);
