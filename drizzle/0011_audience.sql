CREATE TABLE `contact_attributes` (
	`name` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `date_trigger_occurrences` (
	`flow_version_id` text NOT NULL,
	`contact_id` integer NOT NULL,
	`due_at` integer NOT NULL,
	`occurs_on` text NOT NULL,
	PRIMARY KEY(`flow_version_id`, `contact_id`),
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `date_trigger_due_idx` ON `date_trigger_occurrences` (`due_at`);--> statement-breakpoint
CREATE INDEX `date_trigger_contact_idx` ON `date_trigger_occurrences` (`contact_id`);--> statement-breakpoint
CREATE TABLE `flow_version_segments` (
	`flow_version_id` text NOT NULL,
	`segment_version_id` text NOT NULL,
	PRIMARY KEY(`flow_version_id`, `segment_version_id`),
	FOREIGN KEY (`segment_version_id`) REFERENCES `segment_versions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `flow_version_segments_segment_idx` ON `flow_version_segments` (`segment_version_id`);--> statement-breakpoint
CREATE TABLE `segment_members` (
	`segment_version_id` text NOT NULL,
	`contact_id` integer NOT NULL,
	`is_member` integer NOT NULL,
	`entered_at` integer,
	`recheck_at` integer,
	PRIMARY KEY(`segment_version_id`, `contact_id`),
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `segment_members_recheck_idx` ON `segment_members` (`recheck_at`) WHERE recheck_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `segment_members_contact_idx` ON `segment_members` (`contact_id`);--> statement-breakpoint
CREATE TABLE `segment_versions` (
	`id` text PRIMARY KEY NOT NULL,
	`segment_id` text NOT NULL,
	`version` integer NOT NULL,
	`definition_json` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`segment_id`) REFERENCES `segments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `segment_versions_segment_version_uq` ON `segment_versions` (`segment_id`,`version`);--> statement-breakpoint
CREATE TABLE `segments` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`draft_json` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `segments_name_uq` ON `segments` (`name`);--> statement-breakpoint
CREATE TABLE `subscription_categories` (
	`id` text PRIMARY KEY NOT NULL,
	`label` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`is_default_subscribed` integer DEFAULT false NOT NULL,
	`archived_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `consent_events` ADD `category` text;--> statement-breakpoint
ALTER TABLE `consent_events` ADD `detail` text;--> statement-breakpoint
ALTER TABLE `contacts` ADD `paused_until` integer;--> statement-breakpoint
CREATE INDEX `contacts_updated_idx` ON `contacts` (`updated_at`);--> statement-breakpoint
CREATE INDEX `events_name_time_idx` ON `events` (`name`,`occurred_at`,`contact_id`);--> statement-breakpoint
INSERT INTO `subscription_categories` (`id`, `label`, `description`, `is_default_subscribed`, `created_at`) VALUES
  ('promotions', 'Promotions', 'Offers, sales and new products', 1, 0),
  ('order_updates', 'Order updates', 'Confirmations, shipping and delivery', 1, 0),
  ('back_in_stock', 'Back in stock', 'Items the contact asked about are available again', 1, 0);--> statement-breakpoint
INSERT OR IGNORE INTO `contact_attributes` (`name`, `type`, `created_at`)
  SELECT DISTINCT j.key, 'text', 0 FROM `contacts` c, json_each(c.attributes_json) j;
