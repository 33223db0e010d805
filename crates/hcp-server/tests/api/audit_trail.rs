//! The audit administrator's desk (issue 16): the log filtered by actor, action, target and period, a page at a
//! time; its export (audited); verifications of the chain run in the background, found whole or naming the
//! tampered entry; the auditor refused everything else and everyone else refused the audit; and the retention:
//! nothing deletes audit entries, however far the clock moves.

use chrono::Duration;
use hcp_server::app::audit_trail::labels;
use hcp_testkit::{Backend, BadReview, TestApp, code};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    the_auditor_filters_the_log_by_actor_action_target_and_period,
    bad_filters_are_named,
    the_export_holds_the_filtered_rows_and_is_audited,
    a_verification_runs_in_the_background_and_finds_the_chain_whole,
    a_verification_names_a_tampered_entry,
    the_scheduler_runs_queued_and_abandoned_verifications,
    the_auditor_changes_nothing_and_reads_no_business_records,
    no_other_role_reads_the_audit,
    audit_entries_outlive_the_retention_period,
);

async fn sign_in_fails(app: &TestApp, username: &str) {
    let body = json!({"username": username, "password": "wrong-password"});
    let (status, _) = app.post("/api/v1/session", None, &body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn entries(app: &TestApp, auditor: &str, query: &str) -> Value {
    let (status, page) = app.get(&format!("/api/v1/audit/entries?{query}"), Some(auditor)).await;
    assert_eq!(status, StatusCode::OK, "{query}: {page}");
    page
}

fn items(page: &Value) -> &Vec<Value> {
    page["items"].as_array().expect("items")
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    let mut conn = app.state.store().reader().await.unwrap();
    hcp_store::users::by_username(&mut conn, username).await.unwrap().unwrap().id
}

async fn the_auditor_filters_the_log_by_actor_action_target_and_period(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    sign_in_fails(&app, "window_head").await;
    let _head = app.login("window_head").await;
    app.bad_review(BadReview::default()).await;
    let auditor = app.login("auditor").await;

    // By actor: only the window head's own entries, newest first, named as people read them.
    let page = entries(&app, &auditor, "actor=window_head").await;
    assert!(!items(&page).is_empty());
    for item in items(&page) {
        assert_eq!(item["actor"], "window_head");
        assert!(item["actor_label"].as_str().unwrap().ends_with("（窗口负责人）"), "{item}");
    }
    let seqs: Vec<i64> = items(&page).iter().map(|i| i["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "newest first: {seqs:?}");

    // By action, exactly: one sign-in of the window head.
    let page = entries(&app, &auditor, "action=session.create&actor=window_head").await;
    assert_eq!(page["total"], 1, "{page}");
    let item = &items(&page)[0];
    assert_eq!(item["action_label"], "登录成功");
    assert!(item["at"].as_str().unwrap().ends_with("+08:00"), "{item}");
    assert!(item["details"].is_object(), "{item}");

    // By action prefix: sign-ins and the failure, nothing else.
    let page = entries(&app, &auditor, "action=session.&per_page=200").await;
    let actions: Vec<&str> = items(&page).iter().map(|i| i["action"].as_str().unwrap()).collect();
    assert!(actions.iter().all(|a| a.starts_with("session.")), "{actions:?}");
    assert!(actions.contains(&"session.refused") && actions.contains(&"session.create"), "{actions:?}");

    // The citizen's evaluation, by target prefix; the window head's entries by exact target.
    let page = entries(&app, &auditor, "target=evaluation:").await;
    assert!(items(&page).iter().any(|i| i["action"] == "evaluation.create" && i["actor_label"] == "群众"), "{page}");
    assert!(items(&page).iter().all(|i| i["target"].as_str().unwrap().starts_with("evaluation:")));
    let target = format!("user:{}", user_id(&app, "window_head").await);
    let page = entries(&app, &auditor, &format!("target={target}")).await;
    assert!(!items(&page).is_empty());
    assert!(items(&page).iter().all(|i| i["target"] == json!(target)), "{page}");

    // By period (Beijing days): two days on, a new sign-in is the only one of that day.
    app.clock.advance(Duration::days(2));
    let auditor = app.login("auditor").await;
    let page = entries(&app, &auditor, "from=2026-10-14&to=2026-10-14").await;
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(items(&page)[0]["actor"], "auditor");
    let page = entries(&app, &auditor, "to=2026-10-12&actor=auditor").await;
    assert_eq!(page["total"], 1, "only the first sign-in of the auditor: {page}");

    // Paging: two at a time, the second page continues where the first stopped.
    let all = entries(&app, &auditor, "per_page=200").await;
    let total = all["total"].as_i64().unwrap();
    assert!(total >= 5, "{all}");
    let first = entries(&app, &auditor, "per_page=2&page=1").await;
    let second = entries(&app, &auditor, "per_page=2&page=2").await;
    assert_eq!((first["total"].as_i64(), second["page"].as_i64()), (Some(total), Some(2)));
    let seq = |page: &Value, i: usize| items(page)[i]["seq"].as_i64().unwrap();
    assert_eq!([seq(&first, 0), seq(&first, 1), seq(&second, 0)], [seq(&all, 0), seq(&all, 1), seq(&all, 2)]);

    // Every action written so far has its Chinese name.
    for item in items(&all) {
        let action = item["action"].as_str().unwrap();
        assert!(labels::is_known(action), "no label for {action}");
        assert_ne!(item["action_label"], json!(action));
    }
}

async fn bad_filters_are_named(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let auditor = app.login("auditor").await;
    for (query, field, error) in [
        ("from=2026-13-01", "from", "invalid_query"),
        ("to=yesterday", "to", "invalid_query"),
        ("action=Session!", "action", "invalid_query"),
        ("per_page=0", "per_page", "invalid_query"),
        ("page=0", "page", "invalid_query"),
        ("from=2026-10-12&to=2026-10-01", "to", "invalid_period"),
    ] {
        let (status, body) = app.get(&format!("/api/v1/audit/entries?{query}"), Some(&auditor)).await;
        assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, error), "{query}: {body}");
        assert!(body["error"]["fields"][field].is_string(), "{query}: {body}");
    }
    let (status, body) = app.get("/api/v1/audit/entries/export?format=pdf", Some(&auditor)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["fields"]["format"].is_string(), "{body}");
}

async fn download(app: &TestApp, auditor: &str, query: &str) -> (String, Vec<u8>) {
    let response = app
        .client
        .get(app.url(&format!("/api/v1/audit/entries/export?{query}")))
        .header("cookie", auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    (content_type, response.bytes().await.unwrap().to_vec())
}

async fn the_export_holds_the_filtered_rows_and_is_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for _ in 0..3 {
        sign_in_fails(&app, "staff").await;
    }
    let _staff = app.login("staff").await;
    let auditor = app.login("auditor").await;
    let listed = entries(&app, &auditor, "action=session.&per_page=200").await;

    let (content_type, bytes) = download(&app, &auditor, "action=session.&format=csv").await;
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "序号,时间,操作人,操作人账号,操作,操作代码,对象,详情");
    assert_eq!(lines.len() as i64 - 1, listed["total"].as_i64().unwrap(), "{text}");
    // Newest first, like the list, with real dates and the Chinese names.
    let first_seq = items(&listed)[0]["seq"].as_i64().unwrap();
    assert!(lines[1].starts_with(&format!("{first_seq},2026-10-12 ")), "{}", lines[1]);
    assert_eq!(lines.iter().filter(|l| l.contains(",登录失败,session.refused,")).count(), 3, "{text}");

    // The export is an audit entry with its filter and row count.
    let page = entries(&app, &auditor, "action=audit.export").await;
    assert_eq!(page["total"], 1, "{page}");
    let export = &items(&page)[0];
    assert_eq!(export["actor"], "auditor");
    assert_eq!(export["action_label"], "导出审计日志");
    assert_eq!(export["details"]["filter"], json!({"action": "session."}));
    assert_eq!(export["details"]["rows"], json!(lines.len() - 1));

    let (content_type, bytes) = download(&app, &auditor, "actor=staff").await;
    assert!(content_type.contains("spreadsheetml"), "xlsx by default: {content_type}");
    assert!(bytes.starts_with(b"PK"), "a zip container");
}

/// The verification as the API shows it once it is no longer queued or running (bounded: no fixed sleeps).
async fn finished(app: &TestApp, auditor: &str, id: i64) -> Value {
    for _ in 0..2000 {
        let (status, run) = app.get(&format!("/api/v1/audit/verifications/{id}"), Some(auditor)).await;
        assert_eq!(status, StatusCode::OK, "{run}");
        if run["status"] != "queued" && run["status"] != "running" {
            return run;
        }
        tokio::task::yield_now().await;
    }
    panic!("verification {id} did not finish");
}

async fn start(app: &TestApp, auditor: &str) -> Value {
    let (status, run) = app.post("/api/v1/audit/verifications", Some(auditor), &json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    run
}

async fn a_verification_runs_in_the_background_and_finds_the_chain_whole(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.bad_review(BadReview::default()).await;
    let auditor = app.login("auditor").await;
    let run = start(&app, &auditor).await;
    let id = run["id"].as_i64().unwrap();
    assert!(run["status"] == "queued" || run["status"] == "running" || run["status"] == "done", "{run}");
    assert_eq!(run["requested_by"], "auditor");
    let run = finished(&app, &auditor, id).await;
    assert_eq!((run["status"].as_str(), run["status_label"].as_str()), (Some("done"), Some("完整")), "{run}");
    assert_eq!(run["clean"], true);
    assert_eq!(run["findings"], json!([]));
    assert!(run["entries"].as_i64().unwrap() >= 4, "{run}");
    assert!(run["started_at"].is_string() && run["finished_at"].is_string(), "{run}");

    let (status, list) = app.get("/api/v1/audit/verifications", Some(&auditor)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list[0]["id"], id, "{list}");

    // Both ends are audited: started by the auditor, finished by the system with what it found.
    let page = entries(&app, &auditor, "action=audit.verification.").await;
    let started = items(&page).iter().find(|i| i["action"] == "audit.verification.start").expect("start entry");
    assert_eq!(started["actor"], "auditor");
    let finish = items(&page).iter().find(|i| i["action"] == "audit.verification.finish").expect("finish entry");
    assert_eq!(finish["actor_label"], "系统");
    assert_eq!(finish["details"]["clean"], true);
    assert_eq!(finish["details"]["entries"], run["entries"]);
    assert_eq!(finish["details"]["findings"], 0);
}

async fn a_verification_names_a_tampered_entry(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let receipt = app.bad_review(BadReview::default()).await;
    let auditor = app.login("auditor").await;
    let page = entries(&app, &auditor, &format!("target=evaluation:{}", receipt.evaluation)).await;
    let seq = items(&page)[0]["seq"].as_i64().unwrap();
    hcp_store::sqlx::query("UPDATE audit_log SET details = '{\"comment\":\"edited\"}' WHERE seq = $1")
        .bind(seq)
        .execute(&mut *app.state.store().reader().await.unwrap())
        .await
        .unwrap();

    let id = start(&app, &auditor).await["id"].as_i64().unwrap();
    let run = finished(&app, &auditor, id).await;
    assert_eq!((run["status"].as_str(), run["status_label"].as_str()), (Some("done"), Some("发现问题")), "{run}");
    assert_eq!(run["clean"], false);
    let findings: Vec<&str> = run["findings"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert!(findings.contains(&format!("审计记录 #{seq} 的内容被篡改").as_str()), "{findings:?}");
}

async fn the_scheduler_runs_queued_and_abandoned_verifications(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let auditor = app.login("auditor").await;
    // A run queued by a process that died before starting it, and one it left running two hours ago.
    let now = hcp_store::ms(app.state.system_now());
    let (queued, abandoned) = {
        let mut conn = app.state.store().reader().await.unwrap();
        let queued = hcp_store::audit_query::queue_verification(&mut conn, "auditor", now).await.unwrap();
        let abandoned = hcp_store::audit_query::queue_verification(&mut conn, "auditor", now).await.unwrap();
        hcp_store::sqlx::query("UPDATE audit_verifications SET status = 'running', started_at = $1 WHERE id = $2")
            .bind(now - 2 * 3_600_000)
            .bind(abandoned)
            .execute(&mut *conn)
            .await
            .unwrap();
        (queued, abandoned)
    };
    // While one waits, starting again answers that one and starts nothing new.
    let (status, run) = app.post("/api/v1/audit/verifications", Some(&auditor), &json!({})).await;
    assert_eq!((status, run["id"].as_i64()), (StatusCode::OK, Some(queued.min(abandoned))), "{run}");
    assert_eq!(run["status_label"], "排队中");

    let report = app.run_jobs().await;
    assert_eq!(report.verifications, 2);
    for id in [queued, abandoned] {
        let run = finished(&app, &auditor, id).await;
        assert_eq!((run["status"].as_str(), run["clean"].as_bool()), (Some("done"), Some(true)), "{run}");
    }
    // A run that is running and recent belongs to a live process: the tick leaves it alone.
    let fresh = {
        let mut conn = app.state.store().reader().await.unwrap();
        let id = hcp_store::audit_query::queue_verification(&mut conn, "auditor", now).await.unwrap();
        assert!(hcp_store::audit_query::claim_verification(&mut conn, id, now, now - 1).await.unwrap());
        id
    };
    assert_eq!(app.run_jobs().await.verifications, 0);
    let (_, run) = app.get(&format!("/api/v1/audit/verifications/{fresh}"), Some(&auditor)).await;
    assert_eq!(run["status_label"], "校验中", "{run}");
}

async fn the_auditor_changes_nothing_and_reads_no_business_records(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let receipt = app.bad_review(BadReview::default()).await;
    let auditor = app.login("auditor").await;
    let ticket = receipt.ticket;
    let evaluation = receipt.evaluation;
    let refused: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/api/v1/tickets".into(), None),
        (Method::GET, format!("/api/v1/tickets/{ticket}"), None),
        (Method::GET, "/api/v1/evaluations".into(), None),
        (Method::GET, format!("/api/v1/evaluations/{evaluation}"), None),
        (Method::GET, "/api/v1/stats".into(), None),
        (Method::GET, "/api/v1/ledgers/tickets".into(), None),
        (Method::GET, "/api/v1/supervision/orders".into(), None),
        (Method::GET, "/api/v1/fraud-flags".into(), None),
        (Method::POST, format!("/api/v1/tickets/{ticket}/dispatch"), Some(json!({"staff_no": "S002"}))),
        (Method::POST, format!("/api/v1/evaluations/{evaluation}/reveal"), Some(json!({"reason": "核实"}))),
        (
            Method::POST,
            "/api/v1/admin/windows".into(),
            Some(json!({"code": "W-SJ-01", "name": "民政救助窗口", "department_code": "SJ-MZ"})),
        ),
        (
            Method::PUT,
            "/api/v1/admin/calendar/local-days/2026-10-20".into(),
            Some(json!({"is_off_day": true, "name": "停电"})),
        ),
        (
            Method::POST,
            "/api/v1/supervision/orders".into(),
            Some(json!({"kind": "rectification_order", "level": "window", "target": "W-SC-01", "period": "2026-10",
                "reason": "差评集中", "working_days": 5})),
        ),
    ];
    for (method, path, body) in refused {
        let (status, answer) = app.send(method.clone(), &path, Some(&auditor), &[], body.as_ref()).await;
        assert_eq!((status, code(&answer)), (StatusCode::FORBIDDEN, "forbidden"), "{method} {path}: {answer}");
    }
}

async fn no_other_role_reads_the_audit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for username in [
        "admin",
        "security_admin",
        "supervisor",
        "discipline",
        "hotline_operator",
        "registrar",
        "street_registrar",
        "dept_head",
        "window_head",
        "staff",
    ] {
        let cookie = app.login(username).await;
        for (method, path) in [
            (Method::GET, "/api/v1/audit/entries"),
            (Method::GET, "/api/v1/audit/entries/export?format=csv"),
            (Method::GET, "/api/v1/audit/verifications"),
            (Method::GET, "/api/v1/audit/verifications/1"),
            (Method::POST, "/api/v1/audit/verifications"),
        ] {
            let (status, body) = app.send(method.clone(), path, Some(&cookie), &[], Some(&json!({}))).await;
            assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"), "{username} {method} {path}");
        }
    }
    let (status, _) = app.get("/api/v1/audit/entries", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let count: i64 = hcp_store::sqlx::query_scalar("SELECT COUNT(*) FROM audit_verifications")
        .fetch_one(&mut *app.state.store().reader().await.unwrap())
        .await
        .unwrap();
    assert_eq!(count, 0, "no refused start queued anything");
}

async fn audit_entries_outlive_the_retention_period(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert!(app.state.config().audit.retention_days >= 180);
    sign_in_fails(&app, "staff").await;
    app.bad_review(BadReview::default()).await;
    let _ = app.login("staff").await;
    app.run_jobs().await;
    let before = seqs(&app).await;
    assert!(before.len() >= 4, "{before:?}");
    // Day by day past the retention period and far beyond it, the scheduler's sweeps run and purge what they
    // purge (sessions, idempotency keys): never an audit entry.
    for step in [1, 30, 179, 181, 400] {
        app.clock.set(hcp_testkit::start() + Duration::days(step));
        app.run_jobs().await;
    }
    let after = seqs(&app).await;
    assert!(before.iter().all(|seq| after.contains(seq)), "every entry is still there");
    let auditor = app.login("auditor").await;
    let id = start(&app, &auditor).await["id"].as_i64().unwrap();
    let run = finished(&app, &auditor, id).await;
    assert_eq!((run["status_label"].as_str(), run["clean"].as_bool()), (Some("完整"), Some(true)), "{run}");
    assert!(run["entries"].as_i64().unwrap() >= before.len() as i64);
}

async fn seqs(app: &TestApp) -> Vec<i64> {
    hcp_store::sqlx::query_scalar("SELECT seq FROM audit_log ORDER BY seq")
        .fetch_all(&mut *app.state.store().reader().await.unwrap())
        .await
        .unwrap()
}
