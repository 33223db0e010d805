//! The integrity rules at intake and the supervisor's review queue, over the real API on both backends: each
//! planted pattern is caught, ordinary traffic is not, and judgments change adoption without deleting anything.

use hcp_testkit::{Backend, Options, TestApp, code};
use reqwest::StatusCode;
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    one_phone_brushing_praise_is_flagged_and_confirmed,
    evaluations_from_the_windows_own_network_are_flagged_at_once,
    one_address_flooding_is_flagged_but_hall_pads_are_not,
    abusive_comments_are_flagged_and_can_be_dismissed,
    the_sweep_catches_templated_praise_and_a_serial_bad_reviewer,
    praise_out_of_proportion_to_the_case_volume_is_flagged,
);

async fn flags(app: &TestApp, user: &str, query: &str) -> Value {
    let (status, body) = app.get(&format!("/api/v1/fraud-flags{query}"), Some(user)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn one_phone_brushing_praise_is_flagged_and_confirmed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let supervisor = app.login("supervisor").await;
    let praise = |case: &str| {
        json!({"channel": "mobile", "case_no": case, "level": 5, "tags": [517],
            "evaluator": {"name": "王五", "phone": "13700000001"}})
    };
    let mut ids = Vec::new();
    for case in ["C-001", "C-002"] {
        let (status, receipt) = app.evaluate(praise(case)).await;
        assert_eq!(status, StatusCode::CREATED, "{receipt}");
        ids.push(receipt["id"].as_i64().unwrap());
    }
    assert_eq!(flags(&app, &supervisor, "").await["total"], json!(0), "two are ordinary");
    app.clock.advance(chrono::Duration::minutes(3));
    let (_, receipt) = app.evaluate(praise("C-003")).await;
    let third = receipt["id"].as_i64().unwrap();

    let queue = flags(&app, &supervisor, "").await;
    assert_eq!(queue["total"], json!(1), "{queue}");
    let flag = &queue["items"][0];
    assert_eq!((flag["rule"].as_str(), flag["evaluation_id"].as_i64()), (Some("contact_burst"), Some(third)));
    assert_eq!(flag["evidence"]["earlier_evaluations"], json!(ids));
    assert!(!queue.to_string().contains("13700000001"), "the evidence names no phone number");

    // Staff never see the queue; a confirmation needs a reason.
    let staff = app.login("staff").await;
    let (status, _) = app.get("/api/v1/fraud-flags", Some(&staff)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let path = format!("/api/v1/fraud-flags/{}/decision", flag["id"]);
    let (status, body) = app.post(&path, Some(&supervisor), &json!({"decision": "confirm"})).await;
    assert_eq!((status, body["error"]["fields"]["reason"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true));
    let (status, decided) = app
        .post(
            &path,
            Some(&supervisor),
            &json!({"decision": "confirm", "reason": "fake_praise", "note": "同一号码3分钟内3次好评"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!((decided["status"].as_str(), decided["adoption"].as_str()), (Some("confirmed"), Some("not_adopted")));
    let (status, body) = app.post(&path, Some(&supervisor), &json!({"decision": "dismiss"})).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "already_decided"));

    // Kept, not deleted; the decision is in the audit log.
    let (_, e) = app.get(&format!("/api/v1/evaluations/{third}"), Some(&supervisor)).await;
    assert_eq!((e["adoption"].as_str(), e["adoption_reason"].as_str()), (Some("not_adopted"), Some("fake_praise")));
    assert_eq!(flags(&app, &supervisor, "").await["total"], json!(0));
    assert_eq!(flags(&app, &supervisor, "?status=confirmed").await["total"], json!(1));
    let mut conn = app.state.store().reader().await.unwrap();
    let audit = hcp_store::audit::for_target(&mut conn, &format!("evaluation:{third}")).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["evaluation.create", "fraud_flag.raise", "fraud_flag.confirmed"]);
}

async fn evaluations_from_the_windows_own_network_are_flagged_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let body = json!({"cidr": "127.0.0.0/8", "note": "窗口工作人员电脑"});
    let (status, network) = app.post("/api/v1/admin/windows/W-SC-01/networks", Some(&admin), &body).await;
    assert_eq!(status, StatusCode::CREATED, "{network}");
    let (status, _) = app.post("/api/v1/admin/windows/W-SC-01/networks", Some(&admin), &body).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, bad) =
        app.post("/api/v1/admin/windows/W-SC-01/networks", Some(&admin), &json!({"cidr": "10.0.0.0/40"})).await;
    assert_eq!((status, bad["error"]["fields"]["cidr"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true));

    // The test client is on 127.0.0.1: its praise of W-SC-01 is flagged, of another window not.
    let (_, own) = app.evaluate(json!({"channel": "pc", "window_code": "W-SC-01", "level": 5})).await;
    app.evaluate(json!({"channel": "pc", "window_code": "W-JZ-01", "level": 5})).await;
    // An operator entering a hotline call from the hall is not the window's terminal.
    let operator = app.login("hotline_operator").await;
    let (status, _) = app
        .post(
            "/api/v1/evaluations",
            Some(&operator),
            &json!({"channel": "phone", "window_code": "W-SC-01", "level": 4}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let supervisor = app.login("supervisor").await;
    let queue = flags(&app, &supervisor, "?rule=own_terminal").await;
    assert_eq!(queue["total"], json!(1), "{queue}");
    assert_eq!(queue["items"][0]["evaluation_id"], own["id"]);
    assert_eq!(queue["items"][0]["evidence"]["network"], json!("127.0.0.0/8"));
}

async fn one_address_flooding_is_flagged_but_hall_pads_are_not(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let supervisor = app.login("supervisor").await;
    for _ in 0..12 {
        let (status, _) = app.evaluate(json!({"channel": "hall_tablet", "window_code": "W-SC-01", "level": 5})).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    assert_eq!(flags(&app, &supervisor, "").await["total"], json!(0), "the hall's pad serves everyone");
    for i in 0..10 {
        app.clock.advance(chrono::Duration::seconds(30));
        let (status, _) = app.evaluate(json!({"channel": "mobile", "window_code": "W-SC-01", "level": 5})).await;
        assert_eq!(status, StatusCode::CREATED, "{i}");
    }
    let queue = flags(&app, &supervisor, "?rule=client_burst").await;
    assert_eq!(queue["total"], json!(1), "the tenth phone evaluation within ten minutes: {queue}");
    assert_eq!(queue["items"][0]["evidence"]["count"], json!(10));
}

async fn abusive_comments_are_flagged_and_can_be_dismissed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, receipt) = app
        .evaluate(json!({"channel": "pc", "window_code": "W-SC-01", "level": 1, "comment": "工作人员都是废 物"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "the evaluation is taken either way: {receipt}");
    assert!(receipt["ticket_id"].is_i64(), "and the bad review still reaches the window");
    let supervisor = app.login("supervisor").await;
    let queue = flags(&app, &supervisor, "?rule=abusive_text").await;
    assert_eq!(queue["items"][0]["evidence"]["words"], json!(["废物"]));
    let path = format!("/api/v1/fraud-flags/{}/decision", queue["items"][0]["id"]);
    let (status, decided) =
        app.post(&path, Some(&supervisor), &json!({"decision": "dismiss", "note": "情绪化表达，问题属实"})).await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!((decided["status"].as_str(), decided["adoption"].as_str()), (Some("dismissed"), Some("adopted")));
    let discipline = app.login("discipline").await;
    assert_eq!(
        flags(&app, &discipline, "?status=all").await["total"],
        json!(1),
        "discipline inspectors read the queue"
    );
}

async fn the_sweep_catches_templated_praise_and_a_serial_bad_reviewer(backend: Backend) {
    let mut config = hcp_server::Config::default();
    config.integrity.serial_bad_windows = 2;
    let app = TestApp::spawn_with(backend, Options { config, ..Options::default() }).await;
    // A brushing campaign: five "different" citizens praise W-SC-01 in the same words over an afternoon.
    let mut campaign = Vec::new();
    for i in 0..5 {
        app.clock.advance(chrono::Duration::minutes(40));
        let (_, receipt) = app
            .evaluate(json!({"channel": "mobile", "window_code": "W-SC-01", "level": 5, "comment": "窗口服务热情周到，办事效率非常高！",
                "evaluator": {"phone": format!("1380000{i:04}")}}))
            .await;
        campaign.push(receipt["id"].as_i64().unwrap());
    }
    // Ordinary short praise repeats without meaning anything.
    for _ in 0..5 {
        app.clock.advance(chrono::Duration::minutes(15));
        app.evaluate(json!({"channel": "hall_tablet", "window_code": "W-SC-01", "level": 5, "comment": "很满意"}))
            .await;
    }
    // One phone gives bad reviews to both windows, a day apart.
    let mut serial = Vec::new();
    for window in ["W-SC-01", "W-JZ-01"] {
        app.clock.advance(chrono::Duration::days(1));
        let (_, receipt) = app
            .evaluate(json!({"channel": "pc", "window_code": window, "level": 1, "tags": [113],
                "evaluator": {"phone": "13911112222"}}))
            .await;
        serial.push(receipt["id"].as_i64().unwrap());
    }
    let report = app.run_jobs().await;
    assert_eq!(report.flags, 7, "{report:?}");
    assert_eq!(app.run_jobs().await.flags, 0, "the sweep runs hourly");
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(app.run_jobs().await.flags, 0, "and raises nothing twice");

    let supervisor = app.login("supervisor").await;
    let templated = flags(&app, &supervisor, "?rule=identical_comments").await;
    let mut ids: Vec<i64> =
        templated["items"].as_array().unwrap().iter().map(|f| f["evaluation_id"].as_i64().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, campaign);
    assert_eq!(templated["items"][0]["evidence"]["evaluations"], json!(campaign));
    let serial_flags = flags(&app, &supervisor, "?rule=serial_bad_reviewer").await;
    assert_eq!(serial_flags["total"], json!(2));
    assert_eq!(serial_flags["items"][0]["evidence"]["evaluations"], json!(serial));
}

async fn praise_out_of_proportion_to_the_case_volume_is_flagged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    // 赵敏 (S101) finishes ten cases today; 李强 (S002) finishes none.
    for i in 0..10 {
        let (status, body) = app
            .post(
                "/api/v1/admin/cases",
                Some(&admin),
                &json!({"case_no": format!("JZ-{i:03}"), "item_code": "QYSL", "window_code": "W-JZ-01",
                    "staff_no": "S101", "accepted_at": "2026-10-12T08:30:00+08:00",
                    "finished_at": "2026-10-12T09:30:00+08:00"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    // Each gets twelve praises at the hall pad, in different words: a busy, well-liked day for one, twelve
    // praises without a case for the other.
    let mut brushed = Vec::new();
    for i in 0..12 {
        for (window, staff) in [("W-JZ-01", "S101"), ("W-SC-01", "S002")] {
            app.clock.advance(chrono::Duration::minutes(9));
            let (status, receipt) = app
                .evaluate(json!({"channel": "hall_tablet", "window_code": window, "staff_no": staff,
                    "level": 4 + i % 2, "comment": format!("第{i}位办事群众：服务不错")}))
                .await;
            assert_eq!(status, StatusCode::CREATED, "{receipt}");
            if staff == "S002" {
                brushed.push(receipt["id"].as_i64().unwrap());
            }
        }
    }
    let report = app.run_jobs().await;
    assert_eq!(report.flags, 12, "{report:?}");
    let supervisor = app.login("supervisor").await;
    let flagged = flags(&app, &supervisor, "?rule=praise_out_of_proportion&per_page=50").await;
    let mut ids: Vec<i64> =
        flagged["items"].as_array().unwrap().iter().map(|f| f["evaluation_id"].as_i64().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, brushed, "only 李强's praises");
    let evidence = &flagged["items"][0]["evidence"];
    assert_eq!((evidence["praises"].as_i64(), evidence["cases"].as_i64()), (Some(12), Some(0)), "{evidence}");
    assert_eq!(evidence["day"], json!("2026-10-12"));
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(app.run_jobs().await.flags, 0, "each flag once");
}
