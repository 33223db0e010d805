//! Supervision (DESIGN §6): where adopted bad reviews concentrate ([`concentrations`]), the ladder of orders
//! against a unit or person ([`orders`]), and the issues that recur in what citizens wrote ([`hot_topics`]).

pub mod concentrations;
pub mod hot_topics;
pub mod orders;
mod words;

use chrono::NaiveDate;
use hcp_core::role::Scope;
use hcp_core::stats::{C, Rates};
use hcp_core::supervision::TargetLevel;
use hcp_store::org;
use hcp_store::stats::{self, Filter, GroupBy};

use super::error::{AppError, AppResult};
use super::state::AppState;

/// A target's figures between two days (adopted evaluations, bad reviews, bad-review rate), as evidence.
async fn figures_of(state: &AppState, target: &Scope, from: NaiveDate, to: NaiveDate) -> AppResult<serde_json::Value> {
    let filter = Filter { org_path: None, from_day: Some(from.to_string()), to_day: Some(to.to_string()) };
    let rows = stats::query(&mut *state.store().reader().await?, &filter, Some(target), GroupBy::None).await?;
    let c = rows.into_iter().next().map(|(_, c)| c).unwrap_or_default();
    Ok(serde_json::json!({"from": from.to_string(), "to": to.to_string(), "adopted": c.get(C::Adopted),
        "bad_reviews": c.bad_reviews(), "bad_rate": Rates::of(&c).bad_rate}))
}

/// What an order is addressed to, resolved.
struct Target {
    /// The scope its figures are read in.
    scope: Scope,
    org_path: String,
    department_id: Option<i64>,
    window_id: Option<i64>,
    staff_id: Option<i64>,
    /// "李强（S002）", "市场监管综合窗口（JK-SCJG-01）", the department's name.
    name: String,
}

/// Resolves a staff number, window code or department code at `level`; unknown is the `target` field's error.
async fn target_of(state: &AppState, level: TargetLevel, code: &str) -> AppResult<Target> {
    let mut conn = state.store().reader().await?;
    let missing = || AppError::invalid_field("target", format!("对象“{code}”不存在"));
    match level {
        TargetLevel::Staff => {
            let s = org::staff_by_no(&mut conn, code).await?.ok_or_else(missing)?;
            let window = s.window_id.ok_or_else(|| AppError::invalid_field("target", "该工作人员不在任何窗口"))?;
            let place = org::placement(&mut conn, window).await?.ok_or_else(missing)?;
            Ok(Target {
                name: format!("{}（{}）", s.name, s.staff_no),
                org_path: place.org_path,
                department_id: Some(place.department_id),
                window_id: Some(window),
                staff_id: Some(s.id),
                scope: Scope::Staff { id: s.id, staff_no: s.staff_no, name: s.name },
            })
        }
        TargetLevel::Window => {
            let w = org::window_by_code(&mut conn, code).await?.ok_or_else(missing)?;
            let place = org::placement(&mut conn, w.id).await?.ok_or_else(missing)?;
            Ok(Target {
                name: format!("{}（{}）", w.name, w.code),
                org_path: place.org_path,
                department_id: Some(place.department_id),
                window_id: Some(place.window_id),
                staff_id: None,
                scope: Scope::Window { id: w.id, code: w.code, name: w.name },
            })
        }
        TargetLevel::Department => {
            let d = org::department_by_code(&mut conn, code).await?.ok_or_else(missing)?;
            let unit = org::org_unit_by_id(&mut conn, d.org_unit_id).await?.ok_or_else(missing)?;
            Ok(Target {
                name: d.name.clone(),
                org_path: unit.path,
                department_id: Some(d.id),
                window_id: None,
                staff_id: None,
                scope: Scope::Department { id: d.id, code: d.code, name: d.name },
            })
        }
    }
}
