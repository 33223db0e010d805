//! Whether the server can do its work: the database answers.

use super::error::AppResult;
use super::state::AppState;

pub async fn check(state: &AppState) -> AppResult<()> {
    let mut conn = state.store().reader().await?;
    let _: i64 = hcp_store::sqlx::query_scalar("SELECT 1").fetch_one(&mut *conn).await?;
    Ok(())
}
