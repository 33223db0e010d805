//! `/inbox`: the signed-in user's notices (the in-app inbox `GET /api/v1/inbox` reads), each linking to its
//! ticket or supervision order, marked read one by one or all at once with the API's own functions.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hcp_core::role::Role;
use serde::Deserialize;

use crate::app::inbox::{self, InboxMessage, InboxQuery};
use crate::app::state::AppState;
use crate::web::errors::PageError;
use crate::web::form::{CsrfForm, form_name};
use crate::web::layout::Chrome;
use crate::web::listing::Pager;
use crate::web::local_text;
use crate::web::signed_in::SignedIn;

const PER_PAGE: i64 = 20;
const READ_FORM: &str = "inbox-read";
form_name!(InboxReadForm, READ_FORM);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inbox", get(page))
        .route("/inbox/read-all", post(read_all))
        .route("/inbox/{id}/read", post(read_one))
}

/// Where a notice leads: its ticket, or its order on the page the user's role reads orders on.
pub struct Target {
    pub href: String,
    pub label: String,
}

pub struct NoticeLine {
    pub message: InboxMessage,
    pub created_at: String,
    pub target: Option<Target>,
}

#[derive(Template)]
#[template(path = "inbox.html")]
pub struct InboxPage {
    pub chrome: Chrome,
    pub notices: Vec<NoticeLine>,
    pub unread_only: bool,
    /// Unread notices in all (the header's number), for the filter and the "mark all" button.
    pub unread: i64,
    pub pager: Pager,
    pub csrf: String,
    pub done: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    pub unread: Option<String>,
    pub page: Option<String>,
    pub done: Option<String>,
}

fn target(role: Role, m: &InboxMessage) -> Option<Target> {
    if let Some(id) = m.ticket_id {
        return Some(Target { href: format!("/work/tickets/{id}"), label: format!("查看工单 {id}") });
    }
    let id = m.order_id?;
    let href = match role {
        Role::Supervisor => format!("/supervise/orders/{id}"),
        Role::WindowHead | Role::DeptHead => format!("/work/orders#order-{id}"),
        Role::Discipline => "/discipline/referrals".to_owned(),
        _ => return None,
    };
    Some(Target { href, label: "查看督办事项".to_owned() })
}

fn is_on(value: Option<&str>) -> bool {
    value.is_some_and(|v| v == "1" || v == "true" || v == "on")
}

/// The list to return to after marking: the same filter and page.
fn back_to(unread_only: bool, page: i64, done: &str) -> String {
    let mut url = format!("/inbox?done={done}");
    if unread_only {
        url.push_str("&unread=1");
    }
    if page > 1 {
        url.push_str(&format!("&page={page}"));
    }
    url
}

pub async fn page(
    State(state): State<AppState>,
    me: SignedIn,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let q = query.map(|q| q.0).unwrap_or_default();
    let unread_only = is_on(q.unread.as_deref());
    let page = q.page.as_deref().and_then(|p| p.parse::<i64>().ok()).unwrap_or(1).clamp(1, 100_000);
    let listed = inbox::list(
        &state,
        &me.user,
        &InboxQuery { unread: Some(unread_only), page: Some(page), per_page: Some(PER_PAGE) },
    )
    .await?;
    let filter: Vec<(&str, String)> = if unread_only { vec![("unread", "1".to_owned())] } else { Vec::new() };
    let pager = Pager::new("/inbox", &filter, page, PER_PAGE, listed.total);
    let notices = listed
        .items
        .into_iter()
        .map(|message| NoticeLine {
            created_at: local_text(&message.created_at),
            target: target(me.user.role, &message),
            message,
        })
        .collect();
    let done = match q.done.as_deref() {
        Some("read") => Some("已标为已读。"),
        Some("read-all") => Some("全部消息已标为已读。"),
        _ => None,
    };
    let page = InboxPage {
        chrome: me.chrome(&state, "消息"),
        notices,
        unread_only,
        unread: me.unread,
        pager,
        csrf: me.token(&state, READ_FORM),
        done,
    };
    Ok(me.render(StatusCode::OK, &page))
}

pub async fn read_one(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form, _): CsrfForm<InboxReadForm>,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    inbox::mark_read(&state, &me.user, id).await?;
    let page = form.text("page").parse::<i64>().unwrap_or(1).clamp(1, 100_000);
    let target = back_to(is_on(Some(&form.text("unread"))), page, "read");
    Ok(crate::web::with_page_headers(Redirect::to(&target).into_response()))
}

pub async fn read_all(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(_, _): CsrfForm<InboxReadForm>,
) -> Result<Response, PageError> {
    inbox::mark_all_read(&state, &me.user).await?;
    Ok(crate::web::with_page_headers(Redirect::to("/inbox?done=read-all").into_response()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(ticket_id: Option<i64>, order_id: Option<i64>) -> InboxMessage {
        InboxMessage {
            id: 1,
            subject: String::new(),
            body: String::new(),
            ticket_id,
            order_id,
            created_at: String::new(),
            read: false,
        }
    }

    #[test]
    fn a_notice_leads_to_its_ticket_or_to_its_order_where_the_role_reads_orders() {
        assert_eq!(target(Role::Staff, &message(Some(7), None)).unwrap().href, "/work/tickets/7");
        assert_eq!(target(Role::Supervisor, &message(None, Some(3))).unwrap().href, "/supervise/orders/3");
        assert_eq!(target(Role::DeptHead, &message(None, Some(3))).unwrap().href, "/work/orders#order-3");
        assert!(target(Role::Staff, &message(None, None)).is_none());
    }

    #[test]
    fn marking_returns_to_the_same_list() {
        assert_eq!(back_to(true, 2, "read"), "/inbox?done=read&unread=1&page=2");
        assert_eq!(back_to(false, 1, "read-all"), "/inbox?done=read-all");
    }
}
