//! The administrator's pages (系统管理员): the organisation tree, windows with their networks and QR posters,
//! staff, the working-day calendar and the policy settings; and the security administrator's (安全管理员) users
//! pages. Every action calls the same
//! function as the JSON API (role check, validation, audit); the pages only collect the form and show the result.
//! Administrators configure; they never see evaluations or tickets (DESIGN §7).

mod calendar;
mod integrations;
mod items;
mod org;
mod policy;
mod records;
mod replacements;
mod staff;
mod users;
mod windows;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hcp_core::role::Role;

pub use super::form_view::FormView;
pub use crate::app::org::{Organisation as OrgData, Window};
use crate::app::state::AppState;

pub fn router() -> Router<AppState> {
    record_routes(Router::new())
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
        .route("/admin/items", get(items::page).post(items::add))
        .route("/admin/replacements", get(replacements::page))
        .route("/admin/replacements/{id}/move", post(replacements::move_staff))
        .route("/admin/users", get(users::page).post(users::add))
        .route("/admin/users/unlock", post(users::unlock))
        .route("/admin/users/{username}", get(users::user_page))
        .route("/admin/users/{username}/edit", post(users::edit))
        .route("/admin/users/{username}/deactivate", post(users::deactivate))
        .route("/admin/users/{username}/reactivate", post(users::reactivate))
        .route("/admin/users/{username}/password-reset", post(users::reset_password))
        .route("/admin/users/{username}/second-factor-reset", post(users::reset_second_factor))
        .route("/admin/users/{username}/unlock", post(users::unlock_one))
        .route("/admin/calendar", get(calendar::page))
        .route("/admin/calendar/local-days", post(calendar::set_local_day))
        .route("/admin/calendar/local-days/remove", post(calendar::remove_local_day))
        .route("/admin/policy", get(policy::page).post(policy::save))
        .route("/admin/integrations", get(integrations::page))
        .route("/admin/integrations/tokens", post(integrations::issue))
        .route("/admin/integrations/tokens/{id}/revoke", post(integrations::revoke))
        .merge(
            // A holiday-cn file is a few KB; the handler reads at most `calendar::UPLOAD_LIMIT` itself.
            Router::new().route("/admin/calendar/import", post(calendar::import)).layer(DefaultBodyLimit::disable()),
        )
}

/// Each record's page (windows have their own, with the same parts) and its edit, deactivate and reactivate
/// forms, under the kind's list.
fn record_routes(mut router: Router<AppState>) -> Router<AppState> {
    use crate::app::admin::changes::OrgRecord;
    for record in
        [OrgRecord::OrgUnit, OrgRecord::Department, OrgRecord::Window, OrgRecord::Staff, OrgRecord::ServiceItem]
    {
        let base = records::base(record);
        if record != OrgRecord::Window {
            router =
                router.route(&format!("{base}/{{code}}"), get(move |s, m, p, d| records::page(record, s, m, p, d)));
        }
        router = router
            .route(&format!("{base}/{{code}}/edit"), post(move |s, m, p, f| records::edit(record, s, m, p, f)))
            .route(
                &format!("{base}/{{code}}/deactivate"),
                post(move |s, m, p, f| records::switch(record, false, s, m, p, f)),
            )
            .route(
                &format!("{base}/{{code}}/reactivate"),
                post(move |s, m, p, f| records::switch(record, true, s, m, p, f)),
            );
    }
    router
}

const ADMIN: &[Role] = &[Role::Admin];
/// The users pages are the security administrator's (三员分立, issue 16).
const USERS: &[Role] = &[Role::SecurityAdmin];

/// A window as the lists show it.
pub struct WindowRow {
    pub code: String,
    pub name: String,
    pub hall: String,
    pub department: String,
    pub head: String,
    pub staff_count: usize,
    pub active: bool,
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
            staff_count: org
                .staff
                .iter()
                .filter(|s| s.window_id == Some(window.id) && s.deactivated_at.is_none())
                .count(),
            active: window.deactivated_at.is_none(),
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

/// The message a page shows for its `?done=` flag, from the page's own table (none for an unknown or no flag).
pub fn done_message(
    done: Result<axum::extract::Query<Done>, axum::extract::rejection::QueryRejection>,
    messages: &[(&str, &'static str)],
) -> Option<&'static str> {
    let flag = done.ok().and_then(|d| d.0.done)?;
    messages.iter().find(|(code, _)| *code == flag).map(|(_, message)| *message)
}

pub fn unprocessable() -> StatusCode {
    StatusCode::UNPROCESSABLE_ENTITY
}
