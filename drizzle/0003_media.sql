CREATE TABLE `media_assets` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`format` text NOT NULL,
	`name` text NOT NULL,
	`bytes` integer NOT NULL,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	`frames` integer DEFAULT 1 NOT NULL,
	`duration_ms` integer,
	`has_alpha` integer DEFAULT false NOT NULL,
	`has_audio` integer DEFAULT false NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `media_assets_created_at_idx` ON `media_assets` (`created_at`);--> statement-breakpoint
CREATE TABLE `media_renditions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`asset_id` text NOT NULL,
	`target_key` text NOT NULL,
	`profile_id` text,
	`mime` text NOT NULL,
	`bytes` integer NOT NULL,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	`frames` integer DEFAULT 1 NOT NULL,
	`duration_ms` integer,
	`quality` integer,
	`budget_bytes` integer NOT NULL,
	`notes_json` text DEFAULT '[]' NOT NULL,
	`path` text NOT NULL,
	`poster_path` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`asset_id`) REFERENCES `media_assets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `media_renditions_asset_target_uq` ON `media_renditions` (`asset_id`,`target_key`);