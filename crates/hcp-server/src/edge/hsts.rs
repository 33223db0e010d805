//! `Strict-Transport-Security` on every answer when the server is reached over HTTPS (`public_url` https), so a
//! browser that once used the gateway never falls back to plain http. Not sent otherwise: an intranet served over
//! http must keep working.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::STRICT_TRANSPORT_SECURITY;
use axum::middleware::Next;
use axum::response::Response;

use crate::app::state::AppState;

/// One year, the usual value; sub-domains are left alone (they may be other bureaus' systems).
const HSTS: &str = "max-age=31536000";

pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if state.config().serves_https() {
        response.headers_mut().insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    response
}
