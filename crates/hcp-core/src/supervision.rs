//! Concentration of bad reviews (DESIGN §6): where adopted bad reviews pile up over a period, the bureau acts.
//! Pure: thresholds in, verdict and the figures behind it out.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::stats::{C, Counters};

crate::coded! {
    /// The escalation ladder of supervision orders (DESIGN §6).
    pub enum OrderKind {
        /// 整改通知 to the window head, with a deadline for the rectification report.
        RectificationOrder => "rectification_order", "整改通知";
        /// 通报: a public notice of the concentration.
        Notice => "notice", "通报";
        /// 责令更换: the stationed department must replace the staff member, and reports.
        ReplacementOrder => "replacement_order", "责令更换窗口人员";
        /// 移送纪检监察: the discipline inspectors record the outcome.
        Referral => "referral", "移送纪检监察";
    }
}

impl OrderKind {
    /// Whether the addressee answers with a rectification report (notices and referrals are not answered).
    pub fn takes_report(self) -> bool {
        matches!(self, OrderKind::RectificationOrder | OrderKind::ReplacementOrder)
    }

    /// The next step of the ladder when this one did not help (a referral is the last).
    pub fn next(self) -> OrderKind {
        match self {
            OrderKind::RectificationOrder => OrderKind::Notice,
            OrderKind::Notice => OrderKind::ReplacementOrder,
            OrderKind::ReplacementOrder | OrderKind::Referral => OrderKind::Referral,
        }
    }
}

crate::coded! {
    /// What an order is addressed to.
    pub enum TargetLevel {
        Staff => "staff", "工作人员";
        Window => "window", "窗口";
        Department => "department", "部门";
    }
}

crate::coded! {
    /// Where an order stands: issued → reported → assessed; a referral goes issued → concluded.
    pub enum OrderState {
        Issued => "issued", "已下发";
        Reported => "reported", "已报告整改，待评估";
        Assessed => "assessed", "已评估";
        Concluded => "concluded", "已办结";
    }
}

crate::coded! {
    /// The bureau's assessment of a reported rectification.
    pub enum Assessment {
        Effective => "effective", "整改有效";
        Ineffective => "ineffective", "整改无效";
    }
}

/// When a staff member, window or department has crossed the line in a period (`[supervision]`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// This many adopted bad reviews in the period cross the line whatever the volume.
    pub bad_reviews: i64,
    /// A bad-review rate (percent of adopted evaluations) at or above this crosses the line…
    pub bad_rate_percent: f64,
    /// …once there are at least this many adopted evaluations (a rate of 1 in 2 means little).
    pub min_evaluations: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { bad_reviews: 3, bad_rate_percent: 5.0, min_evaluations: 20 }
    }
}

/// Why a group crossed the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Crossing {
    Count,
    Rate,
    CountAndRate,
}

pub fn crossing(c: &Counters, t: &Thresholds) -> Option<Crossing> {
    let adopted = c.get(C::Adopted);
    let bad = c.bad_reviews();
    let by_count = bad >= t.bad_reviews.max(1);
    let by_rate =
        adopted >= t.min_evaluations && adopted > 0 && bad as f64 * 100.0 / adopted as f64 >= t.bad_rate_percent;
    match (by_count, by_rate) {
        (true, true) => Some(Crossing::CountAndRate),
        (true, false) => Some(Crossing::Count),
        (false, true) => Some(Crossing::Rate),
        (false, false) => None,
    }
}

/// The least an assessment's before/after comparison needs to say anything: a rate of 1 in 1 after a day means
/// nothing. Below it the comparison is kept but marked 数据不足 (insufficient), with the reason in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssessmentMinimum {
    /// Whole days since the order (the day it was issued not counted).
    pub days: i64,
    /// Adopted evaluations in each of the two periods.
    pub evaluations: i64,
}

impl Default for AssessmentMinimum {
    fn default() -> Self {
        AssessmentMinimum { days: 7, evaluations: 10 }
    }
}

/// Like periods for an assessment: the whole days from the day after the order up to `today`, and as many days
/// just before the order's day. The order's own day is in neither (its reviews are partly before the order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssessmentPeriods {
    /// Days in each period (0 on the day the order was issued).
    pub days: i64,
    pub before: (NaiveDate, NaiveDate),
    pub after: (NaiveDate, NaiveDate),
}

pub fn assessment_periods(issued: NaiveDate, today: NaiveDate) -> AssessmentPeriods {
    let days = (today - issued).num_days().max(0);
    let after_from = issued + Days::new(1);
    let before_to = issued - Days::new(1);
    // With no whole day yet both periods are empty: `to` before `from`.
    let before_from = issued - Days::new(days as u64);
    AssessmentPeriods { days, before: (before_from, before_to), after: (after_from, today.max(issued)) }
}

/// Why the comparison cannot support a conclusion yet, in words for the supervisor; None when it can.
pub fn assessment_shortfall(
    periods: &AssessmentPeriods,
    adopted_before: i64,
    adopted_after: i64,
    min: &AssessmentMinimum,
) -> Option<String> {
    if periods.days == 0 {
        return Some(format!("督办下发当天尚无完整的一天可供对比（至少需下发后 {} 天），前后对比仅供参考。", min.days));
    }
    let mut wants = Vec::new();
    if periods.days < min.days {
        wants.push(format!("督办下发后仅过去 {} 个整天（至少需 {} 天）", periods.days, min.days));
    }
    if adopted_after < min.evaluations {
        wants.push(format!("下发后有效评价 {adopted_after} 条（至少需 {} 条）", min.evaluations));
    }
    if adopted_before < min.evaluations {
        wants.push(format!("下发前同样天数内有效评价 {adopted_before} 条（至少需 {} 条）", min.evaluations));
    }
    (!wants.is_empty()).then(|| format!("{}，前后对比仅供参考。", wants.join("；")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::level::Level;
    use crate::stats::{EvaluationFacts, evaluation_contribution};

    fn counters(levels: &[i64]) -> Counters {
        let mut c = Counters::default();
        for level in levels {
            let e = EvaluationFacts {
                level: Level::from_code(*level).unwrap(),
                adopted: true,
                active: true,
                real_name: false,
            };
            c.add(&evaluation_contribution(&e, None));
        }
        c
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn an_assessment_compares_as_many_days_before_the_order_as_have_passed_since() {
        let issued = day("2026-10-20");
        let week = assessment_periods(issued, day("2026-10-27"));
        assert_eq!(week.days, 7);
        assert_eq!(week.after, (day("2026-10-21"), day("2026-10-27")));
        assert_eq!(week.before, (day("2026-10-13"), day("2026-10-19")), "the order's own day is in neither");

        // On the day of the order there is no whole day to compare: not the month against one day.
        let same_day = assessment_periods(issued, issued);
        assert_eq!(same_day.days, 0);
        assert!(same_day.before.1 < same_day.before.0 && same_day.after.1 < same_day.after.0, "empty periods");
        let shortfall = assessment_shortfall(&same_day, 0, 0, &AssessmentMinimum::default()).unwrap();
        assert!(shortfall.starts_with("督办下发当天尚无完整的一天可供对比（至少需下发后 7 天）"), "{shortfall}");
        let two_days = assessment_periods(issued, day("2026-10-22"));
        let shortfall = assessment_shortfall(&two_days, 30, 1, &AssessmentMinimum::default()).unwrap();
        assert!(shortfall.contains("仅过去 2 个整天") && shortfall.contains("下发后有效评价 1 条"), "{shortfall}");
        assert!(!shortfall.contains("下发前"), "enough before: {shortfall}");
    }

    #[test]
    fn enough_days_and_reviews_on_both_sides_make_the_comparison_count() {
        let min = AssessmentMinimum::default();
        let month = assessment_periods(day("2026-10-01"), day("2026-10-31"));
        assert_eq!(month.days, 30);
        assert_eq!(assessment_shortfall(&month, 10, 12, &min), None);
        let thin = assessment_shortfall(&month, 9, 40, &min).unwrap();
        assert!(thin.starts_with("下发前同样天数内有效评价 9 条（至少需 10 条）"), "{thin}");
        let short = assessment_periods(day("2026-10-01"), day("2026-10-04"));
        assert!(assessment_shortfall(&short, 50, 50, &min).unwrap().contains("仅过去 3 个整天（至少需 7 天）"));
    }

    #[test]
    fn count_and_rate_thresholds() {
        let t = Thresholds::default();
        assert_eq!(crossing(&counters(&[1, 2, 5]), &t), None);
        assert_eq!(crossing(&counters(&[1, 2, 1, 5]), &t), Some(Crossing::Count));
        let mut busy = vec![5; 36];
        busy.extend([1, 2]);
        assert_eq!(crossing(&counters(&busy), &t), Some(Crossing::Rate), "2 of 38 is 5.3 %");
        busy.push(1);
        assert_eq!(crossing(&counters(&busy), &t), Some(Crossing::CountAndRate));
        assert_eq!(crossing(&counters(&[1, 2]), &Thresholds { bad_reviews: 5, ..t }), None, "too few to judge a rate");
    }
}
