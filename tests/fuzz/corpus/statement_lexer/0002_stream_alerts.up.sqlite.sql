-- stream-bot 0002: on-stream alerts (SQLite).
-- stream_alerts configures how each kind of event is shown per platform; alert_events
-- records the events that came in, for the overlay's replay and the stream recap.
CREATE TABLE stream_alerts (
    id               INTEGER PRIMARY KEY,
    platform         TEXT    NOT NULL CHECK (platform IN ('twitch', 'youtube', 'kick')),
    alert_type       TEXT    NOT NULL
                     CHECK (alert_type IN ('follow', 'subscription', 'gift_subscription', 'raid', 'cheer', 'donation')),
    is_enabled       INTEGER NOT NULL DEFAULT 1 CHECK (is_enabled IN (0, 1)),
    message_template TEXT    NOT NULL CHECK (length(message_template) BETWEEN 1 AND 500),
    min_amount       INTEGER NOT NULL DEFAULT 0 CHECK (min_amount >= 0),
    sound_url        TEXT,
    duration_ms      INTEGER NOT NULL DEFAULT 5000 CHECK (duration_ms BETWEEN 1000 AND 60000),
    created_at       TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at       TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (platform, alert_type)
);

CREATE TRIGGER stream_alerts_set_updated_at
    AFTER UPDATE ON stream_alerts
    FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE stream_alerts SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;

CREATE TABLE alert_events (
    id            INTEGER PRIMARY KEY,
    alert_id      INTEGER REFERENCES stream_alerts (id) ON DELETE SET NULL,
    session_id    INTEGER REFERENCES stream_sessions (id) ON DELETE SET NULL,
    platform      TEXT    NOT NULL CHECK (platform IN ('twitch', 'youtube', 'kick')),
    alert_type    TEXT    NOT NULL,
    from_username TEXT,
    -- bits, raid viewers, gifted subs, months, or cents for donations
    amount        INTEGER CHECK (amount >= 0),
    payload       TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(payload) AND json_type(payload) = 'object'),
    was_shown     INTEGER NOT NULL DEFAULT 0 CHECK (was_shown IN (0, 1)),
    occurred_at   TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX alert_events_session_id_occurred_at_idx ON alert_events (session_id, occurred_at);
CREATE INDEX alert_events_alert_id_idx ON alert_events (alert_id);
-- The overlay polls for events it has not shown yet.
CREATE INDEX alert_events_pending_idx ON alert_events (occurred_at) WHERE was_shown = 0;
