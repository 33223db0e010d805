//! Intake of evaluations, complaints and misconduct reports from every channel. [`submit`] is the one way in
//! for the API and the pages: the input is checked, the submitter known (or rate-limited), and the record
//! stored by the group-commit [`writer`]. A bad review, complaint or report opens a ticket in the same
//! transaction; the answer is sent only after the commit.

mod complaint;
mod evaluation;
mod integrity;
mod submit;
mod writer;

pub use complaint::record as record_complaint;
pub use evaluation::{Attributed, evaluation_record, record as record_evaluation};
pub use submit::{Origin, ReportInput, ReportTarget, Submittable, Submitted, submit};
pub use writer::{BATCH, IntakeWriter};

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use hcp_core::complaint::{NewComplaint, ReportKind};
use hcp_core::evaluation::NewEvaluation;
use hcp_store::crypto::{CODE_ALPHABET, DIGITS, DataKey, random_code};
use hcp_store::{AnyConnection, StoreError, evaluations, idempotency};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, ErrorCode};
use crate::app::state::AppState;
use crate::app::tickets::lifecycle::Rules;

/// What the citizen gets back: enough to follow the submission later without an account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Receipt {
    pub id: i64,
    pub tracking_code: String,
    /// Shown once; stored only as a keyed hash.
    pub query_password: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<i64>,
}

/// Who submits: a citizen online, or a signed-in operator/registrar on a citizen's behalf.
#[derive(Debug, Clone)]
pub struct Submitter {
    pub user_id: Option<i64>,
    /// Audit actor name.
    pub actor: String,
    /// An operator's org path: complaints with an unknown target land there.
    pub scope_path: Option<String>,
    /// Keyed hash of the client address (fraud signals), never the address itself.
    pub client_index: Option<String>,
    /// The address itself, kept only in memory: an online submission from a window's own network is flagged.
    pub client_ip: Option<std::net::IpAddr>,
}

impl Submitter {
    /// A hotline operator, registrar or the 12345 system's integration account entering a citizen's record from
    /// `ip`.
    pub fn operator(state: &AppState, user: &CurrentUser, ip: IpAddr) -> Submitter {
        Submitter {
            user_id: Some(user.user.id),
            actor: user.actor(),
            scope_path: user.org_path().map(str::to_owned),
            client_index: Some(client_index(state, ip)),
            client_ip: None,
        }
    }

    /// A citizen submitting for themself from `ip`.
    pub fn citizen(state: &AppState, ip: IpAddr) -> Submitter {
        Submitter {
            user_id: None,
            actor: "citizen".into(),
            scope_path: None,
            client_index: Some(client_index(state, ip)),
            client_ip: Some(ip),
        }
    }
}

fn client_index(state: &AppState, ip: IpAddr) -> String {
    state.key().blind_index(&format!("ip:{ip}"))
}

#[derive(Debug, Clone)]
pub enum Submission {
    Evaluation(NewEvaluation),
    Complaint(NewComplaint),
    /// A misconduct report (R4): stored like a complaint, handled by the bureau.
    Misconduct(ReportKind, NewComplaint),
}

impl Submission {
    /// Entered by an operator or registrar (hotline, box, paper) rather than by the citizen online.
    pub fn registered(&self) -> bool {
        match self {
            Submission::Evaluation(e) => e.channel.is_registered(),
            Submission::Complaint(c) | Submission::Misconduct(_, c) => c.channel.is_registered(),
        }
    }

    /// Taken by the 12345 hotline (电话).
    pub fn hotline(&self) -> bool {
        match self {
            Submission::Evaluation(e) => e.channel == hcp_core::channel::Channel::Phone,
            Submission::Complaint(c) | Submission::Misconduct(_, c) => {
                c.channel == hcp_core::complaint::ComplaintChannel::Phone
            }
        }
    }
}

#[derive(Debug)]
pub struct IntakeRequest {
    pub submission: Submission,
    pub submitter: Submitter,
    pub received_at: DateTime<Utc>,
    /// `Idempotency-Key` and the hash of the request it came with.
    pub idempotency: Option<(String, String)>,
    /// Row fingerprint of an imported file: the same row imported twice lands once.
    pub import_ref: Option<String>,
    /// Calendar and policy for dispatching the ticket at once.
    pub rules: Rules,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created(Receipt),
    /// A retry of an earlier request: its original response.
    Replayed(Receipt),
    /// An imported row that is already in the database.
    AlreadyImported,
}

/// A tracking code people can read out on the phone: prefix E (evaluation) or C (complaint) and 11 characters
/// without look-alikes.
fn new_tracking(prefix: char) -> (String, String) {
    (format!("{prefix}{}", random_code(11, CODE_ALPHABET)), random_code(6, DIGITS))
}

/// The keyed hash under which a query password is kept (HMAC, so a stolen database does not reveal it).
pub fn query_secret(key: &DataKey, tracking_code: &str, password: &str) -> String {
    key.blind_index(&format!("query:{tracking_code}:{password}"))
}

/// One submission inside the caller's transaction, with idempotency and import de-duplication.
pub async fn process(conn: &mut AnyConnection, key: &DataKey, req: &IntakeRequest) -> Result<Outcome, AppError> {
    if let Some((idem_key, request_hash)) = &req.idempotency
        && let Some(stored) = idempotency::get(conn, idem_key).await?
    {
        if &stored.request_hash != request_hash {
            return Err(AppError::new(ErrorCode::IdempotencyKeyReused, "该 Idempotency-Key 已用于另一内容不同的请求"));
        }
        let body = key.decrypt(&stored.key_id, &stored.response, "idempotency.response")?;
        let receipt: Receipt = serde_json::from_str(&body).map_err(AppError::internal)?;
        return Ok(Outcome::Replayed(receipt));
    }
    if let Some(import_ref) = &req.import_ref
        && evaluations::import_ref_exists(conn, import_ref).await?
    {
        return Ok(Outcome::AlreadyImported);
    }
    let receipt = match &req.submission {
        Submission::Evaluation(e) => {
            evaluation::record(conn, key, &req.rules, e, &req.submitter, req.received_at, req.import_ref.as_deref())
                .await?
        }
        Submission::Complaint(c) => {
            complaint::record(conn, key, &req.rules, c, None, &req.submitter, req.received_at).await?
        }
        Submission::Misconduct(kind, c) => {
            complaint::record(conn, key, &req.rules, c, Some(*kind), &req.submitter, req.received_at).await?
        }
    };
    if let Some((idem_key, request_hash)) = &req.idempotency {
        let body = serde_json::to_string(&receipt).expect("receipt serialises");
        let stored = idempotency::Stored {
            request_hash: request_hash.clone(),
            status: 201,
            response: key.encrypt(&body, "idempotency.response"),
            key_id: key.key_id().to_owned(),
        };
        idempotency::put(conn, idem_key, &stored, req.received_at).await.map_err(|e| match e {
            // Another process stored the same key first; the client will get that answer on its retry.
            StoreError::Database(db) if hcp_store::is_unique_violation(&db) => {
                AppError::new(ErrorCode::IdempotencyInProgress, "相同的请求正在处理，请稍后重试")
            }
            other => other.into(),
        })?;
    }
    Ok(Outcome::Created(receipt))
}
