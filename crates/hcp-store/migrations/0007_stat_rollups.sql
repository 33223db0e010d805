-- Roll-ups of stat_daily per window (without staff, channel and item), per day and per month, kept in the same
-- statement batch as stat_daily. A year grouped by department then reads a few thousand rows instead of every
-- (day, staff, channel, item) combination. Filled here from stat_daily for databases that already have it.

CREATE TABLE stat_window_day (
    -- YYYY-MM-DD, UTC+8, as in stat_daily.
    day TEXT NOT NULL,
    org_path TEXT NOT NULL,
    org_unit_id BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    window_id BIGINT NOT NULL,
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
    CONSTRAINT stat_window_day_key PRIMARY KEY (day, org_path, department_id, window_id)
);

CREATE TABLE stat_window_month (
    -- YYYY-MM.
    month TEXT NOT NULL,
    org_path TEXT NOT NULL,
    org_unit_id BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    window_id BIGINT NOT NULL,
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
    CONSTRAINT stat_window_month_key PRIMARY KEY (month, org_path, department_id, window_id)
);

INSERT INTO stat_window_day (day, org_path, org_unit_id, department_id, window_id, evaluations, adopted, level_1, level_2, level_3, level_4, level_5, score_points, active, finished_cases, bad_all, bad_valid, rectified, explained, feedback_given, feedback_on_time, real_name_bad, revisited, revisit_satisfied, appealed, decided, overturned, overdue)
SELECT day, org_path, MIN(org_unit_id), department_id, window_id, SUM(evaluations), SUM(adopted), SUM(level_1), SUM(level_2), SUM(level_3), SUM(level_4), SUM(level_5), SUM(score_points), SUM(active), SUM(finished_cases), SUM(bad_all), SUM(bad_valid), SUM(rectified), SUM(explained), SUM(feedback_given), SUM(feedback_on_time), SUM(real_name_bad), SUM(revisited), SUM(revisit_satisfied), SUM(appealed), SUM(decided), SUM(overturned), SUM(overdue)
FROM stat_daily GROUP BY day, org_path, department_id, window_id;

INSERT INTO stat_window_month (month, org_path, org_unit_id, department_id, window_id, evaluations, adopted, level_1, level_2, level_3, level_4, level_5, score_points, active, finished_cases, bad_all, bad_valid, rectified, explained, feedback_given, feedback_on_time, real_name_bad, revisited, revisit_satisfied, appealed, decided, overturned, overdue)
SELECT substr(day, 1, 7), org_path, MIN(org_unit_id), department_id, window_id, SUM(evaluations), SUM(adopted), SUM(level_1), SUM(level_2), SUM(level_3), SUM(level_4), SUM(level_5), SUM(score_points), SUM(active), SUM(finished_cases), SUM(bad_all), SUM(bad_valid), SUM(rectified), SUM(explained), SUM(feedback_given), SUM(feedback_on_time), SUM(real_name_bad), SUM(revisited), SUM(revisit_satisfied), SUM(appealed), SUM(decided), SUM(overturned), SUM(overdue)
FROM stat_daily GROUP BY substr(day, 1, 7), org_path, department_id, window_id;
