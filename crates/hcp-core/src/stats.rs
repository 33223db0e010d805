//! The metrics of DESIGN §6, defined once. Every evaluation (with its ticket) and every finished case
//! *contributes* a vector of counters; aggregates are sums of contributions, kept up to date by applying the
//! difference between a record's contribution before and after each change. Rates are ratios of summed
//! counters, so any grouping (department, window, staff, channel, item, day, month) is computed one way.

use serde::Serialize;

use crate::level::Level;
use crate::lifecycle::{Classification, Outcome, Satisfaction, TicketFacts};
use crate::ticket::TicketState;

/// Names of the counters, in storage order (columns of the aggregate table).
pub const COUNTERS: [&str; 22] = [
    "evaluations",
    "adopted",
    "level_1",
    "level_2",
    "level_3",
    "level_4",
    "level_5",
    "score_points",
    "active",
    "finished_cases",
    "bad_all",
    "bad_valid",
    "rectified",
    "explained",
    "feedback_given",
    "feedback_on_time",
    "real_name_bad",
    "revisited",
    "revisit_satisfied",
    "appealed",
    "decided",
    "overturned",
];

/// Index of each counter in [`Counters`].
#[derive(Debug, Clone, Copy)]
#[repr(usize)]
pub enum C {
    Evaluations,
    Adopted,
    Level1,
    Level2,
    Level3,
    Level4,
    Level5,
    ScorePoints,
    Active,
    FinishedCases,
    BadAll,
    BadValid,
    Rectified,
    Explained,
    FeedbackGiven,
    FeedbackOnTime,
    RealNameBad,
    Revisited,
    RevisitSatisfied,
    Appealed,
    Decided,
    Overturned,
}

/// Overdue tickets are counted too, but as a counter of its own kind it follows the ticket's flag.
pub const OVERDUE: &str = "overdue";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters(pub [i64; 23]);

impl Counters {
    pub fn get(&self, c: C) -> i64 {
        self.0[c as usize]
    }

    fn set(&mut self, c: C, value: bool) {
        self.0[c as usize] = i64::from(value);
    }

    pub fn overdue(&self) -> i64 {
        self.0[22]
    }

    /// Adopted evaluations of levels 1–2 (差评) — the figure supervision compares with its thresholds.
    pub fn bad_reviews(&self) -> i64 {
        self.get(C::Level1) + self.get(C::Level2)
    }

    pub fn add(&mut self, other: &Counters) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }

    /// `after − before`, the change to apply to an aggregate.
    pub fn delta(before: &Counters, after: &Counters) -> Counters {
        let mut d = *after;
        for (a, b) in d.0.iter_mut().zip(before.0) {
            *a -= b;
        }
        d
    }

    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|v| *v == 0)
    }
}

/// All column names, counters then `overdue`.
pub fn columns() -> impl Iterator<Item = &'static str> {
    COUNTERS.iter().copied().chain(std::iter::once(OVERDUE))
}

/// What the statistics need of an evaluation.
#[derive(Debug, Clone)]
pub struct EvaluationFacts {
    pub level: Level,
    pub adopted: bool,
    /// Given by the citizen on their own initiative (online, QR code, hall devices, SMS), as opposed to entered
    /// for them by an operator or registrar.
    pub active: bool,
    /// The evaluator left a name or phone (实名).
    pub real_name: bool,
}

/// The contribution of one evaluation and its ticket.
pub fn evaluation_contribution(e: &EvaluationFacts, ticket: Option<&TicketFacts>) -> Counters {
    let mut c = Counters::default();
    c.set(C::Evaluations, true);
    c.set(C::Adopted, e.adopted);
    let level = [C::Level1, C::Level2, C::Level3, C::Level4, C::Level5][(e.level.code() - 1) as usize];
    c.set(level, e.adopted);
    c.0[C::ScorePoints as usize] = if e.adopted { e.level.score() } else { 0 };
    c.set(C::Active, e.adopted && e.active);
    let bad = e.level.is_bad();
    c.set(C::BadAll, bad);
    c.set(C::BadValid, bad && e.adopted);
    if let (true, Some(t)) = (bad, ticket) {
        let valid = e.adopted;
        let answered = t.feedback_count > 0;
        let explanation = t.classification == Some(Classification::NoLegalBasis);
        c.set(C::Rectified, valid && answered && !explanation);
        c.set(C::Explained, valid && answered && explanation);
        c.set(C::FeedbackGiven, valid && answered);
        c.set(C::FeedbackOnTime, valid && answered && !t.overdue);
        c.set(C::RealNameBad, valid && e.real_name);
        c.set(C::Revisited, valid && e.real_name && t.last_revisit.is_some());
        c.set(
            C::RevisitSatisfied,
            valid
                && e.real_name
                && matches!(t.last_revisit, Some(Satisfaction::Satisfied | Satisfaction::BasicallySatisfied)),
        );
        c.set(C::Appealed, t.appealed);
        c.set(C::Decided, t.decided.is_some());
        c.set(C::Overturned, t.decided == Some(Outcome::Overturned));
        c.0[22] = i64::from(t.overdue && t.state() != TicketState::Overturned);
    }
    c
}

/// A finished case counts towards 主动评价率's denominator.
pub fn case_contribution() -> Counters {
    let mut c = Counters::default();
    c.set(C::FinishedCases, true);
    c
}

/// The rates of DESIGN §6 for one group, in percent with one decimal, `None` when the denominator is zero.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rates {
    /// 好评率: adopted levels 3–5 / adopted.
    pub good_rate: Option<f64>,
    /// 差评率: adopted levels 1–2 / adopted.
    pub bad_rate: Option<f64>,
    /// Mean of 10/8/6/3/0 over adopted evaluations.
    pub score: Option<f64>,
    /// 主动评价率: adopted active evaluations / finished cases.
    pub active_rate: Option<f64>,
    /// 差评整改率: rectified / valid bad reviews (explanations are counted apart, see `explained`).
    pub rectification_rate: Option<f64>,
    /// 按期反馈率: answered without missing a deadline / answered.
    pub on_time_feedback_rate: Option<f64>,
    /// 回访率: real-name valid bad reviews revisited / real-name valid bad reviews.
    pub revisit_rate: Option<f64>,
    /// 回访满意率: satisfied or basically satisfied / revisited.
    pub revisit_satisfaction_rate: Option<f64>,
    /// 申诉率: appealed / all bad reviews.
    pub appeal_rate: Option<f64>,
    /// 改判率: overturned / decided appeals.
    pub overturn_rate: Option<f64>,
}

fn pct(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator > 0).then(|| (numerator as f64 * 1000.0 / denominator as f64).round() / 10.0)
}

impl Rates {
    pub fn of(c: &Counters) -> Rates {
        let adopted = c.get(C::Adopted);
        let good = c.get(C::Level3) + c.get(C::Level4) + c.get(C::Level5);
        let bad = c.bad_reviews();
        Rates {
            good_rate: pct(good, adopted),
            bad_rate: pct(bad, adopted),
            score: (adopted > 0).then(|| (c.get(C::ScorePoints) as f64 * 100.0 / adopted as f64).round() / 100.0),
            active_rate: pct(c.get(C::Active), c.get(C::FinishedCases)),
            rectification_rate: pct(c.get(C::Rectified), c.get(C::BadValid) - c.get(C::Explained)),
            on_time_feedback_rate: pct(c.get(C::FeedbackOnTime), c.get(C::FeedbackGiven)),
            revisit_rate: pct(c.get(C::Revisited), c.get(C::RealNameBad)),
            revisit_satisfaction_rate: pct(c.get(C::RevisitSatisfied), c.get(C::Revisited)),
            appeal_rate: pct(c.get(C::Appealed), c.get(C::BadAll)),
            overturn_rate: pct(c.get(C::Overturned), c.get(C::Decided)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(level: i64, adopted: bool) -> EvaluationFacts {
        EvaluationFacts { level: Level::from_code(level).unwrap(), adopted, active: true, real_name: true }
    }

    #[test]
    fn a_good_review_counts_its_level_and_score_only() {
        let c = evaluation_contribution(&eval(5, true), None);
        assert_eq!((c.get(C::Evaluations), c.get(C::Adopted), c.get(C::Level5), c.get(C::ScorePoints)), (1, 1, 1, 10));
        assert_eq!(c.get(C::BadAll), 0);
        let not_adopted = evaluation_contribution(&eval(5, false), None);
        assert_eq!(
            (not_adopted.get(C::Evaluations), not_adopted.get(C::Adopted), not_adopted.get(C::Level5)),
            (1, 0, 0)
        );
    }

    #[test]
    fn a_bad_review_follows_its_ticket_and_deltas_move_it() {
        let mut t = TicketFacts::registered();
        let before = evaluation_contribution(&eval(1, true), Some(&t));
        assert_eq!((before.get(C::BadValid), before.get(C::Rectified)), (1, 0));
        t.classification = Some(Classification::Complex);
        t.feedback_count = 1;
        t.last_revisit = Some(Satisfaction::BasicallySatisfied);
        let after = evaluation_contribution(&eval(1, true), Some(&t));
        assert_eq!((after.get(C::Rectified), after.get(C::FeedbackOnTime), after.get(C::RevisitSatisfied)), (1, 1, 1));
        let d = Counters::delta(&before, &after);
        assert_eq!((d.get(C::Evaluations), d.get(C::Rectified)), (0, 1));
        let mut sum = before;
        sum.add(&d);
        assert_eq!(sum, after);
        // Overturned: not adopted, counted as appealed and overturned, no longer a valid bad review.
        t.appealed = true;
        t.decided = Some(Outcome::Overturned);
        let overturned = evaluation_contribution(&eval(1, false), Some(&t));
        assert_eq!((overturned.get(C::BadValid), overturned.get(C::BadAll), overturned.get(C::Overturned)), (0, 1, 1));
        assert_eq!(overturned.get(C::Rectified), 0);
    }

    #[test]
    fn rates_are_ratios_of_sums() {
        let mut c = Counters::default();
        for level in [5, 5, 4, 3, 1] {
            c.add(&evaluation_contribution(&eval(level, true), Some(&TicketFacts::registered())));
        }
        c.add(&case_contribution());
        let r = Rates::of(&c);
        assert_eq!((r.good_rate, r.bad_rate, r.score), (Some(80.0), Some(20.0), Some(6.8)));
        assert_eq!(r.active_rate, Some(500.0), "more active evaluations than finished cases is possible");
        assert_eq!(r.overturn_rate, None);
        assert_eq!(Rates::of(&Counters::default()).good_rate, None);
    }
}
