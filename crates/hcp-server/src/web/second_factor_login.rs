//! The second step of signing in on the pages: after a right password, a user with a second factor types the
//! code of their authenticator app (or a recovery code) into a second form.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::csrf::Csrf;
use super::errors::PageError;
use super::layout::Chrome;
use super::signed_in::safe_next;
use super::{render, with_page_headers};
use crate::app::state::AppState;
use crate::app::{second_factor, session};
use crate::edge::caller::session_set_cookie;
use crate::web::form::{CsrfForm, form_name};

const SECOND_FACTOR_FORM: &str = "login_second_factor";
form_name!(SecondFactorForm, SECOND_FACTOR_FORM);

#[derive(Template)]
#[template(path = "login_second_factor.html")]
pub struct SecondFactorPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub next: String,
    pub pending_token: String,
    pub error: Option<String>,
}

/// The second form, for a pending sign-in.
pub fn second_step(
    state: &AppState,
    headers: &HeaderMap,
    pending_token: String,
    next: String,
    error: Option<(StatusCode, String)>,
) -> Response {
    let csrf = Csrf::for_request(state, headers);
    let status = error.as_ref().map(|(s, _)| *s).unwrap_or(StatusCode::OK);
    let page = SecondFactorPage {
        chrome: Chrome::public("双因素认证"),
        csrf: csrf.token(state, SECOND_FACTOR_FORM),
        next,
        pending_token,
        error: error.map(|(_, m)| m),
    };
    csrf.attach(render(status, &page))
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfForm(form, _): CsrfForm<SecondFactorForm>,
) -> Result<Response, PageError> {
    let pending_token = form.get("pending_token").unwrap_or_default().to_owned();
    let code = form.text("code");
    let next = safe_next(form.get("next")).to_owned();
    let user = match second_factor::complete(&state, &pending_token, &code).await {
        Ok(user) => user,
        Err(err) if crate::edge::status::of(err.code).is_client_error() => {
            let status = crate::edge::status::of(err.code);
            return Ok(second_step(&state, &headers, pending_token, next, Some((status, err.message))));
        }
        Err(err) => return Err(err.into()),
    };
    let opened = session::create(&state, user).await?;
    let cookie = session_set_cookie(&state, &opened.token, opened.max_age_seconds);
    let mut response = with_page_headers(Redirect::to(&next).into_response());
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}
