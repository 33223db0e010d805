//! What the API shows of stored rows. Evaluator identity is decided here, per role, as lemmy hides moderator
//! identity at the view layer: the evaluated side sees none, others a masked value.

use chrono::{DateTime, Utc};
use hcp_core::calendar::WorkCalendar;
use hcp_core::channel::Channel;
use hcp_core::clock::shanghai;
use hcp_core::level::Level;
use hcp_core::lifecycle::TicketFacts;
use hcp_core::privacy::{mask_id_no, mask_name, mask_phone};
use hcp_core::role::Role;
use hcp_core::tags;
use hcp_store::crypto::DataKey;
use hcp_store::evaluations::EvaluationRow;
use hcp_store::from_ms;
use hcp_store::tickets::{AttachmentMeta, TicketRow};
use serde::Serialize;
use utoipa::ToSchema;

/// RFC 3339 in China Standard Time, as users read it.
pub fn local_time(ms: i64) -> String {
    from_ms(ms).with_timezone(&shanghai()).to_rfc3339()
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
    pub kind: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub id_no: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EvaluationView {
    pub id: i64,
    pub tracking_code: String,
    pub channel: String,
    pub channel_label: String,
    pub case_no: Option<String>,
    pub service_item: Option<Named>,
    pub org_unit: String,
    pub department: String,
    pub window: Named,
    /// `code` is the staff number (工号).
    pub staff: Option<Named>,
    pub level: i64,
    pub level_label: String,
    pub tags: Vec<TagView>,
    pub comment: String,
    pub follow_up: bool,
    pub first_evaluation_id: Option<i64>,
    pub evaluated_at: String,
    pub received_at: String,
    /// `adopted` or `not_adopted`.
    pub adoption: String,
    pub adoption_reason: Option<String>,
    pub ticket_id: Option<i64>,
    /// Absent for the evaluated staff and their heads; masked for others.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluator: Option<EvaluatorView>,
}

impl EvaluationView {
    pub fn new(row: EvaluationRow, role: Role, key: &DataKey) -> EvaluationView {
        let evaluator = if role.sees_masked_evaluator() && row.evaluator_kind.is_some() {
            let open = |value: &Option<Vec<u8>>, context: &str, mask: fn(&str) -> String| {
                let data = value.as_ref()?;
                let key_id = row.key_id.as_deref().unwrap_or_default();
                Some(key.decrypt(key_id, data, context).map(|v| mask(&v)).unwrap_or_else(|_| "***".into()))
            };
            Some(EvaluatorView {
                kind: row.evaluator_kind.clone(),
                name: open(&row.evaluator_name, "evaluator.name", mask_name),
                phone: open(&row.evaluator_phone, "evaluator.phone", mask_phone),
                id_no: open(&row.evaluator_id_no, "evaluator.id_no", mask_id_no),
            })
        } else {
            None
        };
        let channel = Channel::parse(&row.channel);
        let level = Level::from_code(row.level);
        EvaluationView {
            id: row.id,
            tracking_code: row.tracking_code,
            channel_label: channel.map(|c| c.label().to_owned()).unwrap_or_default(),
            channel: row.channel,
            case_no: row.case_no,
            service_item: row.item_code.zip(row.item_name).map(|(code, name)| Named { code, name }),
            org_unit: row.org_unit_name,
            department: row.department_name,
            window: Named { code: row.window_code, name: row.window_name },
            staff: row.staff_no.zip(row.staff_name).map(|(code, name)| Named { code, name }),
            level: row.level,
            level_label: level.map(|l| l.label().to_owned()).unwrap_or_default(),
            tags: row
                .tags
                .split(',')
                .filter_map(|t| t.parse::<u16>().ok())
                .filter_map(tags::find)
                .map(|t| TagView { code: t.code, label: t.label.to_owned() })
                .collect(),
            comment: row.comment,
            follow_up: row.follow_up != 0,
            first_evaluation_id: row.first_evaluation_id,
            evaluated_at: local_time(row.evaluated_at),
            received_at: local_time(row.received_at),
            adoption: row.adoption,
            adoption_reason: row.adoption_reason,
            ticket_id: row.ticket_id,
            evaluator,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TicketView {
    pub id: i64,
    /// `bad_review`, `complaint` or `misconduct`.
    pub kind: String,
    pub kind_label: String,
    pub state: String,
    pub state_label: String,
    pub evaluation_id: Option<i64>,
    pub complaint_id: Option<i64>,
    pub level: Option<i64>,
    pub org_unit: Option<String>,
    pub department: Option<String>,
    pub window: Option<Named>,
    pub staff: Option<Named>,
    pub created_at: String,
    pub updated_at: String,
    /// When the responsible staff received it (dispatch); the clocks count from here.
    pub received_at: Option<String>,
    /// `immediate`, `complex` or `no_legal_basis` once verified.
    pub classification: Option<String>,
    pub classification_label: Option<String>,
    pub deadlines: DeadlinesView,
    /// The deadline the ticket is waiting on now, if any.
    pub next_deadline: Option<String>,
    /// Working days left until `next_deadline` (0 = due today); negative never: see `overdue`.
    pub working_days_left: Option<u32>,
    /// A deadline was missed (stays set; the ticket keeps its state).
    pub overdue: bool,
    /// The citizen was unsatisfied again after the reopened rectification: handed to the bureau.
    pub escalated: bool,
    /// Misconduct reports: `substantiated` or `unsubstantiated`.
    pub outcome: Option<String>,
    /// Whether the evaluated staff may still apply for review.
    pub appeal_open: bool,
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
    pub fn new(row: TicketRow, now: DateTime<Utc>) -> Self {
        Self::with_calendar(row, now, None)
    }

    pub fn with_calendar(row: TicketRow, now: DateTime<Utc>, calendar: Option<&WorkCalendar>) -> Self {
        let kind = hcp_core::ticket::TicketKind::parse(&row.kind);
        let state = hcp_core::ticket::TicketState::parse(&row.state);
        let facts: TicketFacts = serde_json::from_str(&row.facts).unwrap_or_default();
        let classification = facts.classification;
        let deadline = |d: &Option<hcp_core::calendar::Deadline>| d.as_ref().map(|d| DeadlineView::new(d, now));
        let next = facts.pending_deadlines().into_iter().map(|(_, d)| d).min_by_key(|d| d.at);
        let appeal_open = row.kind == "bad_review"
            && !facts.appealed
            && matches!(
                state,
                Some(hcp_core::ticket::TicketState::Dispatched | hcp_core::ticket::TicketState::Rectifying)
            )
            && facts.appeal_by.is_some_and(|d| now <= d.at);
        TicketView {
            id: row.id,
            kind_label: kind.map(|k| k.label().to_owned()).unwrap_or_default(),
            kind: row.kind,
            state_label: state.map(|s| s.label().to_owned()).unwrap_or_default(),
            state: row.state,
            evaluation_id: row.evaluation_id,
            complaint_id: row.complaint_id,
            level: row.level,
            org_unit: row.org_unit_name,
            department: row.department_name,
            window: row.window_code.zip(row.window_name).map(|(code, name)| Named { code, name }),
            staff: row.staff_no.zip(row.staff_name).map(|(code, name)| Named { code, name }),
            created_at: local_time(row.created_at),
            updated_at: local_time(row.updated_at),
            received_at: row.received_at.map(local_time),
            classification: row.classification,
            classification_label: classification.map(|c| c.label().to_owned()),
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
            outcome: row.outcome,
            appeal_open,
        }
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
    pub channel: String,
    pub channel_label: String,
    pub content: String,
    /// Misconduct reports: coercion, falsification, leaking, not_rectifying.
    pub report_kind: Option<String>,
    pub report_kind_label: Option<String>,
    pub received_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<EvaluatorView>,
}

impl ComplaintView {
    pub fn new(row: hcp_store::complaints::ComplaintRow, role: Role, key: &DataKey) -> ComplaintView {
        let contact = role.sees_masked_evaluator().then(|| {
            let open = |value: &Option<Vec<u8>>, context: &str, mask: fn(&str) -> String| {
                let data = value.as_ref()?;
                let key_id = row.key_id.as_deref().unwrap_or_default();
                Some(key.decrypt(key_id, data, context).map(|v| mask(&v)).unwrap_or_else(|_| "***".into()))
            };
            EvaluatorView {
                kind: None,
                name: open(&row.contact_name, "contact.name", mask_name),
                phone: open(&row.contact_phone, "contact.phone", mask_phone),
                id_no: None,
            }
        });
        let kind = row.report_kind.as_deref().and_then(hcp_core::complaint::ReportKind::parse);
        ComplaintView {
            id: row.id,
            channel_label: hcp_core::complaint::ComplaintChannel::parse(&row.channel)
                .map(|c| c.label().to_owned())
                .unwrap_or_default(),
            channel: row.channel,
            content: row.content,
            report_kind_label: kind.map(|k| k.label().to_owned()),
            report_kind: row.report_kind,
            received_at: local_time(row.received_at),
            contact,
        }
    }
}

/// One step of the timeline: who, when, what, why, with which evidence.
#[derive(Serialize, ToSchema)]
pub struct EventView {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub action_label: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    /// The action's fields (finding, measures, text, reason, statement, explanation, note …) and the
    /// deadlines after it.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// Shown to the citizen on the tracking page.
    pub public: bool,
}

impl EventView {
    pub fn new(e: hcp_store::tickets::Event) -> Self {
        EventView {
            id: e.id,
            at: local_time(e.at),
            actor: e.actor,
            action_label: crate::app::lifecycle::action_label(&e.action).to_owned(),
            action: e.action,
            from_state: e.from_state,
            to_state: e.to_state,
            details: serde_json::from_str(&e.details).unwrap_or_default(),
            public: e.public != 0,
        }
    }
}

impl TicketDetail {
    pub fn new(
        row: TicketRow,
        events: Vec<hcp_store::tickets::Event>,
        attachments: Vec<AttachmentMeta>,
        now: DateTime<Utc>,
        calendar: &WorkCalendar,
    ) -> Self {
        TicketDetail {
            ticket: TicketView::with_calendar(row, now, Some(calendar)),
            timeline: events.into_iter().map(EventView::new).collect(),
            attachments,
            complaint: None,
        }
    }
}

/// A page of a list.
#[derive(Serialize, ToSchema)]
pub struct Paged<T: ToSchema> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}
