-- discord-bot 0006: drop the legacy permission columns now that 0005 copied them into
-- permission ranks.
ALTER TABLE guild_config DROP COLUMN perm_level_0_role_id;
ALTER TABLE guild_config DROP COLUMN perm_level_1_role_id;
ALTER TABLE guild_config DROP COLUMN perm_level_2_role_id;
ALTER TABLE guild_config DROP COLUMN perm_level_3_role_id;
ALTER TABLE guild_config DROP COLUMN perm_level_4_role_id;
ALTER TABLE guild_config DROP COLUMN perm_level_5_role_id;
ALTER TABLE guild_config DROP COLUMN perm_level_6_role_id;
ALTER TABLE guild_config DROP COLUMN perm_level_7_role_id;
