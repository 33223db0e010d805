//! Sessions fit for GB/T 22239-2019 level 3: an idle timeout on the real clock beside the absolute lifetime, and
//! `Secure` cookies with HSTS when the server is reached over HTTPS (and neither over intranet http).

use chrono::Duration;
use hcp_server::Config;
use hcp_testkit::{Backend, Options, TestApp};
use reqwest::StatusCode;
use serde_json::json;

hcp_store::on_both_backends!(an_unused_session_ends_after_the_idle_timeout_and_use_keeps_it_alive);

/// When the session of `cookie` was last seen, as stored (`None` before the first write).
async fn last_seen(app: &TestApp, cookie: &str) -> Option<i64> {
    let token = cookie.strip_prefix("hcp_session=").unwrap();
    let hash = hcp_store::crypto::token_hash(token);
    app.scalar(&format!("SELECT last_seen_at FROM sessions WHERE token_hash = '{hash}'")).await
}

async fn an_unused_session_ends_after_the_idle_timeout_and_use_keeps_it_alive(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(app.state.config().security.session.idle_minutes, 30, "the documented default");
    let supervisor = app.login("supervisor").await;

    // Used within the idle window, again and again: alive well past 30 minutes after signing in.
    app.clock.advance(Duration::seconds(30));
    assert_eq!(app.get("/api/v1/me", Some(&supervisor)).await.0, StatusCode::OK);
    assert_eq!(last_seen(&app, &supervisor).await, None, "activity is written at most once a minute");
    for _ in 0..3 {
        app.clock.advance(Duration::minutes(25));
        let (status, body) = app.get("/api/v1/me", Some(&supervisor)).await;
        assert_eq!(status, StatusCode::OK, "used within 30 minutes: {body}");
    }
    assert_eq!(last_seen(&app, &supervisor).await, Some(hcp_store::ms(app.state.system_now())));

    // Left alone for 31 minutes: ended, though its 12-hour lifetime is far from over.
    app.clock.advance(Duration::minutes(31));
    let (status, body) = app.get("/api/v1/me", Some(&supervisor)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // Using it again does not revive it.
    app.clock.advance(Duration::minutes(-2));
    assert_eq!(app.get("/api/v1/me", Some(&supervisor)).await.0, StatusCode::OK, "29 minutes idle: still alive");
    app.clock.advance(Duration::minutes(31));
    assert_eq!(app.get("/api/v1/me", Some(&supervisor)).await.0, StatusCode::UNAUTHORIZED);

    app.stop().await;
}

#[tokio::test]
async fn the_idle_timeout_is_configurable_and_zero_turns_it_off() {
    let mut config = Config::default();
    config.security.session.idle_minutes = 0;
    let app = TestApp::spawn_with(Backend::Sqlite, Options { config, ..Default::default() }).await;
    let staff = app.login("staff").await;
    app.clock.advance(Duration::hours(11));
    assert_eq!(app.get("/api/v1/me", Some(&staff)).await.0, StatusCode::OK, "no idle timeout");
    app.clock.advance(Duration::hours(1));
    assert_eq!(app.get("/api/v1/me", Some(&staff)).await.0, StatusCode::UNAUTHORIZED, "the 12-hour lifetime holds");
    app.stop().await;

    let mut config = Config::default();
    config.security.session.idle_minutes = 5;
    let app = TestApp::spawn_with(Backend::Sqlite, Options { config, ..Default::default() }).await;
    let staff = app.login("staff").await;
    app.clock.advance(Duration::minutes(6));
    assert_eq!(app.get("/api/v1/me", Some(&staff)).await.0, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

/// Signs in over the API and returns the `Set-Cookie` line and the HSTS header, if any.
async fn sign_in_headers(app: &TestApp) -> (String, Option<String>) {
    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": "staff", "password": hcp_testkit::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    let hsts = response.headers().get("strict-transport-security").map(|v| v.to_str().unwrap().to_owned());
    (cookie, hsts)
}

#[tokio::test]
async fn cookies_are_secure_and_hsts_is_sent_only_when_public_url_is_https() {
    // Intranet http (the default): plain cookies, no HSTS, or browsers could no longer reach the server.
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (cookie, hsts) = sign_in_headers(&app).await;
    assert!(!cookie.contains("Secure"), "{cookie}");
    assert_eq!(hsts, None);
    let page = app.client.get(app.url("/login")).send().await.unwrap();
    assert!(page.headers().get("strict-transport-security").is_none());
    assert!(!page.headers().get("set-cookie").unwrap().to_str().unwrap().contains("Secure"));
    app.stop().await;

    let config = Config { public_url: "https://hcp.example.gov.cn".into(), ..Default::default() };
    let app = TestApp::spawn_with(Backend::Sqlite, Options { config, ..Default::default() }).await;
    let (cookie, hsts) = sign_in_headers(&app).await;
    assert!(cookie.contains("; Secure") && cookie.contains("HttpOnly"), "{cookie}");
    assert_eq!(hsts.as_deref(), Some("max-age=31536000"));
    // Pages, their form cookie, and even answers to anonymous citizens carry it.
    let page = app.client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(page.headers().get("strict-transport-security").unwrap(), "max-age=31536000");
    assert!(page.headers().get("set-cookie").unwrap().to_str().unwrap().contains("; Secure"));
    let missing = app.client.get(app.url("/no-such-page")).send().await.unwrap();
    assert!(missing.headers().get("strict-transport-security").is_some());
    app.stop().await;
}
