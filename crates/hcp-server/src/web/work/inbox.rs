//! `/work/tickets`: the tickets the user may see, exactly as `GET /api/v1/tickets` scopes them, with filters,
//! pagination and each one's next deadline in words.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hcp_core::ticket::{TicketKind, TicketState};
use serde::Deserialize;

use super::{Due, Pager};
use crate::app::state::AppState;
use crate::app::tickets::{self, TicketQuery, sees_misconduct};
use crate::web::errors::PageError;
use crate::web::layout::Chrome;
use crate::web::local_text;
use crate::web::signed_in::SignedIn;

const PER_PAGE: i64 = 20;

#[derive(Deserialize, Default)]
pub struct InboxQuery {
    pub state: Option<String>,
    pub kind: Option<String>,
    pub overdue: Option<String>,
    pub page: Option<String>,
}

pub struct Row {
    pub id: i64,
    pub kind_label: String,
    pub state_label: String,
    pub due: Due,
    pub target: String,
    pub created_at: String,
    pub escalated: bool,
    pub overdue: bool,
}

pub struct Choice {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "work_tickets.html")]
pub struct InboxPage {
    pub chrome: Chrome,
    pub rows: Vec<Row>,
    pub states: Vec<Choice>,
    pub kinds: Vec<Choice>,
    pub overdue_only: bool,
    pub pager: Pager,
    pub error: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    me: SignedIn,
    query: Result<Query<InboxQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    me.user.require_reader().map_err(PageError::from)?;
    let q = query.map(|q| q.0).unwrap_or_default();
    let wanted_state = q.state.clone().filter(|s| TicketState::from_code(s).is_some());
    let wanted_kind = q.kind.clone().filter(|k| TicketKind::from_code(k).is_some());
    let overdue_only = q.overdue.as_deref().is_some_and(|v| v == "1" || v == "true" || v == "on");
    let page = q.page.as_deref().and_then(|p| p.parse::<i64>().ok()).unwrap_or(1).max(1);
    let api_query = TicketQuery {
        state: wanted_state.clone(),
        kind: wanted_kind.clone(),
        overdue: overdue_only.then_some(true),
        sort: Some("deadline".to_owned()),
        page: Some(page),
        per_page: Some(PER_PAGE),
        ..Default::default()
    };
    let listed = tickets::list(&state, &me.user, &api_query).await?;
    let now = state.now();
    let calendar = state.calendar();
    let rows: Vec<Row> = listed
        .items
        .into_iter()
        .map(|t| Row {
            due: Due::of_ticket(&t, now, &calendar),
            id: t.id,
            kind_label: t.kind_label.to_owned(),
            state_label: t.state_label.to_owned(),
            target: match (&t.window, &t.staff) {
                (Some(w), Some(s)) => format!("{} · {}（{}）", w.name, s.name, s.code),
                (Some(w), None) => w.name.clone(),
                (None, _) => t.department.clone().or(t.org_unit.clone()).unwrap_or_else(|| "待分派".into()),
            },
            created_at: local_text(&t.created_at),
            escalated: t.escalated,
            overdue: t.overdue,
        })
        .collect();
    let pairs = [
        ("state", wanted_state.clone().unwrap_or_default()),
        ("kind", wanted_kind.clone().unwrap_or_default()),
        ("overdue", if overdue_only { "1".to_owned() } else { String::new() }),
    ];
    let page = InboxPage {
        chrome: me.chrome(&state, "工单"),
        rows,
        states: TicketState::ALL
            .iter()
            .map(|s| Choice { code: s.code(), label: s.label(), selected: wanted_state.as_deref() == Some(s.code()) })
            .collect(),
        kinds: TicketKind::ALL
            .iter()
            .filter(|k| **k != TicketKind::Misconduct || sees_misconduct(me.user.role))
            .map(|k| Choice { code: k.code(), label: k.label(), selected: wanted_kind.as_deref() == Some(k.code()) })
            .collect(),
        overdue_only,
        pager: Pager::new("/work/tickets", &pairs, listed.page, listed.per_page, listed.total),
        error: None,
    };
    Ok(me.render(StatusCode::OK, &page))
}
