//! Ticket transitions as one use case: load the ticket in the caller's scope, check the role, let the pure state
//! machine decide, then store the new facts, the timeline entry, bound evidence, the audit entry, side effects
//! (adoption, outcome) and the notifications — all in one transaction, acknowledged after the commit.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use hcp_core::FieldErrors;
use hcp_core::calendar::{Deadline, WorkCalendar};
use hcp_core::evaluation::Adoption;
use hcp_core::lifecycle::{
    Action, Classification, Outcome, Policy, ReportFinding, ReviewReason, Satisfaction, TicketFacts, apply, permitted,
    recompute,
};
use hcp_core::role::{Role, Scope};
use hcp_core::ticket::{TicketKind, TicketState};
use hcp_store::{AnyConnection, audit, ms, org, tickets, users};
use serde_json::json;

use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::jobs::notify::{self, Notice};
use crate::app::state::AppState;
use crate::config::NotifyConfig;

/// What every transition is computed with: the calendar and policy of the moment, and where notices go.
#[derive(Debug, Clone)]
pub struct Rules {
    pub calendar: Arc<WorkCalendar>,
    pub policy: Policy,
    pub notify: Arc<NotifyConfig>,
    pub integrity: Arc<hcp_core::integrity::IntegrityConfig>,
}

impl Rules {
    /// For work outside a running server (CLI, demo loader): the calendar as stored, seeded if empty.
    pub async fn load(
        store: &hcp_store::Store,
        config: &crate::Config,
        now: DateTime<Utc>,
    ) -> hcp_store::Result<Rules> {
        let mut tx = store.begin().await?;
        hcp_store::calendar::seed_shipped(&mut tx, now).await?;
        tx.commit().await?;
        let mut conn = store.reader().await?;
        let calendar = hcp_store::calendar::load(&mut conn).await?;
        // The administrator's saved settings apply here too, over the config file's.
        let tunables = crate::app::settings::Tunables::load(&mut conn, config).await?;
        Ok(Rules {
            calendar: Arc::new(calendar),
            policy: tunables.policy,
            notify: Arc::new(config.notify.clone()),
            integrity: tunables.integrity,
        })
    }
}

/// Who acts: a signed-in user, a citizen with the tracking code, or the system (scheduler, demo).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
    /// `None` for the citizen and the system.
    pub role: Option<Role>,
}

impl Actor {
    pub fn citizen() -> Actor {
        Actor { user_id: None, name: "群众".into(), role: None }
    }

    pub fn system(name: &str) -> Actor {
        Actor { user_id: None, name: name.into(), role: None }
    }
}

#[derive(Debug, Clone)]
pub enum Command {
    Dispatch { window_code: Option<String>, staff_no: Option<String>, note: Option<String> },
    Verify { classification: Classification, finding: String },
    Rectify { measures: String, attachments: Vec<i64> },
    Feedback { text: String },
    Appeal { reason: ReviewReason, statement: String, attachments: Vec<i64> },
    Decide { outcome: Outcome, reason: Option<ReviewReason>, explanation: String, attachments: Vec<i64> },
    Revisit { satisfaction: Satisfaction, note: Option<String> },
    Close { note: Option<String> },
    Conclude { finding: ReportFinding, action_taken: String },
}

/// Longest free text of an action.
const MAX_TEXT: usize = 2000;

impl Command {
    fn action(&self) -> Action {
        match self {
            Command::Dispatch { .. } => Action::Dispatch,
            Command::Verify { classification, .. } => Action::Verify(*classification),
            Command::Rectify { .. } => Action::Rectify,
            Command::Feedback { .. } => Action::Feedback,
            Command::Appeal { .. } => Action::Appeal,
            Command::Decide { outcome, .. } => Action::Decide(*outcome),
            Command::Revisit { satisfaction, .. } => Action::Revisit(*satisfaction),
            Command::Close { .. } => Action::Close,
            Command::Conclude { .. } => Action::Conclude,
        }
    }

    fn attachments(&self) -> &[i64] {
        match self {
            Command::Rectify { attachments, .. }
            | Command::Appeal { attachments, .. }
            | Command::Decide { attachments, .. } => attachments,
            _ => &[],
        }
    }

    /// Field checks before anything is loaded.
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut text = |field: &str, value: &str, required: bool| {
            let len = value.trim().chars().count();
            if required && len == 0 {
                errors.add(field, "请填写此项");
            } else if len > MAX_TEXT {
                errors.add(field, format!("不能超过{MAX_TEXT}个字"));
            }
        };
        match self {
            Command::Dispatch { note, .. } | Command::Close { note } | Command::Revisit { note, .. } => {
                text("note", note.as_deref().unwrap_or(""), false)
            }
            Command::Verify { finding, .. } => text("finding", finding, true),
            Command::Rectify { measures, .. } => text("measures", measures, true),
            Command::Feedback { text: t } => text("text", t, true),
            Command::Appeal { statement, .. } => text("statement", statement, true),
            Command::Decide { outcome, reason, explanation, .. } => {
                text("explanation", explanation, true);
                if *outcome == Outcome::Overturned && reason.is_none() {
                    errors.add("reason", "改判须说明理由：误评或恶意差评");
                }
            }
            Command::Conclude { action_taken, .. } => text("action_taken", action_taken, true),
        }
        if self.attachments().len() > 10 {
            errors.add("attachments", "一次最多附10个附件");
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// What the timeline and the audit log keep of the action.
    fn details(&self) -> serde_json::Value {
        match self {
            Command::Dispatch { window_code, staff_no, note } => {
                json!({"window": window_code, "staff": staff_no, "note": note})
            }
            Command::Verify { classification, finding } => {
                json!({"classification": classification, "finding": finding})
            }
            Command::Rectify { measures, attachments } => json!({"measures": measures, "attachments": attachments}),
            Command::Feedback { text } => json!({"text": text}),
            Command::Appeal { reason, statement, attachments } => {
                json!({"reason": reason, "statement": statement, "attachments": attachments})
            }
            Command::Decide { outcome, reason, explanation, attachments } => {
                json!({"outcome": outcome, "reason": reason, "explanation": explanation, "attachments": attachments})
            }
            Command::Revisit { satisfaction, note } => json!({"satisfaction": satisfaction, "note": note}),
            Command::Close { note } => json!({"note": note}),
            Command::Conclude { finding, action_taken } => json!({"outcome": finding, "action_taken": action_taken}),
        }
    }

    /// Whether the citizen sees the entry on the tracking page (appeals and internal findings they do not).
    fn public(&self) -> bool {
        !matches!(self, Command::Appeal { .. })
    }
}

fn deadline_text(d: &Option<Deadline>) -> String {
    d.map(|d| d.local().format("%Y年%m月%d日 %H:%M").to_string()).unwrap_or_else(|| "—".into())
}

/// Whether a ticket of this kind knows the action at all: misconduct reports are dispatched and concluded by the
/// bureau; bad reviews and complaints are verified, rectified and answered; only a bad review is appealed.
pub fn kind_admits(kind: TicketKind, action: Action) -> AppResult<()> {
    match (kind, action) {
        (TicketKind::Misconduct, Action::Conclude | Action::Dispatch) => Ok(()),
        (TicketKind::Misconduct, _) | (_, Action::Conclude) => Err(AppError::new(
            ErrorCode::InvalidTransition,
            "举报工单由督查人员直接作出查处结论；差评和投诉工单按核实、整改、反馈办理",
        )),
        (TicketKind::Complaint, Action::Appeal) => {
            Err(AppError::new(ErrorCode::NotAppealable, "投诉工单不适用差评申诉复核"))
        }
        _ => Ok(()),
    }
}

/// The actions this role may take on a ticket of this kind in this state now, each tried with every choice it
/// offers (classification, outcome, satisfaction). A guide for showing forms: taking one checks everything again.
pub fn open_actions(
    role: Role,
    kind: TicketKind,
    facts: &TicketFacts,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Vec<Action> {
    use hcp_core::lifecycle::Classification::*;
    let candidates: [&[Action]; 9] = [
        &[Action::Dispatch],
        &[Action::Verify(Immediate), Action::Verify(Complex), Action::Verify(NoLegalBasis)],
        &[Action::Rectify],
        &[Action::Feedback],
        &[Action::Appeal],
        &[Action::Decide(Outcome::Upheld), Action::Decide(Outcome::Overturned)],
        &[Action::Revisit(Satisfaction::Satisfied), Action::Revisit(Satisfaction::Unsatisfied)],
        &[Action::Close],
        &[Action::Conclude],
    ];
    candidates
        .into_iter()
        .filter_map(|tries| {
            let first = tries[0];
            let open = kind_admits(kind, first).is_ok()
                && permitted(role, first)
                && tries.iter().any(|a| apply(facts, *a, now, &rules.calendar, &rules.policy).is_ok());
            open.then_some(first)
        })
        .collect()
}

/// Takes one action on a ticket. `scope` None means unrestricted (the citizen's tracking code was checked).
pub async fn perform(
    state: &AppState,
    actor: &Actor,
    scope: Option<&Scope>,
    ticket_id: i64,
    command: Command,
) -> AppResult<i64> {
    command.validate().map_err(AppError::invalid)?;
    let rules = state.rules();
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let event = perform_in(&mut tx, &rules, actor, scope, ticket_id, &command, now).await?;
    tx.commit().await?;
    state.wake_delivery();
    Ok(event)
}

/// The same inside a caller's transaction, at a given instant (the demo replays histories with it), with the
/// statistics of the ticket's evaluation kept in step.
pub async fn perform_in(
    conn: &mut AnyConnection,
    rules: &Rules,
    actor: &Actor,
    scope: Option<&Scope>,
    ticket_id: i64,
    command: &Command,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let ticket = tickets::load(conn, ticket_id, scope).await?.ok_or_else(|| AppError::not_found("工单"))?;
    let evaluation = ticket.evaluation_id;
    let before = match evaluation {
        Some(e) => crate::app::stats::of_evaluation(conn, e).await?,
        None => None,
    };
    let event = transition(conn, rules, actor, ticket, command, now).await?;
    if let Some(e) = evaluation {
        crate::app::stats::settle(conn, e, before).await?;
    }
    Ok(event)
}

/// The transition itself, leaving the statistics to the caller: intake counts a new evaluation once, after its
/// ticket was opened and dispatched in the same transaction.
async fn transition(
    conn: &mut AnyConnection,
    rules: &Rules,
    actor: &Actor,
    mut ticket: tickets::Stored,
    command: &Command,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let ticket_id = ticket.id;
    let action = command.action();
    if ticket.kind == TicketKind::Misconduct && !matches!(actor.role, Some(Role::Supervisor | Role::Discipline) | None)
    {
        return Err(AppError::not_found("工单"));
    }
    if let Some(role) = actor.role
        && !permitted(role, action)
    {
        return Err(AppError::forbidden());
    }
    let from = ticket.facts.state();
    kind_admits(ticket.kind, action)?;
    if let Command::Dispatch { window_code, staff_no, .. } = command
        && ticket.kind != TicketKind::Misconduct
    {
        assign(conn, &mut ticket.attribution, window_code.as_deref(), staff_no.as_deref()).await?;
    }

    let mut next = apply(&ticket.facts, action, now, &rules.calendar, &rules.policy)?;
    if ticket.kind != TicketKind::BadReview {
        // Only a bad review can be appealed: complaints and reports carry no appeal deadline.
        next.appeal_by = None;
    }
    tickets::save(conn, &ticket, &next, ms(now)).await.map_err(|e| match e {
        hcp_store::StoreError::Conflict(message) => AppError::new(ErrorCode::ConcurrentUpdate, message),
        other => other.into(),
    })?;
    let mut details = command.details();
    details["deadlines"] = deadlines_json(&next);
    let event = tickets::add_event(
        conn,
        &tickets::NewEvent {
            ticket_id,
            at_ms: ms(now),
            actor_user_id: actor.user_id,
            actor: &actor.name,
            action: action.code(),
            from_state: Some(from),
            to_state: Some(next.state()),
            details: &details,
            public: command.public(),
        },
    )
    .await?;
    let wanted = command.attachments();
    if !wanted.is_empty() && tickets::bind_attachments(conn, ticket_id, event, wanted).await? != wanted.len() as u64 {
        return Err(AppError::invalid_field("attachments", "附件不存在、不属于此工单或已被使用，请重新上传"));
    }
    details["from"] = json!(from.code());
    details["to"] = json!(next.state().code());
    consequences(conn, rules, &ticket, &next, command, now).await?;
    // After the consequences, so the recorded digests are of the rows as this transition leaves them (the
    // outcome of a report, the adoption of an overturned evaluation).
    let overturned = matches!(command, Command::Decide { outcome: Outcome::Overturned, .. });
    let also: Vec<(audit::Kind, i64)> =
        ticket.evaluation_id.filter(|_| overturned).map(|e| (audit::Kind::Evaluation, e)).into_iter().collect();
    audit::append_with(
        conn,
        now,
        &actor.name,
        &format!("ticket.{}", action.code()),
        &format!("ticket:{ticket_id}"),
        &details,
        &also,
    )
    .await?;
    Ok(event)
}

/// Dispatch names (or confirms) the window and staff who must handle the ticket.
async fn assign(
    conn: &mut AnyConnection,
    attribution: &mut tickets::Attribution,
    window_code: Option<&str>,
    staff_no: Option<&str>,
) -> AppResult<()> {
    let window = match window_code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Some(
            org::window_by_code(conn, code)
                .await?
                .ok_or_else(|| AppError::invalid_field("window_code", format!("窗口编号“{code}”不存在")))?,
        ),
        None if attribution.window_id.is_none() => {
            return Err(AppError::invalid_field("window_code", "该工单尚未确定承办窗口，请指定窗口编号"));
        }
        None => None,
    };
    if let Some(window) = &window
        && window.deactivated_at.is_some()
    {
        return Err(AppError::invalid_field("window_code", format!("窗口“{}”已停用，请选择其他窗口", window.name)));
    }
    if let Some(window) = &window {
        let place = org::placement(conn, window.id).await?.ok_or_else(|| AppError::internal("window without place"))?;
        if !hcp_core::org::path_contains(&attribution.org_path, &place.org_path) && !attribution.org_path.is_empty() {
            return Err(AppError::invalid_field("window_code", "该窗口不在工单所属机构范围内"));
        }
        if attribution.window_id != Some(window.id) {
            attribution.staff_id = None;
        }
        attribution.window_id = Some(window.id);
        attribution.department_id = Some(place.department_id);
        attribution.org_unit_id = Some(place.org_unit_id);
        attribution.org_path = place.org_path;
    }
    if let Some(no) = staff_no.map(str::trim).filter(|n| !n.is_empty()) {
        let staff = org::staff_by_no(conn, no)
            .await?
            .ok_or_else(|| AppError::invalid_field("staff_no", format!("工号“{no}”不存在")))?;
        if staff.deactivated_at.is_some() {
            return Err(AppError::invalid_field(
                "staff_no",
                format!("{}（{no}）已不在岗，请选择其他工作人员", staff.name),
            ));
        }
        if staff.window_id != attribution.window_id {
            return Err(AppError::invalid_field("staff_no", "该工作人员不在承办窗口"));
        }
        attribution.staff_id = Some(staff.id);
    }
    Ok(())
}

pub fn deadlines_json(facts: &TicketFacts) -> serde_json::Value {
    let d = |d: &Option<Deadline>| d.map(|d| d.to_rfc3339());
    json!({"appeal_by": d(&facts.appeal_by), "review_by": d(&facts.review_by), "feedback_by": d(&facts.feedback_by)})
}

/// What a transition sets off beyond the ticket: adoption of the evaluation, the misconduct outcome, notices.
async fn consequences(
    conn: &mut AnyConnection,
    rules: &Rules,
    ticket: &tickets::Stored,
    next: &TicketFacts,
    command: &Command,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let id = ticket.id;
    let a = &ticket.attribution;
    let at = ms(now);
    let config = &rules.notify;
    let notice = |subject: String, body: String| Notice { subject, body, ticket_id: Some(id), order_id: None };
    match command {
        Command::Dispatch { .. } if ticket.kind == TicketKind::Misconduct => {
            // Never the reported people: the bureau's supervisors over the place named.
            let to = users::over_path(conn, Role::Supervisor, &a.org_path).await?;
            let body = format!("收到群众举报（工单{id}），请于{}前查处并作出结论。", deadline_text(&next.feedback_by));
            notify::users(conn, config, &to, &notice(format!("新的举报待查处（{id}）"), body), at).await?;
        }
        Command::Dispatch { .. } => {
            let to = users::responsible(conn, a.department_id, a.window_id, a.staff_id).await?;
            let appeal = match &next.appeal_by {
                Some(_) => format!("申诉截止：{}；", deadline_text(&next.appeal_by)),
                None => String::new(),
            };
            let body = format!(
                "工单{id}已分派给您所在窗口，请核实处理。{appeal}整改反馈截止：{}。",
                deadline_text(&next.feedback_by)
            );
            notify::users(conn, config, &to, &notice(format!("新工单待处理（{id}）"), body), at).await?;
        }
        Command::Appeal { .. } => {
            let to = users::over_path(conn, Role::Supervisor, &a.org_path).await?;
            let body =
                format!("工单{id}的被评价人提出申诉，请于{}前作出申诉复核决定。", deadline_text(&next.review_by));
            notify::users(conn, config, &to, &notice(format!("申诉待复核（{id}）"), body), at).await?;
        }
        Command::Decide { outcome, reason, .. } => {
            let mut to = users::responsible(conn, a.department_id, a.window_id, a.staff_id).await?;
            let (subject, body) = match outcome {
                Outcome::Overturned => {
                    let reason = reason.unwrap_or(ReviewReason::MisEvaluation);
                    if let Some(evaluation) = ticket.evaluation_id {
                        hcp_store::evaluations::set_adoption(
                            conn,
                            evaluation,
                            Adoption::NotAdopted,
                            Some(reason.into()),
                        )
                        .await?;
                    }
                    // The department that registered the evaluation is told (source document: 告知登记部门).
                    if let Some(department) = a.department_id {
                        to.extend(users::dept_heads(conn, department).await?);
                    }
                    if let Some(registrar) = registrar_of(conn, ticket.evaluation_id).await? {
                        to.push(registrar);
                    }
                    (
                        format!("复核改判：差评不予采纳（{id}）"),
                        format!("工单{id}经复核认定为{}，该差评不予采纳，不计入统计。", reason.label()),
                    )
                }
                Outcome::Upheld => (
                    format!("复核维持差评（{id}）"),
                    format!("工单{id}经复核维持差评，请继续整改，整改反馈截止：{}。", deadline_text(&next.feedback_by)),
                ),
            };
            notify::users(conn, config, &to, &notice(subject, body), at).await?;
        }
        Command::Feedback { text } => {
            let body = format!("您反映的问题已处理：{text} 可凭查询码对处理结果进行评价。");
            notify::citizen(conn, config, id, &notice("好差评处理反馈".into(), body), at).await?;
        }
        Command::Revisit { satisfaction: Satisfaction::Unsatisfied, .. } => {
            if next.escalated {
                let to = users::over_path(conn, Role::Supervisor, &a.org_path).await?;
                let body = format!("工单{id}重新整改后群众仍不满意，已提请政务服务局督办。");
                notify::users(conn, config, &to, &notice(format!("工单上报督办（{id}）"), body), at).await?;
            } else {
                let to = users::responsible(conn, a.department_id, a.window_id, a.staff_id).await?;
                let body =
                    format!("工单{id}回访群众不满意，请重新整改，反馈截止：{}。", deadline_text(&next.feedback_by));
                notify::users(conn, config, &to, &notice(format!("群众不满意，重新整改（{id}）"), body), at).await?;
            }
        }
        Command::Conclude { finding, .. } => {
            let text = match finding {
                ReportFinding::Substantiated => "经查，您举报的情况属实，已依规处理。感谢您的监督。",
                ReportFinding::Unsubstantiated => "经查，您举报的情况不属实。感谢您的监督。",
            };
            tickets::set_outcome(conn, id, *finding).await?;
            notify::citizen(conn, config, id, &notice("举报查处结果".into(), text.into()), at).await?;
        }
        _ => {}
    }
    Ok(())
}

async fn registrar_of(conn: &mut AnyConnection, evaluation: Option<i64>) -> AppResult<Option<users::Recipient>> {
    let Some(evaluation) = evaluation else { return Ok(None) };
    let by: Option<Option<i64>> = hcp_store::sqlx::query_scalar("SELECT registered_by FROM evaluations WHERE id = $1")
        .bind(evaluation)
        .fetch_optional(&mut *conn)
        .await?;
    match by.flatten() {
        Some(user) => Ok(users::recipient(conn, user).await?),
        None => Ok(None),
    }
}

/// Flags a ticket overdue (the scheduler, or the demo's history), keeping the statistics in step. Returns false
/// when it already was.
pub async fn mark_overdue(conn: &mut AnyConnection, ticket_id: i64, now: DateTime<Utc>) -> hcp_store::Result<bool> {
    let Some(ticket) = tickets::load(conn, ticket_id, None).await? else { return Ok(false) };
    if ticket.facts.overdue {
        return Ok(false);
    }
    let before = match ticket.evaluation_id {
        Some(e) => crate::app::stats::of_evaluation(conn, e).await?,
        None => None,
    };
    let facts = TicketFacts { overdue: true, ..ticket.facts.clone() };
    tickets::save(conn, &ticket, &facts, ms(now)).await?;
    if let Some(e) = ticket.evaluation_id {
        crate::app::stats::settle(conn, e, before).await?;
    }
    Ok(true)
}

/// Dispatches a new ticket at intake when its target is known, inside the intake transaction. The statistics are
/// intake's to settle, once, when the evaluation and its ticket are complete.
pub async fn dispatch_at_intake(
    conn: &mut AnyConnection,
    rules: &Rules,
    submitter: &crate::app::intake::Submitter,
    ticket_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let note = registration_note(conn, submitter).await?;
    let command = Command::Dispatch { window_code: None, staff_no: None, note: Some(note) };
    let ticket = tickets::load(conn, ticket_id, None).await?.ok_or_else(|| AppError::not_found("工单"))?;
    transition(conn, rules, &Actor::system("系统"), ticket, &command, now).await.map(|_| ())
}

/// Who registered what was dispatched at intake, in words staff read: the citizen online, or the operator or
/// registrar by name and role (never a login name); imports by the CLI or the demo are the system's.
async fn registration_note(conn: &mut AnyConnection, submitter: &crate::app::intake::Submitter) -> AppResult<String> {
    let registrant = match submitter.user_id {
        Some(id) => users::by_id(conn, id).await?.map(|u| u.role.person_label(&u.display_name)),
        None => None,
    };
    Ok(match registrant {
        Some(person) => format!("目标明确，登记即分派（登记人：{person}）"),
        None if submitter.actor == "citizen" => "目标明确，群众提交后即分派".to_owned(),
        None => "目标明确，导入后即分派".to_owned(),
    })
}

/// Recomputes the deadlines of every open ticket on a changed calendar, each change audited. Returns how many
/// tickets changed.
pub async fn recompute_open(
    conn: &mut AnyConnection,
    calendar: &WorkCalendar,
    policy: &Policy,
    actor: &str,
    now: DateTime<Utc>,
) -> hcp_store::Result<usize> {
    let mut changed = 0;
    for ticket in tickets::open_with_clocks(conn).await? {
        let next = recompute(&ticket.facts, calendar, policy);
        if next == ticket.facts {
            continue;
        }
        tickets::save(conn, &ticket, &next, ms(now)).await?;
        let details = json!({"before": deadlines_json(&ticket.facts), "after": deadlines_json(&next)});
        tickets::add_event(
            conn,
            &tickets::NewEvent {
                ticket_id: ticket.id,
                at_ms: ms(now),
                actor_user_id: None,
                actor,
                action: "recompute",
                from_state: Some(ticket.facts.state()),
                to_state: Some(next.state()),
                details: &details,
                public: true,
            },
        )
        .await?;
        audit::append(conn, now, actor, "ticket.recompute", &format!("ticket:{}", ticket.id), &details).await?;
        changed += 1;
    }
    Ok(changed)
}

/// After the calendar was changed inside `conn`'s transaction: the open tickets follow it, in the same
/// transaction. Returns how many changed.
pub async fn calendar_changed(
    conn: &mut AnyConnection,
    policy: &Policy,
    actor: &str,
    now: DateTime<Utc>,
) -> hcp_store::Result<usize> {
    let calendar = hcp_store::calendar::load(conn).await?;
    recompute_open(conn, &calendar, policy, actor, now).await
}

/// Who handles a ticket, in the citizen's words: misconduct reports only the bureau and the discipline
/// inspectors (the reported window never sees them); the rest the window, or the department when no window is
/// known.
pub fn citizen_handler(kind: TicketKind, window_known: bool) -> &'static str {
    match kind {
        TicketKind::Misconduct => "政务服务局督查人员和纪检监察人员",
        _ if window_known => "责任窗口",
        _ => "责任部门",
    }
}

/// The state a citizen reads: closed and overturned are both "办结" from their side, with the outcome named.
/// A misconduct report is investigated and concluded by the bureau; it has no rectification or rating.
pub fn citizen_state_label(kind: TicketKind, window_known: bool, state: TicketState) -> String {
    if kind == TicketKind::Misconduct {
        return match state {
            TicketState::Registered => "已受理，待转交查处".into(),
            TicketState::Closed | TicketState::Overturned => "已查处办结".into(),
            _ => format!("{}查处中", citizen_handler(kind, window_known)),
        };
    }
    match state {
        TicketState::Registered => "已受理，待分派".into(),
        TicketState::Dispatched => format!("已转交{}", citizen_handler(kind, window_known)),
        TicketState::Rectifying | TicketState::Reopened => "整改中".into(),
        TicketState::Explaining => "核实说明中".into(),
        TicketState::UnderReview => "复核中".into(),
        TicketState::FeedbackGiven => "已反馈，待您评价".into(),
        TicketState::Overturned => "经复核不予采纳".into(),
        TicketState::Closed => "已办结".into(),
    }
}
