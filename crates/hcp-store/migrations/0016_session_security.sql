-- A session's last activity, for the idle timeout (GB/T 22239-2019 8.1.4.1 b). Written at most once a minute per
-- session; NULL until the first write, when the session's creation counts as its last activity.
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT;

-- A user's TOTP second factor (RFC 6238): the secret encrypted with the data key, confirmed once the user typed a
-- code from it, and the last step accepted (a code is taken once: replays are refused).
CREATE TABLE second_factors (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    key_id TEXT NOT NULL,
    secret {{blob}} NOT NULL,
    confirmed_at BIGINT,
    last_step BIGINT NOT NULL DEFAULT 0
);

-- One-time recovery codes, stored hashed; a used code keeps its row with the time it was used.
CREATE TABLE recovery_codes (
    id {{id}},
    user_id BIGINT NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at BIGINT
);
CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id);

-- A sign-in whose password was right, waiting for its second factor (a few minutes, then gone).
CREATE TABLE pending_sign_ins (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    expires_at BIGINT NOT NULL
);
