//! The TOTP second factor: the second step of signing in, and enrolling or disabling one's own factor.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{ErrorBody, ErrorDetail};
use super::extract::ApiJson;
use crate::app::auth::CurrentUser;
use crate::app::client::Client;
use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::second_factor::{self, CodeRequest, EnrolmentView, PENDING_MINUTES, RecoveryCodesView, StatusView};
use crate::app::session::{self, MeView};
use crate::app::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/session/second-factor", post(complete))
        .route("/session/second-factor/enrolment", post(begin_pending))
        .route("/account/second-factor", get(status).post(begin))
        .route("/account/second-factor/confirm", post(confirm))
        .route("/account/second-factor/disable", post(disable))
        .route("/admin/users/{id}/second-factor", axum::routing::delete(admin_reset))
}

/// The 401 of a right password for a user with a second factor.
#[derive(Serialize, ToSchema)]
pub struct SecondFactorRequired {
    pub error: ErrorDetail,
    /// Send back with the code to `POST /api/v1/session/second-factor`.
    pub pending_token: String,
    pub expires_in_seconds: i64,
}

pub fn required(pending_token: String) -> Response {
    pending_answer("second_factor_required", "请输入手机验证器显示的6位验证码（或一个恢复码）", pending_token)
}

/// The 401 of a right password for a user whose role must have a second factor and who has none yet.
pub fn enrolment_required(pending_token: String) -> Response {
    pending_answer(
        "second_factor_enrolment_required",
        "您的角色须启用双因素认证：请先绑定手机验证器，再输入验证码完成登录",
        pending_token,
    )
}

fn pending_answer(code: &str, message: &str, pending_token: String) -> Response {
    let body = SecondFactorRequired {
        error: ErrorDetail { code: code.into(), message: message.into(), fields: Default::default() },
        pending_token,
        expires_in_seconds: PENDING_MINUTES * 60,
    };
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondStepRequest {
    pub pending_token: String,
    /// The 6-digit code, or a recovery code.
    pub code: String,
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PendingRequest {
    pub pending_token: String,
}

/// For a sign-in answered `second_factor_enrolment_required`: a secret to scan; then send a code from it with
/// the pending token to `POST /api/v1/session/second-factor`.
#[utoipa::path(post, operation_id = "begin_pending_second_factor_enrolment", path = "/api/v1/session/second-factor/enrolment", tag = "session", request_body = PendingRequest,
    responses((status = 201, body = EnrolmentView), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn begin_pending(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<PendingRequest>,
) -> AppResult<(StatusCode, Json<EnrolmentView>)> {
    Ok((StatusCode::CREATED, Json(second_factor::begin_pending(&state, &request.pending_token).await?)))
}

/// Second step of signing in: the pending token and a code give the session cookie. When it completes an
/// enrolment, the answer also carries the ten `recovery_codes` (shown this once).
#[utoipa::path(post, operation_id = "complete_second_factor_sign_in", path = "/api/v1/session/second-factor", tag = "session", request_body = SecondStepRequest,
    responses((status = 200, body = MeView), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn complete(
    State(state): State<AppState>,
    client: Client,
    ApiJson(request): ApiJson<SecondStepRequest>,
) -> AppResult<Response> {
    let completed = second_factor::complete(&state, &request.pending_token, &request.code, &client).await?;
    let response = super::session::signed_in(&state, session::create(&state, completed.user, &client).await?).await?;
    match completed.recovery_codes {
        None => Ok(response),
        Some(codes) => with_recovery_codes(response, codes).await,
    }
}

/// Adds `recovery_codes` to the user object of a sign-in answer (keeping its cookie).
async fn with_recovery_codes(response: Response, codes: Vec<String>) -> AppResult<Response> {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.map_err(AppError::internal)?;
    let mut me: serde_json::Value = serde_json::from_slice(&bytes).map_err(AppError::internal)?;
    me["recovery_codes"] = serde_json::json!(codes);
    let mut answer = Json(me).into_response();
    *answer.headers_mut() = parts.headers;
    Ok(answer)
}

/// Whether the signed-in user's second factor is on, and how many recovery codes are left.
#[utoipa::path(get, operation_id = "get_second_factor", path = "/api/v1/account/second-factor", tag = "session",
    responses((status = 200, body = StatusView), (status = 401, body = ErrorBody)))]
pub async fn status(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<StatusView>> {
    second_factor::status(&state, &user).await.map(Json)
}

/// A new secret to scan (not on until confirmed with a code).
#[utoipa::path(post, operation_id = "begin_second_factor_enrolment", path = "/api/v1/account/second-factor", tag = "session",
    responses((status = 201, body = EnrolmentView), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn begin(State(state): State<AppState>, user: CurrentUser) -> AppResult<(StatusCode, Json<EnrolmentView>)> {
    Ok((StatusCode::CREATED, Json(second_factor::begin(&state, &user).await?)))
}

/// Turns the factor on with a code; answers the ten recovery codes, shown this once.
#[utoipa::path(post, operation_id = "confirm_second_factor", path = "/api/v1/account/second-factor/confirm", tag = "session", request_body = CodeRequest,
    responses((status = 200, body = RecoveryCodesView), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(request): ApiJson<CodeRequest>,
) -> AppResult<Json<RecoveryCodesView>> {
    second_factor::confirm(&state, &user, &request).await.map(Json)
}

/// Turns the factor off with a current code or a recovery code.
#[utoipa::path(post, operation_id = "disable_second_factor", path = "/api/v1/account/second-factor/disable", tag = "session", request_body = CodeRequest,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn disable(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(request): ApiJson<CodeRequest>,
) -> AppResult<StatusCode> {
    second_factor::disable(&state, &user, &request).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An administrator removes a user's second factor (a lost phone, no recovery code left).
#[utoipa::path(delete, operation_id = "reset_second_factor", path = "/api/v1/admin/users/{id}/second-factor", tag = "admin",
    params(("id" = i64, Path, description = "The user")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn admin_reset(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> AppResult<StatusCode> {
    let id: i64 = id.parse().map_err(|_| AppError::new(ErrorCode::NotFound, "没有这个用户"))?;
    second_factor::admin_reset(&state, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
