//! Per-account lockout (issue 15): five wrong passwords to one user name within ten minutes lock it for thirty,
//! whichever addresses and server processes they come from; an administrator unlocks it; the lock runs on the
//! injected real clock; an unknown name answers exactly like a real one.

use chrono::Duration;
use hcp_server::Config;
use hcp_testkit::{Backend, Options, PASSWORD, TestApp, code};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    wrong_passwords_from_two_addresses_lock_the_account,
    wrong_passwords_through_two_server_processes_lock_the_account_once,
    an_administrator_unlocks_and_a_lock_ends_after_thirty_minutes,
    an_unknown_name_answers_exactly_like_a_real_one,
    moving_the_training_clock_does_not_end_a_lock,
);

async fn sign_in(app: &TestApp, username: &str, password: &str, address: Option<&str>) -> (StatusCode, Value) {
    let headers: Vec<(&str, &str)> = address.map(|a| vec![("x-forwarded-for", a)]).unwrap_or_default();
    let body = json!({"username": username, "password": password});
    app.send(Method::POST, "/api/v1/session", None, &headers, Some(&body)).await
}

async fn audit_actions(app: &TestApp, target: &str) -> Vec<String> {
    let mut conn = app.state.store().reader().await.unwrap();
    hcp_store::audit::for_target(&mut conn, target).await.unwrap().into_iter().map(|row| row.action).collect()
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    let mut conn = app.state.store().reader().await.unwrap();
    hcp_store::users::by_username(&mut conn, username).await.unwrap().unwrap().id
}

/// One client trying many times: the per-address limit (10 a minute) is raised so only the lockout answers.
async fn spawn_for_one_client(backend: Backend) -> TestApp {
    let mut config = Config::default();
    config.rate_limit.logins_per_minute = 100;
    TestApp::spawn_with(backend, Options { config, ..Options::default() }).await
}

fn behind_our_proxy() -> Options {
    let config =
        Config { trust_proxy: true, trusted_proxies: vec!["127.0.0.0/8".parse().unwrap()], ..Config::default() };
    Options { config, ..Options::default() }
}

async fn wrong_passwords_from_two_addresses_lock_the_account(backend: Backend) {
    let app = TestApp::spawn_with(backend, behind_our_proxy()).await;
    // Two clients, each well under the per-address limit (10 a minute): only the per-account count stops them.
    let addresses = ["203.0.113.7", "198.51.100.9"];
    for attempt in 0..4 {
        let (status, body) = sign_in(&app, "staff", "wrong-password", Some(addresses[attempt % 2])).await;
        assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_credentials"), "attempt {attempt}");
    }
    let (status, body) = sign_in(&app, "staff", "wrong-password", Some(addresses[0])).await;
    assert_eq!((status, code(&body)), (StatusCode::TOO_MANY_REQUESTS, "account_locked"), "{body}");
    assert_eq!(body["error"]["message"], json!("账户已锁定，请 30 分钟后再试或联系管理员"));
    // The right password from a third address is refused too, with the same words: the lock is the account's.
    let (status, body) = sign_in(&app, "staff", PASSWORD, Some("192.0.2.50")).await;
    assert_eq!((status, code(&body)), (StatusCode::TOO_MANY_REQUESTS, "account_locked"), "{body}");
    assert_eq!(body["error"]["message"], json!("账户已锁定，请 30 分钟后再试或联系管理员"));
    // Other accounts are not touched.
    let (status, _) = sign_in(&app, "window_head", PASSWORD, Some(addresses[0])).await;
    assert_eq!(status, StatusCode::OK);
    let actions = audit_actions(&app, &format!("user:{}", user_id(&app, "staff").await)).await;
    // Five failures and the refusal of the locked name (issue 16: every refused sign-in is an entry).
    assert_eq!(actions.iter().filter(|a| *a == "session.refused").count(), 6, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| *a == "account.lock").count(), 1, "{actions:?}");
    assert!(!actions.contains(&"session.create".to_owned()), "{actions:?}");
}

async fn wrong_passwords_through_two_server_processes_lock_the_account_once(backend: Backend) {
    let first = TestApp::spawn(backend).await;
    let second = first.second_server().await;
    // Three at once through each process: the count is one atomic statement, so none is lost.
    let (a, b, c, d, e, f) =
        tokio::join!(wrong(&first), wrong(&second), wrong(&first), wrong(&second), wrong(&first), wrong(&second));
    let statuses = [a, b, c, d, e, f];
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    for app in [&first, &second] {
        let (status, body) = sign_in(app, "registrar", PASSWORD, None).await;
        assert_eq!((status, code(&body)), (StatusCode::TOO_MANY_REQUESTS, "account_locked"), "{body}");
    }
    let actions = audit_actions(&first, &format!("user:{}", user_id(&first, "registrar").await)).await;
    assert_eq!(actions.iter().filter(|a| *a == "account.lock").count(), 1, "locked once: {actions:?}");
    // A restart does not forget the lock.
    second.stop().await;
    let first = first.restart().await;
    let (status, _) = sign_in(&first, "registrar", PASSWORD, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

async fn wrong(app: &TestApp) -> StatusCode {
    sign_in(app, "registrar", "wrong-password", None).await.0
}

async fn lock(app: &TestApp, username: &str) {
    for _ in 0..5 {
        sign_in(app, username, "wrong-password", None).await;
    }
    let (status, body) = sign_in(app, username, PASSWORD, None).await;
    assert_eq!((status, code(&body)), (StatusCode::TOO_MANY_REQUESTS, "account_locked"), "{body}");
}

async fn an_administrator_unlocks_and_a_lock_ends_after_thirty_minutes(backend: Backend) {
    let app = spawn_for_one_client(backend).await;
    let admin = app.login("security_admin").await;
    let supervisor = app.login("supervisor").await;
    lock(&app, "staff").await;
    lock(&app, "no-such-user").await;
    let (status, body) = app.get("/api/v1/admin/users/locked", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The lock began at the clock's start (10:00 China time); names no account has are not listed.
    assert_eq!(body, json!([{"username": "staff", "locked_until": "2026-10-12T10:30:00+08:00"}]));
    let (status, _) = app.get("/api/v1/admin/users/locked", Some(&supervisor)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, body) = app.post("/api/v1/admin/users/staff/unlock", Some(&supervisor), &json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"), "only the administrator unlocks");
    let (status, body) = app.post("/api/v1/admin/users/nobody-here/unlock", Some(&admin), &json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"), "{body}");
    let (status, body) = app.post("/api/v1/admin/users/staff/unlock", Some(&admin), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"username": "staff", "was_locked": true}));
    let (status, _) = sign_in(&app, "staff", PASSWORD, None).await;
    assert_eq!(status, StatusCode::OK, "unlocked at once");
    let actions = audit_actions(&app, &format!("user:{}", user_id(&app, "staff").await)).await;
    assert!(actions.contains(&"account.unlock".to_owned()), "{actions:?}");

    // Left alone, a lock ends thirty minutes after it began, on the real clock.
    lock(&app, "staff").await;
    app.clock.advance(Duration::minutes(29));
    let (status, body) = sign_in(&app, "staff", PASSWORD, None).await;
    assert_eq!((status, code(&body)), (StatusCode::TOO_MANY_REQUESTS, "account_locked"), "{body}");
    assert_eq!(body["error"]["message"], json!("账户已锁定，请 1 分钟后再试或联系管理员"));
    app.clock.advance(Duration::minutes(1));
    let (status, _) = sign_in(&app, "staff", PASSWORD, None).await;
    assert_eq!(status, StatusCode::OK, "the lock has ended");

    // Failures further apart than the ten-minute window do not add up; a right password starts the count again.
    for _ in 0..4 {
        sign_in(&app, "staff", "wrong-password", None).await;
    }
    app.clock.advance(Duration::minutes(11));
    for _ in 0..4 {
        sign_in(&app, "staff", "wrong-password", None).await;
    }
    let (status, _) = sign_in(&app, "staff", PASSWORD, None).await;
    assert_eq!(status, StatusCode::OK);
    for _ in 0..4 {
        sign_in(&app, "staff", "wrong-password", None).await;
    }
    let (status, _) = sign_in(&app, "staff", PASSWORD, None).await;
    assert_eq!(status, StatusCode::OK);
}

async fn an_unknown_name_answers_exactly_like_a_real_one(backend: Backend) {
    let app = spawn_for_one_client(backend).await;
    let mut real = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..6 {
        real.push(sign_in(&app, "window_head", "wrong-password", None).await);
        unknown.push(sign_in(&app, "no-such-user", "wrong-password", None).await);
    }
    assert_eq!(real, unknown, "same statuses and bodies, attempt by attempt");
    assert_eq!(code(&real[0].1), "invalid_credentials");
    assert_eq!(code(&real[5].1), "account_locked");
    // The unknown name is locked like a real one, but it is not an account the administrator could unlock.
    let admin = app.login("security_admin").await;
    let (status, _) = app.post("/api/v1/admin/users/no-such-user/unlock", Some(&admin), &json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Typed names are not kept for ever: the scheduler forgets them once their lock and window are over.
    sign_in(&app, "another-typo", "wrong-password", None).await;
    app.run_jobs().await;
    assert_eq!(app.count("SELECT COUNT(*) FROM login_lockouts").await, 3, "all still count");
    app.clock.advance(Duration::minutes(30));
    app.run_jobs().await;
    assert_eq!(app.count("SELECT COUNT(*) FROM login_lockouts").await, 0);
}

async fn moving_the_training_clock_does_not_end_a_lock(backend: Backend) {
    let app = TestApp::spawn_with(backend, Options { demo_clock: true, ..Options::default() }).await;
    let admin = app.login("admin").await;
    lock(&app, "staff").await;
    let (status, body) =
        app.post("/api/v1/demo/clock", Some(&admin), &json!({"now": "2026-11-11T10:00:00+08:00"})).await;
    assert!(status.is_success(), "{body}");
    let (status, body) = sign_in(&app, "staff", PASSWORD, None).await;
    assert_eq!((status, code(&body)), (StatusCode::TOO_MANY_REQUESTS, "account_locked"), "a month of training time");
    app.clock.advance(Duration::minutes(30));
    let (status, _) = sign_in(&app, "staff", PASSWORD, None).await;
    assert_eq!(status, StatusCode::OK, "thirty real minutes");
}
