//! Where adopted bad reviews concentrate over a month — per staff member, window and department — against the
//! configured thresholds, read from the statistics aggregate.

use chrono::Months;
use hcp_core::role::Role;
use hcp_core::stats::{C, Rates};
use hcp_core::supervision::{Crossing, TargetLevel, Thresholds, crossing};
use hcp_store::stats::{self, Filter, GroupBy};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::auth::CurrentUser;
use crate::app::error::AppResult;
use crate::app::filters::{blank, first_of_month, last_of_month, month, today};
use crate::app::org::Organisation;
use crate::app::state::AppState;
use crate::app::stats::names;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// A natural month, YYYY-MM (default: last month).
    pub period: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Concentration {
    /// `staff`, `window` or `department`.
    pub level: TargetLevel,
    pub level_label: &'static str,
    pub key: String,
    /// The staff number, window code or department code an order names it by.
    pub code: String,
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
/// rate once there are enough evaluations), worst first. Supervisors, discipline inspectors and department
/// heads, in scope.
pub async fn list(state: &AppState, user: &CurrentUser, q: &PeriodQuery) -> AppResult<ConcentrationsView> {
    user.require(&[Role::Supervisor, Role::Discipline, Role::DeptHead])?;
    let (first, last) = match blank(q.period.as_deref()) {
        None => {
            let this_month = first_of_month(today(state));
            let first = this_month.checked_sub_months(Months::new(1)).unwrap_or(this_month);
            (first, last_of_month(first))
        }
        Some(p) => month(p, "period")?,
    };
    let thresholds = state.tunables().supervision;
    let org = Organisation::load(state).await?;
    let code_of = |level: TargetLevel, key: &str| -> String {
        let id: i64 = key.parse().unwrap_or_default();
        match level {
            TargetLevel::Staff => org.staff_member(id).map(|s| s.staff_no.clone()),
            TargetLevel::Window => org.window(id).map(|w| w.code.clone()),
            TargetLevel::Department => org.department(id).map(|d| d.code.clone()),
        }
        .unwrap_or_default()
    };
    let filter = Filter { org_path: None, from_day: Some(first.to_string()), to_day: Some(last.to_string()) };
    let mut items = Vec::new();
    for (level, group_by) in [
        (TargetLevel::Staff, GroupBy::Staff),
        (TargetLevel::Window, GroupBy::Window),
        (TargetLevel::Department, GroupBy::Department),
    ] {
        let rows = stats::query(&mut *state.store().reader().await?, &filter, Some(user.scope()?), group_by).await?;
        let labels = names(state, group_by).await?;
        for (key, c) in rows {
            if group_by == GroupBy::Staff && key == "0" {
                continue;
            }
            if let Some(crossing) = crossing(&c, &thresholds) {
                items.push(Concentration {
                    level,
                    level_label: level.label(),
                    name: labels.get(&key).cloned().unwrap_or_else(|| key.clone()),
                    code: code_of(level, &key),
                    key,
                    adopted: c.get(C::Adopted),
                    bad_reviews: c.bad_reviews(),
                    bad_rate: Rates::of(&c).bad_rate,
                    crossing,
                });
            }
        }
    }
    items.sort_by(|a, b| {
        b.bad_reviews.cmp(&a.bad_reviews).then(a.level.code().cmp(b.level.code())).then(a.key.cmp(&b.key))
    });
    Ok(ConcentrationsView { period: first.format("%Y-%m").to_string(), thresholds, items })
}
