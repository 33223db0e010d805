//! Tickets (差评工单). Intake creates them in `registered`; the lifecycle moves them on.

use hcp_core::role::Scope;
use hcp_core::ticket::{TicketKind, TicketState};
use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use crate::scope;
use crate::sql::Sql;

#[derive(Debug, Clone, Default)]
pub struct Attribution {
    pub org_unit_id: Option<i64>,
    pub department_id: Option<i64>,
    pub window_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub org_path: String,
}

pub async fn insert(
    conn: &mut AnyConnection,
    kind: TicketKind,
    evaluation_id: Option<i64>,
    complaint_id: Option<i64>,
    at: &Attribution,
    now_ms: i64,
) -> crate::Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO tickets (kind, state, evaluation_id, complaint_id, org_unit_id, department_id, window_id, staff_id, \
         org_path, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(kind.code())
    .bind(TicketState::Registered.code())
    .bind(evaluation_id)
    .bind(complaint_id)
    .bind(at.org_unit_id)
    .bind(at.department_id)
    .bind(at.window_id)
    .bind(at.staff_id)
    .bind(&at.org_path)
    .bind(now_ms)
    .fetch_one(conn)
    .await?)
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct TicketRow {
    pub id: i64,
    pub kind: String,
    pub state: String,
    pub evaluation_id: Option<i64>,
    pub complaint_id: Option<i64>,
    pub org_unit_id: Option<i64>,
    pub org_unit_name: Option<String>,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub window_id: Option<i64>,
    pub window_code: Option<String>,
    pub window_name: Option<String>,
    pub staff_id: Option<i64>,
    pub staff_no: Option<String>,
    pub staff_name: Option<String>,
    pub level: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const SELECT: &str = "SELECT t.id, t.kind, t.state, t.evaluation_id, t.complaint_id, t.org_unit_id, o.name AS org_unit_name, \
    t.department_id, d.name AS department_name, t.window_id, w.code AS window_code, w.name AS window_name, t.staff_id, \
    s.staff_no, s.name AS staff_name, e.level, t.created_at, t.updated_at \
    FROM tickets t \
    LEFT JOIN org_units o ON o.id = t.org_unit_id \
    LEFT JOIN departments d ON d.id = t.department_id \
    LEFT JOIN windows w ON w.id = t.window_id \
    LEFT JOIN staff s ON s.id = t.staff_id \
    LEFT JOIN evaluations e ON e.id = t.evaluation_id \
    WHERE 1 = 1";

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub state: Option<String>,
    pub kind: Option<String>,
    pub org_path: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

fn push_filter(sql: &mut Sql, filter: &Filter, scope: &Scope) {
    scope::restrict(sql, "t", scope);
    if let Some(state) = &filter.state {
        sql.push(" AND t.state = ").bind(state.as_str());
    }
    if let Some(kind) = &filter.kind {
        sql.push(" AND t.kind = ").bind(kind.as_str());
    }
    if let Some(path) = &filter.org_path {
        sql.push(" AND t.org_path LIKE ").bind(crate::sql::like_prefix(path)).push(" ESCAPE '\\'");
    }
    if let Some(from) = filter.from_ms {
        sql.push(" AND t.created_at >= ").bind(from);
    }
    if let Some(to) = filter.to_ms {
        sql.push(" AND t.created_at < ").bind(to);
    }
}

pub async fn list(
    conn: &mut AnyConnection,
    filter: &Filter,
    scope: &Scope,
    limit: i64,
    offset: i64,
) -> crate::Result<(Vec<TicketRow>, i64)> {
    let mut count = Sql::new("SELECT COUNT(*) FROM tickets t WHERE 1 = 1");
    push_filter(&mut count, filter, scope);
    let total: i64 = count.query_scalar().fetch_one(&mut *conn).await?;
    let mut sql = Sql::new(SELECT);
    push_filter(&mut sql, filter, scope);
    sql.push(" ORDER BY t.created_at DESC, t.id DESC LIMIT ").bind(limit).push(" OFFSET ").bind(offset);
    Ok((sql.query_as().fetch_all(conn).await?, total))
}

pub async fn get(conn: &mut AnyConnection, id: i64, scope: &Scope) -> crate::Result<Option<TicketRow>> {
    let mut sql = Sql::new(SELECT);
    sql.push(" AND t.id = ").bind(id);
    scope::restrict(&mut sql, "t", scope);
    Ok(sql.query_as().fetch_optional(conn).await?)
}
