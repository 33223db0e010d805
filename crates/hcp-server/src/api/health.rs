//! `GET /healthz`.

use axum::routing::get;
use axum::{Json, Router, extract::State};

use crate::app::error::AppResult;
use crate::app::health;
use crate::app::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}

/// Liveness and database reachability.
#[utoipa::path(get, operation_id = "get_health", path = "/healthz", tag = "system", responses((status = 200, description = "服务正常")))]
pub async fn healthz(State(state): State<AppState>) -> AppResult<Json<serde_json::Value>> {
    health::check(&state).await?;
    Ok(Json(serde_json::json!({"status": "ok"})))
}
