//! `/evaluations`: intake from every channel, the scoped list and detail, the audited reveal, and the batch
//! import upload.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use hcp_core::evaluation::EvaluationInput;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiQuery};
use super::{intake, path_id};
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::evaluations::{self, ListQuery, RevealBody, RevealedContact};
use crate::app::import::parse::FileFormat;
use crate::app::import::{self, ImportReport};
use crate::app::intake::Receipt;
use crate::app::paging::Paged;
use crate::app::state::AppState;
use crate::app::views::EvaluationView;
use crate::edge::caller::MaybeUser;
use crate::edge::client::ClientAddr;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/evaluations", post(create).get(list))
        .route("/evaluations/{id}", get(detail))
        .route("/evaluations/{id}/reveal", post(reveal))
}

pub fn import_router() -> Router<AppState> {
    Router::new().route("/evaluations/import", post(import_upload))
}

/// Submit an evaluation. Online channels (`pc`, `mobile`, `qrcode`, `hall_tablet`, `hall_terminal`, `sms`) are
/// public and rate-limited per client; `phone`, `box` and `paper` are entered by a hotline operator or
/// registrar. Levels 1–2 open a ticket. With an `Idempotency-Key` header a retry returns the original response.
#[utoipa::path(post, operation_id = "create_evaluation", path = "/api/v1/evaluations", tag = "evaluations", request_body = EvaluationInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "重试时使用同一键值，不会重复登记")),
    responses(
        (status = 201, body = Receipt, description = "已登记；query_password 仅此一次返回"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "already_evaluated / follow_up_exists"),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    ClientAddr(ip): ClientAddr,
    headers: HeaderMap,
    ApiJson(input): ApiJson<EvaluationInput>,
) -> AppResult<(StatusCode, Json<Receipt>)> {
    intake::submit(&state, user.as_ref(), ip, &headers, &input).await
}

/// Evaluations in the caller's scope, newest first. Evaluator data is masked, and hidden from the evaluated side.
#[utoipa::path(get, operation_id = "list_evaluations", path = "/api/v1/evaluations", tag = "evaluations", params(ListQuery),
    responses((status = 200, body = Paged<EvaluationView>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<EvaluationView>>> {
    evaluations::list(&state, &user, &q).await.map(Json)
}

/// One evaluation in the caller's scope.
#[utoipa::path(get, operation_id = "get_evaluation", path = "/api/v1/evaluations/{id}", tag = "evaluations", params(("id" = i64, Path)),
    responses((status = 200, body = EvaluationView), (status = 404, body = ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<EvaluationView>> {
    evaluations::get(&state, &user, path_id(&id, "评价")?).await.map(Json)
}

/// Reveal the evaluator's name, phone and ID number in clear (supervisor, in scope) with a stated reason; the
/// reveal is audited with the actor, the evaluation and the reason.
#[utoipa::path(post, operation_id = "reveal_evaluator_contact", path = "/api/v1/evaluations/{id}/reveal", tag = "evaluations", params(("id" = i64, Path)),
    request_body = RevealBody, responses((status = 200, body = RevealedContact),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "reason missing or too short")))]
pub async fn reveal(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RevealBody>,
) -> AppResult<Json<RevealedContact>> {
    evaluations::reveal(&state, &user, path_id(&id, "评价")?, &body).await.map(Json)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Original file name; its extension (.csv/.xlsx) tells the format when the Content-Type does not.
    pub filename: Option<String>,
}

/// Batch import of paper forms, box records and hotline logs: the file is the request body, sent with the file's
/// own type — `text/csv`, the XLSX type, or `application/octet-stream` with `?filename=` ending in .csv/.xlsx.
/// Any other type (a browser form's `text/plain`, `multipart/form-data`, `application/x-www-form-urlencoded`) is
/// refused with 415, so a page on another site cannot make a signed-in browser import. Valid rows land; each
/// invalid row is reported. A batch is the file's bytes: the same file imported again adds nothing; identical
/// rows of another file are registered with a warning.
#[utoipa::path(post, operation_id = "import_evaluations", path = "/api/v1/evaluations/import", tag = "evaluations", params(ImportQuery),
    request_body(content((crate::api::openapi::Binary = "text/csv"), (crate::api::openapi::Binary = "application/octet-stream"), (crate::api::openapi::Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")), description = "CSV（UTF-8）或 XLSX 文件内容；以 application/octet-stream 发送时由 filename 的扩展名判断格式"),
    responses((status = 200, body = ImportReport), (status = 400, body = ErrorBody, description = "invalid_file：文件无法读取（编码、表头、格式）"),
        (status = 413, body = ErrorBody, description = "payload_too_large：文件、解压后的大小、行数、列数或单元格位置超过上限"),
        (status = 415, body = ErrorBody, description = "unsupported_file_type：Content-Type 不是 text/csv、XLSX 类型，或 application/octet-stream 而没有 .csv/.xlsx 的 filename"),
        (status = 422, body = ErrorBody, description = "validation_failed：文件中有控制字符（如 NUL），fields 列出行和列，未导入任何记录")))]
pub async fn import_upload(
    State(state): State<AppState>,
    user: CurrentUser,
    ClientAddr(ip): ClientAddr,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<Json<ImportReport>> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::payload_too_large(state.config().upload.max_import_bytes)
        } else {
            AppError::new(ErrorCode::InvalidBody, "无法读取上传的文件")
        }
    })?;
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let format = FileFormat::from_content_type(content_type)
        .or_else(|| {
            // Generated clients send any file as octet-stream: then, and only then, the name tells the format.
            FileFormat::is_octet_stream(content_type).then(|| q.filename.as_deref().and_then(FileFormat::from_name))?
        })
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::UnsupportedFileType,
                "仅支持 CSV（UTF-8）或 XLSX 文件：请以 Content-Type text/csv 或 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet 上传；以 application/octet-stream 上传时须用 filename 参数给出 .csv 或 .xlsx 文件名",
            )
        })?;
    import::upload(&state, &user, ip, &body, format).await.map(Json)
}
