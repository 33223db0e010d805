//! Refused requests in the audit (GB/T 22239 8.1.4.3), over the whole router (API and pages): a request
//! answered 401 or 403 is recorded after its answer is made, by `app::refusals` — an entry for a known caller's
//! state-changing request, a count per hour for refused reads and for callers without credentials. Recording
//! is best effort: a failure is logged and never changes the answer.

use std::sync::{Arc, OnceLock};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::app::auth::CurrentUser;
use crate::app::client::Client;
use crate::app::error::AppResult;
use crate::app::refusals::{self, Known, Refused};
use crate::app::state::AppState;
use crate::edge::caller::{bearer_token, session_cookie};
use crate::edge::client::{ClientAddr, client_of};

/// Where `MaybeUser` leaves the caller it resolved, so a refusal knows who was refused without a second
/// lookup. Empty when the request was refused before any extractor looked.
#[derive(Clone, Default)]
pub struct CallerSlot(Arc<OnceLock<Option<Known>>>);

impl CallerSlot {
    pub fn fill(&self, user: Option<&CurrentUser>) {
        let _ = self.0.set(user.map(|u| Known { id: u.user.id, username: u.user.username.clone() }));
    }
}

/// The error code of a refusal, left in the answer's extensions by the API's and the pages' error answers.
#[derive(Clone, Copy, Debug)]
pub struct RefusalCode(pub &'static str);

/// What of the request a refusal needs, taken before the request goes on.
struct Seen {
    method: Method,
    path: String,
    client: Client,
    bearer: Option<String>,
    session: Option<String>,
    slot: CallerSlot,
}

pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let ClientAddr(address) = match ClientAddr::from_request_parts(&mut parts, &state).await {
        Ok(address) => address,
        Err(never) => match never {},
    };
    let seen = Seen {
        method: parts.method.clone(),
        path: parts.uri.path().to_owned(),
        client: client_of(address, &parts.headers),
        bearer: bearer_token(&parts.headers),
        session: session_cookie(&parts.headers),
        slot: CallerSlot::default(),
    };
    parts.extensions.insert(seen.slot.clone());
    let response = next.run(Request::from_parts(parts, body)).await;
    let status = response.status();
    if status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN {
        return response;
    }
    // A failed sign-in (or second step) is its own entry, `session.refused` or `second_factor.sign_in_failed`.
    if status == StatusCode::UNAUTHORIZED && is_sign_in(&seen.method, &seen.path) {
        return response;
    }
    let code = response.extensions().get::<RefusalCode>().map_or_else(
        || if status == StatusCode::UNAUTHORIZED { "unauthenticated" } else { "forbidden" },
        |code| code.0,
    );
    if let Err(err) = record(&state, &seen, status, code).await {
        tracing::warn!(cause = %err.chain(), method = %seen.method, path = %seen.path, "refused request not recorded");
    }
    response
}

fn is_sign_in(method: &Method, path: &str) -> bool {
    *method == Method::POST
        && (path == "/api/v1/session"
            || path.starts_with("/api/v1/session/")
            || path == "/login"
            || path.starts_with("/login/"))
}

async fn record(state: &AppState, seen: &Seen, status: StatusCode, code: &str) -> AppResult<()> {
    let (user, token_owner) = match seen.slot.0.get() {
        Some(user) => (user.clone(), None),
        None => refusals::identify(state, seen.session.as_deref(), seen.bearer.as_deref()).await?,
    };
    let reading = matches!(seen.method, Method::GET | Method::HEAD);
    if !reading {
        return match user {
            Some(user) => {
                let refused = Refused {
                    method: seen.method.as_str(),
                    path: &seen.path,
                    status: status.as_u16(),
                    code,
                    client: &seen.client,
                };
                refusals::audit_refused(state, &user, &refused).await
            }
            None => refusals::count_anonymous(state, &seen.client, &seen.path).await,
        };
    }
    let bad_token = status == StatusCode::UNAUTHORIZED && seen.bearer.is_some() && user.is_none();
    if status == StatusCode::FORBIDDEN
        && let Some(user) = &user
    {
        return refusals::count_read(state, user, &seen.path).await;
    }
    if bad_token {
        // A token that no longer works still names its owner; one that never did, only its address.
        return match token_owner {
            Some(owner) => refusals::count_read(state, &owner, &seen.path).await,
            None => refusals::count_anonymous(state, &seen.client, &seen.path).await,
        };
    }
    Ok(())
}
