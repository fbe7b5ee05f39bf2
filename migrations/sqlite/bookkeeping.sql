-- migrate's own bookkeeping tables on SQLite. Idempotent: run before every lock.
CREATE TABLE IF NOT EXISTS schema_migrations (
    service     TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('sql', 'cpp')),
    checksum    TEXT    NOT NULL CHECK (length(checksum) = 64),
    applied_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    duration_ms INTEGER NOT NULL DEFAULT 0,
    applied_by  TEXT    NOT NULL,
    dirty       BOOLEAN NOT NULL DEFAULT 0,
    PRIMARY KEY (service, version)
);
CREATE TABLE IF NOT EXISTS migration_lock (
    lock_id      INTEGER PRIMARY KEY CHECK (lock_id = 1),
    holder       TEXT    NOT NULL,
    acquired_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    heartbeat_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
