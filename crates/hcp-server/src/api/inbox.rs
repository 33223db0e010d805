//! `GET /inbox`, `POST /inbox/{id}/read` and `POST /inbox/read-all`: the signed-in user's notifications.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};

use super::error::ErrorBody;
use super::extract::ApiQuery;
use super::path_id;
use crate::app::auth::CurrentUser;
use crate::app::error::AppResult;
use crate::app::inbox::{self, InboxMessage, InboxQuery, MarkedRead};
use crate::app::paging::Paged;
use crate::app::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inbox", get(list))
        .route("/inbox/read-all", post(mark_all_read))
        .route("/inbox/{id}/read", post(mark_read))
}

/// The caller's notifications, newest first: new tickets, reminders, overdue escalations, review decisions.
#[utoipa::path(get, operation_id = "list_inbox", path = "/api/v1/inbox", tag = "inbox", params(InboxQuery),
    responses((status = 200, body = Paged<InboxMessage>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<InboxQuery>,
) -> AppResult<Json<Paged<InboxMessage>>> {
    inbox::list(&state, &user, &q).await.map(Json)
}

/// Mark one of the caller's messages read.
#[utoipa::path(post, operation_id = "mark_inbox_read", path = "/api/v1/inbox/{id}/read", tag = "inbox", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn mark_read(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    inbox::mark_read(&state, &user, path_id(&id, "消息")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mark all of the caller's unread messages read; answers how many were unread.
#[utoipa::path(post, operation_id = "mark_inbox_all_read", path = "/api/v1/inbox/read-all", tag = "inbox",
    responses((status = 200, body = MarkedRead), (status = 401, body = ErrorBody)))]
pub async fn mark_all_read(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<MarkedRead>> {
    inbox::mark_all_read(&state, &user).await.map(Json)
}
