//! `/supervise/evaluations/{id}`: one evaluation with its evaluator masked, and the form to see the contact in
//! clear with a stated reason. The contact is shown in the answer to that POST only (never in a URL) and the
//! reveal is audited by `app::evaluations::reveal`, as `POST /api/v1/evaluations/{id}/reveal`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use hcp_core::evaluation::EvaluatorKind;
use hcp_core::role::Role;

use crate::app::evaluations::{self, REVEAL_REASON_MIN, RevealBody, RevealedContact};
use crate::app::state::AppState;
use crate::app::views::EvaluationView;
use crate::web::errors::PageError;
use crate::web::form::{CsrfForm, form_name};
use crate::web::layout::Chrome;
use crate::web::local_text;
use crate::web::signed_in::SignedIn;

pub const REVEAL_FORM: &str = "reveal_contact";
form_name!(RevealForm, REVEAL_FORM);

#[derive(Template)]
#[template(path = "supervise_evaluation.html")]
pub struct EvaluationPage {
    pub chrome: Chrome,
    pub view: EvaluationView,
    pub evaluated_at: String,
    pub kind_label: &'static str,
    pub csrf: String,
    pub reason: String,
    pub error: Option<String>,
    pub revealed: Option<RevealedContact>,
    pub min_reason: usize,
}

/// An evaluator without a kind left no identity: anonymous.
fn kind_label(kind: Option<EvaluatorKind>) -> &'static str {
    kind.map_or("匿名", EvaluatorKind::label)
}

async fn evaluation(state: &AppState, me: &SignedIn, id: &str) -> Result<EvaluationView, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::from(crate::app::error::AppError::not_found("评价")))?;
    Ok(evaluations::get(state, &me.user, id).await?)
}

fn build(
    state: &AppState,
    me: &SignedIn,
    view: EvaluationView,
    reason: String,
    error: Option<String>,
    revealed: Option<RevealedContact>,
) -> EvaluationPage {
    EvaluationPage {
        chrome: me.chrome(state, format!("评价 #{}", view.id)),
        evaluated_at: local_text(&view.evaluated_at),
        kind_label: kind_label(view.evaluator.as_ref().and_then(|e| e.kind)),
        csrf: me.token(state, REVEAL_FORM),
        view,
        reason,
        error,
        revealed,
        min_reason: REVEAL_REASON_MIN,
    }
}

pub async fn page(State(state): State<AppState>, me: SignedIn, Path(id): Path<String>) -> Result<Response, PageError> {
    me.require(&[Role::Supervisor])?;
    let view = evaluation(&state, &me, &id).await?;
    Ok(me.render(StatusCode::OK, &build(&state, &me, view, String::new(), None, None)))
}

/// Reveals the contact with the reason given; the answer shows it once.
pub async fn submit(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    CsrfForm(form, _): CsrfForm<RevealForm>,
) -> Result<Response, PageError> {
    me.require(&[Role::Supervisor])?;
    let view = evaluation(&state, &me, &id).await?;
    let reason = form.text("reason");
    match evaluations::reveal(&state, &me.user, view.id, &RevealBody { reason: form.get("reason").map(str::to_owned) })
        .await
    {
        Ok(contact) => Ok(me.render(StatusCode::OK, &build(&state, &me, view, String::new(), None, Some(contact)))),
        Err(err) if crate::edge::status::of(err.code) == StatusCode::UNPROCESSABLE_ENTITY => {
            let message = err.fields.0.values().next().cloned().unwrap_or_else(|| err.message.clone());
            Ok(me.render(crate::edge::status::of(err.code), &build(&state, &me, view, reason, Some(message), None)))
        }
        Err(err) => Err(err.into()),
    }
}
