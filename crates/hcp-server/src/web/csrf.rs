//! CSRF protection of the page forms.
//!
//! Every browser gets a random secret in the `hcp_csrf` cookie (HttpOnly, SameSite=Strict) the first time it
//! sees a form. Each form carries a hidden `csrf_token` = issue time + keyed MAC (the data key's blind index)
//! over the form's name, the issue time, that secret and the session cookie (if any). A cross-site page can
//! neither read the cookie nor compute the MAC, so it cannot forge the field; a token dies with its session and
//! after [`MAX_AGE_HOURS`]. Browsers that say a request is `Sec-Fetch-Site: cross-site` are refused outright.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::errors::PageError;
use crate::app::state::AppState;
use crate::edge::caller::SESSION_COOKIE;
pub use crate::edge::caller::cookie;

pub const CSRF_COOKIE: &str = "hcp_csrf";
pub const FIELD: &str = "csrf_token";
/// A form left open longer than this must be reloaded.
pub const MAX_AGE_HOURS: i64 = 12;

/// The browser's CSRF secret for rendering forms; new if the browser had none.
pub struct Csrf {
    secret: String,
    session: String,
    is_new: bool,
    secure: bool,
}

impl Csrf {
    pub fn for_request(state: &AppState, headers: &HeaderMap) -> Csrf {
        let session = cookie(headers, SESSION_COOKIE).unwrap_or_default();
        // Marked Secure exactly when the session cookie is (over HTTPS or `[session] secure_cookie`).
        let secure = state.config().secure_cookies();
        match cookie(headers, CSRF_COOKIE).filter(|s| s.len() <= 128) {
            Some(secret) => Csrf { secret, session, is_new: false, secure },
            None => Csrf { secret: random_token(), session, is_new: true, secure },
        }
    }

    /// The hidden field's value for form `form`.
    pub fn token(&self, state: &AppState, form: &str) -> String {
        // Form tokens age on the real clock, so a form opened before the training clock moved still submits.
        let issued = state.system_now().timestamp();
        format!("{issued}.{}", mac(state, form, issued, &self.secret, &self.session))
    }

    /// Adds the cookie to a page response when the secret is new.
    pub fn attach(&self, mut response: Response) -> Response {
        let secure = if self.secure { "; Secure" } else { "" };
        if self.is_new
            && let Ok(value) = HeaderValue::from_str(&format!(
                "{CSRF_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict{secure}",
                self.secret
            ))
        {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
        response
    }
}

/// 128 random bits as hex: a browser's CSRF secret, an entry form's submit key.
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("operating system random source");
    hex::encode(bytes)
}

fn mac(state: &AppState, form: &str, issued: i64, secret: &str, session: &str) -> String {
    state.key().blind_index(&format!("csrf\u{1f}{form}\u{1f}{issued}\u{1f}{secret}\u{1f}{session}"))
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks a submitted form; a refusal is the 403 page and the handler stores nothing.
pub fn verify(state: &AppState, headers: &HeaderMap, form: &str, submitted: Option<&str>) -> Result<(), PageError> {
    let cross_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"));
    if cross_site {
        return Err(PageError::csrf());
    }
    let secret = cookie(headers, CSRF_COOKIE).ok_or_else(PageError::csrf)?;
    let session = cookie(headers, SESSION_COOKIE).unwrap_or_default();
    let (issued, given) = submitted.and_then(|t| t.split_once('.')).ok_or_else(PageError::csrf)?;
    let issued: i64 = issued.parse().map_err(|_| PageError::csrf())?;
    let age = state.system_now().timestamp() - issued;
    if !(-300..=MAX_AGE_HOURS * 3600).contains(&age) {
        let expired = PageError::new(
            StatusCode::FORBIDDEN,
            "页面已过期",
            "页面打开时间过长，为了安全请返回并刷新页面后重新提交。",
        );
        return Err(PageError { code: Some("csrf"), ..expired });
    }
    if constant_time_eq(given, &mac(state, form, issued, &secret, &session)) { Ok(()) } else { Err(PageError::csrf()) }
}
