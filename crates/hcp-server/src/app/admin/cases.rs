//! Cases (办件) as the case-handling systems report them: what an evaluation is bound to (一事一评).

use chrono::{DateTime, Utc};
use hcp_core::FieldErrors;
use hcp_core::role::Role;
use hcp_store::org::{self, Case, NewCase};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{audited, code, optional_text, required};
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult};
use crate::app::paging::Page;
use crate::app::state::AppState;

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseRequest {
    /// 办件编号
    pub case_no: String,
    #[schema(value_type = hcp_core::org::Code)]
    pub item_code: String,
    #[schema(value_type = hcp_core::org::Code)]
    pub window_code: String,
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub staff_no: Option<String>,
    /// RFC 3339
    pub accepted_at: String,
    /// RFC 3339; omit while the case is open.
    pub finished_at: Option<String>,
}

fn instant(errors: &mut FieldErrors, field: &str, text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| errors.add(field, "时间应为 RFC 3339 格式，例如 2026-10-12T09:30:00+08:00"))
        .ok()
}

/// Registers a case (办件), as the case-handling system reports it. Admins and registrars.
pub async fn add(state: &AppState, user: &CurrentUser, req: &NewCaseRequest) -> AppResult<Case> {
    user.require(&[Role::Admin, Role::Registrar])?;
    let mut errors = FieldErrors::new();
    let case_no = code(&mut errors, "case_no", &req.case_no);
    let accepted_at = instant(&mut errors, "accepted_at", &req.accepted_at);
    let finished_at = req
        .finished_at
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .and_then(|t| instant(&mut errors, "finished_at", t));
    let now = state.now();
    if let Some(at) = accepted_at
        && at > now + chrono::Duration::minutes(5)
    {
        errors.add("accepted_at", "受理时间不能晚于当前时间");
    }
    if let (Some(a), Some(f)) = (accepted_at, finished_at)
        && f < a
    {
        errors.add("finished_at", "办结时间不能早于受理时间");
    }
    let mut tx = state.store().begin().await?;
    let item = required(
        &mut errors,
        "item_code",
        "事项不存在",
        org::service_item_by_code(&mut tx, req.item_code.trim()).await?,
    );
    let window =
        required(&mut errors, "window_code", "窗口不存在", org::window_by_code(&mut tx, req.window_code.trim()).await?);
    let staff = match optional_text(&req.staff_no) {
        Some(no) => {
            required(&mut errors, "staff_no", format!("工号“{no}”不存在"), org::staff_by_no(&mut tx, no).await?)
        }
        None => None,
    };
    if item.as_ref().is_some_and(|i| i.deactivated_at.is_some()) {
        errors.add("item_code", "该事项已停用");
    }
    if window.as_ref().is_some_and(|w| w.deactivated_at.is_some()) {
        errors.add("window_code", "该窗口已停用");
    }
    if staff.as_ref().is_some_and(|s| s.deactivated_at.is_some()) {
        errors.add("staff_no", "该工作人员已不在岗");
    }
    let (Some(item), Some(window), Some(accepted_at), true) = (item, window, accepted_at, errors.is_empty()) else {
        return Err(AppError::invalid(errors));
    };
    let case = org::create_case(
        &mut tx,
        &NewCase {
            case_no: &case_no,
            item_id: item.id,
            window_id: window.id,
            staff_id: staff.map(|s| s.id),
            accepted_at,
            finished_at,
        },
        now,
    )
    .await?;
    audited(
        &mut tx,
        user,
        now,
        "case.create",
        format!("case:{}", case.id),
        serde_json::json!({"case_no": case_no, "item": item.code, "window": window.code}),
    )
    .await?;
    tx.commit().await?;
    Ok(case)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    #[param(value_type = Option<hcp_core::org::Code>)]
    pub window: Option<String>,
    /// 1-based page number, at most 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<i64>,
}

/// Cases, newest first.
pub async fn list(state: &AppState, user: &CurrentUser, q: &CaseQuery) -> AppResult<Vec<Case>> {
    user.require(&[Role::Admin, Role::Registrar])?;
    let mut conn = state.store().reader().await?;
    let window_id = match q.window.as_deref().filter(|w| !w.is_empty()) {
        Some(code) => Some(org::window_by_code(&mut conn, code).await?.ok_or_else(|| AppError::not_found("窗口"))?.id),
        None => None,
    };
    let (limit, offset) = Page::new(q.page, q.per_page).limit_offset()?;
    Ok(org::list_cases(&mut conn, window_id, limit, offset).await?)
}
