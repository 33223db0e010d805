//! The records the bureau keeps on top of evaluations and tickets — the statistics aggregate, integrity flags,
//! supervision orders, the ledgers and the upward report — through the storage interface alone, on SQLite always
//! and on PostgreSQL with `-- --ignored` when `HCP_TEST_POSTGRES_URL` names a server.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use hcp_core::calendar::WorkCalendar;
use hcp_core::channel::Channel;
use hcp_core::complaint::{ComplaintChannel, ReportKind};
use hcp_core::evaluation::{Adoption, AdoptionReason, EvaluatorKind};
use hcp_core::integrity::{FlagReason, FlagStatus, Rule};
use hcp_core::level::Level;
use hcp_core::lifecycle::{Action, Policy, TicketFacts, apply};
use hcp_core::org::OrgKind;
use hcp_core::role::{Role, Scope};
use hcp_core::stats::{C, Counters};
use hcp_core::supervision::{Assessment, OrderKind, OrderState, TargetLevel};
use hcp_core::tags::TagList;
use hcp_core::ticket::TicketKind;
use hcp_core::upward::Record;
use hcp_store::evaluations::{self, InsertEvaluation};
use hcp_store::integrity::{self, Decision, NewFlag};
use hcp_store::ledger::{self, Cell, Kind};
use hcp_store::stats::{self, GroupBy, StatKey};
use hcp_store::supervision::{self, NewOrder};
use hcp_store::{Backend, Store, StoreError, complaints, org, testing, tickets, upward, users};
use serde_json::{Value, json};
use sqlx::Row;
use sqlx::any::AnyRow;

hcp_store::on_both_backends!(
    stat_upserts_add_to_the_row_and_its_roll_ups,
    concurrent_stat_upserts_lose_nothing,
    stat_queries_agree_with_the_rows_for_every_grouping_range_and_scope,
    cases_and_evaluations_are_counted_on_their_local_day,
    complaint_texts_are_adopted_bad_reviews_and_complaints_of_the_period,
    a_rule_flags_an_evaluation_once,
    flags_are_listed_by_status_rule_and_scope_newest_first,
    a_flag_is_decided_once_and_settles_the_other_flags_of_its_evaluation,
    burst_lookups_see_recent_records_of_one_contact_or_client,
    sweeps_read_adopted_records_and_praise_days_from_the_aggregate,
    window_networks_are_unique_per_window,
    rectification_orders_go_issued_reported_assessed_in_order,
    referrals_are_concluded_once,
    orders_are_listed_by_scope_kind_and_state_newest_first,
    overdue_orders_are_flagged_once,
    ticket_ledger_lists_the_period_in_scope_in_order,
    appeal_ledger_pairs_each_appeal_with_its_decision,
    order_and_evaluation_ledgers_list_the_period_in_scope,
    upward_report_holds_the_adopted_evaluations_of_the_period_in_scope,
    unknown_stored_codes_are_errors_not_blanks,
);

// ---------------------------------------------------------------------------------------------------------------
// Fixtures

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 12, 2, 0, 0).unwrap()
}

/// Epoch milliseconds of a local (UTC+8) time.
fn local(month: u32, day: u32, hour: u32, minute: u32) -> i64 {
    hcp_core::clock::shanghai().with_ymd_and_hms(2026, month, day, hour, minute, 0).unwrap().timestamp_millis()
}

/// Two org units with a department, a window and a staff member each, a service item and two users.
struct World {
    root: org::OrgUnit,
    street: org::OrgUnit,
    dept_a: org::Department,
    dept_b: org::Department,
    window_a: org::Window,
    window_b: org::Window,
    staff_a: org::Staff,
    staff_b: org::Staff,
    item: org::ServiceItem,
    place_a: org::Placement,
    place_b: org::Placement,
    supervisor: i64,
    head: i64,
}

async fn world(store: &Store) -> World {
    let mut tx = store.begin().await.unwrap();
    let root =
        org::create_org_unit(&mut tx, "JK", "吉林经开区政务服务中心", OrgKind::Center, None, now()).await.unwrap();
    let street =
        org::create_org_unit(&mut tx, "JK-JZ", "九站街道便民服务中心", OrgKind::StreetCenter, Some(&root), now())
            .await
            .unwrap();
    let dept_a = org::create_department(&mut tx, "SCJG", "市场监督管理局", root.id, now()).await.unwrap();
    let dept_b = org::create_department(&mut tx, "JZ-SB", "社保服务", street.id, now()).await.unwrap();
    let window_a = org::create_window(&mut tx, "W-A", "市场监管综合窗口", dept_a.id, now()).await.unwrap();
    let window_b = org::create_window(&mut tx, "W-B", "社保窗口", dept_b.id, now()).await.unwrap();
    let staff_a = org::create_staff(&mut tx, "S001", "王芳", Some(window_a.id), now()).await.unwrap();
    let staff_b = org::create_staff(&mut tx, "S002", "李强", Some(window_b.id), now()).await.unwrap();
    let item = org::create_service_item(&mut tx, "ITEM-1", "营业执照设立登记", Some(dept_a.id), now()).await.unwrap();
    let place_a = org::placement(&mut tx, window_a.id).await.unwrap().unwrap();
    let place_b = org::placement(&mut tx, window_b.id).await.unwrap().unwrap();
    let user = |username, role, display_name, org_unit_id, window_id, staff_id| users::NewUser {
        username,
        password_hash: "x",
        role,
        display_name,
        org_unit_id,
        department_id: None,
        window_id,
        staff_id,
    };
    let supervisor =
        users::create(&mut tx, &user("supervisor", Role::Supervisor, "督查员", Some(root.id), None, None), now())
            .await
            .unwrap();
    let head = users::create(
        &mut tx,
        &user("head", Role::WindowHead, "王芳", None, Some(window_a.id), Some(staff_a.id)),
        now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    World {
        root,
        street,
        dept_a,
        dept_b,
        window_a,
        window_b,
        staff_a,
        staff_b,
        item,
        place_a,
        place_b,
        supervisor,
        head,
    }
}

fn unit_scope(unit: &org::OrgUnit) -> Scope {
    Scope::OrgUnit { id: unit.id, code: unit.code.clone(), name: unit.name.clone(), path: unit.path.clone() }
}

fn department_scope(d: &org::Department) -> Scope {
    Scope::Department { id: d.id, code: d.code.clone(), name: d.name.clone() }
}

fn window_scope(w: &org::Window) -> Scope {
    Scope::Window { id: w.id, code: w.code.clone(), name: w.name.clone() }
}

fn staff_scope(s: &org::Staff) -> Scope {
    Scope::Staff { id: s.id, staff_no: s.staff_no.clone(), name: s.name.clone() }
}

/// An anonymous, adopted QR-code evaluation of the window of `place`, evaluated and received at `at_ms`.
fn evaluation(place: &org::Placement, code: &str, level: Level, at_ms: i64) -> InsertEvaluation {
    InsertEvaluation {
        tracking_code: code.into(),
        query_secret: "x".into(),
        channel: Channel::Qrcode,
        case_id: None,
        item_id: None,
        window_id: place.window_id,
        staff_id: None,
        department_id: place.department_id,
        org_unit_id: place.org_unit_id,
        org_path: place.org_path.clone(),
        level,
        tags: TagList::default(),
        comment: String::new(),
        evaluator_kind: None,
        evaluator_name: None,
        evaluator_phone: None,
        evaluator_id_no: None,
        key_id: None,
        phone_index: None,
        client_index: None,
        follow_up: false,
        first_evaluation_id: None,
        evaluated_at: at_ms,
        received_at: at_ms,
        registered_by: None,
        import_ref: None,
    }
}

async fn insert_evaluations(store: &Store, rows: &[InsertEvaluation]) -> Vec<i64> {
    let mut tx = store.begin().await.unwrap();
    let ids = evaluations::insert_many(&mut tx, rows).await.unwrap();
    tx.commit().await.unwrap();
    ids
}

async fn set_adoption(store: &Store, id: i64, adoption: Adoption, reason: Option<AdoptionReason>) {
    let mut tx = store.begin().await.unwrap();
    evaluations::set_adoption(&mut tx, id, adoption, reason).await.unwrap();
    tx.commit().await.unwrap();
}

fn attribution(place: &org::Placement, staff_id: Option<i64>) -> tickets::Attribution {
    tickets::Attribution {
        org_unit_id: Some(place.org_unit_id),
        department_id: Some(place.department_id),
        window_id: Some(place.window_id),
        staff_id,
        org_path: place.org_path.clone(),
    }
}

async fn ticket(
    store: &Store,
    kind: TicketKind,
    evaluation_id: Option<i64>,
    at: &tickets::Attribution,
    created_ms: i64,
) -> i64 {
    let mut tx = store.begin().await.unwrap();
    let id =
        tickets::insert(&mut tx, kind, evaluation_id, None, at, &TicketFacts::registered(), created_ms).await.unwrap();
    tx.commit().await.unwrap();
    id
}

fn stat_key(place: &org::Placement, day: &str, staff_id: i64, channel: &str, item_id: i64) -> StatKey {
    StatKey {
        day: day.into(),
        org_path: place.org_path.clone(),
        org_unit_id: place.org_unit_id,
        department_id: place.department_id,
        window_id: place.window_id,
        staff_id,
        channel: channel.into(),
        item_id,
    }
}

fn counters(values: &[(C, i64)]) -> Counters {
    let mut c = Counters::default();
    for (counter, value) in values {
        c.0[*counter as usize] = *value;
    }
    c
}

fn sum(parts: &[Counters]) -> Counters {
    let mut total = Counters::default();
    for part in parts {
        total.add(part);
    }
    total
}

fn days(from: Option<&str>, to: Option<&str>) -> stats::Filter {
    stats::Filter { org_path: None, from_day: from.map(str::to_owned), to_day: to.map(str::to_owned) }
}

async fn all_stat_rows(store: &Store) -> Vec<(StatKey, Counters)> {
    let mut rows = stats::all_rows(&mut store.reader().await.unwrap()).await.unwrap();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

// ---------------------------------------------------------------------------------------------------------------
// Statistics

/// Upserting a key adds to its counters (never replaces them), negative deltas subtract, a zero delta writes no
/// row, and the per-day and per-month window roll-ups carry the same sums as the full rows.
async fn stat_upserts_add_to_the_row_and_its_roll_ups(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let w = world(&store).await;
    let key = stat_key(&w.place_a, "2026-10-12", w.staff_a.id, "pc", 0);
    let other = stat_key(&w.place_a, "2026-10-12", 0, "qrcode", w.item.id);
    let praise =
        counters(&[(C::Evaluations, 1), (C::Adopted, 1), (C::Level5, 1), (C::ScorePoints, 10), (C::Active, 1)]);
    let mut bad = counters(&[(C::Evaluations, 1), (C::Adopted, 1), (C::Level1, 1), (C::BadAll, 1), (C::BadValid, 1)]);
    bad.0[22] = 1; // overdue
    let mut tx = store.begin().await.unwrap();
    stats::apply(&mut tx, &key, &praise).await.unwrap();
    stats::apply(&mut tx, &key, &bad).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    stats::apply_many(&mut tx, &[(key.clone(), praise), (other.clone(), bad)]).await.unwrap();
    // One praise is judged fake: its contribution is taken back.
    stats::apply(&mut tx, &key, &Counters::delta(&praise, &Counters::default())).await.unwrap();
    // A change that moves nothing writes nothing.
    stats::apply(&mut tx, &stat_key(&w.place_b, "2026-10-12", 0, "sms", 0), &Counters::default()).await.unwrap();
    tx.commit().await.unwrap();

    let at_key = sum(&[praise, bad]);
    let mut expected = vec![(key.clone(), at_key), (other.clone(), bad)];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(all_stat_rows(&store).await, expected);

    let total = sum(&[at_key, bad]);
    assert_eq!(
        [C::Evaluations, C::Adopted, C::Level1, C::Level5, C::ScorePoints, C::BadValid].map(|c| total.get(c)),
        [3, 3, 2, 1, 10, 2]
    );
    assert_eq!(total.overdue(), 2);
    let mut conn = store.reader().await.unwrap();
    let one_day = days(Some("2026-10-12"), Some("2026-10-12"));
    let october = days(Some("2026-10-01"), Some("2026-10-31"));
    // Part of a month: the per-day roll-up.
    let by_window = stats::query(&mut conn, &one_day, None, GroupBy::Window).await.unwrap();
    assert_eq!(by_window, vec![(w.window_a.id.to_string(), total)]);
    // A whole month, and no bounds at all: the per-month roll-up.
    let by_department = stats::query(&mut conn, &october, None, GroupBy::Department).await.unwrap();
    assert_eq!(by_department, vec![(w.dept_a.id.to_string(), total)]);
    let everything = stats::query(&mut conn, &stats::Filter::default(), None, GroupBy::None).await.unwrap();
    assert_eq!(everything, vec![("all".to_owned(), total)]);
    let by_month = stats::query(&mut conn, &october, None, GroupBy::Month).await.unwrap();
    assert_eq!(by_month, vec![("2026-10".to_owned(), total)]);
    // Staff and channel: the full rows.
    let mut by_staff = vec![("0".to_owned(), bad), (w.staff_a.id.to_string(), at_key)];
    by_staff.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(stats::query(&mut conn, &october, None, GroupBy::Staff).await.unwrap(), by_staff);
    let by_channel = stats::query(&mut conn, &october, None, GroupBy::Channel).await.unwrap();
    assert_eq!(by_channel, vec![("pc".to_owned(), at_key), ("qrcode".to_owned(), bad)]);
    let later = days(Some("2026-10-13"), Some("2026-10-31"));
    assert!(stats::query(&mut conn, &later, None, GroupBy::None).await.unwrap().is_empty());
    drop(conn);

    // A rebuild starts from nothing: every table is emptied.
    let mut tx = store.begin().await.unwrap();
    stats::clear(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    assert!(all_stat_rows(&store).await.is_empty());
    let mut conn = store.reader().await.unwrap();
    for (filter, group_by) in [(&stats::Filter::default(), GroupBy::None), (&one_day, GroupBy::Window)] {
        assert!(stats::query(&mut conn, filter, None, group_by).await.unwrap().is_empty(), "{group_by:?}");
    }
}

/// Writers in parallel transactions adding to the same rows (and the same roll-up rows) lose no increment.
async fn concurrent_stat_upserts_lose_nothing(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let w = world(&store).await;
    let keys = [
        stat_key(&w.place_a, "2026-10-12", w.staff_a.id, "pc", w.item.id),
        stat_key(&w.place_a, "2026-10-12", 0, "qrcode", 0),
    ];
    let one = counters(&[(C::Evaluations, 1), (C::Adopted, 1), (C::Level4, 1), (C::ScorePoints, 8)]);
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let (store, keys) = (store.clone(), keys.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let mut tx = store.begin().await.unwrap();
                stats::apply(&mut tx, &keys[(worker + i) % 2], &one).await.unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let forty = counters(&[(C::Evaluations, 40), (C::Adopted, 40), (C::Level4, 40), (C::ScorePoints, 320)]);
    let mut expected = vec![(keys[0].clone(), forty), (keys[1].clone(), forty)];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(all_stat_rows(&store).await, expected);
    let eighty = sum(&[forty, forty]);
    let mut conn = store.reader().await.unwrap();
    let all = stats::query(&mut conn, &stats::Filter::default(), None, GroupBy::None).await.unwrap();
    assert_eq!(all, vec![("all".to_owned(), eighty)], "per-month roll-up");
    let by_day = stats::query(&mut conn, &days(Some("2026-10-01"), None), None, GroupBy::Day).await.unwrap();
    assert_eq!(by_day, vec![("2026-10-12".to_owned(), eighty)], "per-day roll-up");
}

/// The grouping key of a row, as `stats::query` documents it.
fn group_key(key: &StatKey, group_by: GroupBy) -> String {
    match group_by {
        GroupBy::None => "all".into(),
        GroupBy::Department => key.department_id.to_string(),
        GroupBy::Window => key.window_id.to_string(),
        GroupBy::Staff => key.staff_id.to_string(),
        GroupBy::Channel => key.channel.clone(),
        GroupBy::Item => key.item_id.to_string(),
        GroupBy::Day => key.day.clone(),
        GroupBy::Month => key.day[..7].to_owned(),
    }
}

/// Sums of `rows` per group within the filter and scope, in group-key order: what `stats::query` must answer.
fn expected_groups(
    rows: &BTreeMap<StatKey, Counters>,
    filter: &stats::Filter,
    scope: Option<&Scope>,
    group_by: GroupBy,
) -> Vec<(String, Counters)> {
    let mut groups: BTreeMap<String, Counters> = BTreeMap::new();
    for (key, c) in rows {
        let in_days = filter.from_day.as_ref().is_none_or(|from| key.day >= *from)
            && filter.to_day.as_ref().is_none_or(|to| key.day <= *to);
        let in_tree = filter.org_path.as_ref().is_none_or(|path| key.org_path.starts_with(path.as_str()));
        let in_scope = match scope {
            None => true,
            Some(Scope::OrgUnit { path, .. }) => key.org_path.starts_with(path.as_str()),
            Some(Scope::Department { id, .. }) => key.department_id == *id,
            Some(Scope::Window { id, .. }) => key.window_id == *id,
            Some(Scope::Staff { id, .. }) => key.staff_id == *id,
        };
        if in_days && in_tree && in_scope {
            groups.entry(group_key(key, group_by)).or_default().add(c);
        }
    }
    groups.into_iter().collect()
}

/// Over rows spread across months, windows, staff, channels and items: every grouping, for whole months, partial
/// months, single days, open and reversed bounds, in every kind of scope and subtree, sums exactly the rows
/// inside — whichever of the full rows, the per-day or the per-month roll-up the query reads.
async fn stat_queries_agree_with_the_rows_for_every_grouping_range_and_scope(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let w = world(&store).await;
    let service_days = [
        "2025-12-31",
        "2026-09-28",
        "2026-09-30",
        "2026-10-01",
        "2026-10-12",
        "2026-10-31",
        "2026-11-01",
        "2026-11-15",
    ];
    let mut rows: Vec<(StatKey, Counters)> = Vec::new();
    for (d, day) in service_days.iter().enumerate() {
        for (p, (place, staff)) in
            [(&w.place_a, w.staff_a.id), (&w.place_a, 0), (&w.place_b, w.staff_b.id)].into_iter().enumerate()
        {
            let channel = ["pc", "qrcode", "sms", ""][(d + p) % 4];
            let item = if (d + p) % 2 == 0 { w.item.id } else { 0 };
            let i = rows.len() as i64;
            let c = Counters(std::array::from_fn(|j| if j == 0 { i + 1 } else { (i * 7 + j as i64 * 3) % 5 }));
            rows.push((stat_key(place, day, staff, channel, item), c));
        }
    }
    // 24 rows: more than one multi-row statement for each table.
    let mut tx = store.begin().await.unwrap();
    stats::apply_many(&mut tx, &rows).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    for (key, c) in &rows[..5] {
        stats::apply(&mut tx, key, c).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut stored: BTreeMap<StatKey, Counters> = BTreeMap::new();
    for (key, c) in rows.iter().chain(&rows[..5]) {
        stored.entry(key.clone()).or_default().add(c);
    }
    assert_eq!(all_stat_rows(&store).await, stored.clone().into_iter().collect::<Vec<_>>());

    let ranges = [
        (None, None),
        (Some("2026-10-01"), Some("2026-10-31")),
        (Some("2026-09-29"), Some("2026-11-01")),
        (Some("2026-10-12"), Some("2026-10-12")),
        (Some("2026-09-30"), Some("2026-10-01")),
        (None, Some("2026-10-15")),
        (Some("2026-10-02"), None),
        (Some("2025-12-01"), Some("2026-11-30")),
        (Some("2026-11-01"), Some("2026-10-01")),
    ];
    let scopes = [
        None,
        Some(unit_scope(&w.root)),
        Some(unit_scope(&w.street)),
        Some(department_scope(&w.dept_a)),
        Some(window_scope(&w.window_b)),
        Some(staff_scope(&w.staff_a)),
    ];
    let group_bys = [
        GroupBy::None,
        GroupBy::Department,
        GroupBy::Window,
        GroupBy::Staff,
        GroupBy::Channel,
        GroupBy::Item,
        GroupBy::Day,
        GroupBy::Month,
    ];
    let mut conn = store.reader().await.unwrap();
    for (from, to) in ranges {
        for org_path in [None, Some(w.street.path.clone())] {
            let filter = stats::Filter { org_path, ..days(from, to) };
            for scope in &scopes {
                for group_by in group_bys {
                    let got = stats::query(&mut conn, &filter, scope.as_ref(), group_by).await.unwrap();
                    let want = expected_groups(&stored, &filter, scope.as_ref(), group_by);
                    assert_eq!(got, want, "{group_by:?} {filter:?} {scope:?}");
                }
            }
        }
    }
    // The reference itself, by hand: four months, three October days in the root's subtree.
    let root = unit_scope(&w.root);
    let months = stats::query(&mut conn, &stats::Filter::default(), Some(&root), GroupBy::Month).await.unwrap();
    assert_eq!(
        months.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        ["2025-12", "2026-09", "2026-10", "2026-11"]
    );
    let october = days(Some("2026-10-01"), Some("2026-10-31"));
    let october_days = stats::query(&mut conn, &october, Some(&root), GroupBy::Day).await.unwrap();
    assert_eq!(
        october_days.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        ["2026-10-01", "2026-10-12", "2026-10-31"]
    );
    // October holds rows 9..=17, each with `evaluations` = index + 1 (the five rows added twice are earlier).
    let total = stats::query(&mut conn, &october, None, GroupBy::None).await.unwrap();
    assert_eq!(total[0].1.get(C::Evaluations), (10..=18).sum::<i64>());
}

/// A finished case counts once towards 主动评价率's denominator on the local (UTC+8) day it was finished, under no
/// channel; the statistics read evaluations with their attribution and their ticket's facts.
async fn cases_and_evaluations_are_counted_on_their_local_day(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let w = world(&store).await;
    let just_after_midnight = Utc.with_ymd_and_hms(2026, 10, 11, 16, 30, 0).unwrap();
    let just_before_midnight = Utc.with_ymd_and_hms(2026, 10, 11, 15, 59, 59).unwrap();
    assert_eq!(stats::day_of(hcp_store::ms(just_after_midnight)).unwrap(), "2026-10-12");
    assert_eq!(stats::day_of(hcp_store::ms(just_before_midnight)).unwrap(), "2026-10-11");
    assert!(matches!(stats::day_of(i64::MAX), Err(StoreError::Corrupt(_))));

    let mut tx = store.begin().await.unwrap();
    for (no, staff_id, finished_at) in [
        ("C1", Some(w.staff_a.id), Some(just_after_midnight)),
        ("C2", None, Some(just_before_midnight)),
        ("C3", Some(w.staff_a.id), None),
    ] {
        let case = org::NewCase {
            case_no: no,
            item_id: w.item.id,
            window_id: w.window_a.id,
            staff_id,
            accepted_at: just_before_midnight - chrono::Duration::hours(3),
            finished_at,
        };
        org::create_case(&mut tx, &case, now()).await.unwrap();
    }
    let missing = stats::count_case(&mut tx, w.window_b.id + 100, None, w.item.id, 0).await;
    assert!(matches!(missing, Err(StoreError::Corrupt(_))), "{missing:?}");
    tx.commit().await.unwrap();
    let finished = counters(&[(C::FinishedCases, 1)]);
    let mut expected = vec![
        (stat_key(&w.place_a, "2026-10-12", w.staff_a.id, "", w.item.id), finished),
        (stat_key(&w.place_a, "2026-10-11", 0, "", w.item.id), finished),
    ];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(all_stat_rows(&store).await, expected);
    let place_b_key = stats::case_key(&w.place_b, Some(w.staff_b.id), w.item.id, hcp_store::ms(just_after_midnight));
    assert_eq!(place_b_key.unwrap(), stat_key(&w.place_b, "2026-10-12", w.staff_b.id, "", w.item.id));

    let mut conn = store.reader().await.unwrap();
    let mut cases = stats::finished_cases(&mut conn).await.unwrap();
    cases.sort();
    assert_eq!(
        cases,
        vec![
            (w.window_a.id, None, w.item.id, hcp_store::ms(just_before_midnight)),
            (w.window_a.id, Some(w.staff_a.id), w.item.id, hcp_store::ms(just_after_midnight)),
        ]
    );
    drop(conn);

    let at = local(10, 12, 9, 30);
    let bad = evaluation(&w.place_a, "E1", Level::VeryDissatisfied, at);
    let named = InsertEvaluation {
        channel: Channel::Sms,
        staff_id: Some(w.staff_b.id),
        item_id: Some(w.item.id),
        evaluator_kind: Some(EvaluatorKind::Legal),
        evaluator_name: Some(vec![1, 2, 3]),
        ..evaluation(&w.place_b, "E2", Level::Satisfied, at + 1)
    };
    let ids = insert_evaluations(&store, &[bad, named]).await;
    ticket(&store, TicketKind::BadReview, Some(ids[0]), &attribution(&w.place_a, None), at).await;
    set_adoption(&store, ids[1], Adoption::NotAdopted, Some(AdoptionReason::FakePraise)).await;

    let mut conn = store.reader().await.unwrap();
    let first = stats::evaluation_row(&mut conn, ids[0]).await.unwrap().unwrap();
    assert_eq!(
        (first.level, first.adoption, first.channel),
        (Level::VeryDissatisfied, Adoption::Adopted, Channel::Qrcode)
    );
    assert_eq!((first.evaluator_kind, first.staff_id, first.item_id), (None, None, None));
    assert_eq!((first.window_id, first.department_id, first.org_unit_id), (w.window_a.id, w.dept_a.id, w.root.id));
    assert_eq!((first.org_path.as_str(), first.evaluated_at), (w.root.path.as_str(), at));
    assert_eq!(first.facts, Some(TicketFacts::registered()));
    let second = stats::evaluation_row(&mut conn, ids[1]).await.unwrap().unwrap();
    assert_eq!((second.level, second.adoption, second.channel), (Level::Satisfied, Adoption::NotAdopted, Channel::Sms));
    assert_eq!(second.evaluator_kind, Some(EvaluatorKind::Legal));
    assert_eq!(
        (second.staff_id, second.item_id, second.org_path.as_str()),
        (Some(w.staff_b.id), Some(w.item.id), w.street.path.as_str())
    );
    assert!(second.facts.is_none(), "no ticket");
    assert!(stats::evaluation_row(&mut conn, ids[1] + 100).await.unwrap().is_none());
    assert_eq!(stats::evaluation_rows(&mut conn).await.unwrap().len(), 2);
}

/// Hot topics read the comments of adopted bad reviews and the texts of complaints (not misconduct reports)
/// received in [from, to), in scope and subtree, with their department.
async fn complaint_texts_are_adopted_bad_reviews_and_complaints_of_the_period(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let w = world(&store).await;
    let (from, to) = (local(10, 1, 0, 0), local(11, 1, 0, 0));
    let commented = |place, code, level, at, comment: &str| InsertEvaluation {
        comment: comment.into(),
        ..evaluation(place, code, level, at)
    };
    let ids = insert_evaluations(
        &store,
        &[
            commented(&w.place_a, "E1", Level::VeryDissatisfied, from, "排队太久"),
            commented(&w.place_a, "E2", Level::Dissatisfied, from + 1, ""),
            commented(&w.place_a, "E3", Level::VerySatisfied, from + 2, "很好"),
            commented(&w.place_a, "E4", Level::VeryDissatisfied, from + 3, "恶意内容"),
            commented(&w.place_a, "E5", Level::Dissatisfied, from - 1, "上月的差评"),
            commented(&w.place_b, "E6", Level::Dissatisfied, to - 1, "窗口没人"),
            commented(&w.place_b, "E7", Level::Dissatisfied, to, "下月的差评"),
        ],
    )
    .await;
    set_adoption(&store, ids[3], Adoption::NotAdopted, Some(AdoptionReason::Malicious)).await;
    let mut tx = store.begin().await.unwrap();
    for (code, place, content, at, report_kind) in [
        ("K1", &w.place_a, "叫号混乱", from + 10, None),
        ("K2", &w.place_a, "工作人员索要好评", from + 11, Some(ReportKind::Coercion)),
        ("K3", &w.place_b, "材料清单不清楚", from + 12, None),
        ("K4", &w.place_b, "去年的投诉", from - 10, None),
    ] {
        let complaint = complaints::InsertComplaint {
            tracking_code: code.into(),
            query_secret: "x".into(),
            channel: ComplaintChannel::Phone,
            org_unit_id: Some(place.org_unit_id),
            department_id: Some(place.department_id),
            window_id: None,
            staff_id: None,
            org_path: place.org_path.clone(),
            content: content.into(),
            contact_name: None,
            contact_phone: None,
            key_id: None,
            phone_index: None,
            received_at: at,
            registered_by: None,
            report_kind,
        };
        complaints::insert(&mut tx, &complaint).await.unwrap();
    }
    tx.commit().await.unwrap();

    let (a, b) = (Some(w.dept_a.id), Some(w.dept_b.id));
    let mut conn = store.reader().await.unwrap();
    let mut texts = stats::complaint_texts(&mut conn, &unit_scope(&w.root), None, from, to).await.unwrap();
    texts.sort();
    let mut expected = vec![
        (a, "排队太久".to_owned()),
        (a, "叫号混乱".to_owned()),
        (b, "窗口没人".to_owned()),
        (b, "材料清单不清楚".to_owned()),
    ];
    expected.sort();
    assert_eq!(texts, expected);
    let mut street = stats::complaint_texts(&mut conn, &unit_scope(&w.street), None, from, to).await.unwrap();
    street.sort();
    assert_eq!(street, vec![(b, "材料清单不清楚".to_owned()), (b, "窗口没人".to_owned())]);
    let mut subtree =
        stats::complaint_texts(&mut conn, &unit_scope(&w.root), Some(&w.street.path), from, to).await.unwrap();
    subtree.sort();
    assert_eq!(subtree, street);
    let dept_a = stats::complaint_texts(&mut conn, &department_scope(&w.dept_a), None, from, to).await.unwrap();
    assert_eq!(dept_a.len(), 2, "{dept_a:?}");
}

// ---------------------------------------------------------------------------------------------------------------
// Integrity

fn flag<'a>(
    evaluation_id: i64,
    rule: Rule,
    place: &'a org::Placement,
    staff_id: Option<i64>,
    evidence: &'a serde_json::Value,
    created_at_ms: i64,
) -> NewFlag<'a> {
    NewFlag {
        evaluation_id,
        rule,
        evidence,
        org_path: &place.org_path,
        department_id: Some(place.department_id),
        window_id: Some(place.window_id),
        staff_id,
        created_at_ms,
    }
}

async fn raise(store: &Store, f: &NewFlag<'_>) -> Option<i64> {
    let mut tx = store.begin().await.unwrap();
    let id = integrity::raise(&mut tx, f).await.unwrap();
    tx.commit().await.unwrap();
    id
}

fn ids_of(rows: &[integrity::FlagRow]) -> Vec<i64> {
    rows.iter().map(|r| r.id).collect()
}

/// A rule flags an evaluation once, also when several intake transactions race to raise it; other rules and
/// other evaluations are flagged independently.
async fn a_rule_flags_an_evaluation_once(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let w = world(&store).await;
    let at = local(10, 12, 9, 0);
    let ids = insert_evaluations(
        &store,
        &[
            evaluation(&w.place_a, "E1", Level::VerySatisfied, at),
            evaluation(&w.place_a, "E2", Level::VerySatisfied, at),
        ],
    )
    .await;
    let evidence = json!({"minutes": 10, "count": 3});
    let first = raise(&store, &flag(ids[0], Rule::ContactBurst, &w.place_a, None, &evidence, at)).await;
    assert!(first.is_some());
    assert_eq!(raise(&store, &flag(ids[0], Rule::ContactBurst, &w.place_a, None, &evidence, at + 1)).await, None);
    assert!(raise(&store, &flag(ids[0], Rule::AbusiveText, &w.place_a, None, &evidence, at)).await.is_some());
    assert!(raise(&store, &flag(ids[1], Rule::ContactBurst, &w.place_a, None, &evidence, at)).await.is_some());

    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (store, place, evaluation_id) = (store.clone(), w.place_a.clone(), ids[1]);
        tasks.push(tokio::spawn(async move {
            let evidence = json!({"same_comment": 5});
            raise(&store, &flag(evaluation_id, Rule::IdenticalComments, &place, None, &evidence, at)).await
        }));
    }
    let mut raised = Vec::new();
    for task in tasks {
        raised.extend(task.await.unwrap());
    }
    assert_eq!(raised.len(), 1, "{raised:?}");

    let mut conn = store.reader().await.unwrap();
    let (rows, total) =
        integrity::list(&mut conn, &integrity::Filter::default(), &unit_scope(&w.root), 50, 0).await.unwrap();
    assert_eq!((rows.len(), total), (4, 4));
    let original = integrity::get(&mut conn, first.unwrap(), &unit_scope(&w.root)).await.unwrap().unwrap();
    assert_eq!(original.created_at, at, "the refused duplicate changed nothing");
}

/// The review queue: newest first (ties by id), filtered by status and rule, restricted to the caller's scope,
/// paged with the total of the whole filter, with the evaluation and the names it was attributed to.
async fn flags_are_listed_by_status_rule_and_scope_newest_first(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let w = world(&store).await;
    let at = local(10, 12, 9, 0);
    let e = insert_evaluations(
        &store,
        &[
            InsertEvaluation { staff_id: Some(w.staff_a.id), ..evaluation(&w.place_a, "A1", Level::VerySatisfied, at) },
            InsertEvaluation { channel: Channel::Pc, ..evaluation(&w.place_a, "A2", Level::VeryDissatisfied, at) },
            InsertEvaluation { staff_id: Some(w.staff_b.id), ..evaluation(&w.place_b, "B1", Level::VerySatisfied, at) },
        ],
    )
    .await;
    let evidence = json!({"count": 3, "earlier_evaluations": [1, 2]});
    let f1 = raise(&store, &flag(e[0], Rule::ContactBurst, &w.place_a, Some(w.staff_a.id), &evidence, 1000)).await;
    let f2 = raise(&store, &flag(e[1], Rule::AbusiveText, &w.place_a, None, &json!({"words": ["混蛋"]}), 3000)).await;
    let f3 = raise(&store, &flag(e[2], Rule::OwnTerminal, &w.place_b, Some(w.staff_b.id), &evidence, 2000)).await;
    let f4 = raise(&store, &flag(e[0], Rule::ClientBurst, &w.place_a, Some(w.staff_a.id), &evidence, 3000)).await;
    let [f1, f2, f3, f4] = [f1, f2, f3, f4].map(Option::unwrap);
    let mut tx = store.begin().await.unwrap();
    let dismissal = Decision { status: FlagStatus::Dismissed, reason: None, note: None, by: w.supervisor, at_ms: 4000 };
    assert!(integrity::decide(&mut tx, f3, &dismissal).await.unwrap());
    tx.commit().await.unwrap();

    let all = integrity::Filter::default();
    let mut conn = store.reader().await.unwrap();
    let root = unit_scope(&w.root);
    let mut list = async |filter: &integrity::Filter, scope: &Scope, limit: i64, offset: i64| {
        let (rows, total) = integrity::list(&mut conn, filter, scope, limit, offset).await.unwrap();
        (ids_of(&rows), total)
    };
    assert_eq!(list(&all, &root, 50, 0).await, (vec![f4, f2, f3, f1], 4));
    assert_eq!(list(&all, &root, 2, 1).await, (vec![f2, f3], 4), "a page, with the total of all pages");
    assert_eq!(list(&all, &unit_scope(&w.street), 50, 0).await, (vec![f3], 1));
    assert_eq!(list(&all, &department_scope(&w.dept_a), 50, 0).await, (vec![f4, f2, f1], 3));
    assert_eq!(list(&all, &window_scope(&w.window_b), 50, 0).await, (vec![f3], 1));
    assert_eq!(list(&all, &staff_scope(&w.staff_a), 50, 0).await, (vec![f4, f1], 2));
    let open = integrity::Filter { status: Some(FlagStatus::Open), rule: None };
    assert_eq!(list(&open, &root, 50, 0).await, (vec![f4, f2, f1], 3));
    let dismissed = integrity::Filter { status: Some(FlagStatus::Dismissed), rule: None };
    assert_eq!(list(&dismissed, &root, 50, 0).await, (vec![f3], 1));
    let contact = integrity::Filter { status: None, rule: Some(Rule::ContactBurst) };
    assert_eq!(list(&contact, &root, 50, 0).await, (vec![f1], 1));
    let confirmed_contact = integrity::Filter { status: Some(FlagStatus::Confirmed), rule: Some(Rule::ContactBurst) };
    assert_eq!(list(&confirmed_contact, &root, 50, 0).await, (Vec::<i64>::new(), 0));

    let mut conn = store.reader().await.unwrap();
    let row = integrity::get(&mut conn, f1, &root).await.unwrap().unwrap();
    assert_eq!(
        (row.evaluation_id, row.rule, row.status, row.created_at),
        (e[0], Rule::ContactBurst, FlagStatus::Open, 1000)
    );
    assert_eq!(row.evidence, evidence);
    assert_eq!((row.level, row.channel, row.adoption), (Level::VerySatisfied, Channel::Qrcode, Adoption::Adopted));
    assert_eq!((row.window_code.as_deref(), row.window_name.as_deref()), (Some("W-A"), Some("市场监管综合窗口")));
    assert_eq!((row.staff_no.as_deref(), row.staff_name.as_deref()), (Some("S001"), Some("王芳")));
    assert_eq!((row.decided_by, row.decided_at, row.reason, row.note), (None, None, None, None));
    let anonymous = integrity::get(&mut conn, f2, &root).await.unwrap().unwrap();
    assert_eq!((anonymous.staff_no, anonymous.channel, anonymous.level), (None, Channel::Pc, Level::VeryDissatisfied));
    assert_eq!(anonymous.evidence, json!({"words": ["混蛋"]}));
    let decided = integrity::get(&mut conn, f3, &unit_scope(&w.street)).await.unwrap().unwrap();
    assert_eq!(
        (decided.status, decided.decided_by, decided.decided_at),
        (FlagStatus::Dismissed, Some(w.supervisor), Some(4000))
    );
    assert!(integrity::get(&mut conn, f1, &unit_scope(&w.street)).await.unwrap().is_none(), "out of scope");
    assert!(integrity::get(&mut conn, f4 + 100, &root).await.unwrap().is_none());
}

/// A flag is decided once: a second decision, or a racing one, is refused and changes nothing. Confirming one
/// settles the evaluation's other open flags — and only those.
async fn a_flag_is_decided_once_and_settles_the_other_flags_of_its_evaluation(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let w = world(&store).await;
    let at = local(10, 12, 9, 0);
    let e = insert_evaluations(
        &store,
        &[
            evaluation(&w.place_a, "E1", Level::VerySatisfied, at),
            evaluation(&w.place_a, "E2", Level::VerySatisfied, at),
            evaluation(&w.place_a, "E3", Level::VerySatisfied, at),
        ],
    )
    .await;
    let evidence = json!({});
    let fa = raise(&store, &flag(e[0], Rule::ContactBurst, &w.place_a, None, &evidence, at)).await.unwrap();
    let fb = raise(&store, &flag(e[0], Rule::IdenticalComments, &w.place_a, None, &evidence, at)).await.unwrap();
    let fc = raise(&store, &flag(e[1], Rule::ContactBurst, &w.place_a, None, &evidence, at)).await.unwrap();
    let fd = raise(&store, &flag(e[2], Rule::ContactBurst, &w.place_a, None, &evidence, at)).await.unwrap();

    let confirm = Decision {
        status: FlagStatus::Confirmed,
        reason: Some(FlagReason::FakePraise),
        note: Some("同一号码十分钟内三次好评"),
        by: w.supervisor,
        at_ms: 5000,
    };
    let dismiss = Decision { status: FlagStatus::Dismissed, reason: None, note: None, by: w.head, at_ms: 6000 };
    let mut tx = store.begin().await.unwrap();
    assert!(integrity::decide(&mut tx, fa, &confirm).await.unwrap());
    assert!(!integrity::decide(&mut tx, fa, &dismiss).await.unwrap(), "already decided");
    let settled = Decision { note: Some("同一评价已认定"), ..confirm };
    assert_eq!(integrity::settle_others(&mut tx, e[0], &settled).await.unwrap(), 1);
    assert_eq!(integrity::settle_others(&mut tx, e[0], &settled).await.unwrap(), 0, "none left open");
    assert!(integrity::decide(&mut tx, fc, &dismiss).await.unwrap());
    assert!(!integrity::decide(&mut tx, fd + 100, &dismiss).await.unwrap(), "no such flag");
    tx.commit().await.unwrap();

    let root = unit_scope(&w.root);
    let mut conn = store.reader().await.unwrap();
    let a = integrity::get(&mut conn, fa, &root).await.unwrap().unwrap();
    assert_eq!(
        (a.status, a.reason, a.note.as_deref()),
        (FlagStatus::Confirmed, Some(FlagReason::FakePraise), Some("同一号码十分钟内三次好评"))
    );
    assert_eq!((a.decided_by, a.decided_at), (Some(w.supervisor), Some(5000)));
    let b = integrity::get(&mut conn, fb, &root).await.unwrap().unwrap();
    assert_eq!(
        (b.status, b.reason, b.note.as_deref()),
        (FlagStatus::Confirmed, Some(FlagReason::FakePraise), Some("同一评价已认定"))
    );
    let c = integrity::get(&mut conn, fc, &root).await.unwrap().unwrap();
    assert_eq!(
        (c.status, c.reason, c.decided_by, c.decided_at),
        (FlagStatus::Dismissed, None, Some(w.head), Some(6000))
    );
    let d = integrity::get(&mut conn, fd, &root).await.unwrap().unwrap();
    assert_eq!(d.status, FlagStatus::Open, "another evaluation's flag is not settled");
    drop(conn);

    // Two supervisors judging the same flag at once: one decision stands.
    let mut tasks = Vec::new();
    for (i, status) in [FlagStatus::Confirmed, FlagStatus::Dismissed, FlagStatus::Confirmed, FlagStatus::Dismissed]
        .into_iter()
        .enumerate()
    {
        let (store, by) = (store.clone(), w.supervisor);
        tasks.push(tokio::spawn(async move {
            let mut tx = store.begin().await.unwrap();
            let reason = (status == FlagStatus::Confirmed).then_some(FlagReason::Duplicate);
            let decision = Decision { status, reason, note: None, by, at_ms: 7000 + i as i64 };
            let won = integrity::decide(&mut tx, fd, &decision).await.unwrap();
            tx.commit().await.unwrap();
            won.then_some((status, 7000 + i as i64))
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        winners.extend(task.await.unwrap());
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let d = integrity::get(&mut store.reader().await.unwrap(), fd, &root).await.unwrap().unwrap();
    assert_eq!((d.status, d.decided_at), (winners[0].0, Some(winners[0].1)));
}

/// The intake's burst rules look back by contact hash and by client address: records received since the given
/// instant, without the new record itself, oldest first; the client rule leaves out records entered by an
/// operator and those from the hall's own pads and terminals.
async fn burst_lookups_see_recent_records_of_one_contact_or_client(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let w = world(&store).await;
    let base = local(10, 12, 9, 0);
    let contact = |code, at, phone: &str| InsertEvaluation {
        phone_index: Some(phone.into()),
        received_at: at,
        ..evaluation(&w.place_a, code, Level::VerySatisfied, base)
    };
    // Inserted out of order of receipt: the answer follows receipt, not ids.
    let p = insert_evaluations(
        &store,
        &[
            contact("P3", base + 3000, "p1"),
            contact("P1", base + 1000, "p1"),
            contact("P2", base + 2000, "p1"),
            contact("Q1", base + 2500, "p2"),
        ],
    )
    .await;
    let mut conn = store.reader().await.unwrap();
    assert_eq!(integrity::recent_same_contact(&mut conn, "p1", base, p[0]).await.unwrap(), vec![p[1], p[2]]);
    assert_eq!(integrity::recent_same_contact(&mut conn, "p1", base + 1500, p[0]).await.unwrap(), vec![p[2]]);
    assert_eq!(integrity::recent_same_contact(&mut conn, "p1", base + 1000, p[2]).await.unwrap(), vec![p[1], p[0]]);
    assert!(integrity::recent_same_contact(&mut conn, "p3", base, 0).await.unwrap().is_empty());
    drop(conn);

    let client = |code, at, channel, registered_by| InsertEvaluation {
        client_index: Some("c1".into()),
        channel,
        registered_by,
        received_at: at,
        ..evaluation(&w.place_a, code, Level::VerySatisfied, base)
    };
    let c = insert_evaluations(
        &store,
        &[
            client("C4", base + 2200, Channel::Mobile, None),
            client("C1", base + 1000, Channel::Pc, None),
            client("C2", base + 2000, Channel::HallTablet, None),
            client("C3", base + 2100, Channel::Phone, Some(w.supervisor)),
            client("C5", base + 2300, Channel::HallTerminal, None),
            client("C6", base + 2400, Channel::Qrcode, None),
        ],
    )
    .await;
    let mut conn = store.reader().await.unwrap();
    assert_eq!(integrity::recent_same_client(&mut conn, "c1", base, c[5]).await.unwrap(), vec![c[1], c[0]]);
    assert_eq!(integrity::recent_same_client(&mut conn, "c1", base + 1001, c[5]).await.unwrap(), vec![c[0]]);
    assert!(integrity::recent_same_client(&mut conn, "c2", base, 0).await.unwrap().is_empty());
}

/// The periodic sweep reads adopted records received since a time that have a comment or a contact; the praise
/// rule reads each staff member's praise days from the aggregate (with their finished cases), and one staff
/// member's adopted praises of a period.
async fn sweeps_read_adopted_records_and_praise_days_from_the_aggregate(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let w = world(&store).await;
    let base = local(10, 12, 9, 0);
    let e = insert_evaluations(
        &store,
        &[
            InsertEvaluation { comment: "很好".into(), ..evaluation(&w.place_a, "S1", Level::VerySatisfied, base) },
            InsertEvaluation {
                phone_index: Some("p1".into()),
                staff_id: Some(w.staff_b.id),
                ..evaluation(&w.place_b, "S2", Level::Dissatisfied, base + 1)
            },
            evaluation(&w.place_a, "S3", Level::VerySatisfied, base + 2),
            InsertEvaluation { comment: "早先".into(), ..evaluation(&w.place_a, "S4", Level::Basic, base - 1) },
            InsertEvaluation {
                comment: "刷的".into(), ..evaluation(&w.place_a, "S5", Level::VerySatisfied, base + 3)
            },
        ],
    )
    .await;
    set_adoption(&store, e[4], Adoption::NotAdopted, Some(AdoptionReason::FakePraise)).await;
    let mut conn = store.reader().await.unwrap();
    let sweep = integrity::sweep_rows(&mut conn, base).await.unwrap();
    assert_eq!(sweep.iter().map(|r| r.id).collect::<Vec<_>>(), vec![e[0], e[1]]);
    let second = &sweep[1];
    assert_eq!(
        (second.window_id, second.department_id, second.staff_id),
        (w.window_b.id, w.dept_b.id, Some(w.staff_b.id))
    );
    assert_eq!(
        (second.org_path.as_str(), second.level, second.phone_index.as_deref()),
        (w.street.path.as_str(), Level::Dissatisfied, Some("p1"))
    );
    assert_eq!(sweep[0].comment, "很好");
    drop(conn);

    let praised = |staff_id, code, level, at| InsertEvaluation {
        staff_id: Some(staff_id),
        ..evaluation(&w.place_a, code, level, at)
    };
    let (from, to) = (local(10, 1, 0, 0), local(11, 1, 0, 0));
    let p = insert_evaluations(
        &store,
        &[
            praised(w.staff_a.id, "R1", Level::Satisfied, from),
            praised(w.staff_a.id, "R2", Level::VerySatisfied, to - 1),
            praised(w.staff_a.id, "R3", Level::Basic, from + 5),
            praised(w.staff_a.id, "R4", Level::VerySatisfied, to),
            praised(w.staff_b.id, "R5", Level::VerySatisfied, from + 5),
            praised(w.staff_a.id, "R6", Level::VerySatisfied, from + 6),
        ],
    )
    .await;
    set_adoption(&store, p[5], Adoption::NotAdopted, Some(AdoptionReason::FakePraise)).await;
    let rows = integrity::praise_rows(&mut store.reader().await.unwrap(), w.staff_a.id, from, to).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![p[0], p[1]]);

    let praise = |n| counters(&[(C::Evaluations, n), (C::Adopted, n), (C::Level4, n - 1), (C::Level5, 1)]);
    let cases = |n| counters(&[(C::FinishedCases, n)]);
    let mut tx = store.begin().await.unwrap();
    stats::apply_many(
        &mut tx,
        &[
            (stat_key(&w.place_a, "2026-10-10", w.staff_a.id, "pc", 0), praise(3)),
            (stat_key(&w.place_a, "2026-10-10", w.staff_a.id, "qrcode", 0), praise(1)),
            (stat_key(&w.place_a, "2026-10-10", w.staff_a.id, "", w.item.id), cases(5)),
            (stat_key(&w.place_a, "2026-10-11", w.staff_a.id, "", w.item.id), cases(2)),
            (stat_key(&w.place_a, "2026-10-11", 0, "pc", 0), praise(4)),
            (stat_key(&w.place_b, "2026-10-09", w.staff_b.id, "pc", 0), praise(6)),
            (stat_key(&w.place_b, "2026-10-12", w.staff_b.id, "sms", 0), praise(1)),
            (stat_key(&w.place_b, "2026-10-12", w.staff_b.id, "", w.item.id), cases(3)),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let staff_days = integrity::staff_days(&mut store.reader().await.unwrap(), "2026-10-10").await.unwrap();
    assert_eq!(
        staff_days,
        vec![(w.staff_a.id, "2026-10-10".to_owned(), 4, 5), (w.staff_b.id, "2026-10-12".to_owned(), 1, 3)],
        "days without praise, before the start and without a named staff member are left out"
    );
}

/// A network is registered to a window once (another window may register the same one), listed in the order
/// registered.
async fn window_networks_are_unique_per_window(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let w = world(&store).await;
    let mut tx = store.begin().await.unwrap();
    let first = integrity::add_network(&mut tx, w.window_a.id, "10.20.3.0/24", "窗口电脑", 100).await.unwrap();
    let second = integrity::add_network(&mut tx, w.window_a.id, "192.168.1.5", "评价平板", 200).await.unwrap();
    integrity::add_network(&mut tx, w.window_b.id, "10.20.3.0/24", "共用网段", 300).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let again = integrity::add_network(&mut tx, w.window_a.id, "10.20.3.0/24", "重复", 400).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    drop(tx);
    let mut conn = store.reader().await.unwrap();
    assert_eq!(integrity::window_networks(&mut conn, w.window_a.id).await.unwrap(), ["10.20.3.0/24", "192.168.1.5"]);
    let listed = integrity::list_networks(&mut conn, w.window_a.id).await.unwrap();
    let listed: Vec<_> = listed.iter().map(|n| (n.id, n.cidr.as_str(), n.note.as_str(), n.created_at)).collect();
    assert_eq!(listed, [(first, "10.20.3.0/24", "窗口电脑", 100), (second, "192.168.1.5", "评价平板", 200)]);
    assert_eq!(integrity::window_networks(&mut conn, w.window_b.id).await.unwrap(), ["10.20.3.0/24"]);
    assert!(integrity::window_networks(&mut conn, w.window_b.id + 100).await.unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------------------------------
// Supervision

/// An order of `kind` to the window of `place` (its staff member, its department), issued and due `when`.
fn order<'a>(
    w: &World,
    kind: OrderKind,
    level: TargetLevel,
    place: &'a org::Placement,
    target_name: &'a str,
    evidence: &'a serde_json::Value,
    when: (i64, Option<i64>),
) -> NewOrder<'a> {
    let (issued_at_ms, due_at_ms) = when;
    NewOrder {
        kind,
        level,
        org_path: &place.org_path,
        department_id: Some(place.department_id),
        window_id: (level != TargetLevel::Department).then_some(place.window_id),
        staff_id: (level == TargetLevel::Staff).then_some(w.staff_a.id),
        target_name,
        period: "2026-09",
        reason: "9月差评4条，超过3条",
        evidence,
        issued_by: w.supervisor,
        issued_at_ms,
        due_at_ms,
        previous_order_id: None,
    }
}

async fn issue(store: &Store, o: &NewOrder<'_>) -> i64 {
    let mut tx = store.begin().await.unwrap();
    let id = supervision::insert(&mut tx, o).await.unwrap();
    tx.commit().await.unwrap();
    id
}

async fn order_row(store: &Store, id: i64) -> supervision::OrderRow {
    let root = Scope::OrgUnit { id: 0, code: String::new(), name: String::new(), path: "/".into() };
    supervision::get(&mut store.reader().await.unwrap(), id, &root).await.unwrap().unwrap()
}

/// A rectification order is reported once, then assessed once; out of order (assessed before its report,
/// concluded like a referral, reported again after assessment) each step is refused and changes nothing.
async fn rectification_orders_go_issued_reported_assessed_in_order(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let w = world(&store).await;
    let evidence = json!({"bad_reviews": 4, "adopted": 30});
    let (issued, due) = (local(10, 2, 9, 0), local(10, 16, 17, 0));
    let id = issue(
        &store,
        &order(
            &w,
            OrderKind::RectificationOrder,
            TargetLevel::Window,
            &w.place_a,
            "市场监管综合窗口",
            &evidence,
            (issued, Some(due)),
        ),
    )
    .await;
    let row = order_row(&store, id).await;
    assert_eq!(
        (row.kind, row.level, row.state),
        (OrderKind::RectificationOrder, TargetLevel::Window, OrderState::Issued)
    );
    assert_eq!((row.window_id, row.staff_id, row.department_id), (Some(w.window_a.id), None, Some(w.dept_a.id)));
    assert_eq!(
        (row.target_name.as_str(), row.period.as_str(), row.reason.as_str()),
        ("市场监管综合窗口", "2026-09", "9月差评4条，超过3条")
    );
    assert_eq!(
        (row.evidence.clone(), row.issued_at, row.due_at, row.overdue),
        (evidence.clone(), issued, Some(due), 0)
    );
    assert_eq!((row.report, row.assessment, row.outcome, row.previous_order_id), (None, None, None, None));

    let figures = json!({"before": {"bad_rate": 13.3}, "after": {"bad_rate": 2.1}});
    let mut tx = store.begin().await.unwrap();
    assert!(!supervision::assess(&mut tx, id, Assessment::Effective, &figures, w.supervisor, 10).await.unwrap());
    assert!(!supervision::conclude(&mut tx, id, "不是移送事项", w.supervisor, 10).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(order_row(&store, id).await.state, OrderState::Issued, "refused steps change nothing");

    let (reported, assessed) = (local(10, 9, 10, 0), local(10, 20, 10, 0));
    let mut tx = store.begin().await.unwrap();
    assert!(supervision::report(&mut tx, id, "已组织业务培训，调整叫号流程", w.head, reported).await.unwrap());
    assert!(!supervision::report(&mut tx, id, "第二份报告", w.head, reported + 1).await.unwrap());
    tx.commit().await.unwrap();
    let row = order_row(&store, id).await;
    assert_eq!(
        (row.state, row.report.as_deref(), row.reported_at),
        (OrderState::Reported, Some("已组织业务培训，调整叫号流程"), Some(reported))
    );

    let mut tx = store.begin().await.unwrap();
    assert!(supervision::assess(&mut tx, id, Assessment::Effective, &figures, w.supervisor, assessed).await.unwrap());
    let other = json!({});
    assert!(
        !supervision::assess(&mut tx, id, Assessment::Ineffective, &other, w.supervisor, assessed + 1).await.unwrap()
    );
    assert!(!supervision::report(&mut tx, id, "迟到的报告", w.head, assessed + 2).await.unwrap());
    tx.commit().await.unwrap();
    let row = order_row(&store, id).await;
    assert_eq!(
        (row.state, row.assessment, row.assessed_at),
        (OrderState::Assessed, Some(Assessment::Effective), Some(assessed))
    );
    assert_eq!(row.assessment_evidence, Some(figures));
    assert_eq!((row.report.as_deref(), row.reported_at), (Some("已组织业务培训，调整叫号流程"), Some(reported)));
    assert_eq!((row.outcome, row.outcome_at), (None, None));

    let mut tx = store.begin().await.unwrap();
    assert!(!supervision::report(&mut tx, id + 100, "没有这个事项", w.head, 1).await.unwrap());
    tx.commit().await.unwrap();
}

/// A referral to the discipline inspectors is concluded once, with its outcome, and is neither assessed nor
/// reported afterwards; an order of another kind is never concluded.
async fn referrals_are_concluded_once(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let w = world(&store).await;
    let evidence = json!({"bad_reviews": 9});
    let notice = issue(
        &store,
        &order(&w, OrderKind::Notice, TargetLevel::Staff, &w.place_a, "王芳", &evidence, (local(9, 2, 9, 0), None)),
    )
    .await;
    let referral = issue(
        &store,
        &NewOrder {
            previous_order_id: Some(notice),
            ..order(
                &w,
                OrderKind::Referral,
                TargetLevel::Staff,
                &w.place_a,
                "王芳",
                &evidence,
                (local(10, 2, 9, 0), None),
            )
        },
    )
    .await;
    let at = local(10, 25, 15, 0);
    let mut tx = store.begin().await.unwrap();
    assert!(!supervision::conclude(&mut tx, notice, "通报不由纪检办结", w.supervisor, at).await.unwrap());
    assert!(supervision::conclude(&mut tx, referral, "给予诫勉谈话", w.supervisor, at).await.unwrap());
    assert!(!supervision::conclude(&mut tx, referral, "第二个结论", w.supervisor, at + 1).await.unwrap());
    assert!(
        !supervision::assess(&mut tx, referral, Assessment::Effective, &evidence, w.supervisor, at + 2).await.unwrap()
    );
    assert!(!supervision::report(&mut tx, referral, "报告", w.head, at + 3).await.unwrap());
    tx.commit().await.unwrap();
    let row = order_row(&store, referral).await;
    assert_eq!(
        (row.kind, row.state, row.previous_order_id),
        (OrderKind::Referral, OrderState::Concluded, Some(notice))
    );
    assert_eq!((row.outcome.as_deref(), row.outcome_at), (Some("给予诫勉谈话"), Some(at)));
    assert_eq!((row.staff_id, row.window_id, row.level), (Some(w.staff_a.id), Some(w.window_a.id), TargetLevel::Staff));
    assert_eq!((row.report, row.assessment), (None, None));
    assert_eq!(order_row(&store, notice).await.state, OrderState::Issued);
}

/// Orders are listed newest first (ties by id), filtered by kind and state, in the caller's scope.
async fn orders_are_listed_by_scope_kind_and_state_newest_first(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let w = world(&store).await;
    let e = json!({});
    let (t1, t2, t3) = (local(10, 1, 9, 0), local(10, 2, 9, 0), local(10, 3, 9, 0));
    let o1 = issue(
        &store,
        &order(&w, OrderKind::RectificationOrder, TargetLevel::Window, &w.place_a, "W-A", &e, (t1, None)),
    )
    .await;
    let o2 =
        issue(&store, &order(&w, OrderKind::Notice, TargetLevel::Department, &w.place_a, "SCJG", &e, (t3, None))).await;
    let o3 = issue(
        &store,
        &order(&w, OrderKind::RectificationOrder, TargetLevel::Window, &w.place_b, "W-B", &e, (t2, None)),
    )
    .await;
    let o4 =
        issue(&store, &order(&w, OrderKind::ReplacementOrder, TargetLevel::Staff, &w.place_a, "王芳", &e, (t3, None)))
            .await;
    let mut tx = store.begin().await.unwrap();
    assert!(supervision::report(&mut tx, o1, "已整改", w.head, t3).await.unwrap());
    tx.commit().await.unwrap();

    let mut conn = store.reader().await.unwrap();
    let mut list = async |scope: &Scope, kind: Option<OrderKind>, state: Option<OrderState>| {
        supervision::list(&mut conn, scope, kind, state).await.unwrap().iter().map(|o| o.id).collect::<Vec<_>>()
    };
    let root = unit_scope(&w.root);
    assert_eq!(list(&root, None, None).await, [o4, o2, o3, o1]);
    assert_eq!(list(&unit_scope(&w.street), None, None).await, [o3]);
    assert_eq!(list(&department_scope(&w.dept_a), None, None).await, [o4, o2, o1]);
    assert_eq!(list(&window_scope(&w.window_a), None, None).await, [o4, o1], "a department's order names no window");
    assert_eq!(list(&staff_scope(&w.staff_a), None, None).await, [o4]);
    assert_eq!(list(&root, Some(OrderKind::RectificationOrder), None).await, [o3, o1]);
    assert_eq!(list(&root, None, Some(OrderState::Reported)).await, [o1]);
    assert_eq!(list(&root, Some(OrderKind::RectificationOrder), Some(OrderState::Issued)).await, [o3]);
    assert!(list(&root, Some(OrderKind::Referral), None).await.is_empty());
    assert!(supervision::get(&mut conn, o3, &department_scope(&w.dept_a)).await.unwrap().is_none(), "out of scope");
    assert_eq!(supervision::get(&mut conn, o3, &department_scope(&w.dept_b)).await.unwrap().unwrap().id, o3);
}

/// Issued orders past their deadline are flagged overdue once, whichever of several processes gets there first;
/// orders already reported, without a deadline or not yet past it are left alone.
async fn overdue_orders_are_flagged_once(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let w = world(&store).await;
    let e = json!({});
    let rect = |due| order(&w, OrderKind::RectificationOrder, TargetLevel::Window, &w.place_a, "W-A", &e, (100, due));
    let o1 = issue(&store, &rect(Some(1000))).await;
    let o2 = issue(&store, &rect(Some(2000))).await;
    let o3 = issue(&store, &rect(Some(500))).await;
    let o4 = issue(&store, &rect(None)).await;
    let o5 = issue(&store, &rect(Some(3000))).await;
    let mut tx = store.begin().await.unwrap();
    assert!(supervision::report(&mut tx, o3, "按期报告", w.head, 400).await.unwrap());
    let mut flagged = supervision::flag_overdue(&mut tx, 3000).await.unwrap();
    flagged.sort();
    assert_eq!(flagged, [o1, o2], "due exactly now is not yet overdue");
    assert!(supervision::flag_overdue(&mut tx, 3000).await.unwrap().is_empty(), "each once");
    tx.commit().await.unwrap();
    let o6 = issue(&store, &rect(Some(2500))).await;

    let mut tasks = Vec::new();
    for _ in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = store.begin().await.unwrap();
            let ids = supervision::flag_overdue(&mut tx, 4000).await.unwrap();
            tx.commit().await.unwrap();
            ids
        }));
    }
    let mut flagged = Vec::new();
    for task in tasks {
        flagged.extend(task.await.unwrap());
    }
    flagged.sort();
    assert_eq!(flagged, [o5, o6]);
    for (id, overdue) in [(o1, 1), (o2, 1), (o3, 0), (o4, 0), (o5, 1), (o6, 1)] {
        assert_eq!(order_row(&store, id).await.overdue, overdue, "order {id}");
    }
    // A late report is still taken, and the order stays marked late.
    let mut tx = store.begin().await.unwrap();
    assert!(supervision::report(&mut tx, o1, "逾期报告", w.head, 5000).await.unwrap());
    tx.commit().await.unwrap();
    let row = order_row(&store, o1).await;
    assert_eq!((row.state, row.overdue), (OrderState::Reported, 1));
}

// ---------------------------------------------------------------------------------------------------------------
// Ledgers

/// A ledger row read column by column with the type its cell kind names (what the exporter does), codes decoded
/// with the core's enums: an unknown code fails the test rather than leaving a blank cell.
fn cells(row: &AnyRow, columns: &[(&str, Cell)]) -> Vec<String> {
    assert_eq!(row.len(), columns.len(), "one value per column");
    let text = |i| row.try_get::<Option<String>, _>(i).unwrap();
    let int = |i| row.try_get::<Option<i64>, _>(i).unwrap();
    columns
        .iter()
        .enumerate()
        .map(|(i, (name, cell))| match cell {
            Cell::Text => text(i).unwrap_or_default(),
            Cell::Int | Cell::Instant => int(i).map(|v| v.to_string()).unwrap_or_default(),
            Cell::Flag => match int(i) {
                Some(1) => "是".into(),
                Some(0) => "否".into(),
                other => panic!("{name}: flag {other:?}"),
            },
            Cell::Label(what, label) => text(i)
                .map(|code| label(&code).unwrap_or_else(|| panic!("{name}: {what} {code}")).into())
                .unwrap_or_default(),
            Cell::Tags => text(i)
                .map(|stored| {
                    let tags = TagList::try_from(stored).unwrap_or_else(|e| panic!("{name}: {e}"));
                    tags.tags().map(|tag| tag.label).collect::<Vec<_>>().join("、")
                })
                .unwrap_or_default(),
            Cell::Detail(field) => detail(text(i), field),
            Cell::DetailLabel(field, what, label) => {
                let code = detail(text(i), field);
                if code.is_empty() {
                    code
                } else {
                    label(&code).unwrap_or_else(|| panic!("{name}: {what} {code}")).into()
                }
            }
            Cell::Level => int(i)
                .map(|code| Level::from_code(code).unwrap_or_else(|| panic!("{name}: {code}")).label().into())
                .unwrap_or_default(),
        })
        .collect()
}

/// A text field of a timeline entry's JSON details, empty when there is no entry or no such field.
fn detail(details: Option<String>, field: &str) -> String {
    let Some(details) = details else { return String::new() };
    let details: Value = serde_json::from_str(&details).unwrap();
    details.get(field).and_then(Value::as_str).unwrap_or_default().to_owned()
}

async fn ledger_rows(store: &Store, ledger: ledger::Ledger) -> Vec<Vec<String>> {
    let mut conn = store.reader().await.unwrap();
    let rows = ledger.sql.query().fetch_all(&mut *conn).await.unwrap();
    rows.iter().map(|row| cells(row, &ledger.columns)).collect()
}

fn texts<const N: usize>(values: [&str; N]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// 差评整改台账: the tickets created in [from, to) in scope, by creation time then id, misconduct reports only
/// for those allowed to see them, each column decoding as its kind says.
async fn ticket_ledger_lists_the_period_in_scope_in_order(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let w = world(&store).await;
    let (from, to) = (local(10, 1, 0, 0), local(11, 1, 0, 0));
    let e = insert_evaluations(
        &store,
        &[
            InsertEvaluation {
                staff_id: Some(w.staff_a.id),
                ..evaluation(&w.place_a, "A1", Level::VeryDissatisfied, from)
            },
            evaluation(&w.place_a, "A2", Level::Dissatisfied, from),
            evaluation(&w.place_b, "B1", Level::Dissatisfied, from),
            evaluation(&w.place_a, "A3", Level::Dissatisfied, from),
            evaluation(&w.place_a, "A4", Level::Dissatisfied, from),
            evaluation(&w.place_a, "A5", Level::VeryDissatisfied, from),
        ],
    )
    .await;
    let a = attribution(&w.place_a, None);
    // Inserted out of time order; `_late` (created at `to`) and `_early` (just before `from`) fall outside.
    let _late = ticket(&store, TicketKind::BadReview, Some(e[5]), &a, to).await;
    // Created at the same instant as t1, and first: the tie goes by id.
    let tie = ticket(&store, TicketKind::BadReview, Some(e[4]), &a, local(10, 5, 9, 0)).await;
    let t1 = ticket(
        &store,
        TicketKind::BadReview,
        Some(e[0]),
        &attribution(&w.place_a, Some(w.staff_a.id)),
        local(10, 5, 9, 0),
    )
    .await;
    let t2 = ticket(&store, TicketKind::BadReview, Some(e[1]), &a, from).await;
    let t3 =
        ticket(&store, TicketKind::BadReview, Some(e[2]), &attribution(&w.place_b, None), local(10, 20, 9, 0)).await;
    let _early = ticket(&store, TicketKind::BadReview, Some(e[3]), &a, from - 1).await;
    let department_only = tickets::Attribution { window_id: None, ..a.clone() };
    let t4 = ticket(&store, TicketKind::Misconduct, None, &department_only, local(10, 8, 9, 0)).await;
    // t2 is dispatched and later found overdue.
    let mut tx = store.begin().await.unwrap();
    let loaded = tickets::load(&mut tx, t2, None).await.unwrap().unwrap();
    let dispatched_at = Utc.timestamp_millis_opt(local(10, 2, 9, 0)).unwrap();
    let mut dispatched =
        apply(&loaded.facts, Action::Dispatch, dispatched_at, &WorkCalendar::shipped(), &Policy::default()).unwrap();
    dispatched.overdue = true;
    let updated = local(10, 10, 9, 0);
    tickets::save(&mut tx, &loaded, &dispatched, updated).await.unwrap();
    tx.commit().await.unwrap();
    let feedback_by = dispatched.feedback_by.map(|d| hcp_store::ms(d.at)).unwrap();

    let s = |t: i64| t.to_string();
    // No verification, rectification, feedback or revisit yet: those columns are empty (the API story fills them).
    let row = |id: i64, kind: &str, state: &str, place: (&str, &str), staff: &str, level: &str, times: [String; 4]| {
        let [created, received, feedback_by, updated] = times;
        let overdue = if id == t2 { "是" } else { "否" };
        let (department, window) = place;
        let mut row = texts([&s(id), kind, state, department, window, staff, level, "", "", &created, &received]);
        row.extend(texts(["", "", "", &feedback_by, overdue, "", "", "", "", "", "", "", &updated]));
        row
    };
    let a_place = ("市场监督管理局", "市场监管综合窗口");
    let at5 = s(local(10, 5, 9, 0));
    let row_t2 =
        row(t2, "差评", "已分派", a_place, "", "不满意", [s(from), s(local(10, 2, 9, 0)), s(feedback_by), s(updated)]);
    let row_tie = row(tie, "差评", "已登记", a_place, "", "不满意", [at5.clone(), "".into(), "".into(), at5.clone()]);
    let row_t1 =
        row(t1, "差评", "已登记", a_place, "王芳（S001）", "非常不满意", [at5.clone(), "".into(), "".into(), at5]);
    let at8 = s(local(10, 8, 9, 0));
    let row_t4 =
        row(t4, "违规举报", "已登记", ("市场监督管理局", ""), "", "", [at8.clone(), "".into(), "".into(), at8]);
    let at20 = s(local(10, 20, 9, 0));
    let row_t3 =
        row(t3, "差评", "已登记", ("社保服务", "社保窗口"), "", "不满意", [at20.clone(), "".into(), "".into(), at20]);

    let root = unit_scope(&w.root);
    let tickets_of = |scope: &Scope, misconduct| ledger::ledger(Kind::Tickets, scope, misconduct, from, to);
    assert_eq!(tickets_of(&root, false).title, "差评整改台账");
    assert_eq!(
        ledger_rows(&store, tickets_of(&root, false)).await,
        [row_t2.clone(), row_tie.clone(), row_t1.clone(), row_t3.clone()]
    );
    assert_eq!(
        ledger_rows(&store, tickets_of(&root, true)).await,
        [row_t2.clone(), row_tie.clone(), row_t1.clone(), row_t4.clone(), row_t3.clone()]
    );
    assert_eq!(ledger_rows(&store, tickets_of(&unit_scope(&w.street), true)).await, [row_t3]);
    assert_eq!(
        ledger_rows(&store, tickets_of(&department_scope(&w.dept_a), true)).await,
        [row_t2.clone(), row_tie.clone(), row_t1.clone(), row_t4]
    );
    assert_eq!(
        ledger_rows(&store, tickets_of(&window_scope(&w.window_a), true)).await,
        [row_t2, row_tie, row_t1.clone()]
    );
    assert_eq!(ledger_rows(&store, tickets_of(&staff_scope(&w.staff_a), false)).await, [row_t1]);
    assert_eq!(Kind::parse("tickets"), Some(Kind::Tickets));
    assert_eq!(Kind::parse("everything"), None);
}

/// 申诉复核台账: one row per appeal made in [from, to), with the review decision when there is one.
async fn appeal_ledger_pairs_each_appeal_with_its_decision(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let w = world(&store).await;
    let (from, to) = (local(10, 1, 0, 0), local(11, 1, 0, 0));
    let e = insert_evaluations(
        &store,
        &[
            InsertEvaluation {
                staff_id: Some(w.staff_a.id),
                ..evaluation(&w.place_a, "A1", Level::VeryDissatisfied, from)
            },
            evaluation(&w.place_a, "A2", Level::Dissatisfied, from),
            evaluation(&w.place_b, "B1", Level::Dissatisfied, from),
            evaluation(&w.place_a, "A3", Level::Dissatisfied, from),
        ],
    )
    .await;
    let t1 =
        ticket(&store, TicketKind::BadReview, Some(e[0]), &attribution(&w.place_a, Some(w.staff_a.id)), from).await;
    let t2 = ticket(&store, TicketKind::BadReview, Some(e[1]), &attribution(&w.place_a, None), from).await;
    let t3 = ticket(&store, TicketKind::BadReview, Some(e[2]), &attribution(&w.place_b, None), from).await;
    let t4 = ticket(&store, TicketKind::BadReview, Some(e[3]), &attribution(&w.place_a, None), from - 100).await;
    let mut tx = store.begin().await.unwrap();
    let details = json!({});
    for (ticket_id, at, actor, action) in [
        (t1, local(10, 6, 10, 0), "王芳", "dispatch"),
        (t1, local(10, 6, 11, 0), "王芳", "appeal"),
        (t1, local(10, 9, 15, 0), "督查员", "decide"),
        (t2, local(10, 7, 10, 0), "窗口负责人", "appeal"),
        (t3, local(10, 15, 10, 0), "李强", "appeal"),
        (t4, local(9, 30, 10, 0), "王芳", "appeal"),
        (t4, local(10, 2, 10, 0), "督查员", "decide"),
    ] {
        let event = tickets::NewEvent {
            ticket_id,
            at_ms: at,
            actor_user_id: None,
            actor,
            action,
            from_state: None,
            to_state: None,
            details: &details,
            public: false,
        };
        tickets::add_event(&mut tx, &event).await.unwrap();
    }
    tx.commit().await.unwrap();

    let s = |t: i64| t.to_string();
    // The entries carry no details here: reasons, statements and decisions are empty (the API story fills them).
    let row = |id: i64, place: (&str, &str), staff: &str, level: &str, appeal: (i64, &str), decision: (&str, &str)| {
        let mut row = texts([&s(id), place.0, place.1, staff, level, "", &s(appeal.0), appeal.1, "", ""]);
        row.extend(texts([decision.0, decision.1, "", "", "", "已登记"]));
        row
    };
    let a_place = ("市场监督管理局", "市场监管综合窗口");
    let row_t1 = row(
        t1,
        a_place,
        "王芳（S001）",
        "非常不满意",
        (local(10, 6, 11, 0), "王芳"),
        (&s(local(10, 9, 15, 0)), "督查员"),
    );
    let row_t2 = row(t2, a_place, "", "不满意", (local(10, 7, 10, 0), "窗口负责人"), ("", ""));
    let row_t3 = row(t3, ("社保服务", "社保窗口"), "", "不满意", (local(10, 15, 10, 0), "李强"), ("", ""));
    let appeals = |scope: &Scope| ledger::ledger(Kind::Appeals, scope, false, from, to);
    assert_eq!(appeals(&unit_scope(&w.root)).title, "申诉复核台账");
    assert_eq!(ledger_rows(&store, appeals(&unit_scope(&w.root))).await, [row_t1.clone(), row_t2, row_t3.clone()]);
    assert_eq!(ledger_rows(&store, appeals(&unit_scope(&w.street))).await, [row_t3]);
    assert_eq!(ledger_rows(&store, appeals(&staff_scope(&w.staff_a))).await, [row_t1]);
}

/// 督查台账 and 评价明细: the orders issued and the evaluations evaluated in [from, to), in scope, by time then
/// id, codes named by their labels and people by their names; evaluator identity is never selected.
async fn order_and_evaluation_ledgers_list_the_period_in_scope(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let w = world(&store).await;
    let (from, to) = (local(10, 1, 0, 0), local(11, 1, 0, 0));
    let e = json!({});
    let o1 = issue(
        &store,
        &order(
            &w,
            OrderKind::RectificationOrder,
            TargetLevel::Window,
            &w.place_a,
            "市场监管综合窗口",
            &e,
            (from, Some(local(10, 9, 17, 0))),
        ),
    )
    .await;
    let o2 = issue(
        &store,
        &order(&w, OrderKind::Referral, TargetLevel::Staff, &w.place_a, "王芳", &e, (local(10, 3, 9, 0), None)),
    )
    .await;
    let o3 = issue(
        &store,
        &order(
            &w,
            OrderKind::RectificationOrder,
            TargetLevel::Window,
            &w.place_b,
            "社保窗口",
            &e,
            (local(10, 4, 9, 0), None),
        ),
    )
    .await;
    issue(&store, &order(&w, OrderKind::Notice, TargetLevel::Window, &w.place_a, "市场监管综合窗口", &e, (to, None)))
        .await;
    let mut tx = store.begin().await.unwrap();
    assert_eq!(supervision::flag_overdue(&mut tx, local(10, 10, 0, 0)).await.unwrap(), [o1]);
    assert!(supervision::report(&mut tx, o1, "已整改", w.head, local(10, 11, 9, 0)).await.unwrap());
    assert!(
        supervision::assess(&mut tx, o1, Assessment::Ineffective, &e, w.supervisor, local(10, 20, 9, 0)).await.unwrap()
    );
    assert!(supervision::conclude(&mut tx, o2, "诫勉谈话", w.supervisor, local(10, 21, 9, 0)).await.unwrap());
    tx.commit().await.unwrap();

    let s = |t: i64| t.to_string();
    let reason = "9月差评4条，超过3条";
    // Codes by their labels, people by name (the window head with the staff number).
    let row_o1 = texts([
        &s(o1),
        "整改通知",
        "窗口",
        "市场监管综合窗口",
        "2026-09",
        reason,
        OrderState::Assessed.label(),
        "督查员",
        &s(from),
        &s(local(10, 9, 17, 0)),
        "是",
        "已整改",
        "王芳（S001）",
        &s(local(10, 11, 9, 0)),
        Assessment::Ineffective.label(),
        "督查员",
        &s(local(10, 20, 9, 0)),
        "",
        "",
        "",
    ]);
    let row_o2 = texts([
        &s(o2),
        "移送纪检监察",
        "工作人员",
        "王芳",
        "2026-09",
        reason,
        "已办结",
        "督查员",
        &s(local(10, 3, 9, 0)),
        "",
        "否",
        "",
        "",
        "",
        "",
        "",
        "",
        "诫勉谈话",
        "督查员",
        &s(local(10, 21, 9, 0)),
    ]);
    let row_o3 = texts([
        &s(o3),
        "整改通知",
        "窗口",
        "社保窗口",
        "2026-09",
        reason,
        "已下发",
        "督查员",
        &s(local(10, 4, 9, 0)),
        "",
        "否",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ]);
    let orders = |scope: &Scope| ledger::ledger(Kind::Orders, scope, false, from, to);
    assert_eq!(orders(&unit_scope(&w.root)).title, "督查台账");
    assert_eq!(
        ledger_rows(&store, orders(&unit_scope(&w.root))).await,
        [row_o1.clone(), row_o2.clone(), row_o3.clone()]
    );
    assert_eq!(ledger_rows(&store, orders(&unit_scope(&w.street))).await, [row_o3]);
    assert_eq!(ledger_rows(&store, orders(&window_scope(&w.window_a))).await, [row_o1, row_o2.clone()]);
    assert_eq!(ledger_rows(&store, orders(&staff_scope(&w.staff_a))).await, [row_o2]);

    let ids = insert_evaluations(
        &store,
        &[
            InsertEvaluation {
                channel: Channel::Sms,
                staff_id: Some(w.staff_a.id),
                item_id: Some(w.item.id),
                tags: TagList(vec![214, 213]),
                comment: "态度生硬，\"业务\"不熟".into(),
                evaluator_kind: Some(EvaluatorKind::Personal),
                evaluator_name: Some(b"sealed-name".to_vec()),
                evaluator_phone: Some(b"sealed-phone".to_vec()),
                ..evaluation(&w.place_a, "TRACK-2", Level::Dissatisfied, local(10, 12, 9, 0))
            },
            evaluation(&w.place_a, "TRACK-1", Level::VerySatisfied, from),
            evaluation(&w.place_b, "TRACK-3", Level::Basic, local(10, 12, 9, 0)),
            evaluation(&w.place_a, "TRACK-4", Level::Basic, to),
        ],
    )
    .await;
    set_adoption(&store, ids[1], Adoption::NotAdopted, Some(AdoptionReason::FakePraise)).await;
    let evaluations_of = |scope: &Scope| ledger::ledger(Kind::Evaluations, scope, false, from, to);
    let evaluation_ledger = evaluations_of(&unit_scope(&w.root));
    assert_eq!(evaluation_ledger.title, "评价明细");
    let text = evaluation_ledger.sql.text();
    assert!(!text.contains("evaluator"), "no evaluator identity: {text}");
    let at = s(local(10, 12, 9, 0));
    let row_1 = texts([
        &s(ids[1]),
        "TRACK-1",
        "二维码",
        "市场监督管理局",
        "市场监管综合窗口",
        "",
        "",
        "非常满意",
        "",
        "",
        &s(from),
        "不予采纳",
        "刷好评",
    ]);
    let row_0 = texts([
        &s(ids[0]),
        "TRACK-2",
        "短信",
        "市场监督管理局",
        "市场监管综合窗口",
        "王芳（S001）",
        "营业执照设立登记",
        "不满意",
        "服务态度生硬、窗口人员业务不熟练",
        "态度生硬，\"业务\"不熟",
        &at,
        "采纳",
        "",
    ]);
    let row_2 =
        texts([&s(ids[2]), "TRACK-3", "二维码", "社保服务", "社保窗口", "", "", "基本满意", "", "", &at, "采纳", ""]);
    assert_eq!(ledger_rows(&store, evaluation_ledger).await, [row_1, row_0.clone(), row_2.clone()]);
    assert_eq!(ledger_rows(&store, evaluations_of(&unit_scope(&w.street))).await, [row_2]);
    assert_eq!(ledger_rows(&store, evaluations_of(&staff_scope(&w.staff_a))).await, [row_0]);
}

// ---------------------------------------------------------------------------------------------------------------
// Upward report

/// The upward report over a small known set: the adopted evaluations evaluated in [from, to) in scope, by time
/// then id, with the case number, whether (and as what) the evaluator left a name, the follow-up mark and the
/// stored tags — streamed row by row or collected for a batch alike.
async fn upward_report_holds_the_adopted_evaluations_of_the_period_in_scope(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let w = world(&store).await;
    let (from, to) = (local(10, 1, 0, 0), local(11, 1, 0, 0));
    let mut tx = store.begin().await.unwrap();
    let case = org::create_case(
        &mut tx,
        &org::NewCase {
            case_no: "C2026001",
            item_id: w.item.id,
            window_id: w.window_a.id,
            staff_id: Some(w.staff_a.id),
            accepted_at: now(),
            finished_at: Some(now()),
        },
        now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (t1, t2) = (local(10, 3, 9, 0), local(10, 5, 14, 30));
    let first = insert_evaluations(
        &store,
        &[InsertEvaluation {
            case_id: Some(case.id),
            item_id: Some(w.item.id),
            staff_id: Some(w.staff_a.id),
            tags: TagList(vec![101, 102]),
            comment: "办事快".into(),
            evaluator_name: Some(b"sealed".to_vec()),
            ..evaluation(&w.place_a, "U1", Level::VerySatisfied, t1)
        }],
    )
    .await[0];
    let u = insert_evaluations(
        &store,
        &[
            InsertEvaluation {
                case_id: Some(case.id),
                channel: Channel::Pc,
                follow_up: true,
                first_evaluation_id: Some(first),
                tags: TagList(vec![214]),
                comment: "材料被退回两次".into(),
                evaluator_kind: Some(EvaluatorKind::Legal),
                ..evaluation(&w.place_a, "U2", Level::Dissatisfied, t2)
            },
            InsertEvaluation { channel: Channel::Sms, ..evaluation(&w.place_b, "U3", Level::VeryDissatisfied, t2) },
            evaluation(&w.place_a, "U4", Level::VerySatisfied, local(10, 4, 9, 0)),
            InsertEvaluation {
                channel: Channel::HallTablet,
                evaluator_kind: Some(EvaluatorKind::Legal),
                evaluator_name: Some(b"sealed".to_vec()),
                ..evaluation(&w.place_a, "U5", Level::Satisfied, from)
            },
            evaluation(&w.place_a, "U6", Level::Basic, to),
            evaluation(&w.place_b, "U7", Level::Basic, from - 1),
        ],
    )
    .await;
    let (u2, u3, u4, u5) = (u[0], u[1], u[2], u[3]);
    set_adoption(&store, u4, Adoption::NotAdopted, Some(AdoptionReason::FakePraise)).await;

    let at = |ms| Utc.timestamp_millis_opt(ms).unwrap();
    let record =
        |evaluation_id, case_no: &str, channel, named, evaluated_at, follow_up, level, comment: &str, tags: &str| {
            Record {
                evaluation_id,
                case_no: case_no.into(),
                channel,
                named,
                evaluated_at: at(evaluated_at),
                follow_up,
                level,
                comment: comment.into(),
                tags: tags.into(),
            }
        };
    let r5 = record(u5, "", Channel::HallTablet, Some(EvaluatorKind::Legal), from, false, Level::Satisfied, "", "");
    let r1 = record(
        first,
        "C2026001",
        Channel::Qrcode,
        Some(EvaluatorKind::Personal),
        t1,
        false,
        Level::VerySatisfied,
        "办事快",
        "101,102",
    );
    // A kind without a name is still anonymous.
    let r2 = record(u2, "C2026001", Channel::Pc, None, t2, true, Level::Dissatisfied, "材料被退回两次", "214");
    let r3 = record(u3, "", Channel::Sms, None, t2, false, Level::VeryDissatisfied, "", "");

    let mut conn = store.reader().await.unwrap();
    let root = unit_scope(&w.root);
    let report = upward::all(&mut conn, &root, from, to).await.unwrap();
    assert_eq!(report, [r5.clone(), r1.clone(), r2.clone(), r3.clone()]);
    // The figures of the batch, by hand: 4 records (the not-adopted praise, the evaluation at `to` and the one
    // before `from` left out), one per level but 基本满意, one follow-up, two named.
    let per_level = |level| report.iter().filter(|r| r.level == level).count();
    for (level, count) in [
        (Level::VerySatisfied, 1),
        (Level::Satisfied, 1),
        (Level::Basic, 0),
        (Level::Dissatisfied, 1),
        (Level::VeryDissatisfied, 1),
    ] {
        assert_eq!(per_level(level), count, "{level:?}");
    }
    assert_eq!(report.iter().filter(|r| r.follow_up).count(), 1);
    assert_eq!(report.iter().filter(|r| r.named.is_some()).count(), 2);
    assert_eq!(
        r1.cells("220271"),
        texts([
            "C2026001",
            "二维码",
            "个人",
            "20261003T090000",
            "1",
            "非常满意",
            "1",
            "办事快",
            "220271",
            "3",
            "5",
            "101,102",
            "1"
        ])
    );
    // Streamed one row at a time, as the exporter reads it: the same records.
    let sql = upward::query(&root, from, to);
    let streamed: Vec<Record> =
        sql.query().fetch_all(&mut *conn).await.unwrap().iter().map(|row| upward::record(row).unwrap()).collect();
    assert_eq!(streamed, report);
    assert_eq!(upward::all(&mut conn, &unit_scope(&w.street), from, to).await.unwrap(), [r3]);
    assert_eq!(upward::all(&mut conn, &window_scope(&w.window_a), from, to).await.unwrap(), [r5, r1.clone(), r2]);
    assert_eq!(upward::all(&mut conn, &staff_scope(&w.staff_a), from, to).await.unwrap(), [r1]);
    let next = upward::all(&mut conn, &root, to, to + 1).await.unwrap();
    assert_eq!(next.iter().map(|r| r.evaluation_id).collect::<Vec<_>>(), [u[4]], "`to` opens the next period");
}

/// A stored code that is not one of its enum's codes, or an instant no calendar holds, is an error of the read —
/// never an empty label, a default or 1970.
async fn unknown_stored_codes_are_errors_not_blanks(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let w = world(&store).await;
    let at = local(10, 12, 9, 0);
    let (from, to) = (local(10, 1, 0, 0), local(11, 1, 0, 0));
    let e = insert_evaluations(
        &store,
        &[InsertEvaluation {
            evaluator_name: Some(b"sealed".to_vec()),
            ..evaluation(&w.place_a, "E1", Level::VerySatisfied, at)
        }],
    )
    .await[0];
    let f = raise(&store, &flag(e, Rule::ContactBurst, &w.place_a, None, &json!({}), at)).await.unwrap();
    let o = issue(
        &store,
        &order(&w, OrderKind::RectificationOrder, TargetLevel::Window, &w.place_a, "W-A", &json!({}), (at, None)),
    )
    .await;
    let root = unit_scope(&w.root);

    // Each corruption, the reads it must fail, then the repair.
    let corruptions: [(&str, &str); 7] = [
        ("UPDATE evaluations SET channel = 'fax'", "UPDATE evaluations SET channel = 'qrcode'"),
        ("UPDATE evaluations SET level = 9", "UPDATE evaluations SET level = 5"),
        ("UPDATE evaluations SET evaluator_kind = 'robot'", "UPDATE evaluations SET evaluator_kind = NULL"),
        ("UPDATE evaluations SET adoption = 'maybe'", "UPDATE evaluations SET adoption = 'adopted'"),
        ("UPDATE fraud_flags SET rule = 'bogus'", "UPDATE fraud_flags SET rule = 'contact_burst'"),
        ("UPDATE supervision_orders SET state = 'archived'", "UPDATE supervision_orders SET state = 'issued'"),
        ("UPDATE supervision_orders SET assessment = 'great'", "UPDATE supervision_orders SET assessment = NULL"),
    ];
    let write = async |statement: &str| {
        let mut tx = store.begin().await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(statement.to_owned())).execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
    };
    for (corrupt, repair) in corruptions {
        write(corrupt).await;
        let mut conn = store.reader().await.unwrap();
        let upward = upward::all(&mut conn, &root, from, to).await;
        let stats = stats::evaluation_row(&mut conn, e).await;
        let flag = integrity::get(&mut conn, f, &root).await;
        let order = supervision::get(&mut conn, o, &root).await;
        let on_evaluation = corrupt.contains("evaluations");
        // The upward report reads channel, level and evaluator kind; the statistics all three and adoption; the
        // flag queue the evaluation's channel, level and adoption.
        let evaluator_only = corrupt.contains("evaluator_kind");
        let adoption_only = corrupt.contains("adoption");
        assert_eq!(upward.is_err(), on_evaluation && !adoption_only, "upward, after {corrupt}: {upward:?}");
        if adoption_only {
            assert!(upward.as_ref().unwrap().is_empty(), "an unknown adoption is not 'adopted'");
        }
        assert_eq!(stats.is_err(), on_evaluation, "statistics, after {corrupt}: {stats:?}");
        assert_eq!(
            flag.is_err(),
            (on_evaluation && !evaluator_only) || corrupt.contains("fraud_flags"),
            "flag, after {corrupt}: {flag:?}"
        );
        assert_eq!(order.is_err(), corrupt.contains("supervision_orders"), "order, after {corrupt}: {order:?}");
        for result in [upward.err(), stats.err(), flag.err(), order.err()].into_iter().flatten() {
            assert!(matches!(result, StoreError::Database(_)), "{result:?}");
        }
        drop(conn);
        write(repair).await;
    }

    // Within the period asked for, beyond any calendar.
    write("UPDATE evaluations SET evaluated_at = 9000000000000000000").await;
    let mut conn = store.reader().await.unwrap();
    let far = upward::all(&mut conn, &root, from, i64::MAX).await;
    assert!(far.is_err(), "{far:?}");
    // Everything repaired reads again.
    drop(conn);
    write(&format!("UPDATE evaluations SET evaluated_at = {at}")).await;
    let mut conn = store.reader().await.unwrap();
    assert_eq!(upward::all(&mut conn, &root, from, to).await.unwrap().len(), 1);
    assert!(integrity::get(&mut conn, f, &root).await.unwrap().is_some());
    assert_eq!(supervision::get(&mut conn, o, &root).await.unwrap().unwrap().state, OrderState::Issued);
}
