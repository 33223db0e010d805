//! Users (one role each, a scope in the org tree), login sessions (API tokens: `tokens`). Secrets are stored only as
//! hashes: argon2id for passwords, SHA-256 for random bearer tokens.

use chrono::{DateTime, Utc};
use hcp_core::role::{Role, Scope};
use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use crate::{StoreError, ms, org};

#[derive(Debug, Clone, Serialize, FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    pub username: String,
    #[serde(skip)]
    pub password_hash: String,
    #[sqlx(try_from = "String")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub role: Role,
    pub display_name: String,
    pub org_unit_id: Option<i64>,
    pub department_id: Option<i64>,
    pub window_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub disabled: i64,
}

const COLUMNS: &str =
    "id, username, password_hash, role, display_name, org_unit_id, department_id, window_id, staff_id, disabled";

/// The user columns qualified with `u.`, for joins.
pub(crate) fn user_columns() -> String {
    COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub display_name: &'a str,
    pub org_unit_id: Option<i64>,
    pub department_id: Option<i64>,
    pub window_id: Option<i64>,
    pub staff_id: Option<i64>,
}

pub async fn create(conn: &mut AnyConnection, user: &NewUser<'_>, now: DateTime<Utc>) -> crate::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO users (username, password_hash, role, display_name, org_unit_id, department_id, window_id, staff_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(user.username)
    .bind(user.password_hash)
    .bind(user.role.code())
    .bind(user.display_name)
    .bind(user.org_unit_id)
    .bind(user.department_id)
    .bind(user.window_id)
    .bind(user.staff_id)
    .bind(ms(now))
    .fetch_one(conn)
    .await
    .map_err(|e| StoreError::unique_as(e, "用户名"))
}

pub async fn by_username(conn: &mut AnyConnection, username: &str) -> crate::Result<Option<User>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE username = $1")))
        .bind(username)
        .fetch_optional(conn)
        .await?)
}

pub async fn by_id(conn: &mut AnyConnection, id: i64) -> crate::Result<Option<User>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

pub async fn list(conn: &mut AnyConnection) -> crate::Result<Vec<User>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users ORDER BY id"))).fetch_all(conn).await?)
}

pub async fn count(conn: &mut AnyConnection) -> crate::Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(conn).await?)
}

/// Resolves the stored scope columns into the scope the queries filter by.
pub async fn scope(conn: &mut AnyConnection, user: &User) -> crate::Result<Option<Scope>> {
    if let Some(id) = user.staff_id
        && user.role == Role::Staff
    {
        return Ok(org::staff_by_id(conn, id).await?.map(|s| Scope::Staff {
            id: s.id,
            staff_no: s.staff_no,
            name: s.name,
        }));
    }
    if let Some(id) = user.window_id {
        return Ok(org::window_by_id(conn, id).await?.map(|w| Scope::Window { id: w.id, code: w.code, name: w.name }));
    }
    if let Some(id) = user.department_id {
        return Ok(org::department_by_id(conn, id).await?.map(|d| Scope::Department {
            id: d.id,
            code: d.code,
            name: d.name,
        }));
    }
    if let Some(id) = user.org_unit_id {
        return Ok(org::org_unit_by_id(conn, id).await?.map(|o| Scope::OrgUnit {
            id: o.id,
            code: o.code,
            name: o.name,
            path: o.path,
        }));
    }
    Ok(None)
}

pub async fn create_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: i64,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> crate::Result<()> {
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(user_id)
        .bind(ms(now))
        .bind(ms(expires_at))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn session_user(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> crate::Result<Option<User>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
        user_columns()
    )))
    .bind(token_hash)
    .bind(ms(now))
    .fetch_optional(conn)
    .await?)
}

pub async fn delete_session(conn: &mut AnyConnection, token_hash: &str) -> crate::Result<bool> {
    Ok(sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(conn).await?.rows_affected()
        > 0)
}

pub async fn delete_expired_sessions(conn: &mut AnyConnection, now: DateTime<Utc>) -> crate::Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(ms(now)).execute(conn).await?.rows_affected())
}

/// A user to notify, with the e-mail address if they gave one.
#[derive(Debug, Clone, FromRow)]
pub struct Recipient {
    pub id: i64,
    pub email: Option<String>,
}

/// The people a ticket's work falls to: the staff member it names and the head of its window; when it names
/// no window, the heads of its department.
pub async fn responsible(
    conn: &mut AnyConnection,
    department_id: Option<i64>,
    window_id: Option<i64>,
    staff_id: Option<i64>,
) -> crate::Result<Vec<Recipient>> {
    Ok(sqlx::query_as(
        "SELECT id, email FROM users WHERE disabled = 0 AND ( \
           (role = 'staff' AND staff_id = $1) OR (role = 'window_head' AND window_id = $2) \
           OR (role = 'dept_head' AND $2 IS NULL AND department_id = $3)) ORDER BY id",
    )
    .bind(staff_id)
    .bind(window_id)
    .bind(department_id)
    .fetch_all(conn)
    .await?)
}

/// Users of `role` whose org-unit scope contains `org_path` (those without an org unit see the whole tree).
pub async fn over_path(conn: &mut AnyConnection, role: Role, org_path: &str) -> crate::Result<Vec<Recipient>> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.email FROM users u LEFT JOIN org_units o ON o.id = u.org_unit_id \
         WHERE u.disabled = 0 AND u.role = $1 AND (o.path IS NULL OR substr($2, 1, length(o.path)) = o.path) \
         ORDER BY u.id",
    )
    .bind(role.code())
    .bind(org_path)
    .fetch_all(conn)
    .await?)
}

/// Heads of a department (told when a review of theirs is overturned).
pub async fn dept_heads(conn: &mut AnyConnection, department_id: i64) -> crate::Result<Vec<Recipient>> {
    Ok(sqlx::query_as(
        "SELECT id, email FROM users WHERE disabled = 0 AND role = 'dept_head' AND department_id = $1 ORDER BY id",
    )
    .bind(department_id)
    .fetch_all(conn)
    .await?)
}

pub async fn recipient(conn: &mut AnyConnection, id: i64) -> crate::Result<Option<Recipient>> {
    Ok(sqlx::query_as("SELECT id, email FROM users WHERE id = $1 AND disabled = 0")
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

pub async fn set_email(conn: &mut AnyConnection, id: i64, email: Option<&str>) -> crate::Result<()> {
    sqlx::query("UPDATE users SET email = $1 WHERE id = $2").bind(email).bind(id).execute(conn).await?;
    Ok(())
}
