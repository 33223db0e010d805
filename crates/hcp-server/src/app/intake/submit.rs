//! The one way in for a submission from the API or a page: check the input, know the submitter (a signed-in
//! operator or registrar, or an anonymous citizen within the per-client rate), scope an idempotency key to the
//! caller and the request, and hand it to the writer. Evaluations, complaints and misconduct reports differ
//! only in how their input becomes a [`Submission`] ([`Submittable`]).

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use hcp_core::FieldErrors;
use hcp_core::complaint::{ComplaintInput, ContactInput, NewComplaint, ReportKind};
use hcp_core::evaluation::{EvaluationInput, NewEvaluation};
use hcp_core::role::Role;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::{IntakeRequest, Outcome, Receipt, Submission, Submitter};
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::state::AppState;
use crate::app::views::DeadlineView;
use crate::config::RateLimits;

/// Where a submission comes from.
pub struct Origin<'a> {
    /// A signed-in operator or registrar entering a citizen's record; `None` for the citizen themself.
    pub user: Option<&'a CurrentUser>,
    /// The client's address (rate limits, fraud signals); never stored, only its keyed hash.
    pub ip: IpAddr,
    /// The client's `Idempotency-Key` (or an entry form's submit key): a retry gets the first answer.
    pub idempotency_key: Option<String>,
}

impl Origin<'_> {
    /// A citizen's own submission, whoever may be signed in in the same browser.
    pub fn citizen(ip: IpAddr) -> Origin<'static> {
        Origin { user: None, ip, idempotency_key: None }
    }
}

/// The receipt of a submission; `replayed` when it is the answer to an earlier request with the same key.
pub struct Submitted {
    pub receipt: Receipt,
    pub replayed: bool,
    /// When the citizen is to be answered at the latest, for a submission that opened a ticket (the receipt
    /// page names the date; the working-day rule and the calendar decide it, so it is read back).
    pub feedback_by: Option<DeadlineView>,
}

/// The input of one kind of submission.
pub trait Submittable: Serialize {
    /// Checks the input (every field's message at once).
    fn submission(&self, now: DateTime<Utc>) -> Result<Submission, FieldErrors>;
    /// Anonymous submissions of this kind per client and minute.
    fn per_minute(limits: &RateLimits) -> u32;
}

impl Submittable for EvaluationInput {
    fn submission(&self, now: DateTime<Utc>) -> Result<Submission, FieldErrors> {
        NewEvaluation::parse(self, now).map(Submission::Evaluation)
    }

    fn per_minute(limits: &RateLimits) -> u32 {
        limits.evaluations_per_minute
    }
}

impl Submittable for ComplaintInput {
    fn submission(&self, _now: DateTime<Utc>) -> Result<Submission, FieldErrors> {
        NewComplaint::parse(self).map(Submission::Complaint)
    }

    fn per_minute(limits: &RateLimits) -> u32 {
        limits.complaints_per_minute
    }
}

/// Whom a misconduct report is about; any part may be left out.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportTarget {
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub org_code: Option<String>,
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub department_code: Option<String>,
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub window_code: Option<String>,
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub staff_no: Option<String>,
}

/// A misconduct report (R4) as submitted.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// `coercion`, `falsification`, `leaking` or `not_rectifying`.
    #[schema(value_type = Option<hcp_core::complaint::ReportKind>)]
    pub kind: Option<String>,
    /// `online` (default, the citizen), `phone` (12345 operator) or `box` (registrar).
    #[schema(value_type = Option<hcp_core::complaint::ComplaintChannel>)]
    pub channel: Option<String>,
    #[serde(default)]
    pub target: ReportTarget,
    pub content: Option<String>,
    /// Optional: to be told the outcome.
    pub contact: Option<ContactInput>,
}

impl Submittable for ReportInput {
    /// A report is stored like a complaint, with its kind.
    fn submission(&self, _now: DateTime<Utc>) -> Result<Submission, FieldErrors> {
        let kind = match self.kind.as_deref().map(str::trim) {
            None | Some("") => Err("请选择举报类型"),
            Some(text) => {
                ReportKind::parse(text).ok_or("举报类型应为 coercion、falsification、leaking 或 not_rectifying")
            }
        };
        let complaint = ComplaintInput {
            channel: Some(self.channel.clone().unwrap_or_else(|| "online".into())),
            org_code: self.target.org_code.clone(),
            department_code: self.target.department_code.clone(),
            window_code: self.target.window_code.clone(),
            staff_no: self.target.staff_no.clone(),
            content: self.content.clone(),
            contact: self.contact.clone(),
        };
        match (kind, NewComplaint::parse(&complaint)) {
            (Ok(kind), Ok(report)) => Ok(Submission::Misconduct(kind, report)),
            (kind, parsed) => {
                let mut fields = parsed.err().unwrap_or_default();
                if let Err(message) = kind {
                    fields.add("kind", message);
                }
                Err(fields)
            }
        }
    }

    fn per_minute(limits: &RateLimits) -> u32 {
        limits.complaints_per_minute
    }
}

/// Takes one submission and answers with its receipt once it is committed.
pub async fn submit<S: Submittable>(state: &AppState, origin: &Origin<'_>, input: &S) -> AppResult<Submitted> {
    let now = state.now();
    let submission = input.submission(now).map_err(AppError::invalid)?;
    let submitter = submitter(state, origin, &submission, S::per_minute(&state.config().rate_limit))?;
    let idempotency = match &origin.idempotency_key {
        Some(key) => Some(scoped_key(key, origin.user, input)?),
        None => None,
    };
    let request =
        IntakeRequest { submission, submitter, received_at: now, idempotency, import_ref: None, rules: state.rules() };
    let (receipt, replayed) = match state.intake().submit(request).await? {
        Outcome::Created(receipt) => (receipt, false),
        Outcome::Replayed(receipt) => (receipt, true),
        Outcome::AlreadyImported => return Err(AppError::new(ErrorCode::AlreadyImported, "该记录已导入")),
    };
    let feedback_by = match receipt.ticket_id {
        Some(id) => {
            let mut conn = state.store().reader().await?;
            let ticket = hcp_store::tickets::load(&mut conn, id, None).await?;
            ticket.and_then(|t| t.facts.feedback_by).map(|d| DeadlineView::new(&d, now))
        }
        None => None,
    };
    Ok(Submitted { receipt, replayed, feedback_by })
}

/// Who is submitting: registered channels (hotline, box, paper) only from operators and registrars, and the
/// 12345 hotline's records also from an integration account (the 12345 system pushing what its operators took:
/// recorded as entered by that account); anonymous online submissions within the per-client rate. An integration
/// account submits nothing else.
fn submitter(state: &AppState, origin: &Origin<'_>, submission: &Submission, per_minute: u32) -> AppResult<Submitter> {
    let ip = origin.ip;
    let registered = submission.registered();
    match origin.user {
        Some(user) if user.role.may_register_offline() => Ok(Submitter::operator(state, user, ip)),
        Some(user) if user.role == Role::Integration => {
            if submission.hotline() {
                Ok(Submitter::operator(state, user, ip))
            } else {
                Err(AppError::new(ErrorCode::Forbidden, "系统对接账号只能登记12345热线渠道的评价、投诉和举报"))
            }
        }
        Some(_) if registered => Err(AppError::forbidden()),
        None if registered => Err(AppError::unauthenticated()),
        _ => {
            state.limiter().check(&format!("submit:{ip}"), per_minute).map_err(AppError::rate_limited)?;
            Ok(Submitter::citizen(state, ip))
        }
    }
}

/// The stored idempotency key: the caller, so two anonymous clients choosing the same key do not see each
/// other's answers (they would need the same request too), and the hash of the request it came with.
fn scoped_key<T: Serialize>(key: &str, user: Option<&CurrentUser>, input: &T) -> AppResult<(String, String)> {
    let key = key.trim();
    if key.is_empty() || key.len() > 200 || key.chars().any(char::is_control) {
        return Err(AppError::new(ErrorCode::InvalidIdempotencyKey, "Idempotency-Key 应为1至200个可见字符"));
    }
    let owner = user.map_or_else(|| "anonymous".to_owned(), |u| format!("user:{}", u.user.id));
    let request_hash = hex::encode(Sha256::digest(serde_json::to_vec(input).unwrap_or_default()));
    Ok((format!("{owner}:{key}"), request_hash))
}
