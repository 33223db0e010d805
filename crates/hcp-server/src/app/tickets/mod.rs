//! Tickets in the caller's scope (DESIGN §4): the list, one ticket with its timeline and evidence, the
//! lifecycle actions on it ([`lifecycle`]) and its evidence files ([`attachments`]).

pub mod attachments;
pub mod lifecycle;
pub mod reveal;

use hcp_core::role::Role;
use hcp_core::ticket::{TicketKind, TicketState};
use hcp_store::tickets;
use serde::Deserialize;
use utoipa::IntoParams;

use super::auth::CurrentUser;
use super::error::{AppError, AppResult};
use super::filters::{blank, bound, month, org_subtree, start_of};
use super::paging::{Page, Paged};
use super::state::AppState;
use super::views::{ComplaintView, TicketDetail, TicketView};
use lifecycle::{Actor, Command};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketQuery {
    /// registered, dispatched, rectifying, explaining, under_review, feedback_given, reopened, overturned, closed
    #[param(value_type = Option<hcp_core::ticket::TicketState>)]
    pub state: Option<String>,
    /// bad_review, complaint, misconduct
    #[param(value_type = Option<hcp_core::ticket::TicketKind>)]
    pub kind: Option<String>,
    /// `true` 或 `1`：只看错过期限的工单；`false` 或 `0`：只看未错过的。
    #[serde(default, deserialize_with = "crate::app::filters::query_flag")]
    pub overdue: Option<bool>,
    /// Org unit code: that subtree only.
    #[param(value_type = Option<hcp_core::org::Code>)]
    pub org: Option<String>,
    /// Created on or after this date (YYYY-MM-DD).
    pub from: Option<String>,
    /// Created on or before this date (YYYY-MM-DD).
    pub to: Option<String>,
    /// A natural month (YYYY-MM), instead of `from`/`to`.
    pub period: Option<String>,
    /// `deadline`: most urgent first (the nearest pending deadline, missed ones first, tickets waiting on none
    /// last); default newest first.
    #[param(value_type = Option<crate::app::choices::TicketSort>)]
    pub sort: Option<String>,
    /// 1-based page number, at most 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<i64>,
}

/// Misconduct reports are the bureau's and the discipline inspectors' alone.
pub fn sees_misconduct(role: Role) -> bool {
    matches!(role, Role::Supervisor | Role::Discipline)
}

/// Tickets in the caller's scope, newest first (or most urgent first), with their deadlines.
pub async fn list(state: &AppState, user: &CurrentUser, q: &TicketQuery) -> AppResult<Paged<TicketView>> {
    user.require_reader()?;
    let scope = user.scope()?;
    let state_filter = match blank(q.state.as_deref()) {
        Some(s) => Some(
            TicketState::from_code(s)
                .ok_or_else(|| AppError::invalid_query("state", format!("未知的工单状态“{s}”")))?,
        ),
        None => None,
    };
    let kind = match blank(q.kind.as_deref()) {
        Some(k) => Some(
            TicketKind::from_code(k).ok_or_else(|| AppError::invalid_query("kind", format!("未知的工单类型“{k}”")))?,
        ),
        None => None,
    };
    let by_deadline = match blank(q.sort.as_deref()) {
        None | Some("created") => false,
        Some("deadline") => true,
        Some(other) => {
            return Err(AppError::invalid_query("sort", format!("未知的排序方式“{other}”（可选 deadline）")));
        }
    };
    let (from_ms, to_ms) = match blank(q.period.as_deref()) {
        Some(period) => {
            let (first, last) = month(period, "period")?;
            (Some(start_of(first)), Some(super::filters::end_of(last)))
        }
        None => (bound(q.from.as_deref(), "from", false)?, bound(q.to.as_deref(), "to", true)?),
    };
    let filter = tickets::Filter {
        state: state_filter,
        kind,
        org_path: org_subtree(state, q.org.as_deref(), scope).await?,
        from_ms,
        to_ms,
        overdue: q.overdue,
        include_misconduct: sees_misconduct(user.role),
        by_deadline,
    };
    let page = Page::new(q.page, q.per_page).limit_offset()?;
    let mut conn = state.store().reader().await?;
    let (rows, total) = tickets::list(&mut conn, &filter, scope, page.0, page.1).await?;
    let now = state.now();
    let calendar = state.calendar();
    let items =
        rows.into_iter().map(|row| TicketView::with_calendar(row, now, Some(&calendar))).collect::<Result<_, _>>()?;
    Ok(Paged::of(items, total, page))
}

/// One ticket in the caller's scope: state, deadlines, the full timeline, its evidence and what a complaint or
/// report said (contact masked as an evaluator's).
pub async fn detail(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<TicketDetail> {
    user.require_reader()?;
    let mut conn = state.store().reader().await?;
    let row = tickets::get(&mut conn, id, user.scope()?, sees_misconduct(user.role))
        .await?
        .ok_or_else(|| AppError::not_found("工单"))?;
    let events = tickets::events(&mut conn, id, false).await?;
    let actors = actor_labels(&mut conn, &events).await?;
    let attachments = tickets::attachments(&mut conn, id).await?;
    let complaint = match row.complaint_id {
        Some(complaint_id) => hcp_store::complaints::get(&mut conn, complaint_id)
            .await?
            .map(|c| ComplaintView::new(c, user.role, state.key()))
            .transpose()?,
        None => None,
    };
    let mut detail = TicketDetail::new(row, events, attachments, state.now(), &state.calendar())?;
    for (event, label) in detail.timeline.iter_mut().zip(actors) {
        if let Some(label) = label {
            event.actor_label = label;
        }
    }
    detail.complaint = complaint;
    Ok(detail)
}

/// Each event's actor as "name（role）" when a signed-in user acted (None: the view's own fallback).
async fn actor_labels(
    conn: &mut hcp_store::AnyConnection,
    events: &[tickets::Event],
) -> AppResult<Vec<Option<String>>> {
    let mut known: std::collections::BTreeMap<i64, Option<String>> = std::collections::BTreeMap::new();
    let mut labels = Vec::with_capacity(events.len());
    for event in events {
        let label = match event.actor_user_id {
            Some(user_id) => match known.get(&user_id) {
                Some(label) => label.clone(),
                None => {
                    let user = hcp_store::users::by_id(conn, user_id).await?;
                    let label = user.map(|u| u.role.person_label(&u.display_name));
                    known.insert(user_id, label.clone());
                    label
                }
            },
            None => None,
        };
        labels.push(label);
    }
    Ok(labels)
}

/// The lifecycle actions the caller may take on the ticket now (`Action::code()`s), for showing forms.
pub async fn open_actions(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Vec<&'static str>> {
    user.require_reader()?;
    let mut conn = state.store().reader().await?;
    let Some(ticket) = tickets::load(&mut conn, id, Some(user.scope()?)).await? else { return Ok(Vec::new()) };
    if ticket.kind == TicketKind::Misconduct && !sees_misconduct(user.role) {
        return Ok(Vec::new());
    }
    let actions = lifecycle::open_actions(user.role, ticket.kind, &ticket.facts, &state.rules(), state.now());
    Ok(actions.into_iter().map(|a| a.code()).collect())
}

/// One lifecycle action by a signed-in user; answers with the ticket as it now stands.
pub async fn act(state: &AppState, user: &CurrentUser, id: i64, command: Command) -> AppResult<TicketDetail> {
    user.require_reader()?;
    let actor = Actor { user_id: Some(user.user.id), name: user.actor(), role: Some(user.role) };
    lifecycle::perform(state, &actor, Some(user.scope()?), id, command).await?;
    detail(state, user, id).await
}
