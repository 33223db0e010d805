//! The discipline inspectors' page (纪检监察): referrals (移送纪检监察) with their evidence — the concentration
//! figures, the earlier orders of the ladder with their reports and assessments — and the outcome form, through
//! the API's `/supervision/orders` handlers.

use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hcp_core::role::Role;
use serde::Deserialize;

use super::errors::PageError;
use super::layout::Chrome;
use super::signed_in::SignedIn;
use super::supervise::evidence_lines;
use super::{local_text, with_page_headers};
use crate::app::state::AppState;
use crate::app::supervision::orders::{self, OrderView, OrdersQuery, OutcomeBody};
use crate::edge::status;
use crate::web::form::{CsrfForm, form_name};
use hcp_core::supervision::OrderState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/discipline", get(|| async { Redirect::to("/discipline/referrals") }))
        .route("/discipline/referrals", get(referrals))
        .route("/discipline/referrals/{id}/outcome", post(outcome))
}

pub const OUTCOME_FORM: &str = "referral_outcome";
form_name!(OutcomeForm, OUTCOME_FORM);

/// An earlier order of the ladder, with what its head reported and how it was assessed.
pub struct Step {
    pub id: i64,
    pub kind_label: String,
    pub issued: String,
    pub reason: String,
    /// What the head reported, or why there is no report ("通报无需整改报告").
    pub report: String,
    pub assessment: String,
    pub before_after: Vec<(&'static str, Vec<(String, String)>)>,
}

pub struct Referral {
    pub view: OrderView,
    pub level_label: &'static str,
    pub issued: String,
    pub evidence: Vec<(String, String)>,
    pub steps: Vec<Step>,
    pub open: bool,
    pub error: Option<String>,
    pub outcome_text: String,
}

#[derive(Template)]
#[template(path = "discipline_referrals.html")]
pub struct ReferralsPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub done: bool,
    pub open_count: usize,
    pub referrals: Vec<Referral>,
}

#[derive(Deserialize, Default)]
pub struct ReferralsQuery {
    pub done: Option<String>,
}

/// The earlier orders the referral climbed from (at most a few steps), read in the inspector's scope.
async fn ladder(state: &AppState, me: &SignedIn, mut previous: Option<i64>) -> Result<Vec<Step>, PageError> {
    let mut steps = Vec::new();
    while let Some(id) = previous.take() {
        if steps.len() >= 5 {
            break;
        }
        let view = match orders::get(state, &me.user, id).await {
            Ok(view) => view,
            Err(err) if err.code == crate::app::error::ErrorCode::NotFound => break,
            Err(err) => return Err(err.into()),
        };
        previous = view.previous_order_id;
        let before_after = view
            .assessment_evidence
            .as_ref()
            // Assessed on the day of the order: no whole day to compare, the shortfall says so.
            .filter(|e| e.get("days").and_then(serde_json::Value::as_i64) != Some(0))
            .map(|e| {
                [("before", "督办前"), ("after", "督办后")]
                    .into_iter()
                    .filter_map(|(k, label)| e.get(k).map(|v| (label, evidence_lines(v))))
                    .collect()
            })
            .unwrap_or_default();
        steps.push(Step {
            id: view.id,
            issued: local_text(&view.issued_at),
            reason: view.reason.clone(),
            report: match (&view.report, view.kind.takes_report()) {
                (Some(text), _) => text.clone(),
                (None, true) => "未提交".to_owned(),
                // A notice is not answered with a report, so it is not assessed either.
                (None, false) => format!("{}无需整改报告", view.kind_label),
            },
            assessment: match (view.assessment_label, &view.assessment_shortfall) {
                (Some(label), Some(_)) => format!("{label}（对比数据不足）"),
                (Some(label), None) => label.to_owned(),
                (None, _) if view.kind.takes_report() => "未评估".to_owned(),
                (None, _) => "不作整改评估".to_owned(),
            },
            kind_label: view.kind_label.to_owned(),
            before_after,
        });
    }
    Ok(steps)
}

async fn referrals_page(
    state: &AppState,
    me: &SignedIn,
    done: bool,
    failed: Option<(i64, String, String)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    me.require(&[Role::Discipline])?;
    let query = OrdersQuery { kind: Some("referral".into()), state: None };
    let views = orders::list(state, &me.user, &query).await?;
    let mut referrals = Vec::new();
    for view in views {
        let failed_here = failed.as_ref().filter(|(id, ..)| *id == view.id);
        referrals.push(Referral {
            level_label: view.level_label,
            issued: local_text(&view.issued_at),
            evidence: evidence_lines(&view.evidence),
            steps: ladder(state, me, view.previous_order_id).await?,
            open: view.state == OrderState::Issued,
            error: failed_here.map(|(_, message, _)| message.clone()),
            outcome_text: failed_here.map(|(.., text)| text.clone()).unwrap_or_default(),
            view,
        });
    }
    let page = ReferralsPage {
        chrome: me.chrome(state, "移送线索"),
        csrf: me.token(state, OUTCOME_FORM),
        done,
        open_count: referrals.iter().filter(|r| r.open).count(),
        referrals,
    };
    Ok(me.render(status, &page))
}

/// `/discipline/referrals`.
pub async fn referrals(
    State(state): State<AppState>,
    me: SignedIn,
    query: Result<Query<ReferralsQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let done = query.ok().and_then(|q| q.0.done).is_some_and(|d| d == "outcome");
    referrals_page(&state, &me, done, None, StatusCode::OK).await
}

/// Records the outcome of a referral through the API's handler.
pub async fn outcome(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form, _): CsrfForm<OutcomeForm>,
) -> Result<Response, PageError> {
    me.require(&[Role::Discipline])?;
    let order_id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let text = form.text("outcome");
    let body = OutcomeBody { outcome: text.clone() };
    match orders::conclude(&state, &me.user, order_id, &body).await {
        Ok(_) => Ok(with_page_headers(
            Redirect::to(&format!("/discipline/referrals?done=outcome#referral-{order_id}")).into_response(),
        )),
        Err(err) if matches!(status::of(err.code), StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT) => {
            let message = err.fields.0.values().next().cloned().unwrap_or_else(|| err.message.clone());
            referrals_page(&state, &me, false, Some((order_id, message, text)), status::of(err.code)).await
        }
        Err(err) => Err(err.into()),
    }
}
