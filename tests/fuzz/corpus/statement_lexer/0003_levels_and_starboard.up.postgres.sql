-- discord-bot 0003: XP levels and the starboard (PostgreSQL).

CREATE TABLE levels (
    guild_id     bigint           NOT NULL REFERENCES guild (guild_id) ON DELETE CASCADE,
    member_id    bigint           NOT NULL,
    xp           double precision NOT NULL DEFAULT 0,
    level        integer          NOT NULL DEFAULT 0,
    blacklisted  boolean          NOT NULL DEFAULT false,
    last_message timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, member_id),
    CONSTRAINT levels_xp_check CHECK (xp >= 0),
    CONSTRAINT levels_level_check CHECK (level >= 0)
);

-- The /leaderboard command: a guild's members by XP.
CREATE INDEX levels_leaderboard_idx ON levels (guild_id, xp DESC) WHERE NOT blacklisted;

-- At most one starboard per guild.
CREATE TABLE starboard (
    guild_id             bigint  PRIMARY KEY REFERENCES guild (guild_id) ON DELETE CASCADE,
    starboard_channel_id bigint  NOT NULL,
    starboard_emoji      text    NOT NULL DEFAULT '⭐',
    starboard_threshold  integer NOT NULL DEFAULT 5,
    CONSTRAINT starboard_starboard_emoji_check CHECK (length(starboard_emoji) BETWEEN 1 AND 64),
    CONSTRAINT starboard_starboard_threshold_check CHECK (starboard_threshold >= 1)
);

-- A message that reached the threshold, and the bot's repost of it on the starboard.
CREATE TABLE starboard_message (
    message_id           bigint      PRIMARY KEY,
    guild_id             bigint      NOT NULL REFERENCES guild (guild_id) ON DELETE CASCADE,
    message_channel_id   bigint      NOT NULL,
    message_user_id      bigint      NOT NULL,
    message_content      text        NOT NULL DEFAULT '',
    message_created_at   timestamptz NOT NULL,
    message_expires_at   timestamptz NOT NULL,
    star_count           integer     NOT NULL DEFAULT 0,
    starboard_message_id bigint      NOT NULL,
    CONSTRAINT starboard_message_starboard_message_id_key UNIQUE (starboard_message_id),
    CONSTRAINT starboard_message_star_count_check CHECK (star_count >= 0),
    CONSTRAINT starboard_message_expires_check CHECK (message_expires_at > message_created_at)
);

CREATE INDEX starboard_message_guild_id_star_count_idx ON starboard_message (guild_id, star_count DESC);
CREATE INDEX starboard_message_message_expires_at_idx ON starboard_message (message_expires_at);
