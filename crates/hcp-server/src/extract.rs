//! Request extractors whose rejections speak the API's error format, plus the caller's identity.

use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE};
use axum::http::request::Parts;
use hcp_core::FieldErrors;
use hcp_core::role::{Role, Scope};
use hcp_store::users::User;
use serde::de::DeserializeOwned;

use crate::app::state::AppState;
use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "hcp_session";

/// JSON body. Requires `Content-Type: application/json`, which also keeps cross-site HTML forms from posting
/// with a user's cookie.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json =
            req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| {
                ct.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !is_json {
            return Err(ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请求体应为 JSON（Content-Type: application/json）",
            ));
        }
        if declared_length(&req).is_some_and(|len| len > crate::api::JSON_BODY_LIMIT) {
            return Err(drain_oversized(req, crate::api::JSON_BODY_LIMIT).await);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::payload_too_large(crate::api::JSON_BODY_LIMIT)
            } else {
                ApiError::bad_request("invalid_body", "无法读取请求体")
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Largest oversized body read to its end before answering 413. Answering while the client is still sending
/// makes the server close a socket with unread data, which resets the connection and loses the answer; past
/// this size the client gets the reset rather than the server reading megabytes for nothing.
const DRAIN_LIMIT: usize = 1024 * 1024;

fn declared_length(req: &Request) -> Option<usize> {
    req.headers().get(axum::http::header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// Reads and discards an oversized body (up to [`DRAIN_LIMIT`]) so that the 413 reaches the client.
async fn drain_oversized(req: Request, limit: usize) -> ApiError {
    let _ = read_limited(req.into_body(), 0, DRAIN_LIMIT).await;
    ApiError::payload_too_large(limit)
}

#[derive(Debug, PartialEq, Eq)]
pub enum BodyError {
    TooLarge,
    /// The upload broke off.
    Broken,
}

/// A request body of at most `limit` bytes. A larger one is read on, up to `drain` bytes more, and refused:
/// answering while the client still sends resets the connection and loses the answer.
pub async fn read_limited(body: axum::body::Body, limit: usize, drain: usize) -> Result<Vec<u8>, BodyError> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| BodyError::Broken)?;
        seen += chunk.len();
        if seen > limit {
            if seen > limit + drain {
                break;
            }
            continue;
        }
        bytes.extend_from_slice(&chunk);
    }
    if seen > limit { Err(BodyError::TooLarge) } else { Ok(bytes) }
}

/// Parses JSON, naming the field whose type is wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Ok(value) => Ok(value),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                Err(ApiError::bad_request("invalid_json", format!("JSON 格式错误：{inner}")))
            } else {
                let field = if path == "." { "body".to_owned() } else { path };
                Err(ApiError::invalid(FieldErrors::single(field, format!("类型或取值不正确（{inner}）"))))
            }
        }
    }
}

/// Query string whose errors are 400 with the API's body.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer).map(ApiQuery).map_err(|err| {
            let field = err.path().to_string();
            ApiError::bad_request("invalid_query", format!("查询参数 {field} 不正确：{}", err.into_inner()))
                .with_fields(FieldErrors::single(field, "取值不正确"))
        })
    }
}

/// The authenticated caller: a session cookie from the browser or `Authorization: Bearer <token>` from an
/// integration.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub role: Role,
    /// `None` only before the organisation tree exists.
    pub scope: Option<Scope>,
}

impl CurrentUser {
    pub fn require(&self, allowed: &[Role]) -> Result<(), ApiError> {
        if allowed.contains(&self.role) { Ok(()) } else { Err(ApiError::forbidden()) }
    }

    /// Evaluations, tickets and their contents: every role but admin (DESIGN §7).
    pub fn require_reader(&self) -> Result<(), ApiError> {
        if self.role.may_read_evaluations() { Ok(()) } else { Err(ApiError::forbidden()) }
    }

    pub fn scope(&self) -> Result<&Scope, ApiError> {
        self.scope.as_ref().ok_or_else(|| {
            ApiError::new(axum::http::StatusCode::FORBIDDEN, "no_scope", "您的账号尚未设置管辖范围，请联系管理员")
        })
    }

    /// How the audit log names this caller.
    pub fn actor(&self) -> String {
        self.user.username.clone()
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match MaybeUser::from_request_parts(parts, state).await?.0 {
            Some(user) => Ok(user),
            None => Err(ApiError::unauthorized()),
        }
    }
}

/// The caller if authenticated. A bearer token that does not resolve is an error (an integration must learn
/// its token is wrong); a stale cookie just means anonymous.
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(extension) = parts.extensions.get::<CachedUser>() {
            return Ok(MaybeUser(extension.0.clone()));
        }
        let bearer = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(|t| t.trim().to_owned());
        let user = if let Some(token) = bearer {
            match state.token_user(&token).await? {
                Some(user) => Some(user),
                None => {
                    return Err(ApiError::new(
                        axum::http::StatusCode::UNAUTHORIZED,
                        "invalid_token",
                        "访问令牌无效或已被吊销",
                    ));
                }
            }
        } else if let Some(session) = session_cookie(parts) {
            state.session_user(&session).await?
        } else {
            None
        };
        parts.extensions.insert(CachedUser(user.clone()));
        Ok(MaybeUser(user))
    }
}

#[derive(Clone)]
struct CachedUser(Option<CurrentUser>);

pub fn session_cookie(parts: &Parts) -> Option<String> {
    parts.headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|header| {
        header.split(';').find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == SESSION_COOKIE && !value.is_empty()).then(|| value.to_owned())
        })
    })
}

/// The client's address, for rate limits and the hashed client marker on evaluations.
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if state.config().trust_proxy
            && let Some(ip) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .and_then(|v| v.trim().parse::<IpAddr>().ok())
        {
            return Ok(ClientAddr(ip));
        }
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .unwrap_or(IpAddr::from([127, 0, 0, 1]));
        Ok(ClientAddr(ip))
    }
}
