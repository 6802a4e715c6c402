CREATE TABLE `simulated_engagement` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`message_id` integer NOT NULL,
	`kind` text NOT NULL,
	`due_at` integer NOT NULL,
	`value` real
);
--> statement-breakpoint
CREATE INDEX `simulated_engagement_due_idx` ON `simulated_engagement` (`due_at`);--> statement-breakpoint
CREATE TABLE `split_auto_winner` (
	`flow_id` text NOT NULL,
	`split_node_id` text NOT NULL,
	`status` text NOT NULL,
	`winner_variant_id` text,
	`note` text NOT NULL,
	`version` integer,
	`decided_at` integer NOT NULL,
	PRIMARY KEY(`flow_id`, `split_node_id`)
);
--> statement-breakpoint
ALTER TABLE `flow_versions` ADD `note` text;