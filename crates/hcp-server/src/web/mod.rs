//! Server-rendered Chinese pages beside the JSON API: the citizen's evaluation and tracking pages (no account,
//! no JavaScript needed), the sign-in page and the signed-in landing page. Templates are compiled into the
//! binary (askama) and the one stylesheet is embedded, so the pages work on an intranet without internet.
//!
//! Every page goes through [`render`], which sets the security headers; every form carries a CSRF token
//! ([`csrf`]). Errors are Chinese pages ([`errors::PageError`]), never internals.

pub mod account;
pub mod account_second_factor;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod charts;
pub mod citizen;
pub mod citizen_forms;
pub mod citizen_paper;
pub mod citizen_public;
pub mod csrf;
pub mod discipline;
pub mod elder;
pub mod entry;
pub mod errors;
pub mod form;
pub mod form_view;
pub mod layout;
pub mod levels;
pub mod listing;
pub mod multipart;
pub mod notices;
pub mod qr;
pub mod second_factor_login;
pub mod signed_in;
pub mod supervise;
pub mod training;
pub mod work;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

use crate::app::state::AppState;
use errors::PageError;

/// The stylesheet of every page, embedded in the binary: common rules and the citizen's pages. Kept small
/// because the citizen's page must load fast on a weak phone connection.
pub const STYLESHEET: &str = concat!(include_str!("../../assets/base.css"), include_str!("../../assets/citizen.css"));

/// The second stylesheet, linked only by signed-in pages: each work area's rules.
pub const WORK_STYLESHEET: &str = concat!(
    include_str!("../../assets/work.css"),
    include_str!("../../assets/entry.css"),
    include_str!("../../assets/supervise.css"),
    include_str!("../../assets/admin.css"),
);
/// Largest form body accepted (a 2000-character comment is ~18 KB URL-encoded).
pub const FORM_BODY_LIMIT: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(auth::home))
        .route("/login", get(auth::login_page).post(auth::login_submit))
        .route("/login/second-factor", axum::routing::post(second_factor_login::submit))
        .route("/account/second-factor", get(account_second_factor::page))
        .route("/account/second-factor/begin", axum::routing::post(account_second_factor::begin))
        .route("/account/second-factor/confirm", axum::routing::post(account_second_factor::confirm))
        .route("/account/second-factor/disable", axum::routing::post(account_second_factor::disable))
        .route("/logout", post(auth::logout))
        .route("/e/{window_code}", get(citizen::evaluate_page).post(citizen::evaluate_submit))
        .route("/track", get(citizen::track_page).post(citizen::track_submit))
        .route("/static/hcp.css", get(|| stylesheet(STYLESHEET)))
        .route("/static/work.css", get(|| stylesheet(WORK_STYLESHEET)))
        .route("/favicon.ico", get(favicon))
        .route("/elder", get(elder::switch))
        .merge(citizen::router())
        .merge(work::router())
        .merge(notices::router())
        .merge(account::router())
        .merge(entry::router())
        .merge(supervise::router())
        .merge(discipline::router())
        .merge(admin::router())
        .merge(audit::router())
        .layer(DefaultBodyLimit::max(FORM_BODY_LIMIT))
        .layer(axum::middleware::from_fn(elder::remember))
}

/// The site's icon (a tick on the hall's red), an SVG: browsers ask for `/favicon.ico` whatever the page links.
pub const FAVICON: &str = include_str!("../../assets/favicon.svg");

async fn favicon() -> Response {
    let mut response = ([(header::CONTENT_TYPE, "image/svg+xml")], FAVICON).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    response
}

/// The page for a path that does not exist.
pub fn not_found() -> Response {
    PageError::not_found().into_response()
}

/// The page for a request whose address cannot be read.
pub fn bad_request(message: String) -> Response {
    PageError::bad_request(message).into_response()
}

/// The page for a method the path does not take.
pub fn method_not_allowed() -> Response {
    PageError::method_not_allowed().into_response()
}

async fn stylesheet(css: &'static str) -> Response {
    let mut response = ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], css).into_response();
    // The stylesheet changes only with the binary; pages link it with a version query.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    response
}

/// Version query of the stylesheet link, so a new binary's stylesheet is fetched despite the long cache.
pub const STYLESHEET_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Renders a page with its status and the headers every page carries: not cached (pages show receipts and
/// personal data), not framed, no resources from elsewhere.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => with_page_headers((status, Html(html)).into_response()),
        Err(err) => {
            tracing::error!(%err, "page template failed");
            with_page_headers(
                (StatusCode::INTERNAL_SERVER_ERROR, Html(errors::FALLBACK_500.to_owned())).into_response(),
            )
        }
    }
}

pub fn with_page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

/// A submitted `application/x-www-form-urlencoded` body as name/value pairs (names may repeat, e.g. tags).
pub struct FormPairs(Vec<(String, String)>);

impl FormPairs {
    pub fn parse(body: Result<Bytes, BytesRejection>) -> Result<FormPairs, PageError> {
        let body = body.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                PageError::new(StatusCode::PAYLOAD_TOO_LARGE, "提交的内容过多", "提交的内容超过了上限，请删减后重试。")
            } else {
                PageError::bad_request("无法读取提交的内容，请返回重试。")
            }
        })?;
        FormPairs::checked(form_urlencoded::parse(&body).into_owned().collect())
    }

    /// Submitted fields, refused whole if any holds a control character (no browser sends one from a form).
    pub fn checked(pairs: Vec<(String, String)>) -> Result<FormPairs, PageError> {
        let problems = crate::edge::text::pair_problems(pairs.iter().map(|(n, v)| (n, v)));
        if !problems.is_empty() {
            return Err(PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "提交的内容有误",
                // The field names are the form's internal ones; a person only needs to know what to remove.
                "提交的内容包含不可见的控制字符（如 NUL），可能是从其他程序粘贴带入的，请删除后重新提交。",
            ));
        }
        Ok(FormPairs(pairs))
    }

    /// The first value of a field, trimmed; empty counts as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    /// The first value as typed (for re-showing a form), or "".
    pub fn text(&self, name: &str) -> String {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(n, _)| n == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty()).collect()
    }
}

/// An RFC 3339 instant of the API's views as the pages show it: `2026年10月12日 10:00` (Beijing time).
pub fn local_text(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.with_timezone(&hcp_core::clock::shanghai()).format("%Y年%m月%d日 %H:%M").to_string())
        .unwrap_or_else(|_| rfc3339.to_owned())
}

/// The day of an instant in Beijing time, as a receipt names a deadline (`2026年10月22日`).
pub fn local_date(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.with_timezone(&hcp_core::clock::shanghai()).format("%Y年%-m月%-d日").to_string())
        .unwrap_or_else(|_| rfc3339.to_owned())
}

/// The base address for links that leave the screen (QR codes on posters and paper forms): `public_url` from
/// the config, else the host the browser asked for.
pub fn public_base(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    let configured = state.config().public_url.trim().trim_end_matches('/');
    if !configured.is_empty() {
        return configured.to_owned();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:8080");
    format!("http://{host}")
}

/// The warning a page with a QR code shows on screen (never on paper) when `public_url` is not configured: the
/// code then carries whatever address this browser used, which citizens' phones often cannot reach
/// (`127.0.0.1`, a name only the office network knows).
pub fn guessed_address_warning(state: &AppState, base: &str) -> Option<String> {
    if !state.config().public_url.trim().is_empty() {
        return None;
    }
    Some(format!(
        "尚未配置对外访问地址（public_url），二维码暂用本浏览器访问的地址 {base}。群众手机可能无法打开这个地址\
         （如 127.0.0.1 只指向本机）：打印前请由系统管理员在配置文件中将 public_url 设为群众手机可访问的地址，\
         重启服务后再打印。"
    ))
}
