//! The auditor's reading of the audit log: a filtered listing, newest first, a page at a time with the total,
//! and the same filter read in batches by sequence number for an export (memory stays bounded by a batch).
//! Nothing here writes: the log is append-only and this module only reads it.

use sqlx::AnyConnection;

use crate::audit::AuditRow;
use crate::sql::{Sql, like_prefix};

/// What the auditor asks for. An `action` ending in `.` (`session.`) and a `target` ending in `:` (`user:`)
/// are prefixes; anything else is matched exactly. `from`/`to` are epoch milliseconds, `to` exclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Only entries up to this sequence number (an export bounded by the count it announced).
    pub through: Option<i64>,
}

const COLUMNS: &str = "SELECT seq, at, actor, action, target, details FROM audit_log WHERE 1 = 1";

fn conditions(sql: &mut Sql, filter: &Filter) {
    if let Some(actor) = &filter.actor {
        sql.push(" AND actor = ").bind(actor.as_str());
    }
    match filter.action.as_deref() {
        Some(prefix) if prefix.ends_with('.') => {
            sql.push(" AND action LIKE ").bind(like_prefix(prefix)).push(" ESCAPE '\\'");
        }
        Some(action) => {
            sql.push(" AND action = ").bind(action);
        }
        None => {}
    }
    match filter.target.as_deref() {
        Some(prefix) if prefix.ends_with(':') => {
            sql.push(" AND target LIKE ").bind(like_prefix(prefix)).push(" ESCAPE '\\'");
        }
        Some(target) => {
            sql.push(" AND target = ").bind(target);
        }
        None => {}
    }
    if let Some(from) = filter.from {
        sql.push(" AND at >= ").bind(from);
    }
    if let Some(to) = filter.to {
        sql.push(" AND at < ").bind(to);
    }
    if let Some(through) = filter.through {
        sql.push(" AND seq <= ").bind(through);
    }
}

/// How many entries the filter matches.
pub async fn count(conn: &mut AnyConnection, filter: &Filter) -> crate::Result<i64> {
    let mut sql = Sql::new("SELECT COUNT(*) FROM audit_log WHERE 1 = 1");
    conditions(&mut sql, filter);
    Ok(sql.query_scalar::<i64>().fetch_one(conn).await?)
}

/// One page of the matching entries, newest first, and how many match in all.
pub async fn list(
    conn: &mut AnyConnection,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> crate::Result<(Vec<AuditRow>, i64)> {
    let total = count(conn, filter).await?;
    let mut sql = Sql::new(COLUMNS);
    conditions(&mut sql, filter);
    sql.push(" ORDER BY seq DESC LIMIT ").bind(limit).push(" OFFSET ").bind(offset);
    let rows = sql.query_as::<AuditRow>().fetch_all(conn).await?;
    Ok((rows, total))
}

/// The next batch of matching entries below `before` (exclusive; `None` from the newest), newest first. An
/// export calls it again with the last `seq` it got until a batch comes back empty.
pub async fn batch_before(
    conn: &mut AnyConnection,
    filter: &Filter,
    before: Option<i64>,
    limit: i64,
) -> crate::Result<Vec<AuditRow>> {
    let mut sql = Sql::new(COLUMNS);
    conditions(&mut sql, filter);
    if let Some(before) = before {
        sql.push(" AND seq < ").bind(before);
    }
    sql.push(" ORDER BY seq DESC LIMIT ").bind(limit);
    Ok(sql.query_as::<AuditRow>().fetch_all(conn).await?)
}

/// The newest sequence number in the log (0 when it is empty).
pub async fn last_seq(conn: &mut AnyConnection) -> crate::Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(seq), 0) FROM audit_log").fetch_one(conn).await?)
}

/// Entries of each of `actions` (exact codes) from `from` (ms) on: the landing page's small counts.
pub async fn count_actions_since(conn: &mut AnyConnection, actions: &[&str], from: i64) -> crate::Result<i64> {
    let mut sql = Sql::new("SELECT COUNT(*) FROM audit_log WHERE at >= ");
    sql.bind(from).push(" AND action IN (");
    for (i, action) in actions.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(*action);
    }
    sql.push(")");
    Ok(sql.query_scalar::<i64>().fetch_one(conn).await?)
}

/// A verification run of the audit chain, as stored in `audit_verifications`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Verification {
    pub id: i64,
    pub requested_by: String,
    pub requested_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// queued, running, done, failed
    pub status: String,
    pub entries: i64,
    /// 1 clean, 0 findings, NULL not finished (or failed).
    pub clean: Option<i64>,
    /// A JSON array of strings.
    pub findings: String,
}

const VERIFICATION_COLUMNS: &str = "SELECT id, requested_by, requested_at, started_at, finished_at, status, entries, clean, findings \
     FROM audit_verifications";

/// Queues a verification; returns its id.
pub async fn queue_verification(conn: &mut AnyConnection, requested_by: &str, at: i64) -> crate::Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>(
        "INSERT INTO audit_verifications (requested_by, requested_at, status) VALUES ($1, $2, 'queued') RETURNING id",
    )
    .bind(requested_by)
    .bind(at)
    .fetch_one(conn)
    .await?)
}

/// The queued or running verification, if any (the oldest).
pub async fn pending_verification(conn: &mut AnyConnection) -> crate::Result<Option<Verification>> {
    Ok(sqlx::query_as::<_, Verification>(sqlx::AssertSqlSafe(format!(
        "{VERIFICATION_COLUMNS} WHERE status IN ('queued', 'running') ORDER BY id LIMIT 1"
    )))
    .fetch_optional(conn)
    .await?)
}

pub async fn verification(conn: &mut AnyConnection, id: i64) -> crate::Result<Option<Verification>> {
    Ok(sqlx::query_as::<_, Verification>(sqlx::AssertSqlSafe(format!("{VERIFICATION_COLUMNS} WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// The most recent verifications, newest first.
pub async fn verifications(conn: &mut AnyConnection, limit: i64) -> crate::Result<Vec<Verification>> {
    Ok(sqlx::query_as::<_, Verification>(sqlx::AssertSqlSafe(format!(
        "{VERIFICATION_COLUMNS} ORDER BY id DESC LIMIT {limit}"
    )))
    .fetch_all(conn)
    .await?)
}

/// Verifications to run: queued ones, and running ones started before `stale_before` (their process died).
pub async fn runnable_verifications(conn: &mut AnyConnection, stale_before: i64) -> crate::Result<Vec<i64>> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT id FROM audit_verifications WHERE status = 'queued' OR (status = 'running' AND started_at < $1) \
         ORDER BY id",
    )
    .bind(stale_before)
    .fetch_all(conn)
    .await?)
}

/// Takes a verification to run: a queued one, or a running one whose start is older than `stale_before`.
/// False when another task or process took it first.
pub async fn claim_verification(conn: &mut AnyConnection, id: i64, now: i64, stale_before: i64) -> crate::Result<bool> {
    let done = sqlx::query(
        "UPDATE audit_verifications SET status = 'running', started_at = $1 WHERE id = $2 \
         AND (status = 'queued' OR (status = 'running' AND started_at < $3))",
    )
    .bind(now)
    .bind(id)
    .bind(stale_before)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a verification's result.
pub async fn finish_verification(
    conn: &mut AnyConnection,
    id: i64,
    now: i64,
    status: &str,
    entries: i64,
    clean: Option<bool>,
    findings: &[String],
) -> crate::Result<()> {
    sqlx::query(
        "UPDATE audit_verifications SET status = $1, finished_at = $2, entries = $3, clean = $4, findings = $5 \
         WHERE id = $6",
    )
    .bind(status)
    .bind(now)
    .bind(entries)
    .bind(clean.map(i64::from))
    .bind(serde_json::to_string(findings).unwrap_or_else(|_| "[]".into()))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}
