//! The contact of the citizen behind a ticket (the evaluator of a bad review, the complainant or the reporter) in
//! clear, for the revisit: only to the roles that revisit, with a stated reason, audited against the ticket in
//! the same transaction (DESIGN §7: revealing needs a permission and a reason, and is itself audited).

use hcp_core::evaluation::EvaluatorKind;
use hcp_store::{audit, complaints, evaluations, tickets};
use serde::Serialize;
use utoipa::ToSchema;

use super::sees_misconduct;
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult};
use crate::app::evaluations::{REVEAL_REASON_MIN, RevealBody};
use crate::app::state::AppState;

/// The citizen's contact in clear: only in this answer, never stored elsewhere.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketContact {
    pub ticket_id: i64,
    /// `evaluation` (the evaluator of a bad review) or `complaint` (the complainant or reporter).
    pub source: &'static str,
    /// An evaluator's kind; null for a complaint or an anonymous evaluation.
    pub kind: Option<EvaluatorKind>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub id_no: Option<String>,
}

impl TicketContact {
    /// Nothing was left to reach the citizen by.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.phone.is_none() && self.id_no.is_none()
    }
}

/// Checks the stated reason: a few words, not a key press, not an essay.
fn reason(body: &RevealBody) -> AppResult<&str> {
    let reason = body.reason.as_deref().map(str::trim).unwrap_or_default();
    if (REVEAL_REASON_MIN..=500).contains(&reason.chars().count()) {
        Ok(reason)
    } else {
        Err(AppError::invalid_field("reason", "请说明查看联系方式的理由（4至500字）"))
    }
}

/// Reveals the contact of the ticket's citizen to a supervisor or hotline operator whose scope holds the ticket.
pub async fn reveal(state: &AppState, user: &CurrentUser, id: i64, body: &RevealBody) -> AppResult<TicketContact> {
    if !user.role.does_revisits() {
        return Err(AppError::forbidden());
    }
    let reason = reason(body)?;
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let ticket = tickets::get(&mut tx, id, user.scope()?, sees_misconduct(user.role))
        .await?
        .ok_or_else(|| AppError::not_found("工单"))?;
    let open = |key_id: &Option<String>, value: &Option<Vec<u8>>, context: &str| -> AppResult<Option<String>> {
        let key_id = key_id.clone().unwrap_or_default();
        value.as_ref().map(|data| state.key().decrypt(&key_id, data, context).map_err(AppError::internal)).transpose()
    };
    let contact = if let Some(evaluation) = ticket.evaluation_id {
        // The ticket's scope was checked above; its evaluation is the same window's.
        let row = evaluations::get(&mut tx, evaluation, None).await?.ok_or_else(|| AppError::not_found("评价"))?;
        TicketContact {
            ticket_id: id,
            source: "evaluation",
            kind: row.evaluator_kind,
            name: open(&row.key_id, &row.evaluator_name, "evaluator.name")?,
            phone: open(&row.key_id, &row.evaluator_phone, "evaluator.phone")?,
            id_no: open(&row.key_id, &row.evaluator_id_no, "evaluator.id_no")?,
        }
    } else if let Some(complaint) = ticket.complaint_id {
        let row = complaints::get(&mut tx, complaint).await?.ok_or_else(|| AppError::not_found("投诉"))?;
        TicketContact {
            ticket_id: id,
            source: "complaint",
            kind: None,
            name: open(&row.key_id, &row.contact_name, "contact.name")?,
            phone: open(&row.key_id, &row.contact_phone, "contact.phone")?,
            id_no: None,
        }
    } else {
        return Err(AppError::not_found("联系方式"));
    };
    let fields: Vec<&str> = [("name", &contact.name), ("phone", &contact.phone), ("id_no", &contact.id_no)]
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .map(|(k, _)| k)
        .collect();
    let source_id = ticket.evaluation_id.or(ticket.complaint_id);
    audit::append(
        &mut tx,
        now,
        &user.actor(),
        "ticket.reveal_contact",
        &format!("ticket:{id}"),
        &serde_json::json!({"reason": reason, "fields": fields, "source": contact.source, "source_id": source_id}),
    )
    .await?;
    tx.commit().await?;
    Ok(contact)
}
