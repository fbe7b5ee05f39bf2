-- discord-bot 0007: the moderator roles of a guild, one row per role (the key-value
-- store kept them as an array inside each guild's settings object).
CREATE TABLE guild_mod_roles (
    guild_id BIGINT NOT NULL REFERENCES guild (guild_id) ON DELETE CASCADE,
    role_id  BIGINT NOT NULL,
    PRIMARY KEY (guild_id, role_id)
);
