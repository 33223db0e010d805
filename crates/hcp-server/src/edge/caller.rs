//! Who is calling: a session cookie from the browser or `Authorization: Bearer <token>` from an integration,
//! resolved once per request.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;

use crate::app::auth::{self, CurrentUser};
use crate::app::error::{AppError, ErrorCode};
use crate::app::state::AppState;

pub const SESSION_COOKIE: &str = "hcp_session";

/// `Set-Cookie` value that removes the session cookie.
pub const CLEAR_SESSION_COOKIE: &str = "hcp_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";

/// The `Set-Cookie` value of a new session (`Secure` over HTTPS or when `[session] secure_cookie` says so).
pub fn session_set_cookie(state: &AppState, token: &str, max_age_seconds: i64) -> String {
    let secure = if state.config().secure_cookies() { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}")
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match MaybeUser::from_request_parts(parts, state).await?.0 {
            // A temporary or expired password: nothing but changing it (issue 15).
            Some(user) if user.password_change_due && !allowed_before_password_change(parts) => {
                Err(crate::app::own_account::change_required())
            }
            Some(user) => Ok(user),
            None => Err(AppError::unauthenticated()),
        }
    }
}

/// What a caller whose password change is due may still reach through the API: who am I and the change itself
/// (signing out needs no caller).
fn allowed_before_password_change(parts: &Parts) -> bool {
    let path = parts.extensions.get::<OriginalUri>().map_or_else(|| parts.uri.path(), |uri| uri.0.path());
    matches!(path, "/api/v1/me" | "/api/v1/me/password")
}

/// The caller if authenticated. A bearer token that does not resolve, has expired, was revoked or belongs to a
/// deactivated account is an error saying which (an integration must learn its token is wrong); a stale cookie
/// just means anonymous.
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(extension) = parts.extensions.get::<CachedUser>() {
            return Ok(MaybeUser(extension.0.clone()));
        }
        let bearer = bearer_token(&parts.headers);
        let user = if let Some(token) = bearer {
            match auth::by_token(state, &token).await? {
                Some(user) => Some(user),
                None => return Err(AppError::new(ErrorCode::InvalidToken, "访问令牌无效")),
            }
        } else if let Some(session) = session_cookie(&parts.headers) {
            auth::by_session(state, &session).await?
        } else {
            None
        };
        if let Some(slot) = parts.extensions.get::<super::refusals::CallerSlot>() {
            slot.fill(user.as_ref());
        }
        parts.extensions.insert(CachedUser(user.clone()));
        Ok(MaybeUser(user))
    }
}

#[derive(Clone)]
struct CachedUser(Option<CurrentUser>);

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|t| t.trim().to_owned())
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|line| {
        line.split(';').find_map(|pair| {
            let (n, v) = pair.trim().split_once('=')?;
            (n == name && !v.is_empty()).then(|| v.to_owned())
        })
    })
}

pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
}
