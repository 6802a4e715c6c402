ALTER TABLE `contacts` ADD `attributes_jsonb` blob;--> statement-breakpoint
UPDATE `contacts` SET `attributes_jsonb` = CASE WHEN json_valid(`attributes_json`) THEN jsonb(`attributes_json`) END;--> statement-breakpoint
CREATE TRIGGER `contacts_attributes_jsonb_inserted` AFTER INSERT ON `contacts` BEGIN
  UPDATE `contacts` SET `attributes_jsonb` = CASE WHEN json_valid(NEW.`attributes_json`) THEN jsonb(NEW.`attributes_json`) END WHERE `id` = NEW.`id`;
END;--> statement-breakpoint
CREATE TRIGGER `contacts_attributes_jsonb_changed` AFTER UPDATE OF `attributes_json` ON `contacts` BEGIN
  UPDATE `contacts` SET `attributes_jsonb` = CASE WHEN json_valid(NEW.`attributes_json`) THEN jsonb(NEW.`attributes_json`) END WHERE `id` = NEW.`id`;
END;
