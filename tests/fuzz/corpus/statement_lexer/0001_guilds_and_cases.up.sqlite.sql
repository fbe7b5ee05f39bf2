-- discord-bot 0001: guilds, their configuration, and moderation cases (SQLite).
-- Discord ids (snowflakes) are BIGINT (INTEGER affinity, 64 bits), except where the id
-- is the rowid (INTEGER PRIMARY KEY). guild_config keeps the legacy permission columns
-- perm_level_0_role_id .. perm_level_7_role_id: the role that grants each permission
-- level (0 = lowest); a later revision moves them to permission ranks.
-- Mapping from the PostgreSQL variant: the moderation_case_type enum becomes a CHECK,
-- bigint[] -> JSON array in TEXT, identity -> INTEGER PRIMARY KEY, timestamptz -> TEXT
-- in UTC, boolean -> INTEGER 0/1, the prefix regex -> instr() tests.

CREATE TABLE guild (
    guild_id        INTEGER PRIMARY KEY,
    guild_joined_at TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    case_count      INTEGER NOT NULL DEFAULT 0 CHECK (case_count >= 0)
);

CREATE TABLE guild_config (
    guild_id             INTEGER PRIMARY KEY REFERENCES guild (guild_id) ON DELETE CASCADE,
    prefix               TEXT    NOT NULL DEFAULT '$'
                         CHECK (length(prefix) BETWEEN 1 AND 10 AND instr(prefix, ' ') = 0
                                AND instr(prefix, char(9)) = 0 AND instr(prefix, char(10)) = 0
                                AND instr(prefix, char(13)) = 0),
    -- log channels
    mod_log_id           BIGINT,
    audit_log_id         BIGINT,
    join_log_id          BIGINT,
    private_log_id       BIGINT,
    report_log_id        BIGINT,
    dev_log_id           BIGINT,
    -- special channels
    jail_channel_id      BIGINT,
    general_channel_id   BIGINT,
    -- special roles
    base_staff_role_id   BIGINT,
    base_member_role_id  BIGINT,
    jail_role_id         BIGINT,
    quarantine_role_id   BIGINT,
    -- legacy permission levels
    perm_level_0_role_id BIGINT,
    perm_level_1_role_id BIGINT,
    perm_level_2_role_id BIGINT,
    perm_level_3_role_id BIGINT,
    perm_level_4_role_id BIGINT,
    perm_level_5_role_id BIGINT,
    perm_level_6_role_id BIGINT,
    perm_level_7_role_id BIGINT
);

CREATE TABLE cases (
    case_id              INTEGER PRIMARY KEY,
    guild_id             BIGINT  NOT NULL REFERENCES guild (guild_id) ON DELETE CASCADE,
    -- per-guild running number shown to moderators (#1, #2, ...), from guild.case_count
    case_number          INTEGER NOT NULL CHECK (case_number > 0),
    case_type            TEXT    NOT NULL CHECK (case_type IN (
                             'BAN', 'UNBAN', 'HACKBAN', 'TEMPBAN', 'UNTEMPBAN', 'KICK', 'TIMEOUT', 'UNTIMEOUT',
                             'WARN', 'JAIL', 'UNJAIL', 'SNIPPETBAN', 'SNIPPETUNBAN', 'POLLBAN', 'POLLUNBAN')),
    case_status          INTEGER NOT NULL DEFAULT 1 CHECK (case_status IN (0, 1)),
    case_reason          TEXT    NOT NULL,
    case_moderator_id    BIGINT  NOT NULL,
    case_user_id         BIGINT  NOT NULL,
    case_user_roles      TEXT    NOT NULL DEFAULT '[]'
                         CHECK (json_valid(case_user_roles) AND json_type(case_user_roles) = 'array'),
    case_created_at      TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    case_expires_at      TEXT,
    case_tempban_expired INTEGER NOT NULL DEFAULT 0 CHECK (case_tempban_expired IN (0, 1)),
    UNIQUE (guild_id, case_number),
    CHECK (case_expires_at > case_created_at)
);

CREATE INDEX cases_guild_id_case_user_id_idx ON cases (guild_id, case_user_id);
CREATE INDEX cases_guild_id_case_moderator_id_idx ON cases (guild_id, case_moderator_id);
-- The unban task looks for tempbans that have run out.
CREATE INDEX cases_tempban_due_idx ON cases (case_expires_at)
    WHERE case_type = 'TEMPBAN' AND case_tempban_expired = 0;
