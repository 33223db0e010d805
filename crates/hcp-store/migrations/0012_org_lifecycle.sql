-- Organisation records are edited and deactivated, never deleted: `deactivated_at` (ms) marks a record that
-- takes no new evaluations, complaints or dispatches while its history and statistics stay. A closed window
-- says where to go instead: another window, a text, or both.
ALTER TABLE org_units ADD COLUMN deactivated_at BIGINT;
ALTER TABLE departments ADD COLUMN deactivated_at BIGINT;
ALTER TABLE windows ADD COLUMN deactivated_at BIGINT;
ALTER TABLE windows ADD COLUMN replacement_window_id BIGINT;
ALTER TABLE windows ADD COLUMN closed_note TEXT;
ALTER TABLE staff ADD COLUMN deactivated_at BIGINT;
ALTER TABLE service_items ADD COLUMN deactivated_at BIGINT;
-- 责令更换: the administrator's move of the staff member, recorded on the order as the department's action.
ALTER TABLE supervision_orders ADD COLUMN staff_move TEXT;
ALTER TABLE supervision_orders ADD COLUMN staff_moved_at BIGINT;
