//! The ticket lifecycle as pure functions: every transition and refusal, and its deadlines on the official
//! calendar (holidays, 调休 make-up days, the paused feedback clock).

use chrono::{DateTime, TimeZone, Utc};
use hcp_core::calendar::{HolidayDay, HolidayFile, WorkCalendar};
use hcp_core::clock::shanghai;
use hcp_core::lifecycle::{
    Action, Classification, DeadlineKind, Outcome, Policy, Refusal, Satisfaction, TicketFacts, apply, recompute,
    reminder_due,
};
use hcp_core::ticket::TicketState;

fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    shanghai().with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
}

fn cal() -> WorkCalendar {
    WorkCalendar::shipped()
}

fn step(ticket: &TicketFacts, action: Action, at: DateTime<Utc>) -> TicketFacts {
    apply(ticket, action, at, &cal(), &Policy::default()).unwrap_or_else(|r| panic!("{action:?}: {r:?}"))
}

fn deadline(ticket: &TicketFacts, kind: DeadlineKind) -> String {
    let d = match kind {
        DeadlineKind::Appeal => ticket.appeal_by,
        DeadlineKind::Review => ticket.review_by,
        DeadlineKind::Feedback => ticket.feedback_by,
    };
    d.map(|d| d.to_rfc3339()).unwrap_or_default()
}

const ALL_ACTIONS: [Action; 12] = [
    Action::Dispatch,
    Action::Verify(Classification::Immediate),
    Action::Verify(Classification::Complex),
    Action::Verify(Classification::NoLegalBasis),
    Action::Appeal,
    Action::Decide(Outcome::Upheld),
    Action::Decide(Outcome::Overturned),
    Action::Rectify,
    Action::Feedback,
    Action::Revisit(Satisfaction::Unsatisfied),
    Action::Close,
    Action::Conclude,
];

/// A ticket in each state, reached by real transitions (2024-10-14 is an ordinary Monday).
fn in_every_state() -> Vec<(TicketState, TicketFacts)> {
    let t0 = local(2024, 10, 14, 10, 0);
    let registered = TicketFacts::registered();
    let dispatched = step(&registered, Action::Dispatch, t0);
    let rectifying = step(&dispatched, Action::Verify(Classification::Complex), t0);
    let explaining = step(&dispatched, Action::Verify(Classification::NoLegalBasis), t0);
    let under_review = step(&dispatched, Action::Appeal, t0);
    let overturned = step(&under_review, Action::Decide(Outcome::Overturned), t0);
    let rectified = step(&rectifying, Action::Rectify, t0);
    let feedback_given = step(&rectified, Action::Feedback, t0);
    let reopened = step(&feedback_given, Action::Revisit(Satisfaction::Unsatisfied), t0);
    let closed = step(&feedback_given, Action::Revisit(Satisfaction::Satisfied), t0);
    vec![
        (TicketState::Registered, registered),
        (TicketState::Dispatched, dispatched),
        (TicketState::Rectifying, rectifying),
        (TicketState::Explaining, explaining),
        (TicketState::UnderReview, under_review),
        (TicketState::Overturned, overturned),
        (TicketState::FeedbackGiven, feedback_given),
        (TicketState::Reopened, reopened),
        (TicketState::Closed, closed),
    ]
}

/// The expected result of each action in each state: the next state, or the refusal code.
fn expected(state: TicketState, action: Action) -> Result<TicketState, &'static str> {
    use TicketState::*;
    match (state, action) {
        (Registered, Action::Dispatch) => Ok(Dispatched),
        (Dispatched | Reopened, Action::Verify(Classification::NoLegalBasis)) => Ok(Explaining),
        (Dispatched | Reopened, Action::Verify(_)) => Ok(Rectifying),
        (Dispatched | Rectifying, Action::Appeal) => Ok(UnderReview),
        (UnderReview, Action::Decide(Outcome::Upheld)) => Ok(Dispatched),
        (UnderReview, Action::Decide(Outcome::Overturned)) => Ok(Overturned),
        (Overturned | Closed, Action::Decide(_)) => Err("already_decided"),
        (Rectifying | Reopened, Action::Rectify) => Ok(state),
        (Rectifying | Reopened, Action::Feedback) => Err("not_rectified"),
        (Explaining, Action::Feedback) => Ok(FeedbackGiven),
        (FeedbackGiven, Action::Revisit(_)) => Ok(Reopened),
        (FeedbackGiven | Overturned, Action::Close) => Ok(Closed),
        (Dispatched, Action::Conclude) => Ok(Closed),
        _ => Err("invalid_transition"),
    }
}

#[test]
fn every_action_in_every_state_moves_or_is_refused_with_a_code() {
    for (state, ticket) in in_every_state() {
        assert_eq!(ticket.state(), state);
        for action in ALL_ACTIONS {
            let result = apply(&ticket, action, local(2024, 10, 14, 11, 0), &cal(), &Policy::default());
            let got = result.as_ref().map(TicketFacts::state).map_err(|r| r.code());
            assert_eq!(got, expected(state, action), "{state:?} + {action:?}");
            if let Err(refusal) = result {
                assert!(!refusal.message().is_empty());
            }
        }
    }
}

#[test]
fn appeal_deadline_across_the_national_day_make_up_sunday() {
    // DESIGN §3: received Fri 2024-09-27 → 1st working day Sun 09-29 (调休), 2nd Mon 09-30.
    let ticket = step(&TicketFacts::registered(), Action::Dispatch, local(2024, 9, 27, 16, 30));
    assert_eq!(deadline(&ticket, DeadlineKind::Appeal), "2024-09-30T23:59:59+08:00");
    // Complex feedback: 09-29, 09-30, then after the holiday 10-08 … 10-11 and the make-up Saturday 10-12.
    let complex = step(&ticket, Action::Verify(Classification::Complex), local(2024, 9, 27, 17, 0));
    assert_eq!(deadline(&complex, DeadlineKind::Feedback), "2024-10-12T23:59:59+08:00");
    let immediate = step(&ticket, Action::Verify(Classification::Immediate), local(2024, 9, 27, 17, 0));
    assert_eq!(deadline(&immediate, DeadlineKind::Feedback), "2024-09-29T23:59:59+08:00");
}

#[test]
fn spring_festival_and_its_make_up_saturday() {
    // Fri 2026-02-13: Sat 02-14 is a make-up working day, 02-15 … 02-23 are off.
    let ticket = step(&TicketFacts::registered(), Action::Dispatch, local(2026, 2, 13, 9, 0));
    assert_eq!(deadline(&ticket, DeadlineKind::Appeal), "2026-02-24T23:59:59+08:00");
    let immediate = step(&ticket, Action::Verify(Classification::Immediate), local(2026, 2, 13, 9, 30));
    assert_eq!(deadline(&immediate, DeadlineKind::Feedback), "2026-02-14T23:59:59+08:00");
    // Appealed on the make-up Saturday: the review's 5 working days run 02-24 … 02-28 (Sat, make-up).
    let appealed = step(&ticket, Action::Appeal, local(2026, 2, 14, 10, 0));
    assert_eq!(deadline(&appealed, DeadlineKind::Review), "2026-02-28T23:59:59+08:00");
}

#[test]
fn the_feedback_clock_stops_during_review_and_resumes_with_the_days_left() {
    let dispatched = step(&TicketFacts::registered(), Action::Dispatch, local(2024, 10, 14, 10, 0));
    let complex = step(&dispatched, Action::Verify(Classification::Complex), local(2024, 10, 14, 11, 0));
    assert_eq!(deadline(&complex, DeadlineKind::Feedback), "2024-10-23T23:59:59+08:00");
    let appealed = step(&complex, Action::Appeal, local(2024, 10, 15, 15, 0));
    assert_eq!(appealed.feedback_by, None, "stopped");
    assert_eq!(appealed.feedback_days_left, Some(6), "10-16 … 10-23 were left");
    assert_eq!(deadline(&appealed, DeadlineKind::Review), "2024-10-22T23:59:59+08:00");
    let upheld = step(&appealed, Action::Decide(Outcome::Upheld), local(2024, 10, 18, 9, 0));
    assert_eq!(upheld.state(), TicketState::Rectifying, "back to where it was");
    assert_eq!(deadline(&upheld, DeadlineKind::Feedback), "2024-10-28T23:59:59+08:00");
    // One appeal per bad review.
    let again = apply(&upheld, Action::Appeal, local(2024, 10, 18, 10, 0), &cal(), &Policy::default());
    assert_eq!(again.unwrap_err(), Refusal::AlreadyAppealed);
}

#[test]
fn appeals_are_refused_after_two_working_days() {
    let dispatched = step(&TicketFacts::registered(), Action::Dispatch, local(2024, 10, 14, 10, 0));
    assert_eq!(deadline(&dispatched, DeadlineKind::Appeal), "2024-10-16T23:59:59+08:00");
    assert!(apply(&dispatched, Action::Appeal, local(2024, 10, 16, 23, 59), &cal(), &Policy::default()).is_ok());
    let late = apply(&dispatched, Action::Appeal, local(2024, 10, 17, 0, 0), &cal(), &Policy::default());
    assert_eq!(late.unwrap_err().code(), "appeal_window_closed");
}

#[test]
fn unsatisfied_reopens_once_then_escalates() {
    let t = local(2024, 10, 14, 10, 0);
    let mut ticket = step(&TicketFacts::registered(), Action::Dispatch, t);
    for action in [Action::Verify(Classification::Complex), Action::Rectify, Action::Feedback] {
        ticket = step(&ticket, action, t);
    }
    let reopened = step(&ticket, Action::Revisit(Satisfaction::Unsatisfied), local(2024, 10, 21, 10, 0));
    assert_eq!(reopened.state(), TicketState::Reopened);
    assert_eq!(deadline(&reopened, DeadlineKind::Feedback), "2024-10-30T23:59:59+08:00");
    let refused = apply(&reopened, Action::Feedback, t, &cal(), &Policy::default());
    assert_eq!(refused.unwrap_err(), Refusal::NotRectified, "measures first");
    let rectified = step(&reopened, Action::Rectify, local(2024, 10, 22, 10, 0));
    let answered = step(&rectified, Action::Feedback, local(2024, 10, 22, 11, 0));
    let escalated = step(&answered, Action::Revisit(Satisfaction::Unsatisfied), local(2024, 10, 23, 10, 0));
    assert_eq!((escalated.state(), escalated.escalated), (TicketState::FeedbackGiven, true));
    let again = apply(&escalated, Action::Revisit(Satisfaction::Unsatisfied), t, &cal(), &Policy::default());
    assert_eq!(again.unwrap_err().code(), "already_escalated");
    assert_eq!(step(&escalated, Action::Close, t).state(), TicketState::Closed);
    let basically = step(&answered, Action::Revisit(Satisfaction::BasicallySatisfied), t);
    assert_eq!(basically.state(), TicketState::Closed);
}

#[test]
fn overdue_names_the_deadline_the_ticket_waits_on() {
    let dispatched = step(&TicketFacts::registered(), Action::Dispatch, local(2024, 10, 14, 10, 0));
    let immediate = step(&dispatched, Action::Verify(Classification::Immediate), local(2024, 10, 14, 10, 5));
    assert!(immediate.overdue(local(2024, 10, 15, 23, 59)).is_empty());
    assert_eq!(immediate.overdue(local(2024, 10, 16, 0, 0)), vec![DeadlineKind::Feedback]);
    let appealed = step(&dispatched, Action::Appeal, local(2024, 10, 14, 11, 0));
    assert_eq!(appealed.overdue(local(2024, 10, 22, 0, 0)), vec![DeadlineKind::Review]);
    let overturned = step(&appealed, Action::Decide(Outcome::Overturned), local(2024, 10, 15, 9, 0));
    assert!(overturned.overdue(local(2030, 1, 1, 0, 0)).is_empty());
    assert!(!step(&overturned, Action::Close, local(2024, 10, 15, 9, 0)).is_open());
}

#[test]
fn an_imported_year_recomputes_provisional_deadlines() {
    // Received Wed 2026-12-30: 2027 is not yet known, so Fri 2027-01-01 counts as a working day.
    let ticket = step(&TicketFacts::registered(), Action::Dispatch, local(2026, 12, 30, 10, 0));
    assert_eq!(deadline(&ticket, DeadlineKind::Appeal), "2027-01-01T23:59:59+08:00");
    assert!(ticket.appeal_by.unwrap().provisional);
    let mut calendar = cal();
    calendar.set_year(&HolidayFile {
        year: 2027,
        papers: vec![],
        days: vec![HolidayDay {
            name: "元旦".into(),
            date: chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            is_off_day: true,
        }],
    });
    let updated = recompute(&ticket, &calendar, &Policy::default());
    assert_eq!(deadline(&updated, DeadlineKind::Appeal), "2027-01-04T23:59:59+08:00");
    assert!(!updated.appeal_by.unwrap().provisional);
    assert_eq!(updated.feedback_by, Some(updated.feedback_clock.unwrap().deadline(&calendar)));
}

#[test]
fn policy_lengths_are_configurable() {
    let policy = Policy { appeal_working_days: 3, ..Policy::default() };
    let ticket =
        apply(&TicketFacts::registered(), Action::Dispatch, local(2024, 10, 14, 10, 0), &cal(), &policy).unwrap();
    assert_eq!(deadline(&ticket, DeadlineKind::Appeal), "2024-10-17T23:59:59+08:00");
}

#[test]
fn reminders_fall_due_on_the_last_working_day_before_the_deadline() {
    // Complex ticket received Fri 2024-09-27: feedback by 2024-10-12 (the make-up Saturday after National Day).
    let dispatched = step(&TicketFacts::registered(), Action::Dispatch, local(2024, 9, 27, 10, 0));
    let complex = step(&dispatched, Action::Verify(Classification::Complex), local(2024, 9, 27, 11, 0));
    let due = complex.feedback_by.unwrap();
    assert_eq!(due.to_rfc3339(), "2024-10-12T23:59:59+08:00");
    // Thu 10-10 leaves two working days (Fri, Sat): no reminder yet; Fri 10-11 leaves one: remind.
    assert!(!reminder_due(&due, local(2024, 10, 10, 23, 0), &cal()));
    assert!(reminder_due(&due, local(2024, 10, 11, 0, 0), &cal()));
    assert!(reminder_due(&due, local(2024, 10, 12, 20, 0), &cal()));
    assert!(!reminder_due(&due, local(2024, 10, 13, 0, 0), &cal()), "past the deadline it is overdue instead");
}

#[test]
fn facts_survive_storage_as_json() {
    let dispatched = step(&TicketFacts::registered(), Action::Dispatch, local(2024, 9, 27, 16, 30));
    let appealed = step(&dispatched, Action::Appeal, local(2024, 9, 29, 9, 0));
    let json = serde_json::to_string(&appealed).unwrap();
    let back: TicketFacts = serde_json::from_str(&json).unwrap();
    assert_eq!(back, appealed);
    assert_eq!(serde_json::from_str::<TicketFacts>("{}").unwrap().state(), TicketState::Registered);
}

#[test]
fn only_a_dispatched_report_can_be_concluded() {
    let dispatched = step(&TicketFacts::registered(), Action::Dispatch, local(2024, 10, 14, 10, 0));
    let closed = step(&dispatched, Action::Conclude, local(2024, 10, 15, 10, 0));
    assert_eq!(closed.state(), TicketState::Closed);
    assert!(closed.pending_deadlines().is_empty());
    let again = apply(&closed, Action::Conclude, local(2024, 10, 15, 11, 0), &cal(), &Policy::default());
    assert_eq!(again.unwrap_err().code(), "invalid_transition");
}

#[test]
fn each_role_takes_only_its_own_actions() {
    use hcp_core::lifecycle::permitted;
    use hcp_core::role::Role;
    assert!(permitted(Role::Staff, Action::Appeal));
    assert!(!permitted(Role::DeptHead, Action::Appeal), "the department head does not appeal for the staff");
    assert!(permitted(Role::WindowHead, Action::Verify(Classification::Complex)));
    assert!(!permitted(Role::Supervisor, Action::Rectify), "the bureau supervises, the window rectifies");
    assert!(permitted(Role::Supervisor, Action::Decide(Outcome::Overturned)));
    assert!(!permitted(Role::Staff, Action::Decide(Outcome::Overturned)), "nobody judges their own appeal");
    assert!(permitted(Role::HotlineOperator, Action::Dispatch));
    assert!(permitted(Role::HotlineOperator, Action::Revisit(Satisfaction::Satisfied)));
    for action in ALL_ACTIONS {
        assert!(!permitted(Role::Admin, action), "admin configures but does not handle cases");
        assert!(!permitted(Role::Discipline, action));
    }
}
