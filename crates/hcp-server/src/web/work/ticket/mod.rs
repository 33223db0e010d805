//! `/work/tickets/{id}`: one ticket as `GET /api/v1/tickets/{id}` shows it (state, deadlines, timeline,
//! evidence), the evaluation it came from as `GET /api/v1/evaluations/{id}` masks it for the role, and the
//! forms of the actions this user may take in this state ([`actions`]); the timeline in words is
//! [`timeline`].

mod actions;
mod appeal;
mod reveal;
mod timeline;

pub use actions::submit;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hcp_core::role::Role;
use hcp_core::ticket::TicketState;
use serde::Deserialize;

use super::Due;
use crate::app::error::{AppError, ErrorCode};
use crate::app::evaluations;
use crate::app::org::Organisation;
use crate::app::state::AppState;
use crate::app::tickets;
use crate::app::tickets::reveal::TicketContact;
use crate::app::views::{EvaluationView, TicketDetail, local_time};
use crate::web::errors::PageError;
use crate::web::form_view::FormView;
use crate::web::layout::Chrome;
use crate::web::local_text;
use crate::web::signed_in::SignedIn;
use timeline::EventLine;

/// What the user last submitted, re-shown with the refusal or the field errors.
#[derive(Default)]
pub struct Attempt {
    pub action: String,
    pub form: FormView,
}

pub struct DeadlineLine {
    pub label: &'static str,
    pub at: String,
    pub provisional: bool,
    pub due: Due,
}

pub struct AttachmentLine {
    pub id: i64,
    pub filename: String,
    pub kind: &'static str,
    pub size_kb: i64,
    pub at: String,
}

pub struct EvaluationBox {
    pub view: EvaluationView,
    pub evaluated_at: String,
    pub tags: String,
}

pub struct Option2 {
    pub value: String,
    pub label: String,
    pub group: String,
}

#[derive(Template)]
#[template(path = "work_ticket.html")]
pub struct TicketPage {
    pub chrome: Chrome,
    pub detail: TicketDetail,
    pub due: Due,
    pub deadlines: Vec<DeadlineLine>,
    pub classification_label: String,
    pub evaluation: Option<EvaluationBox>,
    pub timeline: Vec<EventLine>,
    pub attachments: Vec<AttachmentLine>,
    pub forms: Vec<&'static str>,
    pub csrf: String,
    pub windows: Vec<Option2>,
    pub staff: Vec<Option2>,
    pub done: Option<&'static str>,
    pub attempt: Attempt,
    pub role_is_staff: bool,
    /// Why this user, who may appeal bad reviews, has no appeal form here (or why it is still offered).
    pub appeal_note: Option<String>,
    /// The user revisits citizens (and is told when there is no one to call).
    pub revisits: bool,
    /// The user revisits citizens and there is a masked contact to reveal.
    pub may_reveal: bool,
    /// The contact in clear, in the answer to the reveal form only.
    pub revealed: Option<TicketContact>,
}

impl TicketPage {
    pub fn has(&self, action: &str) -> bool {
        self.forms.contains(&action)
    }

    /// A refusal of an action whose form is no longer shown (e.g. the state moved on), shown at the top.
    pub fn orphan_message(&self) -> Option<&str> {
        if self.forms.contains(&self.attempt.action.as_str()) { None } else { self.attempt.form.general.as_deref() }
    }

    /// The value typed into a field of the form that was just refused, else "".
    pub fn val(&self, action: &str, field: &str) -> &str {
        if self.attempt.action == action { self.attempt.form.v(field) } else { "" }
    }

    pub fn is(&self, action: &str, field: &str, value: &str) -> bool {
        self.val(action, field) == value
    }

    pub fn err(&self, action: &str, field: &str) -> Option<&str> {
        if self.attempt.action == action { self.attempt.form.e(field) } else { None }
    }

    pub fn general(&self, action: &str) -> Option<&str> {
        if self.attempt.action == action { self.attempt.form.general.as_deref() } else { None }
    }
}

pub(super) fn ticket_id(id: &str) -> Result<i64, PageError> {
    id.parse().map_err(|_| PageError::not_found())
}

pub(super) async fn build(
    state: &AppState,
    me: &SignedIn,
    id: i64,
    done: Option<&'static str>,
    attempt: Attempt,
) -> Result<TicketPage, PageError> {
    let detail = tickets::detail(state, &me.user, id).await?;
    let forms: Vec<&'static str> =
        tickets::open_actions(state, &me.user, id).await?.into_iter().filter_map(actions::segment_of).collect();
    let now = state.now();
    let calendar = state.calendar();
    let t = &detail.ticket;
    let mut deadlines = Vec::new();
    // Only a deadline the ticket still waits on counts down; the others are shown as dates.
    let waiting_feedback = matches!(
        t.state,
        TicketState::Dispatched | TicketState::Rectifying | TicketState::Explaining | TicketState::Reopened
    );
    for (label, d, pending) in [
        ("申诉期限", &t.deadlines.appeal_by, t.appeal_open),
        ("申诉复核期限", &t.deadlines.review_by, t.state == TicketState::UnderReview),
        ("反馈期限", &t.deadlines.feedback_by, waiting_feedback),
    ] {
        if let Some(d) = d {
            deadlines.push(DeadlineLine {
                label,
                at: local_text(&d.at),
                provisional: d.provisional,
                due: if pending { Due::of_rfc3339(Some(&d.at), now, &calendar) } else { Due::none() },
            });
        }
    }
    // The feedback clock stops while an appeal is reviewed: say so, with the working days it resumes with.
    if let Some(left) = t.feedback_paused_days_left {
        deadlines.push(DeadlineLine {
            label: "反馈期限",
            at: "申诉复核期间暂停计算".into(),
            provisional: false,
            due: Due::paused(left),
        });
    }
    let evaluation = match t.evaluation_id {
        Some(e) => match evaluations::get(state, &me.user, e).await {
            Ok(view) => Some(EvaluationBox {
                evaluated_at: local_text(&view.evaluated_at),
                tags: view.tags.iter().map(|t| t.label.as_str()).collect::<Vec<_>>().join("、"),
                view,
            }),
            Err(err) if err.code == ErrorCode::NotFound => None,
            Err(err) => return Err(err.into()),
        },
        None => None,
    };
    let timeline = timeline::lines(&detail);
    let attachments = detail
        .attachments
        .iter()
        .map(|a| {
            Ok(AttachmentLine {
                id: a.id,
                filename: a.filename.clone(),
                kind: match a.content_type.as_str() {
                    "application/pdf" => "PDF",
                    _ => "图片",
                },
                size_kb: (a.size + 1023) / 1024,
                at: local_text(&local_time(a.uploaded_at).map_err(AppError::from)?),
            })
        })
        .collect::<Result<_, AppError>>()?;
    let (mut windows, mut staff) = (Vec::new(), Vec::new());
    if forms.contains(&"dispatch") {
        let Organisation { windows: all_windows, staff: all_staff, .. } = Organisation::load(state).await?;
        // Deactivated windows and staff cannot be dispatched to (the use case refuses them too).
        let all_windows: Vec<_> = all_windows.into_iter().filter(|w| w.deactivated_at.is_none()).collect();
        for s in all_staff.into_iter().filter(|s| s.deactivated_at.is_none()) {
            let Some(w) = all_windows.iter().find(|w| Some(w.id) == s.window_id) else { continue };
            staff.push(Option2 {
                value: s.staff_no.clone(),
                label: format!("{}（{}）", s.name, s.staff_no),
                group: format!("{} {}", w.code, w.name),
            });
        }
        windows = all_windows
            .into_iter()
            .map(|w| Option2 { label: format!("{} {}", w.code, w.name), value: w.code, group: String::new() })
            .collect();
    }
    let appeal_note = appeal::note(&detail, me.user.role, forms.contains(&"appeal"));
    let may_reveal = me.user.role.does_revisits()
        && match (&evaluation, &detail.complaint) {
            (Some(e), _) => e.view.evaluator.as_ref().is_some_and(|v| v.name.is_some() || v.phone.is_some()),
            (None, Some(c)) => c.contact.as_ref().is_some_and(|v| v.name.is_some() || v.phone.is_some()),
            (None, None) => false,
        };
    Ok(TicketPage {
        chrome: me.chrome(state, format!("工单 #{id}")),
        due: Due::of_ticket(t, now, &calendar),
        classification_label: t.classification_label.unwrap_or_default().to_owned(),
        deadlines,
        evaluation,
        timeline,
        attachments,
        forms,
        csrf: me.token(state, actions::TICKET_FORM),
        windows,
        staff,
        done,
        attempt,
        role_is_staff: me.user.role == Role::Staff,
        appeal_note,
        revisits: me.user.role.does_revisits(),
        may_reveal,
        revealed: None,
        detail,
    })
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    pub done: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    query: Result<Query<DoneQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let id = ticket_id(&id)?;
    let done = query.ok().and_then(|q| q.0.done).and_then(|d| actions::done_message(&d));
    let page = build(&state, &me, id, done, Attempt::default()).await?;
    Ok(me.render(StatusCode::OK, &page))
}
