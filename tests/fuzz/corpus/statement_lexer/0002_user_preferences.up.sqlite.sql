-- dashboard 0002: per-user dashboard preferences (SQLite).
-- user_id is the Discord id the dashboard user signed in with.
CREATE TABLE user_preferences (
    id                    INTEGER PRIMARY KEY,
    user_id               INTEGER NOT NULL UNIQUE,
    theme                 TEXT    NOT NULL DEFAULT 'system' CHECK (theme IN ('system', 'light', 'dark')),
    timezone              TEXT    NOT NULL DEFAULT 'UTC',
    locale                TEXT    NOT NULL DEFAULT 'en-US',
    notifications_enabled INTEGER NOT NULL DEFAULT 1 CHECK (notifications_enabled IN (0, 1)),
    email_digest          TEXT    NOT NULL DEFAULT 'off' CHECK (email_digest IN ('off', 'daily', 'weekly')),
    dashboard_layout      TEXT    NOT NULL DEFAULT '{}'
                          CHECK (json_valid(dashboard_layout) AND json_type(dashboard_layout) = 'object'),
    created_at            TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at            TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TRIGGER user_preferences_set_updated_at
    AFTER UPDATE ON user_preferences
    FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE user_preferences SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;
