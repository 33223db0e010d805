//! Supervision orders along the ladder (DESIGN §6): the list, the issue form (prefilled from a concentration),
//! an order's page with the head's report and the assessment with the before/after evidence.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hcp_core::role::Role;
use hcp_core::supervision::{AssessmentMinimum, OrderKind, OrderState, TargetLevel};
use serde::Deserialize;

use super::{deadline_words, evidence_lines, first_of, month_text, today};
use crate::app::state::AppState;
use crate::app::supervision::orders::{self, AssessBody, IssueBody, OrderView, OrdersQuery};
use crate::edge::status;
use crate::web::errors::PageError;
use crate::web::form::{CsrfForm, form_name};
use crate::web::form_view::FormView;
use crate::web::layout::Chrome;
use crate::web::signed_in::SignedIn;
use crate::web::{local_text, with_page_headers};

const LEVELS: [(&str, &str); 3] =
    [("staff", "工作人员（工号）"), ("window", "窗口（窗口编码）"), ("department", "部门（部门编码）")];

pub struct OrderRow {
    pub view: OrderView,
    pub issued: String,
    pub due: Option<(String, &'static str)>,
    /// When the administrator made the 责令更换 move, for people.
    pub moved_at: String,
}

impl OrderRow {
    pub fn new(state: &AppState, view: OrderView) -> Self {
        // A deadline counts down only while the head still has to report.
        let due = view
            .due_at
            .as_deref()
            .map(|at| if view.state == OrderState::Issued { deadline_words(state, at) } else { (local_text(at), "") });
        let moved_at = view.staff_moved_at.as_deref().map(local_text).unwrap_or_default();
        OrderRow { issued: local_text(&view.issued_at), due, moved_at, view }
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub state: Option<String>,
    pub kind: Option<String>,
}

pub struct Choice {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "supervise_orders.html")]
pub struct OrdersPage {
    pub chrome: Chrome,
    pub kinds: Vec<Choice>,
    pub states: Vec<Choice>,
    pub rows: Vec<OrderRow>,
}

fn choices(options: impl IntoIterator<Item = (&'static str, &'static str)>, chosen: Option<&str>) -> Vec<Choice> {
    options.into_iter().map(|(code, label)| Choice { code, label, selected: chosen == Some(code) }).collect()
}

fn kinds() -> impl Iterator<Item = (&'static str, &'static str)> {
    OrderKind::ALL.into_iter().map(|k| (k.code(), k.label()))
}

/// `/supervise/orders`: every order in scope, filterable by kind and state.
pub async fn list(
    State(state): State<AppState>,
    me: SignedIn,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    me.require(&[Role::Supervisor])?;
    let q = query.map(|q| q.0).unwrap_or_default();
    let kind = q.kind.filter(|k| OrderKind::from_code(k).is_some());
    let order_state = q.state.filter(|s| OrderState::from_code(s).is_some());
    let query = OrdersQuery { kind: kind.clone(), state: order_state.clone() };
    let views = orders::list(&state, &me.user, &query).await?;
    let page = OrdersPage {
        chrome: me.chrome(&state, "督查督办"),
        kinds: choices(kinds(), kind.as_deref()),
        states: choices(OrderState::ALL.into_iter().map(|s| (s.code(), s.label())), order_state.as_deref()),
        rows: views.into_iter().map(|v| OrderRow::new(&state, v)).collect(),
    };
    Ok(me.render(StatusCode::OK, &page))
}

pub const ISSUE_FORM: &str = "supervision_issue";
form_name!(IssueForm, ISSUE_FORM);

/// The issue form's fields; the API names them alike.
const ISSUE_FIELDS: &[&str] = &["kind", "level", "target", "period", "reason", "working_days", "previous_order_id"];

/// The API's field messages the form shows next to a field; others go above the form.
const ISSUE_ERRORS: &[(&str, &str)] =
    &[("kind", "kind"), ("level", "level"), ("target", "target"), ("period", "period"), ("reason", "reason")];

#[derive(Template)]
#[template(path = "supervise_order_new.html")]
pub struct IssuePage {
    pub chrome: Chrome,
    pub csrf: String,
    pub kinds: Vec<Choice>,
    pub levels: Vec<Choice>,
    /// What was typed, re-shown with the errors next to the fields.
    pub form: FormView,
    /// Real codes of the staff, windows and departments in scope (a datalist for the target field).
    pub targets: Vec<(String, String)>,
    /// The hint under the target field, with a real code of each level.
    pub target_hint: String,
}

async fn issue_page(state: &AppState, me: &SignedIn, form: FormView) -> Result<IssuePage, PageError> {
    let targets = orders::target_choices(state, &me.user).await?;
    let example = |level: TargetLevel| {
        targets.iter().find(|t| t.level == level).map(|t| format!("（如 {}）", t.code)).unwrap_or_default()
    };
    let target_hint = format!(
        "工作人员填工号{}，窗口填窗口编码{}，部门填部门编码{}；输入时可从列表中选择。",
        example(TargetLevel::Staff),
        example(TargetLevel::Window),
        example(TargetLevel::Department)
    );
    Ok(IssuePage {
        chrome: me.chrome(state, "发出督办"),
        csrf: me.token(state, ISSUE_FORM),
        kinds: choices(kinds(), Some(form.v("kind"))),
        levels: choices(LEVELS, Some(form.v("level"))),
        form,
        targets: targets.into_iter().map(|t| (t.code, format!("{}：{}", t.level.label(), t.name))).collect(),
        target_hint,
    })
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    pub kind: Option<String>,
    pub level: Option<String>,
    pub target: Option<String>,
    pub period: Option<String>,
    pub previous: Option<String>,
}

/// `/supervise/orders/new`: the issue form; a concentration's link fills in the target and the month.
pub async fn new_order(
    State(state): State<AppState>,
    me: SignedIn,
    query: Result<Query<NewQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    me.require(&[Role::Supervisor])?;
    let q = query.map(|q| q.0).unwrap_or_default();
    let last_month =
        first_of(today(&state)).checked_sub_months(chrono::Months::new(1)).unwrap_or_else(|| today(&state));
    let period = q.period.unwrap_or_else(|| month_text(last_month));
    let form = FormView::with(&[
        ("kind", q.kind.as_deref().unwrap_or("rectification_order")),
        ("level", q.level.as_deref().unwrap_or("window")),
        ("target", q.target.as_deref().unwrap_or_default()),
        ("period", &period),
        ("working_days", "10"),
        ("previous_order_id", q.previous.as_deref().unwrap_or_default()),
    ]);
    let page = issue_page(&state, &me, form).await?;
    Ok(me.render(StatusCode::OK, &page))
}

/// Issues an order through the API's handler; errors come back next to their fields.
pub async fn issue(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(form, _): CsrfForm<IssueForm>,
) -> Result<Response, PageError> {
    me.require(&[Role::Supervisor])?;
    let mut values = FormView::from_pairs(&form, ISSUE_FIELDS);
    let working_days = match form.get("working_days") {
        None => None,
        Some(t) => match t.parse::<u32>() {
            Ok(n) if (1..=60).contains(&n) => Some(n),
            _ => {
                values = values.field_error("working_days", "整改期限应为1至60个工作日");
                None
            }
        },
    };
    let previous_order_id = match form.get("previous_order_id") {
        None => None,
        Some(t) => match t.trim_start_matches('#').parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                values = values.message("上一级督办事项编号应为数字");
                None
            }
        },
    };
    if values.has_errors() {
        let page = issue_page(&state, &me, values).await?;
        return Ok(me.render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let body = IssueBody {
        kind: values.v("kind").trim().to_owned(),
        level: values.v("level").trim().to_owned(),
        target: values.v("target").trim().to_owned(),
        period: values.v("period").trim().to_owned(),
        reason: values.v("reason").to_owned(),
        working_days,
        previous_order_id,
    };
    match orders::issue(&state, &me.user, &body).await {
        Ok(order) => {
            Ok(with_page_headers(Redirect::to(&format!("/supervise/orders/{}?done=issued", order.id)).into_response()))
        }
        Err(err) if status::of(err.code).is_client_error() && status::of(err.code) != StatusCode::FORBIDDEN => {
            let form = values.api_error(&err, ISSUE_ERRORS, "填写的内容有误，请按提示修改。");
            let page = issue_page(&state, &me, form).await?;
            Ok(me.render(status::of(err.code), &page))
        }
        Err(err) => Err(err.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    pub done: Option<String>,
}

/// The before/after evidence of an assessment, in words.
pub struct Comparison {
    pub label: String,
    pub lines: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "supervise_order.html")]
pub struct OrderPage {
    pub chrome: Chrome,
    pub order: OrderRow,
    pub evidence: Vec<(String, String)>,
    pub comparison: Vec<Comparison>,
    pub assessment_label: &'static str,
    /// 数据不足: why the comparison was too thin to judge by.
    pub shortfall: Option<String>,
    pub min_days: i64,
    pub min_evaluations: i64,
    pub csrf: String,
    pub done: Option<&'static str>,
    pub error: Option<String>,
    pub climb_href: String,
}

pub const ASSESS_FORM: &str = "supervision_assess";
form_name!(AssessForm, ASSESS_FORM);

pub fn comparison(evidence: Option<&serde_json::Value>) -> Vec<Comparison> {
    let Some(e) = evidence else { return Vec::new() };
    // Assessments before like periods were compared carry no `days`: the period of the order against the days since.
    let labels = match e.get("days").and_then(serde_json::Value::as_i64) {
        // No whole day since the order: nothing to compare, the shortfall says so.
        Some(0) => return Vec::new(),
        Some(days) => [format!("督办下发前 {days} 天"), format!("督办下发后 {days} 天")],
        None => ["督办前（问题期间）".to_owned(), "督办后（下发至评估）".to_owned()],
    };
    ["before", "after"]
        .into_iter()
        .zip(labels)
        .filter_map(|(key, label)| e.get(key).map(|v| Comparison { label, lines: evidence_lines(v) }))
        .collect()
}

async fn order_page(
    state: &AppState,
    me: &SignedIn,
    id: &str,
    done: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let view = orders::get(state, &me.user, id).await.map_err(|err| {
        if err.code == crate::app::error::ErrorCode::NotFound {
            PageError::new(StatusCode::NOT_FOUND, "未找到", "未找到该督办事项，或它不在您的管辖范围内。")
        } else {
            err.into()
        }
    })?;
    let target_code = orders::target_code_of(state, &me.user, id).await.unwrap_or_default();
    let evidence = evidence_lines(&view.evidence);
    let comparison = comparison(view.assessment_evidence.as_ref());
    let assessment_label = view.assessment_label.unwrap_or_default();
    let climb_href = format!(
        "/supervise/orders/new?kind={}&level={}&target={}&period={}&previous={}",
        view.kind.next(),
        view.level,
        super::dashboard::url(&target_code),
        view.period,
        view.id
    );
    let page = OrderPage {
        chrome: me.chrome(state, format!("督办事项 #{}", view.id)),
        evidence,
        comparison,
        assessment_label,
        shortfall: view.assessment_shortfall.clone(),
        min_days: AssessmentMinimum::default().days,
        min_evaluations: AssessmentMinimum::default().evaluations,
        csrf: me.token(state, ASSESS_FORM),
        done: match done {
            Some("issued") => Some("督办事项已下发，已通知相关负责人。"),
            Some("assessed") => Some("已记录评估结论。"),
            _ => None,
        },
        error,
        climb_href,
        order: OrderRow::new(state, view),
    };
    Ok(me.render(status, &page))
}

/// `/supervise/orders/{id}`.
pub async fn show(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    query: Result<Query<ShowQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    me.require(&[Role::Supervisor])?;
    let done = query.ok().and_then(|q| q.0.done);
    order_page(&state, &me, &id, done.as_deref(), None, StatusCode::OK).await
}

/// Assess a reported order (effective / ineffective) through the API's handler.
pub async fn assess(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form, _): CsrfForm<AssessForm>,
) -> Result<Response, PageError> {
    me.require(&[Role::Supervisor])?;
    let Some(assessment @ ("effective" | "ineffective")) = form.get("assessment") else {
        let message = "请选择“整改有效”或“整改无效”。".to_owned();
        return order_page(&state, &me, &id, None, Some(message), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let body = AssessBody { assessment: assessment.to_owned() };
    let order_id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    match orders::assess(&state, &me.user, order_id, &body).await {
        Ok(_) => Ok(with_page_headers(Redirect::to(&format!("/supervise/orders/{id}?done=assessed")).into_response())),
        Err(err) if matches!(status::of(err.code), StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY) => {
            let message = err.fields.0.values().next().cloned().unwrap_or_else(|| err.message.clone());
            order_page(&state, &me, &id, None, Some(message), status::of(err.code)).await
        }
        Err(err) => Err(err.into()),
    }
}
