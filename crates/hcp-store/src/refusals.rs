//! Refused requests counted per subject and hour (GB/T 22239 8.1.4.3): a refused read of a known user
//! (`user:<id>`, kind `read`) or a refused state-changing request without credentials (`address:<ip>`, kind
//! `anonymous`) adds one to its hour's row; once the hour has closed, one audit entry per row is written and
//! the row marked, so neither an attacker nor a broken client turns requests into a write storm on the chain.

use sqlx::{AnyConnection, FromRow};

pub const KIND_READ: &str = "read";
pub const KIND_ANONYMOUS: &str = "anonymous";

/// One hour of refusals of one subject.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct RefusedCount {
    pub subject: String,
    pub kind: String,
    /// The hour's start, epoch ms.
    pub hour: i64,
    pub count: i64,
    pub first_at: i64,
    pub sample_path: String,
    pub audited: i64,
}

/// Counts one refusal at `at` (epoch ms) in the hour starting at `hour`: one statement, so concurrent requests
/// (and server processes) lose none. `sample_path` is the first refused path of the hour.
pub async fn count(
    conn: &mut AnyConnection,
    subject: &str,
    kind: &str,
    hour: i64,
    at: i64,
    sample_path: &str,
) -> crate::Result<()> {
    sqlx::query(
        "INSERT INTO refused_counts (subject, kind, hour, count, first_at, sample_path, audited) \
         VALUES ($1, $2, $3, 1, $4, $5, 0) \
         ON CONFLICT (subject, kind, hour) DO UPDATE SET count = refused_counts.count + 1",
    )
    .bind(subject)
    .bind(kind)
    .bind(hour)
    .bind(at)
    .bind(sample_path)
    .execute(conn)
    .await?;
    Ok(())
}

/// The rows of hours that started before `before` (epoch ms) and are not audited yet, oldest first.
pub async fn closed_unaudited(conn: &mut AnyConnection, before: i64, limit: i64) -> crate::Result<Vec<RefusedCount>> {
    Ok(sqlx::query_as(
        "SELECT subject, kind, hour, count, first_at, sample_path, audited FROM refused_counts \
         WHERE audited = 0 AND hour < $1 ORDER BY hour, subject, kind LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Marks a row audited; its count as marked when this call did it, `None` when another run (or process) had.
pub async fn mark_audited(
    conn: &mut AnyConnection,
    subject: &str,
    kind: &str,
    hour: i64,
) -> crate::Result<Option<i64>> {
    let changed = sqlx::query(
        "UPDATE refused_counts SET audited = 1 WHERE subject = $1 AND kind = $2 AND hour = $3 AND audited = 0",
    )
    .bind(subject)
    .bind(kind)
    .bind(hour)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if changed == 0 {
        return Ok(None);
    }
    Ok(Some(
        sqlx::query_scalar("SELECT count FROM refused_counts WHERE subject = $1 AND kind = $2 AND hour = $3")
            .bind(subject)
            .bind(kind)
            .bind(hour)
            .fetch_one(conn)
            .await?,
    ))
}

/// Removes audited rows of hours before `before` (their entries are in the audit log).
pub async fn purge_audited(conn: &mut AnyConnection, before: i64) -> crate::Result<u64> {
    Ok(sqlx::query("DELETE FROM refused_counts WHERE audited = 1 AND hour < $1")
        .bind(before)
        .execute(conn)
        .await?
        .rows_affected())
}
