//! The ticket lifecycle of DESIGN §4 as a pure state machine: every transition is a function of the ticket, an
//! action, the calendar and the policy, returning the new ticket or a typed refusal. Storage, API and the
//! scheduler build on it; nothing here performs I/O.
//!
//! ```text
//! registered ─dispatch→ dispatched (staff received: appeal and feedback clocks start)
//! dispatched | reopened ─verify→ rectifying(immediate | complex) | explaining(no legal basis)
//! dispatched | rectifying ─appeal (≤ 2 wd)→ under_review ─decide (≤ 5 wd)→ overturned | back (upheld)
//! rectifying | reopened ─rectify→ (measures recorded) ─feedback→ feedback_given
//! explaining ─feedback→ feedback_given
//! feedback_given ─revisit→ closed | reopened (unsatisfied, once) | escalated (unsatisfied again)
//! dispatched ─conclude→ closed (misconduct reports: the bureau's finding)
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{Deadline, WorkCalendar};
use crate::role::Role;
use crate::ticket::TicketState;

/// Deadlines in working days, configurable per jurisdiction (DESIGN §3 defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Staff may apply for review within this many working days of receiving the bad review.
    pub appeal_working_days: u32,
    /// The bureau decides within this many working days of the application.
    pub review_working_days: u32,
    /// Clear, reasonable problems (立行立改): feedback within this many working days.
    pub immediate_feedback_working_days: u32,
    /// Complex problems: feedback within this many working days.
    pub complex_feedback_working_days: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            appeal_working_days: 2,
            review_working_days: 5,
            immediate_feedback_working_days: 1,
            complex_feedback_working_days: 7,
        }
    }
}

crate::coded! {
    /// How a verified bad review is handled.
    pub enum Classification {
        /// 情况清楚、诉求合理：立行立改.
        Immediate => "immediate", "情况清楚、诉求合理，立行立改";
        /// 情况复杂、一时难以解决：7 working days.
        Complex => "complex", "情况复杂，限期整改";
        /// 缺乏法定依据：explanation to the citizen.
        NoLegalBasis => "no_legal_basis", "缺乏法定依据，解释说明";
    }
}

crate::coded! {
    /// The bureau's decision on an appeal.
    pub enum Outcome {
        /// The bad review stands; the ticket returns to where it was.
        Upheld => "upheld", "维持原评价";
        /// Mis-evaluation or malicious: the evaluation is not adopted.
        Overturned => "overturned", "改判，不予采纳";
    }
}

crate::coded! {
    /// The citizen's satisfaction with the handling, at the revisit.
    pub enum Satisfaction {
        Satisfied => "satisfied", "满意";
        BasicallySatisfied => "basically_satisfied", "基本满意";
        Unsatisfied => "unsatisfied", "不满意";
    }
}

crate::coded! {
    /// Grounds for overturning a bad review.
    pub enum ReviewReason {
        /// 误评.
        MisEvaluation => "mis_evaluation", "误评";
        /// 恶意差评.
        Malicious => "malicious", "恶意差评";
    }
}

crate::coded! {
    /// The bureau's finding on a misconduct report.
    pub enum ReportFinding {
        Substantiated => "substantiated", "属实";
        Unsubstantiated => "unsubstantiated", "不属实";
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Dispatch,
    Verify(Classification),
    Appeal,
    Decide(Outcome),
    Rectify,
    Feedback,
    Revisit(Satisfaction),
    Close,
    /// The bureau's finding on a misconduct report (R4).
    Conclude,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::Dispatch => "dispatch",
            Action::Verify(_) => "verify",
            Action::Appeal => "appeal",
            Action::Decide(_) => "decide",
            Action::Rectify => "rectify",
            Action::Feedback => "feedback",
            Action::Revisit(_) => "revisit",
            Action::Close => "close",
            Action::Conclude => "conclude",
        }
    }

    pub fn label(self) -> &'static str {
        event_label(self.code())
    }
}

/// What an entry of a ticket's timeline is called: the lifecycle's actions and the system's own entries
/// (reminders, overdue escalations, deadlines recomputed after a calendar change).
pub fn event_label(code: &str) -> &'static str {
    match code {
        "dispatch" => "分派",
        "verify" => "核实",
        "rectify" => "整改",
        "feedback" => "反馈",
        "appeal" => "提出申诉",
        "decide" => "申诉复核决定",
        "revisit" => "回访",
        "close" => "办结",
        "conclude" => "查处结论",
        "overdue" => "逾期督办",
        "reminder" => "到期提醒",
        "recompute" => "期限重算",
        _ => "处理",
    }
}

/// Why a transition was refused; `code()` is the API's error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    InvalidTransition { from: TicketState, action: &'static str },
    AppealWindowClosed,
    AlreadyAppealed,
    AlreadyDecided,
    NotRectified,
    AlreadyEscalated,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::InvalidTransition { .. } => "invalid_transition",
            Refusal::AppealWindowClosed => "appeal_window_closed",
            Refusal::AlreadyAppealed => "already_appealed",
            Refusal::AlreadyDecided => "already_decided",
            Refusal::NotRectified => "not_rectified",
            Refusal::AlreadyEscalated => "already_escalated",
        }
    }

    pub fn message(self) -> String {
        match self {
            Refusal::InvalidTransition { from, action } => {
                format!("工单当前状态为“{}”，不能进行“{}”操作", from.label(), event_label(action))
            }
            Refusal::AppealWindowClosed => "已超过收到差评后可以申诉的期限".into(),
            Refusal::AlreadyAppealed => "该差评已申诉过，不能重复申诉".into(),
            Refusal::AlreadyDecided => "申诉复核已作出决定".into(),
            Refusal::NotRectified => "请先登记整改措施，再向群众反馈".into(),
            Refusal::AlreadyEscalated => "该工单已上报督办".into(),
        }
    }
}

/// What the lifecycle needs to know of a ticket. Stored with it (as JSON); instants in UTC.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TicketFacts {
    pub state: Option<TicketState>,
    /// When the responsible staff received the ticket (dispatch); the clocks start here.
    pub received_at: Option<DateTime<Utc>>,
    pub classification: Option<Classification>,
    /// Measures recorded since the last (re)opening.
    pub rectified: bool,
    pub appealed: bool,
    /// The state an appeal interrupted, to return to when upheld.
    pub before_review: Option<TicketState>,
    pub appeal_by: Option<Deadline>,
    pub review_by: Option<Deadline>,
    pub feedback_by: Option<Deadline>,
    /// Where the running feedback clock started and how many working days it runs, so a changed calendar can
    /// recompute the deadline exactly.
    pub feedback_clock: Option<ClockStart>,
    pub review_clock: Option<ClockStart>,
    /// Working days of the feedback clock left while it is stopped for a review.
    pub feedback_days_left: Option<u32>,
    pub reopened: u32,
    /// Unsatisfied again after reopening: handed to the bureau.
    pub escalated: bool,
    /// Times feedback was given (the statistics count answered tickets).
    pub feedback_count: u32,
    /// The latest revisit's result.
    pub last_revisit: Option<Satisfaction>,
    /// The review decision, once made.
    pub decided: Option<Outcome>,
    /// A deadline was missed (set by the scheduler; stays set).
    pub overdue: bool,
}

impl TicketFacts {
    pub fn registered() -> TicketFacts {
        TicketFacts { state: Some(TicketState::Registered), ..Default::default() }
    }

    pub fn state(&self) -> TicketState {
        self.state.unwrap_or(TicketState::Registered)
    }

    /// Open states are those that can still miss a deadline.
    pub fn is_open(&self) -> bool {
        !matches!(self.state(), TicketState::Closed | TicketState::Overturned)
    }

    /// The deadlines that have passed at `now` for the work the ticket is waiting on.
    pub fn overdue(&self, now: DateTime<Utc>) -> Vec<DeadlineKind> {
        self.pending_deadlines().into_iter().filter(|(_, d)| d.at < now).map(|(k, _)| k).collect()
    }

    /// Deadlines the ticket is currently waiting on.
    pub fn pending_deadlines(&self) -> Vec<(DeadlineKind, Deadline)> {
        let mut pending = Vec::new();
        match self.state() {
            TicketState::UnderReview => pending.extend(self.review_by.map(|d| (DeadlineKind::Review, d))),
            TicketState::Dispatched | TicketState::Rectifying | TicketState::Explaining | TicketState::Reopened => {
                pending.extend(self.feedback_by.map(|d| (DeadlineKind::Feedback, d)))
            }
            _ => {}
        }
        pending
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockStart {
    pub from: DateTime<Utc>,
    pub working_days: u32,
}

impl ClockStart {
    pub fn deadline(self, calendar: &WorkCalendar) -> Deadline {
        calendar.deadline(self.from, self.working_days)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    Appeal,
    Review,
    Feedback,
}

impl DeadlineKind {
    pub fn code(self) -> &'static str {
        match self {
            DeadlineKind::Appeal => "appeal",
            DeadlineKind::Review => "review",
            DeadlineKind::Feedback => "feedback",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DeadlineKind::Appeal => "申诉期限",
            DeadlineKind::Review => "申诉复核期限",
            DeadlineKind::Feedback => "整改反馈期限",
        }
    }
}

/// A reminder is due from the start of the last working day before a deadline's day: at most one working day
/// is left, and the deadline has not yet passed.
pub fn reminder_due(deadline: &Deadline, now: DateTime<Utc>, calendar: &WorkCalendar) -> bool {
    now <= deadline.at && calendar.working_days_left(now, deadline.at) <= 1
}

fn refuse(from: TicketState, action: Action) -> Refusal {
    Refusal::InvalidTransition { from, action: action.code() }
}

fn start_feedback(next: &mut TicketFacts, from: DateTime<Utc>, working_days: u32, calendar: &WorkCalendar) {
    let clock = ClockStart { from, working_days };
    next.feedback_clock = Some(clock);
    next.feedback_by = Some(clock.deadline(calendar));
}

fn stop_feedback(next: &mut TicketFacts) {
    next.feedback_clock = None;
    next.feedback_by = None;
}

fn feedback_days(policy: &Policy, classification: Option<Classification>) -> u32 {
    match classification {
        Some(Classification::Immediate) => policy.immediate_feedback_working_days,
        // Unverified tickets are held to the outer bound; explanations like complex cases.
        _ => policy.complex_feedback_working_days,
    }
}

/// Applies `action` at `at`. Deadlines count from the receipt (dispatch) instant, as DESIGN §3 requires.
pub fn apply(
    ticket: &TicketFacts,
    action: Action,
    at: DateTime<Utc>,
    calendar: &WorkCalendar,
    policy: &Policy,
) -> Result<TicketFacts, Refusal> {
    use TicketState::*;
    let from = ticket.state();
    let mut next = ticket.clone();
    match (from, action) {
        (Registered, Action::Dispatch) => {
            next.state = Some(Dispatched);
            next.received_at = Some(at);
            next.appeal_by = Some(calendar.deadline(at, policy.appeal_working_days));
            start_feedback(&mut next, at, feedback_days(policy, None), calendar);
        }
        (Dispatched | Reopened, Action::Verify(classification)) => {
            let received = ticket.received_at.unwrap_or(at);
            next.classification = Some(classification);
            next.rectified = false;
            next.state = Some(match classification {
                Classification::NoLegalBasis => Explaining,
                _ => Rectifying,
            });
            if from == Dispatched {
                start_feedback(&mut next, received, feedback_days(policy, Some(classification)), calendar);
            }
        }
        (Dispatched | Rectifying, Action::Appeal) => {
            if ticket.appealed {
                return Err(Refusal::AlreadyAppealed);
            }
            if ticket.appeal_by.is_some_and(|d| at > d.at) {
                return Err(Refusal::AppealWindowClosed);
            }
            next.appealed = true;
            next.before_review = Some(from);
            next.state = Some(UnderReview);
            let review = ClockStart { from: at, working_days: policy.review_working_days };
            next.review_clock = Some(review);
            next.review_by = Some(review.deadline(calendar));
            // The feedback clock stops while the bureau reviews.
            next.feedback_days_left = ticket.feedback_by.map(|d| calendar.working_days_left(at, d.at));
            stop_feedback(&mut next);
        }
        (UnderReview, Action::Decide(outcome)) => {
            next.decided = Some(outcome);
            next.review_by = None;
            next.review_clock = None;
            match outcome {
                Outcome::Overturned => {
                    next.state = Some(Overturned);
                    stop_feedback(&mut next);
                    next.feedback_days_left = None;
                }
                Outcome::Upheld => {
                    next.state = ticket.before_review.or(Some(Dispatched));
                    // Resumes with the working days that were left (0 = the rest of the deciding day).
                    let left = ticket.feedback_days_left.unwrap_or(0);
                    start_feedback(&mut next, at, left, calendar);
                    next.feedback_days_left = None;
                }
            }
            next.before_review = None;
        }
        (Overturned | Closed, Action::Decide(_)) => return Err(Refusal::AlreadyDecided),
        (Rectifying | Reopened, Action::Rectify) => {
            next.rectified = true;
        }
        (Rectifying | Reopened, Action::Feedback) if !ticket.rectified => return Err(Refusal::NotRectified),
        (Rectifying | Reopened | Explaining, Action::Feedback) => {
            next.feedback_count += 1;
            next.state = Some(FeedbackGiven);
            stop_feedback(&mut next);
        }
        (FeedbackGiven, Action::Revisit(satisfaction)) => {
            if satisfaction == Satisfaction::Unsatisfied && ticket.escalated {
                return Err(Refusal::AlreadyEscalated);
            }
            next.last_revisit = Some(satisfaction);
            match satisfaction {
                Satisfaction::Satisfied | Satisfaction::BasicallySatisfied => next.state = Some(Closed),
                Satisfaction::Unsatisfied if ticket.reopened == 0 => {
                    next.state = Some(Reopened);
                    next.reopened += 1;
                    next.rectified = false;
                    start_feedback(&mut next, at, policy.complex_feedback_working_days, calendar);
                }
                Satisfaction::Unsatisfied => next.escalated = true,
            }
        }
        (FeedbackGiven | Overturned, Action::Close) => {
            next.state = Some(Closed);
        }
        (Dispatched, Action::Conclude) => {
            next.state = Some(Closed);
            stop_feedback(&mut next);
        }
        (from, action) => return Err(refuse(from, action)),
    }
    Ok(next)
}

/// Deadlines recomputed on a changed calendar (an imported year or a local closure) from the instants and
/// lengths their clocks started with.
pub fn recompute(ticket: &TicketFacts, calendar: &WorkCalendar, policy: &Policy) -> TicketFacts {
    let mut next = ticket.clone();
    if let (Some(received), Some(_)) = (ticket.received_at, ticket.appeal_by) {
        next.appeal_by = Some(calendar.deadline(received, policy.appeal_working_days));
    }
    next.feedback_by = ticket.feedback_clock.map(|c| c.deadline(calendar));
    next.review_by = ticket.review_clock.map(|c| c.deadline(calendar));
    next
}

/// Who may take each action (DESIGN §7), before the scope check: the responsible window handles its tickets,
/// staff may appeal their own, the bureau decides, dispatches, revisits and closes, the hotline dispatches and
/// revisits on the bureau's behalf.
pub fn permitted(role: Role, action: Action) -> bool {
    use Role::*;
    match action {
        Action::Dispatch => matches!(role, Supervisor | HotlineOperator),
        Action::Verify(_) | Action::Rectify | Action::Feedback => matches!(role, Staff | WindowHead | DeptHead),
        Action::Appeal => matches!(role, Staff | WindowHead),
        Action::Decide(_) | Action::Close | Action::Conclude => role == Supervisor,
        Action::Revisit(_) => matches!(role, Supervisor | HotlineOperator),
    }
}
