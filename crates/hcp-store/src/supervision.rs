//! Supervision orders (督办): issued by the bureau to a staff member's window, a window or a department, answered
//! with a rectification report, assessed with the bad-review rate before and after as evidence.

use hcp_core::role::Scope;
use hcp_core::supervision::{Assessment, OrderKind, OrderState, TargetLevel};
use sqlx::{AnyConnection, FromRow};

use crate::decode::{Json, NullableCode, NullableJson};
use crate::scope;
use crate::sql::Sql;

pub struct NewOrder<'a> {
    pub kind: OrderKind,
    pub level: TargetLevel,
    pub org_path: &'a str,
    pub department_id: Option<i64>,
    pub window_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub target_name: &'a str,
    pub period: &'a str,
    pub reason: &'a str,
    pub evidence: &'a serde_json::Value,
    pub issued_by: i64,
    pub issued_at_ms: i64,
    pub due_at_ms: Option<i64>,
    pub previous_order_id: Option<i64>,
}

pub async fn insert(conn: &mut AnyConnection, o: &NewOrder<'_>) -> crate::Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO supervision_orders (kind, level, org_path, department_id, window_id, staff_id, target_name, period, \
         reason, evidence, state, issued_by, issued_at, due_at, previous_order_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'issued', $11, $12, $13, $14) RETURNING id",
    )
    .bind(o.kind.code())
    .bind(o.level.code())
    .bind(o.org_path)
    .bind(o.department_id)
    .bind(o.window_id)
    .bind(o.staff_id)
    .bind(o.target_name)
    .bind(o.period)
    .bind(o.reason)
    .bind(o.evidence.to_string())
    .bind(o.issued_by)
    .bind(o.issued_at_ms)
    .bind(o.due_at_ms)
    .bind(o.previous_order_id)
    .fetch_one(conn)
    .await?)
}

#[derive(Debug, Clone, FromRow)]
pub struct OrderRow {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub kind: OrderKind,
    #[sqlx(try_from = "String")]
    pub level: TargetLevel,
    pub org_path: String,
    pub department_id: Option<i64>,
    pub window_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub target_name: String,
    pub period: String,
    pub reason: String,
    /// The figures of the period when the order was issued.
    #[sqlx(try_from = "Json")]
    pub evidence: serde_json::Value,
    #[sqlx(try_from = "String")]
    pub state: OrderState,
    pub issued_at: i64,
    pub due_at: Option<i64>,
    pub report: Option<String>,
    pub reported_at: Option<i64>,
    #[sqlx(try_from = "NullableCode")]
    pub assessment: Option<Assessment>,
    #[sqlx(try_from = "NullableJson")]
    pub assessment_evidence: Option<serde_json::Value>,
    pub assessed_at: Option<i64>,
    pub outcome: Option<String>,
    pub outcome_at: Option<i64>,
    pub overdue: i64,
    pub previous_order_id: Option<i64>,
    /// 责令更换: the move of the staff member the administrator made for the department, in words.
    pub staff_move: Option<String>,
    pub staff_moved_at: Option<i64>,
}

/// The columns of [`OrderRow`], in its order.
const COLUMNS: &str = "o.id, o.kind, o.level, o.org_path, o.department_id, o.window_id, o.staff_id, \
    o.target_name, o.period, o.reason, o.evidence, o.state, o.issued_at, o.due_at, o.report, o.reported_at, \
    o.assessment, o.assessment_evidence, o.assessed_at, o.outcome, o.outcome_at, o.overdue, o.previous_order_id, \
    o.staff_move, o.staff_moved_at";

fn select() -> Sql {
    Sql::new(&format!("SELECT {COLUMNS} FROM supervision_orders o WHERE 1 = 1"))
}

pub async fn list(
    conn: &mut AnyConnection,
    scope: &Scope,
    kind: Option<OrderKind>,
    state: Option<OrderState>,
) -> crate::Result<Vec<OrderRow>> {
    let mut sql = select();
    scope::restrict(&mut sql, "o", scope);
    if let Some(kind) = kind {
        sql.push(" AND o.kind = ").bind(kind.code());
    }
    if let Some(state) = state {
        sql.push(" AND o.state = ").bind(state.code());
    }
    sql.push(" ORDER BY o.issued_at DESC, o.id DESC LIMIT 500");
    Ok(sql.query_as().fetch_all(conn).await?)
}

pub async fn get(conn: &mut AnyConnection, id: i64, scope: &Scope) -> crate::Result<Option<OrderRow>> {
    let mut sql = select();
    sql.push(" AND o.id = ").bind(id);
    scope::restrict(&mut sql, "o", scope);
    Ok(sql.query_as().fetch_optional(conn).await?)
}

/// Replacement orders (责令更换) of staff members, newest first, whatever their scope: the system administrator
/// moves the staff member for the department.
pub async fn replacement_orders(conn: &mut AnyConnection) -> crate::Result<Vec<OrderRow>> {
    let mut sql = select();
    sql.push(
        " AND o.kind = 'replacement_order' AND o.staff_id IS NOT NULL ORDER BY o.issued_at DESC, o.id DESC LIMIT 500",
    );
    Ok(sql.query_as().fetch_all(conn).await?)
}

/// Records the staff member's move on a replacement order. False if one was already recorded.
pub async fn record_move(conn: &mut AnyConnection, id: i64, text: &str, at_ms: i64) -> crate::Result<bool> {
    let done = sqlx::query(
        "UPDATE supervision_orders SET staff_move = $1, staff_moved_at = $2 \
         WHERE id = $3 AND kind = 'replacement_order' AND staff_move IS NULL",
    )
    .bind(text)
    .bind(at_ms)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The head's rectification report: an issued order becomes reported. False if it was not issued.
pub async fn report(conn: &mut AnyConnection, id: i64, report: &str, by: i64, at_ms: i64) -> crate::Result<bool> {
    let done = sqlx::query(
        "UPDATE supervision_orders SET state = 'reported', report = $1, reported_by = $2, reported_at = $3 \
         WHERE id = $4 AND state = 'issued'",
    )
    .bind(report)
    .bind(by)
    .bind(at_ms)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The bureau's assessment of a reported order, with the before/after figures. False if it was not reported.
pub async fn assess(
    conn: &mut AnyConnection,
    id: i64,
    assessment: Assessment,
    evidence: &serde_json::Value,
    by: i64,
    at_ms: i64,
) -> crate::Result<bool> {
    let done = sqlx::query(
        "UPDATE supervision_orders SET state = 'assessed', assessment = $1, assessment_evidence = $2, \
         assessed_by = $3, assessed_at = $4 WHERE id = $5 AND state = 'reported'",
    )
    .bind(assessment.code())
    .bind(evidence.to_string())
    .bind(by)
    .bind(at_ms)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The discipline inspectors' outcome of a referral: an issued referral is concluded. False otherwise.
pub async fn conclude(conn: &mut AnyConnection, id: i64, outcome: &str, by: i64, at_ms: i64) -> crate::Result<bool> {
    let done = sqlx::query(
        "UPDATE supervision_orders SET state = 'concluded', outcome = $1, outcome_by = $2, outcome_at = $3 \
         WHERE id = $4 AND state = 'issued' AND kind = 'referral'",
    )
    .bind(outcome)
    .bind(by)
    .bind(at_ms)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Issued orders past their deadline not yet flagged: flags them and returns their ids (each once, whichever
/// process gets there first).
pub async fn flag_overdue(conn: &mut AnyConnection, now_ms: i64) -> crate::Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "UPDATE supervision_orders SET overdue = 1 WHERE state = 'issued' AND overdue = 0 AND due_at IS NOT NULL \
         AND due_at < $1 RETURNING id",
    )
    .bind(now_ms)
    .fetch_all(conn)
    .await?)
}
