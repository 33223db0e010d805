//! The JSON API under `/api/v1`: thin adapters that read a request, call one use case of `app` and write its
//! answer (or its `AppError` as `{"error":…}`). Each resource module exposes `router()`; this module mounts them.

pub mod account;
pub mod admin;
pub mod admin_changes;
pub mod audit;
pub mod calendar;
pub mod complaints;
pub mod demo;
pub mod download;
pub mod error;
pub mod evaluations;
pub mod extract;
pub mod guard;
pub mod health;
pub mod inbox;
pub mod intake;
pub mod integrity;
pub mod ledgers;
pub mod openapi;
pub mod org;
pub mod reports;
pub mod second_factor;
pub mod session;
pub mod stats;
pub mod supervision;
pub mod tickets;
pub mod tokens;
pub mod track;
pub mod upward;
pub mod users;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Response};

use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::state::AppState;

/// Largest JSON body accepted (a 2000-character comment is ~6 KB in UTF-8).
pub const JSON_BODY_LIMIT: usize = 64 * 1024;

/// The API's routes (`/api/v1/…`, `/api/docs`, `/healthz`), before the state is given.
pub fn router(state: &AppState) -> Router<AppState> {
    let import_limit = state.config().upload.max_import_bytes;
    let attachment_limit = state.config().upload.max_attachment_bytes;
    let api = Router::new()
        .merge(calendar::router())
        .merge(org::router())
        .merge(evaluations::router())
        .merge(complaints::router())
        .merge(tickets::router())
        .merge(track::router())
        .merge(reports::router())
        .merge(inbox::router())
        .merge(demo::router())
        .merge(session::router())
        .merge(account::router())
        .merge(admin::router())
        .merge(tokens::router())
        .merge(admin_changes::router())
        .merge(users::router())
        .merge(integrity::router())
        .merge(stats::router())
        .merge(supervision::router())
        .merge(ledgers::router())
        .merge(upward::router())
        .merge(audit::router())
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT));
    Router::new()
        .nest("/api/v1", api)
        // The import upload carries a file, so it gets the configured (larger) limit.
        .nest("/api/v1", evaluations::import_router().layer(DefaultBodyLimit::max(import_limit)))
        .nest("/api/v1", tickets::upload_router().layer(DefaultBodyLimit::max(attachment_limit)))
        .merge(health::router())
        .merge(openapi::router())
        .layer(axum::middleware::from_fn(guard::guard))
}

/// Whether a path belongs to the API (JSON errors) rather than to the pages (Chinese HTML errors).
pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/") || path == "/healthz"
}

/// The API's answer to a path that does not exist.
pub fn not_found() -> Response {
    AppError::new(ErrorCode::NotFound, "请求的地址不存在").into_response()
}

/// The API's answer to a method the path does not take.
pub fn method_not_allowed() -> Response {
    AppError::new(ErrorCode::MethodNotAllowed, "不支持此请求方法").into_response()
}

/// A numeric id in the path; anything else is the resource not found (`what` names it in Chinese).
pub fn path_id(text: &str, what: &str) -> AppResult<i64> {
    text.parse().map_err(|_| AppError::not_found(what))
}
