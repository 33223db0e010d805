//! `GET /org`: the public organisation tree.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::app::error::AppResult;
use crate::app::org::{self, OrgTree};
use crate::app::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/org", get(tree))
}

/// The whole tree with departments, windows and staff.
#[utoipa::path(get, operation_id = "get_org_tree", path = "/api/v1/org", tag = "org", responses((status = 200, body = OrgTree)))]
pub async fn tree(State(state): State<AppState>) -> AppResult<Json<OrgTree>> {
    org::tree(&state).await.map(Json)
}
