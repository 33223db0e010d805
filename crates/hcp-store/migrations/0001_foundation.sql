-- One schema for both backends. The runner replaces {{id}} (auto-increment primary key) and {{blob}};
-- lines starting with "--pg " run on PostgreSQL only (SQLite accepts forward references, PostgreSQL does not).
-- Instants are epoch milliseconds (UTC) in BIGINT and flags are BIGINT 0/1, so one code path reads both.

CREATE TABLE calendar_years (
    year BIGINT PRIMARY KEY,
    file TEXT NOT NULL,
    imported_at BIGINT NOT NULL
);

CREATE TABLE calendar_local_days (
    date TEXT PRIMARY KEY,
    is_off_day BIGINT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE org_units (
    id {{id}},
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id BIGINT REFERENCES org_units (id),
    path TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT org_units_code_key UNIQUE (code)
);

CREATE TABLE departments (
    id {{id}},
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    org_unit_id BIGINT NOT NULL REFERENCES org_units (id),
    created_at BIGINT NOT NULL,
    CONSTRAINT departments_code_key UNIQUE (code)
);

CREATE TABLE windows (
    id {{id}},
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    head_staff_id BIGINT,
    created_at BIGINT NOT NULL,
    CONSTRAINT windows_code_key UNIQUE (code)
);

CREATE TABLE staff (
    id {{id}},
    staff_no TEXT NOT NULL,
    name TEXT NOT NULL,
    window_id BIGINT REFERENCES windows (id),
    created_at BIGINT NOT NULL,
    CONSTRAINT staff_staff_no_key UNIQUE (staff_no)
);
--pg ALTER TABLE windows ADD CONSTRAINT windows_head_fkey FOREIGN KEY (head_staff_id) REFERENCES staff (id);

CREATE TABLE service_items (
    id {{id}},
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    department_id BIGINT REFERENCES departments (id),
    created_at BIGINT NOT NULL,
    CONSTRAINT service_items_code_key UNIQUE (code)
);

CREATE TABLE cases (
    id {{id}},
    case_no TEXT NOT NULL,
    item_id BIGINT NOT NULL REFERENCES service_items (id),
    window_id BIGINT NOT NULL REFERENCES windows (id),
    staff_id BIGINT REFERENCES staff (id),
    accepted_at BIGINT NOT NULL,
    finished_at BIGINT,
    created_at BIGINT NOT NULL,
    CONSTRAINT cases_case_no_key UNIQUE (case_no)
);
CREATE INDEX cases_window_idx ON cases (window_id, accepted_at);

CREATE TABLE users (
    id {{id}},
    username TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    display_name TEXT NOT NULL,
    org_unit_id BIGINT REFERENCES org_units (id),
    department_id BIGINT REFERENCES departments (id),
    window_id BIGINT REFERENCES windows (id),
    staff_id BIGINT REFERENCES staff (id),
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id {{id}},
    token_hash TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash)
);

-- Evaluations are never deleted; judgments change `adoption` only.
-- Attribution (org unit, department, window, staff) is copied at intake so that statistics and scoping
-- stay as they were when the service happened, even if staff move later.
CREATE TABLE evaluations (
    id {{id}},
    tracking_code TEXT NOT NULL,
    query_secret TEXT NOT NULL,
    channel TEXT NOT NULL,
    case_id BIGINT REFERENCES cases (id),
    item_id BIGINT REFERENCES service_items (id),
    window_id BIGINT NOT NULL REFERENCES windows (id),
    staff_id BIGINT REFERENCES staff (id),
    department_id BIGINT NOT NULL REFERENCES departments (id),
    org_unit_id BIGINT NOT NULL REFERENCES org_units (id),
    org_path TEXT NOT NULL,
    level BIGINT NOT NULL,
    tags TEXT NOT NULL,
    comment TEXT NOT NULL,
    evaluator_kind TEXT,
    evaluator_name {{blob}},
    evaluator_phone {{blob}},
    evaluator_id_no {{blob}},
    key_id TEXT,
    phone_index TEXT,
    client_index TEXT,
    follow_up BIGINT NOT NULL DEFAULT 0,
    first_evaluation_id BIGINT REFERENCES evaluations (id),
    evaluated_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    registered_by BIGINT REFERENCES users (id),
    import_ref TEXT,
    adoption TEXT NOT NULL DEFAULT 'adopted',
    adoption_reason TEXT,
    CONSTRAINT evaluations_tracking_code_key UNIQUE (tracking_code),
    CONSTRAINT evaluations_import_ref_key UNIQUE (import_ref)
);
-- 一事一评: one first evaluation and at most one follow-up per case.
CREATE UNIQUE INDEX evaluations_first_per_case ON evaluations (case_id) WHERE follow_up = 0 AND case_id IS NOT NULL;
CREATE UNIQUE INDEX evaluations_follow_up_per_case ON evaluations (case_id) WHERE follow_up = 1 AND case_id IS NOT NULL;
CREATE INDEX evaluations_org_path_idx ON evaluations (org_path, evaluated_at);
CREATE INDEX evaluations_window_idx ON evaluations (window_id, evaluated_at);
CREATE INDEX evaluations_staff_idx ON evaluations (staff_id, evaluated_at);
CREATE INDEX evaluations_department_idx ON evaluations (department_id, evaluated_at);
CREATE INDEX evaluations_phone_idx ON evaluations (phone_index);

CREATE TABLE complaints (
    id {{id}},
    tracking_code TEXT NOT NULL,
    query_secret TEXT NOT NULL,
    channel TEXT NOT NULL,
    org_unit_id BIGINT REFERENCES org_units (id),
    department_id BIGINT REFERENCES departments (id),
    window_id BIGINT REFERENCES windows (id),
    staff_id BIGINT REFERENCES staff (id),
    org_path TEXT,
    content TEXT NOT NULL,
    contact_name {{blob}},
    contact_phone {{blob}},
    key_id TEXT,
    phone_index TEXT,
    received_at BIGINT NOT NULL,
    registered_by BIGINT REFERENCES users (id),
    CONSTRAINT complaints_tracking_code_key UNIQUE (tracking_code)
);

CREATE TABLE tickets (
    id {{id}},
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    evaluation_id BIGINT REFERENCES evaluations (id),
    complaint_id BIGINT REFERENCES complaints (id),
    org_unit_id BIGINT REFERENCES org_units (id),
    department_id BIGINT REFERENCES departments (id),
    window_id BIGINT REFERENCES windows (id),
    staff_id BIGINT REFERENCES staff (id),
    org_path TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT tickets_evaluation_key UNIQUE (evaluation_id),
    CONSTRAINT tickets_complaint_key UNIQUE (complaint_id)
);
CREATE INDEX tickets_org_path_idx ON tickets (org_path, created_at);
CREATE INDEX tickets_state_idx ON tickets (state, created_at);

-- A retried submission returns the stored response; the response is encrypted since it carries the
-- citizen's query password.
CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    status BIGINT NOT NULL,
    response {{blob}} NOT NULL,
    key_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_target_idx ON audit_log (target, seq);

-- The chain's head: updating this single row serialises appends across processes.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
