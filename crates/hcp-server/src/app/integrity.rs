//! The integrity review queue (DESIGN §5): flags raised by the rules, judged by a supervisor. Confirming one
//! makes the evaluation not adopted with the reason; dismissing keeps it; nothing is deleted; every decision is
//! audited. Administrators register the networks of each window's own terminals.

use hcp_core::channel::Channel;
use hcp_core::evaluation::{Adoption, AdoptionReason};
use hcp_core::integrity::{FlagReason, FlagStatus, Rule, parse_cidr};
use hcp_core::level::Level;
use hcp_core::role::Role;
pub use hcp_store::integrity::WindowNetwork;
use hcp_store::integrity::{self, Decision, FlagRow};
use hcp_store::{StoreError, audit, evaluations, ms, org};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::CurrentUser;
use super::error::{AppError, AppResult, ErrorCode};
use super::filters::blank;
use super::paging::{Page, Paged};
use super::state::AppState;
use super::stats;
use super::views::local_time;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FlagQuery {
    /// `open` (default), `confirmed`, `dismissed` or `all`.
    #[param(value_type = Option<crate::app::choices::FlagStatusFilter>)]
    pub status: Option<String>,
    /// contact_burst, client_burst, own_terminal, abusive_text, identical_comments, serial_bad_reviewer,
    /// praise_out_of_proportion
    #[param(value_type = Option<hcp_core::integrity::Rule>)]
    pub rule: Option<String>,
    /// 1-based page number, at most 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<i64>,
}

/// A flag with what the rule saw; no evaluator identity (the evidence holds ids and hashes only).
#[derive(Serialize, ToSchema)]
pub struct FlagView {
    pub id: i64,
    pub evaluation_id: i64,
    pub rule: Rule,
    pub rule_label: &'static str,
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
    pub status: FlagStatus,
    pub status_label: &'static str,
    pub created_at: String,
    pub decided_at: Option<String>,
    pub reason: Option<FlagReason>,
    pub reason_label: Option<&'static str>,
    pub note: Option<String>,
    #[schema(value_type = i64)]
    pub level: Level,
    pub level_label: &'static str,
    pub channel: Channel,
    pub channel_label: &'static str,
    /// The evaluation's adoption now.
    pub adoption: Adoption,
    pub window: Option<String>,
    pub staff: Option<String>,
}

impl FlagView {
    fn new(row: FlagRow) -> Result<Self, StoreError> {
        Ok(FlagView {
            id: row.id,
            evaluation_id: row.evaluation_id,
            rule_label: row.rule.label(),
            rule: row.rule,
            evidence: row.evidence,
            status_label: row.status.label(),
            status: row.status,
            created_at: local_time(row.created_at)?,
            decided_at: row.decided_at.map(local_time).transpose()?,
            reason_label: row.reason.map(FlagReason::label),
            reason: row.reason,
            note: row.note,
            level_label: row.level.label(),
            level: row.level,
            channel_label: row.channel.label(),
            channel: row.channel,
            adoption: row.adoption,
            window: row.window_code.zip(row.window_name).map(|(c, n)| format!("{n}（{c}）")),
            staff: row.staff_no.zip(row.staff_name).map(|(c, n)| format!("{n}（{c}）")),
        })
    }
}

/// The review queue in the caller's scope (supervisors judge; discipline inspectors read).
pub async fn list(state: &AppState, user: &CurrentUser, q: &FlagQuery) -> AppResult<Paged<FlagView>> {
    user.require(&[Role::Supervisor, Role::Discipline])?;
    let filter = filter_of(q)?;
    let page = Page::new(q.page, q.per_page).limit_offset()?;
    let mut conn = state.store().reader().await?;
    let (rows, total) = integrity::list(&mut conn, &filter, user.scope()?, page.0, page.1).await?;
    let items = rows.into_iter().map(FlagView::new).collect::<Result<_, _>>()?;
    Ok(Paged::of(items, total, page))
}

/// The status (`open` by default, `all`) and rule asked for.
pub(crate) fn filter_of(q: &FlagQuery) -> AppResult<integrity::Filter> {
    let status = match blank(q.status.as_deref()).unwrap_or("open") {
        "all" => None,
        s => Some(
            FlagStatus::from_code(s).ok_or_else(|| AppError::invalid_query("status", format!("未知的状态“{s}”")))?,
        ),
    };
    let rule = match blank(q.rule.as_deref()) {
        Some(r) => Some(Rule::from_code(r).ok_or_else(|| AppError::invalid_query("rule", format!("未知的规则“{r}”")))?),
        None => None,
    };
    Ok(integrity::Filter { status, rule })
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Judgment {
    Confirm,
    Dismiss,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagDecisionBody {
    pub decision: Judgment,
    /// Required to confirm: `fake_praise`, `malicious` or `duplicate`.
    pub reason: Option<FlagReason>,
    pub note: Option<String>,
}

/// The checked decision of a judging body: confirmed needs the kind; the note is bounded.
pub(crate) fn checked<'a>(body: &'a FlagDecisionBody, user: &CurrentUser, now_ms: i64) -> AppResult<Decision<'a>> {
    let confirm = body.decision == Judgment::Confirm;
    if confirm && body.reason.is_none() {
        return Err(AppError::invalid_field("reason", "认定须说明类型：刷好评、恶意差评或重复评价"));
    }
    let note = blank(body.note.as_deref());
    if note.is_some_and(|n| n.chars().count() > 2000) {
        return Err(AppError::invalid_field("note", "不能超过2000个字"));
    }
    let status = if confirm { FlagStatus::Confirmed } else { FlagStatus::Dismissed };
    Ok(Decision { status, reason: body.reason.filter(|_| confirm), note, by: user.user.id, at_ms: now_ms })
}

/// Applies a decision to one open flag in the transaction, audited on the flag's evaluation (with the group it
/// was decided in, if any). False when the flag was already decided.
pub(crate) async fn apply(
    tx: &mut hcp_store::AnyConnection,
    state: &AppState,
    user: &CurrentUser,
    flag: &FlagRow,
    decision: &Decision<'_>,
    group: Option<&str>,
) -> AppResult<bool> {
    if !integrity::decide(tx, flag.id, decision).await? {
        return Ok(false);
    }
    if decision.status == FlagStatus::Confirmed {
        let before = stats::of_evaluation(tx, flag.evaluation_id).await?;
        evaluations::set_adoption(
            tx,
            flag.evaluation_id,
            Adoption::NotAdopted,
            decision.reason.map(AdoptionReason::from),
        )
        .await?;
        stats::settle(tx, flag.evaluation_id, before).await?;
        integrity::settle_others(tx, flag.evaluation_id, &Decision { note: Some("同一评价已认定"), ..*decision })
            .await?;
    }
    let mut details = serde_json::json!({"flag": flag.id, "rule": flag.rule.code(),
        "reason": decision.reason.map(FlagReason::code), "note": decision.note});
    if let Some(key) = group {
        details["group"] = serde_json::json!(key);
    }
    audit::append(
        tx,
        state.now(),
        &user.actor(),
        &format!("fraud_flag.{}", decision.status.code()),
        &format!("evaluation:{}", flag.evaluation_id),
        &details,
    )
    .await?;
    Ok(true)
}

/// Judges a flag (supervisor). Confirmed: the evaluation is not adopted (with the reason) and its other open
/// flags are settled with it. Dismissed: it stays adopted.
pub async fn decide(state: &AppState, user: &CurrentUser, id: i64, body: &FlagDecisionBody) -> AppResult<FlagView> {
    user.require(&[Role::Supervisor])?;
    let decision = checked(body, user, ms(state.now()))?;
    let scope = user.scope()?;
    let mut tx = state.store().begin().await?;
    let flag = integrity::get(&mut tx, id, scope).await?.ok_or_else(|| AppError::not_found("疑似异常评价"))?;
    if !apply(&mut tx, state, user, &flag, &decision, None).await? {
        return Err(AppError::new(ErrorCode::AlreadyDecided, "该疑似异常评价已作出认定"));
    }
    tx.commit().await?;
    let row = integrity::get(&mut *state.store().reader().await?, id, scope)
        .await?
        .ok_or_else(|| AppError::internal("flag vanished"))?;
    Ok(FlagView::new(row)?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkBody {
    /// e.g. `10.20.3.0/24` (the window's PCs and tablets) or a single address.
    pub cidr: String,
    pub note: Option<String>,
}

/// Networks registered to a window's own terminals (admin).
pub async fn window_networks(state: &AppState, user: &CurrentUser, code: &str) -> AppResult<Vec<WindowNetwork>> {
    user.require(&[Role::Admin])?;
    let mut conn = state.store().reader().await?;
    let window = org::window_by_code(&mut conn, code).await?.ok_or_else(|| AppError::not_found("窗口"))?;
    Ok(integrity::list_networks(&mut conn, window.id).await?)
}

/// Registers a network of the window's own terminals: online evaluations of that window from it are flagged at
/// once (`own_terminal`).
pub async fn add_window_network(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
    body: &NetworkBody,
) -> AppResult<WindowNetwork> {
    user.require(&[Role::Admin])?;
    let (address, bits) = parse_cidr(&body.cidr)
        .ok_or_else(|| AppError::invalid_field("cidr", "应为 IP 地址或网段，例如 10.20.3.0/24"))?;
    let cidr = format!("{address}/{bits}");
    let note = body.note.as_deref().map(str::trim).unwrap_or_default();
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let window = org::window_by_code(&mut tx, code).await?.ok_or_else(|| AppError::not_found("窗口"))?;
    let id = integrity::add_network(&mut tx, window.id, &cidr, note, ms(now)).await?;
    audit::append(
        &mut tx,
        now,
        &user.actor(),
        "window.add_network",
        &format!("window:{}", window.code),
        &serde_json::json!({"cidr": cidr, "note": note}),
    )
    .await?;
    tx.commit().await?;
    Ok(WindowNetwork { id, cidr, note: note.to_owned(), created_at: ms(now) })
}
