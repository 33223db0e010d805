//! Logging in and out, who am I, and API tokens for integrations.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header::SET_COOKIE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Duration;
use hcp_core::role::Scope;
use hcp_store::crypto::{new_token, token_hash, verify_password};
use hcp_store::{audit, org, users};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::extract::ApiJson;
use crate::app::auth::CurrentUser;
use crate::app::auth::resolve;
use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::state::AppState;
use crate::edge::caller::SESSION_COOKIE;
use crate::edge::client::ClientAddr;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/session", post(login).delete(logout))
        .route("/me", get(me))
        .route("/tokens", post(create_token))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub role_label: String,
    #[schema(value_type = Object)]
    pub scope: Option<Scope>,
    /// For staff and window heads: their own staff number.
    pub staff_no: Option<String>,
}

async fn me_view(state: &AppState, user: &CurrentUser) -> AppResult<MeView> {
    let staff_no = match user.user.staff_id {
        Some(id) => org::staff_by_id(&mut *state.store().reader().await?, id).await?.map(|s| s.staff_no),
        None => None,
    };
    Ok(MeView {
        id: user.user.id,
        username: user.user.username.clone(),
        display_name: user.user.display_name.clone(),
        role: user.role.code().to_owned(),
        role_label: user.role.label().to_owned(),
        scope: user.scope.clone(),
        staff_no,
    })
}

/// Log in; sets an HttpOnly, SameSite=Strict session cookie.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = LoginRequest,
    responses((status = 200, body = MeView), (status = 401, body = crate::api::error::ErrorBody),
        (status = 429, body = crate::api::error::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> AppResult<Response> {
    let (current, cookie) = open_session(&state, ip, &req.username, &req.password).await?;
    let view = me_view(&state, &current).await?;
    let mut response = Json(view).into_response();
    response.headers_mut().insert(SET_COOKIE, cookie);
    Ok(response)
}

/// Checks the credentials (rate-limited per address), stores a new session and returns the user with the
/// `Set-Cookie` value. The API's `POST /session` and the `/login` page share it, so both give the same session.
pub async fn open_session(
    state: &AppState,
    ip: std::net::IpAddr,
    username: &str,
    password: &str,
) -> AppResult<(CurrentUser, HeaderValue)> {
    state
        .limiter()
        .check(&format!("login:{ip}"), state.config().rate_limit.logins_per_minute)
        .map_err(AppError::rate_limited)?;
    let now = state.now();
    let mut conn = state.store().reader().await?;
    let user = users::by_username(&mut conn, username.trim()).await?;
    // Verify even for unknown users so timing does not reveal which user names exist.
    let phc = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| DUMMY_HASH.clone());
    let password = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc)).await.unwrap_or(false);
    let user = match user {
        Some(user) if ok && user.disabled == 0 => user,
        _ => return Err(AppError::new(ErrorCode::InvalidCredentials, "用户名或密码错误")),
    };
    let current = resolve(&mut conn, user).await?;
    drop(conn);
    let (token, hash) = new_token();
    let ttl = Duration::hours(i64::from(state.config().session.ttl_hours));
    let mut tx = state.store().begin().await?;
    users::create_session(&mut tx, &hash, current.user.id, now, now + ttl).await?;
    audit::append(
        &mut tx,
        now,
        &current.actor(),
        "session.create",
        &format!("user:{}", current.user.id),
        &serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    let secure = if state.config().session.secure_cookie { "; Secure" } else { "" };
    let cookie =
        format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}", ttl.num_seconds());
    Ok((current, HeaderValue::from_str(&cookie).map_err(AppError::internal)?))
}

/// An argon2id hash of a random password, used to spend the same time on unknown user names.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    hcp_store::crypto::hash_password(&hcp_store::crypto::generate_password()).unwrap_or_default()
});

/// Log out: ends the session and clears the cookie.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204)))]
pub async fn logout(State(state): State<AppState>, parts: axum::http::request::Parts) -> AppResult<Response> {
    close_session(&state, crate::edge::caller::session_cookie(&parts.headers)).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(SET_COOKIE, HeaderValue::from_static(CLEAR_SESSION_COOKIE));
    Ok(response)
}

/// `Set-Cookie` value that removes the session cookie.
pub const CLEAR_SESSION_COOKIE: &str = "hcp_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";

/// Ends the session of this cookie, if it is one (audited).
pub async fn close_session(state: &AppState, cookie: Option<String>) -> AppResult<()> {
    if let Some(token) = cookie {
        let mut tx = state.store().begin().await?;
        if let Some(user) = users::session_user(&mut tx, &token_hash(&token), state.now()).await? {
            users::delete_session(&mut tx, &token_hash(&token)).await?;
            audit::append(
                &mut tx,
                state.now(),
                &user.username,
                "session.delete",
                &format!("user:{}", user.id),
                &serde_json::json!({}),
            )
            .await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// The signed-in user, role and scope.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = MeView), (status = 401, body = crate::api::error::ErrorBody)))]
pub async fn me(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<MeView>> {
    Ok(Json(me_view(&state, &user).await?))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// What the token is for, e.g. "12345热线系统对接".
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub id: i64,
    pub name: String,
    /// Shown once; send as `Authorization: Bearer <token>`.
    pub token: String,
}

/// Create an API token acting as the signed-in user (for integrations such as the hotline system).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "session", request_body = TokenRequest,
    responses((status = 201, body = TokenResponse), (status = 401, body = crate::api::error::ErrorBody),
        (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<TokenRequest>,
) -> AppResult<(StatusCode, Json<TokenResponse>)> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid_field("name", "请填写1至100字的令牌用途"));
    }
    let (token, hash) = new_token();
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let id = users::create_token(&mut tx, &hash, user.user.id, name, now).await?;
    audit::append(
        &mut tx,
        now,
        &user.actor(),
        "token.create",
        &format!("user:{}", user.user.id),
        &serde_json::json!({"token": id, "name": name}),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(TokenResponse { id, name: name.to_owned(), token })))
}
