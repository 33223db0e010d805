//! Local days of the calendar (admin): a hall closed by the district (a snowstorm, a relocation) or an extra
//! working day. Each change recomputes the open tickets' deadlines in the same transaction, audited.

use axum::extract::{Path, State};
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::NaiveDate;
use hcp_core::role::Role;
use hcp_store::calendar::{self, LocalDay};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::extract::ApiJson;
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult};
use crate::app::lifecycle::calendar_changed;
use crate::app::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/calendar/local-days", get(list))
        .route("/admin/calendar/local-days/{date}", put(set).delete(remove))
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
#[utoipa::path(get, path = "/api/v1/admin/calendar/local-days", tag = "admin",
    responses((status = 200, body = Vec<LocalDay>), (status = 403, body = crate::api::error::ErrorBody)))]
pub async fn list(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<LocalDay>>> {
    user.require(&[Role::Admin])?;
    Ok(Json(calendar::local_days(&mut *state.store().reader().await?).await?))
}

/// Set a local day; open tickets' deadlines are recomputed.
#[utoipa::path(put, path = "/api/v1/admin/calendar/local-days/{date}", tag = "admin", params(("date" = String, Path)),
    request_body = LocalDayBody, responses((status = 200, body = CalendarChange), (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn set(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(text): Path<String>,
    ApiJson(body): ApiJson<LocalDayBody>,
) -> AppResult<Json<CalendarChange>> {
    Ok(Json(set_day(&state, &user, &text, &body).await?))
}

/// The logic of `PUT /admin/calendar/local-days/{date}`, shared with the admin pages.
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

/// Remove a local day; open tickets' deadlines are recomputed.
#[utoipa::path(delete, path = "/api/v1/admin/calendar/local-days/{date}", tag = "admin", params(("date" = String, Path)),
    responses((status = 200, body = CalendarChange), (status = 404, body = crate::api::error::ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(text): Path<String>,
) -> AppResult<Json<CalendarChange>> {
    Ok(Json(remove_day(&state, &user, &text).await?))
}

/// The logic of `DELETE /admin/calendar/local-days/{date}`, shared with the admin pages.
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
