//! Hostile files through the real import API and calendar upload (issue 12): each gets a clear 4xx, nothing of
//! a refused file is stored, and the server answers afterwards.

use hcp_testkit::hostile::{corpus, import_files};
use hcp_testkit::{Backend, TestApp, code};
use reqwest::StatusCode;
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    every_hostile_file_gets_its_answer_and_the_server_still_answers,
    a_nul_row_refuses_the_whole_csv_naming_row_and_column,
    import_takes_only_the_files_own_content_type,
    a_batch_is_the_files_bytes_and_identical_rows_of_another_batch_are_warned_not_dropped,
    a_placeholder_holiday_year_is_refused_and_stays_provisional,
);

async fn import(app: &TestApp, cookie: &str, content_type: &str, query: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/evaluations/import{query}")))
        .header("cookie", cookie)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn every_hostile_file_gets_its_answer_and_the_server_still_answers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let registrar = app.login("registrar").await;
    for file in import_files() {
        let before = app.row_count("evaluations").await;
        let (status, body) = import(&app, &registrar, file.content_type(), "", file.bytes.clone()).await;
        assert_eq!(status, file.status, "{}: {body}", file.name);
        assert_eq!(code(&body), file.code, "{}: {body}", file.name);
        if status != StatusCode::OK {
            assert!(!body["error"]["message"].as_str().unwrap().is_empty(), "{}", file.name);
            assert_eq!(
                app.row_count("evaluations").await,
                before,
                "{}: something of a refused file was stored",
                file.name
            );
        }
        let (health, _) = app.get("/healthz", None).await;
        assert_eq!(health, StatusCode::OK, "after {}", file.name);
    }
    // The same files as application/octet-stream with their names: the same answers.
    for file in import_files().into_iter().filter(|f| f.name.starts_with("xlsx/xfd")) {
        let query = format!("?filename=x.{}", file.extension);
        let (status, body) = import(&app, &registrar, "application/octet-stream", &query, file.bytes).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("上限"), "{body}");
    }
    app.stop().await;
}

async fn a_nul_row_refuses_the_whole_csv_naming_row_and_column(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let registrar = app.login("registrar").await;
    let (status, body) = import(&app, &registrar, "text/csv", "", corpus("csv/nul-row.csv")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(code(&body), "validation_failed");
    assert!(body["error"]["message"].as_str().unwrap().contains("第7行D列"), "{body}");
    assert_eq!(body["error"]["fields"]["rows[7].comment"], json!("第7行D列含有控制字符"), "{body}");
    assert_eq!(app.row_count("evaluations").await, 0);
    // Without the bad row the ten good ones land.
    let text = String::from_utf8(corpus("csv/nul-row.csv")).unwrap();
    let cleaned: String = text.lines().filter(|l| !l.contains('\0')).map(|l| format!("{l}\n")).collect();
    let (status, body) = import(&app, &registrar, "text/csv", "", cleaned.into_bytes()).await;
    assert_eq!((status, body["imported"].clone()), (StatusCode::OK, json!(10)), "{body}");
    app.stop().await;
}

async fn import_takes_only_the_files_own_content_type(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let registrar = app.login("registrar").await;
    let csv = "渠道,窗口编号,评价等级\n纸质评价表,W-SC-01,5\n";
    // What a form on another site can send without a preflight, and a missing type.
    for content_type in [
        "text/plain",
        "text/plain; charset=utf-8",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded",
        "",
        "application/vnd.ms-excel",
    ] {
        let (status, body) = import(&app, &registrar, content_type, "?filename=forms.csv", csv.into()).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type}: {body}");
        assert_eq!(code(&body), "unsupported_file_type");
        assert!(body["error"]["message"].as_str().unwrap().contains("text/csv"), "{body}");
    }
    assert_eq!(app.row_count("evaluations").await, 0);
    // Octet-stream needs the name to tell the format.
    let (status, _) = import(&app, &registrar, "application/octet-stream", "", csv.into()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, body) = import(&app, &registrar, "application/octet-stream", "?filename=a.csv", csv.into()).await;
    assert_eq!((status, body["imported"].clone()), (StatusCode::OK, json!(1)), "{body}");
    let (status, body) = import(&app, &registrar, "text/csv; charset=utf-8", "", format!("{csv}\n").into()).await;
    assert_eq!((status, body["imported"].clone()), (StatusCode::OK, json!(1)), "{body}");
    // The OpenAPI document says so.
    let (_, doc) = app.get("/api/openapi.json", None).await;
    let responses = &doc["paths"]["/api/v1/evaluations/import"]["post"]["responses"];
    for status in ["413", "415", "422"] {
        assert!(responses[status].is_object(), "{status}: {responses}");
    }
    app.stop().await;
}

async fn a_batch_is_the_files_bytes_and_identical_rows_of_another_batch_are_warned_not_dropped(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let registrar = app.login("registrar").await;
    let first = "渠道,窗口编号,评价等级,评价内容\n纸质评价表,W-SC-01,5,很好\n纸质评价表,W-SC-01,5,很好\n";
    let (status, report) = import(&app, &registrar, "text/csv", "", first.into()).await;
    assert_eq!((status, report["imported"].clone()), (StatusCode::OK, json!(2)), "{report}");
    // Two identical forms in one file: both land, the second with a warning naming the first.
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{report}");
    assert_eq!(warnings[0]["row"], json!(3));
    assert!(warnings[0]["message"].as_str().unwrap().contains("第2行"), "{report}");
    // The same file again: nothing added.
    let (_, again) = import(&app, &registrar, "text/csv", "", first.into()).await;
    assert_eq!((again["imported"].clone(), again["duplicates"].clone()), (json!(0), json!(2)), "{again}");
    assert_eq!(app.row_count("evaluations").await, 2);
    // Another batch (another file) with the same row: another paper form, registered with a warning.
    let second = "渠道,窗口编号,评价等级,评价内容\n纸质评价表,W-SC-01,5,很好\n纸质评价表,W-SC-01,4,一般\n";
    let (_, other) = import(&app, &registrar, "text/csv", "", second.into()).await;
    assert_eq!((other["imported"].clone(), other["duplicates"].clone()), (json!(2), json!(0)), "{other}");
    let warnings = other["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{other}");
    assert_eq!(warnings[0]["row"], json!(2));
    assert!(warnings[0]["message"].as_str().unwrap().contains("此前导入"), "{other}");
    assert_eq!(app.row_count("evaluations").await, 4);
    // Each row's reference is the file's digest and its row number.
    let refs = app.count("SELECT COUNT(*) FROM evaluations WHERE import_ref LIKE 'v2:%:2'").await;
    assert_eq!(refs, 2);
    app.stop().await;
}

async fn a_placeholder_holiday_year_is_refused_and_stays_provisional(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let deadline = "/api/v1/calendar/deadline?from=2027-09-27T10:00:00%2B08:00&working_days=3";
    let (_, before) = app.get(deadline, None).await;
    assert_eq!(before["provisional"], json!(true), "{before}");
    for (file, needle) in [
        ("holiday/2027-placeholder.json", "没有任何日期"),
        ("holiday/no-source.json", "papers 为空"),
        ("holiday/wrong-year.json", "不属于 2027 年"),
        ("holiday/duplicate-dates.json", "重复"),
        ("holiday/bad-date.json", "格式错误"),
        ("holiday/not-json.json", "格式错误"),
        ("holiday/nul-name.json", "控制字符"),
    ] {
        let response = app
            .client
            .put(app.url("/api/v1/admin/calendar/2027"))
            .header("cookie", &admin)
            .header("content-type", "application/json")
            .body(corpus(file))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{file}");
        let body: Value = response.json().await.unwrap();
        assert!(body["error"]["fields"]["body"].as_str().unwrap().contains(needle), "{file}: {body}");
    }
    let (_, years) = app.get("/api/v1/admin/calendar", Some(&admin)).await;
    assert!(!years.to_string().contains("2027"), "{years}");
    let (_, after) = app.get(deadline, None).await;
    assert_eq!(after, before);
    app.stop().await;
}
