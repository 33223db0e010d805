//! TOTP second factors, their one-time recovery codes and sign-ins waiting for the second factor. The secret is
//! stored encrypted with the data key; recovery codes only as keyed hashes.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use crate::{AnyConnection, ms};

#[derive(Debug, Clone, FromRow)]
pub struct SecondFactor {
    pub user_id: i64,
    pub key_id: String,
    pub secret: Vec<u8>,
    /// `None` while the user is enrolling (has not yet typed a code from it).
    pub confirmed_at: Option<i64>,
    /// The last TOTP step accepted; a code of this step or an earlier one is refused.
    pub last_step: i64,
}

pub async fn second_factor(conn: &mut AnyConnection, user_id: i64) -> crate::Result<Option<SecondFactor>> {
    Ok(sqlx::query_as("SELECT user_id, key_id, secret, confirmed_at, last_step FROM second_factors WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(conn)
        .await?)
}

/// Starts (or restarts) an enrolment with a new secret; refused by the caller once confirmed.
pub async fn begin_enrolment(conn: &mut AnyConnection, user_id: i64, key_id: &str, secret: &[u8]) -> crate::Result<()> {
    sqlx::query("DELETE FROM second_factors WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    sqlx::query("INSERT INTO second_factors (user_id, key_id, secret, last_step) VALUES ($1, $2, $3, 0)")
        .bind(user_id)
        .bind(key_id)
        .bind(secret)
        .execute(conn)
        .await?;
    Ok(())
}

/// Accepts TOTP step `step` for the user if it is later than the last accepted one (atomic: two requests with
/// the same code cannot both pass). Confirms the enrolment when `confirm_at` is given.
pub async fn accept_step(
    conn: &mut AnyConnection,
    user_id: i64,
    step: i64,
    confirm_at: Option<DateTime<Utc>>,
) -> crate::Result<bool> {
    let done = sqlx::query(
        "UPDATE second_factors SET last_step = $2, confirmed_at = COALESCE(confirmed_at, $3) \
         WHERE user_id = $1 AND last_step < $2",
    )
    .bind(user_id)
    .bind(step)
    .bind(confirm_at.map(ms))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes the second factor and its recovery codes.
pub async fn remove(conn: &mut AnyConnection, user_id: i64) -> crate::Result<bool> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    let done = sqlx::query("DELETE FROM second_factors WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces the user's recovery codes by these hashes.
pub async fn replace_recovery_codes(conn: &mut AnyConnection, user_id: i64, hashes: &[String]) -> crate::Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    for hash in hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user_id)
            .bind(hash)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Spends an unused recovery code; false if it is not one of the user's or was used before.
pub async fn use_recovery_code(
    conn: &mut AnyConnection,
    user_id: i64,
    hash: &str,
    now: DateTime<Utc>,
) -> crate::Result<bool> {
    let done =
        sqlx::query("UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL")
            .bind(user_id)
            .bind(hash)
            .bind(ms(now))
            .execute(conn)
            .await?;
    Ok(done.rows_affected() >= 1)
}

/// The user's recovery codes not used yet.
pub async fn unused_recovery_codes(conn: &mut AnyConnection, user_id: i64) -> crate::Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(conn)
        .await?)
}

pub async fn create_pending(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: i64,
    expires_at: DateTime<Utc>,
) -> crate::Result<()> {
    sqlx::query("INSERT INTO pending_sign_ins (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
        .bind(token_hash)
        .bind(user_id)
        .bind(ms(expires_at))
        .execute(conn)
        .await?;
    Ok(())
}

/// The user of a pending sign-in that has not expired.
pub async fn pending_user(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> crate::Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT user_id FROM pending_sign_ins WHERE token_hash = $1 AND expires_at > $2")
        .bind(token_hash)
        .bind(ms(now))
        .fetch_optional(conn)
        .await?)
}

pub async fn delete_pending(conn: &mut AnyConnection, token_hash: &str) -> crate::Result<()> {
    sqlx::query("DELETE FROM pending_sign_ins WHERE token_hash = $1").bind(token_hash).execute(conn).await?;
    Ok(())
}
