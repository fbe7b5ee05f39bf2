-- stream-bot 0004: giveaway entries under concurrency (SQLite).
-- Two chat handlers entering viewers at once could overfill a giveaway with
-- max_entries, and a replayed chat message could be processed twice. Now:
--  * giveaways.entry_count is kept by triggers on giveaway_entries (the application
--    reads it, never writes it);
--  * an insert into a full giveaway aborts with 'giveaway is full'. SQLite runs one
--    writer at a time, so the check and the count update inside the insert statement
--    cannot interleave with another entry (no row lock is needed, unlike PostgreSQL);
--  * giveaway_entry_attempts records every attempt with its outcome; its unique
--    (giveaway_id, platform_message_id) lets a handler claim a chat message with
--    INSERT ... ON CONFLICT DO NOTHING before it touches the entries.

ALTER TABLE giveaways ADD COLUMN entry_count INTEGER NOT NULL DEFAULT 0 CHECK (entry_count >= 0);

UPDATE giveaways
SET entry_count = (SELECT count(*) FROM giveaway_entries e WHERE e.giveaway_id = giveaways.id);

CREATE TRIGGER giveaway_entries_check_capacity
    BEFORE INSERT ON giveaway_entries
    FOR EACH ROW
    WHEN (SELECT max_entries IS NOT NULL AND entry_count >= max_entries
          FROM giveaways WHERE id = NEW.giveaway_id)
BEGIN
    SELECT RAISE(ABORT, 'giveaway is full');
END;

-- AFTER, not BEFORE: a row that INSERT OR IGNORE / ON CONFLICT DO NOTHING skips is not counted.
CREATE TRIGGER giveaway_entries_count_insert
    AFTER INSERT ON giveaway_entries
    FOR EACH ROW
BEGIN
    UPDATE giveaways SET entry_count = entry_count + 1 WHERE id = NEW.giveaway_id;
END;

CREATE TRIGGER giveaway_entries_count_delete
    AFTER DELETE ON giveaway_entries
    FOR EACH ROW
BEGIN
    UPDATE giveaways SET entry_count = entry_count - 1 WHERE id = OLD.giveaway_id;
END;

CREATE TRIGGER giveaway_entries_count_move
    AFTER UPDATE OF giveaway_id ON giveaway_entries
    FOR EACH ROW WHEN OLD.giveaway_id IS NOT NEW.giveaway_id
BEGIN
    UPDATE giveaways SET entry_count = entry_count - 1 WHERE id = OLD.giveaway_id;
    UPDATE giveaways SET entry_count = entry_count + 1 WHERE id = NEW.giveaway_id;
END;

CREATE TABLE giveaway_entry_attempts (
    id                  INTEGER PRIMARY KEY,
    giveaway_id         INTEGER NOT NULL REFERENCES giveaways (id) ON DELETE CASCADE,
    user_id             INTEGER NOT NULL REFERENCES platform_users (id) ON DELETE CASCADE,
    platform_message_id TEXT,
    outcome             TEXT    NOT NULL DEFAULT 'pending'
                        CHECK (outcome IN ('pending', 'accepted', 'duplicate', 'closed', 'full', 'not_eligible', 'rate_limited')),
    entry_id            INTEGER REFERENCES giveaway_entries (id) ON DELETE SET NULL,
    attempted_at        TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    decided_at          TEXT,
    CHECK (entry_id IS NULL OR outcome = 'accepted'),
    CHECK ((outcome = 'pending') = (decided_at IS NULL))
);

-- One attempt per chat message: the claim that makes a replayed message harmless.
CREATE UNIQUE INDEX giveaway_entry_attempts_message_key
    ON giveaway_entry_attempts (giveaway_id, platform_message_id)
    WHERE platform_message_id IS NOT NULL;
-- Rate limiting looks at a viewer's recent attempts on a giveaway.
CREATE INDEX giveaway_entry_attempts_user_idx
    ON giveaway_entry_attempts (giveaway_id, user_id, attempted_at);
CREATE INDEX giveaway_entry_attempts_user_id_idx ON giveaway_entry_attempts (user_id);
CREATE INDEX giveaway_entry_attempts_entry_id_idx ON giveaway_entry_attempts (entry_id)
    WHERE entry_id IS NOT NULL;
