-- Policy settings the administrator edits on /admin/policy (deadlines, supervision and integrity thresholds):
-- one row per setting, e.g. key 'policy.appeal_working_days', value '3'. A row overrides the configuration
-- file's value; a setting without a row takes the file's value (or the built-in default).
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
