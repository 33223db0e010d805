-- Issue 3: the ticket lifecycle, its timeline and evidence, the scheduler's alerts, the notification outbox.

-- The lifecycle facts (hcp_core::lifecycle::TicketFacts) as JSON; the columns beside it repeat what lists, the
-- inbox and the scheduler filter on.
ALTER TABLE tickets ADD COLUMN facts TEXT NOT NULL DEFAULT '{}';
ALTER TABLE tickets ADD COLUMN received_at BIGINT;
ALTER TABLE tickets ADD COLUMN classification TEXT;
ALTER TABLE tickets ADD COLUMN appeal_by BIGINT;
ALTER TABLE tickets ADD COLUMN review_by BIGINT;
ALTER TABLE tickets ADD COLUMN feedback_by BIGINT;
-- Earliest deadline the ticket is waiting on (NULL: none); the scheduler's index.
ALTER TABLE tickets ADD COLUMN next_deadline BIGINT;
-- Set once a deadline was missed; stays set (按期反馈率 counts it) while the ticket keeps its state.
ALTER TABLE tickets ADD COLUMN overdue BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN escalated BIGINT NOT NULL DEFAULT 0;
-- Misconduct tickets: substantiated | unsubstantiated.
ALTER TABLE tickets ADD COLUMN outcome TEXT;
-- Optimistic concurrency: every transition bumps it.
ALTER TABLE tickets ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
CREATE INDEX tickets_next_deadline_idx ON tickets (next_deadline);

-- Misconduct reports (R4) are complaints with a report kind: coercion | falsification | leaking | not_rectifying.
ALTER TABLE complaints ADD COLUMN report_kind TEXT;

-- Users may give an address for e-mail notifications.
ALTER TABLE users ADD COLUMN email TEXT;

-- The timeline: who did what, when, why, with which evidence. `public` entries are shown to the citizen.
CREATE TABLE ticket_events (
    id {{id}},
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    at BIGINT NOT NULL,
    actor_user_id BIGINT REFERENCES users (id),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    details TEXT NOT NULL,
    public BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ticket_events_ticket_idx ON ticket_events (ticket_id, id);

-- Photos and scanned statements. Kept in the database so every `hcp serve` process on one PostgreSQL sees them
-- and backups hold them; bound to the event they are evidence for once the action is taken.
CREATE TABLE attachments (
    id {{id}},
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    event_id BIGINT REFERENCES ticket_events (id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content {{blob}} NOT NULL,
    uploaded_by BIGINT REFERENCES users (id),
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX attachments_ticket_idx ON attachments (ticket_id);

-- One row per (ticket, alert, deadline): the unique key makes each overdue escalation and each reminder happen
-- once, whichever scheduler process gets there first.
CREATE TABLE ticket_alerts (
    id {{id}},
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    alert TEXT NOT NULL,
    deadline_kind TEXT NOT NULL,
    deadline_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT ticket_alerts_once UNIQUE (ticket_id, alert, deadline_kind, deadline_at)
);

-- Notifications to deliver, written in the transaction of the change they report.
CREATE TABLE outbox (
    id {{id}},
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    ticket_id BIGINT REFERENCES tickets (id),
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    delivered_at BIGINT,
    last_error TEXT
);
CREATE INDEX outbox_due_idx ON outbox (delivered_at, next_attempt_at);

-- The in-app inbox. The unique outbox id keeps a retried delivery from showing twice.
CREATE TABLE inbox_messages (
    id {{id}},
    outbox_id BIGINT NOT NULL REFERENCES outbox (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    ticket_id BIGINT REFERENCES tickets (id),
    created_at BIGINT NOT NULL,
    read_at BIGINT,
    CONSTRAINT inbox_messages_outbox_key UNIQUE (outbox_id)
);
CREATE INDEX inbox_messages_user_idx ON inbox_messages (user_id, id);
