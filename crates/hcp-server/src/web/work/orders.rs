//! `/work/orders`: the supervision orders addressed to the window or department head, as
//! `GET /api/v1/supervision/orders` scopes them, with the deadline in working days and the rectification report
//! form (`POST /api/v1/supervision/orders/{id}/report`'s own function).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hcp_core::role::Role;
use serde::Deserialize;

use super::Due;
use crate::app::state::AppState;
use crate::app::supervision::orders::{self, OrderView, OrdersQuery, ReportBody};
use crate::edge::status;
use crate::web::errors::PageError;
use crate::web::form::{CsrfForm, form_name};
use crate::web::layout::Chrome;
use crate::web::local_text;
use crate::web::signed_in::SignedIn;
use hcp_core::supervision::OrderState;

const REPORT_FORM: &str = "order-report";
form_name!(OrderReportForm, REPORT_FORM);

pub struct OrderLine {
    pub view: OrderView,
    pub issued_at: String,
    pub due_at: String,
    pub due: Due,
    /// When the administrator made the 责令更换 move, for people.
    pub moved_at: String,
}

#[derive(Template)]
#[template(path = "work_orders.html")]
pub struct OrdersPage {
    pub chrome: Chrome,
    pub orders: Vec<OrderLine>,
    pub csrf: String,
    pub done: bool,
    /// The order whose report was refused, with the message and the text typed.
    pub failed: Option<(i64, String, String)>,
}

impl OrdersPage {
    pub fn error_for(&self, id: &i64) -> Option<&str> {
        self.failed.as_ref().filter(|(f, _, _)| f == id).map(|(_, m, _)| m.as_str())
    }

    /// A refusal for an order whose form is no longer shown (already reported), shown at the top.
    pub fn orphan_message(&self) -> Option<&str> {
        let (id, message, _) = self.failed.as_ref()?;
        (!self.orders.iter().any(|o| o.view.id == *id && o.view.reportable)).then_some(message.as_str())
    }

    pub fn text_for(&self, id: &i64) -> &str {
        self.failed.as_ref().filter(|(f, _, _)| f == id).map_or("", |(_, _, t)| t.as_str())
    }
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    pub done: Option<String>,
}

async fn build(
    state: &AppState,
    me: &SignedIn,
    done: bool,
    failed: Option<(i64, String, String)>,
) -> Result<OrdersPage, PageError> {
    let now = state.now();
    let calendar = state.calendar();
    let orders = orders::list(state, &me.user, &OrdersQuery::default())
        .await?
        .into_iter()
        .map(|o| OrderLine {
            issued_at: local_text(&o.issued_at),
            due_at: o.due_at.as_deref().map(local_text).unwrap_or_default(),
            moved_at: o.staff_moved_at.as_deref().map(local_text).unwrap_or_default(),
            due: if o.state == OrderState::Issued {
                Due::of_rfc3339(o.due_at.as_deref(), now, &calendar)
            } else {
                Due::none()
            },
            view: o,
        })
        .collect();
    Ok(OrdersPage {
        chrome: me.chrome(state, "整改通知"), orders, csrf: me.token(state, REPORT_FORM), done, failed
    })
}

pub async fn page(
    State(state): State<AppState>,
    me: SignedIn,
    query: Result<Query<DoneQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    me.require(&[Role::WindowHead, Role::DeptHead])?;
    let done = query.ok().and_then(|q| q.0.done).is_some_and(|d| d == "reported");
    let page = build(&state, &me, done, None).await?;
    Ok(me.render(StatusCode::OK, &page))
}

pub async fn report(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form, _): CsrfForm<OrderReportForm>,
) -> Result<Response, PageError> {
    me.require(&[Role::WindowHead, Role::DeptHead])?;
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let text = form.text("report");
    match orders::report(&state, &me.user, id, &ReportBody { report: text.clone() }).await {
        Ok(_) => Ok(crate::web::with_page_headers(Redirect::to("/work/orders?done=reported").into_response())),
        Err(err)
            if matches!(status::of(err.code).as_u16(), 401 | 403 | 404) || !status::of(err.code).is_client_error() =>
        {
            Err(err.into())
        }
        Err(err) => {
            let message = err.fields.0.values().next().cloned().unwrap_or_else(|| err.message.clone());
            let page = build(&state, &me, false, Some((id, message, text))).await?;
            Ok(me.render(status::of(err.code), &page))
        }
    }
}
