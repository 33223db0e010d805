//! 长辈版 (适老化): large text and high contrast on the citizen's pages, chosen with one link in the header
//! and remembered in a cookie, without any script. `GET /elder?on=1` sets the cookie and goes back to the
//! page the link was followed from; `?on=0` returns to 标准版.
//!
//! [`remember`] reads the cookie once per request and keeps it for the request's task, so every page's
//! [`super::layout::Chrome`] (and the error pages) knows the choice without each handler passing headers on.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::app::state::AppState;
use crate::edge::caller::cookie;

pub const ELDER_COOKIE: &str = "hcp_elder";

tokio::task_local! {
    static ELDER: bool;
}

/// Whether the request being answered asked for 长辈版 (false outside a request).
pub fn current() -> bool {
    ELDER.try_with(|on| *on).unwrap_or(false)
}

/// Middleware of the page router: the choice in the cookie, for [`current`].
pub async fn remember(request: Request, next: Next) -> Response {
    let on = cookie(request.headers(), ELDER_COOKIE).as_deref() == Some("1");
    ELDER.scope(on, next.run(request)).await
}

#[derive(Deserialize)]
pub struct Switch {
    pub on: Option<String>,
}

/// `GET /elder?on=1|0`: remembers the choice for a year and goes back.
pub async fn switch(
    State(state): State<AppState>,
    query: Result<Query<Switch>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let on = query.ok().and_then(|q| q.0.on).as_deref() == Some("1");
    let secure = if state.config().secure_cookies() { "; Secure" } else { "" };
    let cookie = if on {
        format!("{ELDER_COOKIE}=1; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax{secure}")
    } else {
        format!("{ELDER_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}")
    };
    let back = back_to(&headers);
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, back)]).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The page the switch was followed from (its `Referer`, on this host only), else the landing page. Never
/// another site: only a path of the host the browser asked.
fn back_to(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let referer = headers.get(header::REFERER).and_then(|r| r.to_str().ok()).and_then(|r| r.parse::<Uri>().ok());
    let Some((host, referer)) = host.zip(referer) else {
        return "/".into();
    };
    let same_host = referer.authority().is_some_and(|a| a.as_str() == host);
    match referer.path_and_query() {
        Some(p) if same_host && p.path().starts_with('/') && !p.path().starts_with("//") && p.path() != "/elder" => {
            p.as_str().to_owned()
        }
        _ => "/".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(host: &str, referer: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, host.parse().unwrap());
        h.insert(header::REFERER, referer.parse().unwrap());
        h
    }

    #[test]
    fn goes_back_only_to_a_page_of_this_host() {
        assert_eq!(back_to(&headers("hall.local", "http://hall.local/e/W-SC-01?x=1")), "/e/W-SC-01?x=1");
        assert_eq!(back_to(&headers("hall.local", "https://evil.example/e/W-SC-01")), "/");
        assert_eq!(back_to(&headers("hall.local", "http://hall.local/elder?on=1")), "/");
        assert_eq!(back_to(&HeaderMap::new()), "/");
    }
}
