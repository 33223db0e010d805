//! The TOTP second factor end to end: enrolment, the two-step sign-in, replays refused, recovery codes once,
//! disabling. Codes are computed here independently of the server's crate (HMAC-SHA1 per RFC 6238, checked first
//! against the RFC's Appendix B vectors), at the server's injected real clock.

use chrono::Duration;
use hcp_server::Config;
use hcp_testkit::totp::{base32_decode, totp_at};
use hcp_testkit::{Backend, Options, PASSWORD, TestApp, code};
use reqwest::StatusCode;
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    enrolment_turns_on_a_second_step_at_sign_in_and_a_code_is_taken_once,
    a_recovery_code_signs_in_once_and_turning_the_factor_off_needs_a_code,
    a_role_that_requires_it_enrols_right_after_the_password,
);

#[test]
fn the_independent_totp_matches_rfc_6238_appendix_b() {
    let secret = b"12345678901234567890";
    for (time, expected) in [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
    ] {
        assert_eq!(totp_at(secret, time, 8), expected, "T = {time}");
    }
}

/// The current 6-digit code of `secret` on the server's real clock, `steps` steps from now.
fn code_now(app: &TestApp, secret: &[u8], steps: i64) -> String {
    totp_at(secret, app.state.system_now().timestamp() + steps * 30, 6)
}

/// Enrols `user` (signed in as `cookie`): the secret's bytes and the recovery codes.
async fn enrol(app: &TestApp, cookie: &str) -> (Vec<u8>, Vec<String>) {
    let (status, enrolment) = app.post("/api/v1/account/second-factor", Some(cookie), &json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{enrolment}");
    let secret_text = enrolment["secret"].as_str().unwrap().to_owned();
    let uri = enrolment["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/") && uri.contains(&format!("secret={secret_text}")), "{uri}");
    let secret = base32_decode(&secret_text);
    assert_eq!(secret.len(), 20, "160-bit secret as RFC 4226 recommends");
    let (status, body) = app
        .post("/api/v1/account/second-factor/confirm", Some(cookie), &json!({"code": code_now(app, &secret, 0)}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let codes: Vec<String> =
        body["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    (secret, codes)
}

/// `POST /session` with the right password: the pending token of the second step.
async fn first_step(app: &TestApp, user: &str) -> String {
    first_step_answering(app, user, "second_factor_required").await
}

async fn first_step_answering(app: &TestApp, user: &str, expected: &str) -> String {
    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": user, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().get("set-cookie").is_none(), "no session before the second factor");
    let body: Value = response.json().await.unwrap();
    assert_eq!(code(&body), expected, "{body}");
    body["pending_token"].as_str().unwrap().to_owned()
}

/// `POST /session/second-factor`: the status, the body and the session cookie if one was set.
async fn second_step(app: &TestApp, pending: &str, code: &str) -> (StatusCode, Value, Option<String>) {
    let response = app
        .client
        .post(app.url("/api/v1/session/second-factor"))
        .json(&json!({"pending_token": pending, "code": code}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let cookie =
        response.headers().get("set-cookie").map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    (status, response.json().await.unwrap(), cookie)
}

async fn enrolment_turns_on_a_second_step_at_sign_in_and_a_code_is_taken_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.login("staff").await;
    let (status, body) = app.get("/api/v1/account/second-factor", Some(&staff)).await;
    assert_eq!((status, body["enabled"].as_bool()), (StatusCode::OK, Some(false)));

    // A secret not yet confirmed changes nothing at sign-in; a wrong code does not confirm it.
    let (status, enrolment) = app.post("/api/v1/account/second-factor", Some(&staff), &json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = base32_decode(enrolment["secret"].as_str().unwrap());
    app.login("staff").await;
    let wrong = if code_now(&app, &secret, 0) == "123456" { "654321" } else { "123456" };
    let (status, body) = app.post("/api/v1/account/second-factor/confirm", Some(&staff), &json!({"code": wrong})).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_second_factor"), "{body}");
    let confirming = code_now(&app, &secret, 0);
    let (status, body) =
        app.post("/api/v1/account/second-factor/confirm", Some(&staff), &json!({"code": confirming})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let codes = body["recovery_codes"].as_array().unwrap();
    assert_eq!(codes.len(), 10);
    let (status, body) = app.post("/api/v1/account/second-factor", Some(&staff), &json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "a second enrolment over a working one: {body}");

    // The secret is stored encrypted, never as the text the user typed.
    let mut conn = app.state.store().reader().await.unwrap();
    let stored: Vec<u8> =
        hcp_store::sqlx::query_scalar("SELECT secret FROM second_factors").fetch_one(&mut *conn).await.unwrap();
    drop(conn);
    let text = enrolment["secret"].as_str().unwrap();
    assert!(!stored.windows(text.len()).any(|w| w == text.as_bytes()) && !stored.windows(20).any(|w| w == secret));

    // Sign-in now stops after the password; the code that confirmed the enrolment cannot be used again.
    let pending = first_step(&app, "staff").await;
    let (status, body, cookie) = second_step(&app, &pending, &confirming).await;
    assert_eq!((status, code(&body), cookie), (StatusCode::UNAUTHORIZED, "invalid_second_factor", None), "replay");
    // The next step's code signs in (±1 step is accepted for clock drift), once.
    app.clock.advance(Duration::seconds(30));
    let fresh = code_now(&app, &secret, 0);
    let (status, body, cookie) = second_step(&app, &pending, &fresh).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["username"], "staff");
    let cookie = cookie.expect("a session cookie");
    assert_eq!(app.get("/api/v1/me", Some(&cookie)).await.0, StatusCode::OK);
    let (status, _, _) = second_step(&app, &pending, &fresh).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a pending sign-in completes once");
    let again = first_step(&app, "staff").await;
    let (status, body, _) = second_step(&app, &again, &fresh).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_second_factor"), "same code, new sign-in");
    // A code one step ahead (a phone a little fast) is accepted; two steps ahead is not.
    let (status, _, _) = second_step(&app, &again, &code_now(&app, &secret, 2)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body, _) = second_step(&app, &again, &code_now(&app, &secret, 1)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A pending sign-in lasts five minutes on the real clock.
    let late = first_step(&app, "staff").await;
    app.clock.advance(Duration::minutes(6));
    let (status, body, _) = second_step(&app, &late, &code_now(&app, &secret, 0)).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "unauthenticated"), "{body}");
    // The scheduler sweeps the expired pending sign-ins away.
    assert!(app.count("SELECT COUNT(*) FROM pending_sign_ins").await > 0);
    app.run_jobs().await;
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_sign_ins").await, 0);

    // Audited: the enrolment and each wrong code.
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'second_factor.enrol'").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'second_factor.enrol_failed'").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'second_factor.sign_in_failed'").await, 3);
    // Other users are not affected.
    app.login("supervisor").await;
    app.stop().await;
}

async fn a_recovery_code_signs_in_once_and_turning_the_factor_off_needs_a_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.login("staff").await;
    let (secret, codes) = enrol(&app, &staff).await;
    assert_eq!(codes.iter().collect::<std::collections::HashSet<_>>().len(), 10, "ten different codes");

    // Typed in lower case without the dash, it still counts; the second time it does not.
    let typed = codes[3].replace('-', "").to_lowercase();
    let pending = first_step(&app, "staff").await;
    let (status, body, cookie) = second_step(&app, &pending, &typed).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(cookie.is_some());
    let pending = first_step(&app, "staff").await;
    let (status, body, _) = second_step(&app, &pending, &codes[3]).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_second_factor"), "used once");
    let (status, body) = app.get("/api/v1/account/second-factor", Some(&staff)).await;
    assert_eq!(
        (status, body["enabled"].as_bool(), body["recovery_codes_left"].as_i64()),
        (StatusCode::OK, Some(true), Some(9))
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'second_factor.recovery_code_used'").await, 1);

    // Turning it off takes a valid code; afterwards the password alone signs in again.
    let (status, body) =
        app.post("/api/v1/account/second-factor/disable", Some(&staff), &json!({"code": "ABCDE-FGHJK"})).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_second_factor"));
    app.clock.advance(Duration::seconds(30));
    let (status, body) = app
        .post("/api/v1/account/second-factor/disable", Some(&staff), &json!({"code": code_now(&app, &secret, 0)}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    app.login("staff").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'second_factor.disable'").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM recovery_codes").await, 0);

    // A lost phone with no recovery code: only an administrator resets it.
    let (_, codes) = enrol(&app, &staff).await;
    assert_eq!(codes.len(), 10);
    first_step(&app, "staff").await;
    let staff_id = app.get("/api/v1/me", Some(&staff)).await.1["id"].as_i64().unwrap();
    let path = format!("/api/v1/admin/users/{staff_id}/second-factor");
    let supervisor = app.login("supervisor").await;
    assert_eq!(app.send(reqwest::Method::DELETE, &path, Some(&supervisor), &[], None).await.0, StatusCode::FORBIDDEN);
    let admin = app.login("security_admin").await;
    let (status, body) =
        app.send(reqwest::Method::DELETE, "/api/v1/admin/users/abc/second-factor", Some(&admin), &[], None).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    let (status, body) = app.send(reqwest::Method::DELETE, &path, Some(&admin), &[], None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    app.login("staff").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'second_factor.admin_reset'").await, 1);
    app.stop().await;
}

async fn a_role_that_requires_it_enrols_right_after_the_password(backend: Backend) {
    let config = Config::parse("[security.second_factor]\nrequired_roles = [\"supervisor\"]").unwrap();
    let app = TestApp::spawn_with(backend, Options { config: config.clone(), ..Default::default() }).await;
    app.login("staff").await;
    let pending = first_step_answering(&app, "supervisor", "second_factor_enrolment_required").await;
    let (status, enrolment) =
        app.post("/api/v1/session/second-factor/enrolment", None, &json!({"pending_token": pending})).await;
    assert_eq!(status, StatusCode::CREATED, "{enrolment}");
    let secret = base32_decode(enrolment["secret"].as_str().unwrap());
    let (status, body, cookie) = second_step(&app, &pending, "12345").await;
    assert_eq!((status, code(&body), cookie), (StatusCode::UNAUTHORIZED, "invalid_second_factor", None));
    let (status, body, cookie) = second_step(&app, &pending, &code_now(&app, &secret, 0)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["username"], "supervisor");
    assert_eq!(body["recovery_codes"].as_array().map(Vec::len), Some(10), "shown once, with the session");
    assert_eq!(app.get("/api/v1/me", Some(&cookie.unwrap())).await.0, StatusCode::OK);
    // A made-up pending token enrols nobody.
    let (status, body) =
        app.post("/api/v1/session/second-factor/enrolment", None, &json!({"pending_token": "x"})).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    // From now on the usual second step.
    first_step(&app, "supervisor").await;
    app.stop().await;

    // The demo's public accounts are exempt.
    let demo = TestApp::spawn_with(backend, Options { config, demo_clock: true, ..Default::default() }).await;
    demo.login("supervisor").await;
    demo.stop().await;
}
