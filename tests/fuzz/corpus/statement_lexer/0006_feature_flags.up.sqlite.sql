-- dashboard 0006: feature flags with per-guild/user/service overrides (SQLite).
CREATE TABLE feature_flags (
    id                 INTEGER PRIMARY KEY,
    flag_key           TEXT    NOT NULL UNIQUE
                       -- lowercase dotted words, e.g. 'discord_bot.permission_ranks'
                       CHECK (flag_key GLOB '[a-z]*' AND flag_key NOT GLOB '*[^a-z0-9_.]*'
                              AND flag_key NOT GLOB '*.' AND flag_key NOT GLOB '*..*'
                              AND flag_key NOT GLOB '*.[^a-z]*'),
    description        TEXT    NOT NULL DEFAULT '',
    is_enabled         INTEGER NOT NULL DEFAULT 0 CHECK (is_enabled IN (0, 1)),
    rollout_percentage INTEGER NOT NULL DEFAULT 100 CHECK (rollout_percentage BETWEEN 0 AND 100),
    created_by         TEXT,
    created_at         TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at         TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TRIGGER feature_flags_set_updated_at
    AFTER UPDATE ON feature_flags
    FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE feature_flags SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;

CREATE TABLE feature_flag_overrides (
    id         INTEGER PRIMARY KEY,
    flag_id    INTEGER NOT NULL REFERENCES feature_flags (id) ON DELETE CASCADE,
    scope_type TEXT    NOT NULL CHECK (scope_type IN ('guild', 'user', 'service')),
    scope_id   TEXT    NOT NULL,
    is_enabled INTEGER NOT NULL CHECK (is_enabled IN (0, 1)),
    reason     TEXT,
    expires_at TEXT,
    created_at TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (flag_id, scope_type, scope_id)
);

-- "Which overrides apply to this guild?"
CREATE INDEX feature_flag_overrides_scope_idx ON feature_flag_overrides (scope_type, scope_id);

INSERT INTO feature_flags (flag_key, description, created_by) VALUES
    ('discord_bot.permission_ranks', 'Use permission ranks instead of the legacy perm_level_N roles', 'migration 0006'),
    ('stream_bot.giveaway_attempt_log', 'Record every giveaway entry attempt, not only accepted entries', 'migration 0006');
