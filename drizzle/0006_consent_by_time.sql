DROP INDEX `consent_contact_idx`;--> statement-breakpoint
CREATE INDEX `consent_contact_time_idx` ON `consent_events` (`contact_id`,`occurred_at`,`id`);