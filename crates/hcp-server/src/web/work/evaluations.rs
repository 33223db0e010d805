//! `/work/evaluations`: the evaluations of the staff member, window or department, as `GET /api/v1/evaluations`
//! scopes them. The evaluated side never sees who evaluated: the page shows no evaluator field at all (and the
//! API's view carries none for these roles).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Months, NaiveDate};
use hcp_core::evaluation::Adoption;
use hcp_core::level::Level;
use hcp_core::role::Role;
use serde::Deserialize;

use super::Pager;
use crate::app::evaluations::{self, ListQuery};
use crate::app::state::AppState;
use crate::web::errors::PageError;
use crate::web::layout::Chrome;
use crate::web::local_text;
use crate::web::signed_in::SignedIn;

const PER_PAGE: i64 = 20;

#[derive(Deserialize, Default)]
pub struct EvaluationsQuery {
    /// A month, `YYYY-MM`.
    pub period: Option<String>,
    pub level: Option<String>,
    pub page: Option<String>,
}

pub struct Row {
    pub evaluated_at: String,
    pub level: i64,
    pub level_label: String,
    pub tags: String,
    pub comment: String,
    pub channel: String,
    pub window: String,
    pub staff: String,
    pub adopted: bool,
    pub adoption_reason: String,
    pub ticket_id: Option<i64>,
}

pub struct LevelChoice {
    pub code: i64,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "work_evaluations.html")]
pub struct EvaluationsPage {
    pub chrome: Chrome,
    pub rows: Vec<Row>,
    pub period: String,
    pub levels: Vec<LevelChoice>,
    pub pager: Pager,
    pub error: Option<String>,
    pub show_staff: bool,
}

/// `YYYY-MM` → its first and last day.
fn month(period: &str) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::parse_from_str(&format!("{}-01", period.trim()), "%Y-%m-%d").ok()?;
    let last = first.checked_add_months(Months::new(1))?.pred_opt()?;
    Some((first, last))
}

pub async fn page(
    State(state): State<AppState>,
    me: SignedIn,
    query: Result<Query<EvaluationsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    me.require(&[Role::Staff, Role::WindowHead, Role::DeptHead])?;
    let q = query.map(|q| q.0).unwrap_or_default();
    let period = q.period.clone().unwrap_or_default().trim().to_owned();
    let level = q.level.as_deref().and_then(|l| l.parse::<i64>().ok()).filter(|l| Level::from_code(*l).is_some());
    let page = q.page.as_deref().and_then(|p| p.parse::<i64>().ok()).unwrap_or(1).max(1);
    let mut error = None;
    let bounds = if period.is_empty() {
        None
    } else {
        let b = month(&period);
        if b.is_none() {
            error = Some("月份格式应为“2026-10”。".to_owned());
        }
        b
    };
    let api_query = ListQuery {
        from: bounds.map(|(f, _)| f.to_string()),
        to: bounds.map(|(_, l)| l.to_string()),
        level,
        page: Some(page),
        per_page: Some(PER_PAGE),
        ..Default::default()
    };
    let listed = evaluations::list(&state, &me.user, &api_query).await?;
    let rows = listed
        .items
        .into_iter()
        .map(|e| Row {
            evaluated_at: local_text(&e.evaluated_at),
            level: e.level.code(),
            level_label: e.level_label.to_owned(),
            tags: e.tags.iter().map(|t| t.label.as_str()).collect::<Vec<_>>().join("、"),
            comment: e.comment,
            channel: e.channel_label.to_owned(),
            window: e.window.name,
            staff: e.staff.map(|s| format!("{}（{}）", s.name, s.code)).unwrap_or_default(),
            adopted: e.adoption == Adoption::Adopted,
            adoption_reason: e.adoption_reason_label.unwrap_or_default().to_owned(),
            ticket_id: e.ticket_id,
        })
        .collect();
    let pairs = [
        ("period", if bounds.is_some() { period.clone() } else { String::new() }),
        ("level", level.map(|l| l.to_string()).unwrap_or_default()),
    ];
    let title = if me.user.role == Role::Staff { "我的评价" } else { "评价" };
    let page = EvaluationsPage {
        chrome: me.chrome(&state, title),
        rows,
        period,
        levels: Level::ALL
            .iter()
            .map(|l| LevelChoice { code: l.code(), label: l.label(), selected: level == Some(l.code()) })
            .collect(),
        pager: Pager::new("/work/evaluations", &pairs, listed.page, listed.per_page, listed.total),
        error,
        show_staff: me.user.role != Role::Staff,
    };
    Ok(me.render(StatusCode::OK, &page))
}
