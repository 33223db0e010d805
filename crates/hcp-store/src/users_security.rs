//! The password lifecycle and a user's own sessions: when the password was set, whether it is temporary, the
//! demo exemption, the previous passwords' hashes, and sessions listed and ended by a public id.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, FromRow};

use crate::{from_ms, ms};

/// What decides whether a user must change the password before doing anything else.
#[derive(Debug, Clone)]
pub struct PasswordState {
    /// Set by an administrator (created or reset): to be changed at the next sign-in.
    pub temporary: bool,
    /// A demo account's public password: no complexity or expiry rules.
    pub exempt: bool,
    /// When the password was last set (the account's creation for accounts older than this record).
    pub changed_at: DateTime<Utc>,
}

pub async fn password_state(conn: &mut AnyConnection, user_id: i64) -> crate::Result<Option<PasswordState>> {
    let row: Option<(i64, i64, i64)> = sqlx::query_as(
        "SELECT must_change_password, password_policy_exempt, COALESCE(password_changed_at, created_at) \
         FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    row.map(|(temporary, exempt, changed)| {
        Ok(PasswordState { temporary: temporary != 0, exempt: exempt != 0, changed_at: from_ms(changed)? })
    })
    .transpose()
}

/// Stores a new password hash (kept in the history too). `temporary`: an administrator set it; `exempt`: a demo
/// account's public password.
pub async fn set_password(
    conn: &mut AnyConnection,
    user_id: i64,
    password_hash: &str,
    now: DateTime<Utc>,
    temporary: bool,
    exempt: bool,
) -> crate::Result<()> {
    sqlx::query(
        "UPDATE users SET password_hash = $1, password_changed_at = $2, must_change_password = $3, \
         password_policy_exempt = $4 WHERE id = $5",
    )
    .bind(password_hash)
    .bind(ms(now))
    .bind(i64::from(temporary))
    .bind(i64::from(exempt))
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO password_history (user_id, password_hash, created_at) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(password_hash)
        .bind(ms(now))
        .execute(conn)
        .await?;
    Ok(())
}

/// The hashes of the user's last `count` passwords, newest first (the current one included).
pub async fn recent_password_hashes(conn: &mut AnyConnection, user_id: i64, count: u32) -> crate::Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2")
        .bind(user_id)
        .bind(i64::from(count))
        .fetch_all(conn)
        .await?)
}

/// Gives a just-opened session (by its token hash) the id it is shown and ended by, and its address.
pub async fn describe_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    public_id: &str,
    address: &str,
    user_agent: &str,
) -> crate::Result<()> {
    sqlx::query("UPDATE sessions SET public_id = $1, address = $2, user_agent = $3 WHERE token_hash = $4")
        .bind(public_id)
        .bind(address)
        .bind(user_agent)
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub public_id: Option<String>,
    pub token_hash: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub address: Option<String>,
    pub user_agent: String,
}

/// The user's live sessions, newest first.
pub async fn sessions_of(conn: &mut AnyConnection, user_id: i64, now: DateTime<Utc>) -> crate::Result<Vec<SessionRow>> {
    Ok(sqlx::query_as(
        "SELECT public_id, token_hash, created_at, expires_at, address, user_agent FROM sessions \
         WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC, public_id",
    )
    .bind(user_id)
    .bind(ms(now))
    .fetch_all(conn)
    .await?)
}

/// Ends one of the user's sessions by its public id; false if the user has no such session.
pub async fn end_session(conn: &mut AnyConnection, user_id: i64, public_id: &str) -> crate::Result<bool> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND public_id = $2")
        .bind(user_id)
        .bind(public_id)
        .execute(conn)
        .await?
        .rows_affected()
        > 0)
}

/// Ends all of the user's sessions but the one of `keep_token_hash` (after a password change or reset).
pub async fn end_other_sessions(
    conn: &mut AnyConnection,
    user_id: i64,
    keep_token_hash: Option<&str>,
) -> crate::Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep_token_hash.unwrap_or(""))
        .execute(conn)
        .await?
        .rows_affected())
}
