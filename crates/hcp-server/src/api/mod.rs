//! The HTTP API. Each resource module exposes `router()`; this module mounts them and the fallbacks that keep
//! every answer in the API's error format.

pub mod admin;
pub mod calendar;
pub mod complaints;
pub mod demo;
pub mod error;
pub mod evaluations;
pub mod extract;
pub mod health;
pub mod inbox;
pub mod integrity;
pub mod ledgers;
pub mod local_days;
pub mod openapi;
pub mod org;
pub mod reports;
pub mod session;
pub mod stats;
pub mod supervision;
pub mod tickets;
pub mod track;
pub mod upward;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};

use crate::app::error::{AppError, ErrorCode};
use crate::app::state::AppState;
use crate::web::errors::PageError;

/// Largest JSON body accepted (a 2000-character comment is ~6 KB in UTF-8).
pub const JSON_BODY_LIMIT: usize = 64 * 1024;

pub fn router(state: AppState) -> Router {
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
        .merge(admin::router())
        .merge(local_days::router())
        .merge(integrity::router())
        .merge(stats::router())
        .merge(supervision::router())
        .merge(supervision::orders_router())
        .merge(supervision::hot_topics_router())
        .merge(ledgers::router())
        .merge(upward::router())
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT));
    Router::new()
        .nest("/api/v1", api)
        // The import upload carries a file, so it gets the configured (larger) limit.
        .nest("/api/v1", evaluations::import_router().layer(DefaultBodyLimit::max(import_limit)))
        .nest("/api/v1", tickets::upload_router().layer(DefaultBodyLimit::max(attachment_limit)))
        .merge(health::router())
        .merge(crate::api::openapi::router())
        .merge(crate::web::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// The API keeps its JSON errors; every other path is a page and gets a Chinese HTML page.
async fn not_found(uri: Uri) -> Response {
    if crate::web::is_api_path(uri.path()) {
        AppError::new(ErrorCode::NotFound, "请求的地址不存在").into_response()
    } else {
        PageError::not_found().into_response()
    }
}

async fn method_not_allowed(uri: Uri) -> Response {
    if crate::web::is_api_path(uri.path()) {
        AppError::new(ErrorCode::MethodNotAllowed, "不支持此请求方法").into_response()
    } else {
        PageError::method_not_allowed().into_response()
    }
}

/// Pagination shared by the list endpoints.
#[derive(Debug, Clone, Copy, serde::Deserialize, utoipa::IntoParams)]
pub struct Page {
    /// 1-based page number.
    pub page: Option<i64>,
    /// Items per page, at most 200 (default 50).
    pub per_page: Option<i64>,
}

impl Page {
    pub fn limit_offset(self) -> (i64, i64) {
        let per_page = self.per_page.unwrap_or(50).clamp(1, 200);
        let page = self.page.unwrap_or(1).max(1);
        (per_page, (page - 1) * per_page)
    }
}
