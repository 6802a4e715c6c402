CREATE TABLE `hosted_objects` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`content_hash` text NOT NULL,
	`profile_id` text NOT NULL,
	`location` text NOT NULL,
	`object_key` text NOT NULL,
	`asset_id` text NOT NULL,
	`mime` text NOT NULL,
	`bytes` integer NOT NULL,
	`uploaded_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hosted_objects_content_uq` ON `hosted_objects` (`content_hash`,`profile_id`,`location`);--> statement-breakpoint
CREATE TABLE `media_hosting` (
	`id` integer PRIMARY KEY NOT NULL,
	`endpoint` text NOT NULL,
	`region` text NOT NULL,
	`bucket` text NOT NULL,
	`public_base_url` text,
	`presign_hours` real NOT NULL,
	`prefix` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sending_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`provider` text NOT NULL,
	`sender` text NOT NULL,
	`sender_kind` text NOT NULL,
	`channels_json` text NOT NULL,
	`messages_per_second` real NOT NULL,
	`daily_cap` integer,
	`base_url` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sending_accounts_name_uq` ON `sending_accounts` (lower("name"));