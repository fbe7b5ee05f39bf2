-- stream-bot 0001: baseline schema (SQLite).
-- Viewers seen in chat, stream sessions, giveaways with their entries, and custom chat
-- commands. Mapping from the PostgreSQL variant: the streaming_platform domain becomes
-- a CHECK on each column, identity -> INTEGER PRIMARY KEY, timestamptz -> TEXT in UTC,
-- boolean -> INTEGER 0/1, regex checks -> GLOB, stream_bot_set_updated_at() -> AFTER UPDATE trigger.

-- One row per viewer account the bot has seen on a platform.
CREATE TABLE platform_users (
    id               INTEGER PRIMARY KEY,
    platform         TEXT    NOT NULL CHECK (platform IN ('twitch', 'youtube', 'kick')),
    platform_user_id TEXT    NOT NULL,
    username         TEXT    NOT NULL,
    display_name     TEXT,
    is_moderator     INTEGER NOT NULL DEFAULT 0 CHECK (is_moderator IN (0, 1)),
    is_subscriber    INTEGER NOT NULL DEFAULT 0 CHECK (is_subscriber IN (0, 1)),
    is_vip           INTEGER NOT NULL DEFAULT 0 CHECK (is_vip IN (0, 1)),
    message_count    INTEGER NOT NULL DEFAULT 0 CHECK (message_count >= 0),
    first_seen_at    TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_seen_at     TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (last_seen_at >= first_seen_at)
);

CREATE INDEX platform_users_platform_platform_user_id_idx
    ON platform_users (platform, platform_user_id);
CREATE INDEX platform_users_platform_username_idx
    ON platform_users (platform, lower(username));

CREATE TABLE stream_sessions (
    id                 INTEGER PRIMARY KEY,
    platform           TEXT    NOT NULL CHECK (platform IN ('twitch', 'youtube', 'kick')),
    platform_stream_id TEXT,
    title              TEXT,
    category           TEXT,
    started_at         TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    ended_at           TEXT,
    peak_viewers       INTEGER NOT NULL DEFAULT 0,
    total_messages     INTEGER NOT NULL DEFAULT 0,
    created_at         TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (ended_at IS NULL OR ended_at >= started_at),
    CHECK (peak_viewers >= 0 AND total_messages >= 0)
);

-- At most one live session per platform.
CREATE UNIQUE INDEX stream_sessions_live_idx ON stream_sessions (platform) WHERE ended_at IS NULL;
CREATE INDEX stream_sessions_started_at_idx ON stream_sessions (started_at DESC);

CREATE TABLE giveaways (
    id               INTEGER PRIMARY KEY,
    session_id       INTEGER REFERENCES stream_sessions (id) ON DELETE SET NULL,
    platform         TEXT    NOT NULL CHECK (platform IN ('twitch', 'youtube', 'kick')),
    title            TEXT    NOT NULL,
    -- '!' and 1 to 32 of [a-z0-9_]
    keyword          TEXT    NOT NULL DEFAULT '!enter'
                     CHECK (keyword GLOB '!?*' AND length(keyword) <= 33
                            AND substr(keyword, 2) NOT GLOB '*[^a-z0-9_]*'),
    status           TEXT    NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'active', 'ended', 'cancelled')),
    max_entries      INTEGER CHECK (max_entries > 0),
    winner_count     INTEGER NOT NULL DEFAULT 1 CHECK (winner_count >= 1),
    subscribers_only INTEGER NOT NULL DEFAULT 0 CHECK (subscribers_only IN (0, 1)),
    created_by       TEXT,
    created_at       TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    started_at       TEXT,
    ends_at          TEXT,
    ended_at         TEXT,
    CHECK (status = 'pending' OR started_at IS NOT NULL),
    CHECK (ends_at > started_at)
);

CREATE INDEX giveaways_active_idx ON giveaways (platform) WHERE status = 'active';
CREATE INDEX giveaways_session_id_idx ON giveaways (session_id);

CREATE TABLE giveaway_entries (
    id          INTEGER PRIMARY KEY,
    giveaway_id INTEGER NOT NULL REFERENCES giveaways (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES platform_users (id) ON DELETE CASCADE,
    entered_at  TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    is_winner   INTEGER NOT NULL DEFAULT 0 CHECK (is_winner IN (0, 1)),
    won_at      TEXT,
    UNIQUE (giveaway_id, user_id),
    CHECK (is_winner = (won_at IS NOT NULL))
);

CREATE INDEX giveaway_entries_user_id_idx ON giveaway_entries (user_id);
CREATE INDEX giveaway_entries_winners_idx ON giveaway_entries (giveaway_id) WHERE is_winner = 1;

CREATE TABLE chat_commands (
    id               INTEGER PRIMARY KEY,
    name             TEXT    NOT NULL UNIQUE
                     CHECK (length(name) BETWEEN 1 AND 32 AND name NOT GLOB '*[^a-z0-9_]*'),
    response         TEXT    NOT NULL CHECK (length(response) BETWEEN 1 AND 500),
    cooldown_seconds INTEGER NOT NULL DEFAULT 5 CHECK (cooldown_seconds >= 0),
    user_level       TEXT    NOT NULL DEFAULT 'everyone'
                     CHECK (user_level IN ('everyone', 'subscriber', 'vip', 'moderator', 'broadcaster')),
    is_enabled       INTEGER NOT NULL DEFAULT 1 CHECK (is_enabled IN (0, 1)),
    usage_count      INTEGER NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
    last_used_at     TEXT,
    created_by       TEXT,
    created_at       TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at       TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TRIGGER chat_commands_set_updated_at
    AFTER UPDATE ON chat_commands
    FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE chat_commands SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;
