CREATE TABLE `analytics_dirty` (
	`kind` text NOT NULL,
	`flow_id` text NOT NULL,
	`day` integer NOT NULL,
	PRIMARY KEY(`kind`, `flow_id`, `day`)
);
--> statement-breakpoint
CREATE TABLE `analytics_dirty_contacts` (
	`contact_id` integer PRIMARY KEY NOT NULL
);
--> statement-breakpoint
CREATE TABLE `analytics_engagement_daily` (
	`flow_id` text NOT NULL,
	`day` integer NOT NULL,
	`node_id` text NOT NULL,
	`currency` text NOT NULL,
	`clicks` integer NOT NULL,
	`unique_clicks` integer NOT NULL,
	`bot_clicks` integer NOT NULL,
	`replies` integer NOT NULL,
	`opt_outs` integer NOT NULL,
	`conversions` integer NOT NULL,
	`revenue` real NOT NULL,
	PRIMARY KEY(`flow_id`, `day`, `node_id`, `currency`)
);
--> statement-breakpoint
CREATE TABLE `analytics_failures_daily` (
	`flow_id` text NOT NULL,
	`day` integer NOT NULL,
	`node_id` text NOT NULL,
	`reason` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`flow_id`, `day`, `node_id`, `reason`)
);
--> statement-breakpoint
CREATE TABLE `analytics_messages_daily` (
	`flow_id` text NOT NULL,
	`day` integer NOT NULL,
	`node_id` text NOT NULL,
	`channel` text NOT NULL,
	`country` text NOT NULL,
	`queued` integer NOT NULL,
	`sent` integer NOT NULL,
	`delivered` integer NOT NULL,
	`failed` integer NOT NULL,
	`segments` integer NOT NULL,
	PRIMARY KEY(`flow_id`, `day`, `node_id`, `channel`, `country`)
);
--> statement-breakpoint
CREATE TABLE `analytics_settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value_json` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `analytics_split_daily` (
	`flow_id` text NOT NULL,
	`split_node_id` text NOT NULL,
	`day` integer NOT NULL,
	`variant_id` text NOT NULL,
	`currency` text NOT NULL,
	`contacts` integer NOT NULL,
	`conversions` integer NOT NULL,
	`revenue` real NOT NULL,
	PRIMARY KEY(`flow_id`, `split_node_id`, `day`, `variant_id`, `currency`)
);
--> statement-breakpoint
CREATE TABLE `clicks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`code` text,
	`message_id` integer,
	`contact_id` integer NOT NULL,
	`flow_id` text,
	`node_id` text,
	`occurred_at` integer NOT NULL,
	`user_agent` text,
	`is_bot` integer DEFAULT false NOT NULL,
	`is_unique` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE INDEX `clicks_flow_time_idx` ON `clicks` (`flow_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `clicks_message_idx` ON `clicks` (`message_id`);--> statement-breakpoint
CREATE TABLE `conversions` (
	`event_id` integer PRIMARY KEY NOT NULL,
	`contact_id` integer NOT NULL,
	`goal` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`message_id` integer,
	`flow_id` text,
	`node_id` text,
	`channel` text,
	`revenue` real,
	`currency` text
);
--> statement-breakpoint
CREATE INDEX `conversions_flow_time_idx` ON `conversions` (`flow_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `conversions_contact_idx` ON `conversions` (`contact_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `conversions_message_idx` ON `conversions` (`message_id`) WHERE message_id IS NOT NULL;--> statement-breakpoint
CREATE TABLE `link_codes` (
	`code` text PRIMARY KEY NOT NULL,
	`idempotency_key` text NOT NULL,
	`contact_id` integer NOT NULL,
	`flow_id` text,
	`node_id` text,
	`destination` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `link_codes_key_idx` ON `link_codes` (`idempotency_key`);--> statement-breakpoint
CREATE TABLE `opt_out_causes` (
	`consent_event_id` integer PRIMARY KEY NOT NULL,
	`contact_id` integer NOT NULL,
	`message_id` integer,
	`flow_id` text,
	`node_id` text,
	`occurred_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `opt_out_causes_flow_time_idx` ON `opt_out_causes` (`flow_id`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `replies` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`contact_id` integer NOT NULL,
	`message_id` integer,
	`flow_id` text,
	`node_id` text,
	`body` text NOT NULL,
	`occurred_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `replies_flow_time_idx` ON `replies` (`flow_id`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `split_assignments` (
	`enrollment_id` integer NOT NULL,
	`split_node_id` text NOT NULL,
	`flow_id` text NOT NULL,
	`variant_id` text NOT NULL,
	`is_holdout` integer NOT NULL,
	`contact_id` integer NOT NULL,
	`assigned_at` integer NOT NULL,
	`converted_at` integer,
	`revenue` real,
	`currency` text,
	PRIMARY KEY(`enrollment_id`, `split_node_id`)
);
--> statement-breakpoint
CREATE INDEX `split_assignments_split_idx` ON `split_assignments` (`flow_id`,`split_node_id`,`assigned_at`,`variant_id`,`converted_at`,`revenue`,`currency`);--> statement-breakpoint
CREATE INDEX `split_assignments_contact_idx` ON `split_assignments` (`contact_id`,`assigned_at`);--> statement-breakpoint
CREATE INDEX `messages_flow_created_idx` ON `messages` (`flow_id`,`created_at`);
--> statement-breakpoint
-- A message's bucket (its flow, the UTC day it was created) is marked dirty in the same transaction as
-- any change to its status, so the analytics recompute exactly the buckets a receipt touched, however
-- late or often it arrives.
CREATE TRIGGER `analytics_messages_inserted` AFTER INSERT ON `messages` WHEN NEW.flow_id IS NOT NULL
BEGIN
  INSERT OR IGNORE INTO `analytics_dirty` (`kind`, `flow_id`, `day`) VALUES ('messages', NEW.flow_id, NEW.created_at / 86400000);
END;
--> statement-breakpoint
CREATE TRIGGER `analytics_messages_changed` AFTER UPDATE OF `status` ON `messages` WHEN NEW.flow_id IS NOT NULL AND NEW.status IS NOT OLD.status
BEGIN
  INSERT OR IGNORE INTO `analytics_dirty` (`kind`, `flow_id`, `day`) VALUES ('messages', NEW.flow_id, NEW.created_at / 86400000);
END;
--> statement-breakpoint
-- A message that turns out not to have reached the phone can no longer earn a conversion: its
-- contact's conversions are attributed again.
CREATE TRIGGER `analytics_messages_lost` AFTER UPDATE OF `status` ON `messages`
WHEN NEW.status IN ('failed', 'undelivered') AND OLD.status NOT IN ('failed', 'undelivered') AND NEW.accepted_at IS NOT NULL
BEGIN
  INSERT OR IGNORE INTO `analytics_dirty_contacts` (`contact_id`) VALUES (NEW.contact_id);
END;
