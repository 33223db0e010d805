//! The audit events of issue 16 (GB/T 22239 8.1.4.3): sign-ins with address and user agent, sign-out, lockout
//! and unlock, password change and reset, second-factor changes, integration accounts refused at sign-in, and
//! refused requests — an entry per refused state-changing request of a known caller, one entry per user and
//! closed hour for refused reads, one per address and closed hour for refusals without credentials.

use chrono::Duration;
use hcp_server::Config;
use hcp_store::audit::AuditRow;
use hcp_testkit::totp::{base32_decode, totp_at};
use hcp_testkit::{Backend, Options, PASSWORD, TestApp, code};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    sign_ins_and_sign_outs_say_where_from,
    lockout_unlock_and_password_changes_are_audited,
    second_factor_changes_are_audited_with_the_sign_in_client,
    an_integration_account_is_refused_at_sign_in_like_a_wrong_password,
    refused_state_changing_requests_of_a_known_caller_are_one_entry_each,
    refused_reads_are_one_entry_per_user_and_closed_hour,
    reads_with_a_revoked_token_are_counted_for_its_owner,
    anonymous_refusals_are_one_entry_per_address_and_closed_hour,
);

/// Who manages accounts (unlock, password and second-factor resets). The system administrator on main; the
/// security administrator once the accounts part of issue 16 moves these routes to `security_admin`.
const ACCOUNTS_ADMIN: &str = "security_admin";

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                      Chrome/131.0.0.0 Safari/537.36";

fn behind_our_proxy() -> Options {
    let mut config =
        Config { trust_proxy: true, trusted_proxies: vec!["127.0.0.0/8".parse().unwrap()], ..Config::default() };
    config.rate_limit.logins_per_minute = 100;
    Options { config, ..Options::default() }
}

/// A sign-in through the API from `address` with `user_agent`: the status, body and session cookie.
async fn sign_in_from(
    app: &TestApp,
    username: &str,
    password: &str,
    address: &str,
    user_agent: &str,
) -> (StatusCode, Value, Option<String>) {
    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .header("x-forwarded-for", address)
        .header("user-agent", user_agent)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let cookie =
        response.headers().get("set-cookie").map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    (status, response.json().await.unwrap(), cookie)
}

async fn entries(app: &TestApp, target: &str) -> Vec<AuditRow> {
    let mut conn = app.state.store().reader().await.unwrap();
    hcp_store::audit::for_target(&mut conn, target).await.unwrap()
}

/// The entries of `action` about `target`, with their details parsed.
async fn of_action(app: &TestApp, target: &str, action: &str) -> Vec<(String, Value)> {
    entries(app, target)
        .await
        .into_iter()
        .filter(|row| row.action == action)
        .map(|row| (row.actor, serde_json::from_str(&row.details).unwrap()))
        .collect()
}

async fn count_action(app: &TestApp, action: &str) -> i64 {
    app.count(&format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'")).await
}

async fn user_target(app: &TestApp, username: &str) -> String {
    let mut conn = app.state.store().reader().await.unwrap();
    format!("user:{}", hcp_store::users::by_username(&mut conn, username).await.unwrap().unwrap().id)
}

async fn sign_ins_and_sign_outs_say_where_from(backend: Backend) {
    let app = TestApp::spawn_with(backend, behind_our_proxy()).await;
    let staff = user_target(&app, "staff").await;
    // A user agent with a control character and 300 characters: kept cleaned and cut to 200.
    let long_agent = format!("{CHROME}\t{}", "x".repeat(300));
    let (status, body, cookie) = sign_in_from(&app, "staff", PASSWORD, "203.0.113.7", &long_agent).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cookie = cookie.unwrap();
    let created = of_action(&app, &staff, "session.create").await;
    assert_eq!(created.len(), 1, "{created:?}");
    let (actor, details) = &created[0];
    assert_eq!(actor, "staff");
    assert_eq!(details["address"], json!("203.0.113.7"));
    let agent = details["user_agent"].as_str().unwrap();
    assert_eq!(agent.chars().count(), 200);
    assert!(agent.starts_with(CHROME) && !agent.contains('\t'), "{agent}");

    // The owner sees the session with where it came from.
    let (status, sessions) = app.get("/api/v1/me/sessions", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{sessions}");
    assert_eq!(sessions[0]["address"], json!("203.0.113.7"));
    assert_eq!(sessions[0]["user_agent"], json!(agent));
    assert_eq!(sessions[0]["device"], json!("Chrome 131 / Windows"));

    // Failures: a wrong password and an unknown name, each from where it came.
    let (status, body, _) = sign_in_from(&app, "staff", "wrong-password", "198.51.100.9", FIREFOX).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
    let refused = of_action(&app, &staff, "session.refused").await;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].1["address"], json!("198.51.100.9"));
    assert_eq!(refused[0].1["user_agent"], json!(FIREFOX));
    assert_eq!(refused[0].1["reason"], json!("wrong_password"));
    let (status, _, _) = sign_in_from(&app, "no-such-user", "wrong-password", "198.51.100.10", FIREFOX).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let unknown = of_action(&app, "login:no-such-user", "session.refused").await;
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert_eq!((&unknown[0].1["address"], &unknown[0].1["reason"]), (&json!("198.51.100.10"), &json!("unknown_user")));

    // Signing out: an entry with where from; the cookie no longer works.
    let response = app
        .client
        .delete(app.url("/api/v1/session"))
        .header("cookie", &cookie)
        .header("x-forwarded-for", "203.0.113.8")
        .header("user-agent", FIREFOX)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let deleted = of_action(&app, &staff, "session.delete").await;
    assert_eq!(deleted.len(), 1, "{deleted:?}");
    assert_eq!((deleted[0].0.as_str(), &deleted[0].1["address"]), ("staff", &json!("203.0.113.8")));
    assert_eq!(app.get("/api/v1/me", Some(&cookie)).await.0, StatusCode::UNAUTHORIZED);
    app.assert_audit_clean().await;
    app.stop().await;
}

async fn lockout_unlock_and_password_changes_are_audited(backend: Backend) {
    let app = TestApp::spawn_with(backend, behind_our_proxy()).await;
    let registrar = user_target(&app, "registrar").await;
    for _ in 0..5 {
        sign_in_from(&app, "registrar", "wrong-password", "203.0.113.20", FIREFOX).await;
    }
    let locks = of_action(&app, &registrar, "account.lock").await;
    assert_eq!(locks.len(), 1, "{locks:?}");
    assert_eq!(locks[0].0, "系统");
    assert_eq!((&locks[0].1["address"], &locks[0].1["user_agent"]), (&json!("203.0.113.20"), &json!(FIREFOX)));
    assert_eq!(locks[0].1["failures"], json!(5));
    // Refused while locked, even with the right password: an entry that says so, not another failure counted.
    let (status, body, _) = sign_in_from(&app, "registrar", PASSWORD, "203.0.113.21", CHROME).await;
    assert_eq!((status, code(&body)), (StatusCode::TOO_MANY_REQUESTS, "account_locked"));
    let refused = of_action(&app, &registrar, "session.refused").await;
    assert_eq!(refused.len(), 6, "{refused:?}");
    assert_eq!((&refused[5].1["reason"], &refused[5].1["address"]), (&json!("locked"), &json!("203.0.113.21")));

    let admin = app.login(ACCOUNTS_ADMIN).await;
    let (status, body) = app.post("/api/v1/admin/users/registrar/unlock", Some(&admin), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let unlocks = of_action(&app, &registrar, "account.unlock").await;
    assert_eq!(unlocks.len(), 1);
    assert_eq!((unlocks[0].0.as_str(), &unlocks[0].1["was_locked"]), (ACCOUNTS_ADMIN, &json!(true)));

    // The user changes their password: their other sessions end, the entry says how many.
    let (_, _, first) = sign_in_from(&app, "registrar", PASSWORD, "203.0.113.22", CHROME).await;
    let (_, _, second) = sign_in_from(&app, "registrar", PASSWORD, "203.0.113.23", CHROME).await;
    let body = json!({"current_password": PASSWORD, "new_password": "Qingdao-2026-ok"});
    let (status, body) = app.send(Method::PUT, "/api/v1/me/password", first.as_deref(), &[], Some(&body)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let changes = of_action(&app, &registrar, "user.password.change").await;
    assert_eq!(changes.len(), 1);
    assert_eq!((changes[0].0.as_str(), &changes[0].1["sessions_ended"]), ("registrar", &json!(1)));
    assert_eq!(app.get("/api/v1/me", second.as_deref()).await.0, StatusCode::UNAUTHORIZED);

    // An administrator resets it: the entry names the account and the sessions ended, never the password.
    let path = "/api/v1/admin/users/registrar/password-reset";
    let (status, body) = app.send(Method::POST, path, Some(&admin), &[], None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let resets = of_action(&app, &registrar, "user.password.reset").await;
    assert_eq!(resets.len(), 1);
    assert_eq!(resets[0].0, ACCOUNTS_ADMIN);
    assert_eq!(resets[0].1, json!({"username": "registrar", "sessions_ended": 1}));
    let password = body["password"].as_str().unwrap();
    assert!(!entries(&app, &registrar).await.iter().any(|row| row.details.contains(password)));
    app.assert_audit_clean().await;
    app.stop().await;
}

/// The current 6-digit code of `secret` on the server's real clock.
fn code_now(app: &TestApp, secret: &[u8]) -> String {
    totp_at(secret, app.state.system_now().timestamp(), 6)
}

async fn second_factor_changes_are_audited_with_the_sign_in_client(backend: Backend) {
    let app = TestApp::spawn_with(backend, behind_our_proxy()).await;
    let staff_target = user_target(&app, "staff").await;
    let staff = app.login("staff").await;
    let (status, enrolment) = app.post("/api/v1/account/second-factor", Some(&staff), &json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{enrolment}");
    let secret = base32_decode(enrolment["secret"].as_str().unwrap());
    let confirm = json!({"code": code_now(&app, &secret)});
    let (status, body) = app.post("/api/v1/account/second-factor/confirm", Some(&staff), &confirm).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let recovery = body["recovery_codes"][0].as_str().unwrap().to_owned();
    assert_eq!(of_action(&app, &staff_target, "second_factor.enrol").await.len(), 1);

    // The password gives a pending sign-in; a wrong code is audited with where it came from.
    let sessions_before = of_action(&app, &staff_target, "session.create").await.len();
    let (status, body, _) = sign_in_from(&app, "staff", PASSWORD, "203.0.113.30", FIREFOX).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "second_factor_required"));
    let pending = body["pending_token"].as_str().unwrap().to_owned();
    let second_step = |code: String| {
        let request = app
            .client
            .post(app.url("/api/v1/session/second-factor"))
            .header("x-forwarded-for", "203.0.113.31")
            .header("user-agent", FIREFOX)
            .json(&json!({"pending_token": pending, "code": code}));
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(second_step("000000".into()).await, StatusCode::UNAUTHORIZED);
    let failed = of_action(&app, &staff_target, "second_factor.sign_in_failed").await;
    assert_eq!(failed.len(), 1);
    assert_eq!((&failed[0].1["address"], &failed[0].1["user_agent"]), (&json!("203.0.113.31"), &json!(FIREFOX)));
    assert_eq!(
        of_action(&app, &staff_target, "session.create").await.len(),
        sessions_before,
        "no session before the second factor"
    );
    // A recovery code completes it: its use is audited, and the session is created from the second step's client.
    assert_eq!(second_step(recovery).await, StatusCode::OK);
    let used = of_action(&app, &staff_target, "second_factor.recovery_code_used").await;
    assert_eq!(used.len(), 1);
    assert_eq!(used[0].1["left"], json!(9));
    let created = of_action(&app, &staff_target, "session.create").await;
    assert_eq!(created.len(), sessions_before + 1);
    assert_eq!(created.last().unwrap().1["address"], json!("203.0.113.31"));

    // Disabling it takes a code and is audited; so is an administrator's reset after enrolling again.
    app.clock.advance(Duration::seconds(30));
    let disable = json!({"code": code_now(&app, &secret)});
    let (status, body) = app.post("/api/v1/account/second-factor/disable", Some(&staff), &disable).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(of_action(&app, &staff_target, "second_factor.disable").await[0].0, "staff");
    let (_, enrolment) = app.post("/api/v1/account/second-factor", Some(&staff), &json!({})).await;
    let secret = base32_decode(enrolment["secret"].as_str().unwrap());
    app.clock.advance(Duration::seconds(30));
    let confirm = json!({"code": code_now(&app, &secret)});
    assert_eq!(app.post("/api/v1/account/second-factor/confirm", Some(&staff), &confirm).await.0, StatusCode::OK);
    let admin = app.login(ACCOUNTS_ADMIN).await;
    let id = staff_target.trim_start_matches("user:");
    let path = format!("/api/v1/admin/users/{id}/second-factor");
    assert_eq!(app.send(Method::DELETE, &path, Some(&admin), &[], None).await.0, StatusCode::NO_CONTENT);
    let resets = of_action(&app, &staff_target, "second_factor.admin_reset").await;
    assert_eq!(resets.len(), 1);
    assert_eq!((resets[0].0.as_str(), &resets[0].1["username"]), (ACCOUNTS_ADMIN, &json!("staff")));
    assert_eq!(of_action(&app, &staff_target, "second_factor.enrol").await.len(), 2);
    app.assert_audit_clean().await;
    app.stop().await;
}

async fn an_integration_account_is_refused_at_sign_in_like_a_wrong_password(backend: Backend) {
    let app = TestApp::spawn_with(backend, behind_our_proxy()).await;
    let integration = user_target(&app, "integration").await;
    // An integration account's password is random and never shown; give it a known one, as someone who could
    // write the database might, to prove the role alone keeps it out.
    {
        let id: i64 = integration.trim_start_matches("user:").parse().unwrap();
        let hash = hcp_store::crypto::hash_password(PASSWORD).unwrap();
        let mut tx = app.state.store().begin().await.unwrap();
        hcp_store::users_security::set_password(&mut tx, id, &hash, app.state.system_now(), false, true).await.unwrap();
        tx.commit().await.unwrap();
    }
    let (status, right, cookie) = sign_in_from(&app, "integration", PASSWORD, "203.0.113.40", "curl/8.5.0").await;
    assert_eq!((status, cookie), (StatusCode::UNAUTHORIZED, None));
    let (_, wrong, _) = sign_in_from(&app, "integration", "wrong-password", "203.0.113.40", "curl/8.5.0").await;
    assert_eq!(right, wrong, "the right password answers exactly like a wrong one");
    assert_eq!(code(&right), "invalid_credentials");
    let refused = of_action(&app, &integration, "session.refused").await;
    let reasons: Vec<&Value> = refused.iter().map(|(_, d)| &d["reason"]).collect();
    assert_eq!(reasons, [&json!("role_may_not_sign_in"), &json!("wrong_password")]);
    assert_eq!(refused[0].1["user_agent"], json!("curl/8.5.0"));
    assert!(of_action(&app, &integration, "session.create").await.is_empty());
    // Counted for the lockout like any failure: three more and the name is locked.
    for _ in 0..3 {
        sign_in_from(&app, "integration", PASSWORD, "203.0.113.40", "curl/8.5.0").await;
    }
    assert_eq!(of_action(&app, &integration, "account.lock").await.len(), 1);
    app.stop().await;
}

async fn refused_state_changing_requests_of_a_known_caller_are_one_entry_each(backend: Backend) {
    let app = TestApp::spawn_with(backend, behind_our_proxy()).await;
    let staff_target = user_target(&app, "staff").await;
    let staff = app.login("staff").await;
    let headers = [("x-forwarded-for", "203.0.113.50"), ("user-agent", FIREFOX)];
    // Outside the role's domain: an account administrator's unlock and second-factor reset.
    let (status, body) = app
        .send(Method::POST, "/api/v1/admin/users/window_head/unlock", Some(&staff), &headers, Some(&json!({})))
        .await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"), "{body}");
    let reset = format!("/api/v1/admin/users/{}/second-factor", staff_target.trim_start_matches("user:"));
    let (status, _) = app.send(Method::DELETE, &reset, Some(&staff), &headers, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Refused before any handler: a cross-site request carrying the session cookie.
    let cross = [("x-forwarded-for", "203.0.113.50"), ("user-agent", FIREFOX), ("sec-fetch-site", "cross-site")];
    let (status, _) = app.send(Method::PUT, "/api/v1/me/password", Some(&staff), &cross, Some(&json!({}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let refused = of_action(&app, &staff_target, "request.refused").await;
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert!(refused.iter().all(|(actor, _)| actor == "staff"));
    assert_eq!(
        refused[0].1,
        json!({"method": "POST", "path": "/api/v1/admin/users/window_head/unlock", "status": 403, "code": "forbidden",
            "address": "203.0.113.50", "user_agent": FIREFOX})
    );
    assert_eq!((&refused[1].1["path"], &refused[1].1["method"]), (&json!(reset), &json!("DELETE")));
    assert_eq!((&refused[2].1["method"], &refused[2].1["status"]), (&json!("PUT"), &json!(403)));
    // Allowed requests and refused reads write no entry; nor does a failed sign-in beyond its own.
    let (status, _) = app.get("/api/v1/me", Some(&staff)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.get("/api/v1/admin/users/locked", Some(&staff)).await.0, StatusCode::FORBIDDEN);
    sign_in_from(&app, "staff", "wrong-password", "203.0.113.50", FIREFOX).await;
    assert_eq!(count_action(&app, "request.refused").await, 3);
    app.assert_audit_clean().await;
    app.stop().await;
}

async fn refused_reads_are_one_entry_per_user_and_closed_hour(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff_target = user_target(&app, "staff").await;
    let staff = app.login("staff").await;
    let supervisor = app.login("supervisor").await;
    for _ in 0..50 {
        assert_eq!(app.get("/api/v1/admin/users/locked", Some(&staff)).await.0, StatusCode::FORBIDDEN);
    }
    assert_eq!(app.get("/api/v1/admin/users", Some(&supervisor)).await.0, StatusCode::FORBIDDEN);
    // Nothing in the log while the hour is open, even after a scheduler run.
    app.run_jobs().await;
    assert_eq!(count_action(&app, "request.refused_reads").await, 0);
    assert_eq!(count_action(&app, "request.refused").await, 0, "reads are never an entry each");

    // The hour closes (the clock started on the hour, 10:00 China time): one entry per user.
    app.clock.advance(Duration::minutes(61));
    let second = app.second_server().await;
    second.clock.advance(Duration::minutes(61));
    let _ = tokio::join!(app.run_jobs(), second.run_jobs());
    app.run_jobs().await;
    let reads = of_action(&app, &staff_target, "request.refused_reads").await;
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert_eq!(reads[0].0, "staff");
    assert_eq!(
        (&reads[0].1["hour"], &reads[0].1["count"], &reads[0].1["sample_path"]),
        (&json!("2026-10-12T10:00+08:00"), &json!(50), &json!("/api/v1/admin/users/locked"))
    );
    let supervisor_target = user_target(&app, "supervisor").await;
    let theirs = of_action(&app, &supervisor_target, "request.refused_reads").await;
    assert_eq!((theirs.len(), &theirs[0].1["count"]), (1, &json!(1)));
    assert_eq!(count_action(&app, "request.refused_reads").await, 2);

    // The next hour counts afresh.
    let staff = app.login("staff").await;
    app.get("/api/v1/admin/users/locked", Some(&staff)).await;
    app.clock.advance(Duration::minutes(60));
    app.run_jobs().await;
    let reads = of_action(&app, &staff_target, "request.refused_reads").await;
    assert_eq!(reads.len(), 2);
    assert_eq!((&reads[1].1["hour"], &reads[1].1["count"]), (&json!("2026-10-12T11:00+08:00"), &json!(1)));
    app.assert_audit_clean().await;
    second.stop().await;
    app.stop().await;
}

async fn anonymous_refusals_are_one_entry_per_address_and_closed_hour(backend: Backend) {
    let app = TestApp::spawn_with(backend, behind_our_proxy()).await;
    for address in ["203.0.113.60", "203.0.113.61"] {
        for _ in 0..7 {
            let headers = [("x-forwarded-for", address)];
            let (status, _) =
                app.send(Method::POST, "/api/v1/admin/users/staff/unlock", None, &headers, Some(&json!({}))).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
    }
    // A token that never existed: counted by address too.
    let headers = [("x-forwarded-for", "203.0.113.60"), ("authorization", "Bearer not-a-token")];
    let (status, _) = app.send(Method::POST, "/api/v1/supervision/orders", None, &headers, Some(&json!({}))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(count_action(&app, "request.refused_anonymous").await, 0);
    assert_eq!(count_action(&app, "request.refused").await, 0);
    app.clock.advance(Duration::minutes(61));
    app.run_jobs().await;
    app.run_jobs().await;
    let first = of_action(&app, "address:203.0.113.60", "request.refused_anonymous").await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(
        (&first[0].1["count"], &first[0].1["hour"], &first[0].1["sample_path"]),
        (&json!(8), &json!("2026-10-12T10:00+08:00"), &json!("/api/v1/admin/users/staff/unlock"))
    );
    let second = of_action(&app, "address:203.0.113.61", "request.refused_anonymous").await;
    assert_eq!((second.len(), &second[0].1["count"]), (1, &json!(7)));
    assert_eq!(count_action(&app, "request.refused_anonymous").await, 2);
    app.assert_audit_clean().await;
    app.stop().await;
}

async fn reads_with_a_revoked_token_are_counted_for_its_owner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let integration = user_target(&app, "integration").await;
    let id: i64 = integration.trim_start_matches("user:").parse().unwrap();
    // A token of the integration account, revoked (written directly: issuing tokens is another part's).
    let (token, hash) = hcp_store::crypto::new_token();
    let now = hcp_store::ms(app.state.system_now());
    let mut conn = app.state.store().reader().await.unwrap();
    hcp_store::sqlx::query(
        "INSERT INTO api_tokens (token_hash, user_id, name, created_at, revoked_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(&hash)
    .bind(id)
    .bind("12345热线系统对接")
    .bind(now)
    .execute(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    let bearer = format!("Bearer {token}");
    for _ in 0..3 {
        let (status, body) = app.send(Method::GET, "/api/v1/me", None, &[("authorization", &bearer)], None).await;
        assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_token"), "{body}");
    }
    app.clock.advance(Duration::minutes(61));
    app.run_jobs().await;
    let reads = of_action(&app, &integration, "request.refused_reads").await;
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert_eq!((reads[0].0.as_str(), &reads[0].1["count"]), ("integration", &json!(3)));
    assert_eq!(count_action(&app, "request.refused_anonymous").await, 0);
    app.stop().await;
}
