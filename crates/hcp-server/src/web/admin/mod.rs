//! The administrator's pages (系统管理员): the organisation tree, windows with their networks and QR posters,
//! staff, users and roles, the working-day calendar and the policy settings. Every action calls the same
//! function as the JSON API (role check, validation, audit); the pages only collect the form and show the result.
//! Administrators configure; they never see evaluations or tickets (DESIGN §7).

mod calendar;
mod org;
mod policy;
mod staff;
mod users;
mod windows;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hcp_core::role::Role;
use hcp_store::org::{Department, OrgUnit, Staff, Window};

use super::errors::PageError;
pub use super::form_view::FormView;
use crate::app::error::AppError;
use crate::app::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(|| async { super::with_page_headers(Redirect::to("/admin/org").into_response()) }))
        .route("/admin/org", get(org::page))
        .route("/admin/org/units", post(org::add_unit))
        .route("/admin/org/departments", post(org::add_department))
        .route("/admin/org/windows", post(org::add_window))
        .route("/admin/windows", get(windows::list))
        .route("/admin/windows/{code}", get(windows::detail))
        .route("/admin/windows/{code}/networks", post(windows::add_network))
        .route("/admin/windows/{code}/poster", get(windows::poster))
        .route("/admin/staff", get(staff::page).post(staff::add))
        .route("/admin/users", get(users::page).post(users::add))
        .route("/admin/calendar", get(calendar::page))
        .route("/admin/calendar/local-days", post(calendar::set_local_day))
        .route("/admin/calendar/local-days/remove", post(calendar::remove_local_day))
        .route("/admin/policy", get(policy::page).post(policy::save))
        .merge(
            // A holiday-cn file is a few KB; the handler reads at most `calendar::UPLOAD_LIMIT` itself.
            Router::new().route("/admin/calendar/import", post(calendar::import)).layer(DefaultBodyLimit::disable()),
        )
}

const ADMIN: &[Role] = &[Role::Admin];

/// The whole organisation, read once per page.
pub struct OrgData {
    pub units: Vec<OrgUnit>,
    pub departments: Vec<Department>,
    pub windows: Vec<Window>,
    pub staff: Vec<Staff>,
}

impl OrgData {
    pub async fn load(state: &AppState) -> Result<OrgData, PageError> {
        let mut conn = state.store().reader().await.map_err(AppError::from)?;
        let conn = &mut *conn;
        Ok(OrgData {
            units: hcp_store::org::list_org_units(conn).await.map_err(AppError::from)?,
            departments: hcp_store::org::list_departments(conn).await.map_err(AppError::from)?,
            windows: hcp_store::org::list_windows(conn).await.map_err(AppError::from)?,
            staff: hcp_store::org::list_staff(conn).await.map_err(AppError::from)?,
        })
    }

    pub fn unit(&self, id: i64) -> Option<&OrgUnit> {
        self.units.iter().find(|u| u.id == id)
    }

    pub fn department(&self, id: i64) -> Option<&Department> {
        self.departments.iter().find(|d| d.id == id)
    }

    pub fn window(&self, id: i64) -> Option<&Window> {
        self.windows.iter().find(|w| w.id == id)
    }

    pub fn staff_member(&self, id: i64) -> Option<&Staff> {
        self.staff.iter().find(|s| s.id == id)
    }

    /// Hall and department names of a window.
    pub fn placement(&self, window: &Window) -> (String, String) {
        let department = self.department(window.department_id);
        let hall = department.and_then(|d| self.unit(d.org_unit_id));
        (hall.map(|h| h.name.clone()).unwrap_or_default(), department.map(|d| d.name.clone()).unwrap_or_default())
    }
}

/// A window as the lists show it.
pub struct WindowRow {
    pub code: String,
    pub name: String,
    pub hall: String,
    pub department: String,
    pub head: String,
    pub staff_count: usize,
}

impl WindowRow {
    pub fn new(org: &OrgData, window: &Window) -> WindowRow {
        let (hall, department) = org.placement(window);
        WindowRow {
            code: window.code.clone(),
            name: window.name.clone(),
            hall,
            department,
            head: window
                .head_staff_id
                .and_then(|id| org.staff_member(id))
                .map(|s| format!("{}（{}）", s.name, s.staff_no))
                .unwrap_or_default(),
            staff_count: org.staff.iter().filter(|s| s.window_id == Some(window.id)).count(),
        }
    }
}

/// Post/Redirect/Get after a successful form, with the flag that shows the success message.
pub fn done(path: &str, flag: &str) -> Response {
    super::with_page_headers(Redirect::to(&format!("{path}?done={flag}")).into_response())
}

/// The `?done=` flag of a page after a successful form.
#[derive(serde::Deserialize, Default)]
pub struct Done {
    pub done: Option<String>,
}

pub fn unprocessable() -> StatusCode {
    StatusCode::UNPROCESSABLE_ENTITY
}
