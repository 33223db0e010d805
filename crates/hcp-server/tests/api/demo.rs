//! The demo jurisdiction loads through the real intake on both backends, and one window can be followed through
//! every role.

use hcp_server::app::demo::plan as demo_plan;
use hcp_server::app::demo::{self, DemoError, DemoOptions};
use hcp_testkit::{Backend, Options, TestApp};
use reqwest::StatusCode;
use serde_json::json;

hcp_store::on_both_backends!(
    demo_fills_an_empty_database_with_a_believable_mix,
    bulk_load_gives_the_same_records_and_statistics_as_one_by_one
);

async fn demo_fills_an_empty_database_with_a_believable_mix(backend: Backend) {
    let app = TestApp::spawn_with(backend, Options { seed: false, ..Default::default() }).await;
    let options =
        DemoOptions { now: hcp_testkit::start(), evaluations: 3000, create_users: true, bulk: false, months: 3 };
    let summary = demo::load(app.state.store(), app.state.key(), &app.state.rules(), &options, |_| {}).await.unwrap();
    assert!(summary.org_units >= 10 && summary.windows >= 30 && summary.staff >= 60, "{summary:?}");
    assert!(summary.evaluations > 2000, "{summary:?}");
    assert!(summary.complaints > 0);
    assert!((summary.bad_reviews as f64) < summary.evaluations as f64 * 0.01, "well under 1 % bad: {summary:?}");
    assert_eq!(summary.users.len(), hcp_core::role::Role::ALL.len());
    // Every account that signs in has the public demo password; the integration account has none anyone knows.
    for (name, password, _) in &summary.users {
        let expected = if name == "integration" { "（不可登录）".to_owned() } else { format!("{name}-demo") };
        assert_eq!(*password, expected, "{name}");
    }
    let integration = "SELECT COUNT(*) FROM users WHERE username = 'integration' AND must_change_password = 0";
    assert_eq!(app.count(integration).await, 1, "never asked to change a password");
    let guess = json!({"username": "integration", "password": "integration-demo"});
    assert_eq!(app.post("/api/v1/session", None, &guess).await.0, StatusCode::UNAUTHORIZED, "no demo password");

    // A second load is refused: demo data only goes into an empty database.
    let again = demo::load(app.state.store(), app.state.key(), &app.state.rules(), &options, |_| {}).await;
    assert!(matches!(again, Err(DemoError::NotEmpty)));

    let login = |username: &'static str| {
        let app = &app;
        async move {
            let response = app
                .client
                .post(app.url("/api/v1/session"))
                .json(&json!({"username": username, "password": format!("{username}-demo")}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{username}");
            let cookie = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
            let me: serde_json::Value = response.json().await.unwrap();
            (cookie, me)
        }
    };
    let focus = demo_plan::focus();
    let (_, head) = login("window_head").await;
    assert_eq!(head["scope"]["code"], json!(focus.window_code));
    assert_eq!(head["staff_no"], json!(focus.head_staff_no));
    let (staff_cookie, staff) = login("staff").await;
    assert_eq!(staff["staff_no"], json!(focus.staff_no));
    let (_, dept) = login("dept_head").await;
    assert_eq!(dept["scope"]["code"], json!(focus.department_code));

    // Every channel is present, and the staff member sees only their own evaluations, without evaluators.
    let (supervisor_cookie, _) = login("supervisor").await;
    for channel in ["pc", "mobile", "qrcode", "hall_tablet", "hall_terminal", "phone", "sms", "box", "paper"] {
        let (_, page) =
            app.get(&format!("/api/v1/evaluations?channel={channel}&per_page=1"), Some(&supervisor_cookie)).await;
        assert!(page["total"].as_i64().unwrap() > 0, "{channel}");
    }
    let (_, own) = app.get("/api/v1/evaluations?per_page=200", Some(&staff_cookie)).await;
    assert!(own["total"].as_i64().unwrap() > 0);
    for item in own["items"].as_array().unwrap() {
        assert_eq!(item["staff"]["code"], json!(focus.staff_no));
        assert!(item.get("evaluator").is_none());
    }
    let (_, tickets) = app.get("/api/v1/tickets?kind=complaint", Some(&supervisor_cookie)).await;
    assert!(tickets["total"].as_i64().unwrap() > 0);

    // Older tickets have run their course through the real lifecycle; loading left no notices behind.
    assert!(summary.histories > 0, "{summary:?}");
    let (_, closed) = app.get("/api/v1/tickets?state=closed&per_page=1", Some(&supervisor_cookie)).await;
    assert!(closed["total"].as_i64().unwrap() > 0, "{closed}");
    let id = closed["items"][0]["id"].as_i64().unwrap();
    let (_, ticket) = app.get(&format!("/api/v1/tickets/{id}"), Some(&supervisor_cookie)).await;
    let actions: Vec<&str> =
        ticket["timeline"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.starts_with(&["dispatch"]) && actions.ends_with(&["revisit"]), "{actions:?}");
    let mut conn = app.state.store().reader().await.unwrap();
    assert_eq!(hcp_store::outbox::pending(&mut conn).await.unwrap(), 0);
    // The planted campaign and malicious evaluator are caught; ordinary traffic raises (almost) no flags, at
    // intake or in the sweep.
    hcp_server::app::jobs::sweep::run(&app.state, hcp_testkit::start()).await.unwrap();
    let planted = [demo::CAMPAIGN_PHONE, demo::MALICIOUS_PHONE].map(|p| app.state.key().blind_index(p));
    let rules: Vec<(String, String)> = hcp_store::sqlx::query_as(
        "SELECT f.rule, COALESCE(e.phone_index, '') FROM fraud_flags f JOIN evaluations e ON e.id = f.evaluation_id",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let caught = |rule: &str, phone: &str| rules.iter().filter(|(r, p)| r == rule && p == phone).count();
    assert_eq!(caught("contact_burst", &planted[0]), 4, "the 3rd to 6th praise of the campaign: {rules:?}");
    assert_eq!(caught("identical_comments", &planted[0]), 6);
    assert_eq!(caught("serial_bad_reviewer", &planted[1]), 3);
    let false_flags = rules.iter().filter(|(_, p)| !planted.contains(p)).count();
    eprintln!("integrity flags on ordinary demo traffic: {false_flags} of {} evaluations", summary.evaluations);
    assert!((false_flags as f64) <= summary.evaluations as f64 * 0.002, "{false_flags} false flags");
    // The statistics aggregate built while loading (intake, histories, late answers) equals a recount.
    let expected = hcp_server::app::stats::recount(&mut conn).await.unwrap();
    let stored: std::collections::BTreeMap<_, _> =
        hcp_store::stats::all_rows(&mut conn).await.unwrap().into_iter().filter(|(_, c)| !c.is_zero()).collect();
    assert!(stored == expected, "aggregate differs from a recount");
    drop(conn);
    app.assert_audit_clean().await;
}

/// The bulk path of `hcp demo --evaluations 10000000` writes the same jurisdiction as intake one by one: same
/// counts, same tickets, the same statistics aggregate row for row, equal to a recount, with an intact audit chain.
async fn bulk_load_gives_the_same_records_and_statistics_as_one_by_one(backend: Backend) {
    let mut loaded = Vec::new();
    for bulk in [false, true] {
        let app = TestApp::spawn_with(backend, Options { seed: false, ..Default::default() }).await;
        let options =
            DemoOptions { now: hcp_testkit::start(), evaluations: 3000, create_users: false, bulk, months: 3 };
        let mut reported = Vec::new();
        let summary = demo::load(app.state.store(), app.state.key(), &app.state.rules(), &options, |n| {
            reported.push(n);
        })
        .await
        .unwrap();
        assert_eq!(reported.last(), Some(&summary.evaluations), "progress ends at the evaluations loaded");
        assert!(reported.windows(2).all(|w| w[0] <= w[1]), "progress only grows");
        let mut conn = app.state.store().reader().await.unwrap();
        let counts: (i64, i64, i64, i64) = hcp_store::sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM cases), (SELECT COUNT(*) FROM evaluations), (SELECT COUNT(*) FROM tickets), \
             (SELECT COUNT(*) FROM evaluations WHERE case_id IS NOT NULL)",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        let stored: std::collections::BTreeMap<_, _> =
            hcp_store::stats::all_rows(&mut conn).await.unwrap().into_iter().filter(|(_, c)| !c.is_zero()).collect();
        let expected = hcp_server::app::stats::recount(&mut conn).await.unwrap();
        assert!(stored == expected, "bulk={bulk}: aggregate differs from a recount");
        hcp_testkit::assert_rollups_agree(&mut conn).await;
        drop(conn);
        app.assert_audit_clean().await;
        loaded.push((summary.cases, summary.evaluations, summary.bad_reviews, summary.complaints, counts, stored));
    }
    let (one_by_one, bulk) = (&loaded[0], &loaded[1]);
    assert_eq!(
        (one_by_one.0, one_by_one.1, one_by_one.2, one_by_one.3, one_by_one.4),
        (bulk.0, bulk.1, bulk.2, bulk.3, bulk.4)
    );
    assert!(one_by_one.5 == bulk.5, "the bulk path counts the statistics differently");
}
