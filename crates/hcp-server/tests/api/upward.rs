//! The upward report of evaluations over the real HTTP API, on SQLite and on PostgreSQL: the GB/T 39046 表9
//! layout with the interface codes as CSV, XLSX and JSON lines; adopted evaluations only; the caller's scope;
//! bad input refused; and the batch sent through the outbox to a real local endpoint exactly once.

use chrono::Duration;
use hcp_server::Config;
use hcp_server::app::accounts::NewAccount;
use hcp_server::app::jobs::delivery::deliver_due;
use hcp_testkit::{Backend, Options, TestApp, code, flaky_endpoint};
use reqwest::StatusCode;
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    file_in_the_national_layout_with_adopted_evaluations_in_scope,
    batch_is_delivered_once_through_the_outbox
);

const HEADER: &str = "办件编号,评价渠道,评价人,评价时间,评价次数,满意度,满意度代码,文字评价,行政区划,pf,satisfaction,evalDetail,assessNumber";

fn config(endpoint: Option<String>) -> Config {
    let mut config = Config::default();
    config.upward.division_code = "220171".into();
    config.upward.endpoint = endpoint;
    config
}

/// Four evaluations on Mon 2026-10-12: a named 非常满意 of case C-001 by PC (10:00) and its anonymous
/// follow-up by SMS (10:05), an anonymous 满意 at the street's window by QR code (10:10), and a bad review
/// (10:15) that is appealed and overturned, so not adopted. Returns the bad review's comment.
async fn evaluations(app: &TestApp) -> &'static str {
    let (status, body) = app
        .evaluate(
            json!({"channel": "pc", "case_no": "C-001", "level": 5, "tags": [510, 517], "comment": "一次办好,\"很快\"",
            "evaluator": {"name": "张三", "phone": "13900000000"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.clock.advance(Duration::minutes(5));
    let (status, body) = app
        .evaluate(json!({"channel": "sms", "case_no": "C-001", "level": 4, "follow_up": true, "comment": "追评"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.clock.advance(Duration::minutes(5));
    let (status, body) = app.evaluate(json!({"channel": "qrcode", "window_code": "W-JZ-01", "level": 4})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.clock.advance(Duration::minutes(5));
    let bad = "窗口人员态度生硬虚假";
    let (status, receipt) = app
        .evaluate(json!({"channel": "qrcode", "window_code": "W-SC-01", "staff_no": "S002", "level": 1, "tags": [115],
            "comment": bad}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    let path = format!("/api/v1/tickets/{}", receipt["ticket_id"]);
    let staff = app.login("staff").await;
    let (status, body) = app
        .post(&format!("{path}/appeal"), Some(&staff), &json!({"reason": "malicious", "statement": "当日未受理该群众"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let supervisor = app.login("supervisor").await;
    let decision = json!({"outcome": "overturned", "reason": "malicious", "explanation": "经核实为恶意差评"});
    let (status, body) = app.post(&format!("{path}/appeal/decision"), Some(&supervisor), &decision).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    bad
}

async fn download(app: &TestApp, query: &str, cookie: &str) -> reqwest::Response {
    app.client.get(app.url(&format!("/api/v1/reports/upward?{query}"))).header("cookie", cookie).send().await.unwrap()
}

async fn error_of(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().await.unwrap())
}

async fn file_in_the_national_layout_with_adopted_evaluations_in_scope(backend: Backend) {
    let options = Options { config: config(None), ..Options::default() };
    let app = TestApp::spawn_with(backend, options).await;
    let (status, doc) = app.get("/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    let path = &doc["paths"]["/api/v1/reports/upward"];
    assert!(path["get"].is_object() && path["post"].is_object(), "documented: {path}");
    let bad = evaluations(&app).await;
    let supervisor = app.login("supervisor").await;

    let csv = download(&app, "from=2026-10-01&to=2026-10-31&format=csv", &supervisor).await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(csv.headers()["content-disposition"].to_str().unwrap().contains("UTF-8''"));
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM so Excel reads UTF-8");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>().join(","), HEADER, "表9 headers in order");
    let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    assert_eq!(rows.len(), 3, "the overturned bad review is not reported: {text}");
    assert!(!text.contains(bad));
    assert!(!text.contains("张三") && !text.contains("13900000000"), "no evaluator identity: {text}");
    assert_eq!(
        rows[0],
        [
            "C-001",
            "PC端",
            "个人",
            "20261012T100000",
            "1",
            "非常满意",
            "1",
            "一次办好,\"很快\"",
            "220171",
            "1",
            "5",
            "510,517",
            "1"
        ],
        "非常满意 is 满意度代码 1 and satisfaction 5"
    );
    assert_eq!(rows[1][..7], ["C-001", "短信", "匿名", "20261012T100500", "2", "满意", "2"], "the follow-up");
    assert_eq!(rows[1][9..], ["7", "4", "", "2"]);
    assert_eq!(rows[2][..4], ["", "二维码", "匿名", "20261012T101000"], "a window evaluation has no case number");

    // Another supervisor whose scope is the street center sees only the street's evaluation.
    app.add_user(NewAccount {
        username: "street_supervisor".into(),
        role: "supervisor".into(),
        org_code: Some("JK-JZ".into()),
        ..Default::default()
    })
    .await;
    let street = app.login("street_supervisor").await;
    let text = download(&app, "from=2026-10-12&to=2026-10-12", &street).await.text().await.unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "csv by default, one row in scope: {text}");
    assert!(lines[1].starts_with(",二维码,匿名,"), "{text}");
    // Days outside the period are not reported.
    let text = download(&app, "from=2026-10-13&to=2026-10-31", &supervisor).await.text().await.unwrap();
    assert_eq!(text.lines().count(), 1, "header only: {text}");

    // JSON lines in the interface coding.
    let jsonl = download(&app, "from=2026-10-01&to=2026-10-31&format=jsonl", &supervisor).await;
    assert_eq!(jsonl.status(), StatusCode::OK);
    let text = jsonl.text().await.unwrap();
    let records: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0]["satisfaction"], json!(5));
    assert_eq!(records[0]["pf"], json!(1));
    assert_eq!(records[0]["projectNo"], json!("C-001"));
    assert_eq!(records[0]["assessTime"], json!("2026-10-12 10:00:00"));
    assert_eq!(records[1]["assessNumber"], json!(2));
    assert_eq!(records[2]["divisionCode"], json!("220171"));

    // XLSX with the same headers; codes are numbers.
    let xlsx = download(&app, "from=2026-10-01&to=2026-10-31&format=xlsx", &supervisor).await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = xlsx.bytes().await.unwrap().to_vec();
    use calamine::{Data, Reader, Xlsx};
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = workbook.worksheet_range("评价数据上报").unwrap();
    assert_eq!(sheet.height(), 4);
    assert_eq!(sheet.get((0, 6)).map(|c| c.to_string()), Some("满意度代码".into()));
    assert_eq!(sheet.get((1, 6)), Some(&Data::Float(1.0)));
    assert_eq!(sheet.get((1, 10)), Some(&Data::Float(5.0)));
    assert_eq!(sheet.get((1, 8)), Some(&Data::String("220171".into())), "the division code stays text");

    // Client mistakes are 400 with the field named, never 500.
    for (query, field) in [
        ("from=2026-13-01&to=2026-10-31", "from"),
        ("from=2026-10-01", "to"),
        ("from=2026-10-31&to=2026-10-01", "to"),
        ("from=2025-01-01&to=2026-10-31", "to"),
        ("from=2026-10-01&to=2026-10-31&format=pdf", "format"),
    ] {
        let (status, body) = error_of(download(&app, query, &supervisor).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(body["error"]["fields"][field].is_string(), "{query}: {body}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    // Staff keep no reports; admins read no evaluation contents.
    for user in ["staff", "admin", "dept_head"] {
        let cookie = app.login(user).await;
        let (status, _) = error_of(download(&app, "from=2026-10-01&to=2026-10-31", &cookie).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}");
    }
    // Without an endpoint nothing can be sent upward.
    let (status, body) =
        app.post("/api/v1/reports/upward", Some(&supervisor), &json!({"from": "2026-10-01", "to": "2026-10-31"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(code(&body), "upward_not_configured");
    assert!(body["error"]["message"].as_str().unwrap().contains("endpoint"), "{body}");
    app.stop().await;

    // Without a division code the report is refused, naming the setting.
    let app = TestApp::spawn(backend).await;
    let supervisor = app.login("supervisor").await;
    let (status, body) = error_of(download(&app, "from=2026-10-01&to=2026-10-31", &supervisor).await).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("division_code"), "{body}");
}

async fn batch_is_delivered_once_through_the_outbox(backend: Backend) {
    let (url, received) = flaky_endpoint("/upward", 1).await;
    let options = Options { config: config(Some(url)), ..Options::default() };
    let app = TestApp::spawn_with(backend, options).await;
    let bad = evaluations(&app).await;
    deliver_due(&app.state).await.unwrap();
    let supervisor = app.login("supervisor").await;

    // Bad input first: nothing is queued.
    for body in [
        json!({"from": "2026-10-01"}),
        json!({"from": "2026-10-31", "to": "2026-10-01"}),
        json!({"from": "2026-09-01", "to": "2026-10-31"}),
        json!({"from": "10/01/2026", "to": "2026-10-31"}),
    ] {
        let (status, answer) = app.post("/api/v1/reports/upward", Some(&supervisor), &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(code(&answer), "invalid_period");
    }
    let staff = app.login("staff").await;
    let period = json!({"from": "2026-10-01", "to": "2026-10-31"});
    let (status, _) = app.post("/api/v1/reports/upward", Some(&staff), &period).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, answer) = app.post("/api/v1/reports/upward", Some(&supervisor), &period).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(answer["count"], json!(3));
    let id = answer["message_id"].as_i64().unwrap();
    let mut conn = app.state.store().reader().await.unwrap();
    let audit = hcp_store::audit::for_target(&mut conn, &format!("outbox:{id}")).await.unwrap();
    assert_eq!(audit.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(), ["upward.enqueue"]);
    assert_eq!(audit[0].actor, "supervisor");
    drop(conn);

    // The endpoint fails once: the batch waits for the backoff, then goes out once.
    deliver_due(&app.state).await.unwrap();
    assert!(received.lock().unwrap().is_empty());
    let mut conn = app.state.store().reader().await.unwrap();
    let (attempts, error): (i64, Option<String>) =
        hcp_store::sqlx::query_as("SELECT attempts, last_error FROM outbox WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(attempts, 1);
    assert!(error.unwrap().contains("500"));
    drop(conn);
    deliver_due(&app.state).await.unwrap();
    assert!(received.lock().unwrap().is_empty(), "not retried before the backoff ends");
    app.clock.advance(Duration::seconds(31));
    deliver_due(&app.state).await.unwrap();
    app.clock.advance(Duration::hours(2));
    deliver_due(&app.state).await.unwrap();
    let batches = received.lock().unwrap().clone();
    assert_eq!(batches.len(), 1, "delivered exactly once: {batches:?}");
    let batch = &batches[0];
    assert_eq!(batch["batchId"], json!(id));
    assert_eq!(batch["divisionCode"], json!("220171"));
    assert_eq!((batch["from"].as_str(), batch["to"].as_str()), (Some("2026-10-01"), Some("2026-10-31")));
    assert_eq!(batch["count"], json!(3));
    let records = batch["records"].as_array().unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0]["projectNo"], json!("C-001"));
    assert_eq!(records[0]["satisfaction"], json!(5));
    assert_eq!(records[0]["evalDetail"], json!("510,517"));
    assert_eq!(records[0]["evaluator"], json!("个人"));
    assert!(!batch.to_string().contains(bad) && !batch.to_string().contains("张三"));

    // An admin may send the report too (and sees only the count); a second batch is a new message.
    let admin = app.login("admin").await;
    let (status, answer) =
        app.post("/api/v1/reports/upward", Some(&admin), &json!({"from": "2026-10-13", "to": "2026-10-13"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(answer["count"], json!(0));
    assert_ne!(answer["message_id"].as_i64(), Some(id));
    deliver_due(&app.state).await.unwrap();
    assert_eq!(received.lock().unwrap().len(), 2);
}
