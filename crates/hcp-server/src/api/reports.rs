//! Misconduct reports (R4): coercion, falsification, leaking evaluator data, bad reviews left unrectified.
//! Public and rate-limited like online complaints; each becomes a `misconduct` ticket that only the bureau
//! and discipline inspectors see.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use hcp_core::FieldErrors;
use hcp_core::complaint::{ComplaintInput, ContactInput, NewComplaint, ReportKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::evaluations::{idempotency_key, submit, submitter_for};
use crate::api::extract::ApiJson;
use crate::app::error::{AppError, AppResult};
use crate::app::intake::{IntakeRequest, Receipt, Submission};
use crate::app::state::AppState;
use crate::edge::caller::MaybeUser;
use crate::edge::client::ClientAddr;

pub fn router() -> Router<AppState> {
    Router::new().route("/misconduct-reports", post(create))
}

/// Whom the report is about; any part may be left out.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportTarget {
    pub org_code: Option<String>,
    pub department_code: Option<String>,
    pub window_code: Option<String>,
    pub staff_no: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// `coercion`, `falsification`, `leaking` or `not_rectifying`.
    pub kind: Option<String>,
    /// `online` (default, the citizen), `phone` (12345 operator) or `box` (registrar).
    pub channel: Option<String>,
    #[serde(default)]
    pub target: ReportTarget,
    pub content: Option<String>,
    /// Optional: to be told the outcome.
    pub contact: Option<ContactInput>,
}

/// Report misconduct. Answers with a tracking code (prefix M) and query password.
#[utoipa::path(post, path = "/api/v1/misconduct-reports", tag = "complaints", request_body = ReportInput,
    responses((status = 201, body = Receipt), (status = 422, body = crate::api::error::ErrorBody),
        (status = 429, body = crate::api::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    ClientAddr(ip): ClientAddr,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ReportInput>,
) -> AppResult<(StatusCode, Json<Receipt>)> {
    let (kind, report) = parse(&input).map_err(AppError::invalid)?;
    let submitter = submitter_for(
        &state,
        user.as_ref(),
        ip,
        report.channel.is_registered(),
        state.config().rate_limit.complaints_per_minute,
    )?;
    let idempotency = idempotency_key(&headers, user.as_ref(), &input)?;
    let request = IntakeRequest {
        submission: Submission::Misconduct(kind, report),
        submitter,
        received_at: state.now(),
        idempotency,
        import_ref: None,
        rules: state.rules(),
    };
    submit(&state, request).await
}

/// Checks a report (kind, target, content, contact), for the API and the `/report` page.
pub fn parse(input: &ReportInput) -> Result<(ReportKind, NewComplaint), FieldErrors> {
    let kind = match input.kind.as_deref().map(str::trim) {
        None | Some("") => Err("请选择举报类型"),
        Some(text) => ReportKind::parse(text).ok_or("举报类型应为 coercion、falsification、leaking 或 not_rectifying"),
    };
    let complaint_input = ComplaintInput {
        channel: Some(input.channel.clone().unwrap_or_else(|| "online".into())),
        org_code: input.target.org_code.clone(),
        department_code: input.target.department_code.clone(),
        window_code: input.target.window_code.clone(),
        staff_no: input.target.staff_no.clone(),
        content: input.content.clone(),
        contact: input.contact.clone(),
    };
    let parsed = NewComplaint::parse(&complaint_input);
    match (kind, parsed) {
        (Ok(kind), Ok(report)) => Ok((kind, report)),
        (kind, parsed) => {
            let mut fields = parsed.err().unwrap_or_default();
            if let Err(message) = kind {
                fields.add("kind", message);
            }
            Err(fields)
        }
    }
}
