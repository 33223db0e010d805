//! API tokens (issue 16): issued by the system administrator for integration accounts, each with an expiry, its
//! last use (written at most once a minute) and, once revoked, when and by whom. Only the SHA-256 of a token is
//! stored.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use crate::users::{User, user_columns};
use crate::{AnyConnection, ms};

/// A token as the lists show it, with its account.
#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub account_disabled: i64,
    pub created_at: i64,
    pub created_by: String,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub revoked_by: Option<String>,
}

const ROW: &str = "SELECT t.id, t.name, t.user_id, u.username, u.display_name, u.role, u.disabled AS account_disabled, \
     t.created_at, t.created_by, t.expires_at, t.last_used_at, t.revoked_at, t.revoked_by \
     FROM api_tokens t JOIN users u ON u.id = t.user_id";

/// A new token for `user_id`, valid until `expires_at`.
pub async fn create(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: i64,
    name: &str,
    created_by: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> crate::Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO api_tokens (token_hash, user_id, name, created_at, created_by, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(name)
    .bind(ms(now))
    .bind(created_by)
    .bind(ms(expires_at))
    .fetch_one(conn)
    .await?)
}

/// What a bearer token's hash finds: the token's state and its user (whether active or not; the caller decides).
#[derive(Debug, Clone, FromRow)]
pub struct Presented {
    #[sqlx(flatten)]
    pub user: User,
    pub token_id: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub async fn by_hash(conn: &mut AnyConnection, token_hash: &str) -> crate::Result<Option<Presented>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {}, t.id AS token_id, t.expires_at, t.last_used_at, t.revoked_at \
         FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
        user_columns()
    )))
    .bind(token_hash)
    .fetch_optional(conn)
    .await?)
}

/// Records a use of the token now.
pub async fn touch(conn: &mut AnyConnection, id: i64, now: DateTime<Utc>) -> crate::Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1").bind(id).bind(ms(now)).execute(conn).await?;
    Ok(())
}

/// A page of every token, newest first.
pub async fn list(conn: &mut AnyConnection, limit: i64, offset: i64) -> crate::Result<Vec<TokenRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("{ROW} ORDER BY t.created_at DESC, t.id DESC LIMIT $1 OFFSET $2")))
        .bind(limit)
        .bind(offset)
        .fetch_all(conn)
        .await?)
}

/// Every token, newest first (the integrations page; tokens are few: one or two per integrated system).
pub async fn all(conn: &mut AnyConnection) -> crate::Result<Vec<TokenRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("{ROW} ORDER BY t.created_at DESC, t.id DESC")))
        .fetch_all(conn)
        .await?)
}

pub async fn count(conn: &mut AnyConnection) -> crate::Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens").fetch_one(conn).await?)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> crate::Result<Option<TokenRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("{ROW} WHERE t.id = $1"))).bind(id).fetch_optional(conn).await?)
}

/// Revokes a live token; false when it was already revoked (or does not exist).
pub async fn revoke(conn: &mut AnyConnection, id: i64, by: &str, now: DateTime<Utc>) -> crate::Result<bool> {
    Ok(sqlx::query("UPDATE api_tokens SET revoked_at = $2, revoked_by = $3 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id)
        .bind(ms(now))
        .bind(by)
        .execute(conn)
        .await?
        .rows_affected()
        > 0)
}
