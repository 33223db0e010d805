-- Issue 4, supervision orders along the ladder: rectification order → notice (通报) → replacement order →
-- referral to discipline inspection.
CREATE TABLE supervision_orders (
    id {{id}},
    -- rectification_order | notice | replacement_order | referral
    kind TEXT NOT NULL,
    -- staff | window | department
    level TEXT NOT NULL,
    org_path TEXT NOT NULL,
    department_id BIGINT,
    window_id BIGINT,
    staff_id BIGINT,
    target_name TEXT NOT NULL,
    -- YYYY-MM the concentration was found in
    period TEXT NOT NULL,
    reason TEXT NOT NULL,
    evidence TEXT NOT NULL,
    -- issued | reported | assessed | concluded
    state TEXT NOT NULL,
    issued_by BIGINT REFERENCES users (id),
    issued_at BIGINT NOT NULL,
    due_at BIGINT,
    report TEXT,
    reported_by BIGINT REFERENCES users (id),
    reported_at BIGINT,
    assessment TEXT,
    assessment_evidence TEXT,
    assessed_by BIGINT REFERENCES users (id),
    assessed_at BIGINT,
    outcome TEXT,
    outcome_by BIGINT REFERENCES users (id),
    outcome_at BIGINT,
    overdue BIGINT NOT NULL DEFAULT 0,
    previous_order_id BIGINT REFERENCES supervision_orders (id)
);
CREATE INDEX supervision_orders_state_idx ON supervision_orders (state, due_at);
