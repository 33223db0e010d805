//! Session activity for the idle timeout: a session is alive while it is younger than its absolute lifetime and
//! was used within the idle window. Activity is written at most once a minute per session to keep requests cheap.

use chrono::{DateTime, Utc};

use crate::users::{User, user_columns};
use crate::{AnyConnection, ms};

/// The user of a live session and when the session was last seen (its creation before the first write).
pub async fn active_session_user(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: DateTime<Utc>,
    idle_since: Option<DateTime<Utc>>,
) -> crate::Result<Option<(User, DateTime<Utc>)>> {
    // Without an idle timeout every last activity is recent enough.
    let idle_cutoff = idle_since.map(ms).unwrap_or(i64::MIN);
    let row: Option<SessionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {}, COALESCE(s.last_seen_at, s.created_at) AS last_seen_at FROM sessions s \
         JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND COALESCE(s.last_seen_at, s.created_at) > $3 \
         AND u.disabled = 0",
        user_columns()
    )))
    .bind(token_hash)
    .bind(ms(now))
    .bind(idle_cutoff)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (r.user, DateTime::from_timestamp_millis(r.last_seen_at).unwrap_or(now))))
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: User,
    last_seen_at: i64,
}

/// Records activity on a session now.
pub async fn touch_session(conn: &mut AnyConnection, token_hash: &str, now: DateTime<Utc>) -> crate::Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(ms(now))
        .execute(conn)
        .await?;
    Ok(())
}
