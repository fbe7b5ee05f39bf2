-- dashboard 0001: baseline schema (SQLite).
-- Same tables as the PostgreSQL variant. Mapping: identity -> INTEGER PRIMARY KEY (no
-- AUTOINCREMENT: its sqlite_sequence table can never be dropped again), jsonb -> TEXT
-- checked with json_valid(), timestamptz -> TEXT in UTC 'YYYY-MM-DD HH:MM:SS',
-- boolean -> INTEGER 0/1, text[] -> JSON array, inet -> TEXT; regex checks become GLOB;
-- the set_updated_at() function becomes one AFTER UPDATE trigger per table. FAQ search
-- has no full-text index here (PostgreSQL has a tsvector column with a GIN index), and
-- tags has no GIN index.

-- ---------------------------------------------------------------------------
-- bot settings and their history
-- ---------------------------------------------------------------------------
CREATE TABLE bot_settings (
    id            INTEGER PRIMARY KEY,
    bot_name      TEXT    NOT NULL CHECK (bot_name IN ('dashboard', 'discord-bot', 'stream-bot')),
    setting_key   TEXT    NOT NULL CHECK (setting_key <> '' AND setting_key NOT GLOB '*[^a-z0-9_.]*'),
    setting_value TEXT    NOT NULL CHECK (json_valid(setting_value)),
    description   TEXT,
    is_secret     INTEGER NOT NULL DEFAULT 0 CHECK (is_secret IN (0, 1)),
    updated_by    TEXT,
    created_at    TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at    TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (bot_name, setting_key)
);

CREATE TRIGGER bot_settings_set_updated_at
    AFTER UPDATE ON bot_settings
    FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE bot_settings SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;

CREATE TABLE settings_history (
    id          INTEGER PRIMARY KEY,
    setting_id  INTEGER NOT NULL REFERENCES bot_settings (id) ON DELETE CASCADE,
    old_value   TEXT    CHECK (old_value IS NULL OR json_valid(old_value)),
    new_value   TEXT    CHECK (new_value IS NULL OR json_valid(new_value)),
    changed_by  TEXT,
    change_note TEXT,
    changed_at  TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX settings_history_setting_id_changed_at_idx
    ON settings_history (setting_id, changed_at DESC);

-- Every change of a setting's value is recorded, whoever makes it. json() minifies
-- both sides so that a mere whitespace change is not a change.
CREATE TRIGGER bot_settings_record_change
    AFTER UPDATE OF setting_value ON bot_settings
    FOR EACH ROW WHEN json(OLD.setting_value) IS NOT json(NEW.setting_value)
BEGIN
    INSERT INTO settings_history (setting_id, old_value, new_value, changed_by)
    VALUES (NEW.id, OLD.setting_value, NEW.setting_value, NEW.updated_by);
END;

-- ---------------------------------------------------------------------------
-- reminders
-- ---------------------------------------------------------------------------
CREATE TABLE reminders (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    guild_id   INTEGER,
    channel_id INTEGER,
    message    TEXT    NOT NULL CHECK (length(message) BETWEEN 1 AND 2000),
    remind_at  TEXT    NOT NULL,
    recurrence TEXT    CHECK (recurrence IN ('daily', 'weekly', 'monthly')),
    is_sent    INTEGER NOT NULL DEFAULT 0 CHECK (is_sent IN (0, 1)),
    sent_at    TEXT,
    created_at TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (is_sent = 1 OR sent_at IS NULL)
);

-- The scheduler only ever looks at reminders that are still due.
CREATE INDEX reminders_due_idx ON reminders (remind_at) WHERE is_sent = 0;
CREATE INDEX reminders_user_id_idx ON reminders (user_id);

-- ---------------------------------------------------------------------------
-- onboarding
-- ---------------------------------------------------------------------------
CREATE TABLE guild_onboarding_questions (
    id            INTEGER PRIMARY KEY,
    guild_id      INTEGER NOT NULL,
    position      INTEGER NOT NULL CHECK (position >= 0),
    question      TEXT    NOT NULL,
    question_type TEXT    NOT NULL DEFAULT 'text'
                  CHECK (question_type IN ('text', 'single_choice', 'multi_choice')),
    options       TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(options) AND json_type(options) = 'array'),
    is_required   INTEGER NOT NULL DEFAULT 1 CHECK (is_required IN (0, 1)),
    created_at    TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at    TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX guild_onboarding_questions_guild_id_position_idx
    ON guild_onboarding_questions (guild_id, position);

CREATE TRIGGER guild_onboarding_questions_set_updated_at
    AFTER UPDATE ON guild_onboarding_questions
    FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE guild_onboarding_questions SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;

CREATE TABLE onboarding (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'in_progress', 'completed', 'skipped')),
    current_step INTEGER NOT NULL DEFAULT 0 CHECK (current_step >= 0),
    answers      TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(answers) AND json_type(answers) = 'object'),
    started_at   TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    completed_at TEXT,
    updated_at   TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK ((status = 'completed') = (completed_at IS NOT NULL)),
    UNIQUE (guild_id, user_id)
);

CREATE INDEX onboarding_open_idx ON onboarding (guild_id, started_at)
    WHERE status IN ('pending', 'in_progress');

CREATE TRIGGER onboarding_set_updated_at
    AFTER UPDATE ON onboarding
    FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE onboarding SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;

CREATE TABLE guild_rules (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    rule_number INTEGER NOT NULL CHECK (rule_number > 0),
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL,
    is_active   INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    created_at  TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (guild_id, rule_number)
);

CREATE TRIGGER guild_rules_set_updated_at
    AFTER UPDATE ON guild_rules
    FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE guild_rules SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;

-- ---------------------------------------------------------------------------
-- support tickets
-- ---------------------------------------------------------------------------
CREATE TABLE support_tickets (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    channel_id  INTEGER,
    subject     TEXT    NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    description TEXT    NOT NULL,
    category    TEXT    NOT NULL DEFAULT 'general',
    status      TEXT    NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'in_progress', 'waiting', 'resolved', 'closed')),
    created_at  TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    closed_at   TEXT,
    closed_by   INTEGER,
    CHECK ((status IN ('resolved', 'closed')) = (closed_at IS NOT NULL))
);

CREATE INDEX support_tickets_guild_id_status_created_at_idx
    ON support_tickets (guild_id, status, created_at);
CREATE INDEX support_tickets_user_id_idx ON support_tickets (user_id);

CREATE TRIGGER support_tickets_set_updated_at
    AFTER UPDATE ON support_tickets
    FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE support_tickets SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;

-- ---------------------------------------------------------------------------
-- FAQ
-- ---------------------------------------------------------------------------
CREATE TABLE faq_entries (
    id            INTEGER PRIMARY KEY,
    question      TEXT    NOT NULL,
    answer        TEXT    NOT NULL,
    category      TEXT    NOT NULL DEFAULT 'general',
    tags          TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
    is_published  INTEGER NOT NULL DEFAULT 1 CHECK (is_published IN (0, 1)),
    view_count    INTEGER NOT NULL DEFAULT 0,
    helpful_count INTEGER NOT NULL DEFAULT 0,
    created_by    TEXT,
    created_at    TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at    TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (view_count >= 0 AND helpful_count >= 0)
);

CREATE INDEX faq_entries_category_idx ON faq_entries (category) WHERE is_published = 1;

CREATE TRIGGER faq_entries_set_updated_at
    AFTER UPDATE ON faq_entries
    FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE faq_entries SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;

CREATE TABLE faq_search_logs (
    id             INTEGER PRIMARY KEY,
    query          TEXT    NOT NULL,
    results_count  INTEGER NOT NULL DEFAULT 0 CHECK (results_count >= 0),
    matched_faq_id INTEGER REFERENCES faq_entries (id) ON DELETE SET NULL,
    user_id        INTEGER,
    guild_id       INTEGER,
    searched_at    TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX faq_search_logs_searched_at_idx ON faq_search_logs (searched_at);
CREATE INDEX faq_search_logs_matched_faq_id_idx ON faq_search_logs (matched_faq_id);

-- ---------------------------------------------------------------------------
-- audit trail and health checks
-- ---------------------------------------------------------------------------
CREATE TABLE audit_logs (
    id          INTEGER PRIMARY KEY,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity_type TEXT,
    entity_id   TEXT,
    details     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
    ip_address  TEXT,
    user_agent  TEXT,
    created_at  TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX audit_logs_created_at_idx ON audit_logs (created_at);
CREATE INDEX audit_logs_actor_created_at_idx ON audit_logs (actor, created_at);
CREATE INDEX audit_logs_entity_idx ON audit_logs (entity_type, entity_id)
    WHERE entity_type IS NOT NULL;

CREATE TABLE health_check_history (
    id               INTEGER PRIMARY KEY,
    service_name     TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('healthy', 'degraded', 'unhealthy', 'unknown')),
    response_time_ms INTEGER CHECK (response_time_ms >= 0),
    status_code      INTEGER,
    error_message    TEXT,
    details          TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
    checked_at       TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX health_check_history_service_name_checked_at_idx
    ON health_check_history (service_name, checked_at DESC);
