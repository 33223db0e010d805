//! Supervision orders (督办): issued by the bureau to a staff member's window, a window or a department, answered
//! with a rectification report, assessed with the bad-review rate before and after as evidence.

use hcp_core::role::Scope;
use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use crate::scope;
use crate::sql::Sql;

pub struct NewOrder<'a> {
    pub kind: &'a str,
    pub level: &'a str,
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
    .bind(o.kind)
    .bind(o.level)
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

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct OrderRow {
    pub id: i64,
    pub kind: String,
    pub level: String,
    pub org_path: String,
    pub department_id: Option<i64>,
    pub window_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub target_name: String,
    pub period: String,
    pub reason: String,
    pub evidence: String,
    pub state: String,
    pub issued_at: i64,
    pub due_at: Option<i64>,
    pub report: Option<String>,
    pub reported_at: Option<i64>,
    pub assessment: Option<String>,
    pub assessment_evidence: Option<String>,
    pub assessed_at: Option<i64>,
    pub outcome: Option<String>,
    pub outcome_at: Option<i64>,
    pub overdue: i64,
    pub previous_order_id: Option<i64>,
}

const SELECT: &str = "SELECT o.id, o.kind, o.level, o.org_path, o.department_id, o.window_id, o.staff_id, o.target_name, \
    o.period, o.reason, o.evidence, o.state, o.issued_at, o.due_at, o.report, o.reported_at, o.assessment, \
    o.assessment_evidence, o.assessed_at, o.outcome, o.outcome_at, o.overdue, o.previous_order_id \
    FROM supervision_orders o WHERE 1 = 1";

pub async fn list(
    conn: &mut AnyConnection,
    scope: &Scope,
    kind: Option<&str>,
    state: Option<&str>,
) -> crate::Result<Vec<OrderRow>> {
    let mut sql = Sql::new(SELECT);
    scope::restrict(&mut sql, "o", scope);
    if let Some(kind) = kind {
        sql.push(" AND o.kind = ").bind(kind);
    }
    if let Some(state) = state {
        sql.push(" AND o.state = ").bind(state);
    }
    sql.push(" ORDER BY o.issued_at DESC, o.id DESC LIMIT 500");
    Ok(sql.query_as().fetch_all(conn).await?)
}

pub async fn get(conn: &mut AnyConnection, id: i64, scope: &Scope) -> crate::Result<Option<OrderRow>> {
    let mut sql = Sql::new(SELECT);
    sql.push(" AND o.id = ").bind(id);
    scope::restrict(&mut sql, "o", scope);
    Ok(sql.query_as().fetch_optional(conn).await?)
}

/// Moves an order from `from` to `to` with the given column values; false if it was not in `from`.
pub async fn advance(
    conn: &mut AnyConnection,
    id: i64,
    from: &str,
    to: &str,
    sets: &[(&str, crate::sql::Param)],
) -> crate::Result<bool> {
    let mut sql = Sql::new("UPDATE supervision_orders SET state = ");
    sql.bind(to);
    for (column, value) in sets {
        sql.push(&format!(", {column} = ")).bind(value.clone());
    }
    sql.push(" WHERE id = ").bind(id).push(" AND state = ").bind(from);
    Ok(sql.query().execute(conn).await?.rows_affected() == 1)
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
