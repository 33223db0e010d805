//! An account's lifecycle, kept by the security administrator (安全管理员, issue 16): one account's facts, editing
//! its name, e-mail, role and scope, deactivating it (never deleting: its sessions end and its tokens are revoked
//! in the same transaction) and reactivating it (sign-in only: no session comes back, revoked tokens stay
//! revoked), resets, and its history from the audit log. Every change is audited.
//!
//! Guard rails (三员分立): nobody edits, deactivates or reactivates their own account here (409); administrator
//! roles (`admin`, `security_admin`, `auditor`) are given and taken only at the command line, so no request turns
//! an account into or out of one (422 on `role`); an integration account is not turned into a person's or back
//! (its password is one nobody knows); the last active account of each administrator role is never deactivated
//! (409), since only the command line could make another.

use hcp_core::FieldErrors;
use hcp_core::role::{Role, ScopeKind};
use hcp_store::users::User;
use hcp_store::users_lifecycle::{self as store, Details};
use hcp_store::{AnyConnection, audit, org, users};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use super::history::{self, HistoryEntry};
use super::users::{KEEPERS, administrator_role_refused};
use crate::app::accounts::{self, NewAccount};
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::state::AppState;
use crate::app::views::{local, local_time};

/// One account as the security administrator sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// The role's code (`window_head`).
    pub role: String,
    /// 窗口负责人
    pub role_label: &'static str,
    /// The scope, by the codes a `PUT` takes (only those of the role's scope are set).
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub org_code: Option<String>,
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub department_code: Option<String>,
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub window_code: Option<String>,
    pub staff_no: Option<String>,
    /// The scope in words: "机构：…（含下级）", "全辖区", "部门：…", "窗口：…", "本人：…".
    pub scope_label: String,
    pub email: Option<String>,
    /// False once deactivated.
    pub active: bool,
    /// Locked after failed sign-ins: until when (RFC 3339, China Standard Time).
    pub locked_until: Option<String>,
    /// Whether a second factor (动态口令) is enrolled.
    pub second_factor: bool,
    /// False for an integration account (token only).
    pub may_sign_in: bool,
    /// Live sessions.
    pub sessions: i64,
    /// Tokens neither revoked nor expired.
    pub tokens: i64,
    /// RFC 3339, China Standard Time.
    pub created_at: String,
    pub deactivated_at: Option<String>,
}

/// An account's new details: the same fields and rules as creating one (`NewAccount`), without user name and
/// password. Fields left out are cleared (the e-mail, the scope codes) or defaulted (the name).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountChange {
    pub role: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
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
    pub staff_no: Option<String>,
}

/// `{"active": false}` deactivates, `{"active": true}` reactivates.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountActive {
    pub active: bool,
}

async fn target_of(conn: &mut AnyConnection, username: &str) -> AppResult<User> {
    users::by_username(conn, username.trim()).await?.ok_or_else(|| AppError::not_found("用户"))
}

fn refuse_self(me: &CurrentUser, target: &User) -> AppResult<()> {
    if me.user.id == target.id {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "不能在这里修改、停用或启用自己的账号：请由另一位安全管理员办理（本人的密码在“我的账号”中修改）",
        ));
    }
    Ok(())
}

/// The scope columns in words and by codes: (label, org, department, window, staff_no).
struct ScopeView {
    label: String,
    org_code: Option<String>,
    department_code: Option<String>,
    window_code: Option<String>,
    staff_no: Option<String>,
}

async fn scope_view(
    conn: &mut AnyConnection,
    role: Role,
    org_unit_id: Option<i64>,
    department_id: Option<i64>,
    window_id: Option<i64>,
    staff_id: Option<i64>,
) -> AppResult<ScopeView> {
    let unit = match org_unit_id {
        Some(id) => org::org_unit_by_id(conn, id).await?,
        None => None,
    };
    let department = match department_id {
        Some(id) => org::department_by_id(conn, id).await?,
        None => None,
    };
    let window = match window_id {
        Some(id) => org::window_by_id(conn, id).await?,
        None => None,
    };
    let staff = match staff_id {
        Some(id) => org::staff_by_id(conn, id).await?,
        None => None,
    };
    let named =
        |kind: &str, name: Option<String>| name.map_or_else(|| "（未设置）".to_owned(), |n| format!("{kind}：{n}"));
    let label = match role.scope_kind() {
        ScopeKind::Staff => named("本人", staff.as_ref().map(|s| format!("{}（{}）", s.name, s.staff_no))),
        ScopeKind::Window => named("窗口", window.as_ref().map(|w| format!("{}（{}）", w.name, w.code))),
        ScopeKind::Department => named("部门", department.as_ref().map(|d| format!("{}（{}）", d.name, d.code))),
        ScopeKind::OrgUnit => match &unit {
            Some(u) => format!("机构：{}（{}，含下级）", u.name, u.code),
            None => "全辖区".to_owned(),
        },
    };
    Ok(ScopeView {
        label,
        org_code: unit.map(|u| u.code),
        department_code: department.map(|d| d.code),
        window_code: window.map(|w| w.code),
        staff_no: staff.map(|s| s.staff_no),
    })
}

async fn view(state: &AppState, conn: &mut AnyConnection, user: User) -> AppResult<Account> {
    let facts = store::facts(conn, user.id, state.system_now()).await?.ok_or_else(|| AppError::not_found("用户"))?;
    let scope =
        scope_view(conn, user.role, user.org_unit_id, user.department_id, user.window_id, user.staff_id).await?;
    let locked_until = crate::app::lockout::locked_until(state, conn, &user.username).await?.map(local);
    let second_factor = crate::app::second_factor::is_enrolled(conn, user.id).await?;
    Ok(Account {
        id: user.id,
        display_name: user.display_name,
        role: user.role.code().to_owned(),
        role_label: user.role.label(),
        org_code: scope.org_code,
        department_code: scope.department_code,
        window_code: scope.window_code,
        staff_no: scope.staff_no,
        scope_label: scope.label,
        email: facts.email,
        active: user.disabled == 0,
        locked_until,
        second_factor,
        may_sign_in: user.role.may_sign_in(),
        sessions: facts.sessions,
        tokens: facts.tokens,
        created_at: local_time(facts.created_at)?,
        deactivated_at: facts.deactivated_at.map(local_time).transpose()?,
        username: user.username,
    })
}

/// One account (security administrator).
pub async fn detail(state: &AppState, me: &CurrentUser, username: &str) -> AppResult<Account> {
    me.require(KEEPERS)?;
    let mut conn = state.store().reader().await?;
    let user = target_of(&mut conn, username).await?;
    view(state, &mut conn, user).await
}

/// "z***@example.com": enough to tell addresses apart in the audit log, not enough to write to one.
pub fn mask_email(email: Option<&str>) -> Value {
    match email {
        None => Value::Null,
        Some(email) => {
            let (local, domain) = email.split_once('@').unwrap_or((email, ""));
            let first: String = local.chars().take(1).collect();
            Value::String(format!("{first}***@{domain}"))
        }
    }
}

/// Edits the account's name, e-mail, role and scope (the rules of creating one). A role change ends the
/// account's sessions at once. Audited as `user.update` with the changed fields only (e-mail masked).
pub async fn update(state: &AppState, me: &CurrentUser, username: &str, change: &AccountChange) -> AppResult<Account> {
    me.require(KEEPERS)?;
    let mut tx = state.store().begin().await?;
    let target = target_of(&mut tx, username).await?;
    refuse_self(me, &target)?;
    let new_role = Role::from_code(change.role.trim());
    if let Some(new_role) = new_role
        && new_role != target.role
    {
        if new_role.is_administrator() || target.role.is_administrator() {
            return Err(administrator_role_refused());
        }
        if new_role == Role::Integration || target.role == Role::Integration {
            return Err(AppError::invalid_field("role", "系统对接账号和个人账号不能互相转换，请另建账号"));
        }
    }
    let account = NewAccount {
        username: target.username.clone(),
        role: change.role.clone(),
        display_name: change.display_name.clone(),
        org_code: change.org_code.clone(),
        department_code: change.department_code.clone(),
        window_code: change.window_code.clone(),
        staff_no: change.staff_no.clone(),
        email: change.email.clone(),
        ..Default::default()
    };
    let mut errors = FieldErrors::new();
    let Some(new) = accounts::resolve(&mut tx, &account, &mut errors).await? else {
        return Err(AppError::invalid(errors));
    };
    let old_email = store::facts(&mut tx, target.id, state.system_now()).await?.and_then(|f| f.email);
    let mut changes = Map::new();
    if new.display_name != target.display_name {
        changes.insert("display_name".into(), json!([target.display_name, new.display_name]));
    }
    if new.email != old_email {
        changes.insert("email".into(), json!([mask_email(old_email.as_deref()), mask_email(new.email.as_deref())]));
    }
    if new.role != target.role {
        changes.insert("role".into(), json!([target.role.code(), new.role.code()]));
    }
    let old_scope = (target.org_unit_id, target.department_id, target.window_id, target.staff_id);
    let new_scope = (new.org_unit_id, new.department_id, new.window_id, new.staff_id);
    if old_scope != new_scope {
        let before = scope_view(&mut tx, target.role, old_scope.0, old_scope.1, old_scope.2, old_scope.3).await?;
        let after = scope_view(&mut tx, new.role, new_scope.0, new_scope.1, new_scope.2, new_scope.3).await?;
        changes.insert("scope".into(), json!([before.label, after.label]));
    }
    if !changes.is_empty() {
        let details = Details {
            display_name: &new.display_name,
            email: new.email.as_deref(),
            role: new.role,
            org_unit_id: new.org_unit_id,
            department_id: new.department_id,
            window_id: new.window_id,
            staff_id: new.staff_id,
        };
        store::update_details(&mut tx, target.id, &details).await?;
        // A new role is new permissions: whoever holds a session signs in again under it.
        let sessions_ended =
            if new.role != target.role { store::end_all_sessions(&mut tx, target.id).await? } else { 0 };
        let details = json!({"username": target.username, "changes": changes, "sessions_ended": sessions_ended});
        audit::append(&mut tx, state.now(), &me.actor(), "user.update", &format!("user:{}", target.id), &details)
            .await?;
    }
    let user = target_of(&mut tx, &target.username).await?;
    let account = view(state, &mut tx, user).await?;
    tx.commit().await?;
    Ok(account)
}

/// Deactivates (`active` false) or reactivates the account. Deactivation ends its sessions (deleted) and revokes
/// its tokens in the same transaction; reactivation gives back the sign-in only. Audited as `user.deactivate` /
/// `user.reactivate` with how many sessions ended and tokens were revoked.
pub async fn set_active(state: &AppState, me: &CurrentUser, username: &str, active: bool) -> AppResult<Account> {
    me.require(KEEPERS)?;
    let mut tx = state.store().begin().await?;
    let target = target_of(&mut tx, username).await?;
    refuse_self(me, &target)?;
    let now = state.system_now();
    if !active
        && target.disabled == 0
        && target.role.is_administrator()
        && store::active_with_role(&mut tx, target.role).await? <= 1
    {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!("这是最后一个在用的{}账号，不能停用：请先在服务器上用命令行创建另一个", target.role.label()),
        ));
    }
    if !store::set_active(&mut tx, target.id, active, now).await? {
        let message = if active { "该账号未停用" } else { "该账号已停用" };
        return Err(AppError::new(ErrorCode::Conflict, message));
    }
    let (action, details) = if active {
        ("user.reactivate", json!({"username": target.username, "sessions_ended": 0, "tokens_revoked": 0}))
    } else {
        let sessions = store::end_all_sessions(&mut tx, target.id).await?;
        let tokens = store::revoke_all_tokens(&mut tx, target.id, &me.actor(), now).await?;
        ("user.deactivate", json!({"username": target.username, "sessions_ended": sessions, "tokens_revoked": tokens}))
    };
    audit::append(&mut tx, state.now(), &me.actor(), action, &format!("user:{}", target.id), &details).await?;
    let user = target_of(&mut tx, &target.username).await?;
    let account = view(state, &mut tx, user).await?;
    tx.commit().await?;
    Ok(account)
}

/// Removes the account's second factor (动态口令), by user name (the pages' way to
/// [`crate::app::second_factor::admin_reset`]).
pub async fn reset_second_factor(state: &AppState, me: &CurrentUser, username: &str) -> AppResult<()> {
    me.require(KEEPERS)?;
    let id = target_of(&mut *state.store().reader().await?, username).await?.id;
    crate::app::second_factor::admin_reset(state, me, id).await
}

/// The account-keeping actions of an account's history and their labels; sign-ins, sign-outs and refused
/// requests are the auditor's to read, not part of the account's history.
fn account_action(action: &str) -> Option<(String, &'static str)> {
    let label = match action {
        "user.create" => "创建账号",
        "user.update" => "修改账号",
        "user.deactivate" => "停用账号",
        "user.reactivate" => "启用账号",
        "user.password.reset" => "重置密码",
        "user.password.change" => "本人修改密码",
        "account.lock" => "连续登录失败被锁定",
        "account.unlock" => "解除锁定",
        "second_factor.enrol" => "启用动态口令",
        "second_factor.disable" => "本人停用动态口令",
        "second_factor.admin_reset" => "重置动态口令",
        "token.create" => "签发访问令牌",
        "token.revoke" => "吊销访问令牌",
        _ => return None,
    };
    Some((action.to_owned(), label))
}

/// The account's history (变更记录), oldest first: creation, edits, deactivation and reactivation, resets,
/// locks and unlocks, second-factor and token changes.
pub async fn history(state: &AppState, me: &CurrentUser, username: &str) -> AppResult<Vec<HistoryEntry>> {
    me.require(KEEPERS)?;
    let mut conn = state.store().reader().await?;
    let user = target_of(&mut conn, username).await?;
    let mut entries = history::entries(&mut conn, &format!("user:{}", user.id), account_action).await?;
    // A creation names the scope by row ids ("所在窗口：3"), which say nothing to a reader; the role and the user
    // name stay, the scope is on the account's page.
    for entry in &mut entries {
        entry.changes.retain(|line| {
            let (label, value) = line.split_once('：').unwrap_or_default();
            !(["所属机构", "所属部门", "所在窗口", "工作人员"].contains(&label) && value.parse::<i64>().is_ok())
        });
    }
    Ok(entries)
}

/// The lines `hcp migrate` and `hcp serve` print (stderr) while no active security or audit administrator
/// exists: how to create one (三员分立).
pub async fn missing_administrators(conn: &mut AnyConnection) -> AppResult<Vec<String>> {
    let mut lines = Vec::new();
    for (role, what) in [(Role::SecurityAdmin, "尚无安全管理员"), (Role::Auditor, "尚无审计管理员")] {
        if store::active_with_role(conn, role).await? == 0 {
            lines.push(format!(
                "{what}（三员分立）：hcp user add --role {} --username <用户名> [--name <姓名>]",
                role.code()
            ));
        }
    }
    Ok(lines)
}
