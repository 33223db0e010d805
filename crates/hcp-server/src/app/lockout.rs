//! Per-account lockout (issue 15, 等保 8.1.4.1 b): `max_failures` wrong sign-ins to one user name within a window
//! lock it for a while or until an administrator unlocks it. Counted in the database, on the real clock.
//!
//! What a caller learns: the count is kept per user name as typed, for unknown names too, so an unknown name
//! locks after the same failures and answers with the same "账户已锁定" message as a real account. A locked name
//! is refused before its password is checked, so the lock never tells a right password from a wrong one.

use chrono::{DateTime, Duration, Utc};
use hcp_core::role::Role;
use hcp_store::users::User;
use hcp_store::{audit, lockouts, users};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::CurrentUser;
use super::client::Client;
use super::error::{AppError, AppResult, ErrorCode};
use super::state::AppState;

/// Long names are cut to this many characters before they are counted, so junk cannot grow the table's keys.
const NAME_KEY_CHARS: usize = 64;

fn key(username: &str) -> String {
    username.trim().chars().take(NAME_KEY_CHARS).collect()
}

/// Who may unlock accounts: the security administrator (issue 16, 三员分立).
pub fn require_unlocker(user: &CurrentUser) -> AppResult<()> {
    user.require(&[Role::SecurityAdmin])
}

/// Until when the account's name is locked now, if it is (on the real clock).
pub async fn locked_until(
    state: &AppState,
    conn: &mut hcp_store::AnyConnection,
    username: &str,
) -> AppResult<Option<DateTime<Utc>>> {
    Ok(lockouts::locked_until(conn, &key(username), state.system_now()).await?)
}

/// The refusal of a locked name: how long is left, rounded up to whole minutes.
fn locked_error(until: DateTime<Utc>, now: DateTime<Utc>) -> AppError {
    let seconds = (until - now).num_seconds().max(1);
    let minutes = (seconds + 59) / 60;
    let mut error = AppError::new(ErrorCode::AccountLocked, format!("账户已锁定，请 {minutes} 分钟后再试或联系管理员"));
    error.retry_after = Some(seconds as u64);
    error
}

/// Refuses a locked name before its password is looked at; the refusal is a `session.refused` entry (reason
/// `locked`, not counted as another failure).
pub async fn refuse_if_locked(state: &AppState, username: &str, client: &Client) -> AppResult<()> {
    if state.config().security.lockout.max_failures == 0 {
        return Ok(());
    }
    let now = state.system_now();
    let name = key(username);
    let mut conn = state.store().reader().await?;
    let Some(until) = lockouts::locked_until(&mut conn, &name, now).await? else {
        return Ok(());
    };
    let user = users::by_username(&mut conn, username.trim()).await?;
    drop(conn);
    let target = target_of(&name, user.as_ref());
    let details = client.with(serde_json::json!({"username": name, "reason": "locked", "until": until}));
    let mut tx = state.store().begin().await?;
    audit::append(&mut tx, state.now(), "系统", "session.refused", &target, &details).await?;
    tx.commit().await?;
    Err(locked_error(until, now))
}

/// The audit target of a sign-in under this name: the account, or the name as typed when there is none.
fn target_of(name: &str, user: Option<&User>) -> String {
    user.map_or_else(|| format!("login:{name}"), |u| format!("user:{}", u.id))
}

/// Counts a failed sign-in (audited with the client and `reason`: `unknown_user`, `wrong_password`,
/// `disabled`, `role_may_not_sign_in`) and answers it: the usual "用户名或密码错误", or the lock message when this
/// failure locked the name. `user` is the account the name belongs to, if any.
pub async fn failed(
    state: &AppState,
    username: &str,
    user: Option<&User>,
    client: &Client,
    reason: &str,
) -> AppResult<AppError> {
    let rules = &state.config().security.lockout;
    let name = key(username);
    let now = state.system_now();
    let target = target_of(&name, user);
    let mut tx = state.store().begin().await?;
    let mut locked = None;
    if rules.max_failures > 0 {
        let failures =
            lockouts::count_failure(&mut tx, &name, now, Duration::minutes(rules.window_minutes.into())).await?;
        if failures >= i64::from(rules.max_failures) {
            let until = now + Duration::minutes(rules.lock_minutes.into());
            if lockouts::lock(&mut tx, &name, now, until).await? {
                let details = client.with(serde_json::json!({"username": name, "until": until, "failures": failures}));
                audit::append(&mut tx, state.now(), "系统", "account.lock", &target, &details).await?;
            }
            locked = Some(until);
        }
    }
    let details = client.with(serde_json::json!({"username": name, "reason": reason}));
    audit::append(&mut tx, state.now(), "系统", "session.refused", &target, &details).await?;
    tx.commit().await?;
    Ok(match locked {
        Some(until) => locked_error(until, now),
        None => AppError::new(ErrorCode::InvalidCredentials, "用户名或密码错误"),
    })
}

/// A right password: the name's failures start again.
pub async fn succeeded(state: &AppState, username: &str) -> AppResult<()> {
    let mut tx = state.store().begin().await?;
    lockouts::clear(&mut tx, &key(username), state.system_now()).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub struct UnlockResult {
    pub username: String,
    /// False when the account was not locked (the call still clears its failures).
    pub was_locked: bool,
}

/// An administrator unlocks an account (audited) and clears its failures.
pub async fn unlock(state: &AppState, admin: &CurrentUser, username: &str) -> AppResult<UnlockResult> {
    require_unlocker(admin)?;
    let mut tx = state.store().begin().await?;
    let Some(user) = users::by_username(&mut tx, username.trim()).await? else {
        return Err(AppError::not_found("用户"));
    };
    let was_locked = lockouts::clear(&mut tx, &key(&user.username), state.system_now()).await?;
    let details = serde_json::json!({"username": user.username, "was_locked": was_locked});
    audit::append(&mut tx, state.now(), &admin.actor(), "account.unlock", &format!("user:{}", user.id), &details)
        .await?;
    tx.commit().await?;
    Ok(UnlockResult { username: user.username, was_locked })
}

#[derive(Serialize, ToSchema)]
pub struct LockedAccount {
    pub username: String,
    /// When the lock ends by itself (RFC 3339, China Standard Time).
    pub locked_until: String,
}

/// The accounts locked now, by user name, with until when (for the administrator's list).
pub async fn locked_accounts(state: &AppState, admin: &CurrentUser) -> AppResult<Vec<(String, DateTime<Utc>)>> {
    require_unlocker(admin)?;
    Ok(lockouts::all_locked(&mut *state.store().reader().await?, state.system_now()).await?)
}

/// The same list for the API.
pub async fn locked_list(state: &AppState, admin: &CurrentUser) -> AppResult<Vec<LockedAccount>> {
    let locked = locked_accounts(state, admin).await?;
    Ok(locked
        .into_iter()
        .map(|(username, until)| LockedAccount { username, locked_until: super::views::local(until) })
        .collect())
}
