//! An account's lifecycle as the security administrator keeps it (issue 16): its details and scope edited,
//! deactivation (never a deletion) that ends its sessions and revokes its tokens in the same transaction, and
//! reactivation, which gives back the sign-in only.

use chrono::{DateTime, Utc};
use hcp_core::role::Role;
use sqlx::{AnyConnection, FromRow};

use crate::ms;

/// Ends every session of the user at once (the rows are deleted, so no cookie of theirs opens anything).
pub async fn end_all_sessions(conn: &mut AnyConnection, user_id: i64) -> crate::Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(conn).await?.rows_affected())
}

/// Revokes every token of the user still unrevoked, naming who did it.
pub async fn revoke_all_tokens(
    conn: &mut AnyConnection,
    user_id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> crate::Result<u64> {
    Ok(sqlx::query("UPDATE api_tokens SET revoked_at = $1, revoked_by = $2 WHERE user_id = $3 AND revoked_at IS NULL")
        .bind(ms(now))
        .bind(by)
        .bind(user_id)
        .execute(conn)
        .await?
        .rows_affected())
}

/// Deactivates (`active` false: `disabled` and `deactivated_at` set) or reactivates the account; false when it
/// already was so.
pub async fn set_active(
    conn: &mut AnyConnection,
    user_id: i64,
    active: bool,
    now: DateTime<Utc>,
) -> crate::Result<bool> {
    let done = if active {
        sqlx::query("UPDATE users SET disabled = 0, deactivated_at = NULL WHERE id = $1 AND disabled <> 0")
            .bind(user_id)
            .execute(conn)
            .await?
    } else {
        sqlx::query("UPDATE users SET disabled = 1, deactivated_at = $1 WHERE id = $2 AND disabled = 0")
            .bind(ms(now))
            .bind(user_id)
            .execute(conn)
            .await?
    };
    Ok(done.rows_affected() > 0)
}

/// What an account edit sets: its name, e-mail, role and the scope columns of that role.
pub struct Details<'a> {
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub role: Role,
    pub org_unit_id: Option<i64>,
    pub department_id: Option<i64>,
    pub window_id: Option<i64>,
    pub staff_id: Option<i64>,
}

pub async fn update_details(conn: &mut AnyConnection, user_id: i64, details: &Details<'_>) -> crate::Result<()> {
    sqlx::query(
        "UPDATE users SET display_name = $1, email = $2, role = $3, org_unit_id = $4, department_id = $5, \
         window_id = $6, staff_id = $7 WHERE id = $8",
    )
    .bind(details.display_name)
    .bind(details.email)
    .bind(details.role.code())
    .bind(details.org_unit_id)
    .bind(details.department_id)
    .bind(details.window_id)
    .bind(details.staff_id)
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// An account's facts beside its [`crate::users::User`] row.
#[derive(Debug, Clone, FromRow)]
pub struct Facts {
    pub email: Option<String>,
    pub created_at: i64,
    pub deactivated_at: Option<i64>,
    /// Live sessions (not expired).
    pub sessions: i64,
    /// Tokens neither revoked nor expired.
    pub tokens: i64,
}

pub async fn facts(conn: &mut AnyConnection, user_id: i64, now: DateTime<Utc>) -> crate::Result<Option<Facts>> {
    Ok(sqlx::query_as(
        "SELECT u.email, u.created_at, u.deactivated_at, \
           (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id AND s.expires_at > $2) AS sessions, \
           (SELECT COUNT(*) FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL \
              AND t.expires_at > $2) AS tokens \
         FROM users u WHERE u.id = $1",
    )
    .bind(user_id)
    .bind(ms(now))
    .fetch_optional(conn)
    .await?)
}

/// How many active accounts have the role (the last security administrator is never deactivated).
pub async fn active_with_role(conn: &mut AnyConnection, role: Role) -> crate::Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = $1 AND disabled = 0")
        .bind(role.code())
        .fetch_one(conn)
        .await?)
}

/// The active accounts of a staff member (their own and, for a window head, the head's), by user name.
pub async fn active_accounts_of_staff(conn: &mut AnyConnection, staff_id: i64) -> crate::Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT username FROM users WHERE staff_id = $1 AND disabled = 0 ORDER BY username")
        .bind(staff_id)
        .fetch_all(conn)
        .await?)
}

/// Everyone of `role` who is active, to be told something (with their e-mail if they gave one).
pub async fn active_recipients(conn: &mut AnyConnection, role: Role) -> crate::Result<Vec<crate::users::Recipient>> {
    Ok(sqlx::query_as("SELECT id, email FROM users WHERE role = $1 AND disabled = 0 ORDER BY id")
        .bind(role.code())
        .fetch_all(conn)
        .await?)
}
