-- A session's last activity, for the idle timeout (GB/T 22239-2019 8.1.4.1 b). Written at most once a minute per
-- session; NULL until the first write, when the session's creation counts as its last activity.
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT;
