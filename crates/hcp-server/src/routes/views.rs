//! What the API shows of stored rows. Evaluator identity is decided here, per role, as lemmy hides moderator
//! identity at the view layer: the evaluated side sees none, others a masked value.

use chrono::{DateTime, Utc};
use hcp_core::channel::Channel;
use hcp_core::clock::shanghai;
use hcp_core::level::Level;
use hcp_core::privacy::{mask_id_no, mask_name, mask_phone};
use hcp_core::role::Role;
use hcp_core::tags;
use hcp_store::crypto::DataKey;
use hcp_store::evaluations::EvaluationRow;
use hcp_store::from_ms;
use hcp_store::tickets::TicketRow;
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
}

impl From<TicketRow> for TicketView {
    fn from(row: TicketRow) -> Self {
        let kind = hcp_core::ticket::TicketKind::parse(&row.kind);
        let state = hcp_core::ticket::TicketState::parse(&row.state);
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
