//! The integrity review queue (DESIGN §5): flags raised by the rules, judged by a supervisor. Confirming one
//! makes the evaluation not adopted with the reason; dismissing keeps it; nothing is deleted; every decision is
//! audited. Administrators register the networks of each window's own terminals.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use hcp_core::integrity::{FlagReason, Rule, parse_cidr};
use hcp_core::role::Role;
use hcp_store::integrity::{self, Decision, FlagRow, WindowNetwork};
use hcp_store::{audit, evaluations, ms, org};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Page;
use crate::api::extract::{ApiJson, ApiQuery};
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::state::AppState;
use crate::app::views::{Paged, local_time};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/fraud-flags", get(list))
        .route("/fraud-flags/{id}/decision", post(decide))
        .route("/admin/windows/{code}/networks", get(networks).post(add_network))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct FlagQuery {
    /// `open` (default), `confirmed`, `dismissed` or `all`.
    pub status: Option<String>,
    /// contact_burst, client_burst, own_terminal, abusive_text
    pub rule: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// A flag with what the rule saw; no evaluator identity (the evidence holds ids and hashes only).
#[derive(Serialize, ToSchema)]
pub struct FlagView {
    pub id: i64,
    pub evaluation_id: i64,
    pub rule: String,
    pub rule_label: String,
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
    pub status: String,
    pub created_at: String,
    pub decided_at: Option<String>,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub level: i64,
    pub channel: String,
    /// The evaluation's adoption now (`adopted` / `not_adopted`).
    pub adoption: String,
    pub window: Option<String>,
    pub staff: Option<String>,
}

impl From<FlagRow> for FlagView {
    fn from(row: FlagRow) -> Self {
        FlagView {
            id: row.id,
            evaluation_id: row.evaluation_id,
            rule_label: Rule::parse(&row.rule).map(|r| r.label().to_owned()).unwrap_or_default(),
            rule: row.rule,
            evidence: serde_json::from_str(&row.evidence).unwrap_or_default(),
            status: row.status,
            created_at: local_time(row.created_at),
            decided_at: row.decided_at.map(local_time),
            reason: row.reason,
            note: row.note,
            level: row.level,
            channel: row.channel,
            adoption: row.adoption,
            window: row.window_code.zip(row.window_name).map(|(c, n)| format!("{n}（{c}）")),
            staff: row.staff_no.zip(row.staff_name).map(|(c, n)| format!("{n}（{c}）")),
        }
    }
}

/// The review queue in the caller's scope (supervisors judge; discipline inspectors read).
#[utoipa::path(get, path = "/api/v1/fraud-flags", tag = "integrity", params(FlagQuery),
    responses((status = 200, body = Paged<FlagView>), (status = 403, body = crate::api::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<FlagQuery>,
) -> AppResult<Json<Paged<FlagView>>> {
    user.require(&[Role::Supervisor, Role::Discipline])?;
    let status = match q.status.as_deref().map(str::trim).unwrap_or("open") {
        "all" => None,
        s @ ("open" | "confirmed" | "dismissed") => Some(s.to_owned()),
        other => return Err(AppError::new(ErrorCode::InvalidQuery, format!("未知的状态“{other}”"))),
    };
    let rule = match q.rule.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => {
            Some(Rule::parse(r).ok_or_else(|| AppError::new(ErrorCode::InvalidQuery, format!("未知的规则“{r}”")))?)
        }
        None => None,
    };
    let filter = integrity::Filter { status, rule: rule.map(|r| r.code().to_owned()) };
    let (limit, offset) = Page { page: q.page, per_page: q.per_page }.limit_offset();
    let mut conn = state.store().reader().await?;
    let (rows, total) = integrity::list(&mut conn, &filter, user.scope()?, limit, offset).await?;
    Ok(Json(Paged {
        items: rows.into_iter().map(FlagView::from).collect(),
        total,
        page: offset / limit + 1,
        per_page: limit,
    }))
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Judgment {
    Confirm,
    Dismiss,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    pub decision: Judgment,
    /// Required to confirm: `fake_praise`, `malicious` or `duplicate`.
    pub reason: Option<FlagReason>,
    pub note: Option<String>,
}

/// Judge a flag (supervisor). Confirmed: the evaluation is not adopted (with the reason) and its other open
/// flags are settled with it. Dismissed: it stays adopted.
#[utoipa::path(post, path = "/api/v1/fraud-flags/{id}/decision", tag = "integrity", params(("id" = i64, Path)),
    request_body = DecisionBody, responses((status = 200, body = FlagView),
        (status = 409, body = crate::api::error::ErrorBody, description = "already_decided"),
        (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> AppResult<Json<FlagView>> {
    user.require(&[Role::Supervisor])?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found("疑似异常评价"))?;
    if body.decision == Judgment::Confirm && body.reason.is_none() {
        return Err(AppError::invalid_field(
            "reason",
            "认定须说明类型：刷好评（fake_praise）、恶意差评（malicious）或重复评价（duplicate）",
        ));
    }
    let note = body.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 2000) {
        return Err(AppError::invalid_field("note", "不能超过2000个字"));
    }
    let scope = user.scope()?;
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let flag = integrity::get(&mut tx, id, scope).await?.ok_or_else(|| AppError::not_found("疑似异常评价"))?;
    let reason = body.reason.filter(|_| body.decision == Judgment::Confirm).map(FlagReason::code);
    let status = if body.decision == Judgment::Confirm { "confirmed" } else { "dismissed" };
    let decision = Decision { status, reason, note, by: user.user.id, at_ms: ms(now) };
    if !integrity::decide(&mut tx, id, &decision).await? {
        return Err(AppError::new(ErrorCode::AlreadyDecided, "该疑似异常评价已作出认定"));
    }
    if body.decision == Judgment::Confirm {
        let before = crate::app::stats::of_evaluation(&mut tx, flag.evaluation_id).await?;
        evaluations::set_adoption(&mut tx, flag.evaluation_id, "not_adopted", reason).await?;
        crate::app::stats::settle(&mut tx, flag.evaluation_id, before).await?;
        integrity::settle_others(&mut tx, flag.evaluation_id, &Decision { note: Some("同一评价已认定"), ..decision })
            .await?;
    }
    audit::append(
        &mut tx,
        now,
        &user.actor(),
        &format!("fraud_flag.{status}"),
        &format!("evaluation:{}", flag.evaluation_id),
        &serde_json::json!({"flag": id, "rule": flag.rule, "reason": reason, "note": note}),
    )
    .await?;
    tx.commit().await?;
    let row = integrity::get(&mut *state.store().reader().await?, id, scope)
        .await?
        .ok_or_else(|| AppError::internal("flag vanished"))?;
    Ok(Json(FlagView::from(row)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkBody {
    /// e.g. `10.20.3.0/24` (the window's PCs and tablets) or a single address.
    pub cidr: String,
    pub note: Option<String>,
}

/// Networks registered to a window's own terminals (admin).
#[utoipa::path(get, path = "/api/v1/admin/windows/{code}/networks", tag = "admin", params(("code" = String, Path)),
    responses((status = 200, body = Vec<WindowNetwork>)))]
pub async fn networks(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> AppResult<Json<Vec<WindowNetwork>>> {
    Ok(Json(window_networks(&state, &user, &code).await?))
}

/// The logic of `GET /admin/windows/{code}/networks`, shared with the admin pages.
pub async fn window_networks(state: &AppState, user: &CurrentUser, code: &str) -> AppResult<Vec<WindowNetwork>> {
    user.require(&[Role::Admin])?;
    let mut conn = state.store().reader().await?;
    let window = org::window_by_code(&mut conn, code).await?.ok_or_else(|| AppError::not_found("窗口"))?;
    Ok(integrity::list_networks(&mut conn, window.id).await?)
}

/// Register a network of the window's own terminals: online evaluations of that window from it are flagged at
/// once (`own_terminal`).
#[utoipa::path(post, path = "/api/v1/admin/windows/{code}/networks", tag = "admin", params(("code" = String, Path)),
    request_body = NetworkBody, responses((status = 201, body = WindowNetwork), (status = 409, body = crate::api::error::ErrorBody),
        (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn add_network(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<NetworkBody>,
) -> AppResult<(StatusCode, Json<WindowNetwork>)> {
    Ok((StatusCode::CREATED, Json(add_window_network(&state, &user, &code, &body).await?)))
}

/// The logic of `POST /admin/windows/{code}/networks`, shared with the admin pages.
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
