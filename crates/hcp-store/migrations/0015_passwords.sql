-- The password lifecycle (issue 15): when a password was last set (expiry), whether an administrator set it
-- (a temporary password the user must change), the demo accounts' exemption, and the previous passwords' hashes
-- (not one of the last few may be chosen again). Sessions get an id to show and end them by (never the token
-- or its hash) and the address they were opened from.
ALTER TABLE users ADD COLUMN password_changed_at BIGINT;
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_policy_exempt BIGINT NOT NULL DEFAULT 0;
CREATE TABLE password_history (
    id {{id}},
    user_id BIGINT NOT NULL REFERENCES users (id),
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX password_history_user_idx ON password_history (user_id, id);
ALTER TABLE sessions ADD COLUMN public_id TEXT;
ALTER TABLE sessions ADD COLUMN address TEXT;
CREATE INDEX sessions_user_idx ON sessions (user_id);
