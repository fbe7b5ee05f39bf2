-- dashboard 0003 down: the same statements serve both dialects. The indexes go first
-- (SQLite cannot drop an indexed column), and assigned_at before assigned_to because
-- assigned_at's CHECK names assigned_to. The columns' CHECKs go with them.
DROP INDEX support_tickets_open_priority_idx;
DROP INDEX support_tickets_assigned_to_idx;
ALTER TABLE support_tickets DROP COLUMN assigned_at;
ALTER TABLE support_tickets DROP COLUMN assigned_to;
ALTER TABLE support_tickets DROP COLUMN priority;
