-- dashboard 0003: ticket priority and staff assignment (PostgreSQL).
-- A constant DEFAULT makes ADD COLUMN a catalogue-only change; the CHECKs scan the
-- table once under the ALTER's lock, which is fine at support-ticket volumes.
ALTER TABLE support_tickets
    ADD COLUMN priority    text NOT NULL DEFAULT 'normal',
    ADD COLUMN assigned_to bigint,
    ADD COLUMN assigned_at timestamptz,
    ADD CONSTRAINT support_tickets_priority_check
        CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    ADD CONSTRAINT support_tickets_assigned_at_check
        CHECK (assigned_to IS NOT NULL OR assigned_at IS NULL);

-- A staff member's queue: their tickets that are still open.
CREATE INDEX support_tickets_assigned_to_idx
    ON support_tickets (assigned_to, status)
    WHERE status NOT IN ('resolved', 'closed');

-- The triage view: open tickets of a guild by priority.
CREATE INDEX support_tickets_open_priority_idx
    ON support_tickets (guild_id, priority, created_at)
    WHERE status NOT IN ('resolved', 'closed');
