//! The caller of a use case: a signed-in user with a role and a scope (their part of the organisation tree),
//! found from a session or an API token. Every use case checks the role it needs and reads within the scope.

use chrono::Duration;
use hcp_core::role::{Role, Scope, ScopeKind};
use hcp_store::crypto::token_hash;
use hcp_store::users::{self, User};
use hcp_store::{AnyConnection, ms, org, tokens};

use super::error::{AppError, AppResult, ErrorCode};
use super::state::AppState;
use super::tokens::TokenStatus;

#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub role: Role,
    /// `None` only before the organisation tree exists.
    pub scope: Option<Scope>,
    /// Signed in with a temporary or expired password: only changing it, the account page and signing out are
    /// allowed (see `own_account::password_change_due`).
    pub password_change_due: bool,
}

impl CurrentUser {
    pub fn require(&self, allowed: &[Role]) -> AppResult<()> {
        if allowed.contains(&self.role) { Ok(()) } else { Err(AppError::forbidden()) }
    }

    /// Evaluations, tickets and their contents: every role but admin (DESIGN §7).
    pub fn require_reader(&self) -> AppResult<()> {
        if self.role.may_read_evaluations() { Ok(()) } else { Err(AppError::forbidden()) }
    }

    pub fn scope(&self) -> AppResult<&Scope> {
        self.scope.as_ref().ok_or_else(|| AppError::new(ErrorCode::NoScope, "您的账号尚未设置管辖范围，请联系管理员"))
    }

    /// The caller's org path, for roles scoped to an org unit.
    pub fn org_path(&self) -> Option<&str> {
        match &self.scope {
            Some(Scope::OrgUnit { path, .. }) => Some(path),
            _ => None,
        }
    }

    /// How the audit log names this caller.
    pub fn actor(&self) -> String {
        self.user.username.clone()
    }
}

/// The user of a session cookie's token, if the session is alive: within its absolute lifetime and used within
/// the idle timeout (both on the real clock). Each use counts as activity.
pub async fn by_session(state: &AppState, token: &str) -> AppResult<Option<CurrentUser>> {
    let hash = token_hash(token);
    let mut conn = state.store().reader().await?;
    match super::session_idle::active_user(state, &mut conn, &hash).await? {
        Some(user) => {
            let mut current = resolve(&mut conn, user).await?;
            current.password_change_due =
                super::own_account::password_change_due(state, &mut conn, current.user.id).await?;
            Ok(Some(current))
        }
        None => Ok(None),
    }
}

/// Token uses are written at most this often per token (like session activity): an integration may call many
/// times a second, and a write each would cost more than the minute of precision is worth.
const TOKEN_TOUCH_EVERY: Duration = Duration::minutes(1);

/// The user an API token acts for, if the token exists (`None`: unknown). An expired or revoked token, or one of
/// a deactivated account, is refused with 401 `invalid_token` saying which. Each use is recorded as the
/// token's last use, at most once a minute. Expiry runs on the real clock.
pub async fn by_token(state: &AppState, token: &str) -> AppResult<Option<CurrentUser>> {
    let mut conn = state.store().reader().await?;
    let Some(presented) = tokens::by_hash(&mut conn, &token_hash(token)).await? else {
        return Ok(None);
    };
    let now = state.system_now();
    match TokenStatus::at(presented.revoked_at, presented.expires_at, now) {
        TokenStatus::Revoked => return Err(AppError::new(ErrorCode::InvalidToken, "访问令牌已被吊销")),
        TokenStatus::Expired => return Err(AppError::new(ErrorCode::InvalidToken, "访问令牌已过期")),
        TokenStatus::Active => {}
    }
    if presented.user.disabled != 0 {
        return Err(AppError::new(ErrorCode::InvalidToken, "访问令牌所属账号已停用"));
    }
    if presented.last_used_at.is_none_or(|at| ms(now) - at >= TOKEN_TOUCH_EVERY.num_milliseconds()) {
        let mut tx = state.store().begin().await?;
        tokens::touch(&mut tx, presented.token_id, now).await?;
        tx.commit().await?;
    }
    Ok(Some(resolve(&mut conn, presented.user).await?))
}

/// A user's role and scope. Roles attached to an org unit but not given one see the whole tree (the
/// jurisdiction's root), which is what a district bureau's staff expect.
pub async fn resolve(conn: &mut AnyConnection, user: User) -> AppResult<CurrentUser> {
    let role = user.role;
    let mut scope = users::scope(conn, &user).await?;
    if scope.is_none() && role.scope_kind() == ScopeKind::OrgUnit {
        scope = root_scope(conn).await?;
    }
    Ok(CurrentUser { user, role, scope, password_change_due: false })
}

/// The jurisdiction's root org unit as a scope.
pub async fn root_scope(conn: &mut AnyConnection) -> hcp_store::Result<Option<Scope>> {
    let units = org::list_org_units(conn).await?;
    Ok(units.into_iter().find(|u| u.parent_id.is_none()).map(|u| Scope::OrgUnit {
        id: u.id,
        code: u.code,
        name: u.name,
        path: u.path,
    }))
}
