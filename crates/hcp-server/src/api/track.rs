//! `/track/{code}`: the citizen's side, without an account — the tracking code and query password from the
//! receipt show the handling; with them the citizen rates it and adds the one follow-up evaluation.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiQuery};
use crate::app::error::AppResult;
use crate::app::intake::Receipt;
use crate::app::state::AppState;
use crate::app::track::{self, FollowUpBody, PasswordQuery, RatingBody, TrackView};
use crate::edge::client::ClientAddr;

pub const PASSWORD_HEADER: &str = "x-query-password";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/track/{code}", get(show))
        .route("/track/{code}/rating", post(rate))
        .route("/track/{code}/follow-up", post(follow_up))
}

/// The password from the `X-Query-Password` header, else from the query or body.
fn password_from(headers: &HeaderMap, given: Option<&str>) -> Option<String> {
    headers
        .get(PASSWORD_HEADER)
        .and_then(|v| v.to_str().ok())
        .or(given)
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
}

/// Follow a submission: state, deadline, the citizen-safe timeline and the feedback.
#[utoipa::path(get, operation_id = "track_submission", path = "/api/v1/track/{code}", tag = "track", params(("code" = String, Path), PasswordQuery,
        ("X-Query-Password" = Option<String>, Header, description = "查询密码")),
    responses((status = 200, body = TrackView), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<PasswordQuery>,
    headers: HeaderMap,
) -> AppResult<Json<TrackView>> {
    track::lookup(&state, ip, &code, password_from(&headers, q.password.as_deref())).await.map(Json)
}

/// The citizen rates the handling after feedback: satisfied closes the ticket, unsatisfied reopens it once,
/// then escalates to the bureau.
#[utoipa::path(post, operation_id = "rate_handling", path = "/api/v1/track/{code}/rating", tag = "track", params(("code" = String, Path)),
    request_body = RatingBody, responses((status = 200, body = TrackView),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn rate(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    Path(code): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RatingBody>,
) -> AppResult<Json<TrackView>> {
    let password = password_from(&headers, body.password.as_deref());
    track::rate(&state, ip, &code, password, body.satisfaction, body.note).await.map(Json)
}

/// The one follow-up evaluation (追评) of a case-bound evaluation.
#[utoipa::path(post, operation_id = "add_follow_up", path = "/api/v1/track/{code}/follow-up", tag = "track", params(("code" = String, Path)),
    request_body = FollowUpBody, responses((status = 201, body = Receipt),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn follow_up(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    Path(code): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<FollowUpBody>,
) -> AppResult<(StatusCode, Json<Receipt>)> {
    let password = password_from(&headers, body.password.as_deref());
    let receipt = track::follow_up(&state, ip, &code, password, body).await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}
