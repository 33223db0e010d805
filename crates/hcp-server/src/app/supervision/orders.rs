//! Orders along the ladder (DESIGN §6): a supervisor issues a rectification order, notice, replacement order or
//! referral with the period's figures as evidence; the window or department head reports the rectification;
//! the supervisor assesses it with the bad-review rate before and after; discipline inspectors record the
//! outcome of a referral. Every step is audited; the addressees are told.

use hcp_core::role::Role;
use hcp_core::supervision::{
    Assessment, AssessmentMinimum, OrderKind, OrderState, TargetLevel, assessment_periods, assessment_shortfall,
};
use hcp_store::supervision::{self, NewOrder, OrderRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{figures_of, target_of};
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::filters::{blank, month, today};
use crate::app::jobs::notify::{self, Notice};
use crate::app::state::AppState;
use crate::app::views::local_time;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    /// rectification_order, notice, replacement_order, referral
    #[schema(value_type = hcp_core::supervision::OrderKind)]
    pub kind: String,
    /// staff, window, department
    #[schema(value_type = hcp_core::supervision::TargetLevel)]
    pub level: String,
    /// Staff number, window code or department code.
    #[schema(value_type = hcp_core::org::Code)]
    pub target: String,
    /// The month the concentration was found in (YYYY-MM).
    pub period: String,
    pub reason: String,
    /// Rectification orders: working days to report (default 10).
    pub working_days: Option<u32>,
    /// The order this one climbs from.
    pub previous_order_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct OrderView {
    pub id: i64,
    pub kind: OrderKind,
    pub kind_label: &'static str,
    pub level: TargetLevel,
    pub level_label: &'static str,
    pub target: String,
    pub period: String,
    pub reason: String,
    /// The figures of the period when it was issued.
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
    pub state: OrderState,
    pub state_label: &'static str,
    pub issued_at: String,
    pub due_at: Option<String>,
    pub overdue: bool,
    pub report: Option<String>,
    pub assessment: Option<Assessment>,
    pub assessment_label: Option<&'static str>,
    /// Figures of as many whole days before the order as passed between it and the assessment (`before`,
    /// `after`, `days`), and whether they were enough to judge by (`sufficient`, else `shortfall` in words).
    #[schema(value_type = Object)]
    pub assessment_evidence: Option<serde_json::Value>,
    /// Why the assessment's comparison was too thin to judge by (数据不足), in words; None when it was enough.
    pub assessment_shortfall: Option<String>,
    pub outcome: Option<String>,
    pub previous_order_id: Option<i64>,
    /// Whether the addressee can report a rectification now.
    pub reportable: bool,
    /// 责令更换: the staff member's move, made by the system administrator as the department's action.
    pub staff_move: Option<String>,
    pub staff_moved_at: Option<String>,
}

impl OrderView {
    fn new(o: OrderRow) -> AppResult<OrderView> {
        Ok(OrderView {
            id: o.id,
            kind_label: o.kind.label(),
            kind: o.kind,
            level_label: o.level.label(),
            level: o.level,
            target: o.target_name,
            period: o.period,
            reason: o.reason,
            evidence: o.evidence,
            state_label: o.state.label(),
            reportable: o.state == OrderState::Issued && o.kind.takes_report(),
            state: o.state,
            issued_at: local_time(o.issued_at)?,
            due_at: o.due_at.map(local_time).transpose()?,
            overdue: o.overdue != 0,
            report: o.report,
            assessment_label: o.assessment.map(Assessment::label),
            assessment: o.assessment,
            assessment_shortfall: o
                .assessment_evidence
                .as_ref()
                .and_then(|e| e.get("shortfall"))
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            assessment_evidence: o.assessment_evidence,
            outcome: o.outcome,
            previous_order_id: o.previous_order_id,
            staff_moved_at: o.staff_moved_at.map(local_time).transpose()?,
            staff_move: o.staff_move,
        })
    }
}

fn kind_of(text: &str) -> AppResult<OrderKind> {
    OrderKind::from_code(text.trim()).ok_or_else(|| {
        AppError::invalid_field("kind", "应为 rectification_order、notice、replacement_order 或 referral")
    })
}

fn level_of(text: &str) -> AppResult<TargetLevel> {
    TargetLevel::from_code(text.trim())
        .ok_or_else(|| AppError::invalid_field("level", "应为 staff、window 或 department"))
}

/// Issues an order (supervisor). Rectification orders carry a deadline in working days; the figures of the
/// period are attached as evidence; the heads of what it is addressed to are told.
pub async fn issue(state: &AppState, user: &CurrentUser, body: &IssueBody) -> AppResult<OrderView> {
    user.require(&[Role::Supervisor])?;
    let kind = kind_of(&body.kind)?;
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(AppError::invalid_field("reason", "请填写1至2000字的理由"));
    }
    let (first, last) =
        month(&body.period, "period").map_err(|_| AppError::invalid_field("period", "应为 YYYY-MM 格式的月份"))?;
    let level = level_of(&body.level)?;
    let target = target_of(state, level, body.target.trim()).await?;
    if let Some(path) = user.org_path()
        && !hcp_core::org::path_contains(path, &target.org_path)
    {
        return Err(AppError::invalid_field("target", "对象不在您的管辖范围内"));
    }
    let evidence = figures_of(state, &target.scope, first, last).await?;
    let now = state.now();
    let due = (kind == OrderKind::RectificationOrder)
        .then(|| state.calendar().deadline(now, body.working_days.unwrap_or(10).clamp(1, 60)).at);
    let period = first.format("%Y-%m").to_string();
    let mut tx = state.store().begin().await?;
    let order = NewOrder {
        kind,
        level,
        org_path: &target.org_path,
        department_id: target.department_id,
        window_id: target.window_id,
        staff_id: target.staff_id,
        target_name: &target.name,
        period: &period,
        reason,
        evidence: &evidence,
        issued_by: user.user.id,
        issued_at_ms: hcp_store::ms(now),
        due_at_ms: due.map(hcp_store::ms),
        previous_order_id: body.previous_order_id,
    };
    let id = supervision::insert(&mut tx, &order).await?;
    hcp_store::audit::append(
        &mut tx,
        now,
        &user.actor(),
        "supervision.issue",
        &format!("order:{id}"),
        &serde_json::json!({"kind": kind.code(), "target": target.name, "period": period, "evidence": evidence}),
    )
    .await?;
    let to = hcp_store::users::responsible(&mut tx, target.department_id, target.window_id, None).await?;
    let label = kind.label();
    let notice = Notice {
        subject: format!("督办：{label}（{}）", target.name),
        body: format!("政务服务局就{} {period} 月差评集中情况下发{label}：{reason}", target.name),
        ticket_id: None,
        order_id: Some(id),
    };
    notify::users(&mut tx, &state.rules().notify, &to, &notice, hcp_store::ms(now)).await?;
    tx.commit().await?;
    state.wake_delivery();
    get(state, user, id).await
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrdersQuery {
    /// rectification_order, notice, replacement_order, referral
    #[param(value_type = Option<hcp_core::supervision::OrderKind>)]
    pub kind: Option<String>,
    /// issued, reported, assessed, concluded
    #[param(value_type = Option<hcp_core::supervision::OrderState>)]
    pub state: Option<String>,
}

/// Orders in the caller's scope, newest first; discipline inspectors see referrals only.
pub async fn list(state: &AppState, user: &CurrentUser, q: &OrdersQuery) -> AppResult<Vec<OrderView>> {
    user.require(&[Role::Supervisor, Role::Discipline, Role::DeptHead, Role::WindowHead])?;
    let kind = match blank(q.kind.as_deref()) {
        Some(k) => Some(
            OrderKind::from_code(k).ok_or_else(|| AppError::invalid_query("kind", format!("未知的督办类型“{k}”")))?,
        ),
        None => None,
    };
    let order_state = match blank(q.state.as_deref()) {
        Some(s) => Some(
            OrderState::from_code(s).ok_or_else(|| AppError::invalid_query("state", format!("未知的督办状态“{s}”")))?,
        ),
        None => None,
    };
    let kind = if user.role == Role::Discipline { Some(OrderKind::Referral) } else { kind };
    let rows = supervision::list(&mut *state.store().reader().await?, user.scope()?, kind, order_state).await?;
    rows.into_iter().map(OrderView::new).collect()
}

/// One order in the caller's scope.
pub async fn get(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<OrderView> {
    let row = supervision::get(&mut *state.store().reader().await?, id, user.scope()?)
        .await?
        .ok_or_else(|| AppError::not_found("督办事项"))?;
    OrderView::new(row)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    pub report: String,
}

/// The head's rectification report (window head or department head of the target).
pub async fn report(state: &AppState, user: &CurrentUser, id: i64, body: &ReportBody) -> AppResult<OrderView> {
    user.require(&[Role::WindowHead, Role::DeptHead])?;
    let text = body.report.trim();
    if text.is_empty() || text.chars().count() > 4000 {
        return Err(AppError::invalid_field("report", "请填写1至4000字的整改报告"));
    }
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let order = supervision::get(&mut tx, id, user.scope()?).await?.ok_or_else(|| AppError::not_found("督办事项"))?;
    if !order.kind.takes_report() {
        return Err(AppError::new(ErrorCode::InvalidTransition, "通报和移送事项无需提交整改报告"));
    }
    if !supervision::report(&mut tx, id, text, user.user.id, hcp_store::ms(now)).await? {
        return Err(AppError::new(ErrorCode::InvalidTransition, "该督办事项已提交过整改报告"));
    }
    hcp_store::audit::append(
        &mut tx,
        now,
        &user.actor(),
        "supervision.report",
        &format!("order:{id}"),
        &serde_json::json!({"report": text}),
    )
    .await?;
    tx.commit().await?;
    get(state, user, id).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessBody {
    /// effective or ineffective
    pub assessment: String,
}

/// Assesses a reported order (supervisor). The bad-review rates of the whole days since the order and of as many
/// days before it are attached as evidence, marked 数据不足 when there are too few days or reviews to judge by.
pub async fn assess(state: &AppState, user: &CurrentUser, id: i64, body: &AssessBody) -> AppResult<OrderView> {
    user.require(&[Role::Supervisor])?;
    let assessment = Assessment::from_code(body.assessment.trim())
        .ok_or_else(|| AppError::invalid_field("assessment", "应为 effective（整改有效）或 ineffective（整改无效）"))?;
    let order = supervision::get(&mut *state.store().reader().await?, id, user.scope()?)
        .await?
        .ok_or_else(|| AppError::not_found("督办事项"))?;
    let target = target_of(state, order.level, &target_code(state, &order).await?).await?;
    let now = state.now();
    let issued = hcp_store::from_ms(order.issued_at)?.with_timezone(&hcp_core::clock::shanghai()).date_naive();
    // Like periods (the same number of days before and after the order), not the month of the order against the
    // days since; too few days or reviews are stated with the evidence rather than hidden behind a rate.
    let periods = assessment_periods(issued, today(state));
    let before = figures_of(state, &target.scope, periods.before.0, periods.before.1).await?;
    let after = figures_of(state, &target.scope, periods.after.0, periods.after.1).await?;
    let adopted = |figures: &serde_json::Value| figures["adopted"].as_i64().unwrap_or(0);
    let shortfall = assessment_shortfall(&periods, adopted(&before), adopted(&after), &AssessmentMinimum::default());
    let evidence = serde_json::json!({"before": before, "after": after, "days": periods.days,
        "sufficient": shortfall.is_none(), "shortfall": shortfall});
    let mut tx = state.store().begin().await?;
    if !supervision::assess(&mut tx, id, assessment, &evidence, user.user.id, hcp_store::ms(now)).await? {
        return Err(AppError::new(ErrorCode::InvalidTransition, "只能评估已提交整改报告的督办事项"));
    }
    hcp_store::audit::append(
        &mut tx,
        now,
        &user.actor(),
        "supervision.assess",
        &format!("order:{id}"),
        &serde_json::json!({"assessment": assessment.code(), "evidence": evidence}),
    )
    .await?;
    tx.commit().await?;
    get(state, user, id).await
}

/// The code an order in the caller's scope names its target by, for the next order of the ladder.
pub async fn target_code_of(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<String> {
    let order = supervision::get(&mut *state.store().reader().await?, id, user.scope()?)
        .await?
        .ok_or_else(|| AppError::not_found("督办事项"))?;
    target_code(state, &order).await
}

/// The code the order's target is known by (its staff number, window code or department code).
async fn target_code(state: &AppState, order: &OrderRow) -> AppResult<String> {
    let mut conn = state.store().reader().await?;
    let gone = || AppError::internal("order target vanished");
    Ok(match order.level {
        TargetLevel::Staff => {
            hcp_store::org::staff_by_id(&mut conn, order.staff_id.ok_or_else(gone)?).await?.ok_or_else(gone)?.staff_no
        }
        TargetLevel::Window => {
            hcp_store::org::window_by_id(&mut conn, order.window_id.ok_or_else(gone)?).await?.ok_or_else(gone)?.code
        }
        TargetLevel::Department => {
            hcp_store::org::department_by_id(&mut conn, order.department_id.ok_or_else(gone)?)
                .await?
                .ok_or_else(gone)?
                .code
        }
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeBody {
    pub outcome: String,
}

/// Discipline inspectors record the outcome of a referral.
pub async fn conclude(state: &AppState, user: &CurrentUser, id: i64, body: &OutcomeBody) -> AppResult<OrderView> {
    user.require(&[Role::Discipline])?;
    let text = body.outcome.trim();
    if text.is_empty() || text.chars().count() > 4000 {
        return Err(AppError::invalid_field("outcome", "请填写1至4000字的处理结果"));
    }
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let order = supervision::get(&mut tx, id, user.scope()?).await?.ok_or_else(|| AppError::not_found("督办事项"))?;
    if order.kind != OrderKind::Referral {
        return Err(AppError::not_found("督办事项"));
    }
    if !supervision::conclude(&mut tx, id, text, user.user.id, hcp_store::ms(now)).await? {
        return Err(AppError::new(ErrorCode::InvalidTransition, "该移送事项已记录处理结果"));
    }
    hcp_store::audit::append(
        &mut tx,
        now,
        &user.actor(),
        "supervision.outcome",
        &format!("order:{id}"),
        &serde_json::json!({"outcome": text}),
    )
    .await?;
    tx.commit().await?;
    get(state, user, id).await
}

/// A target an order can be addressed to, for the issue form's choices.
pub struct TargetChoice {
    pub level: TargetLevel,
    /// What the form's target field takes: staff number, window code or department code.
    pub code: String,
    /// "李强 · 市场主体登记窗口", the window's or department's name.
    pub name: String,
}

/// The staff, windows and departments in the supervisor's scope, by level and code: the issue form offers their
/// real codes instead of made-up examples.
pub async fn target_choices(state: &AppState, user: &CurrentUser) -> AppResult<Vec<TargetChoice>> {
    user.require(&[Role::Supervisor])?;
    let org = crate::app::org::Organisation::load(state).await?;
    let in_scope = |department_id: i64| {
        let unit = org.department(department_id).and_then(|d| org.unit(d.org_unit_id));
        match (user.org_path(), unit) {
            (Some(path), Some(unit)) => hcp_core::org::path_contains(path, &unit.path),
            (None, _) => true,
            (Some(_), None) => false,
        }
    };
    let mut choices = Vec::new();
    for s in &org.staff {
        if let Some(w) = s.window_id.and_then(|id| org.window(id)).filter(|w| in_scope(w.department_id)) {
            let name = format!("{} · {}", s.name, w.name);
            choices.push(TargetChoice { level: TargetLevel::Staff, code: s.staff_no.clone(), name });
        }
    }
    for w in org.windows.iter().filter(|w| in_scope(w.department_id)) {
        choices.push(TargetChoice { level: TargetLevel::Window, code: w.code.clone(), name: w.name.clone() });
    }
    for d in org.departments.iter().filter(|d| in_scope(d.id)) {
        choices.push(TargetChoice { level: TargetLevel::Department, code: d.code.clone(), name: d.name.clone() });
    }
    choices.sort_by(|a, b| (a.level, &a.code).cmp(&(b.level, &b.code)));
    Ok(choices)
}
