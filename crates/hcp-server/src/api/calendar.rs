//! `GET /calendar/deadline` and `GET /calendar/workday` (public).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::api::error::ErrorBody;
use crate::api::extract::ApiQuery;
use crate::app::calendar::{self, DeadlineQuery, DeadlineResponse, WorkdayQuery, WorkdayResponse};
use crate::app::error::AppResult;
use crate::app::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/calendar/deadline", get(deadline)).route("/calendar/workday", get(workday))
}

/// Deadline "within N working days of T": the starting day is not counted; the deadline is 23:59:59 (UTC+8)
/// of the N-th working day after it.
#[utoipa::path(get, operation_id = "compute_deadline", path = "/api/v1/calendar/deadline", tag = "calendar", params(DeadlineQuery),
    responses((status = 200, body = DeadlineResponse), (status = 400, body = ErrorBody)))]
pub async fn deadline(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<DeadlineQuery>,
) -> AppResult<Json<DeadlineResponse>> {
    calendar::deadline(&state, &q).map(Json)
}

/// Whether a date is a working day on the official calendar.
#[utoipa::path(get, operation_id = "get_workday", path = "/api/v1/calendar/workday", tag = "calendar", params(WorkdayQuery),
    responses((status = 200, body = WorkdayResponse), (status = 400, body = ErrorBody)))]
pub async fn workday(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<WorkdayQuery>,
) -> AppResult<Json<WorkdayResponse>> {
    calendar::workday(&state, &q).map(Json)
}
