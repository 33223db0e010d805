//! Tickets in the caller's scope (the lifecycle actions build on these).

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use hcp_core::ticket::{TicketKind, TicketState};
use hcp_store::tickets;
use serde::Deserialize;
use utoipa::IntoParams;

use super::Page;
use super::evaluations::{org_filter, period_bound};
use super::views::{Paged, TicketView};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, CurrentUser};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/tickets", get(list)).route("/tickets/{id}", get(detail))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TicketQuery {
    /// registered, dispatched, rectifying, explaining, under_review, feedback_given, reopened, overturned, closed
    pub state: Option<String>,
    /// bad_review, complaint, misconduct
    pub kind: Option<String>,
    pub org: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Tickets in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", params(TicketQuery),
    responses((status = 200, body = Paged<TicketView>), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<TicketQuery>,
) -> ApiResult<Json<Paged<TicketView>>> {
    user.require_reader()?;
    let scope = user.scope()?;
    if let Some(s) = q.state.as_deref().filter(|s| !s.is_empty())
        && TicketState::parse(s).is_none()
    {
        return Err(ApiError::bad_request("invalid_query", format!("未知的工单状态“{s}”")));
    }
    if let Some(k) = q.kind.as_deref().filter(|k| !k.is_empty())
        && TicketKind::parse(k).is_none()
    {
        return Err(ApiError::bad_request("invalid_query", format!("未知的工单类型“{k}”")));
    }
    let filter = tickets::Filter {
        state: q.state.clone().filter(|s| !s.is_empty()),
        kind: q.kind.clone().filter(|k| !k.is_empty()),
        org_path: org_filter(&state, q.org.as_deref(), scope).await?,
        from_ms: period_bound(q.from.as_deref(), "from", false)?,
        to_ms: period_bound(q.to.as_deref(), "to", true)?,
    };
    let (limit, offset) = Page { page: q.page, per_page: q.per_page }.limit_offset();
    let mut conn = state.store().reader().await?;
    let (rows, total) = tickets::list(&mut conn, &filter, scope, limit, offset).await?;
    Ok(Json(Paged {
        items: rows.into_iter().map(TicketView::from).collect(),
        total,
        page: offset / limit + 1,
        per_page: limit,
    }))
}

/// One ticket in the caller's scope.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, body = TicketView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<TicketView>> {
    user.require_reader()?;
    let id: i64 = id.parse().map_err(|_| ApiError::not_found("工单"))?;
    let mut conn = state.store().reader().await?;
    let row = tickets::get(&mut conn, id, user.scope()?).await?.ok_or_else(|| ApiError::not_found("工单"))?;
    Ok(Json(TicketView::from(row)))
}
