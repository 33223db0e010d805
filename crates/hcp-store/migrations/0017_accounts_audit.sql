-- Issue 16: three administrators, token lifecycle, audit trail an auditor reads.
-- Existing `admin` users keep the code `admin`, which now means the system administrator (系统管理员); the security
-- and audit administrators are new roles created afterwards (`hcp user add --role security_admin|auditor`).

-- API tokens expire (tokens made before this migration: one year after their creation), record their last use
-- (written at most once a minute) and who revoked them.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
UPDATE api_tokens SET expires_at = created_at + 31536000000;
ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN revoked_by TEXT;
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- The browser or program a session was opened from (shown to its owner, recorded in the audit entry).
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';

-- When an account was last deactivated or reactivated, and by whom (the audit log has the full history).
ALTER TABLE users ADD COLUMN deactivated_at BIGINT;

-- Refused requests that are counted rather than audited one by one (refused reads per user, refused requests
-- without credentials per address): one row per subject, kind and hour; the scheduler writes one audit entry per
-- closed hour and marks the row.
CREATE TABLE refused_counts (
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    hour BIGINT NOT NULL,
    count BIGINT NOT NULL,
    first_at BIGINT NOT NULL,
    sample_path TEXT NOT NULL,
    audited BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (subject, kind, hour)
);
CREATE INDEX refused_counts_open_idx ON refused_counts (audited, hour);

-- Chain verifications started by the audit administrator, run in the background; the result stays.
CREATE TABLE audit_verifications (
    id {{id}},
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    status TEXT NOT NULL,
    entries BIGINT NOT NULL DEFAULT 0,
    clean BIGINT,
    findings TEXT NOT NULL DEFAULT '[]'
);

-- The auditor filters by actor, action and period.
CREATE INDEX audit_log_actor_idx ON audit_log (actor, seq);
CREATE INDEX audit_log_action_idx ON audit_log (action, seq);
CREATE INDEX audit_log_at_idx ON audit_log (at);
