//! Chinese error pages: 400, 403, 404, 413, 429 and 500, without internals.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::error::AppError;

/// Shown if even the error template fails.
pub const FALLBACK_500: &str = "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>服务器内部错误</title>\
<p>服务器内部错误，请稍后重试或联系管理员。</p></html>";

#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub title: &'static str,
    pub message: String,
    pub retry_after: Option<u64>,
    /// The error code of a refusal, for the audit of refused requests (`csrf` for a form's refusal).
    pub code: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: super::layout::Chrome,
    status: u16,
    message: &'a str,
}

impl PageError {
    pub fn new(status: StatusCode, title: &'static str, message: impl Into<String>) -> Self {
        PageError { status, title, message: message.into(), retry_after: None, code: None }
    }

    fn new_coded(code: &'static str, status: StatusCode, title: &'static str, message: impl Into<String>) -> Self {
        PageError { code: Some(code), ..Self::new(status, title, message) }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "页面不存在", "您访问的页面不存在，请检查地址是否正确。")
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "请求有误", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "无权访问", message)
    }

    /// A form without a valid CSRF token.
    pub fn csrf() -> Self {
        Self::new_coded(
            "csrf",
            StatusCode::FORBIDDEN,
            "无法提交",
            "为了您的安全，本次提交未被受理（页面校验信息缺失或无效）。请返回原页面，刷新后重新提交；如仍不行，请确认浏览器允许本网站使用 Cookie。",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "服务器内部错误",
            "服务器暂时无法处理您的请求，请稍后重试或联系管理员。",
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "请求方式不正确",
            "该页面不支持此请求方式，请从页面上的链接或按钮进入。",
        )
    }
}

/// A use case's refusal as a page: its Chinese message for a client's mistake, nothing of the cause for a
/// fault of ours (logged here, once, with its cause chain).
impl From<AppError> for PageError {
    fn from(err: AppError) -> Self {
        if err.is_internal() {
            tracing::error!(cause = %err.chain(), "internal error");
        }
        let status = crate::edge::status::of(err.code);
        let mut page = match status.as_u16() {
            401 => PageError::new(status, "请先登录", "请先登录后再访问此页面。"),
            403 => PageError::forbidden(err.message),
            404 => PageError::new(status, "未找到", err.message),
            429 => PageError::new(status, "操作过于频繁", err.message),
            400..=499 => PageError::new(status, "无法完成", err.message),
            503 => PageError::new(status, "服务暂不可用", "服务正在维护或重启，请稍后重试。"),
            _ => PageError::internal(),
        };
        page.retry_after = err.retry_after;
        page.code = Some(err.code.as_str());
        page
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            chrome: super::layout::Chrome::public(self.title),
            status: self.status.as_u16(),
            message: &self.message,
        };
        let mut response = super::render(self.status, &page);
        if let Some(code) = self.code {
            response.extensions_mut().insert(crate::edge::refusals::RefusalCode(code));
        }
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
