-- dashboard 0003: ticket priority and staff assignment (SQLite).
-- ADD COLUMN takes one column per statement here, and constraints ride on the column
-- definitions so that DROP COLUMN can remove them again.
ALTER TABLE support_tickets ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal'
    CHECK (priority IN ('low', 'normal', 'high', 'urgent'));
ALTER TABLE support_tickets ADD COLUMN assigned_to INTEGER;
ALTER TABLE support_tickets ADD COLUMN assigned_at TEXT
    CHECK (assigned_to IS NOT NULL OR assigned_at IS NULL);

-- A staff member's queue: their tickets that are still open.
CREATE INDEX support_tickets_assigned_to_idx
    ON support_tickets (assigned_to, status)
    WHERE status NOT IN ('resolved', 'closed');

-- The triage view: open tickets of a guild by priority.
CREATE INDEX support_tickets_open_priority_idx
    ON support_tickets (guild_id, priority, created_at)
    WHERE status NOT IN ('resolved', 'closed');
