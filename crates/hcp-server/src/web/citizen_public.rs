//! `/public`: the monthly disclosure by department (R10) for everyone, the same figures as
//! `GET /api/v1/public/monthly` (no personal data), with a month chooser that is a plain GET form.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::errors::PageError;
use super::layout::Chrome;
use super::render;
use crate::app::state::AppState;
use crate::app::stats::{self, MonthQuery, MonthlyView};

#[derive(Deserialize)]
pub struct PublicQuery {
    pub month: Option<String>,
}

pub struct Row {
    pub department: String,
    pub evaluations: i64,
    pub good_rate: String,
    pub bad_reviews: i64,
    pub rectified: i64,
    pub on_time_feedback_rate: String,
}

#[derive(Template)]
#[template(path = "citizen_public.html")]
pub struct PublicPage {
    pub chrome: Chrome,
    /// As typed in the chooser (YYYY-MM).
    pub month: String,
    /// "2026年9月", when the month is valid.
    pub month_label: Option<String>,
    pub error: Option<String>,
    pub rows: Vec<Row>,
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{r:.1}%"))
}

fn label(month: &str) -> String {
    match month.split_once('-') {
        Some((y, m)) => format!("{y}年{}月", m.trim_start_matches('0')),
        None => month.to_owned(),
    }
}

pub async fn public_page(
    State(state): State<AppState>,
    query: Result<Query<PublicQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let asked = query.ok().and_then(|q| q.0.month).unwrap_or_default();
    let page = match stats::monthly(&state, &MonthQuery { month: Some(asked.clone()) }).await {
        Ok(MonthlyView { month, departments }) => PublicPage {
            chrome: Chrome::public("评价结果公开"),
            month_label: Some(label(&month)),
            month,
            error: None,
            rows: departments
                .into_iter()
                .map(|d| Row {
                    department: d.department,
                    evaluations: d.evaluations,
                    good_rate: percent(d.good_rate),
                    bad_reviews: d.bad_reviews,
                    rectified: d.rectified,
                    on_time_feedback_rate: percent(d.on_time_feedback_rate),
                })
                .collect(),
        },
        Err(err) if crate::edge::status::of(err.code).is_client_error() => {
            let page = PublicPage {
                chrome: Chrome::public("评价结果公开"),
                month: asked,
                month_label: None,
                error: Some("请选择正确的月份（如 2026-09）".to_owned()),
                rows: Vec::new(),
            };
            return Ok(render(StatusCode::BAD_REQUEST, &page));
        }
        Err(err) => return Err(err.into()),
    };
    Ok(render(StatusCode::OK, &page))
}
