//! `/account/second-factor`: the signed-in user turns their TOTP second factor on (QR code and the secret in
//! text, confirmed with a code, then the recovery codes shown once) or off (with a code).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::errors::PageError;
use super::layout::Chrome;
use super::signed_in::SignedIn;
use crate::app::error::AppError;
use crate::app::second_factor::{self, CodeRequest, EnrolmentView};
use crate::app::state::AppState;
use crate::web::form::{CsrfForm, form_name};

const ACCOUNT_SECOND_FACTOR_FORM: &str = "account_second_factor";
form_name!(AccountSecondFactorForm, ACCOUNT_SECOND_FACTOR_FORM);

#[derive(Template)]
#[template(path = "account_second_factor.html")]
pub struct AccountSecondFactorPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub enabled: bool,
    pub recovery_codes_left: i64,
    pub enrolment: Option<EnrolmentView>,
    pub qr: Option<String>,
    pub recovery_codes: Vec<String>,
    pub error: Option<String>,
}

/// What the page shows besides the status.
#[derive(Default)]
struct Shown {
    enrolment: Option<EnrolmentView>,
    recovery_codes: Vec<String>,
    error: Option<(StatusCode, String)>,
}

async fn show(state: &AppState, me: &SignedIn, shown: Shown) -> Result<Response, PageError> {
    let status = second_factor::status(state, &me.user).await?;
    let qr = shown.enrolment.as_ref().and_then(|e| super::qr::svg(&e.otpauth_uri, 220));
    let code = shown.error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
    let page = AccountSecondFactorPage {
        chrome: me.chrome(state, "双因素认证"),
        csrf: me.token(state, ACCOUNT_SECOND_FACTOR_FORM),
        enabled: status.enabled,
        recovery_codes_left: status.recovery_codes_left,
        enrolment: shown.enrolment,
        qr,
        recovery_codes: shown.recovery_codes,
        error: shown.error.map(|(_, m)| m),
    };
    Ok(me.render(code, &page))
}

/// A refusal the user can act on is shown on the page; anything else is the error page.
fn refusal(err: AppError) -> Result<(StatusCode, String), PageError> {
    let status = crate::edge::status::of(err.code);
    if status.is_client_error() { Ok((status, err.message)) } else { Err(err.into()) }
}

pub async fn page(State(state): State<AppState>, me: SignedIn) -> Result<Response, PageError> {
    show(&state, &me, Shown::default()).await
}

pub async fn begin(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(_, _): CsrfForm<AccountSecondFactorForm>,
) -> Result<Response, PageError> {
    let shown = match second_factor::begin(&state, &me.user).await {
        Ok(enrolment) => Shown { enrolment: Some(enrolment), ..Default::default() },
        Err(err) => Shown { error: Some(refusal(err)?), ..Default::default() },
    };
    show(&state, &me, shown).await
}

pub async fn confirm(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(form, _): CsrfForm<AccountSecondFactorForm>,
) -> Result<Response, PageError> {
    let request = CodeRequest { code: form.text("code") };
    let shown = match second_factor::confirm(&state, &me.user, &request).await {
        Ok(codes) => Shown { recovery_codes: codes.recovery_codes, ..Default::default() },
        // A wrong code: the same secret stays on screen to try again.
        Err(err) => Shown {
            enrolment: second_factor::current_enrolment(&state, &me.user).await?,
            error: Some(refusal(err)?),
            ..Default::default()
        },
    };
    show(&state, &me, shown).await
}

pub async fn disable(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(form, _): CsrfForm<AccountSecondFactorForm>,
) -> Result<Response, PageError> {
    let request = CodeRequest { code: form.text("code") };
    let shown = match second_factor::disable(&state, &me.user, &request).await {
        Ok(()) => Shown::default(),
        Err(err) => Shown { error: Some(refusal(err)?), ..Default::default() },
    };
    show(&state, &me, shown).await
}
