//! `/admin/{kind}/{code}`: editing, deactivating (DELETE; never a hard delete), reactivating (PATCH) and the
//! history of the organisation's records (system administrator).

use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use hcp_store::org::{Department, OrgUnit, ServiceItem, Staff, Window};

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiQuery};
use crate::app::admin::changes::{
    self, ActiveChange, Closure, DepartmentChange, OrgRecord, OrgUnitChange, ServiceItemChange, StaffChange,
    WindowChange,
};
use crate::app::admin::history::{self, HistoryEntry};
use crate::app::admin::replacements::{self, ReplacementOrder, StaffMoveBody};
use crate::app::auth::CurrentUser;
use crate::app::error::AppResult;
use crate::app::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/replacement-orders", get(list_replacement_orders))
        .route("/admin/replacement-orders/{id}/staff-move", post(move_replaced_staff))
        .route("/admin/org-units/{code}", put(edit_org_unit).patch(patch_org_unit).delete(deactivate_org_unit))
        .route("/admin/org-units/{code}/history", get(org_unit_history))
        .route("/admin/departments/{code}", put(edit_department).patch(patch_department).delete(deactivate_department))
        .route("/admin/departments/{code}/history", get(department_history))
        .route("/admin/windows/{code}", put(edit_window).patch(patch_window).delete(deactivate_window))
        .route("/admin/windows/{code}/history", get(window_history))
        .route("/admin/staff/{staff_no}", put(edit_staff).patch(patch_staff).delete(deactivate_staff))
        .route("/admin/staff/{staff_no}/history", get(staff_history))
        .route(
            "/admin/service-items/{code}",
            put(edit_service_item).patch(patch_service_item).delete(deactivate_service_item),
        )
        .route("/admin/service-items/{code}/history", get(service_item_history))
}

/// Edit an org unit (机构); its code stays. Audited with the values before and after.
#[utoipa::path(put, path = "/api/v1/admin/org-units/{code}", tag = "admin", params(("code" = String, Path, description = "机构编码")),
    request_body = OrgUnitChange,
    responses((status = 200, body = OrgUnit), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit_org_unit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<OrgUnitChange>,
) -> AppResult<Json<OrgUnit>> {
    changes::edit_org_unit(&state, &user, &code, &req).await.map(Json)
}

/// Deactivate an org unit (机构): never deleted; what was recorded against it stays. Refused (409) while it has active children, which the message names.
#[utoipa::path(delete, path = "/api/v1/admin/org-units/{code}", tag = "admin", params(("code" = String, Path, description = "机构编码")),
    responses((status = 200, body = OrgUnit), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn deactivate_org_unit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Json<OrgUnit>> {
    changes::switch_org_unit(&state, &user, &code, false).await.map(Json)
}

/// Reactivate (`{"active": true}`) or deactivate (`{"active": false}`) an org unit.
#[utoipa::path(patch, path = "/api/v1/admin/org-units/{code}", tag = "admin", params(("code" = String, Path, description = "机构编码")),
    request_body = ActiveChange,
    responses((status = 200, body = OrgUnit), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn patch_org_unit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<ActiveChange>,
) -> AppResult<Json<OrgUnit>> {
    changes::switch_org_unit(&state, &user, &code, req.active).await.map(Json)
}

/// The history of an org unit (机构): creation and every change, oldest first.
#[utoipa::path(get, path = "/api/v1/admin/org-units/{code}/history", tag = "admin", params(("code" = String, Path, description = "机构编码")),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 404, body = ErrorBody)))]
pub async fn org_unit_history(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Json<Vec<HistoryEntry>>> {
    history::history(&state, &user, OrgRecord::OrgUnit, &code).await.map(Json)
}

/// Edit a department (部门); its code stays. Audited with the values before and after.
#[utoipa::path(put, path = "/api/v1/admin/departments/{code}", tag = "admin", params(("code" = String, Path, description = "部门编码")),
    request_body = DepartmentChange,
    responses((status = 200, body = Department), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit_department(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<DepartmentChange>,
) -> AppResult<Json<Department>> {
    changes::edit_department(&state, &user, &code, &req).await.map(Json)
}

/// Deactivate a department (部门): never deleted; what was recorded against it stays. Refused (409) while it has active children, which the message names.
#[utoipa::path(delete, path = "/api/v1/admin/departments/{code}", tag = "admin", params(("code" = String, Path, description = "部门编码")),
    responses((status = 200, body = Department), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn deactivate_department(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Json<Department>> {
    changes::switch_department(&state, &user, &code, false).await.map(Json)
}

/// Reactivate (`{"active": true}`) or deactivate (`{"active": false}`) a department.
#[utoipa::path(patch, path = "/api/v1/admin/departments/{code}", tag = "admin", params(("code" = String, Path, description = "部门编码")),
    request_body = ActiveChange,
    responses((status = 200, body = Department), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn patch_department(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<ActiveChange>,
) -> AppResult<Json<Department>> {
    changes::switch_department(&state, &user, &code, req.active).await.map(Json)
}

/// The history of a department (部门): creation and every change, oldest first.
#[utoipa::path(get, path = "/api/v1/admin/departments/{code}/history", tag = "admin", params(("code" = String, Path, description = "部门编码")),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 404, body = ErrorBody)))]
pub async fn department_history(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Json<Vec<HistoryEntry>>> {
    history::history(&state, &user, OrgRecord::Department, &code).await.map(Json)
}

/// Edit a window (窗口); its code stays. Audited with the values before and after.
#[utoipa::path(put, path = "/api/v1/admin/windows/{code}", tag = "admin", params(("code" = String, Path, description = "窗口编号")),
    request_body = WindowChange,
    responses((status = 200, body = Window), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit_window(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<WindowChange>,
) -> AppResult<Json<Window>> {
    changes::edit_window(&state, &user, &code, &req).await.map(Json)
}

/// Deactivate (close) a window: never deleted. Its QR page then says it is closed and where to go instead, so
/// a replacement window or a note is required; new evaluations for it are refused (409). Refused (409) while
/// staff are stationed there.
#[utoipa::path(delete, path = "/api/v1/admin/windows/{code}", tag = "admin", params(("code" = String, Path, description = "窗口编号"), Closure),
    responses((status = 200, body = Window), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn deactivate_window(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    ApiQuery(closure): ApiQuery<Closure>,
) -> AppResult<Json<Window>> {
    changes::switch_window(&state, &user, &code, false, &closure).await.map(Json)
}

/// Reactivate (`{"active": true}`) or deactivate (`{"active": false, "replacement_window_code" | "note"}`) a window.
#[utoipa::path(patch, path = "/api/v1/admin/windows/{code}", tag = "admin", params(("code" = String, Path, description = "窗口编号")),
    request_body = ActiveChange,
    responses((status = 200, body = Window), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch_window(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<ActiveChange>,
) -> AppResult<Json<Window>> {
    changes::switch_window(&state, &user, &code, req.active, &req.closure()).await.map(Json)
}

/// The history of a window (窗口): creation and every change, oldest first.
#[utoipa::path(get, path = "/api/v1/admin/windows/{code}/history", tag = "admin", params(("code" = String, Path, description = "窗口编号")),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 404, body = ErrorBody)))]
pub async fn window_history(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Json<Vec<HistoryEntry>>> {
    history::history(&state, &user, OrgRecord::Window, &code).await.map(Json)
}

/// Edit a staff (工作人员); its code stays. Audited with the values before and after.
#[utoipa::path(put, path = "/api/v1/admin/staff/{staff_no}", tag = "admin", params(("staff_no" = String, Path, description = "工号")),
    request_body = StaffChange,
    responses((status = 200, body = Staff), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit_staff(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<StaffChange>,
) -> AppResult<Json<Staff>> {
    changes::edit_staff(&state, &user, &code, &req).await.map(Json)
}

/// Deactivate a staff (工作人员): never deleted; what was recorded against it stays.
#[utoipa::path(delete, path = "/api/v1/admin/staff/{staff_no}", tag = "admin", params(("staff_no" = String, Path, description = "工号")),
    responses((status = 200, body = Staff), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn deactivate_staff(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Json<Staff>> {
    changes::switch_staff(&state, &user, &code, false).await.map(Json)
}

/// Reactivate (`{"active": true}`) or deactivate (`{"active": false}`) a staff.
#[utoipa::path(patch, path = "/api/v1/admin/staff/{staff_no}", tag = "admin", params(("staff_no" = String, Path, description = "工号")),
    request_body = ActiveChange,
    responses((status = 200, body = Staff), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn patch_staff(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<ActiveChange>,
) -> AppResult<Json<Staff>> {
    changes::switch_staff(&state, &user, &code, req.active).await.map(Json)
}

/// The history of a staff (工作人员): creation and every change, oldest first.
#[utoipa::path(get, path = "/api/v1/admin/staff/{staff_no}/history", tag = "admin", params(("staff_no" = String, Path, description = "工号")),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 404, body = ErrorBody)))]
pub async fn staff_history(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Json<Vec<HistoryEntry>>> {
    history::history(&state, &user, OrgRecord::Staff, &code).await.map(Json)
}

/// Edit a service item (事项); its code stays. Audited with the values before and after.
#[utoipa::path(put, path = "/api/v1/admin/service-items/{code}", tag = "admin", params(("code" = String, Path, description = "事项编码")),
    request_body = ServiceItemChange,
    responses((status = 200, body = ServiceItem), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit_service_item(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<ServiceItemChange>,
) -> AppResult<Json<ServiceItem>> {
    changes::edit_service_item(&state, &user, &code, &req).await.map(Json)
}

/// Deactivate a service item (事项): never deleted; what was recorded against it stays.
#[utoipa::path(delete, path = "/api/v1/admin/service-items/{code}", tag = "admin", params(("code" = String, Path, description = "事项编码")),
    responses((status = 200, body = ServiceItem), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn deactivate_service_item(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Json<ServiceItem>> {
    changes::switch_service_item(&state, &user, &code, false).await.map(Json)
}

/// Reactivate (`{"active": true}`) or deactivate (`{"active": false}`) a service item.
#[utoipa::path(patch, path = "/api/v1/admin/service-items/{code}", tag = "admin", params(("code" = String, Path, description = "事项编码")),
    request_body = ActiveChange,
    responses((status = 200, body = ServiceItem), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn patch_service_item(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<ActiveChange>,
) -> AppResult<Json<ServiceItem>> {
    changes::switch_service_item(&state, &user, &code, req.active).await.map(Json)
}

/// The history of a service item (事项): creation and every change, oldest first.
#[utoipa::path(get, path = "/api/v1/admin/service-items/{code}/history", tag = "admin", params(("code" = String, Path, description = "事项编码")),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 404, body = ErrorBody)))]
pub async fn service_item_history(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Json<Vec<HistoryEntry>>> {
    history::history(&state, &user, OrgRecord::ServiceItem, &code).await.map(Json)
}

/// Replacement orders (责令更换) naming a staff member, with where the person works now and the move recorded.
#[utoipa::path(get, path = "/api/v1/admin/replacement-orders", tag = "admin",
    responses((status = 200, body = Vec<ReplacementOrder>), (status = 403, body = ErrorBody)))]
pub async fn list_replacement_orders(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<ReplacementOrder>>> {
    replacements::list(&state, &user).await.map(Json)
}

/// Move the staff member a replacement order names to another window, or off duty (no `window_code`); the
/// order records the move as the department's action (once: 409 after), the heads are told, both are audited.
#[utoipa::path(post, path = "/api/v1/admin/replacement-orders/{id}/staff-move", tag = "admin",
    params(("id" = i64, Path, description = "督办事项编号")), request_body = StaffMoveBody,
    responses((status = 200, body = ReplacementOrder), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn move_replaced_staff(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StaffMoveBody>,
) -> AppResult<Json<ReplacementOrder>> {
    replacements::move_staff(&state, &user, super::path_id(&id, "督办事项")?, &body).await.map(Json)
}
