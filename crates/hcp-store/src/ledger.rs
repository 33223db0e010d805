//! The ledgers people keep in Excel (差评整改台账, 申诉复核台账, 督查台账, evaluation lists) as scoped queries
//! whose rows are read one at a time by the exporter. Evaluator identity is never part of a ledger.

use hcp_core::role::Scope;

use crate::scope;
use crate::sql::Sql;

/// How a column's stored value is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Text,
    Int,
    /// Epoch milliseconds, shown in UTC+8.
    Instant,
    /// 0/1 shown as 是/否.
    Flag,
    TicketState,
    TicketKind,
    Level,
}

pub struct Ledger {
    /// Worksheet and file name.
    pub title: &'static str,
    pub columns: Vec<(&'static str, Cell)>,
    pub sql: Sql,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Tickets,
    Appeals,
    Orders,
    Evaluations,
}

impl Kind {
    pub fn parse(text: &str) -> Option<Kind> {
        Some(match text {
            "tickets" => Kind::Tickets,
            "appeals" => Kind::Appeals,
            "orders" => Kind::Orders,
            "evaluations" => Kind::Evaluations,
            _ => return None,
        })
    }
}

/// The ledger of `kind` in `scope`, for records created in [from_ms, to_ms).
pub fn ledger(kind: Kind, scope: &Scope, include_misconduct: bool, from_ms: i64, to_ms: i64) -> Ledger {
    use Cell::*;
    let (title, columns, select, alias, time): (&str, Vec<(&str, Cell)>, &str, &str, &str) = match kind {
        Kind::Tickets => (
            "差评整改台账",
            vec![
                ("工单编号", Int),
                ("类型", TicketKind),
                ("状态", TicketState),
                ("部门", Text),
                ("窗口", Text),
                ("工作人员", Text),
                ("评价等级", Level),
                ("登记时间", Instant),
                ("收到时间", Instant),
                ("核实分类", Text),
                ("整改反馈期限", Instant),
                ("是否逾期", Flag),
                ("最后办理时间", Instant),
            ],
            "SELECT t.id, t.kind, t.state, d.name, w.name, s.name, e.level, t.created_at, t.received_at, \
             t.classification, t.feedback_by, t.overdue, t.updated_at FROM tickets t \
             LEFT JOIN departments d ON d.id = t.department_id LEFT JOIN windows w ON w.id = t.window_id \
             LEFT JOIN staff s ON s.id = t.staff_id LEFT JOIN evaluations e ON e.id = t.evaluation_id WHERE 1 = 1",
            "t",
            "t.created_at",
        ),
        Kind::Appeals => (
            "申诉复核台账",
            vec![
                ("工单编号", Int),
                ("部门", Text),
                ("窗口", Text),
                ("工作人员", Text),
                ("评价等级", Level),
                ("申请时间", Instant),
                ("申请人", Text),
                ("复核决定时间", Instant),
                ("复核人", Text),
                ("状态", TicketState),
            ],
            "SELECT t.id, d.name, w.name, s.name, e.level, a.at, a.actor, r.at, r.actor, t.state \
             FROM ticket_events a JOIN tickets t ON t.id = a.ticket_id \
             LEFT JOIN ticket_events r ON r.ticket_id = a.ticket_id AND r.action = 'decide' \
             LEFT JOIN departments d ON d.id = t.department_id LEFT JOIN windows w ON w.id = t.window_id \
             LEFT JOIN staff s ON s.id = t.staff_id LEFT JOIN evaluations e ON e.id = t.evaluation_id \
             WHERE a.action = 'appeal'",
            "t",
            "a.at",
        ),
        Kind::Orders => (
            "督查台账",
            vec![
                ("编号", Int),
                ("类型", Text),
                ("对象", Text),
                ("统计月份", Text),
                ("理由", Text),
                ("状态", Text),
                ("下发时间", Instant),
                ("整改报告期限", Instant),
                ("是否逾期", Flag),
                ("整改报告", Text),
                ("评估结论", Text),
                ("处理结果", Text),
            ],
            "SELECT o.id, o.kind, o.target_name, o.period, o.reason, o.state, o.issued_at, o.due_at, o.overdue, \
             o.report, o.assessment, o.outcome FROM supervision_orders o WHERE 1 = 1",
            "o",
            "o.issued_at",
        ),
        Kind::Evaluations => (
            "评价明细",
            vec![
                ("评价编号", Int),
                ("查询码", Text),
                ("渠道", Text),
                ("部门", Text),
                ("窗口", Text),
                ("工作人员", Text),
                ("评价等级", Level),
                ("评价标签", Text),
                ("评价内容", Text),
                ("评价时间", Instant),
                ("采纳状态", Text),
            ],
            "SELECT e.id, e.tracking_code, e.channel, d.name, w.name, s.name, e.level, e.tags, e.comment, \
             e.evaluated_at, e.adoption FROM evaluations e \
             LEFT JOIN departments d ON d.id = e.department_id LEFT JOIN windows w ON w.id = e.window_id \
             LEFT JOIN staff s ON s.id = e.staff_id WHERE 1 = 1",
            "e",
            "e.evaluated_at",
        ),
    };
    let mut sql = Sql::new(select);
    scope::restrict(&mut sql, alias, scope);
    if kind == Kind::Tickets && !include_misconduct {
        sql.push(" AND t.kind <> 'misconduct'");
    }
    sql.push(&format!(" AND {time} >= ")).bind(from_ms).push(&format!(" AND {time} < ")).bind(to_ms);
    sql.push(&format!(" ORDER BY {time}, 1"));
    Ledger { title, columns, sql }
}
