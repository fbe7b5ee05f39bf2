-- discord-bot 0002: snippets, reminders and AFK status (SQLite).

-- A snippet is a named text a member can post with one command; an alias snippet has
-- no content of its own and names the snippet it stands for.
CREATE TABLE snippet (
    snippet_id         INTEGER PRIMARY KEY,
    guild_id           BIGINT  NOT NULL REFERENCES guild (guild_id) ON DELETE CASCADE,
    -- 1 to 30 of [A-Za-z0-9_-]
    snippet_name       TEXT    NOT NULL
                       CHECK (length(snippet_name) BETWEEN 1 AND 30
                              AND snippet_name NOT GLOB '*[^A-Za-z0-9_-]*'),
    snippet_content    TEXT    CHECK (length(snippet_content) <= 4000),
    alias              TEXT,
    snippet_user_id    BIGINT  NOT NULL,
    snippet_created_at TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    uses               INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0),
    locked             INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),
    CHECK ((snippet_content IS NULL) <> (alias IS NULL))
);

-- Names are unique per guild regardless of case ("Rules" and "rules" are one snippet).
CREATE UNIQUE INDEX snippet_guild_id_name_key ON snippet (guild_id, lower(snippet_name));
CREATE INDEX snippet_guild_id_snippet_user_id_idx ON snippet (guild_id, snippet_user_id);

CREATE TABLE reminder (
    reminder_id         INTEGER PRIMARY KEY,
    guild_id            BIGINT  NOT NULL REFERENCES guild (guild_id) ON DELETE CASCADE,
    reminder_user_id    BIGINT  NOT NULL,
    reminder_channel_id BIGINT  NOT NULL,
    reminder_content    TEXT    NOT NULL CHECK (length(reminder_content) BETWEEN 1 AND 2000),
    reminder_created_at TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    reminder_expires_at TEXT    NOT NULL,
    reminder_sent       INTEGER NOT NULL DEFAULT 0 CHECK (reminder_sent IN (0, 1)),
    CHECK (reminder_expires_at > reminder_created_at)
);

-- The reminder task only looks at reminders not yet sent.
CREATE INDEX reminder_due_idx ON reminder (reminder_expires_at) WHERE reminder_sent = 0;
CREATE INDEX reminder_guild_id_reminder_user_id_idx ON reminder (guild_id, reminder_user_id);

CREATE TABLE afk (
    guild_id  BIGINT  NOT NULL REFERENCES guild (guild_id) ON DELETE CASCADE,
    member_id BIGINT  NOT NULL,
    nickname  TEXT    NOT NULL,
    reason    TEXT    NOT NULL,
    since     TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    until     TEXT,
    enforced  INTEGER NOT NULL DEFAULT 0 CHECK (enforced IN (0, 1)),
    perm_afk  INTEGER NOT NULL DEFAULT 0 CHECK (perm_afk IN (0, 1)),
    PRIMARY KEY (guild_id, member_id),
    CHECK (until > since)
);

-- The AFK task clears timed AFKs that have run out.
CREATE INDEX afk_until_idx ON afk (until) WHERE until IS NOT NULL;
