//! Supervision (DESIGN §6): where adopted bad reviews concentrate over a period — per staff member, window and
//! department — against the configured thresholds, read from the statistics aggregate.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{Datelike, Months, NaiveDate};
use hcp_core::clock::shanghai;
use hcp_core::role::Role;
use hcp_core::stats::{C, Rates};
use hcp_core::supervision::{Crossing, Thresholds, crossing};
use hcp_store::stats::{self, Filter, GroupBy};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::stats::names;
use crate::api::extract::ApiQuery;
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/supervision/concentrations", get(concentrations))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PeriodQuery {
    /// A natural month, YYYY-MM (default: last month).
    pub period: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Concentration {
    /// `staff`, `window` or `department`.
    pub level: String,
    pub key: String,
    pub name: String,
    pub adopted: i64,
    pub bad_reviews: i64,
    pub bad_rate: Option<f64>,
    pub crossing: Crossing,
}

#[derive(Serialize, ToSchema)]
pub struct ConcentrationsView {
    pub period: String,
    #[schema(value_type = Object)]
    pub thresholds: Thresholds,
    pub items: Vec<Concentration>,
}

/// The staff, windows and departments whose adopted bad reviews in the month crossed the thresholds (count, or
/// rate once there are enough evaluations), worst first. Supervisors and discipline inspectors, in scope.
#[utoipa::path(get, path = "/api/v1/supervision/concentrations", tag = "supervision", params(PeriodQuery),
    responses((status = 200, body = ConcentrationsView), (status = 400, body = crate::api::error::ErrorBody)))]
pub async fn concentrations(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> AppResult<Json<ConcentrationsView>> {
    user.require(&[Role::Supervisor, Role::Discipline, Role::DeptHead])?;
    let today = state.now().with_timezone(&shanghai()).date_naive();
    let this_month = today.with_day(1).unwrap_or(today);
    let first = match q.period.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => this_month.checked_sub_months(Months::new(1)).unwrap_or(this_month),
        Some(p) => NaiveDate::parse_from_str(&format!("{p}-01"), "%Y-%m-%d")
            .map_err(|_| AppError::new(ErrorCode::InvalidQuery, "period 应为 YYYY-MM 格式的月份"))?,
    };
    let last = first.checked_add_months(Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(first);
    let thresholds = state.tunables().supervision;
    let filter = Filter { org_path: None, from_day: Some(first.to_string()), to_day: Some(last.to_string()) };
    let mut items = Vec::new();
    for (level, group_by) in
        [("staff", GroupBy::Staff), ("window", GroupBy::Window), ("department", GroupBy::Department)]
    {
        let rows = stats::query(&mut *state.store().reader().await?, &filter, Some(user.scope()?), group_by).await?;
        let labels = names(&state, group_by).await?;
        for (key, c) in rows {
            if group_by == GroupBy::Staff && key == "0" {
                continue;
            }
            if let Some(crossing) = crossing(&c, &thresholds) {
                items.push(Concentration {
                    level: level.to_owned(),
                    name: labels.get(&key).cloned().unwrap_or_else(|| key.clone()),
                    key,
                    adopted: c.get(C::Adopted),
                    bad_reviews: c.get(C::Level1) + c.get(C::Level2),
                    bad_rate: Rates::of(&c).bad_rate,
                    crossing,
                });
            }
        }
    }
    items.sort_by(|a, b| b.bad_reviews.cmp(&a.bad_reviews).then(a.level.cmp(&b.level)).then(a.key.cmp(&b.key)));
    Ok(Json(ConcentrationsView { period: first.format("%Y-%m").to_string(), thresholds, items }))
}

/// Orders along the ladder (DESIGN §6).
pub fn orders_router() -> Router<AppState> {
    use axum::routing::post;
    Router::new()
        .route("/supervision/orders", get(list_orders).post(issue))
        .route("/supervision/orders/{id}/report", post(report))
        .route("/supervision/orders/{id}/assess", post(assess))
        .route("/supervision/orders/{id}/outcome", post(outcome))
}

/// The ladder of orders (DESIGN §6), code and label.
pub const KINDS: [(&str, &str); 4] = [
    ("rectification_order", "整改通知"),
    ("notice", "通报"),
    ("replacement_order", "责令更换窗口人员"),
    ("referral", "移送纪检监察"),
];

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    /// rectification_order, notice, replacement_order, referral
    pub kind: String,
    /// staff, window, department
    pub level: String,
    /// Staff number, window code or department code.
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
    pub kind: String,
    pub kind_label: String,
    pub level: String,
    pub target: String,
    pub period: String,
    pub reason: String,
    /// The figures of the period when it was issued.
    #[schema(value_type = Object)]
    pub evidence: serde_json::Value,
    /// issued, reported, assessed, concluded
    pub state: String,
    pub issued_at: String,
    pub due_at: Option<String>,
    pub overdue: bool,
    pub report: Option<String>,
    /// effective or ineffective.
    pub assessment: Option<String>,
    /// Bad-review rate before (the period) and after (from the order to the assessment).
    #[schema(value_type = Object)]
    pub assessment_evidence: Option<serde_json::Value>,
    pub outcome: Option<String>,
    pub previous_order_id: Option<i64>,
}

impl From<hcp_store::supervision::OrderRow> for OrderView {
    fn from(o: hcp_store::supervision::OrderRow) -> Self {
        use crate::app::views::local_time;
        OrderView {
            id: o.id,
            kind_label: KINDS.iter().find(|(k, _)| *k == o.kind).map(|(_, l)| l.to_string()).unwrap_or_default(),
            kind: o.kind,
            level: o.level,
            target: o.target_name,
            period: o.period,
            reason: o.reason,
            evidence: serde_json::from_str(&o.evidence).unwrap_or_default(),
            state: o.state,
            issued_at: local_time(o.issued_at),
            due_at: o.due_at.map(local_time),
            overdue: o.overdue != 0,
            report: o.report,
            assessment: o.assessment,
            assessment_evidence: o.assessment_evidence.and_then(|e| serde_json::from_str(&e).ok()),
            outcome: o.outcome,
            previous_order_id: o.previous_order_id,
        }
    }
}

/// The target's figures between two days, as evidence.
async fn figures_of(
    state: &AppState,
    target: &hcp_core::role::Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<serde_json::Value> {
    let filter = Filter { org_path: None, from_day: Some(from.to_string()), to_day: Some(to.to_string()) };
    let rows = stats::query(&mut *state.store().reader().await?, &filter, Some(target), GroupBy::None).await?;
    let c = rows.into_iter().next().map(|(_, c)| c).unwrap_or_default();
    Ok(serde_json::json!({"from": from.to_string(), "to": to.to_string(), "adopted": c.get(C::Adopted),
        "bad_reviews": c.get(C::Level1) + c.get(C::Level2), "bad_rate": Rates::of(&c).bad_rate}))
}

/// Resolves a target to (scope for its figures, org path, department, window, staff, name).
async fn target_of(
    state: &AppState,
    level: &str,
    code: &str,
) -> AppResult<(hcp_core::role::Scope, String, Option<i64>, Option<i64>, Option<i64>, String)> {
    use hcp_core::role::Scope;
    use hcp_store::org;
    let mut conn = state.store().reader().await?;
    let missing = || AppError::invalid_field("target", format!("对象“{code}”不存在"));
    match level {
        "staff" => {
            let s = org::staff_by_no(&mut conn, code).await?.ok_or_else(missing)?;
            let window = s.window_id.ok_or_else(|| AppError::invalid_field("target", "该工作人员不在任何窗口"))?;
            let place = org::placement(&mut conn, window).await?.ok_or_else(missing)?;
            let name = format!("{}（{}）", s.name, s.staff_no);
            let scope = Scope::Staff { id: s.id, staff_no: s.staff_no, name: s.name };
            Ok((scope, place.org_path, Some(place.department_id), Some(window), Some(s.id), name))
        }
        "window" => {
            let w = org::window_by_code(&mut conn, code).await?.ok_or_else(missing)?;
            let place = org::placement(&mut conn, w.id).await?.ok_or_else(missing)?;
            let name = format!("{}（{}）", w.name, w.code);
            let scope = Scope::Window { id: w.id, code: w.code, name: w.name };
            Ok((scope, place.org_path, Some(place.department_id), Some(place.window_id), None, name))
        }
        "department" => {
            let d = org::department_by_code(&mut conn, code).await?.ok_or_else(missing)?;
            let unit = org::org_unit_by_id(&mut conn, d.org_unit_id).await?.ok_or_else(missing)?;
            let name = d.name.clone();
            let scope = Scope::Department { id: d.id, code: d.code, name: d.name };
            Ok((scope, unit.path, Some(d.id), None, None, name))
        }
        _ => Err(AppError::invalid_field("level", "应为 staff、window 或 department")),
    }
}

/// Issue an order (supervisor). Rectification orders carry a deadline in working days; the figures of the
/// period are attached as evidence.
#[utoipa::path(post, path = "/api/v1/supervision/orders", tag = "supervision", request_body = IssueBody,
    responses((status = 201, body = OrderView), (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn issue(
    State(state): State<AppState>,
    user: CurrentUser,
    crate::api::extract::ApiJson(body): crate::api::extract::ApiJson<IssueBody>,
) -> AppResult<(axum::http::StatusCode, Json<OrderView>)> {
    user.require(&[Role::Supervisor])?;
    if !KINDS.iter().any(|(k, _)| *k == body.kind) {
        return Err(AppError::invalid_field("kind", "应为 rectification_order、notice、replacement_order 或 referral"));
    }
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(AppError::invalid_field("reason", "请填写1至2000字的理由"));
    }
    let first = NaiveDate::parse_from_str(&format!("{}-01", body.period.trim()), "%Y-%m-%d")
        .map_err(|_| AppError::invalid_field("period", "应为 YYYY-MM 格式的月份"))?;
    let last = first.checked_add_months(Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(first);
    let (target_scope, org_path, department_id, window_id, staff_id, name) =
        target_of(&state, body.level.trim(), body.target.trim()).await?;
    if let hcp_core::role::Scope::OrgUnit { path, .. } = user.scope()?
        && !hcp_core::org::path_contains(path, &org_path)
    {
        return Err(AppError::invalid_field("target", "对象不在您的管辖范围内"));
    }
    let evidence = figures_of(&state, &target_scope, first, last).await?;
    let now = state.now();
    let due = (body.kind == "rectification_order")
        .then(|| state.calendar().deadline(now, body.working_days.unwrap_or(10).clamp(1, 60)).at);
    let mut tx = state.store().begin().await?;
    let order = hcp_store::supervision::NewOrder {
        kind: &body.kind,
        level: body.level.trim(),
        org_path: &org_path,
        department_id,
        window_id,
        staff_id,
        target_name: &name,
        period: &first.format("%Y-%m").to_string(),
        reason,
        evidence: &evidence,
        issued_by: user.user.id,
        issued_at_ms: hcp_store::ms(now),
        due_at_ms: due.map(hcp_store::ms),
        previous_order_id: body.previous_order_id,
    };
    let id = hcp_store::supervision::insert(&mut tx, &order).await?;
    hcp_store::audit::append(
        &mut tx,
        now,
        &user.actor(),
        "supervision.issue",
        &format!("order:{id}"),
        &serde_json::json!({"kind": body.kind, "target": name, "period": order.period, "evidence": evidence}),
    )
    .await?;
    // The heads of what the order is addressed to are told.
    let to = hcp_store::users::responsible(&mut tx, department_id, window_id, None).await?;
    let label = KINDS.iter().find(|(k, _)| *k == body.kind).map(|(_, l)| *l).unwrap_or_default();
    let notice = crate::app::notify::Notice {
        subject: format!("督办：{label}（{name}）"),
        body: format!("政务服务局就{} {} 月差评集中情况下发{label}：{reason}", name, order.period),
        ticket_id: None,
    };
    crate::app::notify::users(&mut tx, &state.rules().notify, &to, &notice, hcp_store::ms(now)).await?;
    tx.commit().await?;
    state.wake_delivery();
    let row = hcp_store::supervision::get(&mut *state.store().reader().await?, id, user.scope()?)
        .await?
        .ok_or_else(|| AppError::internal("order vanished"))?;
    Ok((axum::http::StatusCode::CREATED, Json(OrderView::from(row))))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct OrdersQuery {
    pub kind: Option<String>,
    pub state: Option<String>,
}

/// Orders in the caller's scope; discipline inspectors see referrals.
#[utoipa::path(get, path = "/api/v1/supervision/orders", tag = "supervision", params(OrdersQuery),
    responses((status = 200, body = Vec<OrderView>)))]
pub async fn list_orders(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<OrdersQuery>,
) -> AppResult<Json<Vec<OrderView>>> {
    orders_for(&state, &user, &q).await.map(Json)
}

/// What `GET /supervision/orders` answers, for the pages too.
pub async fn orders_for(state: &AppState, user: &CurrentUser, q: &OrdersQuery) -> AppResult<Vec<OrderView>> {
    user.require(&[Role::Supervisor, Role::Discipline, Role::DeptHead, Role::WindowHead])?;
    let kind = if user.role == Role::Discipline { Some("referral") } else { q.kind.as_deref() };
    let rows =
        hcp_store::supervision::list(&mut *state.store().reader().await?, user.scope()?, kind, q.state.as_deref())
            .await?;
    Ok(rows.into_iter().map(OrderView::from).collect())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    pub report: String,
}

fn order_id(id: &str) -> AppResult<i64> {
    id.parse().map_err(|_| AppError::not_found("督办事项"))
}

/// The head's rectification report (window head or department head of the target).
#[utoipa::path(post, path = "/api/v1/supervision/orders/{id}/report", tag = "supervision", params(("id" = i64, Path)),
    request_body = ReportBody, responses((status = 200, body = OrderView), (status = 409, body = crate::api::error::ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Path(id): axum::extract::Path<String>,
    crate::api::extract::ApiJson(body): crate::api::extract::ApiJson<ReportBody>,
) -> AppResult<Json<OrderView>> {
    user.require(&[Role::WindowHead, Role::DeptHead])?;
    report_order(&state, &user, order_id(&id)?, &body.report).await.map(Json)
}

/// The rectification report of `POST /supervision/orders/{id}/report`, for the orders page too.
pub async fn report_order(state: &AppState, user: &CurrentUser, id: i64, report: &str) -> AppResult<OrderView> {
    user.require(&[Role::WindowHead, Role::DeptHead])?;
    let text = report.trim();
    if text.is_empty() || text.chars().count() > 4000 {
        return Err(AppError::invalid_field("report", "请填写1至4000字的整改报告"));
    }
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let order = hcp_store::supervision::get(&mut tx, id, user.scope()?)
        .await?
        .ok_or_else(|| AppError::not_found("督办事项"))?;
    if order.kind == "referral" || order.kind == "notice" {
        return Err(AppError::new(ErrorCode::InvalidTransition, "通报和移送事项无需提交整改报告"));
    }
    let sets = [
        ("report", hcp_store::sql::Param::from(text)),
        ("reported_by", hcp_store::sql::Param::from(user.user.id)),
        ("reported_at", hcp_store::sql::Param::from(hcp_store::ms(now))),
    ];
    if !hcp_store::supervision::advance(&mut tx, id, "issued", "reported", &sets).await? {
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
    let row = hcp_store::supervision::get(&mut *state.store().reader().await?, id, user.scope()?)
        .await?
        .ok_or_else(|| AppError::not_found("督办事项"))?;
    Ok(OrderView::from(row))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessBody {
    /// effective or ineffective
    pub assessment: String,
}

/// Assess a reported order (supervisor). The bad-review rate of the period and of the time since the order are
/// attached as evidence automatically.
#[utoipa::path(post, path = "/api/v1/supervision/orders/{id}/assess", tag = "supervision", params(("id" = i64, Path)),
    request_body = AssessBody, responses((status = 200, body = OrderView), (status = 409, body = crate::api::error::ErrorBody)))]
pub async fn assess(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Path(id): axum::extract::Path<String>,
    crate::api::extract::ApiJson(body): crate::api::extract::ApiJson<AssessBody>,
) -> AppResult<Json<OrderView>> {
    user.require(&[Role::Supervisor])?;
    let id = order_id(&id)?;
    if !matches!(body.assessment.as_str(), "effective" | "ineffective") {
        return Err(AppError::invalid_field("assessment", "应为 effective（整改有效）或 ineffective（整改无效）"));
    }
    let order = hcp_store::supervision::get(&mut *state.store().reader().await?, id, user.scope()?)
        .await?
        .ok_or_else(|| AppError::not_found("督办事项"))?;
    let (target, ..) = target_of(&state, &order.level, &target_code(&state, &order).await?).await?;
    let now = state.now();
    let issued = hcp_store::from_ms(order.issued_at).with_timezone(&shanghai()).date_naive();
    let today = now.with_timezone(&shanghai()).date_naive();
    let before: serde_json::Value = serde_json::from_str(&order.evidence).unwrap_or_default();
    let after = figures_of(&state, &target, issued, today).await?;
    let evidence = serde_json::json!({"before": before, "after": after});
    let mut tx = state.store().begin().await?;
    let sets = [
        ("assessment", hcp_store::sql::Param::from(body.assessment.as_str())),
        ("assessment_evidence", hcp_store::sql::Param::from(evidence.to_string())),
        ("assessed_by", hcp_store::sql::Param::from(user.user.id)),
        ("assessed_at", hcp_store::sql::Param::from(hcp_store::ms(now))),
    ];
    if !hcp_store::supervision::advance(&mut tx, id, "reported", "assessed", &sets).await? {
        return Err(AppError::new(ErrorCode::InvalidTransition, "只能评估已提交整改报告的督办事项"));
    }
    hcp_store::audit::append(
        &mut tx,
        now,
        &user.actor(),
        "supervision.assess",
        &format!("order:{id}"),
        &serde_json::json!({"assessment": body.assessment, "evidence": evidence}),
    )
    .await?;
    tx.commit().await?;
    let row = hcp_store::supervision::get(&mut *state.store().reader().await?, id, user.scope()?)
        .await?
        .ok_or_else(|| AppError::not_found("督办事项"))?;
    Ok(Json(OrderView::from(row)))
}

/// The code the order's target is known by.
async fn target_code(state: &AppState, order: &hcp_store::supervision::OrderRow) -> AppResult<String> {
    let mut conn = state.store().reader().await?;
    let gone = || AppError::internal("order target vanished");
    Ok(match order.level.as_str() {
        "staff" => {
            hcp_store::org::staff_by_id(&mut conn, order.staff_id.ok_or_else(gone)?).await?.ok_or_else(gone)?.staff_no
        }
        "window" => {
            hcp_store::org::window_by_id(&mut conn, order.window_id.ok_or_else(gone)?).await?.ok_or_else(gone)?.code
        }
        _ => {
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
#[utoipa::path(post, path = "/api/v1/supervision/orders/{id}/outcome", tag = "supervision", params(("id" = i64, Path)),
    request_body = OutcomeBody, responses((status = 200, body = OrderView), (status = 409, body = crate::api::error::ErrorBody)))]
pub async fn outcome(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Path(id): axum::extract::Path<String>,
    crate::api::extract::ApiJson(body): crate::api::extract::ApiJson<OutcomeBody>,
) -> AppResult<Json<OrderView>> {
    user.require(&[Role::Discipline])?;
    let id = order_id(&id)?;
    let text = body.outcome.trim();
    if text.is_empty() || text.chars().count() > 4000 {
        return Err(AppError::invalid_field("outcome", "请填写1至4000字的处理结果"));
    }
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let order = hcp_store::supervision::get(&mut tx, id, user.scope()?)
        .await?
        .ok_or_else(|| AppError::not_found("督办事项"))?;
    if order.kind != "referral" {
        return Err(AppError::not_found("督办事项"));
    }
    let sets = [
        ("outcome", hcp_store::sql::Param::from(text)),
        ("outcome_by", hcp_store::sql::Param::from(user.user.id)),
        ("outcome_at", hcp_store::sql::Param::from(hcp_store::ms(now))),
    ];
    if !hcp_store::supervision::advance(&mut tx, id, "issued", "concluded", &sets).await? {
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
    let row = hcp_store::supervision::get(&mut *state.store().reader().await?, id, user.scope()?)
        .await?
        .ok_or_else(|| AppError::not_found("督办事项"))?;
    Ok(Json(OrderView::from(row)))
}

/// Hot topics per department (DESIGN R6).
pub fn hot_topics_router() -> Router<AppState> {
    Router::new().route("/supervision/hot-topics", get(hot_topics))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TopicsQuery {
    pub org: Option<String>,
    /// First day, YYYY-MM-DD (default: the first of last month).
    pub from: Option<String>,
    /// Last day, inclusive (default: today).
    pub to: Option<String>,
    /// Words per department (default 10, at most 50).
    pub limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct Topic {
    pub word: String,
    /// In how many texts it occurs.
    pub count: usize,
}

#[derive(Serialize, ToSchema)]
pub struct DepartmentTopics {
    pub department: String,
    /// Bad-review comments and complaints read.
    pub texts: usize,
    pub topics: Vec<Topic>,
}

/// The most frequent issues in adopted bad-review comments and complaints over the period, per department, by
/// segmenting the Chinese text. Supervisors, discipline inspectors and department heads, in scope.
#[utoipa::path(get, path = "/api/v1/supervision/hot-topics", tag = "supervision", params(TopicsQuery),
    responses((status = 200, body = Vec<DepartmentTopics>), (status = 400, body = crate::api::error::ErrorBody)))]
pub async fn hot_topics(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<TopicsQuery>,
) -> AppResult<Json<Vec<DepartmentTopics>>> {
    user.require(&[Role::Supervisor, Role::Discipline, Role::DeptHead])?;
    let scope = user.scope()?;
    let today = state.now().with_timezone(&shanghai()).date_naive();
    let default_from = today.with_day(1).and_then(|d| d.checked_sub_months(Months::new(1))).unwrap_or(today);
    let parse =
        |text: Option<&str>, default: NaiveDate, field: &str| match text.map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(default),
            Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .map_err(|_| AppError::new(ErrorCode::InvalidQuery, format!("{field} 应为 YYYY-MM-DD 日期"))),
        };
    let from = parse(q.from.as_deref(), default_from, "from")?;
    let to = parse(q.to.as_deref(), today, "to")?;
    let bound = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(shanghai()).single())
            .map(|t| t.timestamp_millis())
            .unwrap_or_default()
    };
    let org_path = super::evaluations::org_filter(&state, q.org.as_deref(), scope).await?;
    let texts = stats::complaint_texts(
        &mut *state.store().reader().await?,
        scope,
        org_path.as_deref(),
        bound(from),
        bound(to.succ_opt().unwrap_or(to)),
    )
    .await?;
    let limit = q.limit.unwrap_or(10).clamp(1, 50);
    let labels = names(&state, GroupBy::Department).await?;
    let mut by_department: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    for (department, text) in texts {
        let name = department.and_then(|d| labels.get(&d.to_string()).cloned()).unwrap_or_else(|| "未明确部门".into());
        by_department.entry(name).or_default().push(text);
    }
    // Segmenting is CPU work: off the async workers.
    let result = tokio::task::spawn_blocking(move || {
        by_department
            .into_iter()
            .map(|(department, texts)| DepartmentTopics {
                topics: crate::app::hot_topics::top_words(texts.iter().map(String::as_str), limit)
                    .into_iter()
                    .map(|(word, count)| Topic { word, count })
                    .collect(),
                texts: texts.len(),
                department,
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(AppError::internal)?;
    Ok(Json(result))
}
