//! Administration: the organisation model, users and the calendar. Admin configures but does not read case
//! contents (DESIGN §7). Every write is audited.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use hcp_core::FieldErrors;
use hcp_core::calendar::HolidayFile;
use hcp_core::org::{Code, OrgKind, parse_name};
use hcp_core::role::Role;
use hcp_store::org::{self, Case, Department, NewCase, OrgUnit, ServiceItem, Staff, Window};
use hcp_store::users::User;
use hcp_store::{AnyConnection, audit, calendar, users};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Page;
use crate::api::extract::{ApiJson, ApiQuery};
use crate::app::accounts::{self, NewAccount};
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult};
use crate::app::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/org-units", post(create_org_unit).get(list_org_units))
        .route("/admin/departments", post(create_department).get(list_departments))
        .route("/admin/windows", post(create_window).get(list_windows))
        .route("/admin/staff", post(create_staff).get(list_staff))
        .route("/admin/service-items", post(create_item).get(list_items))
        .route("/admin/cases", post(create_case).get(list_cases))
        .route("/admin/users", post(create_user).get(list_users))
        .route("/admin/calendar", get(calendar_years))
        .route("/admin/calendar/{year}", put(import_calendar))
}

fn code(errors: &mut FieldErrors, field: &str, text: &str) -> String {
    match Code::parse(text) {
        Ok(code) => code.as_str().to_owned(),
        Err(message) => {
            errors.add(field, message);
            String::new()
        }
    }
}

fn name(errors: &mut FieldErrors, field: &str, text: &str, max: usize) -> String {
    parse_name(text, max).unwrap_or_else(|message| {
        errors.add(field, message);
        String::new()
    })
}

/// Records a field error when a looked-up row is missing, and passes the lookup through.
fn required<T>(errors: &mut FieldErrors, field: &str, message: impl Into<String>, found: Option<T>) -> Option<T> {
    if found.is_none() {
        errors.add(field, message);
    }
    found
}

fn optional_text(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

async fn audited(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    now: DateTime<Utc>,
    action: &str,
    target: String,
    details: serde_json::Value,
) -> AppResult<()> {
    audit::append(conn, now, &user.actor(), action, &target, &details).await?;
    Ok(())
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrgUnit {
    pub code: String,
    pub name: String,
    /// center, street_center, community_station, online_platform
    pub kind: String,
    /// Parent org unit code; omit for the root.
    pub parent_code: Option<String>,
}

/// Create an org unit.
#[utoipa::path(post, path = "/api/v1/admin/org-units", tag = "admin", request_body = NewOrgUnit,
    responses((status = 201, body = OrgUnit), (status = 409, body = crate::api::error::ErrorBody), (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn create_org_unit(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewOrgUnit>,
) -> AppResult<(StatusCode, Json<OrgUnit>)> {
    Ok((StatusCode::CREATED, Json(add_org_unit(&state, &user, &req).await?)))
}

/// The logic of `POST /admin/org-units`, shared with the admin pages.
pub async fn add_org_unit(state: &AppState, user: &CurrentUser, req: &NewOrgUnit) -> AppResult<OrgUnit> {
    user.require(&[Role::Admin])?;
    let mut errors = FieldErrors::new();
    let code = code(&mut errors, "code", &req.code);
    let name = name(&mut errors, "name", &req.name, 100);
    let kind = OrgKind::parse(req.kind.trim());
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
    let unit = org::create_org_unit(&mut tx, &code, &name, kind.code(), parent.as_ref(), now).await?;
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

/// All org units, parents before children.
#[utoipa::path(get, path = "/api/v1/admin/org-units", tag = "admin", responses((status = 200, body = Vec<OrgUnit>)))]
pub async fn list_org_units(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<OrgUnit>>> {
    user.require(&[Role::Admin])?;
    Ok(Json(org::list_org_units(&mut *state.store().reader().await?).await?))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDepartment {
    pub code: String,
    pub name: String,
    /// The org unit (hall) the department is stationed in.
    pub org_code: String,
}

/// Create a stationed department.
#[utoipa::path(post, path = "/api/v1/admin/departments", tag = "admin", request_body = NewDepartment,
    responses((status = 201, body = Department), (status = 409, body = crate::api::error::ErrorBody), (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn create_department(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewDepartment>,
) -> AppResult<(StatusCode, Json<Department>)> {
    Ok((StatusCode::CREATED, Json(add_department(&state, &user, &req).await?)))
}

/// The logic of `POST /admin/departments`, shared with the admin pages.
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

/// All departments.
#[utoipa::path(get, path = "/api/v1/admin/departments", tag = "admin", responses((status = 200, body = Vec<Department>)))]
pub async fn list_departments(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<Department>>> {
    user.require(&[Role::Admin])?;
    Ok(Json(org::list_departments(&mut *state.store().reader().await?).await?))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWindow {
    /// Printed on the window's QR poster.
    pub code: String,
    pub name: String,
    pub department_code: String,
    /// Staff number of the window head (业务窗口负责人), if already registered.
    pub head_staff_no: Option<String>,
}

/// Create a window.
#[utoipa::path(post, path = "/api/v1/admin/windows", tag = "admin", request_body = NewWindow,
    responses((status = 201, body = Window), (status = 409, body = crate::api::error::ErrorBody), (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn create_window(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewWindow>,
) -> AppResult<(StatusCode, Json<Window>)> {
    Ok((StatusCode::CREATED, Json(add_window(&state, &user, &req).await?)))
}

/// The logic of `POST /admin/windows`, shared with the admin pages.
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

/// All windows.
#[utoipa::path(get, path = "/api/v1/admin/windows", tag = "admin", responses((status = 200, body = Vec<Window>)))]
pub async fn list_windows(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<Window>>> {
    user.require(&[Role::Admin])?;
    Ok(Json(org::list_windows(&mut *state.store().reader().await?).await?))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    /// 工号
    pub staff_no: String,
    pub name: String,
    pub window_code: String,
    /// Make this person the window's head.
    #[serde(default)]
    pub is_head: bool,
}

/// Register a staff member at a window.
#[utoipa::path(post, path = "/api/v1/admin/staff", tag = "admin", request_body = NewStaff,
    responses((status = 201, body = Staff), (status = 409, body = crate::api::error::ErrorBody), (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn create_staff(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewStaff>,
) -> AppResult<(StatusCode, Json<Staff>)> {
    Ok((StatusCode::CREATED, Json(add_staff(&state, &user, &req).await?)))
}

/// The logic of `POST /admin/staff`, shared with the admin pages.
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

/// All staff.
#[utoipa::path(get, path = "/api/v1/admin/staff", tag = "admin", responses((status = 200, body = Vec<Staff>)))]
pub async fn list_staff(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<Staff>>> {
    user.require(&[Role::Admin])?;
    Ok(Json(org::list_staff(&mut *state.store().reader().await?).await?))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewServiceItem {
    /// 事项编码
    pub code: String,
    pub name: String,
    pub department_code: Option<String>,
}

/// Register a service item (政务服务事项).
#[utoipa::path(post, path = "/api/v1/admin/service-items", tag = "admin", request_body = NewServiceItem,
    responses((status = 201, body = ServiceItem), (status = 409, body = crate::api::error::ErrorBody), (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn create_item(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewServiceItem>,
) -> AppResult<(StatusCode, Json<ServiceItem>)> {
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
        &user,
        now,
        "service_item.create",
        format!("service_item:{}", item.id),
        serde_json::json!({"code": code, "name": name}),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// All service items.
#[utoipa::path(get, path = "/api/v1/admin/service-items", tag = "admin", responses((status = 200, body = Vec<ServiceItem>)))]
pub async fn list_items(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<ServiceItem>>> {
    user.require(&[Role::Admin])?;
    Ok(Json(org::list_service_items(&mut *state.store().reader().await?).await?))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseRequest {
    /// 办件编号
    pub case_no: String,
    pub item_code: String,
    pub window_code: String,
    pub staff_no: Option<String>,
    /// RFC 3339
    pub accepted_at: String,
    /// RFC 3339; omit while the case is open.
    pub finished_at: Option<String>,
}

fn instant(errors: &mut FieldErrors, field: &str, text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| errors.add(field, "时间应为 RFC 3339 格式，例如 2026-10-12T09:30:00+08:00"))
        .ok()
}

/// Register a case (办件), as the case-handling system reports it. Admins and registrars.
#[utoipa::path(post, path = "/api/v1/admin/cases", tag = "admin", request_body = NewCaseRequest,
    responses((status = 201, body = Case), (status = 409, body = crate::api::error::ErrorBody), (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn create_case(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewCaseRequest>,
) -> AppResult<(StatusCode, Json<Case>)> {
    user.require(&[Role::Admin, Role::Registrar])?;
    let mut errors = FieldErrors::new();
    let case_no = code(&mut errors, "case_no", &req.case_no);
    let accepted_at = instant(&mut errors, "accepted_at", &req.accepted_at);
    let finished_at = req
        .finished_at
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .and_then(|t| instant(&mut errors, "finished_at", t));
    let now = state.now();
    if let Some(at) = accepted_at
        && at > now + chrono::Duration::minutes(5)
    {
        errors.add("accepted_at", "受理时间不能晚于当前时间");
    }
    if let (Some(a), Some(f)) = (accepted_at, finished_at)
        && f < a
    {
        errors.add("finished_at", "办结时间不能早于受理时间");
    }
    let mut tx = state.store().begin().await?;
    let item = required(
        &mut errors,
        "item_code",
        "事项不存在",
        org::service_item_by_code(&mut tx, req.item_code.trim()).await?,
    );
    let window =
        required(&mut errors, "window_code", "窗口不存在", org::window_by_code(&mut tx, req.window_code.trim()).await?);
    let staff = match optional_text(&req.staff_no) {
        Some(no) => {
            required(&mut errors, "staff_no", format!("工号“{no}”不存在"), org::staff_by_no(&mut tx, no).await?)
        }
        None => None,
    };
    let (Some(item), Some(window), Some(accepted_at), true) = (item, window, accepted_at, errors.is_empty()) else {
        return Err(AppError::invalid(errors));
    };
    let case = org::create_case(
        &mut tx,
        &NewCase {
            case_no: &case_no,
            item_id: item.id,
            window_id: window.id,
            staff_id: staff.map(|s| s.id),
            accepted_at,
            finished_at,
        },
        now,
    )
    .await?;
    audited(
        &mut tx,
        &user,
        now,
        "case.create",
        format!("case:{}", case.id),
        serde_json::json!({"case_no": case_no, "item": item.code, "window": window.code}),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(case)))
}

#[derive(Deserialize, IntoParams)]
pub struct CaseQuery {
    pub window: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Cases, newest first.
#[utoipa::path(get, path = "/api/v1/admin/cases", tag = "admin", params(CaseQuery), responses((status = 200, body = Vec<Case>)))]
pub async fn list_cases(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> AppResult<Json<Vec<Case>>> {
    user.require(&[Role::Admin, Role::Registrar])?;
    let mut conn = state.store().reader().await?;
    let window_id = match q.window.as_deref().filter(|w| !w.is_empty()) {
        Some(code) => Some(org::window_by_code(&mut conn, code).await?.ok_or_else(|| AppError::not_found("窗口"))?.id),
        None => None,
    };
    let (limit, offset) = Page { page: q.page, per_page: q.per_page }.limit_offset();
    Ok(Json(org::list_cases(&mut conn, window_id, limit, offset).await?))
}

#[derive(Serialize, ToSchema)]
pub struct CreatedUser {
    pub id: i64,
    pub username: String,
    /// Shown once.
    pub password: String,
}

/// Create a user with a role and scope; the password is generated unless given.
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", request_body = NewAccount,
    responses((status = 201, body = CreatedUser), (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewAccount>,
) -> AppResult<(StatusCode, Json<CreatedUser>)> {
    Ok((StatusCode::CREATED, Json(add_user(&state, &user, &req).await?)))
}

/// The logic of `POST /admin/users`, shared with the admin pages.
pub async fn add_user(state: &AppState, user: &CurrentUser, req: &NewAccount) -> AppResult<CreatedUser> {
    user.require(&[Role::Admin])?;
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let (id, password) = accounts::create(&mut tx, req, &user.actor(), now).await?;
    tx.commit().await?;
    Ok(CreatedUser { id, username: req.username.trim().to_owned(), password })
}

/// All users (without password hashes).
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", responses((status = 200, body = Vec<User>)))]
pub async fn list_users(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<User>>> {
    user.require(&[Role::Admin])?;
    Ok(Json(users::list(&mut *state.store().reader().await?).await?))
}

#[derive(Serialize, ToSchema)]
pub struct CalendarYear {
    pub year: i64,
    pub imported_at: String,
    /// After an import: how many open tickets had their deadlines recomputed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recomputed: Option<usize>,
}

/// Years whose State Council arrangement is loaded.
#[utoipa::path(get, path = "/api/v1/admin/calendar", tag = "admin", responses((status = 200, body = Vec<CalendarYear>)))]
pub async fn calendar_years(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<CalendarYear>>> {
    user.require(&[Role::Admin])?;
    let years = calendar::years(&mut *state.store().reader().await?).await?;
    Ok(Json(
        years
            .into_iter()
            .map(|(year, at)| CalendarYear { year, imported_at: crate::app::views::local_time(at), recomputed: None })
            .collect(),
    ))
}

/// Add or replace a year's arrangement; the body is a holiday-cn JSON file.
#[utoipa::path(put, path = "/api/v1/admin/calendar/{year}", tag = "admin", params(("year" = i32, Path)),
    request_body(content = Object, description = "holiday-cn 格式：{\"year\":2027,\"papers\":[],\"days\":[{\"name\":\"元旦\",\"date\":\"2027-01-01\",\"isOffDay\":true}]}"),
    responses((status = 200, body = CalendarYear), (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn import_calendar(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<String>,
    body: Bytes,
) -> AppResult<Json<CalendarYear>> {
    Ok(Json(import_year(&state, &user, &year, &body).await?))
}

/// The logic of `PUT /admin/calendar/{year}`, shared with the admin pages.
pub async fn import_year(state: &AppState, user: &CurrentUser, year: &str, body: &[u8]) -> AppResult<CalendarYear> {
    user.require(&[Role::Admin])?;
    let file = HolidayFile::parse(&String::from_utf8_lossy(body))
        .map_err(|e| AppError::invalid_field("body", e.to_string()))?;
    if year.parse::<i32>().ok() != Some(file.year) {
        return Err(AppError::invalid_field("year", "地址中的年份与文件中的 year 不一致"));
    }
    let now = state.now();
    let mut tx = state.store().begin().await?;
    calendar::save_year(&mut tx, &file, &user.actor(), now).await?;
    // Open tickets' deadlines follow the new calendar in the same transaction, each change audited.
    let recomputed = crate::app::lifecycle::calendar_changed(&mut tx, &state.policy(), &user.actor(), now).await?;
    tx.commit().await?;
    state.reload_calendar().await?;
    Ok(CalendarYear {
        year: i64::from(file.year),
        imported_at: crate::app::views::local(now),
        recomputed: Some(recomputed),
    })
}
