-- stream-bot 0004 down (SQLite): the attempts table, then the triggers (SQLite refuses
-- to drop a column that a trigger names), then the counter column.
DROP TABLE giveaway_entry_attempts;
DROP TRIGGER giveaway_entries_count_move;
DROP TRIGGER giveaway_entries_count_delete;
DROP TRIGGER giveaway_entries_count_insert;
DROP TRIGGER giveaway_entries_check_capacity;
ALTER TABLE giveaways DROP COLUMN entry_count;
