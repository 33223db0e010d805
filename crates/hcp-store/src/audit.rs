//! Append-only, hash-chained audit log. Appends happen inside the transaction of the change they record.

use chrono::{DateTime, Utc};
use hcp_core::audit::{AuditEntry, ChainBreak, GENESIS_HASH, entry_hash, verify_next};
use sqlx::{AnyConnection, FromRow};

use crate::{Store, ms};

/// Who did it: a user name, `citizen`, `system` or `cli:<os user>`.
pub async fn append(
    conn: &mut AnyConnection,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    target: &str,
    details: &serde_json::Value,
) -> crate::Result<i64> {
    // Updating the head row takes its lock, so appends from concurrent transactions (or processes) queue here.
    let (seq, prev_hash): (i64, String) =
        sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *conn)
            .await?;
    let at = ms(at);
    let details = details.to_string();
    let hash = entry_hash(&prev_hash, seq, at, actor, action, target, &details);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, target, details, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(seq)
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(target)
    .bind(&details)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&hash).execute(&mut *conn).await?;
    Ok(seq)
}

#[derive(Debug, FromRow)]
struct Row {
    seq: i64,
    at: i64,
    actor: String,
    action: String,
    target: String,
    details: String,
    prev_hash: String,
    hash: String,
}

impl From<Row> for AuditEntry {
    fn from(r: Row) -> Self {
        AuditEntry {
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            action: r.action,
            target: r.target,
            details: r.details,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// Walks the whole chain page by page. `Ok(n)` = n intact entries.
pub async fn verify(store: &Store) -> crate::Result<Result<i64, ChainBreak>> {
    let mut conn = store.reader().await?;
    let mut prev: (i64, String) = (0, GENESIS_HASH.to_owned());
    loop {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT seq, at, actor, action, target, details, prev_hash, hash FROM audit_log \
             WHERE seq > $1 ORDER BY seq LIMIT 5000",
        )
        .bind(prev.0)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let entry = AuditEntry::from(row);
            if let Err(e) = verify_next((prev.0, &prev.1), &entry) {
                return Ok(Err(e));
            }
            prev = (entry.seq, entry.hash);
        }
    }
    let (head_seq, head_hash): (i64, String) =
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&mut *conn).await?;
    if head_seq != prev.0 || head_hash != prev.1 {
        return Ok(Err(ChainBreak::Truncated { expected_last: head_seq, found_last: prev.0 }));
    }
    Ok(Ok(prev.0))
}

#[derive(Debug, Clone, serde::Serialize, FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub details: String,
}

/// Entries about one target, oldest first (a ticket's or an evaluation's history).
pub async fn for_target(conn: &mut AnyConnection, target: &str) -> crate::Result<Vec<AuditRow>> {
    Ok(sqlx::query_as("SELECT seq, at, actor, action, target, details FROM audit_log WHERE target = $1 ORDER BY seq")
        .bind(target)
        .fetch_all(conn)
        .await?)
}
