//! `/supervision/…`: where bad reviews concentrate, the orders of the escalation ladder, and hot topics.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiQuery};
use super::path_id;
use crate::app::auth::CurrentUser;
use crate::app::error::AppResult;
use crate::app::state::AppState;
use crate::app::supervision::concentrations::{self, ConcentrationsView, PeriodQuery};
use crate::app::supervision::hot_topics::{self, DepartmentTopics, TopicsQuery};
use crate::app::supervision::orders::{self, AssessBody, IssueBody, OrderView, OrdersQuery, OutcomeBody, ReportBody};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/supervision/concentrations", get(concentrations))
        .route("/supervision/orders", get(list_orders).post(issue))
        .route("/supervision/orders/{id}/report", post(report))
        .route("/supervision/orders/{id}/assess", post(assess))
        .route("/supervision/orders/{id}/outcome", post(outcome))
        .route("/supervision/hot-topics", get(hot_topics))
}

/// The staff, windows and departments whose adopted bad reviews in the month crossed the thresholds (count, or
/// rate once there are enough evaluations), worst first. Supervisors and discipline inspectors, in scope.
#[utoipa::path(get, operation_id = "list_concentrations", path = "/api/v1/supervision/concentrations", tag = "supervision", params(PeriodQuery),
    responses((status = 200, body = ConcentrationsView), (status = 400, body = ErrorBody)))]
pub async fn concentrations(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> AppResult<Json<ConcentrationsView>> {
    concentrations::list(&state, &user, &q).await.map(Json)
}

/// Issue an order (supervisor). Rectification orders carry a deadline in working days; the figures of the
/// period are attached as evidence.
#[utoipa::path(post, operation_id = "issue_order", path = "/api/v1/supervision/orders", tag = "supervision", request_body = IssueBody,
    responses((status = 201, body = OrderView), (status = 422, body = ErrorBody)))]
pub async fn issue(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<IssueBody>,
) -> AppResult<(StatusCode, Json<OrderView>)> {
    Ok((StatusCode::CREATED, Json(orders::issue(&state, &user, &body).await?)))
}

/// Orders in the caller's scope; discipline inspectors see referrals.
#[utoipa::path(get, operation_id = "list_orders", path = "/api/v1/supervision/orders", tag = "supervision", params(OrdersQuery),
    responses((status = 200, body = Vec<OrderView>)))]
pub async fn list_orders(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<OrdersQuery>,
) -> AppResult<Json<Vec<OrderView>>> {
    orders::list(&state, &user, &q).await.map(Json)
}

/// The head's rectification report (window head or department head of the target).
#[utoipa::path(post, operation_id = "report_order", path = "/api/v1/supervision/orders/{id}/report", tag = "supervision", params(("id" = i64, Path)),
    request_body = ReportBody, responses((status = 200, body = OrderView), (status = 409, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReportBody>,
) -> AppResult<Json<OrderView>> {
    orders::report(&state, &user, path_id(&id, "督办事项")?, &body).await.map(Json)
}

/// Assess a reported order (supervisor). The bad-review rate of the period and of the time since the order are
/// attached as evidence automatically.
#[utoipa::path(post, operation_id = "assess_order", path = "/api/v1/supervision/orders/{id}/assess", tag = "supervision", params(("id" = i64, Path)),
    request_body = AssessBody, responses((status = 200, body = OrderView), (status = 409, body = ErrorBody)))]
pub async fn assess(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AssessBody>,
) -> AppResult<Json<OrderView>> {
    orders::assess(&state, &user, path_id(&id, "督办事项")?, &body).await.map(Json)
}

/// Discipline inspectors record the outcome of a referral.
#[utoipa::path(post, operation_id = "record_order_outcome", path = "/api/v1/supervision/orders/{id}/outcome", tag = "supervision", params(("id" = i64, Path)),
    request_body = OutcomeBody, responses((status = 200, body = OrderView), (status = 409, body = ErrorBody)))]
pub async fn outcome(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OutcomeBody>,
) -> AppResult<Json<OrderView>> {
    orders::conclude(&state, &user, path_id(&id, "督办事项")?, &body).await.map(Json)
}

/// The most frequent issues in adopted bad-review comments and complaints over the period, per department, by
/// segmenting the Chinese text. Supervisors, discipline inspectors and department heads, in scope.
#[utoipa::path(get, operation_id = "list_hot_topics", path = "/api/v1/supervision/hot-topics", tag = "supervision", params(TopicsQuery),
    responses((status = 200, body = Vec<DepartmentTopics>), (status = 400, body = ErrorBody)))]
pub async fn hot_topics(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<TopicsQuery>,
) -> AppResult<Json<Vec<DepartmentTopics>>> {
    hot_topics::list(&state, &user, &q).await.map(Json)
}
