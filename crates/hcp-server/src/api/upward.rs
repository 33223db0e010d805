//! `/reports/upward`: the upward report of evaluations (GB/T 39046 表9 with the platform interface codes),
//! downloaded as a file or sent as a batch through the outbox to the configured endpoint.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};

use super::download;
use super::error::ErrorBody;
use super::extract::{ApiJson, ApiQuery};
use crate::app::auth::CurrentUser;
use crate::app::error::AppResult;
use crate::app::state::AppState;
use crate::app::upward::{self, Enqueued, UpwardBody, UpwardQuery};

pub fn router() -> Router<AppState> {
    Router::new().route("/reports/upward", get(export).post(submit))
}

/// The upward report as a file: adopted evaluations of the days in the caller's scope, with the nine GB/T
/// 39046 表9 fields (办件编号, 评价渠道, 评价人, 评价时间, 评价次数, 满意度, 满意度代码, 文字评价, 行政区划) and the
/// interface codes pf, satisfaction, evalDetail, assessNumber. The evaluator is named only as 匿名/个人/法人.
/// Supervisors only (the file holds comments; admins read no evaluation contents).
#[utoipa::path(get, operation_id = "export_upward_report", path = "/api/v1/reports/upward", tag = "stats", params(UpwardQuery),
    responses((status = 200, description = "上报文件（format 选择 CSV、XLSX 或 JSONL）", content((crate::api::openapi::Binary = "text/csv"), (crate::api::openapi::Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (crate::api::openapi::Binary = "application/x-ndjson"))),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "[upward] division_code is not configured", body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<UpwardQuery>,
) -> AppResult<Response> {
    upward::export(&state, &user, &q).map(download::response)
}

/// Send the upward report of the days (at most 31) in the caller's scope to the configured `[upward]
/// endpoint`: the batch is put in the outbox at once (audited) and delivered by the background task, retried
/// with backoff until the endpoint accepts it. Answers 202 with the outbox message id and the record count.
#[utoipa::path(post, operation_id = "submit_upward_report", path = "/api/v1/reports/upward", tag = "stats", request_body = UpwardBody,
    responses((status = 202, body = Enqueued),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "[upward] endpoint or division_code is not configured", body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<UpwardBody>,
) -> AppResult<(StatusCode, Json<Enqueued>)> {
    Ok((StatusCode::ACCEPTED, Json(upward::submit(&state, &user, &body).await?)))
}
