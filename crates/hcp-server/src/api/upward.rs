//! The upward report of evaluations (GB/T 39046 表9 with the platform interface codes): downloaded as a file,
//! or sent as a batch through the outbox to the configured endpoint.

use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hcp_core::role::Role;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{ApiJson, ApiQuery};
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::state::AppState;
use crate::app::upward::{self, Enqueued, Format, MAX_BATCH_DAYS, MAX_FILE_DAYS, Period};

pub fn router() -> Router<AppState> {
    Router::new().route("/reports/upward", get(export).post(submit))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct UpwardQuery {
    /// First day, YYYY-MM-DD (local date of the evaluation).
    pub from: Option<String>,
    /// Last day, inclusive; the period is at most 366 days.
    pub to: Option<String>,
    /// `csv` (default, UTF-8 with BOM), `xlsx` or `jsonl` (one interface record per line).
    pub format: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpwardBody {
    /// First day, YYYY-MM-DD.
    pub from: Option<String>,
    /// Last day, inclusive; the period is at most 31 days.
    pub to: Option<String>,
}

/// The upward report as a file: adopted evaluations of the days in the caller's scope, with the nine GB/T
/// 39046 表9 fields (办件编号, 评价渠道, 评价人, 评价时间, 评价次数, 满意度, 满意度代码, 文字评价, 行政区划) and the
/// interface codes pf, satisfaction, evalDetail, assessNumber. The evaluator is named only as 匿名/个人/法人.
/// Supervisors only (the file holds comments; admins read no evaluation contents).
#[utoipa::path(get, path = "/api/v1/reports/upward", tag = "stats", params(UpwardQuery),
    responses((status = 200, content_type = "text/csv", body = Vec<u8>),
        (status = 400, body = crate::api::error::ErrorBody), (status = 403, body = crate::api::error::ErrorBody),
        (status = 409, description = "[upward] division_code is not configured", body = crate::api::error::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<UpwardQuery>,
) -> AppResult<Response> {
    user.require(&[Role::Supervisor])?;
    let format = match q.format.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        None => Format::Csv,
        Some(text) => Format::parse(text).ok_or_else(|| {
            AppError::new(ErrorCode::InvalidQuery, format!("format 应为 csv、xlsx 或 jsonl，而不是“{text}”"))
                .with_fields(hcp_core::FieldErrors::single("format", "应为 csv、xlsx 或 jsonl"))
        })?,
    };
    let period = Period::parse(q.from.as_deref(), q.to.as_deref(), MAX_FILE_DAYS)?;
    let division_code = upward::division_code(&state)?;
    let name = format!("{}_{}_{}.{}", upward::TITLE, period.from, period.to, format.extension());
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let mut response =
        upward::body(state.store().clone(), user.scope()?, period, division_code, format).into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{encoded}")) {
        response.headers_mut().insert(CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// Send the upward report of the days (at most 31) in the caller's scope to the configured `[upward]
/// endpoint`: the batch is put in the outbox at once (audited) and delivered by the background task, retried
/// with backoff until the endpoint accepts it. Answers 202 with the outbox message id and the record count.
#[utoipa::path(post, path = "/api/v1/reports/upward", tag = "stats", request_body = UpwardBody,
    responses((status = 202, body = Enqueued),
        (status = 400, body = crate::api::error::ErrorBody), (status = 403, body = crate::api::error::ErrorBody),
        (status = 409, description = "[upward] endpoint or division_code is not configured", body = crate::api::error::ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<UpwardBody>,
) -> AppResult<(StatusCode, Json<Enqueued>)> {
    user.require(&[Role::Supervisor, Role::Admin])?;
    let period = Period::parse(body.from.as_deref(), body.to.as_deref(), MAX_BATCH_DAYS)?;
    let scope = user.scope()?.clone();
    let mut tx = state.store().begin().await?;
    let enqueued = upward::enqueue(&mut tx, &state, &user.actor(), &scope, period).await?;
    tx.commit().await?;
    state.wake_delivery();
    Ok((StatusCode::ACCEPTED, Json(enqueued)))
}
