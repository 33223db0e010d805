//! Integrity flags (DESIGN §5) and the networks registered to windows. Flags are raised in the transaction of
//! the evaluation they concern; judging one changes the evaluation's adoption, never deletes it.

use hcp_core::channel::Channel;
use hcp_core::evaluation::Adoption;
use hcp_core::integrity::{FlagReason, FlagStatus, Rule};
use hcp_core::level::Level;
use hcp_core::role::Scope;
use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use crate::decode::{Json, NullableCode};
use crate::scope;
use crate::sql::Sql;

/// Earlier evaluations with this contact hash received since `since_ms` (at most 50).
pub async fn recent_same_contact(
    conn: &mut AnyConnection,
    phone_index: &str,
    since_ms: i64,
    exclude: i64,
) -> crate::Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        // Ordered along the (phone_index, received_at) index: `ORDER BY id LIMIT` led PostgreSQL to walk the
        // primary key of millions of rows looking for a rare phone.
        "SELECT id FROM evaluations WHERE phone_index = $1 AND received_at >= $2 AND id <> $3 \
         ORDER BY received_at, id LIMIT 50",
    )
    .bind(phone_index)
    .bind(since_ms)
    .bind(exclude)
    .fetch_all(conn)
    .await?)
}

/// Earlier online evaluations from this client address since `since_ms`: not entered by an operator, and not
/// from the hall's shared evaluation pads and terminals.
pub async fn recent_same_client(
    conn: &mut AnyConnection,
    client_index: &str,
    since_ms: i64,
    exclude: i64,
) -> crate::Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM evaluations WHERE client_index = $1 AND received_at >= $2 AND id <> $3 \
         AND registered_by IS NULL AND channel NOT IN ('hall_tablet', 'hall_terminal') ORDER BY received_at, id LIMIT 50",
    )
    .bind(client_index)
    .bind(since_ms)
    .bind(exclude)
    .fetch_all(conn)
    .await?)
}

pub struct NewFlag<'a> {
    pub evaluation_id: i64,
    pub rule: Rule,
    pub evidence: &'a serde_json::Value,
    pub org_path: &'a str,
    pub department_id: Option<i64>,
    pub window_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub created_at_ms: i64,
}

/// Raises a flag; a rule flags an evaluation once. Returns the new id, or None if it was already flagged.
pub async fn raise(conn: &mut AnyConnection, f: &NewFlag<'_>) -> crate::Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "INSERT INTO fraud_flags (evaluation_id, rule, evidence, org_path, department_id, window_id, staff_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(f.evaluation_id)
    .bind(f.rule.code())
    .bind(f.evidence.to_string())
    .bind(f.org_path)
    .bind(f.department_id)
    .bind(f.window_id)
    .bind(f.staff_id)
    .bind(f.created_at_ms)
    .fetch_optional(conn)
    .await?)
}

#[derive(Debug, Clone, FromRow)]
pub struct FlagRow {
    pub id: i64,
    pub evaluation_id: i64,
    #[sqlx(try_from = "String")]
    pub rule: Rule,
    #[sqlx(try_from = "Json")]
    pub evidence: serde_json::Value,
    #[sqlx(try_from = "String")]
    pub status: FlagStatus,
    pub created_at: i64,
    pub decided_by: Option<i64>,
    pub decided_at: Option<i64>,
    #[sqlx(try_from = "NullableCode")]
    pub reason: Option<FlagReason>,
    pub note: Option<String>,
    #[sqlx(try_from = "i64")]
    pub level: Level,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    #[sqlx(try_from = "String")]
    pub adoption: Adoption,
    pub window_code: Option<String>,
    pub window_name: Option<String>,
    pub staff_no: Option<String>,
    pub staff_name: Option<String>,
    pub window_id: Option<i64>,
    pub staff_id: Option<i64>,
    /// When the evaluation was received.
    pub received_at: i64,
    /// Blind indexes of the evaluator's phone and client address: what flags are grouped by, never shown.
    pub contact_index: Option<String>,
    pub client_index: Option<String>,
}

const SELECT: &str = "SELECT f.id, f.evaluation_id, f.rule, f.evidence, f.status, f.created_at, f.decided_by, \
    f.decided_at, f.reason, f.note, e.level, e.channel, e.adoption, w.code AS window_code, w.name AS window_name, \
    s.staff_no, s.name AS staff_name, f.window_id, f.staff_id, e.received_at, e.phone_index AS contact_index, \
    e.client_index \
    FROM fraud_flags f JOIN evaluations e ON e.id = f.evaluation_id \
    LEFT JOIN windows w ON w.id = f.window_id LEFT JOIN staff s ON s.id = f.staff_id WHERE 1 = 1";

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<FlagStatus>,
    pub rule: Option<Rule>,
}

pub async fn list(
    conn: &mut AnyConnection,
    filter: &Filter,
    scope: &Scope,
    limit: i64,
    offset: i64,
) -> crate::Result<(Vec<FlagRow>, i64)> {
    let push = |sql: &mut Sql| {
        scope::restrict(sql, "f", scope);
        if let Some(status) = &filter.status {
            sql.push(" AND f.status = ").bind(status.code());
        }
        if let Some(rule) = &filter.rule {
            sql.push(" AND f.rule = ").bind(rule.code());
        }
    };
    let mut count = Sql::new("SELECT COUNT(*) FROM fraud_flags f WHERE 1 = 1");
    push(&mut count);
    let total: i64 = count.query_scalar().fetch_one(&mut *conn).await?;
    let mut sql = Sql::new(SELECT);
    push(&mut sql);
    sql.push(" ORDER BY f.created_at DESC, f.id DESC LIMIT ").bind(limit).push(" OFFSET ").bind(offset);
    Ok((sql.query_as().fetch_all(conn).await?, total))
}

pub async fn get(conn: &mut AnyConnection, id: i64, scope: &Scope) -> crate::Result<Option<FlagRow>> {
    let mut sql = Sql::new(SELECT);
    sql.push(" AND f.id = ").bind(id);
    scope::restrict(&mut sql, "f", scope);
    Ok(sql.query_as().fetch_optional(conn).await?)
}

#[derive(Debug, Clone, Copy)]
pub struct Decision<'a> {
    pub status: FlagStatus,
    pub reason: Option<FlagReason>,
    pub note: Option<&'a str>,
    pub by: i64,
    pub at_ms: i64,
}

/// Decides an open flag; false when it was already decided.
pub async fn decide(conn: &mut AnyConnection, id: i64, d: &Decision<'_>) -> crate::Result<bool> {
    let done = sqlx::query(
        "UPDATE fraud_flags SET status = $1, reason = $2, note = $3, decided_by = $4, decided_at = $5 \
         WHERE id = $6 AND status = 'open'",
    )
    .bind(d.status.code())
    .bind(d.reason.map(FlagReason::code))
    .bind(d.note)
    .bind(d.by)
    .bind(d.at_ms)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Once an evaluation is judged not adopted, its other open flags are settled with it.
pub async fn settle_others(conn: &mut AnyConnection, evaluation_id: i64, d: &Decision<'_>) -> crate::Result<u64> {
    Ok(sqlx::query(
        "UPDATE fraud_flags SET status = $1, reason = $2, note = $3, decided_by = $4, decided_at = $5 \
         WHERE evaluation_id = $6 AND status = 'open'",
    )
    .bind(d.status.code())
    .bind(d.reason.map(FlagReason::code))
    .bind(d.note)
    .bind(d.by)
    .bind(d.at_ms)
    .bind(evaluation_id)
    .execute(conn)
    .await?
    .rows_affected())
}

pub async fn window_networks(conn: &mut AnyConnection, window_id: i64) -> crate::Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT cidr FROM window_networks WHERE window_id = $1 ORDER BY id")
        .bind(window_id)
        .fetch_all(conn)
        .await?)
}

#[derive(Debug, Clone, Serialize, FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WindowNetwork {
    pub id: i64,
    pub cidr: String,
    pub note: String,
    pub created_at: i64,
}

pub async fn list_networks(conn: &mut AnyConnection, window_id: i64) -> crate::Result<Vec<WindowNetwork>> {
    Ok(sqlx::query_as("SELECT id, cidr, note, created_at FROM window_networks WHERE window_id = $1 ORDER BY id")
        .bind(window_id)
        .fetch_all(conn)
        .await?)
}

pub async fn add_network(
    conn: &mut AnyConnection,
    window_id: i64,
    cidr: &str,
    note: &str,
    now_ms: i64,
) -> crate::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO window_networks (window_id, cidr, note, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(window_id)
    .bind(cidr)
    .bind(note)
    .bind(now_ms)
    .fetch_one(conn)
    .await
    .map_err(|e| crate::StoreError::unique_as(e, "该网络"))
}

/// An evaluation as the periodic sweep reads it, with its attribution for the flag.
#[derive(Debug, Clone, FromRow)]
pub struct SweepRow {
    pub id: i64,
    pub window_id: i64,
    pub department_id: i64,
    pub staff_id: Option<i64>,
    pub org_path: String,
    #[sqlx(try_from = "i64")]
    pub level: Level,
    pub comment: String,
    pub phone_index: Option<String>,
}

/// Adopted evaluations received since `since_ms` that the sweep rules can say something about: with a comment
/// or with a contact.
pub async fn sweep_rows(conn: &mut AnyConnection, since_ms: i64) -> crate::Result<Vec<SweepRow>> {
    Ok(sqlx::query_as(
        "SELECT id, window_id, department_id, staff_id, org_path, level, comment, phone_index FROM evaluations \
         WHERE received_at >= $1 AND adoption = 'adopted' AND (comment <> '' OR phone_index IS NOT NULL) ORDER BY id",
    )
    .bind(since_ms)
    .fetch_all(conn)
    .await?)
}

/// Each staff member's days since `since_day` (YYYY-MM-DD) with any adopted praise: (staff, day, praises,
/// finished cases), summed from the statistics aggregate rather than the raw records.
pub async fn staff_days(conn: &mut AnyConnection, since_day: &str) -> crate::Result<Vec<(i64, String, i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT staff_id, day, CAST(SUM(level_4 + level_5) AS BIGINT), CAST(SUM(finished_cases) AS BIGINT) \
         FROM stat_daily WHERE day >= $1 AND staff_id <> 0 GROUP BY staff_id, day \
         HAVING SUM(level_4 + level_5) > 0 ORDER BY staff_id, day",
    )
    .bind(since_day)
    .fetch_all(conn)
    .await?)
}

/// The adopted praises (满意, 非常满意) of one staff member evaluated in [from_ms, to_ms).
pub async fn praise_rows(
    conn: &mut AnyConnection,
    staff_id: i64,
    from_ms: i64,
    to_ms: i64,
) -> crate::Result<Vec<SweepRow>> {
    Ok(sqlx::query_as(
        "SELECT id, window_id, department_id, staff_id, org_path, level, comment, phone_index FROM evaluations \
         WHERE staff_id = $1 AND evaluated_at >= $2 AND evaluated_at < $3 AND level >= 4 AND adoption = 'adopted' \
         ORDER BY id",
    )
    .bind(staff_id)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(conn)
    .await?)
}
