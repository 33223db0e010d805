//! Working-day calendar and deadlines (DESIGN.md §3) against the State Council notices, transcribed here
//! independently of the shipped JSON files.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use hcp_core::calendar::{CalendarError, HolidayFile, WorkCalendar, shipped_years};
use proptest::prelude::*;

/// (holiday name, first day off, last day off, make-up working days), from 国务院办公厅关于 2023/2024/2025/2026 年
/// 部分节假日安排的通知.
type Arrangement = (&'static str, (i32, u32, u32), (i32, u32, u32), &'static [(i32, u32, u32)]);

const NOTICES: &[Arrangement] = &[
    // 2023 (国办发明电〔2022〕16号)
    ("元旦", (2022, 12, 31), (2023, 1, 2), &[]),
    ("春节", (2023, 1, 21), (2023, 1, 27), &[(2023, 1, 28), (2023, 1, 29)]),
    ("清明节", (2023, 4, 5), (2023, 4, 5), &[]),
    ("劳动节", (2023, 4, 29), (2023, 5, 3), &[(2023, 4, 23), (2023, 5, 6)]),
    ("端午节", (2023, 6, 22), (2023, 6, 24), &[(2023, 6, 25)]),
    ("中秋节、国庆节", (2023, 9, 29), (2023, 10, 6), &[(2023, 10, 7), (2023, 10, 8)]),
    // 2024
    ("元旦", (2024, 1, 1), (2024, 1, 1), &[]),
    ("春节", (2024, 2, 10), (2024, 2, 17), &[(2024, 2, 4), (2024, 2, 18)]),
    ("清明节", (2024, 4, 4), (2024, 4, 6), &[(2024, 4, 7)]),
    ("劳动节", (2024, 5, 1), (2024, 5, 5), &[(2024, 4, 28), (2024, 5, 11)]),
    ("端午节", (2024, 6, 8), (2024, 6, 10), &[]),
    ("中秋节", (2024, 9, 15), (2024, 9, 17), &[(2024, 9, 14)]),
    ("国庆节", (2024, 10, 1), (2024, 10, 7), &[(2024, 9, 29), (2024, 10, 12)]),
    // 2025
    ("元旦", (2025, 1, 1), (2025, 1, 1), &[]),
    ("春节", (2025, 1, 28), (2025, 2, 4), &[(2025, 1, 26), (2025, 2, 8)]),
    ("清明节", (2025, 4, 4), (2025, 4, 6), &[]),
    ("劳动节", (2025, 5, 1), (2025, 5, 5), &[(2025, 4, 27)]),
    ("端午节", (2025, 5, 31), (2025, 6, 2), &[]),
    ("国庆节、中秋节", (2025, 10, 1), (2025, 10, 8), &[(2025, 9, 28), (2025, 10, 11)]),
    // 2026
    ("元旦", (2026, 1, 1), (2026, 1, 3), &[(2026, 1, 4)]),
    ("春节", (2026, 2, 15), (2026, 2, 23), &[(2026, 2, 14), (2026, 2, 28)]),
    ("清明节", (2026, 4, 4), (2026, 4, 6), &[]),
    ("劳动节", (2026, 5, 1), (2026, 5, 5), &[(2026, 5, 9)]),
    ("端午节", (2026, 6, 19), (2026, 6, 21), &[]),
    ("中秋节", (2026, 9, 25), (2026, 9, 27), &[]),
    ("国庆节", (2026, 10, 1), (2026, 10, 7), &[(2026, 9, 20), (2026, 10, 10)]),
];

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn t((y, m, d): (i32, u32, u32)) -> NaiveDate {
    ymd(y, m, d)
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).expect("valid timestamp").with_timezone(&Utc)
}

/// Expected (workday, name) from the notices alone; outside 2023–2026 the plain Monday–Friday rule.
fn expected(date: NaiveDate) -> (bool, Option<&'static str>) {
    if (2023..=2026).contains(&date.year()) {
        for (name, first, last, makeup) in NOTICES {
            if (t(*first)..=t(*last)).contains(&date) {
                return (false, Some(name));
            }
            if makeup.iter().any(|m| t(*m) == date) {
                return (true, Some(name));
            }
        }
    }
    (!matches!(date.weekday(), Weekday::Sat | Weekday::Sun), None)
}

/// Day-by-day reference for `add_working_days`.
fn naive_add(from: NaiveDate, n: u32) -> NaiveDate {
    let mut d = from;
    let mut left = n;
    while left > 0 {
        d = d.succ_opt().unwrap();
        if expected(d).0 {
            left -= 1;
        }
    }
    d
}

#[test]
fn every_day_2023_to_2026_matches_the_notices() {
    let cal = WorkCalendar::shipped();
    let mut d = ymd(2023, 1, 1);
    let mut checked = 0;
    while d <= ymd(2026, 12, 31) {
        let info = cal.day(d);
        let (workday, name) = expected(d);
        assert_eq!(info.date, d);
        assert_eq!(info.workday, workday, "{d}");
        assert_eq!(info.name.as_deref(), name, "{d}");
        assert_eq!(cal.is_workday(d), workday, "{d}");
        assert!(!info.provisional, "{d}");
        d = d.succ_opt().unwrap();
        checked += 1;
    }
    assert_eq!(checked, 365 * 4 + 1);
    let sunday = cal.day(ymd(2024, 9, 29));
    assert!(sunday.workday);
    assert_eq!(sunday.name.as_deref(), Some("国庆节"));
}

#[test]
fn working_days_per_year() {
    let cal = WorkCalendar::shipped();
    for (year, count) in [(2023, 249), (2024, 251), (2025, 248), (2026, 248)] {
        assert_eq!(cal.working_days_between(ymd(year - 1, 12, 31), ymd(year, 12, 31)), count, "{year}");
    }
    assert_eq!(cal.known_years(), vec![2023, 2024, 2025, 2026]);
}

#[test]
fn shipped_files_are_valid_sorted_and_round_trip() {
    let files = shipped_years();
    assert_eq!(files.iter().map(|f| f.year).collect::<Vec<_>>(), vec![2023, 2024, 2025, 2026]);
    for file in files {
        assert!(file.papers.iter().all(|p| p.starts_with("https://www.gov.cn/")), "{}", file.year);
        assert!(file.days.windows(2).all(|w| w[0].date < w[1].date), "{} not sorted", file.year);
        assert!(file.days.iter().all(|d| d.date.year() == file.year));
        assert_eq!(HolidayFile::parse(&file.to_json()).unwrap(), file);
    }
}

#[test]
fn design_example_appeal_deadline() {
    let cal = WorkCalendar::shipped();
    // Fri 2024-09-27 → Sun 09-29 (调休) → Mon 09-30, whatever the time of day in Beijing.
    for received in ["2024-09-27T15:00:00+08:00", "2024-09-27T00:30:00+08:00", "2024-09-26T16:30:00Z"] {
        let d = cal.deadline(at(received), 2);
        assert_eq!(d.to_rfc3339(), "2024-09-30T23:59:59+08:00", "{received}");
        assert_eq!(d.at, at("2024-09-30T15:59:59Z"));
        assert_eq!(d.local().date_naive(), ymd(2024, 9, 30));
        assert!(!d.provisional);
    }
    // One second earlier in Beijing is still Thursday: the count starts a day earlier.
    assert_eq!(cal.deadline(at("2024-09-26T15:59:59Z"), 2).to_rfc3339(), "2024-09-29T23:59:59+08:00");
    // 09-29, 09-30, then 国庆 10-01..07 off, 10-08, 10-09, 10-10.
    assert_eq!(cal.deadline(at("2024-09-27T15:00:00+08:00"), 5).to_rfc3339(), "2024-10-10T23:59:59+08:00");
    assert_eq!(cal.add_working_days(ymd(2024, 9, 27), 4), (ymd(2024, 10, 9), false));
    assert_eq!(cal.add_working_days(ymd(2024, 9, 27), 0), (ymd(2024, 9, 27), false));
}

#[test]
fn spring_festival_2026() {
    let cal = WorkCalendar::shipped();
    let received = at("2026-02-13T10:00:00+08:00");
    assert_eq!(cal.deadline(received, 1).to_rfc3339(), "2026-02-14T23:59:59+08:00");
    assert_eq!(cal.deadline(received, 2).to_rfc3339(), "2026-02-24T23:59:59+08:00");
    assert_eq!(cal.add_working_days(ymd(2026, 2, 13), 7), (ymd(2026, 3, 2), false));
    // Complex feedback, 7 working days, from the last day before 国庆 2026.
    assert_eq!(cal.add_working_days(ymd(2026, 9, 30), 7), (ymd(2026, 10, 15), false));
}

#[test]
fn unknown_years_are_provisional_monday_to_friday() {
    let cal = WorkCalendar::shipped();
    let info = cal.day(ymd(2027, 1, 1));
    assert!(info.workday && info.provisional && info.name.is_none());
    assert!(!cal.day(ymd(2027, 1, 2)).workday);
    assert!(!cal.is_known_year(2027));

    let d = cal.deadline(at("2027-03-05T09:00:00+08:00"), 2); // Fri → Tue
    assert_eq!(d.to_rfc3339(), "2027-03-09T23:59:59+08:00");
    assert!(d.provisional);

    // Starting in 2026, landing in 2027: 12-31, 2027-01-01 (assumed working), 01-04, 01-05, 01-06.
    let (date, provisional) = cal.add_working_days(ymd(2026, 12, 30), 5);
    assert_eq!(date, ymd(2027, 1, 6));
    assert!(provisional);
    assert_eq!(cal.add_working_days(ymd(2026, 12, 30), 1), (ymd(2026, 12, 31), false));
    // Ending exactly on 12-31 of a known year from the day before is not provisional either.
    assert!(!cal.deadline(at("2026-12-30T12:00:00+08:00"), 1).provisional);

    let empty = WorkCalendar::new();
    assert!(empty.known_years().is_empty());
    assert!(empty.day(ymd(2024, 10, 1)).workday);
    assert!(empty.day(ymd(2024, 10, 1)).provisional);
    assert_eq!(empty.add_working_days(ymd(2024, 9, 27), 2), (ymd(2024, 10, 1), true));
    assert_eq!(empty.working_days_between(ymd(2024, 1, 1), ymd(2024, 12, 31)), 261);
}

#[test]
fn working_days_between_edges_and_days_left() {
    let cal = WorkCalendar::shipped();
    let d = ymd(2024, 9, 30);
    assert_eq!(cal.working_days_between(d, d), 0);
    assert_eq!(cal.working_days_between(d, ymd(2024, 9, 1)), 0);
    assert_eq!(cal.working_days_between(ymd(2024, 9, 28), ymd(2024, 9, 29)), 1);
    assert_eq!(cal.working_days_between(ymd(2024, 9, 30), ymd(2024, 10, 8)), 1);

    let deadline = cal.deadline(at("2026-02-13T10:00:00+08:00"), 7).at; // 2026-03-02
    assert_eq!(cal.working_days_left(at("2026-02-13T23:00:00+08:00"), deadline), 7);
    assert_eq!(cal.working_days_left(at("2026-02-14T08:00:00+08:00"), deadline), 6);
    assert_eq!(cal.working_days_left(at("2026-03-02T08:00:00+08:00"), deadline), 0);
    assert_eq!(cal.working_days_left(at("2026-03-05T08:00:00+08:00"), deadline), 0);
    // Resuming a paused clock with the days that were left reproduces the original deadline.
    let left = cal.working_days_left(at("2026-02-14T08:00:00+08:00"), deadline);
    assert_eq!(cal.deadline(at("2026-02-14T08:00:00+08:00"), left).at, deadline);
}

#[test]
fn parse_errors_are_reported_in_chinese() {
    let bad_json = HolidayFile::parse("{\"year\": 2026, \"days\": [").unwrap_err();
    assert!(matches!(bad_json, CalendarError::InvalidJson(_)));
    assert!(bad_json.to_string().starts_with("节假日文件格式错误"), "{bad_json}");
    assert!(matches!(HolidayFile::parse("<html>429</html>"), Err(CalendarError::InvalidJson(_))));
    assert!(matches!(
        HolidayFile::parse(r#"{"year":2026,"days":[{"name":"x","date":"2026/10/01","isOffDay":true}]}"#),
        Err(CalendarError::InvalidJson(_))
    ));

    let dup = r#"{"year":2026,"days":[{"name":"国庆节","date":"2026-10-01","isOffDay":true},
        {"name":"国庆节","date":"2026-10-01","isOffDay":true}]}"#;
    let err = HolidayFile::parse(dup).unwrap_err();
    assert_eq!(err, CalendarError::DuplicateDate(ymd(2026, 10, 1)));
    assert!(err.to_string().contains("重复"), "{err}");

    let far = r#"{"year":2026,"days":[{"name":"劳动节","date":"2024-05-01","isOffDay":true}]}"#;
    let err = HolidayFile::parse(far).unwrap_err();
    assert!(matches!(err, CalendarError::DateOutsideYear { year: 2026, .. }));
    assert!(err.to_string().contains("不属于 2026 年"), "{err}");
    for (date, ok) in [("2025-12-31", true), ("2025-11-30", false), ("2027-01-31", true), ("2027-02-01", false)] {
        let json = format!(r#"{{"year":2026,"days":[{{"name":"元旦","date":"{date}","isOffDay":true}}]}}"#);
        assert_eq!(HolidayFile::parse(&json).is_ok(), ok, "{date}");
    }

    let err = HolidayFile::parse(r#"{"year":1989,"days":[]}"#).unwrap_err();
    assert_eq!(err, CalendarError::YearOutOfRange(1989));
    assert!(err.to_string().contains("1990"), "{err}");
    assert!(HolidayFile::parse(r#"{"year":2101,"days":[]}"#).is_err());
    assert!(HolidayFile::parse(r#"{"year":2100,"days":[]}"#).is_ok());

    let unnamed = r#"{"year":2026,"days":[{"name":" ","date":"2026-10-01","isOffDay":true}]}"#;
    assert!(matches!(HolidayFile::parse(unnamed), Err(CalendarError::EmptyName(_))));
}

#[test]
fn holiday_cn_file_with_extra_fields_parses_and_round_trips() {
    let json = r#"{
        "$schema": "https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/schema.json",
        "$id": "https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/2027.json",
        "year": 2027,
        "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]
    }"#;
    let file = HolidayFile::parse(json).unwrap();
    assert!(file.papers.is_empty());
    assert_eq!(file.days.len(), 1);
    let again = HolidayFile::parse(&file.to_json()).unwrap();
    assert_eq!(again, file);
    assert!(file.to_json().contains("\"isOffDay\": true"));
}

#[test]
fn set_year_replaces_and_local_days_survive() {
    let mut cal = WorkCalendar::shipped();
    let received = at("2026-02-13T10:00:00+08:00");
    assert_eq!(cal.deadline(received, 2).to_rfc3339(), "2026-02-24T23:59:59+08:00");

    // A local closure on Wed 2026-03-04 and a local working day on Sat 2026-03-07.
    cal.set_local_day(ymd(2026, 3, 4), true, "大厅停电");
    cal.set_local_day(ymd(2026, 3, 7), false, "");
    assert!(!cal.is_workday(ymd(2026, 3, 4)));
    assert_eq!(cal.day(ymd(2026, 3, 4)).name.as_deref(), Some("大厅停电"));
    assert!(cal.is_workday(ymd(2026, 3, 7)));
    assert_eq!(cal.day(ymd(2026, 3, 7)).name.as_deref(), Some("本地工作日"));
    // A local working day overrides a State Council day off.
    cal.set_local_day(ymd(2026, 10, 7), false, "窗口值班");
    assert!(cal.is_workday(ymd(2026, 10, 7)));
    assert_eq!(cal.day(ymd(2026, 10, 7)).name.as_deref(), Some("窗口值班"));

    // Replace 2026 with a file that gives one more day off (2026-02-24).
    let mut modified = shipped_years().into_iter().find(|f| f.year == 2026).unwrap();
    let before = modified.days.len();
    modified.days.push(hcp_core::calendar::HolidayDay {
        name: "春节".into(),
        date: ymd(2026, 2, 24),
        is_off_day: true,
    });
    modified.days.sort_by_key(|d| d.date);
    cal.set_year(&modified);
    assert_eq!(cal.deadline(received, 2).to_rfc3339(), "2026-02-25T23:59:59+08:00");
    assert_eq!(cal.working_days_between(ymd(2025, 12, 31), ymd(2026, 12, 31)), 248 - 1 - 1 + 1 + 1);

    // Replacing again with fewer entries drops what the previous file said (no leftovers).
    modified.days.truncate(before - 10);
    cal.set_year(&modified);
    assert!(cal.is_workday(ymd(2026, 10, 1)));
    assert!(cal.day(ymd(2026, 10, 6)).name.is_none(), "old 2026 entries must be gone");
    assert!(!cal.is_workday(ymd(2026, 3, 4)), "local closure survives set_year");
    assert!(cal.is_workday(ymd(2026, 3, 7)));
    assert!(cal.is_workday(ymd(2026, 10, 7)));

    cal.remove_local_day(ymd(2026, 3, 4));
    assert!(cal.is_workday(ymd(2026, 3, 4)));
    assert_eq!(cal.local_days().len(), 2);

    // Importing 2027 makes its dates final.
    let y2027 =
        HolidayFile::parse(r#"{"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]}"#).unwrap();
    cal.set_year(&y2027);
    assert!(cal.is_known_year(2027));
    let (date, provisional) = cal.add_working_days(ymd(2026, 12, 30), 2);
    assert_eq!(date, ymd(2027, 1, 4));
    assert!(!provisional);
}

#[test]
fn big_spans_are_cheap() {
    let cal = WorkCalendar::shipped();
    let from = ymd(2023, 1, 1);
    let (date, provisional) = cal.add_working_days(from, 100_000);
    assert!(provisional);
    assert!(cal.is_workday(date));
    assert_eq!(cal.working_days_between(from, date), 100_000);
    assert_eq!(cal.working_days_between(from, date.pred_opt().unwrap()), 99_999);
    // About 383 years of five-day weeks after the shipped ones.
    assert!((2405..=2407).contains(&date.year()), "{date}");

    let (far, _) = cal.add_working_days(from, 50_000_000);
    assert_eq!(cal.working_days_between(from, far), 50_000_000);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn add_working_days_is_consistent(offset in 0u64..(6 * 366), n in 1u32..400) {
        let cal = WorkCalendar::shipped();
        let from = ymd(2022, 1, 1).checked_add_days(Days::new(offset)).unwrap();
        let (d, provisional) = cal.add_working_days(from, n);
        let (next, _) = cal.add_working_days(from, n + 1);
        prop_assert!(next > d);
        prop_assert!(cal.is_workday(d));
        prop_assert_eq!(cal.working_days_between(from, d), n);
        prop_assert_eq!(d, naive_add(from, n));
        let any_unknown = (from.succ_opt().unwrap().year()..=d.year()).any(|y| !(2023..=2026).contains(&y));
        prop_assert_eq!(provisional, any_unknown);
    }

    #[test]
    fn working_days_between_matches_counting(a in 0u64..(6 * 366), len in 0u64..800) {
        let cal = WorkCalendar::shipped();
        let from = ymd(2022, 1, 1).checked_add_days(Days::new(a)).unwrap();
        let to = from.checked_add_days(Days::new(len)).unwrap();
        let naive = from.iter_days().skip(1).take_while(|d| *d <= to).filter(|d| expected(*d).0).count();
        prop_assert_eq!(cal.working_days_between(from, to) as usize, naive);
        prop_assert_eq!(cal.working_days_between(to, from), 0);
    }
}

/// holiday-cn files, well-formed and not: parsing answers without a panic, a valid file round-trips, and only a
/// file with days and a source counts as published.
mod holiday_files {
    use chrono::NaiveDate;
    use hcp_core::calendar::{HolidayDay, HolidayFile};
    use proptest::prelude::*;

    fn day() -> impl Strategy<Value = HolidayDay> {
        (2020i32..2030, 1u32..=12, 1u32..=31, "\\PC{0,8}", any::<bool>()).prop_filter_map(
            "a real date",
            |(y, m, d, name, is_off_day)| {
                NaiveDate::from_ymd_opt(y, m, d).map(|date| HolidayDay { name, date, is_off_day })
            },
        )
    }

    fn file() -> impl Strategy<Value = HolidayFile> {
        (
            2020i32..2030,
            prop::collection::vec("https://www\\.gov\\.cn/[a-z0-9/]{1,20}", 0..2),
            prop::collection::vec(day(), 0..6),
        )
            .prop_map(|(year, papers, days)| HolidayFile { year, papers, days })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_text_is_answered_without_a_panic(text in "\\PC{0,300}") {
            let _ = HolidayFile::parse(&text);
        }

        #[test]
        fn json_with_holiday_shape_is_answered_without_a_panic(
            year in any::<i64>(),
            dates in prop::collection::vec("[0-9]{1,5}-[0-9]{1,2}-[0-9]{1,2}", 0..4),
            names in prop::collection::vec("\\PC{0,60}", 0..4),
        ) {
            let days: Vec<serde_json::Value> = dates.iter().zip(names.iter().cycle())
                .map(|(date, name)| serde_json::json!({"name": name, "date": date, "isOffDay": true}))
                .collect();
            let text = serde_json::json!({"year": year, "papers": [], "days": days}).to_string();
            let _ = HolidayFile::parse(&text);
        }

        #[test]
        fn valid_files_round_trip_and_only_real_ones_are_published(file in file()) {
            match HolidayFile::parse(&file.to_json()) {
                Ok(parsed) => {
                    prop_assert_eq!(&parsed, &file);
                    let published = !file.days.is_empty() && file.papers.iter().any(|p| !p.trim().is_empty());
                    prop_assert_eq!(parsed.check_published().is_ok(), published);
                }
                Err(err) => prop_assert!(file.validate().is_err(), "{err}"),
            }
        }
    }
}
