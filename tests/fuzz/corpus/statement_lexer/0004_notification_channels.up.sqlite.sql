-- dashboard 0004: where alerts go (SQLite).
-- A channel is one destination (a Discord webhook, an ntfy topic, ...); a subscription
-- routes one event type, for one service or '*' for all, to a channel.
CREATE TABLE notification_channels (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL UNIQUE,
    channel_type    TEXT    NOT NULL
                    CHECK (channel_type IN ('discord_webhook', 'ntfy', 'gotify', 'email', 'slack_webhook')),
    config          TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(config) AND json_type(config) = 'object'),
    is_enabled      INTEGER NOT NULL DEFAULT 1 CHECK (is_enabled IN (0, 1)),
    failure_count   INTEGER NOT NULL DEFAULT 0 CHECK (failure_count >= 0),
    last_success_at TEXT,
    last_failure_at TEXT,
    last_error      TEXT,
    created_at      TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at      TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TRIGGER notification_channels_set_updated_at
    AFTER UPDATE ON notification_channels
    FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE notification_channels SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;

CREATE TABLE notification_subscriptions (
    id           INTEGER PRIMARY KEY,
    channel_id   INTEGER NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
    -- 'area.event', e.g. 'health.unhealthy' (the PostgreSQL variant says it with a regex)
    event_type   TEXT    NOT NULL CHECK (event_type GLOB '[a-z_]*.*[a-z_]'
                                         AND event_type NOT GLOB '*.*.*'
                                         AND event_type NOT GLOB '*[^a-z_.]*'),
    service_name TEXT    NOT NULL DEFAULT '*',
    min_severity TEXT    NOT NULL DEFAULT 'warning' CHECK (min_severity IN ('info', 'warning', 'critical')),
    created_at   TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (channel_id, event_type, service_name)
);

-- Dispatch looks up who wants an event.
CREATE INDEX notification_subscriptions_event_type_idx
    ON notification_subscriptions (event_type, service_name);
