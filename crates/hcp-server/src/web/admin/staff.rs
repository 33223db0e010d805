//! `/admin/staff`: the staff members (工号, name, window) and the form registering one at a window.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::org::Choice;
use super::{ADMIN, Done, FormView, OrgData, done, unprocessable};
use crate::app::admin::org::{NewStaff, add_staff};
use crate::app::state::AppState;
use crate::web::errors::PageError;
use crate::web::form::{CsrfForm, form_name};
use crate::web::layout::Chrome;
use crate::web::signed_in::SignedIn;

const STAFF_FORM: &str = "admin_staff";
form_name!(StaffForm, STAFF_FORM);

pub struct StaffRow {
    pub staff_no: String,
    pub name: String,
    pub window_code: String,
    pub window: String,
    pub head: bool,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "admin_staff.html")]
pub struct StaffPage {
    pub chrome: Chrome,
    pub message: Option<&'static str>,
    pub staff: Vec<StaffRow>,
    pub windows: Vec<Choice>,
    pub form: FormView,
    pub csrf: String,
}

async fn render_page(
    state: &AppState,
    me: &SignedIn,
    status: StatusCode,
    message: Option<&'static str>,
    form: FormView,
) -> Result<Response, PageError> {
    let org = OrgData::load(state).await?;
    let staff = org
        .staff
        .iter()
        .map(|s| {
            let window = s.window_id.and_then(|id| org.window(id));
            StaffRow {
                staff_no: s.staff_no.clone(),
                name: s.name.clone(),
                window_code: window.map(|w| w.code.clone()).unwrap_or_default(),
                window: window.map(|w| w.name.clone()).unwrap_or_default(),
                head: window.is_some_and(|w| w.head_staff_id == Some(s.id)),
                active: s.deactivated_at.is_none(),
            }
        })
        .collect();
    let windows = org
        .windows
        .iter()
        .filter(|w| w.deactivated_at.is_none())
        .map(|w| {
            let (hall, _) = org.placement(w);
            Choice { value: w.code.clone(), label: format!("{hall} · {}（{}）", w.name, w.code) }
        })
        .collect();
    let page = StaffPage {
        chrome: me.chrome(state, "工作人员"),
        message,
        staff,
        windows,
        form,
        csrf: me.token(state, STAFF_FORM),
    };
    Ok(me.render(status, &page))
}

pub async fn page(
    State(state): State<AppState>,
    me: SignedIn,
    done: Result<Query<Done>, QueryRejection>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let message = super::done_message(done, &[("staff", "工作人员已登记。")]);
    render_page(&state, &me, StatusCode::OK, message, FormView::default()).await
}

pub async fn add(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(form, _): CsrfForm<StaffForm>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let req = NewStaff {
        staff_no: form.text("staff_no"),
        name: form.text("name"),
        window_code: form.text("window_code"),
        is_head: form.get("is_head") == Some("1"),
    };
    match add_staff(&state, &me.user, &req).await {
        Ok(_) => Ok(done("/admin/staff", "staff")),
        Err(err) => {
            let view = FormView::refused(&form, &["staff_no", "name", "window_code", "is_head"], err)?;
            render_page(&state, &me, unprocessable(), None, view).await
        }
    }
}
