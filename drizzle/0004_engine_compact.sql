ALTER TABLE `enrollments` ADD `trail` text DEFAULT '' NOT NULL;--> statement-breakpoint
UPDATE `enrollments` SET `trail` = coalesce((SELECT group_concat(char(10) || s.at || char(9) || s.path || char(9) || replace(replace(s.note, char(9), ' '), char(10), ' '), '' ORDER BY s.id) FROM `enrollment_steps` s WHERE s.enrollment_id = `enrollments`.`id`), '');--> statement-breakpoint
DROP TABLE `enrollment_steps`;--> statement-breakpoint
DROP INDEX `enrollments_node_idx`;--> statement-breakpoint
CREATE INDEX `enrollments_active_node_idx` ON `enrollments` (`flow_id`,`node_id`,`state`) WHERE state != 'exited';--> statement-breakpoint
DROP INDEX `messages_provider_id_idx`;--> statement-breakpoint
ALTER TABLE `messages` ADD `finished_at` integer;--> statement-breakpoint
UPDATE `messages` SET `finished_at` = `updated_at` WHERE `status` IN ('delivered', 'undelivered', 'failed', 'cancelled', 'skipped');--> statement-breakpoint
DELETE FROM `message_events` WHERE `status` IN ('queued', 'delivered', 'undelivered', 'failed', 'cancelled', 'skipped') OR (`status` = 'sent' AND `detail` IS NULL);--> statement-breakpoint
CREATE INDEX `messages_provider_id_part_idx` ON `messages` (`provider_message_id`) WHERE provider_message_id IS NOT NULL;
