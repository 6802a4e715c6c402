import { sql } from 'drizzle-orm';
import { integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * Sending accounts and media hosting. Their credentials are NOT here: they live in the secret
 * store (safeStorage, the OS keychain or the environment; see src/main/secrets), keyed by the
 * account's id, so neither this file nor a copy of it holds one.
 */
export const sendingAccounts = sqliteTable(
  'sending_accounts',
  {
    /** `acc_` and random base-36; flows refer to it (FlowSettings.sendingAccountId). */
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** twilio | vonage | telnyx */
    provider: text('provider').notNull(),
    /** E.164 number, short code, Twilio Messaging Service SID or Telnyx messaging profile id. */
    sender: text('sender').notNull(),
    /** number | short_code | messaging_service | messaging_profile */
    senderKind: text('sender_kind').notNull(),
    /** JSON array of the channels it may carry (sms, mms). */
    channelsJson: text('channels_json').notNull(),
    messagesPerSecond: real('messages_per_second').notNull(),
    dailyCap: integer('daily_cap'),
    /** A regional edge, a proxy or a local test server instead of the provider's own API host. */
    baseUrl: text('base_url'),
    createdAt: text('created_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
    updatedAt: text('updated_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (table) => [uniqueIndex('sending_accounts_name_uq').on(sql`lower(${table.name})`)],
);

/** One row (id 1) once media hosting is set up. */
export const mediaHosting = sqliteTable('media_hosting', {
  id: integer('id').primaryKey(),
  endpoint: text('endpoint').notNull(),
  region: text('region').notNull(),
  bucket: text('bucket').notNull(),
  /** Objects are public under this URL; null: presigned GET URLs. */
  publicBaseUrl: text('public_base_url'),
  presignHours: real('presign_hours').notNull(),
  prefix: text('prefix').notNull(),
  updatedAt: text('updated_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
});

/**
 * What is already in the bucket: a rendition (by the sha-256 of its bytes) for a send profile,
 * at a key, in a bucket. A second publish finds it here and uploads nothing.
 */
export const hostedObjects = sqliteTable(
  'hosted_objects',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** sha-256 of the uploaded bytes. */
    contentHash: text('content_hash').notNull(),
    profileId: text('profile_id').notNull(),
    /** Where it went: a change of bucket or endpoint uploads again. */
    location: text('location').notNull(),
    objectKey: text('object_key').notNull(),
    assetId: text('asset_id').notNull(),
    mime: text('mime').notNull(),
    bytes: integer('bytes').notNull(),
    uploadedAt: text('uploaded_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`),
  },
  (table) => [uniqueIndex('hosted_objects_content_uq').on(table.contentHash, table.profileId, table.location)],
);
