//! `GET /ledgers/{kind}`: ledgers for the director's desk as Excel (XLSX) or CSV files, scoped like everything
//! else and streamed with constant memory.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;

use super::download;
use super::error::ErrorBody;
use super::extract::ApiQuery;
use crate::app::auth::CurrentUser;
use crate::app::error::AppResult;
use crate::app::ledger::{self, LedgerQuery};
use crate::app::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/ledgers/{kind}", get(export))
}

/// A ledger as a file: `tickets` (差评整改台账), `appeals` (申诉复核台账), `orders` (督查台账) or `evaluations`
/// (评价明细, without evaluator identity), for records of the given days in the caller's scope.
#[utoipa::path(get, operation_id = "export_ledger", path = "/api/v1/ledgers/{kind}", tag = "stats", params(("kind" = String, Path), LedgerQuery),
    responses((status = 200, description = "台账文件（format 选择 XLSX 或 CSV）", content((crate::api::openapi::Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (crate::api::openapi::Binary = "text/csv"))),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(kind): Path<String>,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> AppResult<Response> {
    ledger::export(&state, &user, &kind, &q).map(download::response)
}
