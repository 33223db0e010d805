//! `/account`: the signed-in user's own account — change the password (the current one asked) and see and end
//! their sessions. A user whose password is temporary or expired is sent here (`/account/password`) first.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::app::error::AppError;
use crate::app::own_account::{self, PasswordChange, SessionView};
use crate::app::state::AppState;
use crate::edge::caller::session_cookie;
use crate::web::errors::PageError;
use crate::web::form::{CsrfForm, form_name};
use crate::web::layout::Chrome;
use crate::web::signed_in::SignedIn;

const PASSWORD_FORM: &str = "account-password";
const SESSION_FORM: &str = "account-session";
form_name!(PasswordForm, PASSWORD_FORM);
form_name!(SessionForm, SESSION_FORM);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(page))
        .route("/account/password", get(page).post(change_password))
        .route("/account/sessions/{id}/end", post(end_session))
}

pub struct SessionLine {
    pub id: String,
    pub opened_at: String,
    pub expires_at: String,
    pub address: String,
    /// The browser, short ("Chrome 131 / Windows"), and the full user agent for its tooltip.
    pub device: String,
    pub user_agent: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub chrome: Chrome,
    pub username: String,
    /// The password is temporary or expired: nothing else until it is changed.
    pub change_due: bool,
    pub sessions: Vec<SessionLine>,
    pub password_csrf: String,
    pub session_csrf: String,
    pub done: Option<&'static str>,
    pub error_current: Option<String>,
    pub error_password: Option<String>,
    pub error_confirm: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    pub done: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    me: SignedIn,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let done = match query.map(|q| q.0).unwrap_or_default().done.as_deref() {
        Some("password") => Some("密码已修改，您在其他地方的登录已结束。"),
        Some("ended") => Some("该会话已结束。"),
        _ => None,
    };
    render(&state, &me, StatusCode::OK, done, None).await
}

async fn render(
    state: &AppState,
    me: &SignedIn,
    status: StatusCode,
    done: Option<&'static str>,
    refused: Option<AppError>,
) -> Result<Response, PageError> {
    let sessions = own_account::sessions(state, &me.user, session_cookie(&me.headers).as_deref()).await?;
    let field = |name: &str| refused.as_ref().and_then(|e| e.fields.0.get(name).cloned());
    let page = AccountPage {
        chrome: me.chrome(state, "我的账号"),
        username: me.user.user.username.clone(),
        change_due: me.user.password_change_due,
        sessions: sessions.into_iter().map(line).collect(),
        password_csrf: me.token(state, PASSWORD_FORM),
        session_csrf: me.token(state, SESSION_FORM),
        done,
        error_current: field("current_password"),
        error_password: field("password"),
        error_confirm: field("confirm"),
    };
    Ok(me.render(status, &page))
}

fn line(s: SessionView) -> SessionLine {
    let local = |t: chrono::DateTime<chrono::Utc>| crate::web::local_text(&t.to_rfc3339());
    SessionLine {
        opened_at: local(s.opened_at),
        expires_at: local(s.expires_at),
        address: s.address.unwrap_or_else(|| "未记录".to_owned()),
        device: s.device,
        user_agent: s.user_agent,
        current: s.current,
        id: s.id,
    }
}

pub async fn change_password(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(form, _): CsrfForm<PasswordForm>,
) -> Result<Response, PageError> {
    let change =
        PasswordChange { current_password: form.text("current_password"), new_password: form.text("password") };
    if form.text("confirm") != change.new_password {
        let error = AppError::invalid_field("confirm", "两次输入的新密码不一致");
        return render(&state, &me, StatusCode::UNPROCESSABLE_ENTITY, None, Some(error)).await;
    }
    match own_account::change_password(&state, &me.user, session_cookie(&me.headers).as_deref(), &change).await {
        Ok(()) => Ok(crate::web::with_page_headers(Redirect::to("/account?done=password").into_response())),
        Err(error) if !error.fields.is_empty() => {
            render(&state, &me, StatusCode::UNPROCESSABLE_ENTITY, None, Some(error)).await
        }
        Err(error) => Err(error.into()),
    }
}

pub async fn end_session(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    CsrfForm(_, _): CsrfForm<SessionForm>,
) -> Result<Response, PageError> {
    own_account::end_session(&state, &me.user, &id).await?;
    Ok(crate::web::with_page_headers(Redirect::to("/account?done=ended").into_response()))
}
