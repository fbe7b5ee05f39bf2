-- discord-bot 0007 down.
DROP TABLE guild_mod_roles;
