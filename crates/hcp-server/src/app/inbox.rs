//! The signed-in user's notifications (the in-app inbox of the outbox's deliveries).

use hcp_store::outbox;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::CurrentUser;
use super::error::{AppError, AppResult};
use super::paging::{Page, Paged};
use super::state::AppState;
use super::views::local_time;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// `true` 或 `1`：只看未读消息。
    #[serde(default, deserialize_with = "crate::app::filters::query_flag")]
    pub unread: Option<bool>,
    /// 1-based page number, at most 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<i64>,
}

/// One notification as the user reads it.
#[derive(Serialize, ToSchema)]
pub struct InboxMessage {
    pub id: i64,
    pub subject: String,
    pub body: String,
    pub ticket_id: Option<i64>,
    /// The supervision order the notice is about (督办通知, 督办逾期).
    pub order_id: Option<i64>,
    pub created_at: String,
    pub read: bool,
}

/// The caller's notifications, newest first.
pub async fn list(state: &AppState, user: &CurrentUser, q: &InboxQuery) -> AppResult<Paged<InboxMessage>> {
    let page = Page::new(q.page, q.per_page).limit_offset()?;
    let mut conn = state.store().reader().await?;
    let (items, total) = outbox::inbox(&mut conn, user.user.id, q.unread.unwrap_or(false), page.0, page.1).await?;
    let items = items
        .into_iter()
        .map(|m| {
            Ok(InboxMessage {
                id: m.id,
                subject: m.subject,
                body: m.body,
                ticket_id: m.ticket_id,
                order_id: m.order_id,
                created_at: local_time(m.created_at)?,
                read: m.read_at.is_some(),
            })
        })
        .collect::<Result<_, hcp_store::StoreError>>()?;
    Ok(Paged::of(items, total, page))
}

/// Marks one of the caller's messages read.
pub async fn mark_read(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<()> {
    let mut tx = state.store().begin().await?;
    if !outbox::mark_read(&mut tx, user.user.id, id, hcp_store::ms(state.now())).await? {
        return Err(AppError::not_found("消息"));
    }
    tx.commit().await?;
    Ok(())
}

/// How many messages were marked read by "mark all read".
#[derive(Serialize, ToSchema)]
pub struct MarkedRead {
    pub marked: u64,
}

/// Marks all of the caller's unread messages read.
pub async fn mark_all_read(state: &AppState, user: &CurrentUser) -> AppResult<MarkedRead> {
    let mut tx = state.store().begin().await?;
    let marked = outbox::mark_all_read(&mut tx, user.user.id, hcp_store::ms(state.now())).await?;
    tx.commit().await?;
    Ok(MarkedRead { marked })
}

/// The number of the caller's unread messages, which every work page's header shows.
pub async fn unread_count(state: &AppState, user: &CurrentUser) -> AppResult<i64> {
    Ok(outbox::unread_count(&mut *state.store().reader().await?, user.user.id).await?)
}
