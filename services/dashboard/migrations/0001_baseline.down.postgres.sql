-- dashboard 0001 down (PostgreSQL): drop the baseline, dependents first, then the
-- trigger functions that only the dropped tables used. Indexes and triggers go with
-- their tables; identity sequences with their columns.
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

DROP FUNCTION record_setting_change();
DROP FUNCTION set_updated_at();
