-- discord-bot 0001 down (PostgreSQL): tables that reference guild first, then guild,
-- then the enum the cases used.
DROP TABLE cases;
DROP TABLE guild_config;
DROP TABLE guild;
DROP TYPE moderation_case_type;
