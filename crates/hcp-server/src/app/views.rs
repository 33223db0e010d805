//! What the API shows of stored rows. Evaluator identity is decided here, per role, as lemmy hides moderator
//! identity at the view layer: the evaluated side sees none, others a masked value.

use chrono::{DateTime, Utc};
use hcp_core::calendar::WorkCalendar;
use hcp_core::channel::Channel;
use hcp_core::clock::shanghai;
use hcp_core::complaint::{ComplaintChannel, ReportKind};
use hcp_core::evaluation::{Adoption, AdoptionReason, EvaluatorKind};
use hcp_core::level::Level;
use hcp_core::lifecycle::{Classification, ReportFinding, event_label};
use hcp_core::privacy::{mask_id_no, mask_name, mask_phone};
use hcp_core::role::Role;
use hcp_core::ticket::{TicketKind, TicketState};
use hcp_store::crypto::DataKey;
use hcp_store::evaluations::EvaluationRow;
use hcp_store::tickets::{AttachmentMeta, TicketRow};
use hcp_store::{StoreError, from_ms};
use serde::Serialize;
use utoipa::ToSchema;

/// A stored instant as RFC 3339 in China Standard Time, as users read it; out of range is corrupt data.
pub fn local_time(ms: i64) -> Result<String, StoreError> {
    Ok(from_ms(ms)?.with_timezone(&shanghai()).to_rfc3339())
}

pub fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&shanghai()).to_rfc3339()
}

#[derive(Serialize, ToSchema)]
pub struct Named {
    pub code: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct TagView {
    pub code: u16,
    pub label: String,
}

/// Evaluator data as the caller may see it: masked, never in clear.
#[derive(Serialize, ToSchema)]
pub struct EvaluatorView {
    pub kind: Option<EvaluatorKind>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub id_no: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EvaluationView {
    pub id: i64,
    pub tracking_code: String,
    pub channel: Channel,
    pub channel_label: &'static str,
    pub case_no: Option<String>,
    pub service_item: Option<Named>,
    pub org_unit: String,
    pub department: String,
    pub window: Named,
    /// `code` is the staff number (工号).
    pub staff: Option<Named>,
    #[schema(value_type = i64)]
    pub level: Level,
    pub level_label: &'static str,
    pub tags: Vec<TagView>,
    pub comment: String,
    pub follow_up: bool,
    pub first_evaluation_id: Option<i64>,
    pub evaluated_at: String,
    pub received_at: String,
    pub adoption: Adoption,
    pub adoption_label: &'static str,
    pub adoption_reason: Option<AdoptionReason>,
    pub adoption_reason_label: Option<&'static str>,
    pub ticket_id: Option<i64>,
    /// Absent for the evaluated staff and their heads; masked for others.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluator: Option<EvaluatorView>,
}

/// Opens a sealed contact value and masks it; a value that does not open shows as `***`.
fn masked(
    key: &DataKey,
    key_id: Option<&str>,
    value: &Option<Vec<u8>>,
    context: &str,
    mask: fn(&str) -> String,
) -> Option<String> {
    let data = value.as_ref()?;
    Some(key.decrypt(key_id.unwrap_or_default(), data, context).map(|v| mask(&v)).unwrap_or_else(|_| "***".into()))
}

impl EvaluationView {
    pub fn new(row: EvaluationRow, role: Role, key: &DataKey) -> Result<EvaluationView, StoreError> {
        let evaluator = (role.sees_masked_evaluator() && row.evaluator_kind.is_some()).then(|| {
            let key_id = row.key_id.as_deref();
            EvaluatorView {
                kind: row.evaluator_kind,
                name: masked(key, key_id, &row.evaluator_name, "evaluator.name", mask_name),
                phone: masked(key, key_id, &row.evaluator_phone, "evaluator.phone", mask_phone),
                id_no: masked(key, key_id, &row.evaluator_id_no, "evaluator.id_no", mask_id_no),
            }
        });
        Ok(EvaluationView {
            id: row.id,
            tracking_code: row.tracking_code,
            channel_label: row.channel.label(),
            channel: row.channel,
            case_no: row.case_no,
            service_item: row.item_code.zip(row.item_name).map(|(code, name)| Named { code, name }),
            org_unit: row.org_unit_name,
            department: row.department_name,
            window: Named { code: row.window_code, name: row.window_name },
            staff: row.staff_no.zip(row.staff_name).map(|(code, name)| Named { code, name }),
            level_label: row.level.label(),
            level: row.level,
            tags: row.tags.tags().map(|t| TagView { code: t.code, label: t.label.to_owned() }).collect(),
            comment: row.comment,
            follow_up: row.follow_up != 0,
            first_evaluation_id: row.first_evaluation_id,
            evaluated_at: local_time(row.evaluated_at)?,
            received_at: local_time(row.received_at)?,
            adoption_label: row.adoption.label(),
            adoption: row.adoption,
            adoption_reason_label: row.adoption_reason.map(AdoptionReason::label),
            adoption_reason: row.adoption_reason,
            ticket_id: row.ticket_id,
            evaluator,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct TicketView {
    pub id: i64,
    pub kind: TicketKind,
    pub kind_label: &'static str,
    pub state: TicketState,
    pub state_label: &'static str,
    pub evaluation_id: Option<i64>,
    pub complaint_id: Option<i64>,
    #[schema(value_type = Option<i64>)]
    pub level: Option<Level>,
    pub org_unit: Option<String>,
    pub department: Option<String>,
    pub window: Option<Named>,
    pub staff: Option<Named>,
    pub created_at: String,
    pub updated_at: String,
    /// When the responsible staff received it (dispatch); the clocks count from here.
    pub received_at: Option<String>,
    /// Once verified.
    pub classification: Option<Classification>,
    pub classification_label: Option<&'static str>,
    pub deadlines: DeadlinesView,
    /// The deadline the ticket is waiting on now, if any.
    pub next_deadline: Option<String>,
    /// Working days left until `next_deadline` (0 = due today); negative never: see `overdue`.
    pub working_days_left: Option<u32>,
    /// A deadline was missed (stays set; the ticket keeps its state).
    pub overdue: bool,
    /// The citizen was unsatisfied again after the reopened rectification: handed to the bureau.
    pub escalated: bool,
    /// Misconduct reports: the bureau's finding.
    pub outcome: Option<ReportFinding>,
    pub outcome_label: Option<&'static str>,
    /// Whether the evaluated staff may still apply for review.
    pub appeal_open: bool,
    /// While an appeal is under review the feedback clock stops: the working days it resumes with.
    pub feedback_paused_days_left: Option<u32>,
}

/// Deadlines in China Standard Time; `provisional` when a year without a published holiday arrangement was
/// assumed to follow the Monday–Friday rule.
#[derive(Serialize, ToSchema, Default)]
pub struct DeadlinesView {
    pub appeal_by: Option<DeadlineView>,
    pub review_by: Option<DeadlineView>,
    pub feedback_by: Option<DeadlineView>,
}

#[derive(Serialize, ToSchema)]
pub struct DeadlineView {
    pub at: String,
    pub provisional: bool,
    pub passed: bool,
}

impl DeadlineView {
    pub fn new(d: &hcp_core::calendar::Deadline, now: DateTime<Utc>) -> Self {
        DeadlineView { at: d.to_rfc3339(), provisional: d.provisional, passed: d.at < now }
    }
}

impl TicketView {
    pub fn new(row: TicketRow, now: DateTime<Utc>) -> Result<Self, StoreError> {
        Self::with_calendar(row, now, None)
    }

    pub fn with_calendar(
        row: TicketRow,
        now: DateTime<Utc>,
        calendar: Option<&WorkCalendar>,
    ) -> Result<Self, StoreError> {
        let facts = &row.facts;
        let deadline = |d: &Option<hcp_core::calendar::Deadline>| d.as_ref().map(|d| DeadlineView::new(d, now));
        let next = facts.pending_deadlines().into_iter().map(|(_, d)| d).min_by_key(|d| d.at);
        let appeal_open = row.kind == TicketKind::BadReview
            && !facts.appealed
            && matches!(row.state, TicketState::Dispatched | TicketState::Rectifying)
            && facts.appeal_by.is_some_and(|d| now <= d.at);
        Ok(TicketView {
            id: row.id,
            kind_label: row.kind.label(),
            kind: row.kind,
            state_label: row.state.label(),
            state: row.state,
            evaluation_id: row.evaluation_id,
            complaint_id: row.complaint_id,
            level: row.level,
            org_unit: row.org_unit_name,
            department: row.department_name,
            window: row.window_code.zip(row.window_name).map(|(code, name)| Named { code, name }),
            staff: row.staff_no.zip(row.staff_name).map(|(code, name)| Named { code, name }),
            created_at: local_time(row.created_at)?,
            updated_at: local_time(row.updated_at)?,
            received_at: row.received_at.map(local_time).transpose()?,
            classification_label: row.classification.map(Classification::label),
            classification: row.classification,
            deadlines: DeadlinesView {
                appeal_by: deadline(&facts.appeal_by),
                review_by: deadline(&facts.review_by),
                feedback_by: deadline(&facts.feedback_by),
            },
            next_deadline: next.map(|d| d.to_rfc3339()),
            working_days_left: next
                .filter(|d| d.at >= now)
                .and_then(|d| calendar.map(|c| c.working_days_left(now, d.at))),
            overdue: row.overdue != 0,
            escalated: row.escalated != 0,
            outcome_label: row.outcome.map(ReportFinding::label),
            outcome: row.outcome,
            appeal_open,
            feedback_paused_days_left: facts.feedback_days_left.filter(|_| row.state == TicketState::UnderReview),
        })
    }
}

/// A ticket with its timeline and evidence.
#[derive(Serialize, ToSchema)]
pub struct TicketDetail {
    #[serde(flatten)]
    pub ticket: TicketView,
    pub timeline: Vec<EventView>,
    pub attachments: Vec<AttachmentMeta>,
    /// What the complaint or misconduct report said (tickets of those kinds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complaint: Option<ComplaintView>,
}

/// A complaint or misconduct report as its ticket shows it. The contact follows the evaluator's rule: absent for
/// the staff and heads it may concern, masked for others.
#[derive(Serialize, ToSchema)]
pub struct ComplaintView {
    pub id: i64,
    pub channel: ComplaintChannel,
    pub channel_label: &'static str,
    pub content: String,
    /// Misconduct reports.
    pub report_kind: Option<ReportKind>,
    pub report_kind_label: Option<&'static str>,
    pub received_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<EvaluatorView>,
}

impl ComplaintView {
    pub fn new(
        row: hcp_store::complaints::ComplaintRow,
        role: Role,
        key: &DataKey,
    ) -> Result<ComplaintView, StoreError> {
        let contact = role.sees_masked_evaluator().then(|| {
            let key_id = row.key_id.as_deref();
            EvaluatorView {
                kind: None,
                name: masked(key, key_id, &row.contact_name, "contact.name", mask_name),
                phone: masked(key, key_id, &row.contact_phone, "contact.phone", mask_phone),
                id_no: None,
            }
        });
        Ok(ComplaintView {
            id: row.id,
            channel_label: row.channel.label(),
            channel: row.channel,
            content: row.content,
            report_kind_label: row.report_kind.map(ReportKind::label),
            report_kind: row.report_kind,
            received_at: local_time(row.received_at)?,
            contact,
        })
    }
}

/// One step of the timeline: who, when, what, why, with which evidence.
#[derive(Serialize, ToSchema)]
pub struct EventView {
    pub id: i64,
    pub at: String,
    /// How the audit log names the actor (a user name, or 群众 / 系统).
    pub actor: String,
    /// The actor as colleagues read it: 群众, 系统, or the person's name and role ("王芳（窗口负责人）").
    pub actor_label: String,
    pub action: String,
    pub action_label: &'static str,
    pub from_state: Option<TicketState>,
    pub to_state: Option<TicketState>,
    /// The action's fields (finding, measures, text, reason, statement, explanation, note …) and the
    /// deadlines after it.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// Shown to the citizen on the tracking page.
    pub public: bool,
}

impl EventView {
    pub fn new(e: hcp_store::tickets::Event) -> Result<Self, StoreError> {
        Ok(EventView {
            id: e.id,
            at: local_time(e.at)?,
            actor_label: actor_fallback(&e.actor, &e.action),
            actor: e.actor,
            action_label: event_label(&e.action),
            action: e.action,
            from_state: e.from_state,
            to_state: e.to_state,
            details: e.details,
            public: e.public != 0,
        })
    }
}

/// The label of an actor that is no signed-in user: the citizen, the system's jobs and the demo's named roles
/// keep their (Chinese) names; entries written before the names were Chinese are mapped here.
fn actor_fallback(actor: &str, action: &str) -> String {
    match actor {
        "citizen" => "群众".into(),
        // A calendar change recomputes deadlines on the administrator's behalf.
        _ if action == "recompute" => "系统（工作日历调整）".into(),
        _ if actor.is_ascii() => "系统".into(),
        other => other.to_owned(),
    }
}

impl TicketDetail {
    pub fn new(
        row: TicketRow,
        events: Vec<hcp_store::tickets::Event>,
        attachments: Vec<AttachmentMeta>,
        now: DateTime<Utc>,
        calendar: &WorkCalendar,
    ) -> Result<Self, StoreError> {
        Ok(TicketDetail {
            ticket: TicketView::with_calendar(row, now, Some(calendar))?,
            timeline: events.into_iter().map(EventView::new).collect::<Result<_, _>>()?,
            attachments,
            complaint: None,
        })
    }
}
