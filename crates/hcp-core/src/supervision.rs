//! Concentration of bad reviews (DESIGN §6): where adopted bad reviews pile up over a period, the bureau acts.
//! Pure: thresholds in, verdict and the figures behind it out.

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
