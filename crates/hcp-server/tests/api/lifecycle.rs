//! End-to-end stories of the ticket lifecycle over the real HTTP API, on SQLite and on PostgreSQL: appeals and
//! review, rectification and revisits, the citizen's tracking code, misconduct reports, the scheduler's
//! escalations and reminders, the training clock and calendar recomputation. Time moves only by the injected
//! clock.

use chrono::{Duration, TimeZone, Utc};
use hcp_testkit::{Backend, BadReview, Options, Receipt, TestApp, code};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    bad_review_is_appealed_and_overturned,
    complex_case_is_rectified_reopened_and_closed,
    missed_deadlines_are_escalated_once_and_reminders_sent,
    complaints_without_a_window_wait_for_dispatch,
    misconduct_reports_reach_only_the_bureau,
    wrong_query_passwords_are_rate_limited,
    the_training_clock_moves_forward_and_runs_the_scheduler,
    an_imported_calendar_recomputes_open_deadlines,
    a_local_closure_moves_deadlines_and_back,
    two_schedulers_escalate_each_ticket_once,
    inbox_lists_the_most_urgent_first,
);

/// A citizen's bad review of staff S002 at W-SC-01 by QR code.
fn review() -> BadReview {
    BadReview::default().comment("材料一次没说清，来回跑了三趟")
}

async fn inbox_subjects(app: &TestApp, user: &str) -> Vec<String> {
    let (status, inbox) = app.get("/api/v1/inbox?per_page=200", Some(user)).await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    inbox["items"].as_array().unwrap().iter().map(|m| m["subject"].as_str().unwrap().to_owned()).collect()
}

async fn track(app: &TestApp, code: &str, password: &str) -> (StatusCode, Value) {
    app.send(Method::GET, &format!("/api/v1/track/{code}"), None, &[("X-Query-Password", password)], None).await
}

async fn bad_review_is_appealed_and_overturned(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let Receipt { ticket, tracking_code: tracking, password, evaluation, .. } = app.bad_review(review()).await;
    let staff = app.login("staff").await;
    let path = format!("/api/v1/tickets/{ticket}");

    // Dispatched at creation (Mon 2026-10-12 10:00): appeal by Wed, feedback by the 7th working day.
    let (status, t) = app.get(&path, Some(&staff)).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["state"], json!("dispatched"));
    assert_eq!(t["received_at"], json!("2026-10-12T10:00:00+08:00"));
    assert_eq!(t["deadlines"]["appeal_by"]["at"], json!("2026-10-14T23:59:59+08:00"));
    assert_eq!(t["deadlines"]["feedback_by"]["at"], json!("2026-10-21T23:59:59+08:00"));
    assert_eq!(t["appeal_open"], json!(true));
    assert_eq!(t["timeline"][0]["action"], json!("dispatch"));
    assert_eq!(t["timeline"][0]["actor"], json!("系统"));
    app.run_jobs().await;
    assert!(inbox_subjects(&app, &staff).await.iter().any(|s| s.starts_with("新工单待处理")));

    // Staff appeal; the feedback clock stops and the review clock starts.
    app.clock.advance(Duration::minutes(30));
    // Signed in again: half an hour unused ends a session (the idle timeout).
    let staff = app.login("staff").await;
    let appeal =
        json!({"reason": "mis_evaluation", "statement": "当日该群众所办事项不在本窗口受理范围，已引导至综合窗口"});
    let (status, t) = app.post(&format!("{path}/appeal"), Some(&staff), &appeal).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["state"], json!("under_review"));
    assert_eq!(t["deadlines"]["review_by"]["at"], json!("2026-10-19T23:59:59+08:00"));
    assert!(t["deadlines"]["feedback_by"].is_null(), "the feedback clock is stopped");
    let (status, again) = app.post(&format!("{path}/appeal"), Some(&staff), &appeal).await;
    assert_eq!((status, code(&again)), (StatusCode::CONFLICT, "invalid_transition"));
    // Nobody judges their own appeal.
    let decision = json!({"outcome": "overturned", "reason": "mis_evaluation", "explanation": "经调取录像核实"});
    let (status, body) = app.post(&format!("{path}/appeal/decision"), Some(&staff), &decision).await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"));

    let supervisor = app.login("supervisor").await;
    app.run_jobs().await;
    assert!(inbox_subjects(&app, &supervisor).await.iter().any(|s| s.starts_with("申诉待复核")));
    let (status, body) = app
        .post(
            &format!("{path}/appeal/decision"),
            Some(&supervisor),
            &json!({"outcome": "overturned", "explanation": "x"}),
        )
        .await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"));
    assert!(body["error"]["fields"]["reason"].is_string());
    let (status, t) = app.post(&format!("{path}/appeal/decision"), Some(&supervisor), &decision).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["state"], json!("overturned"));
    assert!(t["next_deadline"].is_null());
    let (status, body) = app.post(&format!("{path}/appeal/decision"), Some(&supervisor), &decision).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "already_decided"));

    // The evaluation no longer counts; the registering department is told.
    let (_, e) = app.get(&format!("/api/v1/evaluations/{evaluation}"), Some(&supervisor)).await;
    assert_eq!((e["adoption"].as_str(), e["adoption_reason"].as_str()), (Some("not_adopted"), Some("mis_evaluation")));
    app.run_jobs().await;
    let dept_head = app.login("dept_head").await;
    assert!(inbox_subjects(&app, &dept_head).await.iter().any(|s| s.starts_with("复核改判")));

    // The timeline keeps who, when, why; the citizen sees the outcome but not the staff's statement.
    let (_, t) = app.get(&path, Some(&supervisor)).await;
    let actions: Vec<&str> = t["timeline"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["dispatch", "appeal", "decide"]);
    assert_eq!(t["timeline"][1]["actor"], json!("staff"));
    assert_eq!(t["timeline"][1]["details"]["statement"], appeal["statement"]);
    let (status, view) = track(&app, &tracking, &password).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["state_label"], json!("经复核不予采纳"));
    assert_eq!(view["adopted"], json!(false));
    assert!(!view.to_string().contains("综合窗口"), "appeal statements stay internal: {view}");

    let mut conn = app.state.store().reader().await.unwrap();
    let audit = hcp_store::audit::for_target(&mut conn, &format!("ticket:{ticket}")).await.unwrap();
    let logged: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(logged, ["ticket.create", "ticket.dispatch", "ticket.appeal", "ticket.decide"]);
    app.assert_audit_clean().await;
}

async fn complex_case_is_rectified_reopened_and_closed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let evaluator = json!({"name": "张三", "phone": "13912345678"});
    // Of the case (which brings its window and staff), by phone.
    let review = review()
        .channel("mobile")
        .with(json!({"case_no": "C-001", "window_code": null, "staff_no": null, "evaluator": evaluator}));
    let Receipt { ticket, tracking_code: tracking, password, .. } = app.bad_review(review).await;
    let head = app.login("window_head").await;
    let path = format!("/api/v1/tickets/{ticket}");

    let verify = json!({"classification": "complex", "finding": "材料清单与实际要求不一致，需部门修订"});
    let (status, t) = app.post(&format!("{path}/verify"), Some(&head), &verify).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!((t["state"].as_str(), t["classification"].as_str()), (Some("rectifying"), Some("complex")));
    assert_eq!(t["deadlines"]["feedback_by"]["at"], json!("2026-10-21T23:59:59+08:00"));
    assert_eq!(t["working_days_left"], json!(7));
    let (status, body) = app.post(&format!("{path}/feedback"), Some(&head), &json!({"text": "已整改"})).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "not_rectified"));
    let (status, body) = app.post(&format!("{path}/verify"), Some(&head), &json!({"classification": "sideways"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Evidence: a photo of the corrected notice, checked by its bytes and served only within scope.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR fake image body".to_vec();
    let upload = app
        .client
        .post(app.url(&format!("{path}/attachments?filename=整改后告知单.png")))
        .header("cookie", &head)
        .header("content-type", "image/png")
        .body(png.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::CREATED);
    let attachment: Value = upload.json().await.unwrap();
    let not_an_image = app
        .client
        .post(app.url(&format!("{path}/attachments")))
        .header("cookie", &head)
        .header("content-type", "image/png")
        .body("<html>")
        .send()
        .await
        .unwrap();
    assert_eq!(not_an_image.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let rectify = json!({"measures": "修订一次性告知单并张贴", "attachments": [attachment["id"]]});
    let (status, t) = app.post(&format!("{path}/rectify"), Some(&head), &rectify).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["attachments"][0]["event_id"], t["timeline"][2]["id"]);
    let (status, body) = app.post(&format!("{path}/rectify"), Some(&head), &rectify).await;
    assert_eq!((status, body["error"]["fields"]["attachments"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true));
    let download = app
        .client
        .get(app.url(&format!("/api/v1/attachments/{}", attachment["id"])))
        .header("cookie", &head)
        .send()
        .await
        .unwrap();
    assert_eq!(download.headers()["content-type"], "image/png");
    assert_eq!(download.bytes().await.unwrap().to_vec(), png);
    let outsider = app.login("street_registrar").await;
    let (status, _) = app.get(&format!("/api/v1/attachments/{}", attachment["id"]), Some(&outsider)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let answer = "已修订一次性告知单，今后一次告知到位";
    let (status, t) = app.post(&format!("{path}/feedback"), Some(&head), &json!({"text": answer})).await;
    assert_eq!((status, t["state"].as_str()), (StatusCode::OK, Some("feedback_given")));
    // The citizen is told through the SMS stand-in (a JSON line with their phone) and on the tracking page.
    app.run_jobs().await;
    let lines = std::fs::read_to_string(app.data_dir().join("notifications.jsonl")).unwrap();
    let sms: Vec<Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let to_citizen = sms.iter().find(|m| m["to"]["kind"] == json!("citizen")).expect("citizen notified");
    assert_eq!(to_citizen["to"]["phone"], json!("13912345678"));
    assert!(to_citizen["text"].as_str().unwrap().contains(answer));
    let (_, view) = track(&app, &tracking, &password).await;
    assert_eq!((view["feedback"].as_str(), view["can_rate"].as_bool()), (Some(answer), Some(true)));
    assert_eq!(view["state_label"], json!("已反馈，待您评价"));

    // Unsatisfied: rectification reopens once with a fresh clock.
    app.clock.advance(Duration::days(1));
    let (status, view) = app
        .send(
            Method::POST,
            &format!("/api/v1/track/{tracking}/rating"),
            None,
            &[],
            Some(&json!({"password": password, "satisfaction": "unsatisfied", "note": "告知单仍不清楚"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["state"], json!("reopened"));
    let head = app.login("window_head").await;
    let (_, t) = app.get(&path, Some(&head)).await;
    assert_eq!(t["deadlines"]["feedback_by"]["at"], json!("2026-10-22T23:59:59+08:00"));
    app.post(&format!("{path}/rectify"), Some(&head), &json!({"measures": "增加图示说明"})).await;
    let (status, _) = app.post(&format!("{path}/feedback"), Some(&head), &json!({"text": "已增加图示说明"})).await;
    assert_eq!(status, StatusCode::OK);
    let operator = app.login("hotline_operator").await;
    let (status, t) =
        app.post(&format!("{path}/revisit"), Some(&operator), &json!({"satisfaction": "basically_satisfied"})).await;
    assert_eq!((status, t["state"].as_str()), (StatusCode::OK, Some("closed")), "{t}");
    let actions: Vec<&str> = t["timeline"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["dispatch", "verify", "rectify", "feedback", "revisit", "rectify", "feedback", "revisit"]);
    assert_eq!(t["timeline"][4]["actor"], json!("群众"));

    // The one follow-up evaluation of the case, through the tracking code.
    let follow_up = json!({"password": password, "level": 4, "comment": "整改后办理顺畅"});
    let (status, receipt) =
        app.send(Method::POST, &format!("/api/v1/track/{tracking}/follow-up"), None, &[], Some(&follow_up)).await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    let (status, body) =
        app.send(Method::POST, &format!("/api/v1/track/{tracking}/follow-up"), None, &[], Some(&follow_up)).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "follow_up_exists"));
    let (_, view) = track(&app, &tracking, &password).await;
    assert_eq!((view["state_label"].as_str(), view["can_follow_up"].as_bool()), (Some("已办结"), Some(false)));
    let texts: Vec<&str> = view["timeline"].as_array().unwrap().iter().map(|e| e["text"].as_str().unwrap()).collect();
    assert!(texts.contains(&"回访结果：不满意") && texts.contains(&"回访结果：基本满意"), "{texts:?}");
    assert!(texts.contains(&"已核实：情况复杂，限期整改"), "{texts:?}");
    assert!(!view.to_string().contains("需部门修订"), "internal findings stay internal: {view}");
}

async fn missed_deadlines_are_escalated_once_and_reminders_sent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ticket = app.bad_review(review()).await.ticket;
    let head = app.login("window_head").await;
    let path = format!("/api/v1/tickets/{ticket}");
    let (_, t) = app
        .post(&format!("{path}/verify"), Some(&head), &json!({"classification": "immediate", "finding": "态度生硬"}))
        .await;
    assert_eq!(t["deadlines"]["feedback_by"]["at"], json!("2026-10-13T23:59:59+08:00"));

    // One working day left: reminded once.
    let report = app.run_jobs().await;
    assert_eq!((report.reminders, report.overdue), (1, 0));
    assert_eq!(app.run_jobs().await.reminders, 0, "a reminder is sent once");
    let staff = app.login("staff").await;
    assert!(inbox_subjects(&app, &staff).await.iter().any(|s| s.starts_with("工单即将到期")));

    // Past the deadline: marked overdue and escalated to the bureau, once; the ticket keeps its state.
    app.clock.set(Utc.with_ymd_and_hms(2026, 10, 13, 16, 0, 1).unwrap());
    let head = app.login("window_head").await;
    let report = app.run_jobs().await;
    assert_eq!(report.overdue, 1);
    assert_eq!(app.run_jobs().await.overdue, 0);
    let supervisor = app.login("supervisor").await;
    let (_, t) = app.get(&path, Some(&supervisor)).await;
    assert_eq!((t["state"].as_str(), t["overdue"].as_bool()), (Some("rectifying"), Some(true)));
    assert_eq!(t["timeline"].as_array().unwrap().last().unwrap()["action"], json!("overdue"));
    let subjects = inbox_subjects(&app, &supervisor).await;
    assert_eq!(subjects.iter().filter(|s| s.starts_with("工单逾期督办")).count(), 1, "{subjects:?}");
    let (_, overdue) = app.get("/api/v1/tickets?overdue=true", Some(&supervisor)).await;
    assert_eq!(overdue["total"], json!(1));
    let (_, october) = app.get("/api/v1/tickets?period=2026-10&overdue=true", Some(&supervisor)).await;
    assert_eq!(october["total"], json!(1));
    let (_, september) = app.get("/api/v1/tickets?period=2026-09", Some(&supervisor)).await;
    assert_eq!(september["total"], json!(0));
    let (status, _) = app.get("/api/v1/tickets?period=2026-13", Some(&supervisor)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Late work is still accepted, and the flag stays for the statistics.
    app.post(&format!("{path}/rectify"), Some(&head), &json!({"measures": "谈话提醒"})).await;
    let (status, t) = app.post(&format!("{path}/feedback"), Some(&head), &json!({"text": "已批评教育"})).await;
    assert_eq!((status, t["overdue"].as_bool()), (StatusCode::OK, Some(true)));
}

async fn complaints_without_a_window_wait_for_dispatch(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let operator = app.login("hotline_operator").await;
    let (status, receipt) = app
        .post(
            "/api/v1/complaints",
            Some(&operator),
            &json!({"channel": "phone", "department_code": "SCJG", "content": "营业执照办理一直没有结果"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    let path = format!("/api/v1/tickets/{}", receipt["ticket_id"]);
    let (_, t) = app.get(&path, Some(&operator)).await;
    assert_eq!(t["state"], json!("registered"));
    assert!(t["deadlines"]["feedback_by"].is_null(), "no clock before someone receives it");

    let (status, body) = app.post(&format!("{path}/dispatch"), Some(&operator), &json!({})).await;
    assert_eq!((status, body["error"]["fields"]["window_code"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true));
    let (status, body) =
        app.post(&format!("{path}/dispatch"), Some(&operator), &json!({"window_code": "W-NONE"})).await;
    assert_eq!((status, body["error"]["fields"]["window_code"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true));
    let staff = app.login("staff").await;
    let (status, _) = app.post(&format!("{path}/dispatch"), Some(&staff), &json!({"window_code": "W-SC-01"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "staff do not see tickets outside their own work");

    app.clock.advance(Duration::hours(2));
    // Two hours later both sign in again (the idle timeout ended their sessions).
    let (operator, staff) = (app.login("hotline_operator").await, app.login("staff").await);
    let (status, t) = app
        .post(&format!("{path}/dispatch"), Some(&operator), &json!({"window_code": "W-SC-01", "staff_no": "S002"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!((t["state"].as_str(), t["window"]["code"].as_str()), (Some("dispatched"), Some("W-SC-01")));
    assert_eq!(t["received_at"], json!("2026-10-12T12:00:00+08:00"), "dispatch records when the staff received it");
    assert!(t["deadlines"]["appeal_by"].is_null(), "complaints are not appealed: {t}");
    assert_eq!(t["deadlines"]["feedback_by"]["at"], json!("2026-10-21T23:59:59+08:00"));
    let (status, body) = app.post(&format!("{path}/dispatch"), Some(&operator), &json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "invalid_transition"));

    // Now the staff member sees it; complaints are not appealed like bad reviews.
    let (status, body) =
        app.post(&format!("{path}/appeal"), Some(&staff), &json!({"reason": "malicious", "statement": "不实"})).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "not_appealable"));
    app.run_jobs().await;
    assert!(inbox_subjects(&app, &staff).await.iter().any(|s| s.starts_with("新工单待处理")));
}

async fn misconduct_reports_reach_only_the_bureau(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let report = json!({"kind": "coercion", "target": {"window_code": "W-SC-01", "staff_no": "S002"},
        "content": "办完事工作人员要求必须点非常满意才让走", "contact": {"phone": "13800001111"}});
    let (status, body) =
        app.post("/api/v1/misconduct-reports", None, &json!({"kind": "bribery", "content": "x"})).await;
    assert_eq!((status, body["error"]["fields"]["kind"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true));
    let (status, receipt) = app.post("/api/v1/misconduct-reports", None, &report).await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    let tracking = receipt["tracking_code"].as_str().unwrap();
    assert!(tracking.starts_with('M'));
    let path = format!("/api/v1/tickets/{}", receipt["ticket_id"]);

    // The reported staff and their heads never see it.
    for user in ["staff", "window_head", "dept_head"] {
        let auth = app.login(user).await;
        let (status, _) = app.get(&path, Some(&auth)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{user}");
        let (_, list) = app.get("/api/v1/tickets?kind=misconduct", Some(&auth)).await;
        assert_eq!(list["total"], json!(0), "{user}");
        app.run_jobs().await;
        assert!(inbox_subjects(&app, &auth).await.iter().all(|s| !s.contains("举报")), "{user}");
    }
    let supervisor = app.login("supervisor").await;
    let (_, t) = app.get(&path, Some(&supervisor)).await;
    assert_eq!((t["kind"].as_str(), t["state"].as_str()), (Some("misconduct"), Some("dispatched")));
    assert!(inbox_subjects(&app, &supervisor).await.iter().any(|s| s.starts_with("新的举报待查处")));
    let (status, body) = app
        .post(&format!("{path}/verify"), Some(&supervisor), &json!({"classification": "complex", "finding": "x"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let conclusion = json!({"outcome": "substantiated", "action_taken": "约谈窗口负责人，当事人通报批评"});
    let (status, t) = app.post(&format!("{path}/conclusion"), Some(&supervisor), &conclusion).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!((t["state"].as_str(), t["outcome"].as_str()), (Some("closed"), Some("substantiated")));
    let discipline = app.login("discipline").await;
    let (status, _) = app.get(&path, Some(&discipline)).await;
    assert_eq!(status, StatusCode::OK);
    // The reporter left a phone number: the finding reaches them.
    app.run_jobs().await;
    let lines = std::fs::read_to_string(app.data_dir().join("notifications.jsonl")).unwrap();
    assert!(lines.lines().any(|l| l.contains("13800001111") && l.contains("举报的情况属实")), "{lines}");

    let (status, view) = app
        .send(
            Method::GET,
            &format!("/api/v1/track/{tracking}?password={}", receipt["query_password"].as_str().unwrap()),
            None,
            &[],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["kind"], json!("misconduct"));
    assert!(view["timeline"].as_array().unwrap().iter().any(|e| e["text"] == json!("经查，举报情况属实，已依规处理")));
    app.assert_audit_clean().await;
}

async fn wrong_query_passwords_are_rate_limited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let Receipt { tracking_code: tracking, password, .. } = app.bad_review(review()).await;
    let (status, body) = track(&app, "ENOSUCHCODE1", &password).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    let (status, body) = app.send(Method::GET, &format!("/api/v1/track/{tracking}"), None, &[], None).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "password_required"));
    for _ in 0..4 {
        let (status, body) = track(&app, &tracking, "000000").await;
        assert_eq!(
            (status, body["error"]["message"].as_str()),
            (StatusCode::NOT_FOUND, Some("查询码或查询密码不正确"))
        );
    }
    // Five failures this minute: even the right password waits.
    let (status, body) = track(&app, &tracking, &password).await;
    assert_eq!((status, code(&body)), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    app.clock.advance(Duration::seconds(61));
    let (status, view) = track(&app, &tracking.to_lowercase(), &password).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["state_label"], json!("已转交责任窗口"));
    assert_eq!(view["feedback_by"]["at"], json!("2026-10-21T23:59:59+08:00"));
}

async fn the_training_clock_moves_forward_and_runs_the_scheduler(backend: Backend) {
    let plain = TestApp::spawn(backend).await;
    let admin = plain.login("admin").await;
    let (status, body) =
        plain.post("/api/v1/demo/clock", Some(&admin), &json!({"now": "2026-10-20T09:00:00+08:00"})).await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "demo_only"));
    plain.stop().await;

    let options = Options { demo_clock: true, ..Options::default() };
    let app = TestApp::spawn_with(backend, options).await;
    let ticket = app.bad_review(review()).await.ticket;
    let admin = app.login("admin").await;
    let supervisor = app.login("supervisor").await;
    let (status, _) =
        app.post("/api/v1/demo/clock", Some(&supervisor), &json!({"now": "2026-10-22T09:00:00+08:00"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) =
        app.post("/api/v1/demo/clock", Some(&admin), &json!({"now": "2026-10-01T09:00:00+08:00"})).await;
    assert_eq!((status, body["error"]["fields"]["now"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true));

    // Past the 7-working-day feedback deadline (2026-10-21): escalated at once.
    let (status, clock) =
        app.post("/api/v1/demo/clock", Some(&admin), &json!({"now": "2026-10-22T09:00:00+08:00"})).await;
    assert_eq!(status, StatusCode::OK, "{clock}");
    assert_eq!(clock["now"], json!("2026-10-22T09:00:00+08:00"));
    assert_eq!(clock["scheduler"]["overdue"], json!(1));
    let supervisor = app.login("supervisor").await;
    let (_, t) = app.get(&format!("/api/v1/tickets/{ticket}"), Some(&supervisor)).await;
    assert_eq!((t["overdue"].as_bool(), t["appeal_open"].as_bool()), (Some(true), Some(false)));
    assert!(inbox_subjects(&app, &supervisor).await.iter().any(|s| s.starts_with("工单逾期督办")));
    // Ten days on, the two working days for an appeal are long gone.
    let staff = app.login("staff").await;
    let appeal = json!({"reason": "malicious", "statement": "该群众多次无理取闹"});
    let (status, body) = app.post(&format!("/api/v1/tickets/{ticket}/appeal"), Some(&staff), &appeal).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "appeal_window_closed"));
    // New work is stamped with the training clock.
    let (_, receipt) = app.evaluate(json!({"channel": "pc", "window_code": "W-SC-01", "level": 5})).await;
    let (_, e) = app.get(&format!("/api/v1/evaluations/{}", receipt["id"]), Some(&supervisor)).await;
    assert_eq!(e["received_at"], json!("2026-10-22T09:00:00+08:00"));
}

async fn an_imported_calendar_recomputes_open_deadlines(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Wed 2026-12-30: 2027 is not yet published, so Fri 2027-01-01 is assumed a working day.
    app.clock.set(Utc.with_ymd_and_hms(2026, 12, 30, 2, 0, 0).unwrap());
    let ticket = app.bad_review(review()).await.ticket;
    let supervisor = app.login("supervisor").await;
    let path = format!("/api/v1/tickets/{ticket}");
    let (_, t) = app.get(&path, Some(&supervisor)).await;
    assert_eq!(
        t["deadlines"]["appeal_by"],
        json!({"at": "2027-01-01T23:59:59+08:00", "provisional": true, "passed": false})
    );

    let admin = app.login("admin").await;
    let year = json!({"year": 2027, "papers": ["https://www.gov.cn/zhengce/content/2027-notice.htm"], "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]});
    let response = app
        .client
        .put(app.url("/api/v1/admin/calendar/2027"))
        .header("cookie", &admin)
        .header("content-type", "application/json")
        .body(year.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let imported: Value = response.json().await.unwrap();
    assert_eq!(imported["recomputed"], json!(1));
    let (_, t) = app.get(&path, Some(&supervisor)).await;
    assert_eq!(
        t["deadlines"]["appeal_by"],
        json!({"at": "2027-01-04T23:59:59+08:00", "provisional": false, "passed": false})
    );
    let last = t["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["action"].as_str(), last["actor"].as_str()), (Some("recompute"), Some("admin")));
    assert_eq!(last["details"]["before"]["appeal_by"], json!("2027-01-01T23:59:59+08:00"));
    let mut conn = app.state.store().reader().await.unwrap();
    let audit = hcp_store::audit::for_target(&mut conn, &format!("ticket:{ticket}")).await.unwrap();
    assert_eq!(audit.last().unwrap().action, "ticket.recompute");
}

async fn two_schedulers_escalate_each_ticket_once(backend: Backend) {
    let first = TestApp::spawn(backend).await;
    let mut tickets = Vec::new();
    for _ in 0..6 {
        tickets.push(first.bad_review(review()).await.ticket);
    }
    // A second server process on the same database and data directory.
    let second = first.second_server().await;
    let late = Utc.with_ymd_and_hms(2026, 10, 22, 1, 0, 0).unwrap();
    first.clock.set(late);
    second.clock.set(late);
    let (a, b) = tokio::join!(
        hcp_server::app::jobs::scheduler::tick(&first.state),
        hcp_server::app::jobs::scheduler::tick(&second.state)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.overdue + b.overdue, tickets.len(), "each escalation happens once: {a:?} {b:?}");
    let (c, d) = tokio::join!(
        hcp_server::app::jobs::scheduler::tick(&first.state),
        hcp_server::app::jobs::scheduler::tick(&second.state)
    );
    assert_eq!(c.unwrap().overdue + d.unwrap().overdue, 0, "and catching up finds nothing left");
    let (x, y) = tokio::join!(
        hcp_server::app::jobs::delivery::deliver_due(&first.state),
        hcp_server::app::jobs::delivery::deliver_due(&second.state)
    );
    x.unwrap();
    y.unwrap();
    let supervisor = first.login("supervisor").await;
    let subjects = inbox_subjects(&first, &supervisor).await;
    assert_eq!(subjects.iter().filter(|s| s.starts_with("工单逾期督办")).count(), tickets.len(), "{subjects:?}");
    second.stop().await;
}

async fn a_local_closure_moves_deadlines_and_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ticket = app.bad_review(review()).await.ticket;
    let admin = app.login("admin").await;
    let supervisor = app.login("supervisor").await;
    let path = format!("/api/v1/tickets/{ticket}");
    let feedback_by = |t: &Value| t["deadlines"]["feedback_by"]["at"].as_str().unwrap_or_default().to_owned();
    let (_, t) = app.get(&path, Some(&supervisor)).await;
    assert_eq!(feedback_by(&t), "2026-10-21T23:59:59+08:00");

    // The hall closes on Thursday for a snowstorm: one working day fewer before the deadline.
    let closure = json!({"is_off_day": true, "name": "暴雪停止对外办公"});
    let (status, change) =
        app.send(Method::PUT, "/api/v1/admin/calendar/local-days/2026-10-15", Some(&admin), &[], Some(&closure)).await;
    assert_eq!((status, change["recomputed"].as_i64()), (StatusCode::OK, Some(1)), "{change}");
    let (_, t) = app.get(&path, Some(&supervisor)).await;
    assert_eq!(feedback_by(&t), "2026-10-22T23:59:59+08:00");
    let (_, days) = app.get("/api/v1/admin/calendar/local-days", Some(&admin)).await;
    assert_eq!(days[0]["name"], json!("暴雪停止对外办公"));
    let (_, workday) = app.get("/api/v1/calendar/workday?date=2026-10-15", None).await;
    assert_eq!(workday["workday"], json!(false), "{workday}");

    // Reopened: the deadline returns; a bad date or an unknown day is refused.
    let (status, _) =
        app.send(Method::DELETE, "/api/v1/admin/calendar/local-days/2026-10-15", Some(&admin), &[], None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, t) = app.get(&path, Some(&supervisor)).await;
    assert_eq!(feedback_by(&t), "2026-10-21T23:59:59+08:00");
    let (status, _) =
        app.send(Method::DELETE, "/api/v1/admin/calendar/local-days/2026-10-15", Some(&admin), &[], None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) =
        app.send(Method::PUT, "/api/v1/admin/calendar/local-days/15.10.2026", Some(&admin), &[], Some(&closure)).await;
    assert_eq!((status, body["error"]["fields"]["date"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true));
    let (status, _) = app
        .send(Method::PUT, "/api/v1/admin/calendar/local-days/2026-10-15", Some(&supervisor), &[], Some(&closure))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, t) = app.get(&path, Some(&supervisor)).await;
    let recomputes = t["timeline"].as_array().unwrap().iter().filter(|e| e["action"] == json!("recompute")).count();
    assert_eq!(recomputes, 2);
}

async fn inbox_lists_the_most_urgent_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let older = app.bad_review(review()).await.ticket;
    app.clock.advance(Duration::days(1));
    let newer = app.bad_review(review().comment("第二次来还是没办成")).await.ticket;
    let supervisor = app.login("supervisor").await;
    let ids = |list: &Value| {
        list["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{list}"))
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    let (status, list) = app.get("/api/v1/tickets", Some(&supervisor)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(ids(&list), vec![newer, older], "newest first by default");
    let (status, list) = app.get("/api/v1/tickets?sort=deadline", Some(&supervisor)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(ids(&list), vec![older, newer], "the nearest deadline first: {list}");
    // Past both appeal deadlines the next one is feedback: still the older first.
    app.clock.advance(Duration::days(5));
    app.run_jobs().await;
    let supervisor = app.login("supervisor").await; // the session of five days ago has expired
    let (_, list) = app.get("/api/v1/tickets?sort=deadline", Some(&supervisor)).await;
    assert_eq!(ids(&list), vec![older, newer]);
    assert_eq!(list["items"][0]["deadlines"]["appeal_by"]["passed"], json!(true), "{list}");
    let (status, body) = app.get("/api/v1/tickets?sort=random", Some(&supervisor)).await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "invalid_query"));
    app.stop().await;
}
