CREATE TABLE `scheduled_enrollments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`flow_id` text NOT NULL,
	`contact_id` integer NOT NULL,
	`due_at` integer NOT NULL,
	`local_time` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `scheduled_enrollments_due_idx` ON `scheduled_enrollments` (`due_at`);--> statement-breakpoint
CREATE INDEX `scheduled_enrollments_flow_idx` ON `scheduled_enrollments` (`flow_id`);--> statement-breakpoint
CREATE TABLE `workspace_settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value_json` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `clicks_contact_time_idx` ON `clicks` (`contact_id`,`occurred_at`) WHERE is_bot = 0;