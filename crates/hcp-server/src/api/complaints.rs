//! `POST /complaints`: complaints from the 12345 hotline, the complaint box and online; each becomes a ticket.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use hcp_core::complaint::ComplaintInput;

use super::error::ErrorBody;
use super::extract::ApiJson;
use super::intake;
use crate::app::error::AppResult;
use crate::app::intake::Receipt;
use crate::app::state::AppState;
use crate::edge::caller::MaybeUser;
use crate::edge::client::ClientAddr;

pub fn router() -> Router<AppState> {
    Router::new().route("/complaints", post(create))
}

/// Register a complaint. `online` is public and rate-limited; `phone` and `box` are entered by a hotline
/// operator or registrar. Any part of the target (org unit, department, window, staff) may be left out.
#[utoipa::path(post, operation_id = "create_complaint", path = "/api/v1/complaints", tag = "complaints", request_body = ComplaintInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "重试时使用同一键值，不会重复登记")),
    responses((status = 201, body = Receipt), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    ClientAddr(ip): ClientAddr,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ComplaintInput>,
) -> AppResult<(StatusCode, Json<Receipt>)> {
    intake::submit(&state, user.as_ref(), ip, &headers, &input).await
}
