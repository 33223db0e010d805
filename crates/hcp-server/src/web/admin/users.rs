//! `/admin/users`: accounts with their role and scope, and the form creating one (same rules as
//! `POST /api/v1/admin/users`). A generated initial password is shown once, on the answer to the form itself
//! (never in an address, so it stays out of logs and history). Accounts locked after repeated failed sign-ins
//! show until when, with a button unlocking them (same rules as `POST /api/v1/admin/users/{username}/unlock`).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hcp_core::role::{Role, ScopeKind};

use super::org::Choice;
use super::{ADMIN, FormView, OrgData, unprocessable};
use crate::app::accounts::NewAccount;
use crate::app::admin::users::{User, add as add_user};
use crate::app::lockout;
use crate::app::state::AppState;
use crate::web::errors::PageError;
use crate::web::form::{CsrfForm, form_name};
use crate::web::layout::Chrome;
use crate::web::signed_in::SignedIn;

const USER_FORM: &str = "admin_user";
form_name!(UserForm, USER_FORM);
const UNLOCK_FORM: &str = "admin_unlock";
form_name!(UnlockForm, UNLOCK_FORM);
const FIELDS: &[&str] =
    &["username", "display_name", "role", "org_code", "department_code", "window_code", "staff_no", "email"];

pub struct UserRow {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub scope: String,
    pub disabled: bool,
    /// Locked after failed sign-ins: until when, in China Standard Time.
    pub locked_until: Option<String>,
}

pub struct Created {
    pub username: String,
    /// Generated: shown once. `None` when the administrator typed it.
    pub password: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
pub struct UsersPage {
    pub chrome: Chrome,
    pub created: Option<Created>,
    /// The account just unlocked.
    pub unlocked: Option<String>,
    pub users: Vec<UserRow>,
    pub roles: Vec<Choice>,
    pub units: Vec<Choice>,
    pub departments: Vec<Choice>,
    pub windows: Vec<Choice>,
    pub form: FormView,
    pub csrf: String,
    pub unlock_csrf: String,
}

fn scope_text(org: &OrgData, user: &User) -> String {
    let named =
        |kind: &str, name: Option<String>| name.map_or_else(|| "（未设置）".to_owned(), |n| format!("{kind}：{n}"));
    match user.role.scope_kind() {
        ScopeKind::Staff => named(
            "本人",
            user.staff_id.and_then(|id| org.staff_member(id)).map(|s| format!("{}（{}）", s.name, s.staff_no)),
        ),
        ScopeKind::Window => named("窗口", user.window_id.and_then(|id| org.window(id)).map(|w| w.name.clone())),
        ScopeKind::Department => {
            named("部门", user.department_id.and_then(|id| org.department(id)).map(|d| d.name.clone()))
        }
        ScopeKind::OrgUnit => match user.org_unit_id.and_then(|id| org.unit(id)) {
            Some(unit) => format!("机构：{}（含下级）", unit.name),
            None => "全辖区".to_owned(),
        },
    }
}

/// What the page answers besides the list: a new account, or an unlocked one.
#[derive(Default)]
struct Outcome {
    created: Option<Created>,
    unlocked: Option<String>,
}

fn lock_time(until: chrono::DateTime<chrono::Utc>) -> String {
    until.with_timezone(&hcp_core::clock::shanghai()).format("%m月%d日 %H:%M").to_string()
}

async fn render_page(
    state: &AppState,
    me: &SignedIn,
    status: StatusCode,
    outcome: Outcome,
    form: FormView,
) -> Result<Response, PageError> {
    let org = OrgData::load(state).await?;
    let accounts = crate::app::admin::users::list(state, &me.user).await?;
    let locked: std::collections::HashMap<String, _> =
        lockout::locked_accounts(state, &me.user).await?.into_iter().collect();
    let users = accounts
        .iter()
        .map(|u| UserRow {
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.label().to_owned(),
            scope: scope_text(&org, u),
            disabled: u.disabled != 0,
            locked_until: locked.get(&u.username).map(|until| lock_time(*until)),
        })
        .collect();
    let page = UsersPage {
        chrome: me.chrome(state, "用户与角色"),
        created: outcome.created,
        unlocked: outcome.unlocked,
        users,
        roles: Role::ALL.iter().map(|r| Choice { value: r.code().into(), label: r.label().into() }).collect(),
        units: org
            .units
            .iter()
            .map(|u| Choice { value: u.code.clone(), label: format!("{}（{}）", u.name, u.code) })
            .collect(),
        departments: org
            .departments
            .iter()
            .map(|d| Choice { value: d.code.clone(), label: format!("{}（{}）", d.name, d.code) })
            .collect(),
        windows: org
            .windows
            .iter()
            .map(|w| Choice { value: w.code.clone(), label: format!("{}（{}）", w.name, w.code) })
            .collect(),
        form,
        csrf: me.token(state, USER_FORM),
        unlock_csrf: me.token(state, UNLOCK_FORM),
    };
    Ok(me.render(status, &page))
}

pub async fn page(State(state): State<AppState>, me: SignedIn) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    render_page(&state, &me, StatusCode::OK, Outcome::default(), FormView::default()).await
}

/// Unlocks an account locked after failed sign-ins.
pub async fn unlock(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(form, _): CsrfForm<UnlockForm>,
) -> Result<Response, PageError> {
    let done = lockout::unlock(&state, &me.user, &form.text("username")).await?;
    let outcome = Outcome { unlocked: Some(done.username), ..Outcome::default() };
    render_page(&state, &me, StatusCode::OK, outcome, FormView::default()).await
}

pub async fn add(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(form, _): CsrfForm<UserForm>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let text = |name: &str| form.get(name).map(str::to_owned);
    let typed_password = text("password");
    let req = NewAccount {
        username: form.text("username"),
        role: form.text("role"),
        display_name: text("display_name"),
        org_code: text("org_code"),
        department_code: text("department_code"),
        window_code: text("window_code"),
        staff_no: text("staff_no"),
        password: typed_password.clone(),
        email: text("email"),
        ..Default::default()
    };
    match add_user(&state, &me.user, &req).await {
        Ok(created) => {
            let created = Created { username: created.username, password: created.password };
            let outcome = Outcome { created: Some(created), ..Outcome::default() };
            render_page(&state, &me, StatusCode::OK, outcome, FormView::default()).await
        }
        Err(err) => {
            // The password is never echoed back into the form.
            let view = FormView::refused(&form, FIELDS, err)?;
            render_page(&state, &me, unprocessable(), Outcome::default(), view).await
        }
    }
}
