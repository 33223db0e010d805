//! Ledgers for the director's desk as Excel (XLSX) or CSV files, scoped like everything else and streamed with
//! constant memory.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Datelike, NaiveDate};
use hcp_core::clock::shanghai;
use hcp_core::role::Role;
use hcp_store::ledger::{Kind, ledger};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::extract::ApiQuery;
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::ledger::{Format, body};
use crate::app::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/ledgers/{kind}", get(export))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LedgerQuery {
    /// `xlsx` (default) or `csv` (UTF-8 with BOM).
    pub format: Option<String>,
    /// First day, YYYY-MM-DD (default: the first of this month).
    pub from: Option<String>,
    /// Last day, inclusive (default: today).
    pub to: Option<String>,
}

fn day(text: Option<&str>, field: &str, default: NaiveDate) -> AppResult<NaiveDate> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(default),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map_err(|_| AppError::new(ErrorCode::InvalidQuery, format!("{field} 应为 YYYY-MM-DD 日期"))),
    }
}

fn start_of(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(shanghai()).single())
        .map(|t| t.timestamp_millis())
        .unwrap_or_default()
}

/// A ledger as a file: `tickets` (差评整改台账), `appeals` (申诉复核台账), `orders` (督查台账) or `evaluations`
/// (评价明细, without evaluator identity), for records of the given days in the caller's scope.
#[utoipa::path(get, path = "/api/v1/ledgers/{kind}", tag = "stats", params(("kind" = String, Path), LedgerQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 400, body = crate::api::error::ErrorBody), (status = 404, body = crate::api::error::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(kind): Path<String>,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> AppResult<Response> {
    user.require(&[Role::Supervisor, Role::Discipline, Role::DeptHead, Role::WindowHead])?;
    let kind = Kind::parse(&kind).ok_or_else(|| AppError::not_found("台账"))?;
    let format = match q.format.as_deref().map(str::trim).unwrap_or("xlsx") {
        "xlsx" | "" => Format::Xlsx,
        "csv" => Format::Csv,
        other => {
            return Err(AppError::new(ErrorCode::InvalidQuery, format!("format 应为 xlsx 或 csv，而不是“{other}”")));
        }
    };
    let today = state.now().with_timezone(&shanghai()).date_naive();
    let from = day(q.from.as_deref(), "from", today.with_day(1).unwrap_or(today))?;
    let to = day(q.to.as_deref(), "to", today)?;
    let include_misconduct = matches!(user.role, Role::Supervisor | Role::Discipline);
    let next = to.succ_opt().unwrap_or(to);
    let ledger = ledger(kind, user.scope()?, include_misconduct, start_of(from), start_of(next));
    let (content_type, extension) = match format {
        Format::Xlsx => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
    };
    let name = format!("{}_{from}_{to}.{extension}", ledger.title);
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let mut response = body(state.store().clone(), ledger, format).into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{encoded}")) {
        response.headers_mut().insert(CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
