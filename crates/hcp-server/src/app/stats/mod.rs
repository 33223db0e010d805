//! Statistics (DESIGN §6) from the aggregate kept in step with every change: totals, grouped figures and
//! rankings in the caller's scope, and the public monthly disclosure (R10). Definitions of every rate are in
//! `hcp_core::stats` and in the OpenAPI description of [`Rates`].

use std::collections::HashMap;

use chrono::Months;
use hcp_core::channel::Channel;
use hcp_core::stats::{C, Counters, Rates};
use hcp_store::org;
use hcp_store::stats::{self, Filter, GroupBy};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

mod aggregate;

pub use aggregate::{contribution, ensure_built, of_evaluation, rebuild, recount, settle};

use super::auth::{CurrentUser, root_scope};
use super::error::{AppError, AppResult};
use super::filters::{blank, day, first_of_month, month, org_subtree, today};
use super::state::AppState;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Org unit code: that subtree (within your scope).
    #[param(value_type = Option<hcp_core::org::Code>)]
    pub org: Option<String>,
    /// First service day, YYYY-MM-DD (default: the first of this month).
    pub from: Option<String>,
    /// Last service day, inclusive (default: today).
    pub to: Option<String>,
    /// none (default), department, window, staff, channel, item, day, month. Department, window and staff groups
    /// are ranked (by score, then 好评率).
    #[param(value_type = Option<crate::app::choices::GroupByChoice>)]
    pub group_by: Option<String>,
}

/// Figures of one group. Counts are over the service days asked for; only adopted evaluations count in levels,
/// score and the rates (`evaluations` counts every one received).
#[derive(Serialize, ToSchema)]
pub struct Group {
    pub key: String,
    pub name: String,
    /// 1 = best, for department, window and staff groups.
    pub rank: Option<usize>,
    pub evaluations: i64,
    pub adopted: i64,
    /// Adopted evaluations per level 1 (非常不满意) … 5 (非常满意).
    pub level_counts: [i64; 5],
    pub finished_cases: i64,
    /// Valid (adopted) bad reviews.
    pub bad_reviews: i64,
    pub rectified: i64,
    /// Bad reviews answered with an explanation (no legal basis): adopted, counted apart from rectification.
    pub explained: i64,
    /// Tickets of these bad reviews that missed a deadline.
    pub overdue: i64,
    pub rates: Rates,
}

#[derive(Serialize, ToSchema)]
pub struct StatsView {
    pub from: String,
    pub to: String,
    pub group_by: String,
    pub groups: Vec<Group>,
}

fn group(key: String, name: String, c: &Counters) -> Group {
    Group {
        key,
        name,
        rank: None,
        evaluations: c.get(C::Evaluations),
        adopted: c.get(C::Adopted),
        level_counts: [c.get(C::Level1), c.get(C::Level2), c.get(C::Level3), c.get(C::Level4), c.get(C::Level5)],
        finished_cases: c.get(C::FinishedCases),
        bad_reviews: c.get(C::BadValid),
        rectified: c.get(C::Rectified),
        explained: c.get(C::Explained),
        overdue: c.overdue(),
        rates: Rates::of(c),
    }
}

/// Names of the groups' keys.
pub async fn names(state: &AppState, group_by: GroupBy) -> AppResult<HashMap<String, String>> {
    let mut conn = state.store().reader().await?;
    Ok(match group_by {
        GroupBy::Department => {
            org::list_departments(&mut conn).await?.into_iter().map(|d| (d.id.to_string(), d.name)).collect()
        }
        GroupBy::Window => org::list_windows(&mut conn)
            .await?
            .into_iter()
            .map(|w| (w.id.to_string(), format!("{}（{}）", w.name, w.code)))
            .collect(),
        GroupBy::Staff => org::list_staff(&mut conn)
            .await?
            .into_iter()
            .map(|s| (s.id.to_string(), format!("{}（{}）", s.name, s.staff_no)))
            .collect(),
        GroupBy::Item => {
            org::list_service_items(&mut conn).await?.into_iter().map(|i| (i.id.to_string(), i.name)).collect()
        }
        GroupBy::Channel => Channel::ALL.into_iter().map(|c| (c.code().to_owned(), c.label().to_owned())).collect(),
        _ => HashMap::new(),
    })
}

/// Figures and rankings over the aggregate, in the caller's scope. 好评率 = adopted levels 3–5 / adopted;
/// 差评率 = levels 1–2 / adopted; score = mean of 10/8/6/3/0; 主动评价率 = adopted evaluations the citizen gave
/// online or on a hall device / finished cases; 差评整改率 = rectified / (valid bad reviews − explained);
/// 按期反馈率 = answered without a missed deadline / answered; 回访率 = real-name valid bad reviews revisited /
/// real-name valid bad reviews; 回访满意率 = satisfied or basically satisfied / revisited; 申诉率 = appealed / all
/// bad reviews; 改判率 = overturned / decided appeals. Percentages with one decimal; null when undefined.
pub async fn figures(state: &AppState, user: &CurrentUser, q: &StatsQuery) -> AppResult<StatsView> {
    user.require_reader()?;
    let scope = user.scope()?;
    let group_by = GroupBy::parse(q.group_by.as_deref().unwrap_or("none").trim()).ok_or_else(|| {
        AppError::invalid_query(
            "group_by",
            "group_by 应为 none、department、window、staff、channel、item、day 或 month",
        )
    })?;
    let today = today(state);
    let from = day(q.from.as_deref(), "from", first_of_month(today))?;
    let to = day(q.to.as_deref(), "to", today)?;
    let filter = Filter {
        org_path: org_subtree(state, q.org.as_deref(), scope).await?,
        from_day: Some(from.to_string()),
        to_day: Some(to.to_string()),
    };
    let rows = stats::query(&mut *state.store().reader().await?, &filter, Some(scope), group_by).await?;
    let labels = names(state, group_by).await?;
    let mut groups: Vec<Group> = rows
        .iter()
        .map(|(key, c)| {
            let name = match group_by {
                GroupBy::None => "合计".to_owned(),
                GroupBy::Day | GroupBy::Month => key.clone(),
                GroupBy::Staff if key == "0" => "未指明工作人员".to_owned(),
                GroupBy::Item if key == "0" => "未关联事项".to_owned(),
                GroupBy::Channel if key.is_empty() => "办件（不含评价）".to_owned(),
                _ => labels.get(key).cloned().unwrap_or_else(|| key.clone()),
            };
            group(key.clone(), name, c)
        })
        .collect();
    if matches!(group_by, GroupBy::Department | GroupBy::Window | GroupBy::Staff) {
        groups.sort_by(|a, b| {
            let score = |g: &Group| g.rates.score.unwrap_or(-1.0);
            let good = |g: &Group| g.rates.good_rate.unwrap_or(-1.0);
            score(b).total_cmp(&score(a)).then(good(b).total_cmp(&good(a))).then(a.key.cmp(&b.key))
        });
        for (i, g) in groups.iter_mut().enumerate() {
            g.rank = Some(i + 1);
        }
    }
    let group_by = q.group_by.clone().filter(|g| !g.trim().is_empty()).unwrap_or_else(|| "none".into());
    Ok(StatsView { from: from.to_string(), to: to.to_string(), group_by, groups })
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// YYYY-MM (default: last month).
    pub month: Option<String>,
}

/// One department's monthly figures, as published. No personal data.
#[derive(Serialize, ToSchema)]
pub struct PublicDepartment {
    pub department: String,
    /// Adopted evaluations.
    pub evaluations: i64,
    pub good_rate: Option<f64>,
    /// Valid bad reviews.
    pub bad_reviews: i64,
    pub rectified: i64,
    pub on_time_feedback_rate: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct MonthlyView {
    pub month: String,
    /// Most evaluations first (then by name), as the public page states.
    pub departments: Vec<PublicDepartment>,
}

/// The monthly disclosure (R10) of `month` (YYYY-MM; default last month): per stationed department, open to
/// everyone.
pub async fn monthly(state: &AppState, q: &MonthQuery) -> AppResult<MonthlyView> {
    let (first, last) = match blank(q.month.as_deref()) {
        None => {
            let this_month = first_of_month(today(state));
            let first = this_month.checked_sub_months(Months::new(1)).unwrap_or(this_month);
            (first, super::filters::last_of_month(first))
        }
        Some(m) => month(m, "month")?,
    };
    let mut conn = state.store().reader().await?;
    let root = root_scope(&mut conn).await?;
    let filter = Filter { org_path: None, from_day: Some(first.to_string()), to_day: Some(last.to_string()) };
    let rows = stats::query(&mut conn, &filter, root.as_ref(), GroupBy::Department).await?;
    let names: HashMap<String, String> =
        org::list_departments(&mut conn).await?.into_iter().map(|d| (d.id.to_string(), d.name)).collect();
    let mut departments: Vec<PublicDepartment> = rows
        .iter()
        .filter(|(_, c)| c.get(C::Adopted) > 0)
        .map(|(key, c)| {
            let rates = Rates::of(c);
            PublicDepartment {
                department: names.get(key).cloned().unwrap_or_default(),
                evaluations: c.get(C::Adopted),
                good_rate: rates.good_rate,
                bad_reviews: c.get(C::BadValid),
                rectified: c.get(C::Rectified),
                on_time_feedback_rate: rates.on_time_feedback_rate,
            }
        })
        .collect();
    // A reader looks for the busiest departments first; ties keep a stable order by name.
    departments.sort_by(|a, b| b.evaluations.cmp(&a.evaluations).then_with(|| a.department.cmp(&b.department)));
    Ok(MonthlyView { month: first.format("%Y-%m").to_string(), departments })
}
