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
use crate::app::client::Client;
use crate::app::second_factor::EnrolmentView;
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
    /// For a user who must enrol first: the secret to scan, and its QR code.
    pub enrolment: Option<EnrolmentView>,
    pub qr: Option<String>,
    pub error: Option<String>,
}

/// After a sign-in that completed an enrolment: the recovery codes, shown once, then on to `next`.
#[derive(Template)]
#[template(path = "login_recovery_codes.html")]
pub struct RecoveryCodesPage {
    pub chrome: Chrome,
    pub next: String,
    pub recovery_codes: Vec<String>,
}

/// The second form, for a pending sign-in.
pub fn second_step(
    state: &AppState,
    headers: &HeaderMap,
    pending_token: String,
    next: String,
    enrolment: Option<EnrolmentView>,
    error: Option<(StatusCode, String)>,
) -> Response {
    let qr = enrolment.as_ref().and_then(|e| super::qr::svg(&e.otpauth_uri, 220));
    let csrf = Csrf::for_request(state, headers);
    let status = error.as_ref().map(|(s, _)| *s).unwrap_or(StatusCode::OK);
    let page = SecondFactorPage {
        chrome: Chrome::public("双因素认证").for_staff(),
        csrf: csrf.token(state, SECOND_FACTOR_FORM),
        next,
        pending_token,
        enrolment,
        qr,
        error: error.map(|(_, m)| m),
    };
    csrf.attach(render(status, &page))
}

pub async fn submit(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
    CsrfForm(form, _): CsrfForm<SecondFactorForm>,
) -> Result<Response, PageError> {
    let pending_token = form.get("pending_token").unwrap_or_default().to_owned();
    let code = form.text("code");
    let next = safe_next(form.get("next")).to_owned();
    let completed = match second_factor::complete(&state, &pending_token, &code, &client).await {
        Ok(completed) => completed,
        Err(err) if crate::edge::status::of(err.code).is_client_error() => {
            let status = crate::edge::status::of(err.code);
            // A user enrolling keeps the same secret on screen to try again.
            let enrolment = second_factor::pending_enrolment(&state, &pending_token).await?;
            return Ok(second_step(&state, &headers, pending_token, next, enrolment, Some((status, err.message))));
        }
        Err(err) => return Err(err.into()),
    };
    let opened = session::create(&state, completed.user, &client).await?;
    let cookie = session_set_cookie(&state, &opened.token, opened.max_age_seconds);
    let mut response = match completed.recovery_codes {
        Some(recovery_codes) => {
            let page = RecoveryCodesPage { chrome: Chrome::public("恢复码").for_staff(), next, recovery_codes };
            render(StatusCode::OK, &page)
        }
        None => with_page_headers(Redirect::to(&next).into_response()),
    };
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}
