//! A signed-in user's own account: changing the password (the policy, not one of the last few), the sessions
//! they have open and ending any of them; and the security administrator's reset to a generated temporary password.

use chrono::{DateTime, Utc};
use hcp_core::FieldErrors;
use hcp_core::role::Role;
use hcp_store::crypto::{generate_password, hash_password, new_token, token_hash, verify_password};
use hcp_store::users_security::{self, SessionRow};
use hcp_store::{AnyConnection, audit, from_ms, users};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::CurrentUser;
use super::error::{AppError, AppResult, ErrorCode};
use super::password_policy::{broken_rules, change_due, reused_message};
use super::state::AppState;

/// Whether the user must change the password before anything else (on the real clock).
pub async fn password_change_due(state: &AppState, conn: &mut AnyConnection, user_id: i64) -> AppResult<bool> {
    Ok(match users_security::password_state(conn, user_id).await? {
        Some(password) => change_due(&state.config().security.password, &password, state.system_now()),
        None => false,
    })
}

/// The answer to everything but the password change while one is due.
pub fn change_required() -> AppError {
    AppError::new(ErrorCode::PasswordChangeRequired, "请先修改密码")
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Changes the caller's own password: the current one must be right, the new one follow the policy and not be one
/// of the last few. The caller's other sessions end (whoever else may have known the old password). Audited.
pub async fn change_password(
    state: &AppState,
    user: &CurrentUser,
    current_token: Option<&str>,
    change: &PasswordChange,
) -> AppResult<()> {
    let policy = &state.config().security.password;
    let mut errors = FieldErrors::new();
    if !verify(&change.current_password, &user.user.password_hash).await {
        errors.add("current_password", "当前密码不正确");
    }
    let new_password = change.new_password.clone();
    let mut broken = broken_rules(policy, &user.user.username, &new_password);
    let mut conn = state.store().reader().await?;
    let recent = users_security::recent_password_hashes(&mut conn, user.user.id, policy.history).await?;
    drop(conn);
    let mut reused = verify(&new_password, &user.user.password_hash).await;
    for hash in recent {
        reused = reused || verify(&new_password, &hash).await;
    }
    if reused {
        broken.push(reused_message(policy));
    }
    // One field, every broken rule: the person sees all there is to fix at once.
    if !broken.is_empty() {
        errors.add("password", broken.join("；"));
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let hash = hash_password(&new_password)?;
    let now = state.system_now();
    let mut tx = state.store().begin().await?;
    users_security::set_password(&mut tx, user.user.id, &hash, now, false, false).await?;
    let keep = current_token.map(token_hash);
    let ended = users_security::end_other_sessions(&mut tx, user.user.id, keep.as_deref()).await?;
    audit::append(
        &mut tx,
        state.now(),
        &user.actor(),
        "user.password.change",
        &format!("user:{}", user.user.id),
        &serde_json::json!({"sessions_ended": ended}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn verify(password: &str, phc: &str) -> bool {
    let (password, phc) = (password.to_owned(), phc.to_owned());
    tokio::task::spawn_blocking(move || verify_password(&password, &phc)).await.unwrap_or(false)
}

#[derive(Serialize, ToSchema)]
pub struct SessionView {
    /// Names the session to end it (not its token).
    pub id: String,
    pub opened_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The address it was signed in from.
    pub address: Option<String>,
    /// The browser's user agent at sign-in (at most 200 characters; empty when not recorded).
    pub user_agent: String,
    /// A short form of it, e.g. "Chrome 131 / Windows".
    pub device: String,
    /// The session of this request.
    pub current: bool,
}

/// The caller's live sessions, newest first.
pub async fn sessions(
    state: &AppState,
    user: &CurrentUser,
    current_token: Option<&str>,
) -> AppResult<Vec<SessionView>> {
    let current = current_token.map(token_hash);
    let rows =
        users_security::sessions_of(&mut *state.store().reader().await?, user.user.id, state.system_now()).await?;
    rows.into_iter().filter(|row| row.public_id.is_some()).map(|row| view(row, current.as_deref())).collect()
}

fn view(row: SessionRow, current: Option<&str>) -> AppResult<SessionView> {
    Ok(SessionView {
        current: current == Some(row.token_hash.as_str()),
        id: row.public_id.unwrap_or_default(),
        opened_at: from_ms(row.created_at)?,
        expires_at: from_ms(row.expires_at)?,
        address: row.address,
        device: super::client::describe_user_agent(&row.user_agent),
        user_agent: row.user_agent,
    })
}

/// Ends one of the caller's sessions (audited); another user's session id is not found.
pub async fn end_session(state: &AppState, user: &CurrentUser, id: &str) -> AppResult<()> {
    let mut tx = state.store().begin().await?;
    if !users_security::end_session(&mut tx, user.user.id, id).await? {
        return Err(AppError::not_found("会话"));
    }
    audit::append(
        &mut tx,
        state.now(),
        &user.actor(),
        "session.end",
        &format!("user:{}", user.user.id),
        &serde_json::json!({"session": id}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A new public id for a session: random, unrelated to its token.
pub fn new_session_id() -> String {
    new_token().0[..24].to_owned()
}

#[derive(Serialize, ToSchema)]
pub struct PasswordReset {
    pub username: String,
    /// The generated temporary password, shown once; the user must change it at the next sign-in.
    pub password: String,
}

/// An administrator resets a user's password to a generated temporary one (shown once) and ends the user's
/// sessions. Audited (without the password).
pub async fn reset_password(state: &AppState, admin: &CurrentUser, username: &str) -> AppResult<PasswordReset> {
    admin.require(&[Role::SecurityAdmin])?;
    let mut tx = state.store().begin().await?;
    let Some(target) = users::by_username(&mut tx, username.trim()).await? else {
        return Err(AppError::not_found("用户"));
    };
    if !target.role.may_sign_in() {
        return Err(AppError::new(ErrorCode::Conflict, crate::app::accounts::INTEGRATION_NO_SIGN_IN));
    }
    let password = generate_password();
    let hash = hash_password(&password)?;
    users_security::set_password(&mut tx, target.id, &hash, state.system_now(), true, false).await?;
    let ended = users_security::end_other_sessions(&mut tx, target.id, None).await?;
    audit::append(
        &mut tx,
        state.now(),
        &admin.actor(),
        "user.password.reset",
        &format!("user:{}", target.id),
        &serde_json::json!({"username": target.username, "sessions_ended": ended}),
    )
    .await?;
    tx.commit().await?;
    Ok(PasswordReset { username: target.username, password })
}
