//! One suite over the storage interface, run on SQLite always and on PostgreSQL with `-- --ignored` when
//! `HCP_TEST_POSTGRES_URL` names a server (each test in a database of its own).

use chrono::{TimeZone, Utc};
use hcp_core::audit::{ChainBreak, Checkpoint, GENESIS_HASH, entry_hash};
use hcp_core::calendar::{HolidayDay, HolidayFile};
use hcp_core::channel::Channel;
use hcp_core::level::Level;
use hcp_core::lifecycle::{Action, DeadlineKind, Policy, TicketFacts, apply};
use hcp_core::org::OrgKind;
use hcp_core::role::{Role, Scope};
use hcp_core::tags::TagList;
use hcp_core::ticket::{TicketKind, TicketState};
use hcp_store::evaluations::{self, InsertEvaluation};
use hcp_store::org::{self, NewCase};
use hcp_store::{
    Backend, Store, StoreError, audit, audit_key, calendar, idempotency, outbox, testing, tickets, tokens, users,
};

hcp_store::on_both_backends!(
    migrations_are_idempotent_and_seed_the_calendar,
    org_tree_nests_and_codes_are_unique,
    one_first_evaluation_and_one_follow_up_per_case,
    queries_are_scoped_to_the_subtree,
    sessions_expire_and_tokens_resolve,
    audit_chain_detects_changes_and_removals,
    edited_records_are_named,
    a_removed_last_entry_is_found,
    a_recomputed_chain_is_found,
    an_emptied_log_with_records_left_is_found,
    a_new_audit_key_starts_a_segment_and_old_entries_still_verify,
    bulk_writes_record_every_row,
    concurrent_audit_appends_keep_one_chain,
    idempotency_keys_store_one_response,
    calendar_years_are_replaced,
    ticket_facts_are_saved_once_per_version,
    each_alert_is_claimed_once,
    outbox_leases_and_inbox_deliveries_happen_once,
);

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 12, 2, 0, 0).unwrap()
}

struct Fixture {
    root: org::OrgUnit,
    street: org::OrgUnit,
    window_a: org::Window,
    window_b: org::Window,
    staff_a: org::Staff,
    case: org::Case,
}

async fn fixture(store: &Store) -> Fixture {
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
    org::set_window_head(&mut tx, window_a.id, Some(staff_a.id)).await.unwrap();
    let item = org::create_service_item(&mut tx, "ITEM-1", "营业执照设立登记", Some(dept_a.id), now()).await.unwrap();
    let case = org::create_case(
        &mut tx,
        &NewCase {
            case_no: "C2026001",
            item_id: item.id,
            window_id: window_a.id,
            staff_id: Some(staff_a.id),
            accepted_at: now(),
            finished_at: None,
        },
        now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    Fixture { root, street, window_a, window_b, staff_a, case }
}

async fn evaluation(
    store: &Store,
    window: &org::Window,
    case_id: Option<i64>,
    follow_up: bool,
    code: &str,
    level: Level,
) -> Result<i64, StoreError> {
    let mut conn = store.reader().await.unwrap();
    let place = org::placement(&mut conn, window.id).await.unwrap().unwrap();
    drop(conn);
    let mut tx = store.begin().await.unwrap();
    let result = evaluations::insert(
        &mut tx,
        &InsertEvaluation {
            tracking_code: code.into(),
            query_secret: "x".into(),
            channel: Channel::Qrcode,
            case_id,
            item_id: None,
            window_id: window.id,
            staff_id: None,
            department_id: place.department_id,
            org_unit_id: place.org_unit_id,
            org_path: place.org_path,
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
            follow_up,
            first_evaluation_id: None,
            evaluated_at: hcp_store::ms(now()),
            received_at: hcp_store::ms(now()),
            registered_by: None,
            import_ref: None,
        },
    )
    .await;
    if result.is_ok() {
        tx.commit().await.unwrap();
    }
    result
}

async fn migrations_are_idempotent_and_seed_the_calendar(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let mut tx = store.begin().await.unwrap();
    assert_eq!(calendar::seed_shipped(&mut tx, now()).await.unwrap(), 4);
    assert_eq!(calendar::seed_shipped(&mut tx, now()).await.unwrap(), 0);
    tx.commit().await.unwrap();
    let mut conn = store.reader().await.unwrap();
    let cal = calendar::load(&mut conn).await.unwrap();
    assert_eq!(cal.known_years(), vec![2023, 2024, 2025, 2026]);
    let deadline = cal.deadline(Utc.with_ymd_and_hms(2024, 9, 27, 7, 0, 0).unwrap(), 2);
    assert_eq!(deadline.to_rfc3339(), "2024-09-30T23:59:59+08:00");
}

async fn org_tree_nests_and_codes_are_unique(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let f = fixture(&store).await;
    assert_eq!(f.root.path, format!("/{}/", f.root.id));
    assert_eq!(f.street.path, format!("/{}/{}/", f.root.id, f.street.id));
    let mut conn = store.reader().await.unwrap();
    let units = org::list_org_units(&mut conn).await.unwrap();
    assert_eq!(units.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(), vec!["JK", "JK-JZ"]);
    let place = org::placement(&mut conn, f.window_b.id).await.unwrap().unwrap();
    assert_eq!(place.org_path, f.street.path);
    drop(conn);
    let mut tx = store.begin().await.unwrap();
    let dup = org::create_window(&mut tx, "W-A", "重复", 1, now()).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
}

async fn one_first_evaluation_and_one_follow_up_per_case(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let f = fixture(&store).await;
    evaluation(&store, &f.window_a, Some(f.case.id), false, "T1", Level::VerySatisfied).await.unwrap();
    let second = evaluation(&store, &f.window_a, Some(f.case.id), false, "T2", Level::Satisfied).await;
    assert!(matches!(second, Err(StoreError::Conflict(_))), "{second:?}");
    evaluation(&store, &f.window_a, Some(f.case.id), true, "T3", Level::Dissatisfied).await.unwrap();
    let again = evaluation(&store, &f.window_a, Some(f.case.id), true, "T4", Level::Dissatisfied).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))));
    // Evaluations of a window without a case are not limited.
    evaluation(&store, &f.window_a, None, false, "T5", Level::VerySatisfied).await.unwrap();
    evaluation(&store, &f.window_a, None, false, "T6", Level::VerySatisfied).await.unwrap();
    let mut conn = store.reader().await.unwrap();
    let (first, has_follow_up) = evaluations::of_case(&mut conn, f.case.id).await.unwrap();
    assert!(first.is_some() && has_follow_up);
    assert_eq!(evaluations::count_all(&mut conn).await.unwrap(), 4);
}

async fn queries_are_scoped_to_the_subtree(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let f = fixture(&store).await;
    let a = evaluation(&store, &f.window_a, None, false, "A1", Level::VeryDissatisfied).await.unwrap();
    let b = evaluation(&store, &f.window_b, None, false, "B1", Level::Dissatisfied).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    for (id, window) in [(a, &f.window_a), (b, &f.window_b)] {
        let place = org::placement(&mut tx, window.id).await.unwrap().unwrap();
        tickets::insert(
            &mut tx,
            TicketKind::BadReview,
            Some(id),
            None,
            &tickets::Attribution {
                org_unit_id: Some(place.org_unit_id),
                department_id: Some(place.department_id),
                window_id: Some(window.id),
                staff_id: None,
                org_path: place.org_path,
            },
            &TicketFacts::registered(),
            hcp_store::ms(now()),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();

    let root = Scope::OrgUnit {
        id: f.root.id,
        code: f.root.code.clone(),
        name: f.root.name.clone(),
        path: f.root.path.clone(),
    };
    let street = Scope::OrgUnit {
        id: f.street.id,
        code: f.street.code.clone(),
        name: f.street.name.clone(),
        path: f.street.path.clone(),
    };
    let window_a = Scope::Window { id: f.window_a.id, code: "W-A".into(), name: String::new() };
    let filter = evaluations::Filter::default();
    let mut conn = store.reader().await.unwrap();
    assert_eq!(evaluations::list(&mut conn, &filter, &root, 50, 0).await.unwrap().1, 2);
    let (rows, total) = evaluations::list(&mut conn, &filter, &street, 50, 0).await.unwrap();
    assert_eq!((total, rows[0].id), (1, b));
    assert_eq!(evaluations::list(&mut conn, &filter, &window_a, 50, 0).await.unwrap().1, 1);
    assert!(evaluations::get(&mut conn, a, Some(&street)).await.unwrap().is_none());
    let row = evaluations::get(&mut conn, a, Some(&root)).await.unwrap().unwrap();
    assert!(row.ticket_id.is_some());
    assert_eq!(row.window_code, "W-A");
    let level_filter = evaluations::Filter { level: Some(Level::Dissatisfied), ..Default::default() };
    assert_eq!(evaluations::list(&mut conn, &level_filter, &root, 50, 0).await.unwrap().1, 1);
    let (ticket_rows, ticket_total) =
        tickets::list(&mut conn, &tickets::Filter::default(), &street, 50, 0).await.unwrap();
    assert_eq!((ticket_total, ticket_rows[0].evaluation_id), (1, Some(b)));
    assert_eq!(ticket_rows[0].state, TicketState::Registered);
}

async fn sessions_expire_and_tokens_resolve(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let f = fixture(&store).await;
    let mut tx = store.begin().await.unwrap();
    let id = users::create(
        &mut tx,
        &users::NewUser {
            username: "head",
            password_hash: "x",
            role: Role::WindowHead,
            display_name: "王芳",
            org_unit_id: None,
            department_id: None,
            window_id: Some(f.window_a.id),
            staff_id: Some(f.staff_a.id),
        },
        now(),
    )
    .await
    .unwrap();
    users::create_session(&mut tx, "h1", id, now(), now() + chrono::Duration::hours(8)).await.unwrap();
    tokens::create(&mut tx, "t1", id, "integration", "admin", now(), now() + chrono::Duration::days(365))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut conn = store.reader().await.unwrap();
    assert_eq!(users::session_user(&mut conn, "h1", now()).await.unwrap().unwrap().id, id);
    assert!(users::session_user(&mut conn, "h1", now() + chrono::Duration::hours(9)).await.unwrap().is_none());
    let user = tokens::by_hash(&mut conn, "t1").await.unwrap().unwrap().user;
    assert!(
        matches!(users::scope(&mut conn, &user).await.unwrap(), Some(Scope::Window { id, .. }) if id == f.window_a.id)
    );
    assert!(tokens::by_hash(&mut conn, "nope").await.unwrap().is_none());
}

/// The findings of a verification with the test key and `checkpoints`.
async fn findings(store: &Store, checkpoints: &[Checkpoint]) -> Vec<String> {
    audit::verify(store, &audit_key::test_keyring(), checkpoints).await.unwrap().findings
}

fn has(findings: &[String], text: &str) -> bool {
    findings.iter().any(|f| f.contains(text))
}

async fn audit_chain_detects_changes_and_removals(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let mut tx = store.begin().await.unwrap();
    for i in 0..5 {
        audit::append(&mut tx, now(), "admin", "test.write", &format!("thing:{i}"), &serde_json::json!({"i": i}))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    // Entry 1 starts the keyed segment; the five writes are #2–#6.
    let report = audit::verify(&store, &audit_key::test_keyring(), &[]).await.unwrap();
    assert!(report.clean(), "{:?}", report.findings);
    assert_eq!(report.entries, 6);

    let mut tx = store.begin().await.unwrap();
    sqlx::query("UPDATE audit_log SET details = '{\"i\":99}' WHERE seq = 3").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(findings(&store, &[]).await, vec![ChainBreak::Altered { seq: 3 }.to_string()]);

    let mut tx = store.begin().await.unwrap();
    sqlx::query("UPDATE audit_log SET details = '{\"i\":1}' WHERE seq = 3").execute(&mut *tx).await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq = 2").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(findings(&store, &[]).await, vec![ChainBreak::Broken { seq: 3 }.to_string()]);

    let mut tx = store.begin().await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq >= 2").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        findings(&store, &[]).await,
        vec![ChainBreak::Truncated { expected_last: 6, found_last: 1 }.to_string()]
    );
}

async fn an_emptied_log_with_records_left_is_found(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    audited_records(&store).await;
    let mut tx = store.begin().await.unwrap();
    sqlx::query("DELETE FROM audit_log").execute(&mut *tx).await.unwrap();
    sqlx::query("DELETE FROM record_digests").execute(&mut *tx).await.unwrap();
    sqlx::query("UPDATE audit_head SET seq = 0, hash = $1, alg = 'sha256', key_id = '', records = ''")
        .bind(GENESIS_HASH)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let found = findings(&store, &[]).await;
    assert!(has(&found, "审计日志为空，但数据库中有评价记录"), "{found:?}");
    assert!(has(&found, "审计日志为空，但数据库中有工单记录"), "{found:?}");
}

/// A bad review with its ticket, each written by an audited write, and the settings; returns (evaluation,
/// ticket) ids.
async fn audited_records(store: &Store) -> (i64, i64) {
    let (ticket, _) = ticket_with_facts(store).await;
    let mut tx = store.begin().await.unwrap();
    let evaluation: i64 = sqlx::query_scalar("SELECT evaluation_id FROM tickets WHERE id = $1")
        .bind(ticket)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let details = serde_json::json!({});
    audit::append(&mut tx, now(), "citizen", "evaluation.create", &format!("evaluation:{evaluation}"), &details)
        .await
        .unwrap();
    audit::append(&mut tx, now(), "system", "ticket.create", &format!("ticket:{ticket}"), &details).await.unwrap();
    hcp_store::settings::replace(&mut tx, &[("policy.appeal_working_days".into(), "3".into())], "admin", now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (evaluation, ticket)
}

/// A checkpoint of the current head, as `hcp audit verify` and the scheduler write them.
async fn checkpoint(store: &Store) -> Checkpoint {
    let head = audit::head(&mut store.reader().await.unwrap()).await.unwrap();
    Checkpoint::new(audit_key::test_keyring().current().unwrap(), 0, head.seq, &head.hash)
}

async fn edited_records_are_named(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let (evaluation, ticket) = audited_records(&store).await;
    let report = audit::verify(&store, &audit_key::test_keyring(), &[]).await.unwrap();
    assert!(report.clean(), "{:?}", report.findings);
    assert!(report.records >= 3, "evaluation, ticket, settings: {}", report.records);

    // (a) an evaluation's level and (b) a ticket's state edited in the database.
    let mut tx = store.begin().await.unwrap();
    sqlx::query("UPDATE evaluations SET level = 5 WHERE id = $1").bind(evaluation).execute(&mut *tx).await.unwrap();
    sqlx::query("UPDATE tickets SET state = 'closed' WHERE id = $1").bind(ticket).execute(&mut *tx).await.unwrap();
    sqlx::query("UPDATE settings SET value = '30'").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let found = findings(&store, &[]).await;
    assert!(has(&found, &format!("评价 #{evaluation} 的内容与最后一次审计写入")), "{found:?}");
    assert!(has(&found, &format!("工单 #{ticket} 的内容与最后一次审计写入")), "{found:?}");
    assert!(has(&found, "设置的内容与最后一次审计写入"), "{found:?}");
    assert_eq!(found.len(), 3, "{found:?}");

    // Editing the digest table to match is found too: the chain sealed the sum of the digests.
    let mut tx = store.begin().await.unwrap();
    sqlx::query("UPDATE record_digests SET digest = 'x' WHERE kind = 'evaluation'").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    assert!(has(&findings(&store, &[]).await, "记录摘要表与审计链"));

    // A row written outside any audited write, and one deleted.
    let mut tx = store.begin().await.unwrap();
    sqlx::query("DELETE FROM record_digests WHERE kind = 'ticket'").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    assert!(has(&findings(&store, &[]).await, &format!("工单 #{ticket} 没有审计写入记录")));
}

async fn a_removed_last_entry_is_found(backend: Backend) {
    let (store, dir) = testing::open(backend).await;
    let (evaluation, _) = audited_records(&store).await;
    let data_dir = match &dir {
        Some(dir) => dir.path().to_path_buf(),
        None => std::env::temp_dir().join(format!("hcp-audit-{}", std::process::id())),
    };
    let key = audit_key::test_keyring();
    let written = audit::write_checkpoint(&store, &data_dir, key.current().unwrap(), now()).await.unwrap();
    let (read, bad) = audit::read_checkpoints(&data_dir, &key).unwrap();
    assert!(bad.is_empty() && read.contains(&written));

    // (c) the last entry deleted and the head moved back onto the one before.
    let mut tx = store.begin().await.unwrap();
    let last = sqlx::query_scalar::<_, i64>("SELECT MAX(seq) FROM audit_log").fetch_one(&mut *tx).await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq = $1").bind(last).execute(&mut *tx).await.unwrap();
    sqlx::query(
        "UPDATE audit_head SET seq = l.seq, hash = l.hash, records = l.records FROM          (SELECT seq, hash, records FROM audit_log WHERE seq = $1) AS l WHERE id = 1",
    )
    .bind(last - 1)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let found = findings(&store, &[written]).await;
    assert!(has(&found, &format!("审计日志末尾被删除：检查点记录到 #{last}，实际只到 #{}", last - 1)), "{found:?}");
    // Even without the checkpoint the record the deleted entry wrote (the settings) points past the chain.
    let found = findings(&store, &[]).await;
    assert!(has(&found, &format!("设置的摘要由不存在的审计记录 #{last} 写入")), "{found:?}");
    assert!(!has(&found, &format!("评价 #{evaluation}")), "{found:?}");
    if dir.is_none() {
        std::fs::remove_file(data_dir.join(audit::CHECKPOINT_FILE)).ok();
    }
}

async fn a_recomputed_chain_is_found(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    audited_records(&store).await;
    let before = checkpoint(&store).await;

    // (d) one entry edited and the whole chain recomputed, the only way without the key: unkeyed SHA-256.
    let mut tx = store.begin().await.unwrap();
    sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2").execute(&mut *tx).await.unwrap();
    let rows: Vec<(i64, i64, String, String, String, String)> =
        sqlx::query_as("SELECT seq, at, actor, action, target, details FROM audit_log ORDER BY seq")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    let mut prev = GENESIS_HASH.to_owned();
    for (seq, at, actor, action, target, details) in rows {
        let hash = entry_hash(&prev, seq, at, &actor, &action, &target, &details);
        sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2, alg = 'sha256', key_id = '' WHERE seq = $3")
            .bind(&prev)
            .bind(&hash)
            .bind(seq)
            .execute(&mut *tx)
            .await
            .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE audit_head SET hash = $1, alg = 'sha256', key_id = ''")
        .bind(&prev)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let found = findings(&store, std::slice::from_ref(&before)).await;
    assert!(has(&found, &format!("审计链在 #{} 处被重新计算（与检查点不符）", before.seq)), "{found:?}");
    assert!(has(&found, "审计链尚未用审计密钥封存"), "{found:?}");
}

async fn a_new_audit_key_starts_a_segment_and_old_entries_still_verify(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let (ticket, _) = ticket_with_facts(&store).await;
    let ring = |lines: &[&str]| audit_key::parse_keyring(&lines.join("\n")).unwrap();
    let (line_a, line_b) = (audit_key::new_key_line(), audit_key::new_key_line());
    let (a, b) = (ring(&[&line_a]), ring(&[&line_b]));
    let details = serde_json::json!({});

    // A database from before the audit key: unkeyed entries and rows without digests.
    let mut tx = store.begin().await.unwrap();
    audit::append_legacy(&mut tx, now(), "admin", "org.create", "org:1").await.unwrap();
    audit::append_legacy(&mut tx, now(), "system", "ticket.create", &format!("ticket:{ticket}")).await.unwrap();
    let written = [(audit::Kind::Ticket, ticket)];
    let seq = audit::append_keyed(&mut tx, a.current().unwrap(), now(), "x", "ticket.save", "t", &details, &written)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(seq, 4, "#3 starts the keyed segment");
    let both = ring(&[&line_a, &line_b]);
    let report = audit::verify(&store, &both, &[]).await.unwrap();
    assert!(report.clean(), "{:?}", report.findings);

    let mut tx = store.begin().await.unwrap();
    audit::append_keyed(&mut tx, b.current().unwrap(), now(), "x", "ticket.save", "t", &details, &written)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let segments: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT seq, key_id, details FROM audit_log WHERE action = 'audit.segment' ORDER BY seq")
            .fetch_all(&mut *store.reader().await.unwrap())
            .await
            .unwrap();
    assert_eq!(segments.len(), 2);
    assert_eq!((segments[0].0, segments[1].0), (3, 5));
    assert!(segments[0].2.contains("\"alg\":\"sha256\"") && segments[0].2.contains("\"adopted\""), "{segments:?}");
    assert!(segments[1].2.contains(a.current().unwrap().id()), "{segments:?}");
    let report = audit::verify(&store, &both, &[]).await.unwrap();
    assert!(report.clean(), "{:?}", report.findings);
    assert_eq!(report.entries, 6);

    // Without the retired key the old segment cannot be checked, and says so.
    let found = audit::verify(&store, &b, &[]).await.unwrap().findings;
    assert!(
        has(&found, &format!("由密钥 {} 封存，但审计密钥文件中没有该密钥", a.current().unwrap().id())),
        "{found:?}"
    );
}

async fn bulk_writes_record_every_row(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let f = fixture(&store).await;
    let mut ids = Vec::new();
    for code in ["B1", "B2", "B3"] {
        ids.push(evaluation(&store, &f.window_a, None, false, code, Level::Satisfied).await.unwrap());
    }
    let mut tx = store.begin().await.unwrap();
    let written: Vec<(audit::Kind, i64)> = ids.iter().map(|id| (audit::Kind::Evaluation, *id)).collect();
    audit::append_with(&mut tx, now(), "demo", "demo.bulk_load", "demo:bulk", &serde_json::json!({}), &written)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(findings(&store, &[]).await, Vec::<String>::new());
    let mut tx = store.begin().await.unwrap();
    sqlx::query("UPDATE evaluations SET comment = 'edited' WHERE id = $1")
        .bind(ids[1])
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(findings(&store, &[]).await.len(), 1);
    assert!(has(&findings(&store, &[]).await, &format!("评价 #{} 的内容", ids[1])));
}

async fn concurrent_audit_appends_keep_one_chain(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let mut tx = store.begin().await.unwrap();
                audit::append(
                    &mut tx,
                    now(),
                    "w",
                    "test.concurrent",
                    &format!("w{worker}:{i}"),
                    &serde_json::json!({}),
                )
                .await
                .unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let report = audit::verify(&store, &audit_key::test_keyring(), &[]).await.unwrap();
    assert!(report.clean(), "{:?}", report.findings);
    assert_eq!(report.entries, 81, "80 appends after the segment entry");
}

async fn idempotency_keys_store_one_response(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let stored =
        idempotency::Stored { request_hash: "abc".into(), status: 201, response: vec![1, 2, 3], key_id: "k".into() };
    let mut tx = store.begin().await.unwrap();
    idempotency::put(&mut tx, "key-1", &stored, now()).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert!(idempotency::put(&mut tx, "key-1", &stored, now()).await.is_err());
    drop(tx);
    let mut conn = store.reader().await.unwrap();
    let found = idempotency::get(&mut conn, "key-1").await.unwrap().unwrap();
    assert_eq!((found.status, found.response), (201, vec![1, 2, 3]));
    assert!(idempotency::get(&mut conn, "key-2").await.unwrap().is_none());
}

async fn calendar_years_are_replaced(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let file = HolidayFile {
        year: 2027,
        papers: vec![],
        days: vec![HolidayDay {
            name: "元旦".into(),
            date: chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            is_off_day: true,
        }],
    };
    let mut tx = store.begin().await.unwrap();
    assert!(!calendar::save_year(&mut tx, &file, "admin", now()).await.unwrap());
    assert!(calendar::save_year(&mut tx, &file, "admin", now()).await.unwrap());
    tx.commit().await.unwrap();
    let mut conn = store.reader().await.unwrap();
    let cal = calendar::load(&mut conn).await.unwrap();
    assert!(cal.is_known_year(2027));
    assert!(!cal.is_workday(chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()));
    let report = audit::verify(&store, &audit_key::test_keyring(), &[]).await.unwrap();
    assert!(report.clean(), "{:?}", report.findings);
    assert_eq!(report.entries, 3, "the segment entry and the two saves");
}

async fn ticket_with_facts(store: &Store) -> (i64, TicketFacts) {
    let f = fixture(store).await;
    let e = evaluation(store, &f.window_a, None, false, "T1", Level::VeryDissatisfied).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let place = org::placement(&mut tx, f.window_a.id).await.unwrap().unwrap();
    let attribution = tickets::Attribution {
        org_unit_id: Some(place.org_unit_id),
        department_id: Some(place.department_id),
        window_id: Some(f.window_a.id),
        staff_id: None,
        org_path: place.org_path,
    };
    let facts = TicketFacts::registered();
    let id = tickets::insert(&mut tx, TicketKind::BadReview, Some(e), None, &attribution, &facts, 0).await.unwrap();
    tx.commit().await.unwrap();
    (id, facts)
}

async fn ticket_facts_are_saved_once_per_version(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let (id, _) = ticket_with_facts(&store).await;
    let cal = hcp_core::calendar::WorkCalendar::shipped();
    let mut tx = store.begin().await.unwrap();
    let loaded = tickets::load(&mut tx, id, None).await.unwrap().unwrap();
    let dispatched = apply(&loaded.facts, Action::Dispatch, now(), &cal, &Policy::default()).unwrap();
    tickets::save(&mut tx, &loaded, &dispatched, 1).await.unwrap();
    // A second writer holding the old version loses.
    let stale = tickets::save(&mut tx, &loaded, &dispatched, 2).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    tx.commit().await.unwrap();
    let mut conn = store.reader().await.unwrap();
    let again = tickets::load(&mut conn, id, None).await.unwrap().unwrap();
    assert_eq!(again.facts, dispatched);
    assert_eq!(again.version, loaded.version + 1);
    let root = Scope::OrgUnit { id: 0, code: String::new(), name: String::new(), path: "/".into() };
    let row = tickets::get(&mut conn, id, &root, false).await.unwrap().unwrap();
    assert_eq!(row.state, TicketState::Dispatched);
    assert_eq!(row.feedback_by, dispatched.feedback_by.map(|d| d.at.timestamp_millis()));
    assert_eq!(row.next_deadline, row.feedback_by);
    // The scheduler finds it once its deadline is near.
    let due = tickets::with_deadline_before(&mut conn, row.feedback_by.unwrap() + 1).await.unwrap();
    assert_eq!(due.iter().map(|t| t.id).collect::<Vec<_>>(), vec![id]);
    assert!(tickets::with_deadline_before(&mut conn, row.feedback_by.unwrap()).await.unwrap().is_empty());
}

async fn each_alert_is_claimed_once(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let (id, _) = ticket_with_facts(&store).await;
    let mut tx = store.begin().await.unwrap();
    assert!(tickets::claim_alert(&mut tx, id, "overdue", DeadlineKind::Feedback, 1000, 5).await.unwrap());
    assert!(!tickets::claim_alert(&mut tx, id, "overdue", DeadlineKind::Feedback, 1000, 6).await.unwrap());
    // A recomputed deadline is a new deadline: it may be missed (and escalated) again.
    assert!(tickets::claim_alert(&mut tx, id, "overdue", DeadlineKind::Feedback, 2000, 7).await.unwrap());
    assert!(tickets::claim_alert(&mut tx, id, "reminder", DeadlineKind::Feedback, 1000, 8).await.unwrap());
    tx.commit().await.unwrap();
}

async fn outbox_leases_and_inbox_deliveries_happen_once(backend: Backend) {
    let (store, _dir) = testing::open(backend).await;
    let mut tx = store.begin().await.unwrap();
    let user = users::create(
        &mut tx,
        &users::NewUser {
            username: "inbox-user",
            password_hash: "x",
            role: Role::Staff,
            display_name: "收件人",
            org_unit_id: None,
            department_id: None,
            window_id: None,
            staff_id: None,
        },
        now(),
    )
    .await
    .unwrap();
    let message = outbox::NewMessage {
        sender: "inbox",
        recipient: &format!("user:{user}"),
        subject: "新工单",
        body: "请处理",
        ticket_id: None,
        order_id: None,
    };
    let id = outbox::enqueue(&mut tx, &message, 100).await.unwrap();
    tx.commit().await.unwrap();

    let backend = store.backend();
    let mut tx = store.begin().await.unwrap();
    assert!(outbox::claim_due(&mut tx, backend, 99, 1000, 10).await.unwrap().is_empty(), "not yet due");
    let claimed = outbox::claim_due(&mut tx, backend, 100, 1000, 10).await.unwrap();
    assert_eq!(claimed.iter().map(|m| m.id).collect::<Vec<_>>(), vec![id]);
    // Leased: nobody else takes it until the lease ends.
    assert!(outbox::claim_due(&mut tx, backend, 500, 1500, 10).await.unwrap().is_empty());
    outbox::deliver_to_inbox(&mut tx, &claimed[0], user).await.unwrap();
    outbox::deliver_to_inbox(&mut tx, &claimed[0], user).await.unwrap();
    outbox::mark_delivered(&mut tx, id, 200).await.unwrap();
    tx.commit().await.unwrap();

    let mut conn = store.reader().await.unwrap();
    let (messages, total) = outbox::inbox(&mut conn, user, false, 50, 0).await.unwrap();
    assert_eq!((total, messages[0].subject.as_str()), (1, "新工单"));
    assert_eq!(outbox::pending(&mut conn).await.unwrap(), 0);
    drop(conn);
    let mut tx = store.begin().await.unwrap();
    assert!(outbox::claim_due(&mut tx, backend, 5000, 6000, 10).await.unwrap().is_empty(), "delivered stays");
    assert!(outbox::mark_read(&mut tx, user, messages[0].id, 300).await.unwrap());
    assert!(!outbox::mark_read(&mut tx, user + 1, messages[0].id, 300).await.unwrap(), "not theirs");
    tx.commit().await.unwrap();
}
