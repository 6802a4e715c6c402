ALTER TABLE `contacts` ADD `sms_consent` text;--> statement-breakpoint
ALTER TABLE `contacts` ADD `sms_consent_at` integer;--> statement-breakpoint
ALTER TABLE `contacts` ADD `sms_consent_event` integer;--> statement-breakpoint
ALTER TABLE `contacts` ADD `mms_consent` text;--> statement-breakpoint
ALTER TABLE `contacts` ADD `mms_consent_at` integer;--> statement-breakpoint
ALTER TABLE `contacts` ADD `mms_consent_event` integer;--> statement-breakpoint
UPDATE `contacts` SET (`sms_consent`, `sms_consent_at`, `sms_consent_event`) = (
  SELECT ce.`kind`, ce.`occurred_at`, ce.`id` FROM `consent_events` ce
  WHERE ce.`contact_id` = `contacts`.`id` AND ce.`kind` IN ('opt_in', 'opt_out') AND ce.`channel` IN ('sms', 'all')
  ORDER BY ce.`occurred_at` DESC, ce.`id` DESC LIMIT 1
);--> statement-breakpoint
UPDATE `contacts` SET (`mms_consent`, `mms_consent_at`, `mms_consent_event`) = (
  SELECT ce.`kind`, ce.`occurred_at`, ce.`id` FROM `consent_events` ce
  WHERE ce.`contact_id` = `contacts`.`id` AND ce.`kind` IN ('opt_in', 'opt_out') AND ce.`channel` IN ('sms', 'mms', 'all')
  ORDER BY ce.`occurred_at` DESC, ce.`id` DESC LIMIT 1
);--> statement-breakpoint
CREATE TRIGGER `consent_state_recorded` AFTER INSERT ON `consent_events` WHEN NEW.`kind` IN ('opt_in', 'opt_out') BEGIN
  UPDATE `contacts` SET `sms_consent` = NEW.`kind`, `sms_consent_at` = NEW.`occurred_at`, `sms_consent_event` = NEW.`id`
    WHERE `id` = NEW.`contact_id` AND NEW.`channel` IN ('sms', 'all')
      AND (`sms_consent_at` IS NULL OR `sms_consent_at` < NEW.`occurred_at` OR (`sms_consent_at` = NEW.`occurred_at` AND `sms_consent_event` < NEW.`id`));
  UPDATE `contacts` SET `mms_consent` = NEW.`kind`, `mms_consent_at` = NEW.`occurred_at`, `mms_consent_event` = NEW.`id`
    WHERE `id` = NEW.`contact_id` AND NEW.`channel` IN ('sms', 'mms', 'all')
      AND (`mms_consent_at` IS NULL OR `mms_consent_at` < NEW.`occurred_at` OR (`mms_consent_at` = NEW.`occurred_at` AND `mms_consent_event` < NEW.`id`));
END;--> statement-breakpoint
CREATE TRIGGER `consent_state_reattached` AFTER UPDATE OF `contact_id` ON `consent_events`
WHEN NEW.`kind` IN ('opt_in', 'opt_out') AND NEW.`contact_id` IS NOT OLD.`contact_id` BEGIN
  UPDATE `contacts` SET `sms_consent` = NEW.`kind`, `sms_consent_at` = NEW.`occurred_at`, `sms_consent_event` = NEW.`id`
    WHERE `id` = NEW.`contact_id` AND NEW.`channel` IN ('sms', 'all')
      AND (`sms_consent_at` IS NULL OR `sms_consent_at` < NEW.`occurred_at` OR (`sms_consent_at` = NEW.`occurred_at` AND `sms_consent_event` < NEW.`id`));
  UPDATE `contacts` SET `mms_consent` = NEW.`kind`, `mms_consent_at` = NEW.`occurred_at`, `mms_consent_event` = NEW.`id`
    WHERE `id` = NEW.`contact_id` AND NEW.`channel` IN ('sms', 'mms', 'all')
      AND (`mms_consent_at` IS NULL OR `mms_consent_at` < NEW.`occurred_at` OR (`mms_consent_at` = NEW.`occurred_at` AND `mms_consent_event` < NEW.`id`));
END;--> statement-breakpoint
CREATE TRIGGER `consent_events_append_only` BEFORE UPDATE OF `kind`, `channel`, `category`, `occurred_at` ON `consent_events`
WHEN NEW.`kind` IS NOT OLD.`kind` OR NEW.`channel` IS NOT OLD.`channel` OR NEW.`category` IS NOT OLD.`category` OR NEW.`occurred_at` IS NOT OLD.`occurred_at`
BEGIN
  SELECT RAISE(ABORT, 'the consent ledger is append-only: a record''s kind, channel, category and time never change');
END;
