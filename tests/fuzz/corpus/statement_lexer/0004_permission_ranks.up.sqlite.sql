-- discord-bot 0004: permission ranks (SQLite).
-- Replaces the fixed eight guild_config.perm_level_N_role_id columns with per-guild
-- ranks: a rank is a number (higher = more power) with a name; roles are assigned to
-- ranks; a command can require a minimum rank. The legacy columns stay until a later
-- revision has copied them over.

CREATE TABLE permission_ranks (
    id          INTEGER PRIMARY KEY,
    guild_id    BIGINT  NOT NULL REFERENCES guild (guild_id) ON DELETE CASCADE,
    rank        INTEGER NOT NULL CHECK (rank >= 0),
    name        TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description TEXT,
    created_at  TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (guild_id, rank)
);

-- A role belongs to at most one rank in its guild.
CREATE TABLE permission_assignments (
    id                 INTEGER PRIMARY KEY,
    guild_id           BIGINT  NOT NULL REFERENCES guild (guild_id) ON DELETE CASCADE,
    permission_rank_id INTEGER NOT NULL REFERENCES permission_ranks (id) ON DELETE CASCADE,
    role_id            BIGINT  NOT NULL,
    created_at         TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (guild_id, role_id)
);

CREATE INDEX permission_assignments_permission_rank_id_idx
    ON permission_assignments (permission_rank_id);

-- The minimum rank a command needs in a guild; commands without a row use their default.
CREATE TABLE permission_commands (
    id            INTEGER PRIMARY KEY,
    guild_id      BIGINT  NOT NULL REFERENCES guild (guild_id) ON DELETE CASCADE,
    -- lowercase words of [a-z0-9_-] separated by single spaces ("ban", "snippet add")
    command_name  TEXT    NOT NULL
                  CHECK (command_name NOT GLOB '*[^a-z0-9_ -]*' AND command_name NOT GLOB ' *'
                         AND command_name NOT GLOB '* ' AND command_name NOT GLOB '*  *'
                         AND command_name <> ''),
    required_rank INTEGER NOT NULL CHECK (required_rank >= 0),
    created_at    TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (guild_id, command_name)
);
