//! The API's error answer: `{"error":{"code","message","fields"}}` with the status of the code's row in
//! `edge::status`. A server fault is logged here, once, with its cause chain, and answered without internals.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use hcp_core::FieldErrors;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::error::AppError;
use crate::edge;

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

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if self.is_internal() {
            tracing::error!(cause = %self.chain(), "internal error");
        }
        let status = edge::status::of(self.code);
        let retry_after = self.retry_after;
        let code = self.code.as_str();
        let body = ErrorBody {
            error: ErrorDetail { code: self.code.as_str().to_owned(), message: self.message, fields: self.fields },
        };
        let mut response = (status, axum::Json(body)).into_response();
        response.extensions_mut().insert(edge::refusals::RefusalCode(code));
        if let Some(seconds) = retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
