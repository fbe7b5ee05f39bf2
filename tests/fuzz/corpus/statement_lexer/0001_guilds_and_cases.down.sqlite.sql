-- discord-bot 0001 down (SQLite): tables that reference guild first, then guild.
DROP TABLE cases;
DROP TABLE guild_config;
DROP TABLE guild;
