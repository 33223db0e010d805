//! Hot topics per department (DESIGN R6, R10): the words that recur in adopted bad-review comments and
//! complaints over a period, found by segmenting the Chinese text.

use std::collections::BTreeMap;

use chrono::Months;
use hcp_core::role::Role;
use hcp_store::stats::{self, GroupBy};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::words::{min_count, top_words};
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult};
use crate::app::filters::{day, end_of, first_of_month, org_subtree, start_of, today};
use crate::app::state::AppState;
use crate::app::stats::names;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TopicsQuery {
    #[param(value_type = Option<hcp_core::org::Code>)]
    pub org: Option<String>,
    /// First day, YYYY-MM-DD (default: the first of last month).
    pub from: Option<String>,
    /// Last day, inclusive (default: today).
    pub to: Option<String>,
    /// Words per department (default 10, at most 50).
    pub limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct Topic {
    pub word: String,
    /// In how many texts it occurs.
    pub count: usize,
}

#[derive(Serialize, ToSchema)]
pub struct DepartmentTopics {
    pub department: String,
    /// Bad-review comments and complaints read.
    pub texts: usize,
    /// The fewest texts a word is found in to be listed.
    pub min_count: usize,
    pub topics: Vec<Topic>,
}

/// The most frequent issues over the period, per department. Supervisors, discipline inspectors and department
/// heads, in scope.
pub async fn list(state: &AppState, user: &CurrentUser, q: &TopicsQuery) -> AppResult<Vec<DepartmentTopics>> {
    user.require(&[Role::Supervisor, Role::Discipline, Role::DeptHead])?;
    let scope = user.scope()?;
    let today = today(state);
    let default_from = first_of_month(today).checked_sub_months(Months::new(1)).unwrap_or(today);
    let from = day(q.from.as_deref(), "from", default_from)?;
    let to = day(q.to.as_deref(), "to", today)?;
    let org_path = org_subtree(state, q.org.as_deref(), scope).await?;
    let texts = stats::complaint_texts(
        &mut *state.store().reader().await?,
        scope,
        org_path.as_deref(),
        start_of(from),
        end_of(to),
    )
    .await?;
    let limit = q.limit.unwrap_or(10).clamp(1, 50);
    let labels = names(state, GroupBy::Department).await?;
    let mut by_department: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (department, text) in texts {
        let name = department.and_then(|d| labels.get(&d.to_string()).cloned()).unwrap_or_else(|| "未明确部门".into());
        by_department.entry(name).or_default().push(text);
    }
    // Segmenting is CPU work: off the async workers.
    tokio::task::spawn_blocking(move || {
        by_department
            .into_iter()
            .map(|(department, texts)| DepartmentTopics {
                topics: top_words(texts.iter().map(String::as_str), limit)
                    .into_iter()
                    .map(|(word, count)| Topic { word, count })
                    .collect(),
                texts: texts.len(),
                min_count: min_count(texts.len()),
                department,
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(AppError::internal)
}
