//! Evaluations in the caller's scope: the list and one evaluation (evaluator identity masked per role, hidden
//! from the evaluated side), and the audited reveal of an evaluator's contact.

use hcp_core::channel::Channel;
use hcp_core::evaluation::EvaluatorKind;
use hcp_core::level::Level;
use hcp_core::role::Role;
use hcp_store::{evaluations, org};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::CurrentUser;
use super::error::{AppError, AppResult};
use super::filters::{blank, bound, org_subtree};
use super::paging::{Page, Paged};
use super::state::AppState;
use super::views::EvaluationView;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Org unit code: that unit and everything below it (within your own scope).
    #[param(value_type = Option<hcp_core::org::Code>)]
    pub org: Option<String>,
    /// First day (YYYY-MM-DD, UTC+8) or instant (RFC 3339), inclusive.
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD, inclusive) or instant (RFC 3339, exclusive).
    pub to: Option<String>,
    #[param(value_type = Option<hcp_core::level::Level>)]
    pub level: Option<i64>,
    #[param(value_type = Option<hcp_core::channel::Channel>)]
    pub channel: Option<String>,
    #[param(value_type = Option<hcp_core::org::Code>)]
    pub window: Option<String>,
    #[param(value_type = Option<hcp_core::org::Code>)]
    pub staff_no: Option<String>,
    /// 1-based page number, at most 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<i64>,
}

/// Evaluations in the caller's scope, newest first, filtered and paged.
pub async fn list(state: &AppState, user: &CurrentUser, q: &ListQuery) -> AppResult<Paged<EvaluationView>> {
    user.require_reader()?;
    let scope = user.scope()?;
    let mut conn = state.store().reader().await?;
    let window_id = match blank(q.window.as_deref()) {
        Some(code) => Some(org::window_by_code(&mut conn, code).await?.ok_or_else(|| AppError::not_found("窗口"))?.id),
        None => None,
    };
    let staff_id = match blank(q.staff_no.as_deref()) {
        Some(no) => Some(org::staff_by_no(&mut conn, no).await?.ok_or_else(|| AppError::not_found("工作人员"))?.id),
        None => None,
    };
    drop(conn);
    let filter = evaluations::Filter {
        org_path: org_subtree(state, q.org.as_deref(), scope).await?,
        from_ms: bound(q.from.as_deref(), "from", false)?,
        to_ms: bound(q.to.as_deref(), "to", true)?,
        level: match q.level {
            Some(code) => {
                Some(Level::from_code(code).ok_or_else(|| AppError::invalid_query("level", "level 应为1至5"))?)
            }
            None => None,
        },
        channel: match blank(q.channel.as_deref()) {
            Some(code) => Some(
                Channel::from_code(code)
                    .ok_or_else(|| AppError::invalid_query("channel", format!("未知的评价渠道“{code}”")))?,
            ),
            None => None,
        },
        window_id,
        staff_id,
    };
    let page = Page::new(q.page, q.per_page).limit_offset()?;
    let mut conn = state.store().reader().await?;
    let (rows, total) = evaluations::list(&mut conn, &filter, scope, page.0, page.1).await?;
    let items =
        rows.into_iter().map(|row| EvaluationView::new(row, user.role, state.key())).collect::<Result<_, _>>()?;
    Ok(Paged::of(items, total, page))
}

/// One evaluation in the caller's scope, masked for the caller's role.
pub async fn get(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<EvaluationView> {
    user.require_reader()?;
    let mut conn = state.store().reader().await?;
    let row = evaluations::get(&mut conn, id, Some(user.scope()?)).await?.ok_or_else(|| AppError::not_found("评价"))?;
    Ok(EvaluationView::new(row, user.role, state.key())?)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealBody {
    /// Why the contact is needed (at least 4 characters), kept in the audit log.
    pub reason: Option<String>,
}

/// The evaluator's contact in clear: only in this answer, never stored elsewhere.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevealedContact {
    pub evaluation_id: i64,
    /// Null for an anonymous evaluation (then nothing else is known).
    pub kind: Option<EvaluatorKind>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub id_no: Option<String>,
}

/// Shortest reason accepted for a reveal: a word or two, not a single key press.
pub const REVEAL_REASON_MIN: usize = 4;

/// Reveals an evaluation's evaluator contact to a supervisor in scope, with the stated reason written to the
/// audit log in the same transaction (DESIGN §7: revealing needs a permission and a reason, and is audited).
pub async fn reveal(state: &AppState, user: &CurrentUser, id: i64, body: &RevealBody) -> AppResult<RevealedContact> {
    user.require(&[Role::Supervisor])?;
    let reason = body.reason.as_deref().map(str::trim).unwrap_or_default();
    if !(REVEAL_REASON_MIN..=500).contains(&reason.chars().count()) {
        return Err(AppError::invalid_field("reason", "请说明查看联系方式的理由（4至500字）"));
    }
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let row = evaluations::get(&mut tx, id, Some(user.scope()?)).await?.ok_or_else(|| AppError::not_found("评价"))?;
    let key_id = row.key_id.clone().unwrap_or_default();
    let open = |value: &Option<Vec<u8>>, context: &str| -> AppResult<Option<String>> {
        value.as_ref().map(|data| state.key().decrypt(&key_id, data, context).map_err(AppError::internal)).transpose()
    };
    let contact = RevealedContact {
        evaluation_id: row.id,
        kind: row.evaluator_kind,
        name: open(&row.evaluator_name, "evaluator.name")?,
        phone: open(&row.evaluator_phone, "evaluator.phone")?,
        id_no: open(&row.evaluator_id_no, "evaluator.id_no")?,
    };
    let fields: Vec<&str> = [("name", &contact.name), ("phone", &contact.phone), ("id_no", &contact.id_no)]
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .map(|(k, _)| k)
        .collect();
    hcp_store::audit::append(
        &mut tx,
        now,
        &user.actor(),
        "evaluation.reveal_contact",
        &format!("evaluation:{id}"),
        &serde_json::json!({"reason": reason, "fields": fields}),
    )
    .await?;
    tx.commit().await?;
    Ok(contact)
}
