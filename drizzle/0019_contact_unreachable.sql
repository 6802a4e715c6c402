ALTER TABLE `contacts` ADD `unreachable_at` integer;--> statement-breakpoint
ALTER TABLE `contacts` ADD `unreachable_reason` text;--> statement-breakpoint
CREATE TRIGGER `contacts_new_phone_reachable` AFTER UPDATE OF `phone` ON `contacts`
WHEN NEW.`phone` IS NOT OLD.`phone` AND NEW.`unreachable_at` IS NOT NULL BEGIN
  UPDATE `contacts` SET `unreachable_at` = NULL, `unreachable_reason` = NULL WHERE `id` = NEW.`id`;
END;
