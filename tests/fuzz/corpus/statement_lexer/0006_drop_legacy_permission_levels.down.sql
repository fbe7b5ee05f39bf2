-- discord-bot 0006 down: bring the legacy permission columns back and refill each from the
-- guild's rank of that number (its first assigned role); a level whose role 0005 could
-- not assign (the role held a lower rank) comes from 0005's record.
ALTER TABLE guild_config ADD COLUMN perm_level_0_role_id BIGINT;
ALTER TABLE guild_config ADD COLUMN perm_level_1_role_id BIGINT;
ALTER TABLE guild_config ADD COLUMN perm_level_2_role_id BIGINT;
ALTER TABLE guild_config ADD COLUMN perm_level_3_role_id BIGINT;
ALTER TABLE guild_config ADD COLUMN perm_level_4_role_id BIGINT;
ALTER TABLE guild_config ADD COLUMN perm_level_5_role_id BIGINT;
ALTER TABLE guild_config ADD COLUMN perm_level_6_role_id BIGINT;
ALTER TABLE guild_config ADD COLUMN perm_level_7_role_id BIGINT;
UPDATE guild_config SET
    perm_level_0_role_id = COALESCE(
        (SELECT a.role_id FROM permission_assignments a JOIN permission_ranks r ON r.id = a.permission_rank_id
          WHERE r.guild_id = guild_config.guild_id AND r.rank = 0 ORDER BY a.id LIMIT 1),
        (SELECT b.role_id FROM permission_rank_backfill b WHERE b.guild_id = guild_config.guild_id AND b.level = 0)),
    perm_level_1_role_id = COALESCE(
        (SELECT a.role_id FROM permission_assignments a JOIN permission_ranks r ON r.id = a.permission_rank_id
          WHERE r.guild_id = guild_config.guild_id AND r.rank = 1 ORDER BY a.id LIMIT 1),
        (SELECT b.role_id FROM permission_rank_backfill b WHERE b.guild_id = guild_config.guild_id AND b.level = 1)),
    perm_level_2_role_id = COALESCE(
        (SELECT a.role_id FROM permission_assignments a JOIN permission_ranks r ON r.id = a.permission_rank_id
          WHERE r.guild_id = guild_config.guild_id AND r.rank = 2 ORDER BY a.id LIMIT 1),
        (SELECT b.role_id FROM permission_rank_backfill b WHERE b.guild_id = guild_config.guild_id AND b.level = 2)),
    perm_level_3_role_id = COALESCE(
        (SELECT a.role_id FROM permission_assignments a JOIN permission_ranks r ON r.id = a.permission_rank_id
          WHERE r.guild_id = guild_config.guild_id AND r.rank = 3 ORDER BY a.id LIMIT 1),
        (SELECT b.role_id FROM permission_rank_backfill b WHERE b.guild_id = guild_config.guild_id AND b.level = 3)),
    perm_level_4_role_id = COALESCE(
        (SELECT a.role_id FROM permission_assignments a JOIN permission_ranks r ON r.id = a.permission_rank_id
          WHERE r.guild_id = guild_config.guild_id AND r.rank = 4 ORDER BY a.id LIMIT 1),
        (SELECT b.role_id FROM permission_rank_backfill b WHERE b.guild_id = guild_config.guild_id AND b.level = 4)),
    perm_level_5_role_id = COALESCE(
        (SELECT a.role_id FROM permission_assignments a JOIN permission_ranks r ON r.id = a.permission_rank_id
          WHERE r.guild_id = guild_config.guild_id AND r.rank = 5 ORDER BY a.id LIMIT 1),
        (SELECT b.role_id FROM permission_rank_backfill b WHERE b.guild_id = guild_config.guild_id AND b.level = 5)),
    perm_level_6_role_id = COALESCE(
        (SELECT a.role_id FROM permission_assignments a JOIN permission_ranks r ON r.id = a.permission_rank_id
          WHERE r.guild_id = guild_config.guild_id AND r.rank = 6 ORDER BY a.id LIMIT 1),
        (SELECT b.role_id FROM permission_rank_backfill b WHERE b.guild_id = guild_config.guild_id AND b.level = 6)),
    perm_level_7_role_id = COALESCE(
        (SELECT a.role_id FROM permission_assignments a JOIN permission_ranks r ON r.id = a.permission_rank_id
          WHERE r.guild_id = guild_config.guild_id AND r.rank = 7 ORDER BY a.id LIMIT 1),
        (SELECT b.role_id FROM permission_rank_backfill b WHERE b.guild_id = guild_config.guild_id AND b.level = 7));
