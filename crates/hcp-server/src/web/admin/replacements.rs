//! `/admin/replacements`: the 责令更换 orders naming a staff member, each with the form that moves the person to
//! another window or off duty; the order then records the move as the department's action.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::org::Choice;
use super::{ADMIN, Done, OrgData, done};
use crate::app::admin::replacements::{self, ReplacementOrder, StaffMoveBody};
use crate::app::state::AppState;
use crate::web::errors::PageError;
use crate::web::form::{CsrfForm, form_name};
use crate::web::layout::Chrome;
use crate::web::local_text;
use crate::web::signed_in::SignedIn;

const MOVE_FORM: &str = "admin_staff_move";
form_name!(MoveForm, MOVE_FORM);

/// The choice that moves the person off duty (no window).
const OFF_DUTY: &str = "-";

pub struct Line {
    pub order: ReplacementOrder,
    pub issued: String,
    pub moved: String,
    /// Windows the person can move to (active, not the current one).
    pub windows: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "admin_replacements.html")]
pub struct ReplacementsPage {
    pub chrome: Chrome,
    pub message: Option<&'static str>,
    /// (order id, what was wrong) of a refused move.
    pub refused: Option<(i64, String)>,
    pub lines: Vec<Line>,
    pub off_duty: &'static str,
    pub csrf: String,
}

impl ReplacementsPage {
    pub fn refused_for(&self, id: &i64) -> Option<&str> {
        self.refused.as_ref().filter(|(order, _)| order == id).map(|(_, message)| message.as_str())
    }
}

async fn render(
    state: &AppState,
    me: &SignedIn,
    status: StatusCode,
    message: Option<&'static str>,
    refused: Option<(i64, String)>,
) -> Result<Response, PageError> {
    let org = OrgData::load(state).await?;
    let lines = replacements::list(state, &me.user)
        .await?
        .into_iter()
        .map(|order| {
            let windows = org
                .windows
                .iter()
                .filter(|w| w.deactivated_at.is_none() && Some(&w.code) != order.current_window_code.as_ref())
                .map(|w| {
                    let (hall, _) = org.placement(w);
                    Choice { value: w.code.clone(), label: format!("{hall} · {}（{}）", w.name, w.code) }
                })
                .collect();
            Line {
                issued: local_text(&order.issued_at),
                moved: order.staff_moved_at.as_deref().map(local_text).unwrap_or_default(),
                windows,
                order,
            }
        })
        .collect();
    let page = ReplacementsPage {
        chrome: me.chrome(state, "责令更换"),
        message,
        refused,
        lines,
        off_duty: OFF_DUTY,
        csrf: me.token(state, MOVE_FORM),
    };
    Ok(me.render(status, &page))
}

pub async fn page(
    State(state): State<AppState>,
    me: SignedIn,
    done: Result<Query<Done>, QueryRejection>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let message = super::done_message(done, &[("moved", "已调岗，督办事项已记录部门落实情况，并已通知相关负责人。")]);
    render(&state, &me, StatusCode::OK, message, None).await
}

pub async fn move_staff(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form, _): CsrfForm<MoveForm>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let choice = form.text("window_code");
    if choice.trim().is_empty() {
        let refused = Some((id, "请选择调往的窗口，或选择“调离窗口”。".to_owned()));
        return render(&state, &me, StatusCode::UNPROCESSABLE_ENTITY, None, refused).await;
    }
    let body = StaffMoveBody { window_code: (choice != OFF_DUTY).then_some(choice) };
    match replacements::move_staff(&state, &me.user, id, &body).await {
        Ok(_) => Ok(done("/admin/replacements", "moved")),
        Err(err) => {
            let status = crate::edge::status::of(err.code);
            if status.is_server_error() {
                return Err(err.into());
            }
            let text = err.fields.0.values().next().cloned().unwrap_or(err.message);
            render(&state, &me, status, None, Some((id, text))).await
        }
    }
}
