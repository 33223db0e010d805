//! Failed sign-ins per user name and the locks they lead to (issue 15). Keyed by the name as typed, known or
//! not, so the database never tells a locked account from an unknown name. Every change is one statement, so
//! processes sharing a database cannot lose a count between a read and a write.

use chrono::{DateTime, Duration, Utc};

use crate::{AnyConnection, from_ms, ms};

/// The lock on a name, if it is locked at `now`.
pub async fn locked_until(
    conn: &mut AnyConnection,
    username: &str,
    now: DateTime<Utc>,
) -> crate::Result<Option<DateTime<Utc>>> {
    let until: Option<Option<i64>> =
        sqlx::query_scalar("SELECT locked_until FROM login_lockouts WHERE username = $1 AND locked_until > $2")
            .bind(username)
            .bind(ms(now))
            .fetch_optional(conn)
            .await?;
    until.flatten().map(from_ms).transpose()
}

/// Counts one failure; a count older than `window` starts again at 1. Returns the failures within the window.
pub async fn count_failure(
    conn: &mut AnyConnection,
    username: &str,
    now: DateTime<Utc>,
    window: Duration,
) -> crate::Result<i64> {
    let stale = ms(now - window);
    Ok(sqlx::query_scalar(
        "INSERT INTO login_lockouts (username, failures, window_started_at, locked_until) VALUES ($1, 1, $2, NULL) \
         ON CONFLICT (username) DO UPDATE SET \
           failures = CASE WHEN login_lockouts.window_started_at <= $3 THEN 1 ELSE login_lockouts.failures + 1 END, \
           window_started_at = CASE WHEN login_lockouts.window_started_at <= $3 THEN $2 \
                                    ELSE login_lockouts.window_started_at END \
         RETURNING failures",
    )
    .bind(username)
    .bind(ms(now))
    .bind(stale)
    .fetch_one(conn)
    .await?)
}

/// Locks a name until `until` and starts its count again. False when it was already locked (another process
/// got there first), so the lock is audited once.
pub async fn lock(
    conn: &mut AnyConnection,
    username: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> crate::Result<bool> {
    let done = sqlx::query(
        "UPDATE login_lockouts SET locked_until = $1, failures = 0, window_started_at = $2 \
         WHERE username = $3 AND (locked_until IS NULL OR locked_until <= $2)",
    )
    .bind(ms(until))
    .bind(ms(now))
    .bind(username)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Forgets a name's failures and lock (a right password, or an administrator's unlock). True when it was
/// locked at `now`.
pub async fn clear(conn: &mut AnyConnection, username: &str, now: DateTime<Utc>) -> crate::Result<bool> {
    let was_locked = locked_until(conn, username, now).await?.is_some();
    sqlx::query("DELETE FROM login_lockouts WHERE username = $1").bind(username).execute(conn).await?;
    Ok(was_locked)
}

/// Every account locked at `now`, with until when (locked names no account has are left out).
pub async fn all_locked(conn: &mut AnyConnection, now: DateTime<Utc>) -> crate::Result<Vec<(String, DateTime<Utc>)>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT l.username, l.locked_until FROM login_lockouts l JOIN users u ON u.username = l.username \
         WHERE l.locked_until > $1 ORDER BY l.username",
    )
    .bind(ms(now))
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(|(name, until)| Ok((name, from_ms(until)?))).collect()
}

/// Drops the rows that no longer count: not locked at `now`, and their failures older than `window`. Keeps the
/// table to the names tried lately (anyone can type any name).
pub async fn forget_stale(conn: &mut AnyConnection, now: DateTime<Utc>, window: Duration) -> crate::Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM login_lockouts WHERE (locked_until IS NULL OR locked_until <= $1) AND window_started_at <= $2",
    )
    .bind(ms(now))
    .bind(ms(now - window))
    .execute(conn)
    .await?
    .rows_affected())
}
