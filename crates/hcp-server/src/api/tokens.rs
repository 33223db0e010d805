//! `/admin/tokens`: API tokens of integration accounts, issued, listed and revoked by the system administrator.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiQuery};
use super::path_id;
use crate::app::auth::CurrentUser;
use crate::app::error::AppResult;
use crate::app::paging::{Page, Paged};
use crate::app::state::AppState;
use crate::app::tokens::{self, IssueRequest, IssuedToken, TokenView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/tokens", get(list_tokens).post(issue_token))
        .route("/admin/tokens/{id}", delete(revoke_token))
}

/// Every API token, newest first (also those made for people before integration accounts existed), with its
/// account, expiry, last use and status (有效, 已过期, 已吊销).
#[utoipa::path(get, path = "/api/v1/admin/tokens", tag = "admin", params(Page),
    responses((status = 200, body = Paged<TokenView>), (status = 403, body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(page): ApiQuery<Page>,
) -> AppResult<Json<Paged<TokenView>>> {
    tokens::list(&state, &user, page).await.map(Json)
}

/// Issue a token for an active integration account; it is shown once. `days` defaults to `[security.tokens]
/// default_days` and may not exceed `max_days`.
#[utoipa::path(post, path = "/api/v1/admin/tokens", tag = "admin", request_body = IssueRequest,
    responses((status = 201, body = IssuedToken), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue_token(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(request): ApiJson<IssueRequest>,
) -> AppResult<(StatusCode, Json<IssuedToken>)> {
    Ok((StatusCode::CREATED, Json(tokens::issue(&state, &user, &request).await?)))
}

/// Revoke a token: it is refused from the next request on. 409 `conflict` when it was already revoked.
#[utoipa::path(delete, path = "/api/v1/admin/tokens/{id}", tag = "admin", params(("id" = i64, Path)),
    responses((status = 200, body = TokenView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<TokenView>> {
    tokens::revoke(&state, &user, path_id(&id, "访问令牌")?).await.map(Json)
}
