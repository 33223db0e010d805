//! Users and their scopes: created by `hcp user add`, the admin API and the demo; passwords argon2id.

use chrono::{DateTime, Utc};
use hcp_core::FieldErrors;
use hcp_core::role::Role;
use hcp_store::crypto::{generate_password, hash_password};
use hcp_store::{AnyConnection, StoreError, audit, org, users};
use serde::Deserialize;

use crate::app::error::{AppError, AppResult};
use utoipa::ToSchema;

/// A new account. The scope depends on the role: staff need a `staff_no`, window heads a `window_code`,
/// department heads a `department_code`; the others an org unit (`org_code`, default the whole jurisdiction).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    pub username: String,
    pub role: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub org_code: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub department_code: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub window_code: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub staff_no: Option<String>,
    /// Leave empty to generate one (printed once).
    #[serde(default)]
    pub password: Option<String>,
    /// For e-mail notifications through the intranet relay (`[notify] senders = ["smtp"]`).
    #[serde(default)]
    pub email: Option<String>,
    /// A demo account (`--demo` only, never from a request): its public password is exempt from the password
    /// policy and never temporary. Every other account's password is temporary: changed at the first sign-in.
    #[serde(skip)]
    pub demo: bool,
}

/// A user name that is taken is the form's error, not a conflict of the whole request.
fn taken(err: StoreError) -> AppError {
    match err {
        StoreError::Conflict(_) => AppError::invalid_field("username", "用户名已存在"),
        other => other.into(),
    }
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// What the given fields of an account resolve to: its role, name, e-mail and the scope columns of that role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub role: Role,
    pub display_name: String,
    pub email: Option<String>,
    pub org_unit_id: Option<i64>,
    pub department_id: Option<i64>,
    pub window_id: Option<i64>,
    pub staff_id: Option<i64>,
}

/// Checks the role, name, scope and e-mail of `account` (its user name and password are the caller's): each
/// problem lands in `errors`; `None` when there was one. Creating and editing an account share it.
pub async fn resolve(
    conn: &mut AnyConnection,
    account: &NewAccount,
    errors: &mut FieldErrors,
) -> AppResult<Option<Resolved>> {
    let role = Role::from_code(account.role.trim());
    if role.is_none() {
        errors.add("role", format!("未知角色“{}”", account.role));
    }
    let (mut org_unit_id, mut department_id, mut window_id, mut staff_id) = (None, None, None, None);
    let mut default_name = None;
    if let Some(no) = blank(&account.staff_no) {
        match org::staff_by_no(conn, no).await? {
            Some(s) => {
                staff_id = Some(s.id);
                window_id = s.window_id;
                default_name = Some(s.name);
            }
            None => errors.add("staff_no", format!("工号“{no}”不存在")),
        }
    }
    if let Some(code) = blank(&account.window_code) {
        match org::window_by_code(conn, code).await? {
            Some(w) => window_id = Some(w.id),
            None => errors.add("window_code", format!("窗口编号“{code}”不存在")),
        }
    }
    if let Some(code) = blank(&account.department_code) {
        match org::department_by_code(conn, code).await? {
            Some(d) => department_id = Some(d.id),
            None => errors.add("department_code", format!("部门编码“{code}”不存在")),
        }
    }
    if let Some(code) = blank(&account.org_code) {
        match org::org_unit_by_code(conn, code).await? {
            Some(o) => org_unit_id = Some(o.id),
            None => errors.add("org_code", format!("机构编码“{code}”不存在")),
        }
    }
    match role {
        Some(Role::Staff) if staff_id.is_none() => errors.add("staff_no", "窗口工作人员账号须填写工号"),
        Some(Role::WindowHead) if window_id.is_none() => errors.add("window_code", "窗口负责人账号须填写窗口编号"),
        Some(Role::DeptHead) if department_id.is_none() => {
            errors.add("department_code", "部门负责人账号须填写部门编码")
        }
        _ => {}
    }
    // Keep only the columns that define this role's scope, so a stray field cannot widen or narrow it.
    match role.map(Role::scope_kind) {
        Some(hcp_core::role::ScopeKind::Staff) => (org_unit_id, department_id) = (None, None),
        Some(hcp_core::role::ScopeKind::Window) => (org_unit_id, department_id) = (None, None),
        Some(hcp_core::role::ScopeKind::Department) => (org_unit_id, window_id, staff_id) = (None, None, None),
        Some(hcp_core::role::ScopeKind::OrgUnit) => (department_id, window_id, staff_id) = (None, None, None),
        None => {}
    }
    let display_name = blank(&account.display_name)
        .map(str::to_owned)
        .or(default_name)
        .or_else(|| role.map(|r| r.label().to_owned()))
        .unwrap_or_default();
    if display_name.chars().count() > 50 {
        errors.add("display_name", "姓名最多50个字");
    }
    let email = blank(&account.email);
    if let Some(email) = email
        && (email.len() > 200 || !email.contains('@') || email.chars().any(|c| c.is_whitespace() || "<>\"".contains(c)))
    {
        errors.add("email", "邮箱地址格式不正确");
    }
    let (Some(role), true) = (role, errors.is_empty()) else {
        return Ok(None);
    };
    Ok(Some(Resolved {
        role,
        display_name,
        email: email.map(str::to_owned),
        org_unit_id,
        department_id,
        window_id,
        staff_id,
    }))
}

/// What an integration account is told instead of a password.
pub const INTEGRATION_NO_SIGN_IN: &str = "系统对接账号不能登录，访问令牌由系统管理员签发";

/// Creates the account inside `conn`'s transaction; returns its id and the password to hand over — none for an
/// integration account, whose password is an unusable random one never shown (it never signs in).
pub async fn create(
    conn: &mut AnyConnection,
    account: &NewAccount,
    actor: &str,
    now: DateTime<Utc>,
) -> AppResult<(i64, Option<String>)> {
    let mut errors = FieldErrors::new();
    let username = account.username.trim();
    if !(3..=32).contains(&username.len())
        || !username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        errors.add("username", "用户名应为3至32位字母、数字或“_-.”");
    }
    let integration = Role::from_code(account.role.trim()) == Some(Role::Integration);
    let password = match blank(&account.password) {
        // The demo and the test seed name one for every role; it is not used for an integration account.
        Some(_) if integration && account.demo => generate_password(),
        Some(_) if integration => {
            errors.add("password", format!("{INTEGRATION_NO_SIGN_IN}，不设密码"));
            String::new()
        }
        Some(p) if p.chars().count() < 8 => {
            errors.add("password", "密码至少8位");
            String::new()
        }
        Some(p) => p.to_owned(),
        None => generate_password(),
    };
    let resolved = resolve(conn, account, &mut errors).await?;
    let (Some(r), true) = (resolved, errors.is_empty()) else {
        return Err(AppError::invalid(errors));
    };
    let password_hash = hash_password(&password)?;
    let id = users::create(
        conn,
        &users::NewUser {
            username,
            password_hash: &password_hash,
            role: r.role,
            display_name: &r.display_name,
            org_unit_id: r.org_unit_id,
            department_id: r.department_id,
            window_id: r.window_id,
            staff_id: r.staff_id,
        },
        now,
    )
    .await
    .map_err(taken)?;
    if r.email.is_some() {
        users::set_email(conn, id, r.email.as_deref()).await?;
    }
    // An integration account's password is never asked to change: nobody knows it and nobody signs in with it.
    let temporary = !account.demo && !integration;
    hcp_store::users_security::set_password(conn, id, &password_hash, now, temporary, account.demo || integration)
        .await?;
    audit::append(
        conn,
        now,
        actor,
        "user.create",
        &format!("user:{id}"),
        &serde_json::json!({"username": username, "role": r.role.code(), "org_unit": r.org_unit_id,
            "department": r.department_id, "window": r.window_id, "staff": r.staff_id}),
    )
    .await?;
    Ok((id, (!integration).then_some(password)))
}
