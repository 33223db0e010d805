//! `GET /stats` (figures and rankings in the caller's scope) and `GET /public/monthly` (the monthly
//! disclosure, open to everyone).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use super::error::ErrorBody;
use super::extract::ApiQuery;
use crate::app::auth::CurrentUser;
use crate::app::error::AppResult;
use crate::app::state::AppState;
use crate::app::stats::{self, MonthQuery, MonthlyView, StatsQuery, StatsView};

pub fn router() -> Router<AppState> {
    Router::new().route("/stats", get(figures)).route("/public/monthly", get(monthly))
}

/// Figures and rankings over the aggregate, in the caller's scope. 好评率 = adopted levels 3–5 / adopted;
/// 差评率 = levels 1–2 / adopted; score = mean of 10/8/6/3/0; 主动评价率 = adopted evaluations the citizen gave
/// online or on a hall device / finished cases; 差评整改率 = rectified / (valid bad reviews − explained);
/// 按期反馈率 = answered without a missed deadline / answered; 回访率 = real-name valid bad reviews revisited /
/// real-name valid bad reviews; 回访满意率 = satisfied or basically satisfied / revisited; 申诉率 = appealed / all
/// bad reviews; 改判率 = overturned / decided appeals. Percentages with one decimal; null when undefined.
#[utoipa::path(get, operation_id = "get_stats", path = "/api/v1/stats", tag = "stats", params(StatsQuery),
    responses((status = 200, body = StatsView), (status = 400, body = ErrorBody)))]
pub async fn figures(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> AppResult<Json<StatsView>> {
    stats::figures(&state, &user, &q).await.map(Json)
}

/// The monthly disclosure (R10): per stationed department, open to everyone.
#[utoipa::path(get, operation_id = "get_public_monthly", path = "/api/v1/public/monthly", tag = "stats", params(MonthQuery),
    responses((status = 200, body = MonthlyView), (status = 400, body = ErrorBody)))]
pub async fn monthly(State(state): State<AppState>, ApiQuery(q): ApiQuery<MonthQuery>) -> AppResult<Json<MonthlyView>> {
    stats::monthly(&state, &q).await.map(Json)
}
