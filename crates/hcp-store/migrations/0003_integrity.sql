-- Issue 4, integrity: flags raised by the rules of DESIGN §5 for a supervisor to judge, and the networks of each
-- window's own terminals.

CREATE TABLE fraud_flags (
    id {{id}},
    evaluation_id BIGINT NOT NULL REFERENCES evaluations (id),
    rule TEXT NOT NULL,
    evidence TEXT NOT NULL,
    -- open | confirmed | dismissed
    status TEXT NOT NULL DEFAULT 'open',
    -- The evaluation's attribution, so the queue is scoped like everything else.
    org_path TEXT NOT NULL,
    department_id BIGINT,
    window_id BIGINT,
    staff_id BIGINT,
    created_at BIGINT NOT NULL,
    decided_by BIGINT REFERENCES users (id),
    decided_at BIGINT,
    reason TEXT,
    note TEXT,
    CONSTRAINT fraud_flags_once UNIQUE (evaluation_id, rule)
);
CREATE INDEX fraud_flags_status_idx ON fraud_flags (status, created_at);

-- The burst rules look back a few minutes by contact hash and by client address.
CREATE INDEX evaluations_phone_time_idx ON evaluations (phone_index, received_at);
CREATE INDEX evaluations_client_time_idx ON evaluations (client_index, received_at);

CREATE TABLE window_networks (
    id {{id}},
    window_id BIGINT NOT NULL REFERENCES windows (id),
    cidr TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT window_networks_key UNIQUE (window_id, cidr)
);
