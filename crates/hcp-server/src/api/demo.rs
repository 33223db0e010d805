//! `/demo/clock`: the training clock of demo mode (`hcp serve --demo --demo-clock`).

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};

use super::error::ErrorBody;
use super::extract::ApiJson;
use crate::app::auth::CurrentUser;
use crate::app::demo::clock::{self, ClockBody, ClockView};
use crate::app::error::AppResult;
use crate::app::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/demo/clock", post(move_clock).get(show_clock))
}

/// The training clock's present.
#[utoipa::path(get, operation_id = "get_demo_clock", path = "/api/v1/demo/clock", tag = "demo",
    responses((status = 200, body = ClockView), (status = 403, body = ErrorBody)))]
pub async fn show_clock(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<ClockView>> {
    clock::show(&state, &user).map(Json)
}

/// Move the training clock forward (admin, demo mode only) and run the scheduler and delivery at once.
#[utoipa::path(post, operation_id = "move_demo_clock", path = "/api/v1/demo/clock", tag = "demo", request_body = ClockBody,
    responses((status = 200, body = ClockView), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn move_clock(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<ClockBody>,
) -> AppResult<Json<ClockView>> {
    clock::move_to(&state, &user, &body).await.map(Json)
}
