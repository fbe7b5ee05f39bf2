-- stream-bot 0004 down (PostgreSQL): the attempts table, the triggers and their
-- functions, then the counter column (its CHECK goes with it).
DROP TABLE giveaway_entry_attempts;
DROP TRIGGER giveaway_entries_maintain_count_on_move ON giveaway_entries;
DROP TRIGGER giveaway_entries_maintain_count ON giveaway_entries;
DROP TRIGGER giveaway_entries_check_capacity ON giveaway_entries;
DROP FUNCTION giveaway_entries_maintain_count();
DROP FUNCTION giveaway_entries_check_capacity();
ALTER TABLE giveaways DROP COLUMN entry_count;
