//! What the list pages share: deadlines in words with their badge, and previous/next links.

use chrono::{DateTime, Utc};
use hcp_core::calendar::WorkCalendar;

use crate::app::views::TicketView;

/// A deadline in words, with the badge class it is shown with.
pub struct Due {
    pub text: String,
    /// `overdue`, `soon`, `ok` or empty.
    pub class: &'static str,
}

impl Due {
    pub fn none() -> Self {
        Due { text: "—".into(), class: "" }
    }

    /// "剩余 2 个工作日", "今天到期", "已超期 3 个工作日": both ways in working days of the calendar, so the
    /// two read alike (a deadline missed on Friday is one working day late on Monday, not three days).
    pub fn until(at: DateTime<Utc>, now: DateTime<Utc>, calendar: &WorkCalendar) -> Self {
        if at < now {
            // Working days after the deadline's day, up to and including today; none yet on a weekend or holiday
            // right after it.
            let text = match calendar.working_days_left(at, now) {
                0 => "已超期（未满 1 个工作日）".to_owned(),
                n => format!("已超期 {n} 个工作日"),
            };
            return Due { text, class: "overdue" };
        }
        match calendar.working_days_left(now, at) {
            0 => Due { text: "今天到期".into(), class: "soon" },
            1 => Due { text: "剩余 1 个工作日".into(), class: "soon" },
            n => Due { text: format!("剩余 {n} 个工作日"), class: "ok" },
        }
    }

    /// A clock stopped with `left` working days to run once it resumes.
    pub fn paused(left: u32) -> Self {
        let text = match left {
            0 => "恢复后当天到期".to_owned(),
            n => format!("恢复后剩余 {n} 个工作日"),
        };
        Due { text, class: "paused" }
    }

    pub fn of_rfc3339(at: Option<&str>, now: DateTime<Utc>, calendar: &WorkCalendar) -> Self {
        match at.and_then(|a| DateTime::parse_from_rfc3339(a).ok()) {
            Some(at) => Due::until(at.with_timezone(&Utc), now, calendar),
            None => Due::none(),
        }
    }

    /// The deadline the ticket waits on now; a missed one that no longer pends still shows.
    pub fn of_ticket(t: &TicketView, now: DateTime<Utc>, calendar: &WorkCalendar) -> Self {
        match t.next_deadline.as_deref() {
            Some(at) => Due::of_rfc3339(Some(at), now, calendar),
            None if t.overdue => Due { text: "曾超期".into(), class: "overdue" },
            None => Due::none(),
        }
    }
}

/// A page link keeping the other query parameters.
pub fn page_link(base: &str, pairs: &[(&str, String)], page: i64) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            query.append_pair(k, v);
        }
    }
    query.append_pair("page", &page.to_string());
    format!("{base}?{}", query.finish())
}

/// Previous/next links of a paged list.
pub struct Pager {
    pub prev: Option<String>,
    pub next: Option<String>,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
}

impl Pager {
    pub fn new(base: &str, pairs: &[(&str, String)], page: i64, per_page: i64, total: i64) -> Self {
        let pages = ((total + per_page - 1) / per_page).max(1);
        Pager {
            prev: (page > 1).then(|| page_link(base, pairs, page - 1)),
            next: (page < pages).then(|| page_link(base, pairs, page + 1)),
            page,
            pages,
            total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        hcp_core::clock::shanghai().with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn overdue_counts_working_days_like_the_time_left() {
        let calendar = WorkCalendar::shipped();
        // Due at the end of Friday 2026-10-23.
        let due = hcp_core::clock::shanghai().with_ymd_and_hms(2026, 10, 23, 23, 59, 59).unwrap().with_timezone(&Utc);
        assert_eq!(Due::until(due, at(2026, 10, 22, 9), &calendar).text, "剩余 1 个工作日");
        assert_eq!(Due::until(due, at(2026, 10, 24, 9), &calendar).text, "已超期（未满 1 个工作日）");
        // Read on Tuesday: two working days late (Monday, Tuesday), not four days.
        assert_eq!(Due::until(due, at(2026, 10, 27, 9), &calendar).text, "已超期 2 个工作日");
        assert_eq!(Due::until(due, at(2026, 10, 27, 9), &calendar).class, "overdue");
        assert_eq!(Due::paused(3).text, "恢复后剩余 3 个工作日");
    }
}
