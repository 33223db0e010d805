//! The organisation model: org units, stationed departments, windows, staff and service items.

use hcp_core::FieldErrors;
use hcp_core::org::OrgKind;
use hcp_core::role::Role;
use hcp_store::org;
pub use hcp_store::org::{Department, OrgUnit, ServiceItem, Staff, Window};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{audited, code, name, optional_text, required};
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult};
use crate::app::state::AppState;

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrgUnit {
    #[schema(value_type = hcp_core::org::Code)]
    pub code: String,
    pub name: String,
    /// center, street_center, community_station, online_platform
    #[schema(value_type = hcp_core::org::OrgKind)]
    pub kind: String,
    /// Parent org unit code; omit for the root.
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub parent_code: Option<String>,
}

/// Creates an org unit under its parent.
pub async fn add_org_unit(state: &AppState, user: &CurrentUser, req: &NewOrgUnit) -> AppResult<OrgUnit> {
    user.require(&[Role::Admin])?;
    let mut errors = FieldErrors::new();
    let code = code(&mut errors, "code", &req.code);
    let name = name(&mut errors, "name", &req.name, 100);
    let kind = OrgKind::from_code(req.kind.trim());
    if kind.is_none() {
        errors.add("kind", "机构类型应为 center、street_center、community_station 或 online_platform");
    }
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let parent = match optional_text(&req.parent_code) {
        Some(parent) => required(
            &mut errors,
            "parent_code",
            format!("上级机构“{parent}”不存在"),
            org::org_unit_by_code(&mut tx, parent).await?,
        ),
        None => None,
    };
    let (Some(kind), true) = (kind, errors.is_empty()) else {
        return Err(AppError::invalid(errors));
    };
    let unit = org::create_org_unit(&mut tx, &code, &name, kind, parent.as_ref(), now).await?;
    audited(
        &mut tx,
        user,
        now,
        "org_unit.create",
        format!("org_unit:{}", unit.id),
        serde_json::json!({"code": code, "name": name, "kind": kind.code(), "parent": parent.map(|p| p.code)}),
    )
    .await?;
    tx.commit().await?;
    Ok(unit)
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDepartment {
    #[schema(value_type = hcp_core::org::Code)]
    pub code: String,
    pub name: String,
    /// The org unit (hall) the department is stationed in.
    #[schema(value_type = hcp_core::org::Code)]
    pub org_code: String,
}

/// Creates a stationed department in an org unit.
pub async fn add_department(state: &AppState, user: &CurrentUser, req: &NewDepartment) -> AppResult<Department> {
    user.require(&[Role::Admin])?;
    let mut errors = FieldErrors::new();
    let code = code(&mut errors, "code", &req.code);
    let name = name(&mut errors, "name", &req.name, 100);
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let unit =
        required(&mut errors, "org_code", "机构不存在", org::org_unit_by_code(&mut tx, req.org_code.trim()).await?);
    let (Some(unit), true) = (unit, errors.is_empty()) else {
        return Err(AppError::invalid(errors));
    };
    let department = org::create_department(&mut tx, &code, &name, unit.id, now).await?;
    audited(
        &mut tx,
        user,
        now,
        "department.create",
        format!("department:{}", department.id),
        serde_json::json!({"code": code, "name": name, "org_unit": unit.code}),
    )
    .await?;
    tx.commit().await?;
    Ok(department)
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWindow {
    /// Printed on the window's QR poster.
    #[schema(value_type = hcp_core::org::Code)]
    pub code: String,
    pub name: String,
    #[schema(value_type = hcp_core::org::Code)]
    pub department_code: String,
    /// Staff number of the window head (业务窗口负责人), if already registered.
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub head_staff_no: Option<String>,
}

/// Creates a window of a department, with its head if already registered.
pub async fn add_window(state: &AppState, user: &CurrentUser, req: &NewWindow) -> AppResult<Window> {
    user.require(&[Role::Admin])?;
    let mut errors = FieldErrors::new();
    let code = code(&mut errors, "code", &req.code);
    let name = name(&mut errors, "name", &req.name, 100);
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let department = required(
        &mut errors,
        "department_code",
        "部门不存在",
        org::department_by_code(&mut tx, req.department_code.trim()).await?,
    );
    let head = match optional_text(&req.head_staff_no) {
        Some(no) => {
            required(&mut errors, "head_staff_no", format!("工号“{no}”不存在"), org::staff_by_no(&mut tx, no).await?)
        }
        None => None,
    };
    let (Some(department), true) = (department, errors.is_empty()) else {
        return Err(AppError::invalid(errors));
    };
    let mut window = org::create_window(&mut tx, &code, &name, department.id, now).await?;
    if let Some(head) = &head {
        org::set_window_head(&mut tx, window.id, Some(head.id)).await?;
        window.head_staff_id = Some(head.id);
    }
    audited(&mut tx, user, now, "window.create", format!("window:{}", window.id), serde_json::json!({"code": code, "name": name, "department": department.code, "head": head.map(|h| h.staff_no)})).await?;
    tx.commit().await?;
    Ok(window)
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    /// 工号
    #[schema(value_type = hcp_core::org::Code)]
    pub staff_no: String,
    pub name: String,
    #[schema(value_type = hcp_core::org::Code)]
    pub window_code: String,
    /// Make this person the window's head.
    #[serde(default)]
    pub is_head: bool,
}

/// Registers a staff member at a window.
pub async fn add_staff(state: &AppState, user: &CurrentUser, req: &NewStaff) -> AppResult<Staff> {
    user.require(&[Role::Admin])?;
    let mut errors = FieldErrors::new();
    let staff_no = code(&mut errors, "staff_no", &req.staff_no);
    let name = name(&mut errors, "name", &req.name, 50);
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let window =
        required(&mut errors, "window_code", "窗口不存在", org::window_by_code(&mut tx, req.window_code.trim()).await?);
    let (Some(window), true) = (window, errors.is_empty()) else {
        return Err(AppError::invalid(errors));
    };
    let staff = org::create_staff(&mut tx, &staff_no, &name, Some(window.id), now).await?;
    if req.is_head {
        org::set_window_head(&mut tx, window.id, Some(staff.id)).await?;
    }
    audited(
        &mut tx,
        user,
        now,
        "staff.create",
        format!("staff:{}", staff.id),
        serde_json::json!({"staff_no": staff_no, "window": window.code, "head": req.is_head}),
    )
    .await?;
    tx.commit().await?;
    Ok(staff)
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewServiceItem {
    /// 事项编码
    #[schema(value_type = hcp_core::org::Code)]
    pub code: String,
    pub name: String,
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub department_code: Option<String>,
}

/// Registers a service item (政务服务事项).
pub async fn add_service_item(state: &AppState, user: &CurrentUser, req: &NewServiceItem) -> AppResult<ServiceItem> {
    user.require(&[Role::Admin])?;
    let mut errors = FieldErrors::new();
    let code = code(&mut errors, "code", &req.code);
    let name = name(&mut errors, "name", &req.name, 200);
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let department = match optional_text(&req.department_code) {
        Some(dc) => required(&mut errors, "department_code", "部门不存在", org::department_by_code(&mut tx, dc).await?),
        None => None,
    };
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let item = org::create_service_item(&mut tx, &code, &name, department.as_ref().map(|d| d.id), now).await?;
    audited(
        &mut tx,
        user,
        now,
        "service_item.create",
        format!("service_item:{}", item.id),
        serde_json::json!({"code": code, "name": name}),
    )
    .await?;
    tx.commit().await?;
    Ok(item)
}

/// Everything of the organisation model, for the administrator (parents before children).
pub async fn org_units(state: &AppState, user: &CurrentUser) -> AppResult<Vec<OrgUnit>> {
    user.require(&[Role::Admin])?;
    Ok(org::list_org_units(&mut *state.store().reader().await?).await?)
}

pub async fn departments(state: &AppState, user: &CurrentUser) -> AppResult<Vec<Department>> {
    user.require(&[Role::Admin])?;
    Ok(org::list_departments(&mut *state.store().reader().await?).await?)
}

pub async fn windows(state: &AppState, user: &CurrentUser) -> AppResult<Vec<Window>> {
    user.require(&[Role::Admin])?;
    Ok(org::list_windows(&mut *state.store().reader().await?).await?)
}

pub async fn staff(state: &AppState, user: &CurrentUser) -> AppResult<Vec<Staff>> {
    user.require(&[Role::Admin])?;
    Ok(org::list_staff(&mut *state.store().reader().await?).await?)
}

pub async fn service_items(state: &AppState, user: &CurrentUser) -> AppResult<Vec<ServiceItem>> {
    user.require(&[Role::Admin])?;
    Ok(org::list_service_items(&mut *state.store().reader().await?).await?)
}
