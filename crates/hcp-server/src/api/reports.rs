//! `POST /misconduct-reports` (R4): coercion, falsification, leaking evaluator data, bad reviews left
//! unrectified. Public and rate-limited like online complaints; each becomes a `misconduct` ticket that only
//! the bureau and discipline inspectors see.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};

use super::error::ErrorBody;
use super::extract::ApiJson;
use super::intake;
use crate::app::error::AppResult;
use crate::app::intake::{Receipt, ReportInput};
use crate::app::state::AppState;
use crate::edge::caller::MaybeUser;
use crate::edge::client::ClientAddr;

pub fn router() -> Router<AppState> {
    Router::new().route("/misconduct-reports", post(create))
}

/// Report misconduct. Answers with a tracking code (prefix M) and query password.
#[utoipa::path(post, operation_id = "create_misconduct_report", path = "/api/v1/misconduct-reports", tag = "complaints", request_body = ReportInput,
    responses((status = 201, body = Receipt), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    ClientAddr(ip): ClientAddr,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ReportInput>,
) -> AppResult<(StatusCode, Json<Receipt>)> {
    intake::submit(&state, user.as_ref(), ip, &headers, &input).await
}
