//! `/admin/…`: the organisation model, cases and the calendar (system administrator; cases also registrars);
//! `/admin/users…`: accounts (security administrator).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use hcp_store::calendar::LocalDay;
use hcp_store::org::{Case, Department, OrgUnit, ServiceItem, Staff, Window};
use hcp_store::users::User;

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiQuery};
use crate::app::accounts::NewAccount;
use crate::app::admin::calendar::{self, CalendarChange, CalendarYear, LocalDayBody};
use crate::app::admin::cases::{self, CaseQuery, NewCaseRequest};
use crate::app::admin::org::{self, NewDepartment, NewOrgUnit, NewServiceItem, NewStaff, NewWindow};
use crate::app::admin::users::{self, CreatedUser};
use crate::app::auth::CurrentUser;
use crate::app::error::AppResult;
use crate::app::lockout::{self, LockedAccount, UnlockResult};
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
        .route("/admin/users/locked", get(list_locked_users))
        .route("/admin/users/{username}/unlock", post(unlock_user))
        .route("/admin/calendar", get(calendar_years))
        .route("/admin/calendar/{year}", put(import_calendar))
        .route("/admin/calendar/local-days", get(list_local_days))
        .route("/admin/calendar/local-days/{date}", put(set_local_day).delete(remove_local_day))
}

type Created<T> = AppResult<(StatusCode, Json<T>)>;

fn created<T>(value: T) -> (StatusCode, Json<T>) {
    (StatusCode::CREATED, Json(value))
}

/// Create an org unit.
#[utoipa::path(post, path = "/api/v1/admin/org-units", tag = "admin", request_body = NewOrgUnit,
    responses((status = 201, body = OrgUnit), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_org_unit(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewOrgUnit>,
) -> Created<OrgUnit> {
    org::add_org_unit(&state, &user, &req).await.map(created)
}

/// All org units, parents before children.
#[utoipa::path(get, path = "/api/v1/admin/org-units", tag = "admin", responses((status = 200, body = Vec<OrgUnit>)))]
pub async fn list_org_units(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<OrgUnit>>> {
    org::org_units(&state, &user).await.map(Json)
}

/// Create a stationed department.
#[utoipa::path(post, path = "/api/v1/admin/departments", tag = "admin", request_body = NewDepartment,
    responses((status = 201, body = Department), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_department(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewDepartment>,
) -> Created<Department> {
    org::add_department(&state, &user, &req).await.map(created)
}

/// All departments.
#[utoipa::path(get, path = "/api/v1/admin/departments", tag = "admin", responses((status = 200, body = Vec<Department>)))]
pub async fn list_departments(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<Department>>> {
    org::departments(&state, &user).await.map(Json)
}

/// Create a window.
#[utoipa::path(post, path = "/api/v1/admin/windows", tag = "admin", request_body = NewWindow,
    responses((status = 201, body = Window), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_window(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewWindow>,
) -> Created<Window> {
    org::add_window(&state, &user, &req).await.map(created)
}

/// All windows.
#[utoipa::path(get, path = "/api/v1/admin/windows", tag = "admin", responses((status = 200, body = Vec<Window>)))]
pub async fn list_windows(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<Window>>> {
    org::windows(&state, &user).await.map(Json)
}

/// Register a staff member at a window.
#[utoipa::path(post, path = "/api/v1/admin/staff", tag = "admin", request_body = NewStaff,
    responses((status = 201, body = Staff), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_staff(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewStaff>,
) -> Created<Staff> {
    org::add_staff(&state, &user, &req).await.map(created)
}

/// All staff.
#[utoipa::path(get, path = "/api/v1/admin/staff", tag = "admin", responses((status = 200, body = Vec<Staff>)))]
pub async fn list_staff(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<Staff>>> {
    org::staff(&state, &user).await.map(Json)
}

/// Register a service item (政务服务事项).
#[utoipa::path(post, operation_id = "create_service_item", path = "/api/v1/admin/service-items", tag = "admin", request_body = NewServiceItem,
    responses((status = 201, body = ServiceItem), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_item(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewServiceItem>,
) -> Created<ServiceItem> {
    org::add_service_item(&state, &user, &req).await.map(created)
}

/// All service items.
#[utoipa::path(get, operation_id = "list_service_items", path = "/api/v1/admin/service-items", tag = "admin", responses((status = 200, body = Vec<ServiceItem>)))]
pub async fn list_items(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<ServiceItem>>> {
    org::service_items(&state, &user).await.map(Json)
}

/// Register a case (办件), as the case-handling system reports it. Admins and registrars.
#[utoipa::path(post, path = "/api/v1/admin/cases", tag = "admin", request_body = NewCaseRequest,
    responses((status = 201, body = Case), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_case(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewCaseRequest>,
) -> Created<Case> {
    cases::add(&state, &user, &req).await.map(created)
}

/// Cases, newest first.
#[utoipa::path(get, path = "/api/v1/admin/cases", tag = "admin", params(CaseQuery), responses((status = 200, body = Vec<Case>)))]
pub async fn list_cases(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> AppResult<Json<Vec<Case>>> {
    cases::list(&state, &user, &q).await.map(Json)
}

/// Create a user with a role and scope (security administrator); the password is generated unless given.
/// Administrator roles are refused (422: created only at the command line); an integration account gets no
/// password anyone knows (`note` says so).
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", request_body = NewAccount,
    responses((status = 201, body = CreatedUser), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewAccount>,
) -> Created<CreatedUser> {
    users::add(&state, &user, &req).await.map(created)
}

/// All users (without password hashes).
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", responses((status = 200, body = Vec<User>)))]
pub async fn list_users(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<User>>> {
    users::list(&state, &user).await.map(Json)
}

/// Accounts locked after repeated failed sign-ins, with when each lock ends by itself.
#[utoipa::path(get, path = "/api/v1/admin/users/locked", tag = "admin",
    responses((status = 200, body = Vec<LockedAccount>), (status = 403, body = ErrorBody)))]
pub async fn list_locked_users(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<LockedAccount>>> {
    lockout::locked_list(&state, &user).await.map(Json)
}

/// Unlock an account locked after repeated failed sign-ins, and clear its failures (audited).
#[utoipa::path(post, path = "/api/v1/admin/users/{username}/unlock", tag = "admin",
    params(("username" = String, Path, description = "登录名")),
    responses((status = 200, body = UnlockResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unlock_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(username): Path<String>,
) -> AppResult<Json<UnlockResult>> {
    lockout::unlock(&state, &user, &username).await.map(Json)
}

/// Years whose State Council arrangement is loaded.
#[utoipa::path(get, operation_id = "list_calendar_years", path = "/api/v1/admin/calendar", tag = "admin", responses((status = 200, body = Vec<CalendarYear>)))]
pub async fn calendar_years(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<CalendarYear>>> {
    calendar::years(&state, &user).await.map(Json)
}

/// Add or replace a year's arrangement; the body is a holiday-cn JSON file. A placeholder (no `days`, or no
/// `papers` citing the State Council notice) is refused, and the year stays provisional.
#[utoipa::path(put, operation_id = "import_calendar_year", path = "/api/v1/admin/calendar/{year}", tag = "admin", params(("year" = i32, Path)),
    request_body(content = Object, description = "holiday-cn 格式：{\"year\":2027,\"papers\":[\"https://www.gov.cn/…\"],\"days\":[{\"name\":\"元旦\",\"date\":\"2027-01-01\",\"isOffDay\":true}]}；days 或 papers 为空的占位文件不予导入"),
    responses((status = 200, body = CalendarYear), (status = 422, body = ErrorBody, description = "文件无效，或为占位文件（没有日期或没有国务院通知来源），该年仍为暂定")))]
pub async fn import_calendar(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<String>,
    body: Bytes,
) -> AppResult<Json<CalendarYear>> {
    calendar::import_year(&state, &user, &year, &body).await.map(Json)
}

/// Local days, in date order.
#[utoipa::path(get, path = "/api/v1/admin/calendar/local-days", tag = "admin",
    responses((status = 200, body = Vec<LocalDay>), (status = 403, body = ErrorBody)))]
pub async fn list_local_days(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<LocalDay>>> {
    calendar::local_days(&state, &user).await.map(Json)
}

/// Set a local day; open tickets' deadlines are recomputed.
#[utoipa::path(put, path = "/api/v1/admin/calendar/local-days/{date}", tag = "admin",
    params(("date" = String, Path, description = "YYYY-MM-DD")),
    request_body = LocalDayBody, responses((status = 200, body = CalendarChange), (status = 422, body = ErrorBody)))]
pub async fn set_local_day(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(date): Path<String>,
    ApiJson(body): ApiJson<LocalDayBody>,
) -> AppResult<Json<CalendarChange>> {
    calendar::set_day(&state, &user, &date, &body).await.map(Json)
}

/// Remove a local day; open tickets' deadlines are recomputed.
#[utoipa::path(delete, path = "/api/v1/admin/calendar/local-days/{date}", tag = "admin",
    params(("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 200, body = CalendarChange), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "日期格式不正确（validation_failed）")))]
pub async fn remove_local_day(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(date): Path<String>,
) -> AppResult<Json<CalendarChange>> {
    calendar::remove_day(&state, &user, &date).await.map(Json)
}
