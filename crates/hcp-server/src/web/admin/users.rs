//! `/admin/users` (安全管理员, issue 16): accounts with their role, scope and status, filtered by role and status,
//! and the form creating one (same rules as `POST /api/v1/admin/users`). A generated initial password is shown
//! once, on the answer to the form itself (never in an address, so it stays out of logs and history). Accounts
//! locked after repeated failed sign-ins show until when, with a button unlocking them.
//!
//! `/admin/users/{username}`: one account, with the forms editing it (name, e-mail, role, scope), deactivating or
//! reactivating it, resetting its password (the temporary password is shown once on the answer) and its second
//! factor, unlocking it, and its history. Each form calls the same use case as the API.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hcp_core::role::{Role, ScopeKind};

use super::org::Choice;
use super::records::HistoryRow;
use super::{Done, FormView, OrgData, USERS, done, unprocessable};
use crate::app::accounts::NewAccount;
use crate::app::admin::users::{User, add as add_user};
use crate::app::admin::users_lifecycle::{self, Account, AccountChange};
use crate::app::error::AppError;
use crate::app::lockout;
use crate::app::own_account;
use crate::app::state::AppState;
use crate::web::errors::PageError;
use crate::web::form::{CsrfForm, form_name};
use crate::web::layout::Chrome;
use crate::web::local_text;
use crate::web::signed_in::SignedIn;

const USER_FORM: &str = "admin_user";
form_name!(UserForm, USER_FORM);
const UNLOCK_FORM: &str = "admin_unlock";
form_name!(UnlockForm, UNLOCK_FORM);
const EDIT_FORM: &str = "admin_user_edit";
form_name!(EditForm, EDIT_FORM);
const STATUS_FORM: &str = "admin_user_status";
form_name!(StatusForm, STATUS_FORM);
const RESET_FORM: &str = "admin_user_reset";
form_name!(ResetForm, RESET_FORM);
const FACTOR_FORM: &str = "admin_user_factor";
form_name!(FactorForm, FACTOR_FORM);
const FIELDS: &[&str] =
    &["username", "display_name", "role", "org_code", "department_code", "window_code", "staff_no", "email"];
const EDIT_FIELDS: &[&str] =
    &["display_name", "role", "org_code", "department_code", "window_code", "staff_no", "email"];

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
    /// Generated: shown once. `None` when the administrator typed it, or for an integration account.
    pub password: Option<String>,
    /// An integration account: it never signs in.
    pub note: Option<String>,
}

/// The list's filter (`?role=…&status=active|deactivated|locked`).
#[derive(serde::Deserialize, Default)]
pub struct Filter {
    pub role: Option<String>,
    pub status: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
pub struct UsersPage {
    pub chrome: Chrome,
    pub created: Option<Created>,
    /// The account just unlocked.
    pub unlocked: Option<String>,
    pub users: Vec<UserRow>,
    /// How many accounts there are in all (the filter may show fewer).
    pub total: usize,
    pub filter_role: String,
    pub filter_status: String,
    pub all_roles: Vec<Choice>,
    pub statuses: Vec<Choice>,
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

/// The roles the security administrator gives: every role but the three administrators' (command line only).
fn given_roles() -> Vec<Choice> {
    Role::ALL
        .iter()
        .filter(|r| !r.is_administrator())
        .map(|r| Choice { value: r.code().into(), label: r.label().into() })
        .collect()
}

struct OrgChoices {
    units: Vec<Choice>,
    departments: Vec<Choice>,
    windows: Vec<Choice>,
}

fn org_choices(org: &OrgData) -> OrgChoices {
    OrgChoices {
        units: org
            .units
            .iter()
            .filter(|u| u.deactivated_at.is_none())
            .map(|u| Choice { value: u.code.clone(), label: format!("{}（{}）", u.name, u.code) })
            .collect(),
        departments: org
            .departments
            .iter()
            .filter(|d| d.deactivated_at.is_none())
            .map(|d| Choice { value: d.code.clone(), label: format!("{}（{}）", d.name, d.code) })
            .collect(),
        windows: org
            .windows
            .iter()
            .filter(|w| w.deactivated_at.is_none())
            .map(|w| Choice { value: w.code.clone(), label: format!("{}（{}）", w.name, w.code) })
            .collect(),
    }
}

fn choice(value: &str, label: &str) -> Choice {
    Choice { value: value.to_owned(), label: label.to_owned() }
}

async fn render_page(
    state: &AppState,
    me: &SignedIn,
    status: StatusCode,
    outcome: Outcome,
    form: FormView,
    filter: &Filter,
) -> Result<Response, PageError> {
    let org = OrgData::load(state).await?;
    let accounts = crate::app::admin::users::list(state, &me.user).await?;
    let locked: std::collections::HashMap<String, _> =
        lockout::locked_accounts(state, &me.user).await?.into_iter().collect();
    let role = filter.role.as_deref().and_then(Role::from_code);
    let wanted = filter.status.as_deref().unwrap_or_default();
    let total = accounts.len();
    let users = accounts
        .iter()
        .filter(|u| role.is_none_or(|r| u.role == r))
        .filter(|u| match wanted {
            "active" => u.disabled == 0,
            "deactivated" => u.disabled != 0,
            "locked" => locked.contains_key(&u.username),
            _ => true,
        })
        .map(|u| UserRow {
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.label().to_owned(),
            scope: scope_text(&org, u),
            disabled: u.disabled != 0,
            locked_until: locked.get(&u.username).map(|until| lock_time(*until)),
        })
        .collect();
    let choices = org_choices(&org);
    let page = UsersPage {
        chrome: me.chrome(state, "用户与账号"),
        created: outcome.created,
        unlocked: outcome.unlocked,
        users,
        total,
        filter_role: role.map(|r| r.code().to_owned()).unwrap_or_default(),
        filter_status: wanted.to_owned(),
        all_roles: Role::ALL.iter().map(|r| choice(r.code(), r.label())).collect(),
        statuses: vec![choice("active", "正常"), choice("locked", "已锁定"), choice("deactivated", "已停用")],
        roles: given_roles(),
        units: choices.units,
        departments: choices.departments,
        windows: choices.windows,
        form,
        csrf: me.token(state, USER_FORM),
        unlock_csrf: me.token(state, UNLOCK_FORM),
    };
    Ok(me.render(status, &page))
}

pub async fn page(
    State(state): State<AppState>,
    me: SignedIn,
    filter: Result<Query<Filter>, QueryRejection>,
) -> Result<Response, PageError> {
    me.require(USERS)?;
    let filter = filter.map(|q| q.0).unwrap_or_default();
    render_page(&state, &me, StatusCode::OK, Outcome::default(), FormView::default(), &filter).await
}

/// Unlocks an account locked after failed sign-ins.
pub async fn unlock(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(form, _): CsrfForm<UnlockForm>,
) -> Result<Response, PageError> {
    me.require(USERS)?;
    let done = lockout::unlock(&state, &me.user, &form.text("username")).await?;
    let outcome = Outcome { unlocked: Some(done.username), ..Outcome::default() };
    render_page(&state, &me, StatusCode::OK, outcome, FormView::default(), &Filter::default()).await
}

pub async fn add(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(form, _): CsrfForm<UserForm>,
) -> Result<Response, PageError> {
    me.require(USERS)?;
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
            let created = Created { username: created.username, password: created.password, note: created.note };
            let outcome = Outcome { created: Some(created), ..Outcome::default() };
            render_page(&state, &me, StatusCode::OK, outcome, FormView::default(), &Filter::default()).await
        }
        Err(err) => {
            // The password is never echoed back into the form.
            let view = FormView::refused(&form, FIELDS, err)?;
            render_page(&state, &me, unprocessable(), Outcome::default(), view, &Filter::default()).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_user.html")]
pub struct UserPage {
    pub chrome: Chrome,
    pub account: Account,
    /// "2026年10月12日 09:00" texts of the account's instants.
    pub created_at: String,
    pub deactivated_at: Option<String>,
    pub locked_until: Option<String>,
    /// The success message of the last form.
    pub message: Option<&'static str>,
    /// A reset's temporary password, shown once on the answer to the form.
    pub temporary_password: Option<String>,
    /// The signed-in security administrator's own account: its forms are not offered.
    pub own: bool,
    pub roles: Vec<Choice>,
    pub units: Vec<Choice>,
    pub departments: Vec<Choice>,
    pub windows: Vec<Choice>,
    pub edit_form: FormView,
    /// Refusals of the other forms (deactivate, reactivate, resets, unlock), shown above them.
    pub action_form: FormView,
    pub history: Vec<HistoryRow>,
    pub edit_csrf: String,
    pub status_csrf: String,
    pub reset_csrf: String,
    pub factor_csrf: String,
    pub unlock_csrf: String,
}

const DONE: &[(&str, &str)] = &[
    ("edited", "已保存修改。"),
    ("deactivated", "账号已停用：该账号的登录会话已全部结束，访问令牌已全部吊销。"),
    ("reactivated", "账号已重新启用：本人可以重新登录（原有会话不会恢复，已吊销的令牌仍然无效）。"),
    ("factor_reset", "已重置动态口令：本人下次只用密码登录，并可重新绑定。"),
    ("unlocked", "已解除锁定，可以重新登录。"),
];

fn not_found() -> PageError {
    PageError::new(StatusCode::NOT_FOUND, "账号不存在", "未找到该账号，请从“用户与账号”列表进入。")
}

/// The edit form with the account's values.
fn values(account: &Account) -> FormView {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    FormView::with(&[
        ("display_name", &account.display_name),
        ("email", &opt(&account.email)),
        ("role", &account.role),
        ("org_code", &opt(&account.org_code)),
        ("department_code", &opt(&account.department_code)),
        ("window_code", &opt(&account.window_code)),
        ("staff_no", &opt(&account.staff_no)),
    ])
}

/// What a detail page shows besides the account: the forms as submitted, a message, a temporary password.
#[derive(Default)]
struct Shown {
    message: Option<&'static str>,
    temporary_password: Option<String>,
    edit_form: Option<FormView>,
    action_form: FormView,
}

async fn render_user(
    state: &AppState,
    me: &SignedIn,
    username: &str,
    status: StatusCode,
    shown: Shown,
) -> Result<Response, PageError> {
    let account = match users_lifecycle::detail(state, &me.user, username).await {
        Ok(account) => account,
        Err(err) if err.code == crate::app::error::ErrorCode::NotFound => return Err(not_found()),
        Err(err) => return Err(err.into()),
    };
    let org = OrgData::load(state).await?;
    let choices = org_choices(&org);
    let role = Role::from_code(&account.role);
    // An administrator's or an integration account's role is not changed here; the others choose among the
    // roles the security administrator gives.
    let roles = match role {
        Some(r) if r.is_administrator() || r == Role::Integration => vec![choice(r.code(), r.label())],
        _ => given_roles().into_iter().filter(|c| c.value != Role::Integration.code()).collect(),
    };
    let history = users_lifecycle::history(state, &me.user, username)
        .await?
        .into_iter()
        .map(|h| HistoryRow { at: local_text(&h.at), actor: h.actor_label, action: h.action_label, changes: h.changes })
        .collect();
    let page = UserPage {
        chrome: me.chrome(state, format!("账号：{}", account.display_name)),
        created_at: local_text(&account.created_at),
        deactivated_at: account.deactivated_at.as_deref().map(local_text),
        locked_until: account.locked_until.as_deref().map(local_text),
        message: shown.message,
        temporary_password: shown.temporary_password,
        own: account.id == me.user.user.id,
        roles,
        units: choices.units,
        departments: choices.departments,
        windows: choices.windows,
        edit_form: shown.edit_form.unwrap_or_else(|| values(&account)),
        action_form: shown.action_form,
        history,
        edit_csrf: me.token(state, EDIT_FORM),
        status_csrf: me.token(state, STATUS_FORM),
        reset_csrf: me.token(state, RESET_FORM),
        factor_csrf: me.token(state, FACTOR_FORM),
        unlock_csrf: me.token(state, UNLOCK_FORM),
        account,
    };
    Ok(me.render(status, &page))
}

pub async fn user_page(
    State(state): State<AppState>,
    me: SignedIn,
    Path(username): Path<String>,
    done_flag: Result<Query<Done>, QueryRejection>,
) -> Result<Response, PageError> {
    me.require(USERS)?;
    let shown = Shown { message: super::done_message(done_flag, DONE), ..Shown::default() };
    render_user(&state, &me, &username, StatusCode::OK, shown).await
}

fn page_of(username: &str) -> String {
    // User names are letters, digits and "_-." only: nothing to escape.
    format!("/admin/users/{username}")
}

/// A refusal of one of the action forms: its message above them, on the account's page.
async fn refused_action(state: &AppState, me: &SignedIn, username: &str, err: AppError) -> Result<Response, PageError> {
    let status = crate::edge::status::of(err.code);
    if status == StatusCode::NOT_FOUND {
        return Err(not_found());
    }
    if status.is_server_error() || status == StatusCode::FORBIDDEN {
        return Err(err.into());
    }
    let shown = Shown { action_form: FormView::default().message(err.message), ..Shown::default() };
    render_user(state, me, username, status, shown).await
}

/// The edit form: name, e-mail, role and scope.
pub async fn edit(
    State(state): State<AppState>,
    me: SignedIn,
    Path(username): Path<String>,
    CsrfForm(form, _): CsrfForm<EditForm>,
) -> Result<Response, PageError> {
    me.require(USERS)?;
    let text = |name: &str| form.get(name).map(str::to_owned);
    let change = AccountChange {
        role: form.text("role"),
        display_name: text("display_name"),
        email: text("email"),
        org_code: text("org_code"),
        department_code: text("department_code"),
        window_code: text("window_code"),
        staff_no: text("staff_no"),
    };
    match users_lifecycle::update(&state, &me.user, &username, &change).await {
        Ok(_) => Ok(done(&page_of(&username), "edited")),
        Err(err) => {
            let status = crate::edge::status::of(err.code);
            if status == StatusCode::NOT_FOUND {
                return Err(not_found());
            }
            let view = FormView::refused(&form, EDIT_FIELDS, err)?;
            let shown = Shown { edit_form: Some(view), ..Shown::default() };
            render_user(&state, &me, &username, status, shown).await
        }
    }
}

/// Deactivates (`active` false) or reactivates the account.
pub async fn switch(
    active: bool,
    State(state): State<AppState>,
    me: SignedIn,
    Path(username): Path<String>,
    CsrfForm(_form, _): CsrfForm<StatusForm>,
) -> Result<Response, PageError> {
    me.require(USERS)?;
    match users_lifecycle::set_active(&state, &me.user, &username, active).await {
        Ok(_) => Ok(done(&page_of(&username), if active { "reactivated" } else { "deactivated" })),
        Err(err) => refused_action(&state, &me, &username, err).await,
    }
}

pub async fn deactivate(
    state: State<AppState>,
    me: SignedIn,
    username: Path<String>,
    form: CsrfForm<StatusForm>,
) -> Result<Response, PageError> {
    switch(false, state, me, username, form).await
}

pub async fn reactivate(
    state: State<AppState>,
    me: SignedIn,
    username: Path<String>,
    form: CsrfForm<StatusForm>,
) -> Result<Response, PageError> {
    switch(true, state, me, username, form).await
}

/// Resets the password to a generated temporary one, shown once on this answer (never in an address).
pub async fn reset_password(
    State(state): State<AppState>,
    me: SignedIn,
    Path(username): Path<String>,
    CsrfForm(_form, _): CsrfForm<ResetForm>,
) -> Result<Response, PageError> {
    me.require(USERS)?;
    match own_account::reset_password(&state, &me.user, &username).await {
        Ok(reset) => {
            let shown = Shown { temporary_password: Some(reset.password), ..Shown::default() };
            render_user(&state, &me, &username, StatusCode::OK, shown).await
        }
        Err(err) => refused_action(&state, &me, &username, err).await,
    }
}

/// Removes the account's second factor (动态口令).
pub async fn reset_second_factor(
    State(state): State<AppState>,
    me: SignedIn,
    Path(username): Path<String>,
    CsrfForm(_form, _): CsrfForm<FactorForm>,
) -> Result<Response, PageError> {
    me.require(USERS)?;
    match users_lifecycle::reset_second_factor(&state, &me.user, &username).await {
        Ok(()) => Ok(done(&page_of(&username), "factor_reset")),
        Err(err) => refused_action(&state, &me, &username, err).await,
    }
}

/// Unlocks the account from its page.
pub async fn unlock_one(
    State(state): State<AppState>,
    me: SignedIn,
    Path(username): Path<String>,
    CsrfForm(_form, _): CsrfForm<UnlockForm>,
) -> Result<Response, PageError> {
    me.require(USERS)?;
    match lockout::unlock(&state, &me.user, &username).await {
        Ok(_) => Ok(done(&page_of(&username), "unlocked")),
        Err(err) => refused_action(&state, &me, &username, err).await,
    }
}
