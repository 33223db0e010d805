//! What every API request passes through: a browser's cross-site request carrying a user's session cookie is
//! refused before any handler runs, and every error answer, including those axum writes itself (a body over the
//! limit, an unreadable body), comes out in the API's JSON error shape.

use axum::extract::Request;
use axum::http::header::{CONTENT_TYPE, HOST, ORIGIN};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::error::{AppError, ErrorCode};
use crate::edge::caller::session_cookie;

pub async fn guard(request: Request, next: Next) -> Response {
    if changes_state(request.method())
        && session_cookie(request.headers()).is_some()
        && is_cross_site(request.headers())
    {
        return AppError::new(ErrorCode::Forbidden, "拒绝跨站请求：请在本系统的页面上操作，或由系统对接使用访问令牌")
            .into_response();
    }
    let response = next.run(request).await;
    in_error_shape(response)
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The browser says where the request came from: `Sec-Fetch-Site` (every current browser), else an `Origin`
/// that is not this host. Programs send neither and are not refused; they authenticate with tokens anyway.
pub fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let origin_host = origin.split_once("://").map(|(_, rest)| rest.trim_end_matches('/'));
    let host = headers.get(HOST).and_then(|v| v.to_str().ok());
    match (origin_host, host) {
        (Some(origin_host), Some(host)) => !origin_host.eq_ignore_ascii_case(host),
        // `Origin: null` (a sandboxed or file page) or no host to compare with.
        _ => true,
    }
}

/// An error answer that is not JSON yet (written by axum's extractors or layers) gets the API's shape, keeping
/// its status.
fn in_error_shape(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let error = match status {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::new(ErrorCode::PayloadTooLarge, "提交的内容过大"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::new(ErrorCode::UnsupportedMediaType, "不支持此内容类型"),
        StatusCode::METHOD_NOT_ALLOWED => AppError::new(ErrorCode::MethodNotAllowed, "不支持此请求方法"),
        StatusCode::NOT_FOUND => AppError::new(ErrorCode::NotFound, "请求的地址不存在"),
        s if s.is_client_error() => AppError::new(ErrorCode::InvalidBody, "无法读取请求"),
        _ => AppError::internal(format!("non-JSON error answer with status {status}")),
    };
    let mut shaped = error.into_response();
    // The status the layer chose stands (e.g. 408), the body is ours.
    *shaped.status_mut() = status;
    shaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn cross_site_is_what_the_browser_says_or_a_foreign_origin() {
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "none")])));
        assert!(is_cross_site(&headers(&[("origin", "http://evil.example"), ("host", "10.1.2.3:8080")])));
        assert!(!is_cross_site(&headers(&[("origin", "http://10.1.2.3:8080"), ("host", "10.1.2.3:8080")])));
        assert!(is_cross_site(&headers(&[("origin", "null"), ("host", "10.1.2.3:8080")])));
        assert!(!is_cross_site(&headers(&[("host", "10.1.2.3:8080")])), "a program sends neither header");
    }
}
