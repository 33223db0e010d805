//! The signed-in user's notifications (the in-app inbox of the outbox's deliveries).

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use hcp_store::outbox;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Page;
use crate::api::extract::ApiQuery;
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult};
use crate::app::state::AppState;
use crate::app::views::Paged;

pub fn router() -> Router<AppState> {
    Router::new().route("/inbox", get(list)).route("/inbox/{id}/read", post(mark_read))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct InboxQuery {
    /// `true`: unread messages only.
    pub unread: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// One notification as the user reads it.
#[derive(Serialize, ToSchema)]
pub struct InboxMessage {
    pub id: i64,
    pub subject: String,
    pub body: String,
    pub ticket_id: Option<i64>,
    pub created_at: String,
    pub read: bool,
}

/// The caller's notifications, newest first: new tickets, reminders, overdue escalations, review decisions.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "inbox", params(InboxQuery),
    responses((status = 200, body = Paged<InboxMessage>), (status = 401, body = crate::api::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<InboxQuery>,
) -> AppResult<Json<Paged<InboxMessage>>> {
    let (limit, offset) = Page { page: q.page, per_page: q.per_page }.limit_offset();
    let mut conn = state.store().reader().await?;
    let (items, total) = outbox::inbox(&mut conn, user.user.id, q.unread.unwrap_or(false), limit, offset).await?;
    let items = items
        .into_iter()
        .map(|m| InboxMessage {
            id: m.id,
            subject: m.subject,
            body: m.body,
            ticket_id: m.ticket_id,
            created_at: crate::app::views::local_time(m.created_at),
            read: m.read_at.is_some(),
        })
        .collect();
    Ok(Json(Paged { items, total, page: offset / limit + 1, per_page: limit }))
}

/// Mark one of the caller's messages read.
#[utoipa::path(post, path = "/api/v1/inbox/{id}/read", tag = "inbox", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::api::error::ErrorBody)))]
pub async fn mark_read(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<axum::http::StatusCode> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found("消息"))?;
    let mut tx = state.store().begin().await?;
    if !outbox::mark_read(&mut tx, user.user.id, id, hcp_store::ms(state.now())).await? {
        return Err(AppError::not_found("消息"));
    }
    tx.commit().await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
