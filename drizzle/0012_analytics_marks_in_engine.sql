-- The analytics buckets a message write touches are marked by the engine once per transaction
-- (src/main/engine/store.ts, MessageChanges) instead of by these per-row triggers, which made
-- every message insert and status change about three times slower.
DROP TRIGGER IF EXISTS `analytics_messages_inserted`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `analytics_messages_changed`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `analytics_messages_lost`;
