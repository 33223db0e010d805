//! `/audit/…`: the audit administrator's reading of the audit log (filtered pages, exports) and the
//! verifications of its chain, run in the background.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::download;
use super::error::ErrorBody;
use super::extract::ApiQuery;
use crate::app::audit_trail::{self, EntriesQuery, EntryView, ExportQuery, VerificationView};
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult};
use crate::app::paging::Paged;
use crate::app::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/audit/entries", get(entries))
        .route("/audit/entries/export", get(export))
        .route("/audit/verifications", get(verifications).post(start_verification))
        .route("/audit/verifications/{id}", get(verification))
}

/// The audit log, newest first, filtered by actor, action (code or prefix ending in `.`), target (exact or prefix
/// ending in `:`) and period (Beijing days) — audit administrator only.
#[utoipa::path(get, operation_id = "list_audit_entries", path = "/api/v1/audit/entries", tag = "audit",
    params(EntriesQuery),
    responses((status = 200, body = Paged<EntryView>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn entries(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<EntriesQuery>,
) -> AppResult<Json<Paged<EntryView>>> {
    audit_trail::entries(&state, &user, &q).await.map(Json)
}

/// The filtered audit log as a file (XLSX or CSV with Chinese headers), newest first; the export itself is
/// audited (`audit.export`, with the filter and the row count).
#[utoipa::path(get, operation_id = "export_audit_entries", path = "/api/v1/audit/entries/export", tag = "audit",
    params(ExportQuery),
    responses((status = 200, description = "审计日志文件（format 选择 XLSX 或 CSV）", content((crate::api::openapi::Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (crate::api::openapi::Binary = "text/csv"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> AppResult<Response> {
    audit_trail::export(&state, &user, &q).await.map(download::response)
}

/// Starts a verification of the audit chain in the background (202 with the queued run). While one is queued
/// or running, that one is answered with 200 and nothing new starts.
#[utoipa::path(post, operation_id = "start_audit_verification", path = "/api/v1/audit/verifications", tag = "audit",
    responses((status = 202, body = VerificationView), (status = 200, body = VerificationView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn start_verification(State(state): State<AppState>, user: CurrentUser) -> AppResult<Response> {
    let (view, started) = audit_trail::start_verification(&state, &user).await?;
    let status = if started { StatusCode::ACCEPTED } else { StatusCode::OK };
    Ok((status, Json(view)).into_response())
}

/// The latest verifications, newest first.
#[utoipa::path(get, operation_id = "list_audit_verifications", path = "/api/v1/audit/verifications", tag = "audit",
    responses((status = 200, body = Vec<VerificationView>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn verifications(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<VerificationView>>> {
    audit_trail::verifications(&state, &user).await.map(Json)
}

/// One verification: its status, the entries checked and what was found.
#[utoipa::path(get, operation_id = "get_audit_verification", path = "/api/v1/audit/verifications/{id}", tag = "audit",
    params(("id" = i64, Path)),
    responses((status = 200, body = VerificationView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn verification(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<VerificationView>> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found("校验"))?;
    audit_trail::verification(&state, &user, id).await.map(Json)
}
