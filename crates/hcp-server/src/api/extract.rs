//! The API's request extractors, whose rejections speak the API's error format.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::request::Parts;
use hcp_core::FieldErrors;
use serde::de::DeserializeOwned;

use super::JSON_BODY_LIMIT;
use crate::app::error::{AppError, ErrorCode};
use crate::edge::body::{DRAIN_LIMIT, read_limited};

/// JSON body. Requires `Content-Type: application/json`, which also keeps cross-site HTML forms from posting
/// with a user's cookie.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json =
            req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| {
                ct.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !is_json {
            return Err(AppError::new(
                ErrorCode::UnsupportedMediaType,
                "请求体应为 JSON（Content-Type: application/json）",
            ));
        }
        if declared_length(&req).is_some_and(|len| len > JSON_BODY_LIMIT) {
            // Read the oversized body on (bounded) so that the 413 reaches the client.
            let _ = read_limited(req.into_body(), 0, DRAIN_LIMIT).await;
            return Err(AppError::payload_too_large(JSON_BODY_LIMIT));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::payload_too_large(JSON_BODY_LIMIT)
            } else {
                AppError::new(ErrorCode::InvalidBody, "无法读取请求体")
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

fn declared_length(req: &Request) -> Option<usize> {
    req.headers().get(CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// Parses JSON, naming the field whose type is wrong or whose text holds a control character.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Ok(value) => {
            let controls = crate::edge::text::json_problems(bytes);
            if controls.is_empty() { Ok(value) } else { Err(AppError::invalid(controls)) }
        }
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                Err(AppError::new(ErrorCode::InvalidJson, format!("JSON 格式错误：{inner}")))
            } else {
                let message = inner.to_string();
                let field = field_of(&path, &message).unwrap_or_else(|| "body".to_owned());
                Err(AppError::invalid(FieldErrors::single(field, format!("类型或取值不正确（{message}）"))))
            }
        }
    }
}

/// Query string whose errors are 400 with the API's body.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer).map(ApiQuery).map_err(|err| {
            let path = err.path().to_string();
            let message = err.into_inner().to_string();
            let field = field_of(&path, &message).unwrap_or_else(|| "query".to_owned());
            let problem = if message.starts_with("missing field") { "缺少此参数".to_owned() } else { message };
            AppError::new(ErrorCode::InvalidQuery, format!("查询参数 {field} 不正确：{problem}"))
                .with_fields(FieldErrors::single(field, problem))
        })
    }
}

/// The field an error is about: its path, or — when serde reports at the top (`.`), as for a missing or unknown
/// field — the name serde quotes in its message (`missing field `date``).
fn field_of(path: &str, message: &str) -> Option<String> {
    if path != "." && !path.is_empty() {
        return Some(path.to_owned());
    }
    let quoted = message.split('`').nth(1)?;
    (!quoted.is_empty()).then(|| quoted.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)] // read by serde only
    #[serde(deny_unknown_fields)]
    struct Query {
        date: String,
        days: Option<u32>,
    }

    fn query_error(query: &str) -> AppError {
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        let err = serde_path_to_error::deserialize::<_, Query>(deserializer).unwrap_err();
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        AppError::new(ErrorCode::InvalidQuery, "")
            .with_fields(FieldErrors::single(field_of(&path, &message).unwrap_or_else(|| "query".into()), message))
    }

    #[test]
    fn a_missing_or_wrong_field_is_named_by_its_own_name() {
        assert!(query_error("days=2").fields.0.contains_key("date"), "missing field named");
        assert!(query_error("date=x&days=lots").fields.0.contains_key("days"), "wrong type named");
        assert!(query_error("date=x&colour=red").fields.0.contains_key("colour"), "unknown field named");
        let err = parse_json::<Query>(br#"{"days":2}"#).unwrap_err();
        assert!(err.fields.0.contains_key("date"), "{:?}", err.fields);
    }
}
