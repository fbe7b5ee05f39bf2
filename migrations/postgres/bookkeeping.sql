-- migrate's own bookkeeping tables on PostgreSQL. Idempotent: run before every lock.
CREATE TABLE IF NOT EXISTS schema_migrations (
    service     TEXT        NOT NULL,
    version     BIGINT      NOT NULL,
    name        TEXT        NOT NULL,
    kind        TEXT        NOT NULL CHECK (kind IN ('sql', 'cpp')),
    checksum    TEXT        NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
    applied_at  TIMESTAMP   NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    duration_ms INTEGER     NOT NULL DEFAULT 0,
    applied_by  TEXT        NOT NULL,
    dirty       BOOLEAN     NOT NULL DEFAULT FALSE,
    PRIMARY KEY (service, version)
);
CREATE TABLE IF NOT EXISTS migration_lock (
    lock_id      INTEGER    PRIMARY KEY CHECK (lock_id = 1),
    holder       TEXT       NOT NULL,
    acquired_at  TIMESTAMP  NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    heartbeat_at TIMESTAMP  NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);
