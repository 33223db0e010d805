//! A file produced by a use case as a download: its bytes streamed as they come, with its type and name.

use axum::body::{Body, Bytes};
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use crate::app::ledger::Export;

/// `Content-Disposition: attachment` with the UTF-8 file name (RFC 6266 `filename*`).
pub fn attachment_header(filename: &str) -> Option<HeaderValue> {
    let encoded: String = form_urlencoded::byte_serialize(filename.as_bytes()).collect();
    HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{encoded}")).ok()
}

/// The export as a streamed response.
pub fn response(export: Export) -> Response {
    // Fused: the compression layer polls its body once more after the end, which a bare `unfold` panics on.
    let stream = futures_util::stream::unfold(export.stream, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk.map(Bytes::from), rx))
    })
    .fuse();
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(export.content_type));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Some(value) = attachment_header(&export.filename) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    response
}
