-- Per-account sign-in lockout (issue 15). One row per user name as typed, whether or not such a user exists,
-- so a locked name and an unknown one answer alike. Failures are counted with one atomic upsert, so several
-- `hcp serve` processes on one database count together.
CREATE TABLE login_lockouts (
    username TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_started_at BIGINT NOT NULL,
    locked_until BIGINT
);
CREATE INDEX login_lockouts_locked_idx ON login_lockouts (locked_until);
