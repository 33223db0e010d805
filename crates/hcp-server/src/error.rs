//! The one error type of the API: `{"error":{"code","message","fields"}}` with a stable snake_case code, a
//! Chinese message and per-field messages. Server faults are logged with their cause and shown opaque.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hcp_core::FieldErrors;
use hcp_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: FieldErrors,
    pub retry_after: Option<u64>,
}

/// Body of every error response.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code for programs, e.g. `already_evaluated`.
    pub code: String,
    /// Explanation in Chinese for people.
    pub message: String,
    /// Field name → message, for forms.
    #[schema(value_type = Object)]
    pub fields: FieldErrors,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), fields: FieldErrors::new(), retry_after: None }
    }

    pub fn with_fields(mut self, fields: FieldErrors) -> Self {
        self.fields = fields;
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "请先登录")
    }

    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "您的角色无权进行此操作")
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what}不存在或不在您的管辖范围内"))
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 422 with per-field messages.
    pub fn invalid(fields: FieldErrors) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "提交的信息有误，请按提示修改")
            .with_fields(fields)
    }

    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::invalid(FieldErrors::single(field, message))
    }

    pub fn too_many(retry_after: u64) -> Self {
        let mut error = Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "提交过于频繁，请稍后再试");
        error.retry_after = Some(retry_after);
        error
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("提交的内容过大（上限{}KB）", limit / 1024),
        )
    }

    /// A fault of ours: logged with its cause, shown without internals.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "服务器内部错误，请稍后重试或联系管理员")
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(what) => ApiError::conflict("conflict", format!("{what}已存在")),
            other => ApiError::internal(other),
        }
    }
}

impl From<hcp_store::sqlx::Error> for ApiError {
    fn from(err: hcp_store::sqlx::Error) -> Self {
        ApiError::from(StoreError::from(err))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            ErrorBody { error: ErrorDetail { code: self.code.to_owned(), message: self.message, fields: self.fields } };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
