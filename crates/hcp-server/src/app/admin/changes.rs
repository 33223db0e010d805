//! Edits, deactivation and reactivation of the organisation model. Nothing is deleted: a deactivated record
//! takes no new evaluations, complaints, cases or dispatches, while what was recorded against it stays (history,
//! statistics, open tickets). Deactivating a record with active children is refused with their names (no
//! cascade: the administrator decides where each window and person goes). Every change is audited with the
//! values before and after, which is the history a record's page shows.

use hcp_core::FieldErrors;
use hcp_core::org::OrgKind;
use hcp_core::role::Role;
use hcp_store::org_changes::{self, Record};
use hcp_store::{AnyConnection, org};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::{audited, name, optional_text, required};
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::state::AppState;

pub use hcp_store::org_changes::Record as OrgRecord;

/// How the audit log names records of this kind (targets `window:3`, actions `window.update`).
fn slug(record: Record) -> &'static str {
    match record {
        Record::OrgUnit => "org_unit",
        Record::Department => "department",
        Record::Window => "window",
        Record::Staff => "staff",
        Record::ServiceItem => "service_item",
    }
}

/// How the audit log names one record.
pub fn target(record: Record, id: i64) -> String {
    format!("{}:{id}", slug(record))
}

fn label(record: Record) -> &'static str {
    match record {
        Record::OrgUnit => "机构",
        Record::Department => "部门",
        Record::Window => "窗口",
        Record::Staff => "工作人员",
        Record::ServiceItem => "事项",
    }
}

fn named(name: &str, code: &str) -> String {
    format!("{name}（{code}）")
}

async fn unit_of(conn: &mut AnyConnection, code: &str) -> AppResult<org::OrgUnit> {
    org::org_unit_by_code(conn, code.trim()).await?.ok_or_else(|| AppError::not_found("机构"))
}

async fn department_of(conn: &mut AnyConnection, code: &str) -> AppResult<org::Department> {
    org::department_by_code(conn, code.trim()).await?.ok_or_else(|| AppError::not_found("部门"))
}

async fn window_of(conn: &mut AnyConnection, code: &str) -> AppResult<org::Window> {
    org::window_by_code(conn, code.trim()).await?.ok_or_else(|| AppError::not_found("窗口"))
}

async fn staff_of(conn: &mut AnyConnection, no: &str) -> AppResult<org::Staff> {
    org::staff_by_no(conn, no.trim()).await?.ok_or_else(|| AppError::not_found("工作人员"))
}

async fn item_of(conn: &mut AnyConnection, code: &str) -> AppResult<org::ServiceItem> {
    org::service_item_by_code(conn, code.trim()).await?.ok_or_else(|| AppError::not_found("事项"))
}

/// "市场监管局（SCJG）" of a department id, for the history.
async fn department_text(conn: &mut AnyConnection, id: Option<i64>) -> AppResult<Option<String>> {
    Ok(match id {
        Some(id) => org::department_by_id(conn, id).await?.map(|d| named(&d.name, &d.code)),
        None => None,
    })
}

async fn window_text(conn: &mut AnyConnection, id: Option<i64>) -> AppResult<Option<String>> {
    Ok(match id {
        Some(id) => org::window_by_id(conn, id).await?.map(|w| named(&w.name, &w.code)),
        None => None,
    })
}

async fn staff_text(conn: &mut AnyConnection, id: Option<i64>) -> AppResult<Option<String>> {
    Ok(match id {
        Some(id) => org::staff_by_id(conn, id).await?.map(|s| named(&s.name, &s.staff_no)),
        None => None,
    })
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgUnitChange {
    pub name: String,
    /// center, street_center, community_station, online_platform
    #[schema(value_type = hcp_core::org::OrgKind)]
    pub kind: String,
}

/// Renames an org unit or changes its kind (its code and place in the tree stay).
pub async fn edit_org_unit(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    req: &OrgUnitChange,
) -> AppResult<org::OrgUnit> {
    user.require(&[Role::Admin])?;
    let mut errors = FieldErrors::new();
    let name = name(&mut errors, "name", &req.name, 100);
    let kind = OrgKind::from_code(req.kind.trim());
    if kind.is_none() {
        errors.add("kind", "机构类型应为 center、street_center、community_station 或 online_platform");
    }
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let unit = unit_of(&mut tx, code).await?;
    let (Some(kind), true) = (kind, errors.is_empty()) else {
        return Err(AppError::invalid(errors));
    };
    org_changes::update_org_unit(&mut tx, unit.id, &name, kind.code()).await?;
    let details = json!({
        "before": {"name": unit.name, "kind": unit.kind.label()},
        "after": {"name": name, "kind": kind.label()},
    });
    audited(&mut tx, user, now, "org_unit.update", target(Record::OrgUnit, unit.id), details).await?;
    let unit = org::org_unit_by_id(&mut tx, unit.id).await?.ok_or_else(|| AppError::not_found("机构"))?;
    tx.commit().await?;
    Ok(unit)
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentChange {
    pub name: String,
    /// The org unit (hall) the department is stationed in.
    #[schema(value_type = hcp_core::org::Code)]
    pub org_code: String,
}

/// Renames a department or stations it in another hall (records already made keep the hall they named).
pub async fn edit_department(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    req: &DepartmentChange,
) -> AppResult<org::Department> {
    user.require(&[Role::Admin])?;
    let mut errors = FieldErrors::new();
    let name = name(&mut errors, "name", &req.name, 100);
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let department = department_of(&mut tx, code).await?;
    let unit =
        required(&mut errors, "org_code", "机构不存在", org::org_unit_by_code(&mut tx, req.org_code.trim()).await?);
    if unit.as_ref().is_some_and(|u| u.deactivated_at.is_some()) {
        errors.add("org_code", "该机构已停用");
    }
    let (Some(unit), true) = (unit, errors.is_empty()) else {
        return Err(AppError::invalid(errors));
    };
    let before_unit = org::org_unit_by_id(&mut tx, department.org_unit_id).await?;
    org_changes::update_department(&mut tx, department.id, &name, unit.id).await?;
    let details = json!({
        "before": {"name": department.name, "org_unit": before_unit.map(|u| named(&u.name, &u.code))},
        "after": {"name": name, "org_unit": named(&unit.name, &unit.code)},
    });
    audited(&mut tx, user, now, "department.update", target(Record::Department, department.id), details).await?;
    let department = org::department_by_id(&mut tx, department.id).await?.ok_or_else(|| AppError::not_found("部门"))?;
    tx.commit().await?;
    Ok(department)
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowChange {
    pub name: String,
    #[schema(value_type = hcp_core::org::Code)]
    pub department_code: String,
    /// Staff number of the window head; omit or leave empty for none.
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub head_staff_no: Option<String>,
}

/// Renames a window, moves it to another department, or names its head (who must work at it).
pub async fn edit_window(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    req: &WindowChange,
) -> AppResult<org::Window> {
    user.require(&[Role::Admin])?;
    let mut errors = FieldErrors::new();
    let name = name(&mut errors, "name", &req.name, 100);
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let window = window_of(&mut tx, code).await?;
    let department = required(
        &mut errors,
        "department_code",
        "部门不存在",
        org::department_by_code(&mut tx, req.department_code.trim()).await?,
    );
    if department.as_ref().is_some_and(|d| d.deactivated_at.is_some()) {
        errors.add("department_code", "该部门已停用");
    }
    let head = match optional_text(&req.head_staff_no) {
        Some(no) => {
            required(&mut errors, "head_staff_no", format!("工号“{no}”不存在"), org::staff_by_no(&mut tx, no).await?)
        }
        None => None,
    };
    if let Some(head) = &head
        && (head.window_id != Some(window.id) || head.deactivated_at.is_some())
    {
        errors.add("head_staff_no", "窗口负责人须为本窗口在岗的工作人员");
    }
    let (Some(department), true) = (department, errors.is_empty()) else {
        return Err(AppError::invalid(errors));
    };
    let head_id = head.as_ref().map(|h| h.id);
    org_changes::update_window(&mut tx, window.id, &name, department.id, head_id).await?;
    let details = json!({
        "before": {
            "name": window.name,
            "department": department_text(&mut tx, Some(window.department_id)).await?,
            "head": staff_text(&mut tx, window.head_staff_id).await?,
        },
        "after": {
            "name": name,
            "department": named(&department.name, &department.code),
            "head": head.map(|h| named(&h.name, &h.staff_no)),
        },
    });
    audited(&mut tx, user, now, "window.update", target(Record::Window, window.id), details).await?;
    let window = org::window_by_id(&mut tx, window.id).await?.ok_or_else(|| AppError::not_found("窗口"))?;
    tx.commit().await?;
    Ok(window)
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffChange {
    pub name: String,
    /// The window the person works at; omit or leave empty for off duty (不在窗口).
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub window_code: Option<String>,
}

/// Renames a staff member or moves them to another window (or off duty); a head who leaves stops being head.
/// Tickets already attributed stay with the window they were recorded at, whose head answers them.
pub async fn edit_staff(
    state: &AppState,
    user: &CurrentUser,
    staff_no: &str,
    req: &StaffChange,
) -> AppResult<org::Staff> {
    user.require(&[Role::Admin])?;
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let staff = staff_of(&mut tx, staff_no).await?;
    let moved = move_staff(&mut tx, &staff, &req.name, optional_text(&req.window_code)).await?;
    audited(&mut tx, user, now, "staff.update", target(Record::Staff, staff.id), moved).await?;
    let staff = org::staff_by_id(&mut tx, staff.id).await?.ok_or_else(|| AppError::not_found("工作人员"))?;
    tx.commit().await?;
    Ok(staff)
}

/// Validates and applies a staff member's new name and window; returns the before/after details to audit.
pub(crate) async fn move_staff(
    conn: &mut AnyConnection,
    staff: &org::Staff,
    new_name: &str,
    window_code: Option<&str>,
) -> AppResult<serde_json::Value> {
    let mut errors = FieldErrors::new();
    let new_name = name(&mut errors, "name", new_name, 50);
    let window = match window_code {
        Some(code) => required(&mut errors, "window_code", "窗口不存在", org::window_by_code(&mut *conn, code).await?),
        None => None,
    };
    if window.as_ref().is_some_and(|w| w.deactivated_at.is_some()) {
        errors.add("window_code", "该窗口已停用，请选择其他窗口");
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let window_id = window.as_ref().map(|w| w.id);
    org_changes::update_staff(conn, staff.id, &new_name, window_id).await?;
    Ok(json!({
        "before": {"name": staff.name, "window": window_text(conn, staff.window_id).await?.unwrap_or_else(off_duty)},
        "after": {"name": new_name, "window": window.map(|w| named(&w.name, &w.code)).unwrap_or_else(off_duty)},
    }))
}

fn off_duty() -> String {
    "不在窗口".to_owned()
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceItemChange {
    pub name: String,
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub department_code: Option<String>,
}

/// Renames a service item or gives it to another department.
pub async fn edit_service_item(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    req: &ServiceItemChange,
) -> AppResult<org::ServiceItem> {
    user.require(&[Role::Admin])?;
    let mut errors = FieldErrors::new();
    let name = name(&mut errors, "name", &req.name, 200);
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let item = item_of(&mut tx, code).await?;
    let department = match optional_text(&req.department_code) {
        Some(dc) => required(&mut errors, "department_code", "部门不存在", org::department_by_code(&mut tx, dc).await?),
        None => None,
    };
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    org_changes::update_service_item(&mut tx, item.id, &name, department.as_ref().map(|d| d.id)).await?;
    let details = json!({
        "before": {"name": item.name, "department": department_text(&mut tx, item.department_id).await?},
        "after": {"name": name, "department": department.map(|d| named(&d.name, &d.code))},
    });
    audited(&mut tx, user, now, "service_item.update", target(Record::ServiceItem, item.id), details).await?;
    let item = org::service_item_by_code(&mut tx, &item.code).await?.ok_or_else(|| AppError::not_found("事项"))?;
    tx.commit().await?;
    Ok(item)
}

/// Where citizens of a window being closed should go instead. Ignored for other records.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Closure {
    /// The window that takes over (an active one).
    #[param(value_type = Option<hcp_core::org::Code>)]
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub replacement_window_code: Option<String>,
    /// Where to go instead, in words (e.g. “请到二楼综合窗口办理”), up to 200 characters.
    pub note: Option<String>,
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActiveChange {
    /// true reactivates; false deactivates (as DELETE does).
    pub active: bool,
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub replacement_window_code: Option<String>,
    pub note: Option<String>,
}

impl ActiveChange {
    pub fn closure(&self) -> Closure {
        Closure { replacement_window_code: self.replacement_window_code.clone(), note: self.note.clone() }
    }
}

/// The id of a record of `record`'s kind by its code, with its deactivation instant.
async fn find(conn: &mut AnyConnection, record: Record, code: &str) -> AppResult<(i64, String, Option<i64>)> {
    Ok(match record {
        Record::OrgUnit => unit_of(conn, code).await.map(|u| (u.id, named(&u.name, &u.code), u.deactivated_at))?,
        Record::Department => {
            department_of(conn, code).await.map(|d| (d.id, named(&d.name, &d.code), d.deactivated_at))?
        }
        Record::Window => window_of(conn, code).await.map(|w| (w.id, named(&w.name, &w.code), w.deactivated_at))?,
        Record::Staff => staff_of(conn, code).await.map(|s| (s.id, named(&s.name, &s.staff_no), s.deactivated_at))?,
        Record::ServiceItem => item_of(conn, code).await.map(|i| (i.id, named(&i.name, &i.code), i.deactivated_at))?,
    })
}

/// Deactivates (`active == false`) or reactivates a record by its code. Deactivating a record with active
/// children is refused (409) naming them; a window's closure names where to go instead.
pub async fn set_active(
    state: &AppState,
    user: &CurrentUser,
    record: Record,
    code: &str,
    active: bool,
    closure: &Closure,
) -> AppResult<()> {
    user.require(&[Role::Admin])?;
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let (id, _, deactivated_at) = find(&mut tx, record, code).await?;
    let what = label(record);
    if active == deactivated_at.is_none() {
        let message = if active { format!("该{what}未停用") } else { format!("该{what}已停用") };
        return Err(AppError::new(ErrorCode::Conflict, message));
    }
    let mut details = json!({});
    if active {
        if record == Record::Window {
            org_changes::set_window_closure(&mut tx, id, None, None).await?;
        }
        org_changes::set_deactivated(&mut tx, record, id, None).await?;
    } else {
        let children = org_changes::active_children(&mut tx, record, id).await?;
        if !children.is_empty() {
            let under = if record == Record::Window { "在岗工作人员" } else { "下属机构、部门或窗口" };
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!("该{what}仍有{under}：{}。请先停用或调走后再停用。", children.join("、")),
            ));
        }
        if record == Record::Window {
            details = close_window(&mut tx, id, closure).await?;
        }
        if record == Record::Staff {
            org_changes::clear_head(&mut tx, id).await?;
            tell_security_administrators(state, &mut tx, id, code, now).await?;
        }
        org_changes::set_deactivated(&mut tx, record, id, Some(hcp_store::ms(now))).await?;
    }
    let action = format!("{}.{}", slug(record), if active { "reactivate" } else { "deactivate" });
    audited(&mut tx, user, now, &action, target(record, id), details).await?;
    tx.commit().await?;
    Ok(())
}

/// Accounts are the security administrator's (三员分立): the system administrator who takes a staff member off
/// duty does not end their sign-in, but the security administrators are told which accounts still work.
async fn tell_security_administrators(
    state: &AppState,
    conn: &mut AnyConnection,
    staff_id: i64,
    staff_no: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let accounts = hcp_store::users_lifecycle::active_accounts_of_staff(conn, staff_id).await?;
    if accounts.is_empty() {
        return Ok(());
    }
    let name = org::staff_by_id(&mut *conn, staff_id).await?.map(|s| s.name).unwrap_or_default();
    let recipients = hcp_store::users_lifecycle::active_recipients(conn, Role::SecurityAdmin).await?;
    let notice = crate::app::jobs::notify::Notice {
        subject: format!("工作人员{name}（{staff_no}）已停用，其账号仍可登录"),
        body: format!(
            "系统管理员已停用工作人员{name}（{staff_no}）。其账号 {} 仍可登录，请在“用户与账号”中核实，需要时停用该账号（/admin/users/{}）。",
            accounts.join("、"),
            accounts[0]
        ),
        ticket_id: None,
        order_id: None,
    };
    crate::app::jobs::notify::users(conn, &state.rules().notify, &recipients, &notice, hcp_store::ms(now)).await?;
    Ok(())
}

async fn close_window(conn: &mut AnyConnection, id: i64, closure: &Closure) -> AppResult<serde_json::Value> {
    let mut errors = FieldErrors::new();
    let replacement = match optional_text(&closure.replacement_window_code) {
        Some(code) => required(
            &mut errors,
            "replacement_window_code",
            "替代窗口不存在",
            org::window_by_code(&mut *conn, code).await?,
        ),
        None => None,
    };
    if let Some(r) = &replacement
        && (r.id == id || r.deactivated_at.is_some())
    {
        errors.add("replacement_window_code", "替代窗口须为另一个正在服务的窗口");
    }
    let note = optional_text(&closure.note);
    if note.is_some_and(|n| n.chars().count() > 200) {
        errors.add("note", "去处说明最多200字");
    }
    if replacement.is_none() && note.is_none() && errors.is_empty() {
        errors.add("replacement_window_code", "请指定替代窗口，或填写去处说明，告诉群众到哪里办理");
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    org_changes::set_window_closure(conn, id, replacement.as_ref().map(|r| r.id), note).await?;
    Ok(json!({"replacement": replacement.map(|r| named(&r.name, &r.code)), "note": note}))
}

/// The id of a record by its code (404 when there is none).
pub async fn id_of(state: &AppState, record: Record, code: &str) -> AppResult<i64> {
    Ok(find(&mut *state.store().reader().await?, record, code).await?.0)
}

/// Deactivates or reactivates, and answers with the record as it now is (one function per kind for the API).
pub async fn switch_org_unit(s: &AppState, u: &CurrentUser, code: &str, active: bool) -> AppResult<org::OrgUnit> {
    set_active(s, u, Record::OrgUnit, code, active, &Closure::default()).await?;
    unit_of(&mut *s.store().reader().await?, code).await
}

pub async fn switch_department(s: &AppState, u: &CurrentUser, code: &str, active: bool) -> AppResult<org::Department> {
    set_active(s, u, Record::Department, code, active, &Closure::default()).await?;
    department_of(&mut *s.store().reader().await?, code).await
}

pub async fn switch_window(
    s: &AppState,
    u: &CurrentUser,
    code: &str,
    active: bool,
    closure: &Closure,
) -> AppResult<org::Window> {
    set_active(s, u, Record::Window, code, active, closure).await?;
    window_of(&mut *s.store().reader().await?, code).await
}

pub async fn switch_staff(s: &AppState, u: &CurrentUser, no: &str, active: bool) -> AppResult<org::Staff> {
    set_active(s, u, Record::Staff, no, active, &Closure::default()).await?;
    staff_of(&mut *s.store().reader().await?, no).await
}

pub async fn switch_service_item(
    s: &AppState,
    u: &CurrentUser,
    code: &str,
    active: bool,
) -> AppResult<org::ServiceItem> {
    set_active(s, u, Record::ServiceItem, code, active, &Closure::default()).await?;
    item_of(&mut *s.store().reader().await?, code).await
}
