-- Issue 4, statistics: sums of per-record contributions (hcp_core::stats), kept up to date in the transaction of
-- every change that moves them. One row per service day and attribution; queries sum rows.

CREATE TABLE stat_daily (
    -- Local (UTC+8) date of the service: evaluated_at for evaluations, finished_at for cases.
    day TEXT NOT NULL,
    org_path TEXT NOT NULL,
    org_unit_id BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    window_id BIGINT NOT NULL,
    -- 0: no staff named.
    staff_id BIGINT NOT NULL,
    -- '' for cases.
    channel TEXT NOT NULL,
    -- 0: no service item.
    item_id BIGINT NOT NULL,
    evaluations BIGINT NOT NULL DEFAULT 0,
    adopted BIGINT NOT NULL DEFAULT 0,
    level_1 BIGINT NOT NULL DEFAULT 0,
    level_2 BIGINT NOT NULL DEFAULT 0,
    level_3 BIGINT NOT NULL DEFAULT 0,
    level_4 BIGINT NOT NULL DEFAULT 0,
    level_5 BIGINT NOT NULL DEFAULT 0,
    score_points BIGINT NOT NULL DEFAULT 0,
    active BIGINT NOT NULL DEFAULT 0,
    finished_cases BIGINT NOT NULL DEFAULT 0,
    bad_all BIGINT NOT NULL DEFAULT 0,
    bad_valid BIGINT NOT NULL DEFAULT 0,
    rectified BIGINT NOT NULL DEFAULT 0,
    explained BIGINT NOT NULL DEFAULT 0,
    feedback_given BIGINT NOT NULL DEFAULT 0,
    feedback_on_time BIGINT NOT NULL DEFAULT 0,
    real_name_bad BIGINT NOT NULL DEFAULT 0,
    revisited BIGINT NOT NULL DEFAULT 0,
    revisit_satisfied BIGINT NOT NULL DEFAULT 0,
    appealed BIGINT NOT NULL DEFAULT 0,
    decided BIGINT NOT NULL DEFAULT 0,
    overturned BIGINT NOT NULL DEFAULT 0,
    overdue BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT stat_daily_key PRIMARY KEY (day, org_path, department_id, window_id, staff_id, channel, item_id)
);
CREATE INDEX stat_daily_path_idx ON stat_daily (org_path, day);
