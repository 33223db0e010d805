//! Issue 16's done-means: every security event the issue names is found by the audit administrator through the
//! API (`GET /api/v1/audit/entries`), with who did it, to whom, and — for sign-ins — from where and with what.
//! The other stories prove each event is written; this one proves the auditor can find it.

use chrono::Duration;
use hcp_server::Config;
use hcp_testkit::totp::{base32_decode, totp_at};
use hcp_testkit::{Options, PASSWORD, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

hcp_store::on_both_backends!(the_auditor_finds_every_security_event_through_the_api);

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

fn behind_our_proxy() -> Options {
    let mut config =
        Config { trust_proxy: true, trusted_proxies: vec!["127.0.0.0/8".parse().unwrap()], ..Config::default() };
    config.rate_limit.logins_per_minute = 100;
    Options { config, ..Options::default() }
}

async fn sign_in(app: &TestApp, username: &str, password: &str) -> (StatusCode, Option<String>) {
    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .header("x-forwarded-for", "203.0.113.77")
        .header("user-agent", FIREFOX)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let cookie =
        response.headers().get("set-cookie").map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    (status, cookie)
}

/// The auditor's view of `action` (optionally by `actor`): the entries, newest first.
async fn found(app: &TestApp, auditor: &str, action: &str, actor: Option<&str>) -> Vec<Value> {
    let mut path = format!("/api/v1/audit/entries?action={action}&per_page=200");
    if let Some(actor) = actor {
        path.push_str(&format!("&actor={actor}"));
    }
    let (status, body) = app.get(&path, Some(auditor)).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    let items = body["items"].as_array().unwrap().clone();
    assert!(items.iter().all(|e| e["action"] == json!(action)), "{action}: {items:?}");
    items
}

async fn the_auditor_finds_every_security_event_through_the_api(backend: hcp_store::Backend) {
    let app = TestApp::spawn_with(backend, behind_our_proxy()).await;
    let security = app.login("security_admin").await;
    let admin = app.login("admin").await;

    // Sign-in, second factor, sign-out.
    let (status, staff) = sign_in(&app, "staff", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let staff = staff.unwrap();
    let (status, enrolment) = app.post("/api/v1/account/second-factor", Some(&staff), &json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{enrolment}");
    let secret = base32_decode(enrolment["secret"].as_str().unwrap());
    let code = totp_at(&secret, app.state.system_now().timestamp(), 6);
    let (status, body) = app.post("/api/v1/account/second-factor/confirm", Some(&staff), &json!({"code": code})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let staff_id = user_id(&app, "staff").await;
    let reset = format!("/api/v1/admin/users/{staff_id}/second-factor");
    assert_eq!(app.send(Method::DELETE, &reset, Some(&security), &[], None).await.0, StatusCode::NO_CONTENT);

    // Failures, a lockout and its unlock.
    for attempt in 0..5 {
        let (status, _) = sign_in(&app, "window_head", "wrong-password").await;
        let expected = if attempt < 4 { StatusCode::UNAUTHORIZED } else { StatusCode::TOO_MANY_REQUESTS };
        assert_eq!(status, expected, "attempt {attempt}");
    }
    let (status, _) = app.post("/api/v1/admin/users/window_head/unlock", Some(&security), &json!({})).await;
    assert_eq!(status, StatusCode::OK);

    // Password reset by the security administrator, then the change by its owner.
    let (status, body) =
        app.send(Method::POST, "/api/v1/admin/users/registrar/password-reset", Some(&security), &[], None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let temporary = body["password"].as_str().unwrap().to_owned();
    let (_, registrar) = sign_in(&app, "registrar", &temporary).await;
    let change = json!({"current_password": temporary, "new_password": "Qingdao-2026-ok"});
    let (status, body) = app.send(Method::PUT, "/api/v1/me/password", registrar.as_deref(), &[], Some(&change)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    // A role change and a deactivation.
    let (status, body) = app
        .send(
            Method::PUT,
            "/api/v1/admin/users/street_registrar",
            Some(&security),
            &[],
            Some(&json!({"role": "hotline_operator"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app.send(Method::DELETE, "/api/v1/admin/users/dept_head", Some(&security), &[], None).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A token issued to the integration account and revoked.
    let (status, token) = app
        .post("/api/v1/admin/tokens", Some(&admin), &json!({"username": "integration", "name": "12345热线系统对接"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{token}");
    let revoke = format!("/api/v1/admin/tokens/{}", token["id"]);
    let (status, body) = app.send(Method::DELETE, &revoke, Some(&admin), &[], None).await;
    assert!(status.is_success(), "{status} {body}");

    // Refused: a write outside the staff member's role (an entry), reads (counted, one entry when the hour closes).
    let (status, _) = app.post("/api/v1/admin/users/supervisor/unlock", Some(&staff), &json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/admin/users", Some(&staff)).await.0, StatusCode::FORBIDDEN);
    }
    let (status, _) = app.send(Method::DELETE, "/api/v1/session", Some(&staff), &[], None).await;
    assert!(status.is_success());
    app.clock.advance(Duration::minutes(61));
    app.run_jobs().await;

    let auditor = app.login("auditor").await;
    let signed_in = found(&app, &auditor, "session.create", Some("staff")).await;
    assert_eq!(signed_in[0]["details"]["address"], json!("203.0.113.77"));
    assert_eq!(signed_in[0]["details"]["user_agent"], json!(FIREFOX));
    let failed = found(&app, &auditor, "session.refused", None).await;
    assert_eq!(failed.len(), 5, "{failed:?}");
    assert!(
        failed
            .iter()
            .all(|e| e["details"]["address"] == json!("203.0.113.77") && e["details"]["user_agent"] == json!(FIREFOX))
    );
    assert_eq!(found(&app, &auditor, "session.delete", Some("staff")).await.len(), 1);
    assert_eq!(found(&app, &auditor, "account.lock", None).await.len(), 1);
    assert_eq!(found(&app, &auditor, "account.unlock", Some("security_admin")).await.len(), 1);
    assert_eq!(found(&app, &auditor, "user.password.reset", Some("security_admin")).await.len(), 1);
    assert_eq!(found(&app, &auditor, "user.password.change", Some("registrar")).await.len(), 1);
    assert_eq!(found(&app, &auditor, "second_factor.enrol", Some("staff")).await.len(), 1);
    assert_eq!(found(&app, &auditor, "second_factor.admin_reset", Some("security_admin")).await.len(), 1);
    let updated = found(&app, &auditor, "user.update", Some("security_admin")).await;
    assert_eq!(updated[0]["details"]["changes"]["role"], json!(["registrar", "hotline_operator"]));
    assert_eq!(found(&app, &auditor, "user.deactivate", Some("security_admin")).await.len(), 1);
    assert_eq!(found(&app, &auditor, "token.create", Some("admin")).await.len(), 1);
    assert_eq!(found(&app, &auditor, "token.revoke", Some("admin")).await.len(), 1);
    let refused = found(&app, &auditor, "request.refused", Some("staff")).await;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0]["details"]["path"], json!("/api/v1/admin/users/supervisor/unlock"));
    let reads = found(&app, &auditor, "request.refused_reads", Some("staff")).await;
    assert_eq!((reads.len(), &reads[0]["details"]["count"]), (1, &json!(3)));
    // Every entry has a Chinese name for the auditor (none falls back to its code).
    let (_, all) = app.get("/api/v1/audit/entries?per_page=200", Some(&auditor)).await;
    for entry in all["items"].as_array().unwrap() {
        assert_ne!(entry["action_label"], entry["action"], "{entry}");
    }
    app.assert_audit_clean().await;
    app.stop().await;
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    let mut conn = app.state.store().reader().await.unwrap();
    hcp_store::users::by_username(&mut conn, username).await.unwrap().unwrap().id
}
