PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_consent_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`contact_id` integer NOT NULL,
	`phone` text,
	`kind` text NOT NULL,
	`channel` text NOT NULL,
	`source` text NOT NULL,
	`keyword` text,
	`category` text,
	`detail` text,
	`occurred_at` integer NOT NULL,
	`processed_at` integer
);
--> statement-breakpoint
INSERT INTO `__new_consent_events`("id", "contact_id", "phone", "kind", "channel", "source", "keyword", "category", "detail", "occurred_at", "processed_at") SELECT "id", "contact_id", NULL, "kind", "channel", "source", "keyword", "category", "detail", "occurred_at", "processed_at" FROM `consent_events`;--> statement-breakpoint
DROP TABLE `consent_events`;--> statement-breakpoint
ALTER TABLE `__new_consent_events` RENAME TO `consent_events`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `consent_contact_time_idx` ON `consent_events` (`contact_id`,`occurred_at`,`id`);--> statement-breakpoint
CREATE INDEX `consent_unprocessed_idx` ON `consent_events` (`occurred_at`) WHERE processed_at IS NULL;--> statement-breakpoint
CREATE INDEX `consent_detached_phone_idx` ON `consent_events` (`phone`) WHERE phone IS NOT NULL;--> statement-breakpoint
CREATE TRIGGER `contacts_keep_ledger` BEFORE DELETE ON `contacts` BEGIN
  UPDATE `consent_events` SET `phone` = OLD.`phone`, `processed_at` = coalesce(`processed_at`, `occurred_at`) WHERE `contact_id` = OLD.`id`;
END;--> statement-breakpoint
CREATE TRIGGER `contacts_reattach_ledger` AFTER INSERT ON `contacts` BEGIN
  UPDATE `consent_events` SET `contact_id` = NEW.`id`, `phone` = NULL WHERE `phone` = NEW.`phone`;
END;