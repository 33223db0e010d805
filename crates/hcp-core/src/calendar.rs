//! Working days and deadlines (DESIGN.md §3).
//!
//! A date is a working day if it is Monday–Friday and not listed as a day off, or if it is listed as a make-up
//! working day (调休上班). The lists are data: the State Council arrangements in the holiday-cn JSON format (one file
//! per year, 2023–2026 shipped and embedded at compile time) plus local days (closures or extra working days) that
//! override them. Years without an arrangement fall back to the Monday–Friday rule and are marked provisional.
//!
//! Counting never walks day by day: the number of Monday–Friday days in a range is closed-form arithmetic over
//! whole weeks, and every listed date carries the running sum of its deviations from that rule, so a range count
//! is two `BTreeMap` look-ups. The n-th working day is found by binary search over that count.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, SecondsFormat, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::clock::shanghai;

/// Years a calendar file may describe.
pub const YEAR_RANGE: std::ops::RangeInclusive<i32> = 1990..=2100;

/// Longest holiday name accepted in an imported file (characters).
const MAX_NAME_CHARS: usize = 50;

/// One listed date of a holiday-cn file: a day off, or a make-up working day when `is_off_day` is false.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayDay {
    pub name: String,
    pub date: NaiveDate,
    #[serde(rename = "isOffDay")]
    pub is_off_day: bool,
}

/// One year's State Council arrangement in the holiday-cn format (unknown fields such as `$schema` are ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayFile {
    pub year: i32,
    #[serde(default)]
    pub papers: Vec<String>,
    pub days: Vec<HolidayDay>,
}

/// Why a calendar file was rejected. The messages are shown to administrators as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("节假日文件格式错误：{0}")]
    InvalidJson(String),
    #[error("年份 {0} 超出允许范围（{min}–{max}）", min = YEAR_RANGE.start(), max = YEAR_RANGE.end())]
    YearOutOfRange(i32),
    #[error("日期 {0} 重复出现")]
    DuplicateDate(NaiveDate),
    #[error("日期 {date} 不属于 {year} 年的安排（只允许上一年 12 月至下一年 1 月）")]
    DateOutsideYear { year: i32, date: NaiveDate },
    #[error("日期 {0} 的节日名称为空")]
    EmptyName(NaiveDate),
    #[error("日期 {0} 的节日名称过长（最多 {max} 个字）", max = MAX_NAME_CHARS)]
    NameTooLong(NaiveDate),
    #[error(
        "{0} 年的文件中没有任何日期（国务院通知发布前的占位文件），未导入；该年仍按周一至周五计算工作日，期限标为“暂定”"
    )]
    NoDays(i32),
    #[error("日期 {0} 的节日名称含有控制字符")]
    ControlInName(NaiveDate),
    #[error(
        "{0} 年的文件没有注明国务院通知的来源（papers 为空），未导入；该年仍按周一至周五计算工作日，期限标为“暂定”"
    )]
    NoSource(i32),
}

impl HolidayFile {
    /// Parses and validates a holiday-cn JSON document.
    pub fn parse(json: &str) -> Result<Self, CalendarError> {
        let file: HolidayFile = serde_json::from_str(json).map_err(|e| CalendarError::InvalidJson(e.to_string()))?;
        file.validate()?;
        Ok(file)
    }

    /// Checks what serde cannot: year range, duplicates, dates belonging to the year, names.
    pub fn validate(&self) -> Result<(), CalendarError> {
        if !YEAR_RANGE.contains(&self.year) {
            return Err(CalendarError::YearOutOfRange(self.year));
        }
        let mut seen = std::collections::BTreeSet::new();
        for day in &self.days {
            let d = day.date;
            // A holiday period may start in late December or end in early January (e.g. 元旦 2022-12-31).
            let near = d.year() == self.year
                || (d.year() == self.year - 1 && d.month() == 12)
                || (d.year() == self.year + 1 && d.month() == 1);
            if !near {
                return Err(CalendarError::DateOutsideYear { year: self.year, date: d });
            }
            if !seen.insert(d) {
                return Err(CalendarError::DuplicateDate(d));
            }
            if day.name.trim().is_empty() {
                return Err(CalendarError::EmptyName(d));
            }
            if day.name.chars().count() > MAX_NAME_CHARS {
                return Err(CalendarError::NameTooLong(d));
            }
            if day.name.chars().any(char::is_control) {
                return Err(CalendarError::ControlInName(d));
            }
        }
        Ok(())
    }

    /// Whether the file is a published arrangement: it lists days and cites the State Council notice. A
    /// placeholder (holiday-cn ships `"papers": [], "days": []` for a year not yet announced) is refused, so the
    /// year stays provisional.
    pub fn check_published(&self) -> Result<(), CalendarError> {
        if self.days.is_empty() {
            return Err(CalendarError::NoDays(self.year));
        }
        if self.papers.iter().all(|paper| paper.trim().is_empty()) {
            return Err(CalendarError::NoSource(self.year));
        }
        Ok(())
    }

    /// Pretty-printed holiday-cn JSON.
    pub fn to_json(&self) -> String {
        // Plain data with string keys: serialisation cannot fail.
        serde_json::to_string_pretty(self).expect("HolidayFile serialises")
    }
}

const SHIPPED: [(i32, &str); 4] = [
    (2023, include_str!("../calendar/2023.json")),
    (2024, include_str!("../calendar/2024.json")),
    (2025, include_str!("../calendar/2025.json")),
    (2026, include_str!("../calendar/2026.json")),
];

/// The shipped State Council arrangements 2023–2026 (国务院办公厅关于部分节假日安排的通知).
///
/// Panics only if the embedded data is malformed, which the test suite rules out.
pub fn shipped_years() -> Vec<HolidayFile> {
    SHIPPED
        .iter()
        .map(|(year, json)| {
            let file =
                HolidayFile::parse(json).unwrap_or_else(|e| panic!("shipped calendar {year}.json is invalid: {e}"));
            assert_eq!(file.year, *year, "shipped calendar {year}.json has the wrong year");
            file
        })
        .collect()
}

/// What the calendar says about one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayInfo {
    pub date: NaiveDate,
    pub workday: bool,
    /// Holiday or local-day name for listed dates; `None` for ordinary weekdays and weekends.
    pub name: Option<String>,
    /// The date's year has no State Council arrangement: the Monday–Friday rule was assumed.
    pub provisional: bool,
}

/// The end of a time limit, and whether it rests on an assumed (unpublished) year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    pub at: DateTime<Utc>,
    pub provisional: bool,
}

impl Deadline {
    /// The deadline in China Standard Time.
    pub fn local(&self) -> DateTime<FixedOffset> {
        self.at.with_timezone(&shanghai())
    }

    /// e.g. `2024-09-30T23:59:59+08:00`.
    pub fn to_rfc3339(&self) -> String {
        self.local().to_rfc3339_opts(SecondsFormat::Secs, false)
    }
}

/// A listed date after merging State Council data and local days.
#[derive(Debug, Clone)]
struct Override {
    workday: bool,
    name: String,
    /// Sum over all listed dates up to and including this one of (workday − Monday–Friday rule), so the
    /// deviation inside any range is a difference of two look-ups.
    cum: i64,
}

#[derive(Debug, Clone)]
struct LocalDay {
    is_off_day: bool,
    name: String,
}

/// The working-day calendar: State Council years, local days, and the merged view used for counting.
///
/// Complexity with k listed dates: `day`, `is_workday`, `working_days_between` O(log k);
/// `add_working_days`/`deadline` O(log n · log k); mutations O(k log k) (they rebuild the merged view, and
/// happen only when an administrator edits the calendar).
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    /// State Council arrangements by file year; the keys are the known years.
    years: BTreeMap<i32, Vec<HolidayDay>>,
    local: BTreeMap<NaiveDate, LocalDay>,
    /// Merged listed dates (local days win) with running deviation sums.
    overrides: BTreeMap<NaiveDate, Override>,
}

impl WorkCalendar {
    /// Nothing known: every year provisional, Monday–Friday rule.
    pub fn new() -> Self {
        Self::default()
    }

    /// The shipped arrangements 2023–2026.
    pub fn shipped() -> Self {
        let mut cal = Self::new();
        for file in shipped_years() {
            cal.insert_year(&file);
        }
        cal.rebuild();
        cal
    }

    /// Adds or replaces a whole year's State Council arrangement (entries from an earlier file of the same year
    /// are dropped; local days stay).
    pub fn set_year(&mut self, file: &HolidayFile) {
        self.insert_year(file);
        self.rebuild();
    }

    fn insert_year(&mut self, file: &HolidayFile) {
        // A placeholder stored before imports checked for one: the year stays unknown, so provisional.
        if file.days.is_empty() {
            self.years.remove(&file.year);
            return;
        }
        self.years.insert(file.year, file.days.clone());
    }

    /// A local closure (`is_off_day`) or extra working day; it overrides State Council data and survives
    /// `set_year`. An empty name is replaced by a generic one.
    pub fn set_local_day(&mut self, date: NaiveDate, is_off_day: bool, name: &str) {
        let name = match name.trim() {
            "" if is_off_day => "本地休息日".to_owned(),
            "" => "本地工作日".to_owned(),
            n => n.to_owned(),
        };
        self.local.insert(date, LocalDay { is_off_day, name });
        self.rebuild();
    }

    pub fn remove_local_day(&mut self, date: NaiveDate) {
        if self.local.remove(&date).is_some() {
            self.rebuild();
        }
    }

    /// The local days, sorted by date (for persistence and display).
    pub fn local_days(&self) -> Vec<HolidayDay> {
        self.local
            .iter()
            .map(|(date, l)| HolidayDay { name: l.name.clone(), date: *date, is_off_day: l.is_off_day })
            .collect()
    }

    pub fn known_years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    pub fn is_known_year(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    fn rebuild(&mut self) {
        let mut merged: BTreeMap<NaiveDate, (bool, String)> = BTreeMap::new();
        // A date listed by two files (e.g. 12-31 by its own year and by the next year's 元旦) is taken from the
        // file of the date's own year: insert the others first so it overwrites them.
        for own_year in [false, true] {
            for (year, days) in &self.years {
                for d in days.iter().filter(|d| (d.date.year() == *year) == own_year) {
                    merged.insert(d.date, (!d.is_off_day, d.name.clone()));
                }
            }
        }
        for (date, l) in &self.local {
            merged.insert(*date, (!l.is_off_day, l.name.clone()));
        }
        let mut cum = 0i64;
        self.overrides = merged
            .into_iter()
            .map(|(date, (workday, name))| {
                cum += i64::from(workday) - i64::from(is_weekday(date));
                (date, Override { workday, name, cum })
            })
            .collect();
    }

    pub fn day(&self, date: NaiveDate) -> DayInfo {
        let provisional = !self.is_known_year(date.year());
        match self.overrides.get(&date) {
            Some(o) => DayInfo { date, workday: o.workday, name: Some(o.name.clone()), provisional },
            None => DayInfo { date, workday: is_weekday(date), name: None, provisional },
        }
    }

    pub fn is_workday(&self, date: NaiveDate) -> bool {
        self.overrides.get(&date).map_or_else(|| is_weekday(date), |o| o.workday)
    }

    /// Running deviation sum of listed dates on or before `date`.
    fn cum_upto(&self, date: NaiveDate) -> i64 {
        self.overrides.range(..=date).next_back().map_or(0, |(_, o)| o.cum)
    }

    /// Working days on or before `date`, relative to an arbitrary fixed origin: differences are exact counts.
    fn prefix(&self, date: NaiveDate) -> i64 {
        weekdays_upto(day_number(date)) + self.cum_upto(date)
    }

    /// Working days in the half-open range (from, to], i.e. `from` itself not counted; 0 if to <= from.
    /// O(log k), saturating at `u32::MAX`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        if to <= from {
            return 0;
        }
        u32::try_from(self.prefix(to) - self.prefix(from)).unwrap_or(u32::MAX)
    }

    /// The n-th working day strictly after `from` (n >= 1); n == 0 returns `from`. The flag is set if some day in
    /// (from, result] lies in a year that is not known.
    ///
    /// Exponential then binary search over [`Self::working_days_between`]: O(log n · log k). A result beyond the
    /// last representable date (n of tens of millions) saturates to `NaiveDate::MAX`, flagged provisional.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> (NaiveDate, bool) {
        if n == 0 {
            return (from, false);
        }
        let target = i64::from(n);
        let base = self.prefix(from);
        let from_num = day_number(from);
        let max_num = day_number(NaiveDate::MAX);
        let count = |num: i64| self.prefix(date_of(num)) - base;

        // Invariant: count(lo) < n <= count(hi). Five working days per seven, plus slack for holidays.
        let mut lo = from_num;
        let mut span = target * 7 / 5 + 16;
        let mut hi = (from_num + span).min(max_num);
        while count(hi) < target {
            if hi == max_num {
                return (NaiveDate::MAX, true);
            }
            lo = hi;
            span *= 2;
            hi = (from_num + span).min(max_num);
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if count(mid) < target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let result = date_of(hi);
        (result, self.any_unknown_year(from, result))
    }

    /// Whether some year meeting (from, to] has no arrangement.
    fn any_unknown_year(&self, from: NaiveDate, to: NaiveDate) -> bool {
        let first = from.succ_opt().unwrap_or(from).year();
        (first..=to.year()).any(|y| !self.is_known_year(y))
    }

    /// DESIGN §3 counting rule (民法典 第二百零一条, the starting day is not counted): the end, 23:59:59 +08:00,
    /// of the n-th working day strictly after the local date of `received`.
    pub fn deadline(&self, received: DateTime<Utc>, n: u32) -> Deadline {
        let (date, provisional) = self.add_working_days(local_date(received), n);
        let end = date.and_hms_opt(23, 59, 59).expect("valid time");
        let at = shanghai().from_local_datetime(&end).single().expect("fixed offset has no gaps").with_timezone(&Utc);
        Deadline { at, provisional }
    }

    /// Working days left between `now` and a deadline, for pausing a clock: working days in
    /// (local date of now, local date of deadline].
    pub fn working_days_left(&self, now: DateTime<Utc>, deadline: DateTime<Utc>) -> u32 {
        self.working_days_between(local_date(now), local_date(deadline))
    }
}

fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&shanghai()).date_naive()
}

fn is_weekday(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Day number with 0001-01-01 (a Monday) = 1.
fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce())
}

fn date_of(num: i64) -> NaiveDate {
    i32::try_from(num).ok().and_then(NaiveDate::from_num_days_from_ce_opt).expect("day number within NaiveDate range")
}

/// Monday–Friday days among day numbers 1..=x (extended to x <= 0 so that differences stay exact):
/// 5 per whole week, then the leftover days start on a Monday.
fn weekdays_upto(x: i64) -> i64 {
    5 * x.div_euclid(7) + x.rem_euclid(7).min(5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekday_prefix_matches_weekdays() {
        let start = NaiveDate::from_ymd_opt(-3, 12, 20).unwrap();
        let mut d = start;
        for _ in 0..40 {
            let next = d.succ_opt().unwrap();
            let diff = weekdays_upto(day_number(next)) - weekdays_upto(day_number(d));
            assert_eq!(diff, i64::from(is_weekday(next)), "{next}");
            d = next;
        }
        let origin = NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
        assert_eq!(day_number(origin), 1);
        assert_eq!(origin.weekday(), Weekday::Mon);
    }

    #[test]
    fn extreme_dates_saturate() {
        let cal = WorkCalendar::new();
        let (d, prov) = cal.add_working_days(NaiveDate::MAX - chrono::Days::new(3), 10);
        assert_eq!(d, NaiveDate::MAX);
        assert!(prov);
        let (d, _) = cal.add_working_days(NaiveDate::MIN, 3);
        assert_eq!(cal.working_days_between(NaiveDate::MIN, d), 3);
        let dl = cal.deadline(DateTime::<Utc>::MIN_UTC, u32::MAX);
        assert!(dl.provisional);
    }
}
