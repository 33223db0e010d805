//! Supervision (DESIGN §6): where adopted bad reviews concentrate over a period — per staff member, window and
//! department — against the configured thresholds, read from the statistics aggregate.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{Datelike, Months, NaiveDate};
use hcp_core::clock::shanghai;
use hcp_core::role::Role;
use hcp_core::stats::{C, Rates};
use hcp_core::supervision::{Crossing, Thresholds, crossing};
use hcp_store::stats::{self, Filter, GroupBy};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::stats::names;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, CurrentUser};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/supervision/concentrations", get(concentrations))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PeriodQuery {
    /// A natural month, YYYY-MM (default: last month).
    pub period: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Concentration {
    /// `staff`, `window` or `department`.
    pub level: String,
    pub key: String,
    pub name: String,
    pub adopted: i64,
    pub bad_reviews: i64,
    pub bad_rate: Option<f64>,
    pub crossing: Crossing,
}

#[derive(Serialize, ToSchema)]
pub struct ConcentrationsView {
    pub period: String,
    #[schema(value_type = Object)]
    pub thresholds: Thresholds,
    pub items: Vec<Concentration>,
}

/// The staff, windows and departments whose adopted bad reviews in the month crossed the thresholds (count, or
/// rate once there are enough evaluations), worst first. Supervisors and discipline inspectors, in scope.
#[utoipa::path(get, path = "/api/v1/supervision/concentrations", tag = "supervision", params(PeriodQuery),
    responses((status = 200, body = ConcentrationsView), (status = 400, body = crate::error::ErrorBody)))]
pub async fn concentrations(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<Json<ConcentrationsView>> {
    user.require(&[Role::Supervisor, Role::Discipline, Role::DeptHead])?;
    let today = state.now().with_timezone(&shanghai()).date_naive();
    let this_month = today.with_day(1).unwrap_or(today);
    let first = match q.period.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => this_month.checked_sub_months(Months::new(1)).unwrap_or(this_month),
        Some(p) => NaiveDate::parse_from_str(&format!("{p}-01"), "%Y-%m-%d")
            .map_err(|_| ApiError::bad_request("invalid_query", "period 应为 YYYY-MM 格式的月份"))?,
    };
    let last = first.checked_add_months(Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(first);
    let thresholds = state.config().supervision;
    let filter = Filter { org_path: None, from_day: Some(first.to_string()), to_day: Some(last.to_string()) };
    let mut items = Vec::new();
    for (level, group_by) in
        [("staff", GroupBy::Staff), ("window", GroupBy::Window), ("department", GroupBy::Department)]
    {
        let rows = stats::query(&mut *state.store().reader().await?, &filter, Some(user.scope()?), group_by).await?;
        let labels = names(&state, group_by).await?;
        for (key, c) in rows {
            if group_by == GroupBy::Staff && key == "0" {
                continue;
            }
            if let Some(crossing) = crossing(&c, &thresholds) {
                items.push(Concentration {
                    level: level.to_owned(),
                    name: labels.get(&key).cloned().unwrap_or_else(|| key.clone()),
                    key,
                    adopted: c.get(C::Adopted),
                    bad_reviews: c.get(C::Level1) + c.get(C::Level2),
                    bad_rate: Rates::of(&c).bad_rate,
                    crossing,
                });
            }
        }
    }
    items.sort_by(|a, b| b.bad_reviews.cmp(&a.bad_reviews).then(a.level.cmp(&b.level)).then(a.key.cmp(&b.key)));
    Ok(Json(ConcentrationsView { period: first.format("%Y-%m").to_string(), thresholds, items }))
}
