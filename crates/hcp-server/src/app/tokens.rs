//! API tokens of integration accounts (issue 16): the system administrator issues and revokes them; a token lasts
//! `[security.tokens] default_days` unless fewer days are asked for (at most `max_days`). People do not keep
//! tokens: the 12345 system pushes its records with an integration account's token. Tokens made for people
//! before this issue are listed so that they can be revoked; they work until they expire or are revoked.

use chrono::{DateTime, Duration, Utc};
use hcp_core::FieldErrors;
use hcp_core::role::Role;
use hcp_store::crypto::new_token;
use hcp_store::tokens::{self, TokenRow};
use hcp_store::{AnyConnection, audit, from_ms, users};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::CurrentUser;
use super::error::{AppError, AppResult, ErrorCode};
use super::paging::{Page, Paged};
use super::state::AppState;
use super::views::local;
use crate::config::TokenConfig;

/// Longest name of a token's purpose.
const NAME_MAX: usize = 100;

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    /// The integration account the token acts as.
    pub username: String,
    /// What the token is for, e.g. "12345热线系统对接".
    pub name: String,
    /// Days it lasts: 1 to `[security.tokens] max_days`; `default_days` when absent.
    pub days: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedToken {
    pub id: i64,
    pub name: String,
    pub username: String,
    /// RFC 3339, China Standard Time.
    pub expires_at: String,
    /// Shown once; send as `Authorization: Bearer <token>`.
    pub token: String,
}

/// Whether a token still works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenStatus {
    Active,
    Expired,
    Revoked,
}

impl TokenStatus {
    pub fn label(self) -> &'static str {
        match self {
            TokenStatus::Active => "有效",
            TokenStatus::Expired => "已过期",
            TokenStatus::Revoked => "已吊销",
        }
    }

    fn of(row: &TokenRow, now: DateTime<Utc>) -> TokenStatus {
        TokenStatus::at(row.revoked_at, row.expires_at, now)
    }

    /// The one rule of a token's state, for the lists and for every request that presents one.
    pub fn at(revoked_at: Option<i64>, expires_at: Option<i64>, now: DateTime<Utc>) -> TokenStatus {
        if revoked_at.is_some() {
            TokenStatus::Revoked
        } else if expires_at.is_none_or(|at| at <= hcp_store::ms(now)) {
            // A token without an expiry predates the column's backfill: it is not trusted.
            TokenStatus::Expired
        } else {
            TokenStatus::Active
        }
    }
}

/// A token as the system administrator sees it (never the token itself).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    /// The account the token acts as.
    pub username: String,
    pub role: String,
    /// The account's role in Chinese, e.g. 系统对接账号.
    pub role_label: String,
    /// The account is deactivated: its tokens do not work whatever their status.
    pub account_disabled: bool,
    pub created_at: String,
    /// Who issued it (empty for tokens made before issue 16 recorded it).
    pub created_by: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    pub revoked_by: Option<String>,
    pub status: TokenStatus,
    /// 有效, 已过期 or 已吊销.
    pub status_label: String,
}

fn view(row: TokenRow, now: DateTime<Utc>) -> AppResult<TokenView> {
    let status = TokenStatus::of(&row, now);
    let time = |ms: Option<i64>| -> AppResult<Option<String>> { Ok(ms.map(from_ms).transpose()?.map(local)) };
    let role = Role::from_code(&row.role);
    Ok(TokenView {
        id: row.id,
        name: row.name,
        username: row.username,
        role_label: role.map_or_else(|| row.role.clone(), |r| r.label().to_owned()),
        role: row.role,
        account_disabled: row.account_disabled != 0,
        created_at: local(from_ms(row.created_at)?),
        created_by: row.created_by,
        expires_at: time(row.expires_at)?,
        last_used_at: time(row.last_used_at)?,
        revoked_at: time(row.revoked_at)?,
        revoked_by: row.revoked_by,
        status,
        status_label: status.label().to_owned(),
    })
}

/// Every token, newest first.
pub async fn list(state: &AppState, user: &CurrentUser, page: Page) -> AppResult<Paged<TokenView>> {
    user.require(&[Role::Admin])?;
    let (limit, offset) = page.limit_offset()?;
    let mut conn = state.store().reader().await?;
    let total = tokens::count(&mut conn).await?;
    let now = state.system_now();
    let items =
        tokens::list(&mut conn, limit, offset).await?.into_iter().map(|r| view(r, now)).collect::<AppResult<_>>()?;
    Ok(Paged::of(items, total, (limit, offset)))
}

/// Issues a token for an active integration account (audited `token.create`).
pub async fn issue(state: &AppState, user: &CurrentUser, request: &IssueRequest) -> AppResult<IssuedToken> {
    user.require(&[Role::Admin])?;
    let mut tx = state.store().begin().await?;
    let issued =
        issue_in(&mut tx, &state.config().security.tokens, request, &user.actor(), state.system_now(), state.now())
            .await?;
    tx.commit().await?;
    Ok(issued)
}

/// Issues a token inside the caller's transaction (the API, the page and `hcp user token` alike): the account
/// must be an active integration account, the days within the configured maximum. `now` is the real clock (the
/// expiry), `audit_at` the time of the audit entry.
pub async fn issue_in(
    conn: &mut AnyConnection,
    settings: &TokenConfig,
    request: &IssueRequest,
    actor: &str,
    now: DateTime<Utc>,
    audit_at: DateTime<Utc>,
) -> AppResult<IssuedToken> {
    let mut fields = FieldErrors::default();
    let username = request.username.trim();
    let account = users::by_username(conn, username).await?;
    let account = match account {
        Some(account) if account.role == Role::Integration && account.disabled == 0 => Some(account),
        Some(account) if account.role == Role::Integration => {
            fields.add("username", format!("系统对接账号“{username}”已停用，不能签发令牌"));
            None
        }
        Some(_) => {
            fields.add("username", format!("“{username}”不是系统对接账号：令牌只签发给系统对接账号"));
            None
        }
        None if username.is_empty() => {
            fields.add("username", "请选择系统对接账号");
            None
        }
        None => {
            fields.add("username", format!("账号“{username}”不存在"));
            None
        }
    };
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        fields.add("name", format!("请填写1至{NAME_MAX}字的令牌用途"));
    }
    let max = i64::from(settings.max_days);
    let days = request.days.unwrap_or(i64::from(settings.default_days));
    if !(1..=max).contains(&days) {
        fields.add("days", format!("有效天数应为 1–{max} 天"));
    }
    let Some(account) = account.filter(|_| fields.is_empty()) else {
        return Err(AppError::invalid(fields));
    };
    // Stored in milliseconds: the answer says exactly what is stored.
    let expires_at = from_ms(hcp_store::ms(now + Duration::days(days)))?;
    let (token, hash) = new_token();
    let id = tokens::create(conn, &hash, account.id, name, actor, now, expires_at).await?;
    audit::append(
        conn,
        audit_at,
        actor,
        "token.create",
        &format!("user:{}", account.id),
        &serde_json::json!({"token": id, "name": name, "for": account.username, "expires_at": local(expires_at)}),
    )
    .await?;
    Ok(IssuedToken { id, name: name.to_owned(), username: account.username, expires_at: local(expires_at), token })
}

/// Revokes a token at once (audited `token.revoke`); 409 when it was already revoked.
pub async fn revoke(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<TokenView> {
    user.require(&[Role::Admin])?;
    let now = state.system_now();
    let mut tx = state.store().begin().await?;
    let Some(row) = tokens::get(&mut tx, id).await? else {
        return Err(AppError::new(ErrorCode::NotFound, "访问令牌不存在"));
    };
    if !tokens::revoke(&mut tx, id, &user.actor(), now).await? {
        return Err(AppError::new(ErrorCode::Conflict, format!("访问令牌“{}”已被吊销", row.name)));
    }
    audit::append(
        &mut tx,
        state.now(),
        &user.actor(),
        "token.revoke",
        &format!("user:{}", row.user_id),
        &serde_json::json!({"token": id, "name": row.name}),
    )
    .await?;
    let row = tokens::get(&mut tx, id).await?.ok_or_else(|| AppError::internal("revoked token vanished"))?;
    tx.commit().await?;
    view(row, now)
}

/// An integration account with its tokens.
pub struct IntegrationAccount {
    pub username: String,
    pub display_name: String,
    pub disabled: bool,
    pub tokens: Vec<TokenView>,
}

/// What the integrations page shows: the integration accounts with their tokens, the tokens of people made
/// before issue 16 (to revoke), and the configured days.
pub struct Integrations {
    pub accounts: Vec<IntegrationAccount>,
    pub legacy: Vec<TokenView>,
    pub default_days: u32,
    pub max_days: u32,
}

pub async fn integrations(state: &AppState, user: &CurrentUser) -> AppResult<Integrations> {
    user.require(&[Role::Admin])?;
    let now = state.system_now();
    let mut conn = state.store().reader().await?;
    let mut accounts: Vec<IntegrationAccount> = users::list(&mut conn)
        .await?
        .into_iter()
        .filter(|u| u.role == Role::Integration)
        .map(|u| IntegrationAccount {
            username: u.username,
            display_name: u.display_name,
            disabled: u.disabled != 0,
            tokens: Vec::new(),
        })
        .collect();
    let mut legacy = Vec::new();
    for row in tokens::all(&mut conn).await? {
        let token = view(row, now)?;
        match accounts.iter_mut().find(|a| a.username == token.username) {
            Some(account) => account.tokens.push(token),
            None => legacy.push(token),
        }
    }
    let settings = &state.config().security.tokens;
    Ok(Integrations { accounts, legacy, default_days: settings.default_days, max_days: settings.max_days })
}
