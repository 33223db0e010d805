//! `/me/password`, `/me/sessions`: the caller's own password and sessions; `/admin/users/{username}/password-reset`:
//! an administrator's reset to a generated temporary password.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post, put};

use super::error::ErrorBody;
use super::extract::ApiJson;
use crate::app::auth::CurrentUser;
use crate::app::error::AppResult;
use crate::app::own_account::{self, PasswordChange, PasswordReset, SessionView};
use crate::app::state::AppState;
use crate::edge::caller::session_cookie;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me/password", put(change_password))
        .route("/me/sessions", get(list_sessions))
        .route("/me/sessions/{id}", delete(end_session))
        .route("/admin/users/{username}/password-reset", post(reset_password))
}

/// Change the caller's own password (the current one is asked). Every broken rule of the policy is listed in
/// `fields.password`; the caller's other sessions end. Allowed while a change is due.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "session", request_body = PasswordChange,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    ApiJson(change): ApiJson<PasswordChange>,
) -> AppResult<StatusCode> {
    own_account::change_password(&state, &user, session_cookie(&headers).as_deref(), &change).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's live sessions, newest first (`current` marks this request's).
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "session",
    responses((status = 200, body = Vec<SessionView>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn list_sessions(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
) -> AppResult<Json<Vec<SessionView>>> {
    own_account::sessions(&state, &user, session_cookie(&headers).as_deref()).await.map(Json)
}

/// End one of the caller's sessions by its `id` from the list.
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "session", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn end_session(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    own_account::end_session(&state, &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reset a user's password to a generated temporary one, shown once (system administrator). The user's sessions
/// end and the password must be changed at the next sign-in.
#[utoipa::path(post, path = "/api/v1/admin/users/{username}/password-reset", tag = "admin",
    params(("username" = String, Path)),
    responses((status = 200, body = PasswordReset), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(username): Path<String>,
) -> AppResult<Json<PasswordReset>> {
    own_account::reset_password(&state, &user, &username).await.map(Json)
}
