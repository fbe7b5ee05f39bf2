-- discord-bot 0003: XP levels and the starboard (SQLite).

CREATE TABLE levels (
    guild_id     BIGINT  NOT NULL REFERENCES guild (guild_id) ON DELETE CASCADE,
    member_id    BIGINT  NOT NULL,
    xp           REAL    NOT NULL DEFAULT 0 CHECK (xp >= 0),
    level        INTEGER NOT NULL DEFAULT 0 CHECK (level >= 0),
    blacklisted  INTEGER NOT NULL DEFAULT 0 CHECK (blacklisted IN (0, 1)),
    last_message TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (guild_id, member_id)
);

-- The /leaderboard command: a guild's members by XP.
CREATE INDEX levels_leaderboard_idx ON levels (guild_id, xp DESC) WHERE blacklisted = 0;

-- At most one starboard per guild.
CREATE TABLE starboard (
    guild_id             INTEGER PRIMARY KEY REFERENCES guild (guild_id) ON DELETE CASCADE,
    starboard_channel_id BIGINT  NOT NULL,
    starboard_emoji      TEXT    NOT NULL DEFAULT '⭐' CHECK (length(starboard_emoji) BETWEEN 1 AND 64),
    starboard_threshold  INTEGER NOT NULL DEFAULT 5 CHECK (starboard_threshold >= 1)
);

-- A message that reached the threshold, and the bot's repost of it on the starboard.
CREATE TABLE starboard_message (
    message_id           INTEGER PRIMARY KEY,
    guild_id             BIGINT  NOT NULL REFERENCES guild (guild_id) ON DELETE CASCADE,
    message_channel_id   BIGINT  NOT NULL,
    message_user_id      BIGINT  NOT NULL,
    message_content      TEXT    NOT NULL DEFAULT '',
    message_created_at   TEXT    NOT NULL,
    message_expires_at   TEXT    NOT NULL,
    star_count           INTEGER NOT NULL DEFAULT 0 CHECK (star_count >= 0),
    starboard_message_id BIGINT  NOT NULL UNIQUE,
    CHECK (message_expires_at > message_created_at)
);

CREATE INDEX starboard_message_guild_id_star_count_idx ON starboard_message (guild_id, star_count DESC);
CREATE INDEX starboard_message_message_expires_at_idx ON starboard_message (message_expires_at);
