CREATE TABLE `consent_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`contact_id` integer NOT NULL,
	`kind` text NOT NULL,
	`channel` text NOT NULL,
	`source` text NOT NULL,
	`keyword` text,
	`occurred_at` integer NOT NULL,
	`processed_at` integer,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `consent_contact_idx` ON `consent_events` (`contact_id`,`id`);--> statement-breakpoint
CREATE INDEX `consent_unprocessed_idx` ON `consent_events` (`occurred_at`) WHERE processed_at IS NULL;--> statement-breakpoint
CREATE TABLE `contacts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`phone` text NOT NULL,
	`time_zone` text,
	`time_zone_source` text,
	`attributes_json` text DEFAULT '{}' NOT NULL,
	`mms_capable` text DEFAULT 'unknown' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_phone_uq` ON `contacts` (`phone`);--> statement-breakpoint
CREATE TABLE `engine_state` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `enrollment_steps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`enrollment_id` integer NOT NULL,
	`at` integer NOT NULL,
	`path` text NOT NULL,
	`note` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `enrollment_steps_enrollment_idx` ON `enrollment_steps` (`enrollment_id`);--> statement-breakpoint
CREATE TABLE `enrollments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`flow_id` text NOT NULL,
	`flow_version_id` text NOT NULL,
	`contact_id` integer NOT NULL,
	`node_id` text NOT NULL,
	`state` text NOT NULL,
	`wake_at` integer,
	`step_seq` integer DEFAULT 0 NOT NULL,
	`await_message_id` integer,
	`entered_at` integer NOT NULL,
	`node_entered_at` integer NOT NULL,
	`exited_at` integer,
	`exit_reason` text,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `enrollments_wake_idx` ON `enrollments` (`wake_at`) WHERE wake_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `enrollments_contact_idx` ON `enrollments` (`contact_id`,`flow_id`);--> statement-breakpoint
CREATE INDEX `enrollments_node_idx` ON `enrollments` (`flow_id`,`node_id`,`state`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`contact_id` integer NOT NULL,
	`name` text NOT NULL,
	`properties_json` text DEFAULT '{}' NOT NULL,
	`occurred_at` integer NOT NULL,
	`processed_at` integer,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `events_contact_name_idx` ON `events` (`contact_id`,`name`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `events_unprocessed_idx` ON `events` (`occurred_at`) WHERE processed_at IS NULL;--> statement-breakpoint
CREATE TABLE `message_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`message_id` integer NOT NULL,
	`status` text NOT NULL,
	`provider_code` text,
	`detail` text,
	`occurred_at` integer NOT NULL,
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `message_events_message_idx` ON `message_events` (`message_id`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`idempotency_key` text NOT NULL,
	`enrollment_id` integer,
	`flow_id` text,
	`flow_version_id` text,
	`node_id` text,
	`contact_id` integer NOT NULL,
	`purpose` text DEFAULT 'marketing' NOT NULL,
	`channel` text NOT NULL,
	`body` text NOT NULL,
	`subject` text,
	`media_ref` text,
	`segments` integer DEFAULT 1 NOT NULL,
	`provider` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`error_class` text,
	`error_code` text,
	`provider_message_id` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`deferrals` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`created_at` integer NOT NULL,
	`accepted_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_idempotency_uq` ON `messages` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `messages_due_idx` ON `messages` (`next_attempt_at`) WHERE status IN ('queued', 'sending');--> statement-breakpoint
CREATE INDEX `messages_contact_accepted_idx` ON `messages` (`contact_id`,`accepted_at`);--> statement-breakpoint
CREATE INDEX `messages_enrollment_idx` ON `messages` (`enrollment_id`,`node_id`);--> statement-breakpoint
CREATE INDEX `messages_provider_id_idx` ON `messages` (`provider_message_id`);--> statement-breakpoint
CREATE TABLE `node_counters` (
	`flow_id` text NOT NULL,
	`node_id` text NOT NULL,
	`metric` text NOT NULL,
	`value` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`flow_id`, `node_id`, `metric`)
);
--> statement-breakpoint
CREATE TABLE `simulator_messages` (
	`idempotency_key` text PRIMARY KEY NOT NULL,
	`provider_message_id` text NOT NULL,
	`to_phone` text NOT NULL,
	`channel` text NOT NULL,
	`carrier` text NOT NULL,
	`accepted_at` integer NOT NULL,
	`send_calls` integer DEFAULT 1 NOT NULL,
	`outcome` text NOT NULL,
	`error_code` text,
	`receipt_at` integer NOT NULL,
	`reply_body` text,
	`reply_at` integer
);
--> statement-breakpoint
CREATE INDEX `simulator_receipt_idx` ON `simulator_messages` (`receipt_at`);--> statement-breakpoint
CREATE INDEX `simulator_reply_idx` ON `simulator_messages` (`reply_at`) WHERE reply_at IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `simulator_provider_id_uq` ON `simulator_messages` (`provider_message_id`);