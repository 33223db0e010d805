//! Signing in and out with the same sessions as `POST /api/v1/session`, and the signed-in landing page with
//! the user's role and scope. (Role dashboards come later.)

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hcp_core::role::Scope;

use super::csrf::Csrf;
use super::errors::PageError;
use super::{render, with_page_headers};
use crate::app::client::Client;
use crate::app::session::{self, LoginRequest};
use crate::app::state::AppState;
use crate::edge::caller::{CLEAR_SESSION_COOKIE, MaybeUser, session_cookie, session_set_cookie};
use crate::web::form::{CsrfForm, form_name};

const LOGIN_FORM: &str = "login";
form_name!(LoginForm, LOGIN_FORM);
use super::layout::Chrome;
use super::signed_in::{LOGOUT_FORM, safe_next};
form_name!(LogoutForm, LOGOUT_FORM);

pub struct UserInfo {
    pub display_name: String,
    pub username: String,
    pub role_label: &'static str,
    pub scope_label: String,
    /// Unread notices, shown with the link to the inbox.
    pub unread: i64,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub chrome: Chrome,
    pub user: Option<UserInfo>,
    pub links: &'static [(&'static str, &'static str)],
    /// The security administrator's: how many accounts are locked now.
    pub locked_accounts: Option<usize>,
    /// The audit administrator's summary (issue 16).
    pub auditor: Option<AuditorDesk>,
}

/// The auditor's landing: the last verification's result and today's security counts.
pub struct AuditorDesk {
    /// (status label, badge class, when it was asked for, findings) of the last verification.
    pub last: Option<(&'static str, &'static str, String, usize)>,
    pub sign_in_failures_today: i64,
    pub refused_today: i64,
}

async fn auditor_desk(
    state: &AppState,
    user: &crate::app::auth::CurrentUser,
) -> Result<Option<AuditorDesk>, PageError> {
    if user.role != hcp_core::role::Role::Auditor {
        return Ok(None);
    }
    let desk = crate::app::audit_trail::desk(state, user).await?;
    Ok(Some(AuditorDesk {
        last: desk.last.map(|v| {
            (v.status_label, super::audit::status_class(&v), super::local_text(&v.requested_at), v.findings.len())
        }),
        sign_in_failures_today: desk.sign_in_failures_today,
        refused_today: desk.refused_today,
    }))
}

pub fn scope_label(scope: Option<&Scope>) -> String {
    match scope {
        Some(Scope::OrgUnit { name, .. }) => format!("机构：{name}（含下级）"),
        Some(Scope::Department { name, .. }) => format!("进驻部门：{name}"),
        Some(Scope::Window { name, .. }) => format!("窗口：{name}"),
        Some(Scope::Staff { name, staff_no, .. }) => format!("本人：{name}（工号 {staff_no}）"),
        None => "尚未设置管辖范围，请联系管理员".to_owned(),
    }
}

pub async fn home(
    State(state): State<AppState>,
    user: Result<MaybeUser, crate::app::error::AppError>,
    headers: HeaderMap,
) -> Response {
    // A stale or foreign bearer header on a page is just "not signed in".
    let current = user.ok().and_then(|u| u.0);
    if let Some(refused) = current.as_ref().and_then(super::signed_in::refused_on_pages) {
        return refused;
    }
    // A temporary or expired password is changed before the workbench (issue 15).
    if current.as_ref().is_some_and(|u| u.password_change_due) {
        return with_page_headers(Redirect::to(super::signed_in::PASSWORD_PAGE).into_response());
    }
    let csrf = Csrf::for_request(&state, &headers);
    let page = match current {
        Some(u) => {
            let unread = match crate::app::inbox::unread_count(&state, &u).await {
                Ok(n) => n,
                Err(e) => return PageError::from(e).into_response(),
            };
            let locked_accounts = if u.role == hcp_core::role::Role::SecurityAdmin {
                match crate::app::lockout::locked_accounts(&state, &u).await {
                    Ok(locked) => Some(locked.len()),
                    Err(e) => return PageError::from(e).into_response(),
                }
            } else {
                None
            };
            let auditor = match auditor_desk(&state, &u).await {
                Ok(desk) => desk,
                Err(e) => return e.into_response(),
            };
            HomePage {
                auditor,
                chrome: Chrome::signed_in("工作台", &u, csrf.token(&state, LOGOUT_FORM), "/", unread),
                user: Some(UserInfo {
                    display_name: u.user.display_name.clone(),
                    username: u.user.username.clone(),
                    role_label: u.role.label(),
                    scope_label: scope_label(u.scope.as_ref()),
                    unread,
                }),
                links: &super::layout::menu(u.role)[1..],
                locked_accounts,
            }
        }
        None => HomePage {
            chrome: Chrome::public("政务服务好差评"),
            user: None,
            links: &[],
            locked_accounts: None,
            auditor: None,
        },
    };
    csrf.attach(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub chrome: Chrome,
    /// In demo mode: each demo user with their role (password `<user>-demo`).
    pub demo_users: Vec<(&'static str, &'static str)>,
    pub csrf: String,
    pub next: String,
    pub username: String,
    pub error: Option<String>,
}

/// The demo creates one user per role, named by the role's code (`service::demo`); the integration account
/// never signs in, so it is not listed.
fn demo_users(state: &AppState) -> Vec<(&'static str, &'static str)> {
    if !state.is_demo() {
        return Vec::new();
    }
    hcp_core::role::Role::ALL.iter().filter(|r| r.may_sign_in()).map(|r| (r.code(), r.label())).collect()
}

#[derive(serde::Deserialize)]
pub struct LoginQuery {
    pub next: Option<String>,
}

pub async fn login_page(
    State(state): State<AppState>,
    query: Result<axum::extract::Query<LoginQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let next = query.ok().and_then(|q| q.0.next);
    let csrf = Csrf::for_request(&state, &headers);
    let page = LoginPage {
        chrome: Chrome::public("工作人员登录").for_staff(),
        demo_users: demo_users(&state),
        csrf: csrf.token(&state, LOGIN_FORM),
        next: safe_next(next.as_deref()).to_owned(),
        username: String::new(),
        error: None,
    };
    csrf.attach(render(StatusCode::OK, &page))
}

pub async fn login_submit(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
    CsrfForm(form, _): CsrfForm<LoginForm>,
) -> Result<Response, PageError> {
    let username = form.get("username").unwrap_or_default().to_owned();
    let password = form.text("password");
    let next = safe_next(form.get("next")).to_owned();
    match session::open(&state, &client, &LoginRequest { username: username.clone(), password }).await {
        Ok(session::SignIn::Session(opened)) => {
            let cookie = session_set_cookie(&state, &opened.token, opened.max_age_seconds);
            let mut response = with_page_headers(Redirect::to(&next).into_response());
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            Ok(response)
        }
        Ok(session::SignIn::SecondFactor { pending_token }) => {
            Ok(super::second_factor_login::second_step(&state, &headers, pending_token, next, None, None))
        }
        Ok(session::SignIn::EnrolmentRequired { pending_token }) => {
            let enrolment = crate::app::second_factor::begin_pending(&state, &pending_token).await?;
            Ok(super::second_factor_login::second_step(&state, &headers, pending_token, next, Some(enrolment), None))
        }
        Err(err) if crate::edge::status::of(err.code).is_client_error() => {
            let csrf = Csrf::for_request(&state, &headers);
            let page = LoginPage {
                chrome: Chrome::public("工作人员登录").for_staff(),
                demo_users: demo_users(&state),
                csrf: csrf.token(&state, LOGIN_FORM),
                next,
                username,
                error: Some(err.message.clone()),
            };
            // A lock or the per-address limit says when to try again, as the API does.
            Ok(super::citizen::with_retry_after(render(crate::edge::status::of(err.code), &page), &err))
        }
        Err(err) => Err(err.into()),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
    CsrfForm(_form, _): CsrfForm<LogoutForm>,
) -> Result<Response, PageError> {
    session::close(&state, session_cookie(&headers), &client).await?;
    let mut response = with_page_headers(Redirect::to("/login").into_response());
    response.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_static(CLEAR_SESSION_COOKIE));
    Ok(response)
}
