//! `/admin/windows`: the windows; a window's page with its staff and the networks of its own terminals; the
//! printable QR poster that citizens scan at the window.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::records::{self, RecordParts};
use super::{ADMIN, Done, FormView, OrgData, WindowRow, done, unprocessable};
use crate::app::admin::changes::OrgRecord;
use crate::app::integrity::{NetworkBody, WindowNetwork, add_window_network, window_networks};
use crate::app::state::AppState;
use crate::web::errors::PageError;
use crate::web::form::{CsrfForm, form_name};
use crate::web::layout::Chrome;
use crate::web::local_text;
use crate::web::signed_in::SignedIn;

const NETWORK_FORM: &str = "admin_network";
form_name!(NetworkForm, NETWORK_FORM);

#[derive(Template)]
#[template(path = "admin_windows.html")]
pub struct WindowsPage {
    pub chrome: Chrome,
    pub windows: Vec<WindowRow>,
}

pub async fn list(State(state): State<AppState>, me: SignedIn) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let org = OrgData::load(&state).await?;
    let windows = org.windows.iter().map(|w| WindowRow::new(&org, w)).collect();
    Ok(me.render(StatusCode::OK, &WindowsPage { chrome: me.chrome(&state, "窗口"), windows }))
}

pub struct StaffRow {
    pub staff_no: String,
    pub name: String,
    pub head: bool,
}

pub struct NetworkRow {
    pub cidr: String,
    pub note: String,
    pub added: String,
}

#[derive(Template)]
#[template(path = "admin_window.html")]
pub struct WindowPage {
    pub chrome: Chrome,
    pub window: WindowRow,
    pub staff: Vec<StaffRow>,
    pub networks: Vec<NetworkRow>,
    pub message: Option<&'static str>,
    pub form: FormView,
    pub csrf: String,
    /// Edit, deactivate or reactivate, and the history.
    pub parts: RecordParts,
}

fn not_found() -> PageError {
    PageError::new(StatusCode::NOT_FOUND, "窗口不存在", "未找到该窗口，请从窗口列表进入。")
}

pub(super) async fn render_window(
    state: &AppState,
    me: &SignedIn,
    code: &str,
    status: StatusCode,
    message: Option<&'static str>,
    form: FormView,
    record_forms: (Option<FormView>, FormView),
) -> Result<Response, PageError> {
    let org = OrgData::load(state).await?;
    let window = org.windows.iter().find(|w| w.code == code).ok_or_else(not_found)?;
    let networks: Vec<WindowNetwork> = window_networks(state, &me.user, code).await?;
    let staff = org
        .staff
        .iter()
        .filter(|s| s.window_id == Some(window.id) && s.deactivated_at.is_none())
        .map(|s| StaffRow {
            staff_no: s.staff_no.clone(),
            name: s.name.clone(),
            head: window.head_staff_id == Some(s.id),
        })
        .collect();
    let networks = networks
        .into_iter()
        .map(|n| NetworkRow {
            cidr: n.cidr,
            note: n.note,
            added: chrono::DateTime::from_timestamp_millis(n.created_at)
                .map(|t| local_text(&t.to_rfc3339()))
                .unwrap_or_default(),
        })
        .collect();
    let parts = records::parts(state, me, OrgRecord::Window, code, record_forms.0, record_forms.1).await?;
    let page = WindowPage {
        parts,
        chrome: me.chrome(state, format!("窗口：{}", window.name)),
        window: WindowRow::new(&org, window),
        staff,
        networks,
        message,
        form,
        csrf: me.token(state, NETWORK_FORM),
    };
    Ok(me.render(status, &page))
}

pub async fn detail(
    State(state): State<AppState>,
    me: SignedIn,
    Path(code): Path<String>,
    done: Result<Query<Done>, QueryRejection>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let message = match done.as_ref().ok().and_then(|d| d.0.done.as_deref()) {
        Some("network") => Some("终端网段已登记。"),
        _ => records::message(done),
    };
    render_window(&state, &me, &code, StatusCode::OK, message, FormView::default(), Default::default()).await
}

pub async fn add_network(
    State(state): State<AppState>,
    me: SignedIn,
    Path(code): Path<String>,
    CsrfForm(form, _): CsrfForm<NetworkForm>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let body = NetworkBody { cidr: form.text("cidr"), note: form.get("note").map(str::to_owned) };
    match add_window_network(&state, &me.user, &code, &body).await {
        Ok(_) => Ok(done(&format!("/admin/windows/{code}"), "network")),
        Err(err) if crate::edge::status::of(err.code) == StatusCode::NOT_FOUND => Err(not_found()),
        Err(err) => {
            let view = FormView::refused(&form, &["cidr", "note"], err)?;
            render_window(&state, &me, &code, unprocessable(), None, view, Default::default()).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_poster.html")]
pub struct PosterPage {
    pub chrome: Chrome,
    pub window: WindowRow,
    pub url: String,
    pub qr: String,
    /// On screen only: the QR code carries a guessed address (no `public_url` configured).
    pub warning: Option<String>,
}

/// The A4 poster for the window: what the citizen scans to evaluate.
pub async fn poster(
    State(state): State<AppState>,
    me: SignedIn,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let org = OrgData::load(&state).await?;
    let window = org.windows.iter().find(|w| w.code == code).ok_or_else(not_found)?;
    let base = crate::web::public_base(&state, &me.headers);
    let url = format!("{base}/e/{}", window.code);
    let qr = crate::web::qr::svg(&url, 480).ok_or_else(|| {
        PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "无法生成二维码",
            "评价地址过长，无法生成二维码，请检查配置中的 public_url。",
        )
    })?;
    let page = PosterPage {
        chrome: me.chrome(&state, format!("评价二维码：{}", window.name)),
        window: WindowRow::new(&org, window),
        url,
        qr,
        warning: crate::web::guessed_address_warning(&state, &base),
    };
    Ok(me.render(StatusCode::OK, &page))
}
