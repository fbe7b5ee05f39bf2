-- stream-bot 0001 down (PostgreSQL): dependents first, then the function and domain
-- the tables used.
DROP TABLE chat_commands;
DROP TABLE giveaway_entries;
DROP TABLE giveaways;
DROP TABLE stream_sessions;
DROP TABLE platform_users;

DROP FUNCTION stream_bot_set_updated_at();
DROP DOMAIN streaming_platform;
