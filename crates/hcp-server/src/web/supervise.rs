//! The supervisor's pages (政务服务局督查人员): the statistics dashboard with server-drawn SVG charts, the
//! queues (appeals under review, revisits, fraud flags), supervision orders, ledger downloads and the audited
//! reveal of an evaluator's contact. Every figure and action goes through the API's own handlers and services,
//! so scope, roles, validation and audit are the API's.

mod dashboard;
mod ledgers;
mod orders;
mod queues;
mod reveal;

use axum::Router;
use axum::routing::{get, post};
use chrono::{DateTime, Datelike, Months, NaiveDate};
use hcp_core::clock::shanghai;

use crate::app::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/supervise", get(dashboard::page))
        .route("/supervise/appeals", get(queues::appeals))
        .route("/supervise/revisits", get(queues::revisits))
        .route("/supervise/fraud-flags", get(queues::flags))
        .route("/supervise/fraud-flags/{key}/decision", post(queues::decide))
        .route("/supervise/orders", get(orders::list).post(orders::issue))
        .route("/supervise/orders/new", get(orders::new_order))
        .route("/supervise/orders/{id}", get(orders::show))
        .route("/supervise/orders/{id}/assess", post(orders::assess))
        .route("/supervise/ledgers", get(ledgers::page))
        .route("/supervise/evaluations/{id}", get(reveal::page).post(reveal::submit))
}

/// A percentage of the API (one decimal) as the pages show it.
pub(crate) fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}%"))
}

pub(crate) fn score_text(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{v:.2}"))
}

/// A deadline in words and the badge class it gets: "剩余 2 个工作日" / "今天到期" / "已超期 1 个工作日" (the work pages'
/// rule).
pub(crate) fn deadline_words(state: &AppState, rfc3339: &str) -> (String, &'static str) {
    if DateTime::parse_from_rfc3339(rfc3339).is_err() {
        return (rfc3339.to_owned(), "");
    }
    let due = crate::web::listing::Due::of_rfc3339(Some(rfc3339), state.now(), &state.calendar());
    (due.text, due.class)
}

/// Today in China Standard Time.
pub(crate) fn today(state: &AppState) -> NaiveDate {
    state.now().with_timezone(&shanghai()).date_naive()
}

/// `YYYY-MM` → the first day of that month.
pub(crate) fn parse_month(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if text.len() != 7 {
        return None;
    }
    NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").ok()
}

pub(crate) fn month_text(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

pub(crate) fn first_of(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

pub(crate) fn last_of_month(first: NaiveDate) -> NaiveDate {
    first.checked_add_months(Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(first)
}

/// A period of whole months chosen on a page: `from`/`to` as `YYYY-MM`, defaulting to the `default_months`
/// months up to the current one. Returns the first and last day, the texts for the form and an error message.
pub(crate) struct MonthPeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub from_text: String,
    pub to_text: String,
    pub error: Option<String>,
}

impl MonthPeriod {
    pub fn parse(state: &AppState, from: Option<&str>, to: Option<&str>, default_months: u32, max_months: u32) -> Self {
        let this_month = first_of(today(state));
        let default_from = this_month.checked_sub_months(Months::new(default_months - 1)).unwrap_or(this_month);
        let blank = |t: Option<&str>| t.map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
        let (from_in, to_in) = (blank(from), blank(to));
        let mut error = None;
        let mut read = |text: &Option<String>, default: NaiveDate, name: &str| match text {
            None => default,
            Some(t) => parse_month(t).unwrap_or_else(|| {
                error = error
                    .take()
                    .or(Some(format!("{name}应为“年-月”格式，例如 {}；已按默认期间显示。", month_text(this_month))));
                default
            }),
        };
        let mut first = read(&from_in, default_from, "起始月份");
        let mut last = read(&to_in, this_month, "截止月份");
        if error.is_some() {
            first = default_from;
            last = this_month;
        } else if first > last {
            error = Some("起始月份不能晚于截止月份；已按默认期间显示。".to_owned());
            first = default_from;
            last = this_month;
        } else if months_between(first, last) >= max_months {
            error = Some(format!("期间最长 {max_months} 个月；已按默认期间显示。"));
            first = default_from;
            last = this_month;
        }
        MonthPeriod {
            from: first,
            to: last_of_month(last),
            from_text: if error.is_some() { month_text(first) } else { from_in.unwrap_or_else(|| month_text(first)) },
            to_text: if error.is_some() { month_text(last) } else { to_in.unwrap_or_else(|| month_text(last)) },
            error,
        }
    }

    /// Every month of the period, `YYYY-MM`.
    pub fn months(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut m = first_of(self.from);
        while m <= self.to {
            out.push(month_text(m));
            match m.checked_add_months(Months::new(1)) {
                Some(next) => m = next,
                None => break,
            }
        }
        out
    }
}

fn months_between(first: NaiveDate, last: NaiveDate) -> u32 {
    let months = (last.year() - first.year()) * 12 + last.month() as i32 - first.month() as i32;
    months.max(0) as u32
}

/// An evidence object of the API (flags, orders) as label/value lines for people.
pub(crate) fn evidence_lines(evidence: &serde_json::Value) -> Vec<(String, String)> {
    let Some(object) = evidence.as_object() else {
        return Vec::new();
    };
    // The period first, then the counts, then the rate; other keys after, as stored.
    const ORDER: [&str; 5] = ["from", "to", "adopted", "bad_reviews", "bad_rate"];
    let mut entries: Vec<(&String, &serde_json::Value)> = object.iter().collect();
    entries.sort_by_key(|(key, _)| ORDER.iter().position(|k| k == key).unwrap_or(ORDER.len()));
    entries.into_iter().map(|(key, value)| (evidence_label(key).to_owned(), value_text(key, value))).collect()
}

fn evidence_label(key: &str) -> &str {
    match key {
        "minutes" => "时间范围（分钟）",
        "count" => "次数",
        "earlier_evaluations" => "此前的评价",
        "network" => "网段",
        "words" => "不文明用语",
        "window_id" => "窗口编号",
        "wording" => "雷同文字",
        "evaluations" => "涉及评价",
        "days" => "统计天数",
        "windows" => "涉及窗口",
        "staff_id" => "工作人员编号",
        "day" => "日期",
        "praises" => "好评数",
        "cases" => "办件数",
        "praise_per_case_percent" => "好评与办件比阈值（%）",
        "from" => "统计起始日",
        "to" => "统计截止日",
        "adopted" => "有效评价数",
        "bad_reviews" => "差评数",
        "bad_rate" => "差评率",
        other => other,
    }
}

fn value_text(key: &str, value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "—".to_owned(),
        serde_json::Value::String(s) if matches!(key, "from" | "to" | "day") => {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_or_else(|_| s.clone(), |d| d.format("%Y年%m月%d日").to_string())
        }
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) if key.ends_with("rate") => percent(n.as_f64()),
        serde_json::Value::Array(items) => items.iter().map(|v| value_text("", v)).collect::<Vec<_>>().join("、"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_strictly_and_list_the_period() {
        assert_eq!(parse_month("2026-10"), NaiveDate::from_ymd_opt(2026, 10, 1));
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(parse_month("2026-1"), None);
        assert_eq!(months_between(parse_month("2025-11").unwrap(), parse_month("2026-10").unwrap()), 11);
        assert_eq!(last_of_month(parse_month("2026-02").unwrap()), NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
    }

    #[test]
    fn evidence_reads_in_chinese_with_rates_as_percentages() {
        let lines = evidence_lines(&serde_json::json!({"bad_rate": 66.7, "words": ["废物", "垃圾"], "count": 3}));
        assert!(lines.contains(&("差评率".to_owned(), "66.7%".to_owned())));
        assert!(lines.contains(&("不文明用语".to_owned(), "废物、垃圾".to_owned())));
        assert!(lines.contains(&("次数".to_owned(), "3".to_owned())));
        let order = evidence_lines(&serde_json::json!({"bad_rate": 50.0, "adopted": 4, "from": "2026-10-01"}));
        let labels: Vec<&str> = order.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(labels, ["统计起始日", "有效评价数", "差评率"]);
    }
}
