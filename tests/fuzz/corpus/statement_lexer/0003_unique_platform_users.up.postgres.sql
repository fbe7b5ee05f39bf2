-- stream-bot 0003: one row per viewer account (PostgreSQL).
-- Makes (platform, platform_user_id) unique so the bot can upsert viewers with
-- INSERT ... ON CONFLICT (platform, platform_user_id); the plain index of 0001 on the
-- same columns becomes redundant and is dropped.
--
-- Before the constraint can exist, duplicate viewers (same platform and
-- platform_user_id, left by the old check-then-insert race) are merged into the row
-- with the lowest id. This part cannot be undone by the down: the down restores the
-- schema, not the duplicates. On a clean table every statement below touches no row.

-- 1. One entry per giveaway per viewer: keep the winning entry, else the oldest.
DELETE FROM giveaway_entries
WHERE id IN (
    SELECT id
    FROM (
        SELECT e.id,
               row_number() OVER (
                   PARTITION BY e.giveaway_id, u.platform, u.platform_user_id
                   ORDER BY e.is_winner DESC, e.id
               ) AS rn
        FROM giveaway_entries e
        JOIN platform_users u ON u.id = e.user_id
    ) AS ranked
    WHERE rn > 1
);

-- 2. Point the remaining entries of duplicates at the surviving row.
UPDATE giveaway_entries
SET user_id = (
    SELECT min(k.id)
    FROM platform_users k
    JOIN platform_users u ON u.platform = k.platform AND u.platform_user_id = k.platform_user_id
    WHERE u.id = giveaway_entries.user_id
)
WHERE user_id IN (
    SELECT d.id FROM platform_users d
    WHERE EXISTS (SELECT 1 FROM platform_users o
                  WHERE o.platform = d.platform AND o.platform_user_id = d.platform_user_id
                    AND o.id < d.id)
);

-- 3. The surviving row takes the summed message count, the widest seen-window, and the
--    name and badges of the most recently seen duplicate.
UPDATE platform_users
SET message_count = (SELECT sum(d.message_count) FROM platform_users d
                     WHERE d.platform = platform_users.platform
                       AND d.platform_user_id = platform_users.platform_user_id),
    first_seen_at = (SELECT min(d.first_seen_at) FROM platform_users d
                     WHERE d.platform = platform_users.platform
                       AND d.platform_user_id = platform_users.platform_user_id),
    last_seen_at  = (SELECT max(d.last_seen_at) FROM platform_users d
                     WHERE d.platform = platform_users.platform
                       AND d.platform_user_id = platform_users.platform_user_id),
    username      = (SELECT d.username FROM platform_users d
                     WHERE d.platform = platform_users.platform
                       AND d.platform_user_id = platform_users.platform_user_id
                     ORDER BY d.last_seen_at DESC, d.id DESC LIMIT 1),
    display_name  = (SELECT d.display_name FROM platform_users d
                     WHERE d.platform = platform_users.platform
                       AND d.platform_user_id = platform_users.platform_user_id
                     ORDER BY d.last_seen_at DESC, d.id DESC LIMIT 1),
    is_moderator  = (SELECT d.is_moderator FROM platform_users d
                     WHERE d.platform = platform_users.platform
                       AND d.platform_user_id = platform_users.platform_user_id
                     ORDER BY d.last_seen_at DESC, d.id DESC LIMIT 1),
    is_subscriber = (SELECT d.is_subscriber FROM platform_users d
                     WHERE d.platform = platform_users.platform
                       AND d.platform_user_id = platform_users.platform_user_id
                     ORDER BY d.last_seen_at DESC, d.id DESC LIMIT 1),
    is_vip        = (SELECT d.is_vip FROM platform_users d
                     WHERE d.platform = platform_users.platform
                       AND d.platform_user_id = platform_users.platform_user_id
                     ORDER BY d.last_seen_at DESC, d.id DESC LIMIT 1)
WHERE id IN (SELECT min(id) FROM platform_users
             GROUP BY platform, platform_user_id
             HAVING count(*) > 1);

-- 4. Drop the duplicates; nothing references them any more.
DELETE FROM platform_users
WHERE EXISTS (SELECT 1 FROM platform_users o
              WHERE o.platform = platform_users.platform
                AND o.platform_user_id = platform_users.platform_user_id
                AND o.id < platform_users.id);

ALTER TABLE platform_users
    ADD CONSTRAINT platform_users_platform_platform_user_id_key UNIQUE (platform, platform_user_id);
DROP INDEX platform_users_platform_platform_user_id_idx;
