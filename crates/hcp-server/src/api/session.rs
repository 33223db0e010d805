//! `/session`, `/me`: signing in and out, and who am I (integration tokens: `tokens`).

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::error::ErrorBody;
use super::extract::ApiJson;
use crate::app::auth::CurrentUser;
use crate::app::client::Client;
use crate::app::error::{AppError, AppResult};
use crate::app::session::{self, LoginRequest, MeView, SignIn};
use crate::app::state::AppState;
use crate::edge::caller::{CLEAR_SESSION_COOKIE, session_cookie, session_set_cookie};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/session", post(login).delete(logout))
        .route("/me", get(me))
        .merge(super::second_factor::router())
}

/// Log in; sets an HttpOnly, SameSite=Strict session cookie. Five wrong passwords to one user name within ten
/// minutes (`[security.lockout]`) lock it for thirty: 429 `account_locked` with `Retry-After`, for unknown names
/// alike; a 429 `rate_limited` is the per-address limit. A user with a second factor gets 401
/// `second_factor_required` with a `pending_token` instead: send it with a code to `POST /session/second-factor`.
#[utoipa::path(post, operation_id = "sign_in", path = "/api/v1/session", tag = "session", request_body = LoginRequest,
    responses((status = 200, body = MeView), (status = 401, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    client: Client,
    ApiJson(request): ApiJson<LoginRequest>,
) -> AppResult<Response> {
    match session::open(&state, &client, &request).await? {
        SignIn::Session(opened) => signed_in(&state, *opened).await,
        SignIn::SecondFactor { pending_token } => Ok(super::second_factor::required(pending_token)),
        SignIn::EnrolmentRequired { pending_token } => Ok(super::second_factor::enrolment_required(pending_token)),
    }
}

/// The answer of a completed sign-in: the user, with the session cookie.
pub async fn signed_in(state: &AppState, opened: session::Session) -> AppResult<Response> {
    let cookie = HeaderValue::from_str(&session_set_cookie(state, &opened.token, opened.max_age_seconds))
        .map_err(AppError::internal)?;
    let mut response = Json(session::me(state, &opened.user).await?).into_response();
    response.headers_mut().insert(SET_COOKIE, cookie);
    Ok(response)
}

/// Log out: ends the session and clears the cookie.
#[utoipa::path(delete, operation_id = "sign_out", path = "/api/v1/session", tag = "session", responses((status = 204)))]
pub async fn logout(State(state): State<AppState>, client: Client, headers: HeaderMap) -> AppResult<Response> {
    session::close(&state, session_cookie(&headers), &client).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(SET_COOKIE, HeaderValue::from_static(CLEAR_SESSION_COOKIE));
    Ok(response)
}

/// The signed-in user, role and scope.
#[utoipa::path(get, operation_id = "get_me", path = "/api/v1/me", tag = "session",
    responses((status = 200, body = MeView), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<MeView>> {
    session::me(&state, &user).await.map(Json)
}
