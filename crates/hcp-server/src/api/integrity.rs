//! `/fraud-flags`: the integrity review queue, and `/admin/windows/{code}/networks`: a window's own networks.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use hcp_store::integrity::WindowNetwork;

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiQuery};
use super::path_id;
use crate::app::auth::CurrentUser;
use crate::app::error::AppResult;
use crate::app::flag_groups::{self, FlagGroupView, GroupDecision};
use crate::app::integrity::{self, FlagDecisionBody, FlagQuery, FlagView, NetworkBody};
use crate::app::paging::Paged;
use crate::app::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/fraud-flags", get(list))
        .route("/fraud-flags/{id}/decision", post(decide))
        .route("/fraud-flags/groups", get(groups))
        .route("/fraud-flags/groups/{key}/decision", post(decide_group))
        .route("/admin/windows/{code}/networks", get(networks).post(add_network))
}

/// The review queue in the caller's scope (supervisors judge; discipline inspectors read).
#[utoipa::path(get, operation_id = "list_fraud_flags", path = "/api/v1/fraud-flags", tag = "integrity", params(FlagQuery),
    responses((status = 200, body = Paged<FlagView>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<FlagQuery>,
) -> AppResult<Json<Paged<FlagView>>> {
    integrity::list(&state, &user, &q).await.map(Json)
}

/// Judge a flag (supervisor). Confirmed: the evaluation is not adopted (with the reason) and its other open
/// flags are settled with it. Dismissed: it stays adopted.
#[utoipa::path(post, operation_id = "decide_fraud_flag", path = "/api/v1/fraud-flags/{id}/decision", tag = "integrity", params(("id" = i64, Path)),
    request_body = FlagDecisionBody, responses((status = 200, body = FlagView),
        (status = 409, body = ErrorBody, description = "already_decided"),
        (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<FlagDecisionBody>,
) -> AppResult<Json<FlagView>> {
    integrity::decide(&state, &user, path_id(&id, "疑似异常评价")?, &body).await.map(Json)
}

/// The queue by case: the flags of one rule about one subject (one phone's burst at a window, one evaluator, one
/// staff member's day…) with what the rule saw in names and local dates, newest case first. Pages count cases.
#[utoipa::path(get, operation_id = "list_fraud_flag_groups", path = "/api/v1/fraud-flags/groups", tag = "integrity", params(FlagQuery),
    responses((status = 200, body = Paged<FlagGroupView>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn groups(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<FlagQuery>,
) -> AppResult<Json<Paged<FlagGroupView>>> {
    flag_groups::list(&state, &user, &q).await.map(Json)
}

/// Judge every open flag of a case at once (supervisor), as each flag is judged alone; one audit entry per flag.
#[utoipa::path(post, operation_id = "decide_fraud_flag_group", path = "/api/v1/fraud-flags/groups/{key}/decision", tag = "integrity", params(("key" = String, Path)),
    request_body = FlagDecisionBody, responses((status = 200, body = GroupDecision),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "already_decided: no open flag left in the case"),
        (status = 422, body = ErrorBody)))]
pub async fn decide_group(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<FlagDecisionBody>,
) -> AppResult<Json<GroupDecision>> {
    flag_groups::decide(&state, &user, &key, &body).await.map(Json)
}

/// Networks registered to a window's own terminals (admin).
#[utoipa::path(get, operation_id = "list_window_networks", path = "/api/v1/admin/windows/{code}/networks", tag = "admin", params(("code" = String, Path)),
    responses((status = 200, body = Vec<WindowNetwork>)))]
pub async fn networks(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Json<Vec<WindowNetwork>>> {
    integrity::window_networks(&state, &user, &code).await.map(Json)
}

/// Register a network of the window's own terminals: online evaluations of that window from it are flagged at
/// once (`own_terminal`).
#[utoipa::path(post, operation_id = "add_window_network", path = "/api/v1/admin/windows/{code}/networks", tag = "admin", params(("code" = String, Path)),
    request_body = NetworkBody, responses((status = 201, body = WindowNetwork), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_network(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<NetworkBody>,
) -> AppResult<(StatusCode, Json<WindowNetwork>)> {
    Ok((StatusCode::CREATED, Json(integrity::add_window_network(&state, &user, &code, &body).await?)))
}
