//! `/admin/users/{username}…`: one account, its edit, deactivation (DELETE; never a hard delete), reactivation
//! (PATCH) and history (security administrator, issue 16). Creating and listing accounts, the locked list, unlock,
//! password and second-factor resets are in `admin`, `account` and `second_factor`, under the same role.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};

use super::error::ErrorBody;
use super::extract::ApiJson;
use crate::app::admin::history::HistoryEntry;
use crate::app::admin::users_lifecycle::{self, Account, AccountActive, AccountChange};
use crate::app::auth::CurrentUser;
use crate::app::error::AppResult;
use crate::app::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users/{username}", get(get_user).put(edit_user).patch(patch_user).delete(deactivate_user))
        .route("/admin/users/{username}/history", get(user_history))
}

/// One account: role, scope, e-mail, whether active, locked or with a second factor, its live sessions and
/// tokens, when created and deactivated.
#[utoipa::path(get, path = "/api/v1/admin/users/{username}", tag = "admin", params(("username" = String, Path, description = "登录名")),
    responses((status = 200, body = Account), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(username): Path<String>,
) -> AppResult<Json<Account>> {
    users_lifecycle::detail(&state, &user, &username).await.map(Json)
}

/// Edit an account's name, e-mail, role and scope (the rules of `POST /api/v1/admin/users`). A role change ends
/// its sessions. Administrator roles are given and taken only at the command line (422 on `role`); one's own
/// account is refused (409). Audited (`user.update`, changed fields only).
#[utoipa::path(put, path = "/api/v1/admin/users/{username}", tag = "admin", params(("username" = String, Path, description = "登录名")),
    request_body = AccountChange,
    responses((status = 200, body = Account), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(username): Path<String>,
    ApiJson(req): ApiJson<AccountChange>,
) -> AppResult<Json<Account>> {
    users_lifecycle::update(&state, &user, &username, &req).await.map(Json)
}

/// Deactivate an account (never deleted): its sessions end and its tokens are revoked at once. Refused (409) for
/// one's own account, one already deactivated, and the last active account of an administrator role.
#[utoipa::path(delete, path = "/api/v1/admin/users/{username}", tag = "admin", params(("username" = String, Path, description = "登录名")),
    responses((status = 200, body = Account), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn deactivate_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(username): Path<String>,
) -> AppResult<Json<Account>> {
    users_lifecycle::set_active(&state, &user, &username, false).await.map(Json)
}

/// Reactivate (`{"active": true}`: the sign-in only; no session comes back and revoked tokens stay revoked) or
/// deactivate (`{"active": false}`) an account.
#[utoipa::path(patch, path = "/api/v1/admin/users/{username}", tag = "admin", params(("username" = String, Path, description = "登录名")),
    request_body = AccountActive,
    responses((status = 200, body = Account), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn patch_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(username): Path<String>,
    ApiJson(req): ApiJson<AccountActive>,
) -> AppResult<Json<Account>> {
    users_lifecycle::set_active(&state, &user, &username, req.active).await.map(Json)
}

/// The history of an account (变更记录): creation, edits, deactivation and reactivation, resets, locks and unlocks,
/// second-factor and token changes, oldest first.
#[utoipa::path(get, path = "/api/v1/admin/users/{username}/history", tag = "admin", params(("username" = String, Path, description = "登录名")),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn user_history(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(username): Path<String>,
) -> AppResult<Json<Vec<HistoryEntry>>> {
    users_lifecycle::history(&state, &user, &username).await.map(Json)
}
