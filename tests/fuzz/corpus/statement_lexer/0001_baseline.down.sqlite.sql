-- stream-bot 0001 down (SQLite): dependents first; indexes and triggers go with their
-- tables.
DROP TABLE chat_commands;
DROP TABLE giveaway_entries;
DROP TABLE giveaways;
DROP TABLE stream_sessions;
DROP TABLE platform_users;
