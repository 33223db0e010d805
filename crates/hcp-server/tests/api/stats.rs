//! The statistics aggregate equals a full recount from the raw records after a random mix of operations, on
//! both backends; the stats API and the public disclosure read it.

use chrono::Duration;
use hcp_core::stats::Counters;
use hcp_testkit::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    aggregates_equal_a_full_recount_after_random_operations,
    stats_group_and_rank_and_disclose,
    concentrations_name_who_crossed_the_line_last_month,
    orders_climb_the_ladder_with_evidence,
    ledgers_download_as_excel_and_csv,
    hot_topics_per_department,
    an_aggregate_missing_at_start_is_built_once,
);

/// A small deterministic generator (no dependency needed for a test's dice).
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

async fn assert_aggregate_matches(app: &TestApp) {
    let mut conn = app.state.store().reader().await.unwrap();
    let expected = hcp_server::app::stats::recount(&mut conn).await.unwrap();
    let mut stored: std::collections::BTreeMap<_, Counters> = std::collections::BTreeMap::new();
    for (key, counters) in hcp_store::stats::all_rows(&mut conn).await.unwrap() {
        if !counters.is_zero() {
            stored.insert(key, counters);
        }
    }
    assert_eq!(stored.len(), expected.len(), "rows differ");
    for (key, counters) in &expected {
        assert_eq!(stored.get(key), Some(counters), "{key:?}");
    }
    hcp_testkit::assert_rollups_agree(&mut conn).await;
}

async fn aggregates_equal_a_full_recount_after_random_operations(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut dice = Dice(20261126);
    let mut moved = 0;
    let windows = [("W-SC-01", Some("S002")), ("W-SC-01", None), ("W-JZ-01", Some("S101"))];
    let channels = ["pc", "mobile", "qrcode", "hall_tablet", "sms"];
    let mut tickets = Vec::new();
    for round in 0..60 {
        app.clock.advance(Duration::minutes(37));
        let (window, staff) = windows[dice.roll(3) as usize];
        let level = 1 + dice.roll(5) as i64;
        let mut body = json!({"channel": channels[dice.roll(5) as usize], "window_code": window, "staff_no": staff,
            "level": level, "comment": format!("第{round}条")});
        if level <= 2 {
            body["tags"] = if level == 1 { json!([113]) } else { json!([214]) };
        }
        if dice.roll(3) == 0 {
            body["evaluator"] = json!({"phone": format!("1390000{:04}", dice.roll(7))});
        }
        let (status, receipt) = app.evaluate(body).await;
        assert_eq!(status, StatusCode::CREATED, "{receipt}");
        if let Some(ticket) = receipt["ticket_id"].as_i64() {
            tickets.push(ticket);
        }
        // Move a random ticket along a random step; refusals are fine, they change nothing.
        if let Some(&ticket) = tickets.get(dice.roll(tickets.len().max(1) as u64) as usize) {
            let path = format!("/api/v1/tickets/{ticket}");
            // Sessions last 12 hours of the (moving) test clock.
            let (head, supervisor) = (app.login("window_head").await, app.login("supervisor").await);
            let (operator, staff_user) = (app.login("hotline_operator").await, app.login("staff").await);
            let classification = ["immediate", "complex", "no_legal_basis"][dice.roll(3) as usize];
            let outcome = ["upheld", "overturned"][dice.roll(2) as usize];
            let satisfaction = ["satisfied", "basically_satisfied", "unsatisfied"][dice.roll(3) as usize];
            let (who, step, body) = match dice.roll(8) {
                0 => (&head, "verify", json!({"classification": classification, "finding": "核实"})),
                1 => (&head, "rectify", json!({"measures": "整改"})),
                2 => (&head, "feedback", json!({"text": "已处理"})),
                3 => (&staff_user, "appeal", json!({"reason": "mis_evaluation", "statement": "说明"})),
                4 => (
                    &supervisor,
                    "appeal/decision",
                    json!({"outcome": outcome, "reason": "malicious", "explanation": "复核"}),
                ),
                5 => (&operator, "revisit", json!({"satisfaction": satisfaction})),
                6 => (&supervisor, "close", json!({})),
                _ => (&head, "verify", json!({"classification": "complex", "finding": "核实"})),
            };
            let (status, answer) = app.post(&format!("{path}/{step}"), Some(who), &body).await;
            assert!(matches!(status.as_u16(), 200 | 403 | 404 | 409), "{step}: {status} {answer}");
            moved += usize::from(status == StatusCode::OK);
        }
        if round % 15 == 14 {
            // Days pass: the scheduler marks missed deadlines; the integrity sweep and a supervisor's judgment
            // change adoption.
            app.clock.advance(Duration::days(3));
            app.run_jobs().await;
            let (_, queue) = app.get("/api/v1/fraud-flags", Some(&app.login("supervisor").await)).await;
            if let Some(flag) = queue["items"].as_array().and_then(|items| items.first()) {
                let path = format!("/api/v1/fraud-flags/{}/decision", flag["id"]);
                app.post(
                    &path,
                    Some(&app.login("supervisor").await),
                    &json!({"decision": "confirm", "reason": "duplicate"}),
                )
                .await;
            }
            assert_aggregate_matches(&app).await;
        }
    }
    assert_aggregate_matches(&app).await;
    assert!(
        moved >= 5 && tickets.len() >= 5,
        "the mix exercised the lifecycle: {moved} steps, {} tickets",
        tickets.len()
    );
}

async fn stats_group_and_rank_and_disclose(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (window, level) in [("W-SC-01", 5), ("W-SC-01", 4), ("W-SC-01", 2), ("W-JZ-01", 5), ("W-JZ-01", 5)] {
        let mut body = json!({"channel": "pc", "window_code": window, "level": level});
        if level <= 2 {
            body["tags"] = json!([214]);
        }
        app.evaluate(body).await;
    }
    let supervisor = app.login("supervisor").await;
    let (status, all) = app.get("/api/v1/stats?from=2026-10-01&to=2026-10-31", Some(&supervisor)).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let total = &all["groups"][0];
    // The seed's three cases were finished on 10-11; their evaluations are not among these five.
    assert_eq!((total["adopted"].as_i64(), total["finished_cases"].as_i64()), (Some(5), Some(3)));
    assert_eq!(total["rates"]["active_rate"], json!(166.7));
    assert_eq!(total["rates"]["good_rate"], json!(80.0));
    assert_eq!(total["rates"]["score"], json!(8.2));
    assert_eq!(total["level_counts"], json!([0, 1, 0, 1, 3]));

    let (_, by_department) =
        app.get("/api/v1/stats?from=2026-10-01&to=2026-10-31&group_by=department", Some(&supervisor)).await;
    let names: Vec<&str> =
        by_department["groups"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["九站街道社保所", "市场监督管理局"], "ranked by score: {by_department}");
    assert_eq!(by_department["groups"][0]["rank"], json!(1));

    // The department head sees only their own department; the street org filter narrows the supervisor's view.
    let dept_head = app.login("dept_head").await;
    let (_, own) = app.get("/api/v1/stats?from=2026-10-01&to=2026-10-31", Some(&dept_head)).await;
    assert_eq!(own["groups"][0]["adopted"], json!(3));
    let (_, street) = app.get("/api/v1/stats?org=JK-JZ&from=2026-10-01&to=2026-10-31", Some(&supervisor)).await;
    assert_eq!(street["groups"][0]["adopted"], json!(2));
    let (status, _) = app.get("/api/v1/stats?group_by=planet", Some(&supervisor)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The public monthly disclosure needs no account and names no person.
    let (status, public) = app.get("/api/v1/public/monthly?month=2026-10", None).await;
    assert_eq!(status, StatusCode::OK, "{public}");
    let scjg =
        public["departments"].as_array().unwrap().iter().find(|d| d["department"] == json!("市场监督管理局")).unwrap();
    assert_eq!((scjg["evaluations"].as_i64(), scjg["bad_reviews"].as_i64()), (Some(3), Some(1)));
    assert_eq!(scjg["good_rate"], json!(66.7));
    assert!(!public.to_string().contains("S002") && !public.to_string().contains("李强"));
    let _: Value = public;
}

async fn concentrations_name_who_crossed_the_line_last_month(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // In October staff S002 collects three bad reviews; S101 one.
    for (window, staff, level) in [
        ("W-SC-01", "S002", 1),
        ("W-SC-01", "S002", 2),
        ("W-SC-01", "S002", 2),
        ("W-JZ-01", "S101", 1),
        ("W-JZ-01", "S101", 5),
    ] {
        let tags = if level == 1 {
            json!([113])
        } else if level == 2 {
            json!([214])
        } else {
            json!([])
        };
        let (status, body) = app
            .evaluate(json!({"channel": "pc", "window_code": window, "staff_no": staff, "level": level, "tags": tags}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    app.clock.advance(Duration::days(25));
    let supervisor = app.login("supervisor").await;
    let (status, view) = app.get("/api/v1/supervision/concentrations", Some(&supervisor)).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["period"], json!("2026-10"), "last month by default");
    let crossed: Vec<(String, String)> = view["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["level"].as_str().unwrap().to_owned(), i["name"].as_str().unwrap().to_owned()))
        .collect();
    assert!(crossed.contains(&("staff".into(), "李强（S002）".into())), "{crossed:?}");
    assert!(crossed.contains(&("window".into(), "市场主体登记窗口（W-SC-01）".into())), "{crossed:?}");
    assert!(!crossed.iter().any(|(_, name)| name.contains("S101")), "one bad review is not a concentration");
    let (_, september) = app.get("/api/v1/supervision/concentrations?period=2026-09", Some(&supervisor)).await;
    assert_eq!(september["items"], json!([]));
    let staff = app.login("staff").await;
    let (status, _) = app.get("/api/v1/supervision/concentrations", Some(&staff)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn orders_climb_the_ladder_with_evidence(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for level in [1, 2, 2] {
        let tags = if level == 1 { json!([113]) } else { json!([214]) };
        app.evaluate(
            json!({"channel": "pc", "window_code": "W-SC-01", "staff_no": "S002", "level": level, "tags": tags}),
        )
        .await;
    }
    app.clock.advance(Duration::days(25));
    let supervisor = app.login("supervisor").await;
    let order = json!({"kind": "rectification_order", "level": "window", "target": "W-SC-01", "period": "2026-10",
        "reason": "10月差评集中", "working_days": 5});
    let (status, issued) = app.post("/api/v1/supervision/orders", Some(&supervisor), &order).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    assert_eq!((issued["evidence"]["bad_reviews"].as_i64(), issued["state"].as_str()), (Some(3), Some("issued")));
    assert_eq!(issued["due_at"], json!("2026-11-13T23:59:59+08:00"), "five working days from Fri 11-06");
    let path = format!("/api/v1/supervision/orders/{}", issued["id"]);
    let head = app.login("window_head").await;
    app.run_jobs().await;
    let (_, inbox) = app.get("/api/v1/inbox", Some(&head)).await;
    assert!(inbox.to_string().contains("督办：整改通知"), "{inbox}");

    // Missed: escalated once.
    app.clock.advance(Duration::days(8));
    let report = app.run_jobs().await;
    assert_eq!(report.overdue_orders, 1);
    assert_eq!(app.run_jobs().await.overdue_orders, 0);
    let head = app.login("window_head").await;
    let (status, reported) =
        app.post(&format!("{path}/report"), Some(&head), &json!({"report": "已调整岗位并培训"})).await;
    assert_eq!(
        (status, reported["state"].as_str(), reported["overdue"].as_bool()),
        (StatusCode::OK, Some("reported"), Some(true))
    );
    let (status, _) = app.post(&format!("{path}/report"), Some(&head), &json!({"report": "再报"})).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Assessed with the rate before and after attached; then the ladder climbs to a referral.
    app.evaluate(json!({"channel": "pc", "window_code": "W-SC-01", "level": 5})).await;
    let supervisor = app.login("supervisor").await;
    let (status, assessed) =
        app.post(&format!("{path}/assess"), Some(&supervisor), &json!({"assessment": "effective"})).await;
    assert_eq!(status, StatusCode::OK, "{assessed}");
    // Like periods: the 8 whole days since the order (11-06) against the 8 days before it, which had no review
    // (the bad reviews were on 10-12); one review since is too little to judge by, and the evidence says so.
    let evidence = &assessed["assessment_evidence"];
    assert_eq!(evidence["days"], json!(8), "{evidence}");
    assert_eq!(
        (evidence["before"]["from"].as_str(), evidence["before"]["to"].as_str()),
        (Some("2026-10-29"), Some("2026-11-05"))
    );
    assert_eq!(evidence["before"]["bad_rate"], json!(null));
    assert_eq!(evidence["after"]["bad_rate"], json!(0.0));
    assert_eq!(evidence["sufficient"], json!(false));
    let shortfall = assessed["assessment_shortfall"].as_str().unwrap();
    assert!(
        shortfall.contains("下发后有效评价 1 条") && shortfall.contains("下发前同样天数内有效评价 0 条"),
        "{shortfall}"
    );
    let referral = json!({"kind": "referral", "level": "staff", "target": "S002", "period": "2026-10",
        "reason": "整改后仍有群众举报", "previous_order_id": issued["id"]});
    let (_, referred) = app.post("/api/v1/supervision/orders", Some(&supervisor), &referral).await;
    let discipline = app.login("discipline").await;
    let (_, visible) = app.get("/api/v1/supervision/orders", Some(&discipline)).await;
    assert_eq!(visible.as_array().unwrap().len(), 1, "discipline sees referrals only: {visible}");
    let (status, concluded) = app
        .post(
            &format!("/api/v1/supervision/orders/{}/outcome", referred["id"]),
            Some(&discipline),
            &json!({"outcome": "诫勉谈话"}),
        )
        .await;
    assert_eq!((status, concluded["state"].as_str()), (StatusCode::OK, Some("concluded")), "{concluded}");
    app.assert_audit_clean().await;
}

async fn ledgers_download_as_excel_and_csv(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for level in [1, 5, 2] {
        let tags = match level {
            1 => json!([113]),
            2 => json!([214]),
            _ => json!([]),
        };
        app.evaluate(
            json!({"channel": "pc", "window_code": "W-SC-01", "staff_no": "S002", "level": level, "tags": tags,
            "comment": "排队,\"很久\"", "evaluator": {"name": "张三", "phone": "13900000000"}}),
        )
        .await;
    }
    let supervisor = app.login("supervisor").await;
    let get = |path: String, cookie: String| {
        let app = &app;
        async move { app.client.get(app.url(&path)).header("cookie", cookie).send().await.unwrap() }
    };
    let csv = get("/api/v1/ledgers/tickets?format=csv&from=2026-10-01&to=2026-10-31".into(), supervisor.clone()).await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-disposition"].to_str().unwrap().contains("UTF-8''"));
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM so Excel reads UTF-8");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "header and two tickets: {text}");
    assert!(lines[0].starts_with("工单编号,类型,状态"));
    assert!(lines[1].contains("差评") && lines[1].contains("已分派") && lines[1].contains("市场监督管理局"), "{text}");

    let evaluations =
        get("/api/v1/ledgers/evaluations?format=csv&from=2026-10-01&to=2026-10-31".into(), supervisor.clone()).await;
    let text = evaluations.text().await.unwrap();
    assert!(text.contains("\"排队,\"\"很久\"\"\""), "quoted like CSV: {text}");
    assert!(!text.contains("张三") && !text.contains("13900000000"), "no evaluator identity in a ledger");

    let xlsx = get("/api/v1/ledgers/tickets?from=2026-10-01&to=2026-10-31".into(), supervisor.clone()).await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = xlsx.bytes().await.unwrap().to_vec();
    use calamine::{Reader, Xlsx};
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = workbook.worksheet_range("差评整改台账").unwrap();
    assert_eq!(sheet.height(), 3);
    assert_eq!(sheet.get((0, 0)).map(|c| c.to_string()), Some("工单编号".into()));
    assert_eq!(sheet.get((1, 2)).map(|c| c.to_string()), Some("已分派".into()));

    // Staff keep no ledgers; an unknown ledger is a 404.
    let staff = app.login("staff").await;
    assert_eq!(get("/api/v1/ledgers/tickets".into(), staff).await.status(), StatusCode::FORBIDDEN);
    let (status, _) = app.get("/api/v1/ledgers/everything", Some(&supervisor)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn hot_topics_per_department(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for comment in ["排队时间太长，等了两个小时", "排队时间长，没人引导", "材料清单不清楚"]
    {
        app.evaluate(json!({"channel": "pc", "window_code": "W-SC-01", "level": 1, "tags": [113], "comment": comment}))
            .await;
    }
    app.evaluate(json!({"channel": "pc", "window_code": "W-SC-01", "level": 5, "comment": "排队很快"})).await;
    let operator = app.login("hotline_operator").await;
    app.post(
        "/api/v1/complaints",
        Some(&operator),
        &json!({"channel": "phone", "department_code": "SCJG", "content": "排队叫号混乱"}),
    )
    .await;
    let supervisor = app.login("supervisor").await;
    let (status, topics) =
        app.get("/api/v1/supervision/hot-topics?from=2026-10-01&to=2026-10-31&limit=3", Some(&supervisor)).await;
    assert_eq!(status, StatusCode::OK, "{topics}");
    let scjg = topics.as_array().unwrap().iter().find(|d| d["department"] == json!("市场监督管理局")).unwrap();
    assert_eq!(scjg["texts"], json!(4), "three bad reviews and a complaint; praise is not read: {scjg}");
    assert_eq!(scjg["topics"][0], json!({"word": "排队", "count": 3}));
}

/// A database whose records predate the aggregate gets it built at start, once; an empty one is left alone.
async fn an_aggregate_missing_at_start_is_built_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.evaluate(json!({"channel": "pc", "window_code": "W-SC-01", "level": 5})).await;
    app.evaluate(json!({"channel": "sms", "window_code": "W-JZ-01", "level": 2, "tags": [214]})).await;
    {
        let mut tx = app.state.store().begin().await.unwrap();
        hcp_store::stats::clear(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
    }
    let built = hcp_server::app::stats::ensure_built(app.state.store()).await.unwrap();
    assert!(built.is_some_and(|rows| rows > 0), "{built:?}");
    assert_aggregate_matches(&app).await;
    assert_eq!(hcp_server::app::stats::ensure_built(app.state.store()).await.unwrap(), None, "only once");
}
