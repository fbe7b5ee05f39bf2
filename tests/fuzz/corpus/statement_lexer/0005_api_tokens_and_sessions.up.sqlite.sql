-- dashboard 0005: API tokens for scripts and browser sessions (SQLite).
-- Only SHA-256 digests of secrets are stored (BLOB of 32 bytes); token_prefix is the
-- first characters of the token, shown in the UI so a user can tell their tokens
-- apart. scopes is a JSON array; a session id is a random UUID v4 in text form,
-- which is what gen_random_uuid() gives on PostgreSQL.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    owner_user_id INTEGER NOT NULL,
    token_prefix  TEXT    NOT NULL CHECK (length(token_prefix) BETWEEN 4 AND 12),
    token_hash    BLOB    NOT NULL UNIQUE CHECK (typeof(token_hash) = 'blob' AND length(token_hash) = 32),
    scopes        TEXT    NOT NULL DEFAULT '["read"]'
                  CHECK (json_valid(scopes) AND json_type(scopes) = 'array'),
    created_at    TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_used_at  TEXT,
    expires_at    TEXT,
    revoked_at    TEXT,
    CHECK (expires_at IS NULL OR expires_at > created_at)
);

-- Every scope must be a known one.
CREATE TRIGGER api_tokens_check_scopes_insert
    BEFORE INSERT ON api_tokens
    FOR EACH ROW WHEN EXISTS (
        SELECT 1 FROM json_each(NEW.scopes)
        WHERE value NOT IN ('read', 'write', 'admin', 'migrations'))
BEGIN
    SELECT RAISE(ABORT, 'api_tokens.scopes holds an unknown scope');
END;

CREATE TRIGGER api_tokens_check_scopes_update
    BEFORE UPDATE OF scopes ON api_tokens
    FOR EACH ROW WHEN EXISTS (
        SELECT 1 FROM json_each(NEW.scopes)
        WHERE value NOT IN ('read', 'write', 'admin', 'migrations'))
BEGIN
    SELECT RAISE(ABORT, 'api_tokens.scopes holds an unknown scope');
END;

-- "My tokens" in the UI lists the live ones.
CREATE INDEX api_tokens_owner_user_id_idx ON api_tokens (owner_user_id)
    WHERE revoked_at IS NULL;

CREATE TABLE sessions (
    id           TEXT    NOT NULL PRIMARY KEY DEFAULT (lower(
                     hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' ||
                     substr(hex(randomblob(2)), 2) || '-' ||
                     substr('89ab', 1 + (abs(random()) % 4), 1) ||
                     substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))))
                 CHECK (length(id) = 36),
    user_id      INTEGER NOT NULL,
    token_hash   BLOB    NOT NULL UNIQUE CHECK (typeof(token_hash) = 'blob' AND length(token_hash) = 32),
    data         TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(data) AND json_type(data) = 'object'),
    ip_address   TEXT,
    user_agent   TEXT,
    created_at   TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_seen_at TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at   TEXT    NOT NULL,
    revoked_at   TEXT,
    CHECK (expires_at > created_at)
);

CREATE INDEX sessions_user_id_idx ON sessions (user_id);
-- The cleanup job deletes expired sessions.
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);
