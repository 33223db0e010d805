//! The plan is deterministic, believable and consistent with the rules the real intake enforces.

use std::collections::{HashMap, HashSet};

use hcp_core::complaint::NewComplaint;
use hcp_core::evaluation::{NewEvaluation, is_valid_credit_code, is_valid_resident_id};
use hcp_core::org::Code;

use super::*;

fn utc(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    at_local(NaiveDate::from_ymd_opt(y, m, d).unwrap(), 0)
}

/// A 3-month run of about 20 000 evaluations (cached per test process: several tests look at it).
fn three_months() -> &'static Vec<DemoEvent> {
    static RUN: std::sync::OnceLock<Vec<DemoEvent>> = std::sync::OnceLock::new();
    RUN.get_or_init(|| events(DEMO_SEED, utc(2025, 9, 1), utc(2025, 12, 1), 20_000).collect())
}

#[test]
fn org_is_a_consistent_tree_of_the_source_jurisdiction() {
    let org = org();
    assert_eq!(org.org_units.len(), 14);
    let kinds: Vec<_> = org.org_units.iter().map(|o| o.kind).collect();
    for kind in OrgKind::ALL {
        assert!(kinds.contains(&kind), "{kind}");
    }
    let units: HashMap<_, _> = org.org_units.iter().map(|o| (o.code.as_str(), o)).collect();
    assert_eq!(units.len(), org.org_units.len(), "unique org codes");
    for o in &org.org_units {
        match o.kind {
            OrgKind::Center => assert!(o.parent_code.is_none()),
            OrgKind::StreetCenter | OrgKind::OnlinePlatform => {
                assert_eq!(units[o.parent_code.as_deref().unwrap()].kind, OrgKind::Center)
            }
            OrgKind::CommunityStation => {
                assert_eq!(units[o.parent_code.as_deref().unwrap()].kind, OrgKind::StreetCenter)
            }
        }
    }
    let streets = org.org_units.iter().filter(|o| o.kind == OrgKind::StreetCenter).count();
    assert!((3..=4).contains(&streets));
    for street in org.org_units.iter().filter(|o| o.kind == OrgKind::StreetCenter) {
        let stations = org.org_units.iter().filter(|o| o.parent_code.as_ref() == Some(&street.code)).count();
        assert!((2..=3).contains(&stations), "{}", street.name);
    }
    assert!(org.org_units.iter().any(|o| o.name.contains("九站街道")));
    assert!(org.org_units.iter().any(|o| o.name.contains("双吉街道")));

    let depts: HashMap<_, _> = org.departments.iter().map(|d| (d.code.as_str(), d)).collect();
    assert_eq!(depts.len(), org.departments.len(), "unique department codes");
    for d in &org.departments {
        assert!(units.contains_key(d.org_unit_code.as_str()));
    }
    let center_depts: Vec<_> = org.departments.iter().filter(|d| d.org_unit_code == "JK").collect();
    for name in [
        "市场监督管理局",
        "人力资源和社会保障局",
        "不动产登记中心",
        "税务局",
        "公安分局",
        "住房公积金管理中心",
        "医疗保障局",
        "社会事务局",
        "建设局",
        "综合受理",
    ] {
        assert!(center_depts.iter().any(|d| d.name.contains(name)), "{name}");
    }

    let windows: HashMap<_, _> = org.windows.iter().map(|w| (w.code.as_str(), w)).collect();
    assert_eq!(windows.len(), org.windows.len(), "unique window codes");
    let staff: HashMap<_, _> = org.staff.iter().map(|s| (s.staff_no.as_str(), s)).collect();
    assert_eq!(staff.len(), org.staff.len(), "unique staff numbers");
    let names: HashSet<_> = org.staff.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names.len(), org.staff.len(), "unique staff names");
    for w in &org.windows {
        assert!(depts.contains_key(w.department_code.as_str()));
        let head = w.head_staff_no.as_deref().expect("every window has a head");
        assert_eq!(staff[head].window_code, w.code);
        let n = org.staff.iter().filter(|s| s.window_code == w.code).count();
        assert!((2..=4).contains(&n), "{}: {n} staff", w.code);
    }
    for d in &org.departments {
        assert!(org.windows.iter().any(|w| w.department_code == d.code), "{} has a window", d.code);
        assert!(org.items.iter().any(|i| i.department_code == d.code), "{} has items", d.code);
    }
    let items: HashSet<_> = org.items.iter().map(|i| i.code.as_str()).collect();
    assert_eq!(items.len(), org.items.len(), "unique item codes");
    for s in &org.staff {
        assert!(windows.contains_key(s.window_code.as_str()));
        let chars = s.name.chars().count();
        assert!((2..=3).contains(&chars), "{}", s.name);
    }
    let codes = org
        .org_units
        .iter()
        .map(|o| &o.code)
        .chain(org.departments.iter().map(|d| &d.code))
        .chain(org.windows.iter().map(|w| &w.code))
        .chain(org.staff.iter().map(|s| &s.staff_no))
        .chain(org.items.iter().map(|i| &i.code));
    for code in codes {
        assert_eq!(Code::parse(code).map(|c| c.as_str().to_owned()), Ok(code.clone()), "{code}");
    }
    assert_eq!(org, super::org(), "org() is deterministic");
}

#[test]
fn focus_window_exists_with_its_head_and_staff() {
    let org = org();
    let f = focus();
    let w = org.windows.iter().find(|w| w.code == f.window_code).expect("focus window");
    assert_eq!(w.head_staff_no.as_deref(), Some(f.head_staff_no.as_str()));
    assert_eq!(w.department_code, f.department_code);
    assert_ne!(f.staff_no, f.head_staff_no);
    let s = org.staff.iter().find(|s| s.staff_no == f.staff_no).expect("focus staff");
    assert_eq!(s.window_code, f.window_code);
    let d = org.departments.iter().find(|d| d.code == f.department_code).unwrap();
    assert_eq!(d.org_unit_code, f.org_unit_code);
    assert!(org.org_units.iter().any(|o| o.code == f.org_unit_code && o.kind == OrgKind::Center));
}

#[test]
fn same_seed_same_events_other_seed_other_events() {
    let run = |seed| -> Vec<String> {
        events(seed, utc(2026, 3, 1), utc(2026, 6, 1), 20_000).take(3000).map(|e| format!("{e:?}")).collect()
    };
    let a = run(DEMO_SEED);
    assert_eq!(a.len(), 3000);
    assert_eq!(a, run(DEMO_SEED));
    assert_ne!(a, run(DEMO_SEED + 1));
}

#[test]
fn events_come_in_time_order_within_the_period_and_in_daytime() {
    let (start, end) = (utc(2025, 9, 1), utc(2025, 12, 1));
    let cal = WorkCalendar::shipped();
    let mut last = start;
    for e in three_months() {
        let at = e.at();
        assert!(at >= last, "{e:?} after {last}");
        assert!(at < end);
        last = at;
        let secs = local_secs(at);
        assert!((DAY_BEGIN..DAY_END).contains(&secs), "at night: {e:?}");
        if let DemoEvent::Case(c) = e {
            let day = local_date(c.accepted_at);
            assert!(cal.is_workday(day) || day.weekday() == Weekday::Sat, "{c:?}");
            if let Some(f) = c.finished_at {
                assert!(f > c.accepted_at && f < end);
            }
        }
    }
    assert!(last > utc(2025, 11, 25), "the stream covers the whole period");
}

#[test]
fn every_reference_resolves() {
    let org = org();
    let units: HashSet<_> = org.org_units.iter().map(|o| o.code.as_str()).collect();
    let depts: HashMap<_, _> = org.departments.iter().map(|d| (d.code.as_str(), d.org_unit_code.as_str())).collect();
    let windows: HashMap<_, _> = org.windows.iter().map(|w| (w.code.as_str(), w.department_code.as_str())).collect();
    let staff: HashMap<_, _> = org.staff.iter().map(|s| (s.staff_no.as_str(), s.window_code.as_str())).collect();
    let items: HashSet<_> = org.items.iter().map(|i| i.code.as_str()).collect();
    let item_dept: HashMap<_, _> = org.items.iter().map(|i| (i.code.as_str(), i.department_code.as_str())).collect();

    // case_no → (window, staff, accepted, first evaluated?, followed up?)
    let mut cases: HashMap<String, (String, String, DateTime<Utc>, bool, bool)> = HashMap::new();
    for e in three_months() {
        match e {
            DemoEvent::Case(c) => {
                assert!(items.contains(c.item_code.as_str()), "{c:?}");
                assert_eq!(
                    item_dept[c.item_code.as_str()],
                    windows[c.window_code.as_str()],
                    "item of the window's department"
                );
                assert_eq!(staff[c.staff_no.as_str()], c.window_code, "{c:?}");
                assert!(Code::parse(&c.case_no).is_ok());
                let old = cases.insert(
                    c.case_no.clone(),
                    (c.window_code.clone(), c.staff_no.clone(), c.accepted_at, false, false),
                );
                assert!(old.is_none(), "duplicate case_no {}", c.case_no);
            }
            DemoEvent::Evaluation(ev) => {
                let i = &ev.input;
                if let Some(no) = &i.case_no {
                    let case = cases.get_mut(no).unwrap_or_else(|| panic!("unknown case {no}"));
                    assert!(ev.received_at > case.2);
                    if let Some(w) = &i.window_code {
                        assert_eq!(w, &case.0);
                    }
                    if let Some(s) = &i.staff_no {
                        assert_eq!(s, &case.1);
                    }
                    if i.follow_up {
                        assert!(case.3 && !case.4, "follow-up after exactly one first evaluation: {no}");
                        case.4 = true;
                    } else {
                        assert!(!case.3, "second first evaluation of {no}");
                        case.3 = true;
                    }
                } else {
                    let w = i.window_code.as_deref().expect("window evaluation names a window");
                    assert!(windows.contains_key(w));
                    if let Some(s) = &i.staff_no {
                        assert_eq!(staff[s.as_str()], w);
                    }
                    assert!(!i.follow_up);
                }
            }
            DemoEvent::Complaint(c) => {
                let i = &c.input;
                if let Some(s) = &i.staff_no {
                    assert_eq!(Some(staff[s.as_str()]), i.window_code.as_deref());
                }
                if let Some(w) = &i.window_code {
                    assert_eq!(Some(windows[w.as_str()]), i.department_code.as_deref());
                }
                if let Some(d) = &i.department_code {
                    assert_eq!(Some(depts[d.as_str()]), i.org_code.as_deref());
                }
                if let Some(o) = &i.org_code {
                    assert!(units.contains(o.as_str()));
                }
            }
        }
    }
}

#[test]
fn mix_of_channels_levels_and_kinds_is_believable() {
    let (start, end) = (utc(2025, 9, 1), utc(2025, 12, 1));
    let mut channels: HashMap<String, u64> = HashMap::new();
    let mut levels = [0u64; 6];
    let (mut evaluations, mut follow_ups, mut cases, mut commented, mut with_evaluator) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let (mut complaints, mut complaint_channels) = (0u64, HashSet::new());
    let mut evaluated_cases = HashSet::new();
    let mut early_cases = Vec::new();
    let cutoff = start + (end - start) * 2 / 3;
    let focus = focus();
    let (mut focus_bad, mut focus_window_bad) = (0, 0);
    let mut case_staff: HashMap<&str, &str> = HashMap::new();
    let mut bad_by_staff: HashMap<&str, u64> = HashMap::new();
    for e in three_months() {
        match e {
            DemoEvent::Case(c) => {
                cases += 1;
                case_staff.insert(&c.case_no, &c.staff_no);
                if c.accepted_at < cutoff && c.finished_at.is_some() {
                    early_cases.push(c.case_no.clone());
                }
            }
            DemoEvent::Evaluation(ev) => {
                evaluations += 1;
                *channels.entry(ev.input.channel.clone().unwrap()).or_default() += 1;
                let level = ev.input.level.unwrap();
                levels[level as usize] += 1;
                follow_ups += u64::from(ev.input.follow_up);
                commented += u64::from(ev.input.comment.is_some());
                with_evaluator += u64::from(ev.input.evaluator.is_some());
                if let Some(no) = &ev.input.case_no {
                    evaluated_cases.insert(no.clone());
                }
                let staff = match &ev.input.case_no {
                    Some(no) => Some(case_staff[no.as_str()]),
                    None => ev.input.staff_no.as_deref(),
                };
                if level <= 2 {
                    if let Some(staff) = staff {
                        *bad_by_staff.entry(staff).or_default() += 1;
                    }
                    focus_bad += u64::from(staff == Some(focus.staff_no.as_str()));
                    focus_window_bad += u64::from(ev.input.window_code.as_deref() == Some(&focus.window_code));
                }
            }
            DemoEvent::Complaint(c) => {
                complaints += 1;
                complaint_channels.insert(c.input.channel.clone().unwrap());
            }
        }
    }
    let share = |n: u64| n as f64 / evaluations as f64;
    println!(
        "evaluations {evaluations}, cases {cases}, follow-ups {follow_ups}, complaints {complaints}, levels {levels:?}, channels {channels:?}, commented {:.3}, evaluator {:.3}, bad reviews of the focus staff {focus_bad} (window-bound at the focus window {focus_window_bad}), staff with most bad reviews {:?}",
        share(commented),
        share(with_evaluator),
        {
            let mut top: Vec<_> = bad_by_staff.iter().collect();
            top.sort_by_key(|(s, n)| (std::cmp::Reverse(**n), **s));
            top.into_iter().take(5).collect::<Vec<_>>()
        }
    );
    assert!(focus_bad >= 2, "the focus staff has bad reviews to follow: {focus_bad}");
    assert!((17_000..=23_000).contains(&evaluations), "{evaluations}");
    for channel in Channel::ALL {
        assert!(channels.get(channel.code()).copied().unwrap_or(0) > 50, "{channel:?}: {channels:?}");
    }
    let bad = share(levels[1] + levels[2]);
    assert!(bad > 0.0015 && bad < 0.01, "bad share {bad}");
    assert!((0.80..0.90).contains(&share(levels[5])), "{levels:?}");
    assert!((0.08..0.14).contains(&share(levels[4])), "{levels:?}");
    assert!((0.02..0.06).contains(&share(levels[3])), "{levels:?}");
    assert!(follow_ups > 20 && share(follow_ups) < 0.03, "{follow_ups}");
    let rate = early_cases.iter().filter(|c| evaluated_cases.contains(*c)).count() as f64 / early_cases.len() as f64;
    assert!((0.70..=0.85).contains(&rate), "case evaluation rate {rate}");
    assert!((6..=60).contains(&complaints), "{complaints}");
    assert_eq!(complaint_channels.len(), 3, "{complaint_channels:?}");
}

#[test]
fn every_input_parses() {
    let mut ids = 0;
    for e in three_months() {
        match e {
            DemoEvent::Evaluation(ev) => {
                let parsed =
                    NewEvaluation::parse(&ev.input, ev.received_at).unwrap_or_else(|err| panic!("{err}: {ev:?}"));
                if parsed.channel.is_online() {
                    assert!(ev.input.evaluated_at.is_none());
                }
                if matches!(parsed.channel, Channel::Paper | Channel::Box) {
                    let date =
                        NaiveDate::parse_from_str(ev.input.evaluated_at.as_deref().unwrap(), "%Y-%m-%d").unwrap();
                    let late = (local_date(ev.received_at) - date).num_days();
                    assert!((1..=12).contains(&late), "{late} days: {ev:?}");
                }
                if parsed.level.is_bad() {
                    assert!(!parsed.tags.is_empty() || !parsed.comment.is_empty());
                }
                assert!(parsed.tags.len() <= 3);
                if let Some(evaluator) = &ev.input.evaluator {
                    if let Some(phone) = &evaluator.phone {
                        assert!(phone.len() == 11 && ["13", "15", "18"].contains(&&phone[..2]), "{phone}");
                    }
                    if let Some(id) = &evaluator.id_no {
                        ids += 1;
                        if evaluator.kind.as_deref() == Some("legal") {
                            assert!(is_valid_credit_code(id));
                        } else {
                            assert!(is_valid_resident_id(id) && id.starts_with("2202"), "{id}");
                        }
                    }
                }
            }
            DemoEvent::Complaint(c) => {
                NewComplaint::parse(&c.input).unwrap_or_else(|err| panic!("{err}: {c:?}"));
            }
            DemoEvent::Case(_) => {}
        }
    }
    assert!(ids > 0, "a few evaluators give an ID number");
}

#[test]
fn id_numbers_carry_correct_check_characters() {
    let mut rng = Rng::new(7);
    for _ in 0..1000 {
        assert!(is_valid_resident_id(&resident_id(&mut rng)));
        let code = credit_code(&mut rng);
        assert!(is_valid_credit_code(&code), "{code}");
        assert_eq!(credit_check(&code.as_bytes()[..17]), code.as_bytes()[17]);
    }
    // A published code (北京小米科技有限责任公司).
    assert_eq!(credit_check(b"91110108551385082"), b'Q');
}

#[test]
fn a_large_run_streams_without_collecting() {
    let mut stream = EventStream::new(DEMO_SEED, utc(2025, 1, 1), utc(2026, 1, 1), 2_000_000);
    let mut max_pending = 0;
    let mut count = 0u64;
    while count < 200_000 {
        if stream.next().is_none() {
            break;
        }
        count += 1;
        max_pending = max_pending.max(stream.pending_len());
    }
    assert_eq!(count, 200_000);
    // About 8 000 evaluations a working day: the queue holds a few days, never the year.
    assert!(max_pending < 100_000, "{max_pending}");
}

#[test]
fn empty_or_inverted_periods_give_nothing() {
    assert_eq!(events(1, utc(2026, 1, 5), utc(2026, 1, 5), 1000).count(), 0);
    assert_eq!(events(1, utc(2026, 1, 6), utc(2026, 1, 5), 1000).count(), 0);
    assert_eq!(
        events(1, utc(2026, 1, 5), utc(2026, 2, 5), 0).filter(|e| !matches!(e, DemoEvent::Complaint(_))).count(),
        0
    );
}

#[test]
fn default_period_is_the_last_three_months() {
    let now = Utc.with_ymd_and_hms(2026, 2, 14, 3, 0, 0).unwrap();
    assert_eq!(default_period(now), (utc(2025, 11, 1), now));
    let now = Utc.with_ymd_and_hms(2026, 5, 31, 17, 0, 0).unwrap(); // 06-01 01:00 local
    assert_eq!(default_period(now), (utc(2026, 3, 1), now));
    assert_eq!(period_of_months(now, 12), (utc(2025, 6, 1), now));
}
