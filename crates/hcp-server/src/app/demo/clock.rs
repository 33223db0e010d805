//! The training clock: in demo mode with `--demo-clock`, an administrator moves time forward and the
//! scheduler runs at once, so deadlines, reminders and escalations can be shown in minutes.

use chrono::DateTime;
use hcp_core::role::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::jobs::delivery;
use crate::app::jobs::scheduler::{self, TickReport};
use crate::app::state::AppState;
use crate::app::views::local;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockBody {
    /// RFC 3339, e.g. `2024-10-09T09:00:00+08:00`; not before the clock's present.
    pub now: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClockView {
    pub now: String,
    /// What the scheduler did at the new instant (absent when only reading the clock).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduler: Option<TickReport>,
    /// Notifications delivered right after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered: Option<usize>,
}

fn training(state: &AppState) -> AppResult<&hcp_core::clock::TrainingClock> {
    state
        .training_clock()
        .ok_or_else(|| AppError::new(ErrorCode::DemoOnly, "仅在演示模式（hcp serve --demo --demo-clock）下可调整时钟"))
}

/// The training clock's present.
pub fn show(state: &AppState, user: &CurrentUser) -> AppResult<ClockView> {
    user.require(&[Role::Admin])?;
    training(state)?;
    Ok(ClockView { now: local(state.now()), scheduler: None, delivered: None })
}

/// Moves the training clock forward (admin, demo mode only) and runs the scheduler and delivery at once.
pub async fn move_to(state: &AppState, user: &CurrentUser, body: &ClockBody) -> AppResult<ClockView> {
    user.require(&[Role::Admin])?;
    let clock = training(state)?;
    let to = DateTime::parse_from_rfc3339(body.now.trim())
        .map_err(|_| AppError::invalid_field("now", "时间应为 RFC 3339 格式，例如 2024-10-09T09:00:00+08:00"))?
        .with_timezone(&chrono::Utc);
    clock
        .move_to(to)
        .map_err(|now| AppError::invalid_field("now", format!("训练时钟只能向前调整（当前为 {}）", local(now))))?;
    let mut tx = state.store().begin().await?;
    hcp_store::audit::append(
        &mut tx,
        state.now(),
        &user.actor(),
        "demo.clock",
        "clock:training",
        &serde_json::json!({"now": body.now}),
    )
    .await?;
    tx.commit().await?;
    let report = scheduler::tick(state).await?;
    let delivered = delivery::deliver_due(state).await?;
    Ok(ClockView { now: local(state.now()), scheduler: Some(report), delivered: Some(delivered) })
}
