-- stream-bot 0003 down (PostgreSQL): back to the plain index. Merged duplicates stay
-- merged.
CREATE INDEX platform_users_platform_platform_user_id_idx
    ON platform_users (platform, platform_user_id);
ALTER TABLE platform_users DROP CONSTRAINT platform_users_platform_platform_user_id_key;
