use axum::routing::get;
use axum::{Json, Router, extract::State};

use crate::app::error::AppResult;
use crate::app::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, description = "服务正常")))]
pub async fn healthz(State(state): State<AppState>) -> AppResult<Json<serde_json::Value>> {
    let mut conn = state.store().reader().await?;
    let _: i64 =
        hcp_store::sqlx::query_scalar("SELECT 1").fetch_one(&mut *conn).await.map_err(hcp_store::StoreError::from)?;
    Ok(Json(serde_json::json!({"status": "ok"})))
}
