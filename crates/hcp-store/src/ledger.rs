//! The ledgers people keep in Excel (差评整改台账, 申诉复核台账, 督查台账, evaluation lists) as scoped queries
//! whose rows are read one at a time by the exporter. Evaluator identity is never part of a ledger.
//!
//! Every column says how its stored value is shown: codes by their Chinese labels (declared once with
//! `hcp_core::coded!`), people by their names with the staff number where they are staff, instants as times.

use hcp_core::channel::Channel;
use hcp_core::evaluation::{Adoption, AdoptionReason};
use hcp_core::lifecycle::{Classification, Outcome, ReviewReason, Satisfaction};
use hcp_core::role::Scope;
use hcp_core::supervision::{Assessment, OrderKind, OrderState, TargetLevel};
use hcp_core::ticket::{TicketKind, TicketState};

use crate::scope;
use crate::sql::Sql;

/// The label of a stored code, `None` for a code the enum does not know.
pub type Labeler = fn(&str) -> Option<&'static str>;

/// How a column's stored value is shown.
#[derive(Debug, Clone, Copy)]
pub enum Cell {
    Text,
    Int,
    /// Epoch milliseconds, shown in UTC+8.
    Instant,
    /// 0/1 shown as 是/否.
    Flag,
    Level,
    /// National tag codes as stored ("514,517"), shown by their labels.
    Tags,
    /// A stored code shown by its label: what the code is (for the error if it is unknown) and its labels.
    Label(&'static str, Labeler),
    /// A text field of a timeline entry's JSON details.
    Detail(&'static str),
    /// A code field of a timeline entry's JSON details, shown by its label.
    DetailLabel(&'static str, &'static str, Labeler),
}

impl Cell {
    pub fn is_number(self) -> bool {
        matches!(self, Cell::Int)
    }
}

/// `Cell::Label` for a `coded!` enum.
macro_rules! label {
    ($ty:ident) => {
        Cell::Label(stringify!($ty), |code| $ty::from_code(code).map($ty::label))
    };
}

/// `Cell::DetailLabel` of the field `$field` holding a code of a `coded!` enum.
macro_rules! detail_label {
    ($field:literal, $ty:ident) => {
        Cell::DetailLabel($field, stringify!($ty), |code| $ty::from_code(code).map($ty::label))
    };
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

/// A staff member as people name them: `李强（S002）`; NULL without one.
fn staff_name(staff: &str) -> String {
    format!("{staff}.name || '（' || {staff}.staff_no || '）'")
}

/// A user as people name them: the display name, with the staff number of a staff member's account; NULL
/// without one.
fn user_name(user: &str, staff: &str) -> String {
    format!("{user}.display_name || COALESCE('（' || {staff}.staff_no || '）', '')")
}

/// Joins the user `user` (and their staff record `staff`) by the column `by`.
fn join_user(by: &str, user: &str, staff: &str) -> String {
    format!(" LEFT JOIN users {user} ON {user}.id = {by} LEFT JOIN staff {staff} ON {staff}.id = {user}.staff_id")
}

/// Who took a timeline entry: the user's name, or what the entry records (群众, 系统) when no user did.
fn actor_name(event: &str, user: &str, staff: &str) -> String {
    format!("COALESCE({}, {event}.actor)", user_name(user, staff))
}

/// Joins a ticket's latest timeline entry of `action` as `alias`, with who took it as `alias`u / `alias`s.
fn join_latest(alias: &str, action: &str) -> String {
    format!(
        " LEFT JOIN ticket_events {alias} ON {alias}.id = (SELECT MAX(x.id) FROM ticket_events x \
         WHERE x.ticket_id = t.id AND x.action = '{action}'){}",
        join_user(&format!("{alias}.actor_user_id"), &format!("{alias}u"), &format!("{alias}s"))
    )
}

const TICKET_PLACE: &str = " LEFT JOIN departments d ON d.id = t.department_id LEFT JOIN windows w ON w.id = t.window_id \
     LEFT JOIN staff s ON s.id = t.staff_id LEFT JOIN evaluations e ON e.id = t.evaluation_id";

/// The ledger of `kind` in `scope`, for records created in [from_ms, to_ms).
pub fn ledger(kind: Kind, scope: &Scope, include_misconduct: bool, from_ms: i64, to_ms: i64) -> Ledger {
    use Cell::*;
    let (title, columns, select, alias, time): (&str, Vec<(&str, Cell)>, String, &str, &str) = match kind {
        Kind::Tickets => (
            "差评整改台账",
            vec![
                ("工单编号", Int),
                ("类型", label!(TicketKind)),
                ("状态", label!(TicketState)),
                ("部门", Text),
                ("窗口", Text),
                ("工作人员", Text),
                ("评价等级", Level),
                ("评价标签", Tags),
                ("评价或投诉内容", Text),
                ("登记时间", Instant),
                ("收到时间", Instant),
                ("核实分类", label!(Classification)),
                ("核实情况", Detail("finding")),
                ("整改措施", Detail("measures")),
                ("整改反馈期限", Instant),
                ("是否逾期", Flag),
                ("反馈内容", Detail("text")),
                ("反馈时间", Instant),
                ("反馈人", Text),
                ("回访满意度", detail_label!("satisfaction", Satisfaction)),
                ("回访意见", Detail("note")),
                ("回访时间", Instant),
                ("回访人", Text),
                ("最后办理时间", Instant),
            ],
            format!(
                "SELECT t.id, t.kind, t.state, d.name, w.name, {staff}, e.level, e.tags, COALESCE(e.comment, c.content), \
                 t.created_at, t.received_at, t.classification, v.details, m.details, t.feedback_by, t.overdue, \
                 f.details, f.at, {feedback_by}, r.details, r.details, r.at, {revisit_by}, t.updated_at \
                 FROM tickets t{TICKET_PLACE} LEFT JOIN complaints c ON c.id = t.complaint_id{}{}{}{} WHERE 1 = 1",
                join_latest("v", "verify"),
                join_latest("m", "rectify"),
                join_latest("f", "feedback"),
                join_latest("r", "revisit"),
                staff = staff_name("s"),
                feedback_by = actor_name("f", "fu", "fs"),
                revisit_by = actor_name("r", "ru", "rs"),
            ),
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
                ("评价内容", Text),
                ("申请时间", Instant),
                ("申请人", Text),
                ("申诉理由", detail_label!("reason", ReviewReason)),
                ("申诉陈述", Detail("statement")),
                ("复核决定时间", Instant),
                ("复核人", Text),
                ("复核结论", detail_label!("outcome", Outcome)),
                ("改判理由", detail_label!("reason", ReviewReason)),
                ("复核说明", Detail("explanation")),
                ("状态", label!(TicketState)),
            ],
            format!(
                "SELECT t.id, d.name, w.name, {staff}, e.level, e.comment, a.at, {appellant}, a.details, a.details, \
                 r.at, {reviewer}, r.details, r.details, r.details, t.state \
                 FROM ticket_events a JOIN tickets t ON t.id = a.ticket_id \
                 LEFT JOIN ticket_events r ON r.ticket_id = a.ticket_id AND r.action = 'decide'{TICKET_PLACE}{}{} \
                 WHERE a.action = 'appeal'",
                join_user("a.actor_user_id", "au", "sa"),
                join_user("r.actor_user_id", "ru", "sr"),
                staff = staff_name("s"),
                appellant = actor_name("a", "au", "sa"),
                reviewer = actor_name("r", "ru", "sr"),
            ),
            "t",
            "a.at",
        ),
        Kind::Orders => (
            "督查台账",
            vec![
                ("编号", Int),
                ("类型", label!(OrderKind)),
                ("对象类别", label!(TargetLevel)),
                ("对象", Text),
                ("统计月份", Text),
                ("理由", Text),
                ("状态", label!(OrderState)),
                ("下发人", Text),
                ("下发时间", Instant),
                ("整改报告期限", Instant),
                ("是否逾期", Flag),
                ("整改报告", Text),
                ("报告人", Text),
                ("报告时间", Instant),
                ("评估结论", label!(Assessment)),
                ("评估人", Text),
                ("评估时间", Instant),
                ("处理结果", Text),
                ("处理结果登记人", Text),
                ("处理结果登记时间", Instant),
            ],
            format!(
                "SELECT o.id, o.kind, o.level, o.target_name, o.period, o.reason, o.state, {}, o.issued_at, o.due_at, \
                 o.overdue, o.report, {}, o.reported_at, o.assessment, {}, o.assessed_at, o.outcome, {}, o.outcome_at \
                 FROM supervision_orders o{}{}{}{} WHERE 1 = 1",
                user_name("u1", "s1"),
                user_name("u2", "s2"),
                user_name("u3", "s3"),
                user_name("u4", "s4"),
                join_user("o.issued_by", "u1", "s1"),
                join_user("o.reported_by", "u2", "s2"),
                join_user("o.assessed_by", "u3", "s3"),
                join_user("o.outcome_by", "u4", "s4"),
            ),
            "o",
            "o.issued_at",
        ),
        Kind::Evaluations => (
            "评价明细",
            vec![
                ("评价编号", Int),
                ("查询码", Text),
                ("渠道", label!(Channel)),
                ("部门", Text),
                ("窗口", Text),
                ("工作人员", Text),
                ("办理事项", Text),
                ("评价等级", Level),
                ("评价标签", Tags),
                ("评价内容", Text),
                ("评价时间", Instant),
                ("采纳状态", label!(Adoption)),
                ("不予采纳原因", label!(AdoptionReason)),
            ],
            format!(
                "SELECT e.id, e.tracking_code, e.channel, d.name, w.name, {staff}, i.name, e.level, e.tags, e.comment, \
                 e.evaluated_at, e.adoption, e.adoption_reason FROM evaluations e \
                 LEFT JOIN departments d ON d.id = e.department_id LEFT JOIN windows w ON w.id = e.window_id \
                 LEFT JOIN staff s ON s.id = e.staff_id LEFT JOIN service_items i ON i.id = e.item_id WHERE 1 = 1",
                staff = staff_name("s"),
            ),
            "e",
            "e.evaluated_at",
        ),
    };
    let mut sql = Sql::new(&select);
    scope::restrict(&mut sql, alias, scope);
    if kind == Kind::Tickets && !include_misconduct {
        sql.push(" AND t.kind <> 'misconduct'");
    }
    sql.push(&format!(" AND {time} >= ")).bind(from_ms).push(&format!(" AND {time} < ")).bind(to_ms);
    sql.push(&format!(" ORDER BY {time}, 1"));
    Ledger { title, columns, sql }
}
