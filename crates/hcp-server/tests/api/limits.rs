//! Per-client limits on the public endpoints, driven by configuration and the injected clock.

use hcp_server::Config;
use hcp_testkit::{Backend, Options, TestApp, code};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn online_submissions_and_logins_are_rate_limited_per_client() {
    let mut config = Config::default();
    config.rate_limit.evaluations_per_minute = 3;
    config.rate_limit.logins_per_minute = 2;
    let app = TestApp::spawn_with(Backend::Sqlite, Options { config, seed: true, demo_clock: false }).await;
    let body = json!({"channel": "qrcode", "window_code": "W-SC-01", "level": 5});
    for _ in 0..3 {
        assert_eq!(app.evaluate(body.clone()).await.0, StatusCode::CREATED);
    }
    let response = app.client.post(app.url("/api/v1/evaluations")).json(&body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().get("retry-after").is_some());
    let error: serde_json::Value = response.json().await.unwrap();
    assert_eq!(code(&error), "rate_limited");

    // An operator entering calls is not limited like an anonymous client.
    let operator = app.login("hotline_operator").await;
    let phone = json!({"channel": "phone", "window_code": "W-SC-01", "level": 5});
    for _ in 0..5 {
        assert_eq!(app.post("/api/v1/evaluations", Some(&operator), &phone).await.0, StatusCode::CREATED);
    }

    // The window resets on the clock, not on wall time.
    app.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(app.evaluate(body.clone()).await.0, StatusCode::CREATED);

    let wrong = json!({"username": "staff", "password": "guess-guess"});
    assert_eq!(app.post("/api/v1/session", None, &wrong).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.post("/api/v1/session", None, &wrong).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.post("/api/v1/session", None, &wrong).await.0, StatusCode::TOO_MANY_REQUESTS);
}
