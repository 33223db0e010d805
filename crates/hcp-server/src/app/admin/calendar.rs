//! The working-day calendar (DESIGN §3): years of the State Council arrangement and local days (a hall closed
//! by the district, an extra working day). Every change recomputes the open tickets' deadlines in the same
//! transaction, audited.

use chrono::NaiveDate;
use hcp_core::calendar::HolidayFile;
use hcp_core::role::Role;
use hcp_store::calendar::{self, LocalDay};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult};
use crate::app::state::AppState;
use crate::app::tickets::lifecycle::calendar_changed;
use crate::app::views::{local, local_time};

#[derive(Serialize, ToSchema)]
pub struct CalendarYear {
    pub year: i64,
    pub imported_at: String,
    /// After an import: how many open tickets had their deadlines recomputed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recomputed: Option<usize>,
}

/// Years whose State Council arrangement is loaded.
pub async fn years(state: &AppState, user: &CurrentUser) -> AppResult<Vec<CalendarYear>> {
    user.require(&[Role::Admin])?;
    let years = calendar::years(&mut *state.store().reader().await?).await?;
    years
        .into_iter()
        .map(|(year, at)| Ok(CalendarYear { year, imported_at: local_time(at)?, recomputed: None }))
        .collect()
}

/// Adds or replaces a year's arrangement from a holiday-cn JSON file; open tickets' deadlines follow.
pub async fn import_year(state: &AppState, user: &CurrentUser, year: &str, body: &[u8]) -> AppResult<CalendarYear> {
    user.require(&[Role::Admin])?;
    let file = HolidayFile::parse(&String::from_utf8_lossy(body))
        .map_err(|e| AppError::invalid_field("body", e.to_string()))?;
    if year.parse::<i32>().ok() != Some(file.year) {
        return Err(AppError::invalid_field("year", "地址中的年份与文件中的 year 不一致"));
    }
    // A placeholder is refused, so the year stays provisional rather than silently "published".
    file.check_published().map_err(|e| AppError::invalid_field("body", e.to_string()))?;
    let now = state.now();
    let mut tx = state.store().begin().await?;
    calendar::save_year(&mut tx, &file, &user.actor(), now).await?;
    // Open tickets' deadlines follow the new calendar in the same transaction, each change audited.
    let recomputed = calendar_changed(&mut tx, &state.policy(), &user.actor(), now).await?;
    tx.commit().await?;
    state.reload_calendar().await?;
    Ok(CalendarYear { year: i64::from(file.year), imported_at: local(now), recomputed: Some(recomputed) })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalDayBody {
    /// `true`: no work that day (closure); `false`: a working day.
    pub is_off_day: bool,
    /// Why, e.g. 暴雪停止对外办公.
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarChange {
    /// Open tickets whose deadlines were recomputed.
    pub recomputed: usize,
}

fn date(text: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid_field("date", "日期应为 YYYY-MM-DD 格式"))
}

/// Local days, in date order.
pub async fn local_days(state: &AppState, user: &CurrentUser) -> AppResult<Vec<LocalDay>> {
    user.require(&[Role::Admin])?;
    Ok(calendar::local_days(&mut *state.store().reader().await?).await?)
}

/// Sets a local day (a closure or an extra working day); open tickets' deadlines are recomputed.
pub async fn set_day(
    state: &AppState,
    user: &CurrentUser,
    text: &str,
    body: &LocalDayBody,
) -> AppResult<CalendarChange> {
    user.require(&[Role::Admin])?;
    let day = date(text)?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(AppError::invalid_field("name", "请填写1至50字的说明"));
    }
    let now = state.now();
    let mut tx = state.store().begin().await?;
    calendar::save_local_day(&mut tx, day, body.is_off_day, name, &user.actor(), now).await?;
    let recomputed = calendar_changed(&mut tx, &state.policy(), &user.actor(), now).await?;
    tx.commit().await?;
    state.reload_calendar().await?;
    Ok(CalendarChange { recomputed })
}

/// Removes a local day; open tickets' deadlines are recomputed.
pub async fn remove_day(state: &AppState, user: &CurrentUser, text: &str) -> AppResult<CalendarChange> {
    user.require(&[Role::Admin])?;
    let day = date(text)?;
    let now = state.now();
    let mut tx = state.store().begin().await?;
    if !calendar::delete_local_day(&mut tx, day, &user.actor(), now).await? {
        return Err(AppError::not_found("该地方调整日"));
    }
    let recomputed = calendar_changed(&mut tx, &state.policy(), &user.actor(), now).await?;
    tx.commit().await?;
    state.reload_calendar().await?;
    Ok(CalendarChange { recomputed })
}
