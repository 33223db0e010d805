//! What an outsider or an insider might send, on both backends: control characters in every kind of field,
//! page numbers past any list, forged forwarding headers, cross-site posts with a user's cookie, bodies over the
//! limit, codes that are not URL segments, concurrent password guesses, formulas in comments. Each is refused
//! with a clear error (or neutralised) and stores nothing.

use hcp_server::Config;
use hcp_testkit::{Backend, Options, TestApp, code};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    control_characters_are_refused_per_field_and_nothing_is_stored,
    control_characters_in_paths_and_queries_are_refused,
    page_numbers_are_bounded_on_the_api_and_the_pages,
    cross_site_posts_with_a_cookie_are_refused,
    every_body_limit_answers_in_json,
    codes_must_be_url_path_segments,
    concurrent_tracking_guesses_get_only_the_limit_through,
    formulas_in_comments_are_text_in_every_csv,
    forwarded_addresses_are_taken_from_the_right,
);

async fn count(app: &TestApp, auth: &str) -> i64 {
    let (status, body) = app.get("/api/v1/evaluations", Some(auth)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["total"].as_i64().unwrap()
}

async fn control_characters_are_refused_per_field_and_nothing_is_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let supervisor = app.login("supervisor").await;
    let before = count(&app, &supervisor).await;

    let (status, body) =
        app.evaluate(json!({"channel": "qrcode", "window_code": "W-SC-01", "level": 1, "comment": "a\u{0}b"})).await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"), "{body}");
    assert!(body["error"]["fields"]["comment"].as_str().unwrap().contains("控制字符"), "{body}");
    let (status, body) = app
        .evaluate(json!({"channel": "mobile", "case_no": "C-001", "level": 5,
            "evaluator": {"name": "张\u{1b}[31m三", "phone": "13700000001"}}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["evaluator.name"].is_string(), "nested fields are named by path: {body}");
    assert_eq!(count(&app, &supervisor).await, before, "nothing stored");

    // Line breaks and tabs are writing.
    let (status, body) = app
        .evaluate(json!({"channel": "qrcode", "window_code": "W-SC-01", "level": 4, "comment": "第一行\r\n第二行\t好"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let (status, body) = app
        .post("/api/v1/complaints", None, &json!({"channel": "online", "window_code": "W-SC-01", "content": "x\u{0}"}))
        .await;
    assert_eq!((status, body["error"]["fields"]["content"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true));
    let report = json!({"kind": "coercion", "content": "要求\u{7f}好评", "contact": {"phone": "13800001111"}});
    let (status, body) = app.post("/api/v1/misconduct-reports", None, &report).await;
    assert_eq!((status, body["error"]["fields"]["content"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true));

    let admin = app.login("admin").await;
    let (status, body) = app
        .post("/api/v1/admin/tokens", Some(&admin), &json!({"username": "integration", "name": "叫号\u{0}系统"}))
        .await;
    assert_eq!((status, body["error"]["fields"]["name"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true));

    let day = json!({"is_off_day": true, "name": "停电\u{0}"});
    let (status, body) =
        app.send(Method::PUT, "/api/v1/admin/calendar/local-days/2026-10-15", Some(&admin), &[], Some(&day)).await;
    assert_eq!((status, body["error"]["fields"]["name"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true));
    let (_, days) = app.get("/api/v1/admin/calendar/local-days", Some(&admin)).await;
    assert_eq!(days, json!([]), "no local day stored");

    // A name is one line: a line break is refused where the domain reads it.
    let window = json!({"code": "W-NEW", "name": "新窗口\n二号", "department_code": "SCJG"});
    let (status, body) = app.post("/api/v1/admin/windows", Some(&admin), &window).await;
    assert_eq!((status, body["error"]["fields"]["name"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true));
}

async fn control_characters_in_paths_and_queries_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let supervisor = app.login("supervisor").await;
    let (status, body) = app.get("/api/v1/evaluations?window=W%00", Some(&supervisor)).await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "invalid_query"), "{body}");
    assert!(body["error"]["fields"]["window"].is_string(), "{body}");
    let (status, body) = app.get("/api/v1/track/E%00X", None).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"), "{body}");
    // The citizen's QR page and a page query.
    let page = app.client.get(app.url("/e/W-SC-01%00")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page.text().await.unwrap().contains("<html"), "a page, not JSON");
    let page = app.client.get(app.url("/track?code=%00")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page.text().await.unwrap().contains("控制字符"));
    // The server is still there.
    assert_eq!(app.get("/healthz", None).await.0, StatusCode::OK);
}

async fn page_numbers_are_bounded_on_the_api_and_the_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let supervisor = app.login("supervisor").await;
    for query in ["page=9223372036854775807", "page=-1", "page=0", "per_page=100000", "per_page=0"] {
        for list in ["/api/v1/evaluations", "/api/v1/tickets", "/api/v1/inbox", "/api/v1/fraud-flags"] {
            let (status, body) = app.get(&format!("{list}?{query}"), Some(&supervisor)).await;
            assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "invalid_query"), "{list}?{query}: {body}");
            let field = query.split('=').next().unwrap();
            assert!(body["error"]["fields"][field].is_string(), "{list}?{query}: {body}");
        }
    }
    let (status, body) = app.get("/api/v1/tickets?page=100000&per_page=200", Some(&supervisor)).await;
    assert_eq!(
        (status, body["page"].as_i64(), body["items"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(100_000), Some(0))
    );

    let page = app
        .client
        .get(app.url("/work/tickets?page=9223372036854775807"))
        .header("cookie", &supervisor)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page.text().await.unwrap().contains("页码"), "a readable page");
}

async fn cross_site_posts_with_a_cookie_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let token_body = json!({"username": "integration", "name": "跨站"});
    for headers in [
        &[("sec-fetch-site", "cross-site")][..],
        &[("sec-fetch-site", "same-site")][..],
        &[("origin", "http://evil.example")][..],
    ] {
        let (status, body) =
            app.send(Method::POST, "/api/v1/admin/tokens", Some(&admin), headers, Some(&token_body)).await;
        assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"), "{headers:?}: {body}");
    }
    // The cross-site import as a text/plain form post never reaches the importer.
    let registrar = app.login("registrar").await;
    let response = app
        .client
        .post(app.url("/api/v1/evaluations/import?filename=a.csv"))
        .header("cookie", &registrar)
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "text/plain")
        .body("渠道,窗口编码,评价等级\n")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // Same-origin, reads and token callers pass.
    let (status, _) = app
        .send(
            Method::POST,
            "/api/v1/admin/tokens",
            Some(&admin),
            &[("sec-fetch-site", "same-origin")],
            Some(&token_body),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let supervisor = app.login("supervisor").await;
    let (status, _) =
        app.send(Method::GET, "/api/v1/tickets", Some(&supervisor), &[("sec-fetch-site", "cross-site")], None).await;
    assert_eq!(status, StatusCode::OK);
    let token = app.integration_token("对接").await;
    let bearer = format!("Bearer {token}");
    let call = json!({"channel": "phone", "window_code": "W-SC-01", "level": 5});
    let (status, body) = app
        .send(
            Method::POST,
            "/api/v1/evaluations",
            None,
            &[("authorization", &bearer), ("sec-fetch-site", "cross-site")],
            Some(&call),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "a token is no ambient credential: {body}");
}

async fn every_body_limit_answers_in_json(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let big = format!("{{\"year\":2027,\"papers\":[],\"days\":[],\"pad\":\"{}\"}}", "x".repeat(70 * 1024));
    let response = app
        .client
        .put(app.url("/api/v1/admin/calendar/2027"))
        .header("cookie", &admin)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(code(&body), "payload_too_large", "{body}");
}

async fn codes_must_be_url_path_segments(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    for bad in [".", "..", ".env", "-x"] {
        let window = json!({"code": bad, "name": "新窗口", "department_code": "SCJG"});
        let (status, body) = app.post("/api/v1/admin/windows", Some(&admin), &window).await;
        assert_eq!(
            (status, body["error"]["fields"]["code"].is_string()),
            (StatusCode::UNPROCESSABLE_ENTITY, true),
            "{bad}: {body}"
        );
    }
    let (_, doc) = app.get("/api/openapi.json", None).await;
    assert_eq!(doc["components"]["schemas"]["Code"]["pattern"], json!("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"));
}

async fn concurrent_tracking_guesses_get_only_the_limit_through(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, receipt) = app.evaluate(json!({"channel": "qrcode", "window_code": "W-SC-01", "level": 4})).await;
    assert_eq!(status, StatusCode::CREATED);
    let path = format!("/api/v1/track/{}", receipt["tracking_code"].as_str().unwrap());
    let guesses = (0..64).map(|i| {
        let password = format!("guess{i:04}");
        let (app, path) = (&app, &path);
        async move { app.send(Method::GET, path, None, &[("x-query-password", &password)], None).await.0 }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let wrong = statuses.iter().filter(|s| **s == StatusCode::NOT_FOUND).count();
    let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    let limit = Config::default().rate_limit.tracking_failures_per_minute as usize;
    assert_eq!((wrong, limited), (limit, 64 - limit), "{statuses:?}");
}

async fn formulas_in_comments_are_text_in_every_csv(backend: Backend) {
    let mut config = Config::default();
    config.upward.division_code = "220171".into();
    let app = TestApp::spawn_with(backend, Options { config, ..Options::default() }).await;
    let formula = "=HYPERLINK(\"http://evil.example/\",\"点我\")";
    let (status, body) =
        app.evaluate(json!({"channel": "pc", "case_no": "C-001", "level": 5, "comment": formula})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let supervisor = app.login("supervisor").await;
    for path in [
        "/api/v1/ledgers/evaluations?format=csv&from=2026-10-01&to=2026-10-31",
        "/api/v1/reports/upward?format=csv&from=2026-10-01&to=2026-10-31",
    ] {
        let response = app.client.get(app.url(path)).header("cookie", &supervisor).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let bytes = response.bytes().await.unwrap();
        let mut reader = csv::Reader::from_reader(&bytes[3..]);
        let cells: Vec<String> =
            reader.records().flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>()).collect();
        assert!(cells.iter().any(|c| *c == format!("'{formula}")), "{path}: {cells:?}");
        assert!(!cells.iter().any(|c| c.starts_with('=')), "{path}: no cell starts a formula");
    }
}

async fn forwarded_addresses_are_taken_from_the_right(backend: Backend) {
    let mut config =
        Config { trust_proxy: true, trusted_proxies: vec!["127.0.0.0/8".parse().unwrap()], ..Config::default() };
    config.rate_limit.evaluations_per_minute = 2;
    let app = TestApp::spawn_with(backend, Options { config, ..Options::default() }).await;
    let body = json!({"channel": "qrcode", "window_code": "W-SC-01", "level": 5});
    let post = |forwarded: String| {
        let (app, body) = (&app, &body);
        async move {
            app.send(Method::POST, "/api/v1/evaluations", None, &[("x-forwarded-for", &forwarded)], Some(body)).await.0
        }
    };
    // One client behind our proxy forging a new first entry each time is still one client.
    let mut statuses = Vec::new();
    for i in 0..3 {
        statuses.push(post(format!("10.66.0.{i}, 203.0.113.7")).await);
    }
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CREATED, StatusCode::TOO_MANY_REQUESTS]);
    // Another client is another address.
    assert_eq!(post("203.0.113.8".into()).await, StatusCode::CREATED);
}
