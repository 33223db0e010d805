//! A believable demo jurisdiction modelled on 吉林经开区 (the source of DESIGN.md): its organisation tree,
//! departments, windows, staff and service items, and a deterministic stream of cases, evaluations and
//! complaints over a period.
//!
//! Pure: no I/O, no database, no clock. Randomness comes from a small seeded PRNG in this file, so one seed gives
//! the same data on every machine. The stream is generated day by day and kept in a small priority queue of
//! pending events (a few days' worth at most), so millions of events can be produced without holding them.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use hcp_core::calendar::WorkCalendar;
use hcp_core::channel::Channel;
use hcp_core::clock::shanghai;
use hcp_core::complaint::{ComplaintInput, ContactInput};
use hcp_core::evaluation::{EvaluationInput, EvaluatorInput};
use hcp_core::org::OrgKind;

/// The seed of the shipped demo (the date the source measures were issued).
pub const DEMO_SEED: u64 = 20_230_512;

mod model;
mod rng;
mod spec;
mod stream;
mod texts;
mod time;

use model::*;
use rng::*;
use spec::*;
use stream::*;
use texts::*;
use time::*;

// ---------------------------------------------------------------------------------------------------------------
// Public data shapes
// ---------------------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOrgUnit {
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoDepartment {
    pub code: String,
    pub name: String,
    pub org_unit_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoWindow {
    pub code: String,
    pub name: String,
    pub department_code: String,
    pub head_staff_no: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoStaff {
    pub staff_no: String,
    pub name: String,
    pub window_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoItem {
    pub code: String,
    pub name: String,
    pub department_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCase {
    pub case_no: String,
    pub item_code: String,
    pub window_code: String,
    pub staff_no: String,
    pub accepted_at: DateTime<Utc>,
    /// `None` while the case is still in progress at the end of the period.
    pub finished_at: Option<DateTime<Utc>>,
}

/// One evaluation to submit. `received_at` is when the system receives it (for online channels equal to when it
/// was given; paper/box forms arrive 1–7 days later and carry `input.evaluated_at` as a "YYYY-MM-DD" date string).
#[derive(Debug, Clone)]
pub struct DemoEvaluation {
    pub input: EvaluationInput,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct DemoComplaint {
    pub input: ComplaintInput,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOrg {
    pub org_units: Vec<DemoOrgUnit>,
    pub departments: Vec<DemoDepartment>,
    pub windows: Vec<DemoWindow>,
    pub staff: Vec<DemoStaff>,
    pub items: Vec<DemoItem>,
}

/// The window that the demo `staff` and `window_head` users belong to (so one window can be followed through
/// every role): its code, the head's staff_no, and one ordinary staff member's staff_no at that window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoFocus {
    pub window_code: String,
    pub head_staff_no: String,
    pub staff_no: String,
    pub department_code: String,
    pub org_unit_code: String,
}

#[derive(Debug, Clone)]
pub enum DemoEvent {
    Case(DemoCase),
    Evaluation(DemoEvaluation),
    Complaint(DemoComplaint),
}

impl DemoEvent {
    /// The instant that orders the stream: `accepted_at` of a case, `received_at` otherwise.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            DemoEvent::Case(c) => c.accepted_at,
            DemoEvent::Evaluation(e) => e.received_at,
            DemoEvent::Complaint(c) => c.received_at,
        }
    }
}

/// The demo organisation: 1 center, 3 street centers with 3 community stations each, 1 online platform.
pub fn org() -> DemoOrg {
    let model = Model::build();
    DemoOrg {
        org_units: model
            .orgs
            .iter()
            .map(|o| DemoOrgUnit {
                code: o.code.clone(),
                name: o.name.clone(),
                kind: o.kind,
                parent_code: o.parent.map(|p| model.orgs[p].code.clone()),
            })
            .collect(),
        departments: model
            .depts
            .iter()
            .map(|d| DemoDepartment {
                code: d.code.clone(),
                name: d.name.clone(),
                org_unit_code: model.orgs[d.org].code.clone(),
            })
            .collect(),
        windows: model
            .windows
            .iter()
            .map(|w| DemoWindow {
                code: w.code.clone(),
                name: w.name.clone(),
                department_code: model.depts[w.dept].code.clone(),
                head_staff_no: w.staff.first().map(|&s| model.staff[s].no.clone()),
            })
            .collect(),
        staff: model
            .staff
            .iter()
            .map(|s| DemoStaff {
                staff_no: s.no.clone(),
                name: s.name.clone(),
                window_code: model.windows[s.window].code.clone(),
            })
            .collect(),
        items: model
            .items
            .iter()
            .map(|i| DemoItem {
                code: i.code.clone(),
                name: i.name.clone(),
                department_code: model.depts[i.dept].code.clone(),
            })
            .collect(),
    }
}

/// The focus window: 市场主体登记窗口 of 市场监督管理局 in the district center.
pub fn focus() -> DemoFocus {
    let model = Model::build();
    let w = &model.windows[model.focus_window()];
    DemoFocus {
        window_code: w.code.clone(),
        head_staff_no: model.staff[w.staff[0]].no.clone(),
        staff_no: model.staff[w.staff[FOCUS_STAFF_POS]].no.clone(),
        department_code: model.depts[w.dept].code.clone(),
        org_unit_code: model.orgs[w.org].code.clone(),
    }
}

/// The last ~3 full months up to `now`: from local midnight of the first day of the month three months before
/// the current one, to `now`.
pub fn default_period(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    period_of_months(now, 3)
}

/// The last `back` full months and the current one up to `now` (a large data set spans a year: 12).
pub fn period_of_months(now: DateTime<Utc>, back: i32) -> (DateTime<Utc>, DateTime<Utc>) {
    let today = now.with_timezone(&shanghai()).date_naive();
    let months = today.year() * 12 + today.month0() as i32 - back;
    let first = NaiveDate::from_ymd_opt(months.div_euclid(12), months.rem_euclid(12) as u32 + 1, 1).unwrap_or(today);
    (at_local(first, 0), now)
}

/// Cases, evaluations and complaints between `start` and `end` in non-decreasing time order, generated lazily.
///
/// `evaluations_target` is roughly how many evaluations to produce over the period; they fall in the working hours
/// of working days (Asia/Shanghai, State Council calendar), a little on Saturday mornings for the halls with
/// weekend service, none at night.
pub fn events(
    seed: u64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    evaluations_target: u64,
) -> impl Iterator<Item = DemoEvent> + Send {
    EventStream::new(seed, start, end, evaluations_target)
}

#[cfg(test)]
mod tests;
