//! Public calendar look-ups: deadlines and working days (DESIGN §3).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{AppError, AppResult};
use super::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadlineQuery {
    /// Instant of receipt, RFC 3339 (e.g. `2024-09-27T10:00:00+08:00`).
    pub from: String,
    /// Number of working days, 1–3650.
    pub working_days: u32,
}

#[derive(Serialize, ToSchema)]
pub struct DeadlineResponse {
    /// End of the N-th working day after the date of `from`, `+08:00`.
    pub deadline: String,
    /// True when the period reaches a year whose holiday arrangement is not yet known (Mon–Fri assumed).
    pub provisional: bool,
}

/// "Within N working days of T": the starting day is not counted; the deadline is 23:59:59 (UTC+8) of the
/// N-th working day after it.
pub fn deadline(state: &AppState, q: &DeadlineQuery) -> AppResult<DeadlineResponse> {
    let from = DateTime::parse_from_rfc3339(q.from.trim())
        .map_err(|_| AppError::invalid_query("from", "from 应为 RFC 3339 时间，例如 2024-09-27T10:00:00+08:00"))?
        .with_timezone(&Utc);
    if !(1..=3650).contains(&q.working_days) {
        return Err(AppError::invalid_query("working_days", "working_days 应在1至3650之间"));
    }
    let deadline = state.calendar().deadline(from, q.working_days);
    Ok(DeadlineResponse { deadline: deadline.to_rfc3339(), provisional: deadline.provisional })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkdayQuery {
    /// A date, `YYYY-MM-DD`.
    pub date: String,
}

#[derive(Serialize, ToSchema)]
pub struct WorkdayResponse {
    pub date: String,
    pub workday: bool,
    /// Holiday name for listed days (days off and make-up working days), null on an ordinary day.
    pub name: Option<String>,
    pub provisional: bool,
}

/// Whether a date is a working day on the official calendar.
pub fn workday(state: &AppState, q: &WorkdayQuery) -> AppResult<WorkdayResponse> {
    let date = NaiveDate::parse_from_str(q.date.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid_query("date", "date 应为 YYYY-MM-DD 格式的日期"))?;
    let day = state.calendar().day(date);
    Ok(WorkdayResponse {
        date: date.format("%Y-%m-%d").to_string(),
        workday: day.workday,
        name: day.name,
        provisional: day.provisional,
    })
}
