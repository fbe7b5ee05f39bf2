-- dashboard 0001 down (SQLite): drop the baseline, dependents first. Indexes and
-- triggers go with their tables.
DROP TABLE health_check_history;
DROP TABLE audit_logs;
DROP TABLE faq_search_logs;
DROP TABLE faq_entries;
DROP TABLE support_tickets;
DROP TABLE guild_rules;
DROP TABLE onboarding;
DROP TABLE guild_onboarding_questions;
DROP TABLE reminders;
DROP TABLE settings_history;
DROP TABLE bot_settings;
