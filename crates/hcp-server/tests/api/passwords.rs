//! The password lifecycle over the API on both backends (issue 15): an administrator's password is temporary and
//! must be changed before anything else; passwords expire on the real clock; every broken rule of the policy is
//! named; the last five passwords cannot be chosen again; a user lists and ends their own sessions. The API never
//! echoes a password an administrator chose; a generated one is shown once.

use hcp_testkit::{Backend, TestApp, code};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    a_reset_password_is_temporary_and_must_be_changed_before_anything_else,
    a_chosen_password_is_never_echoed_and_a_new_account_changes_it_first,
    a_password_expires_after_ninety_days_on_the_real_clock_but_a_demo_password_does_not,
    weak_passwords_are_refused_with_a_message_per_rule_and_the_last_five_cannot_return,
    a_user_lists_their_sessions_and_ends_one_by_its_id,
);

async fn send(app: &TestApp, method: Method, path: &str, auth: &str, body: Option<Value>) -> (StatusCode, Value) {
    app.send(method, path, Some(auth), &[], body.as_ref()).await
}

/// Signs `username` in with `password`; the session's `Cookie` header value.
async fn sign_in(app: &TestApp, username: &str, password: &str) -> String {
    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "sign in {username}");
    let cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    cookie.split(';').next().unwrap().to_owned()
}

async fn change(app: &TestApp, auth: &str, current: &str, new: &str) -> (StatusCode, Value) {
    let body = json!({"current_password": current, "new_password": new});
    send(app, Method::PUT, "/api/v1/me/password", auth, Some(body)).await
}

async fn reset(app: &TestApp, username: &str) -> String {
    let admin = app.login("security_admin").await;
    let path = format!("/api/v1/admin/users/{username}/password-reset");
    let (status, body) = send(app, Method::POST, &path, &admin, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["password"].as_str().unwrap().to_owned()
}

async fn a_reset_password_is_temporary_and_must_be_changed_before_anything_else(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let before = app.login("registrar").await;
    let temporary = reset(&app, "registrar").await;
    // The reset ends the user's sessions; only the administrator may reset.
    assert_eq!(app.get("/api/v1/me", Some(&before)).await.0, StatusCode::UNAUTHORIZED);
    let supervisor = app.login("supervisor").await;
    let (status, _) = send(&app, Method::POST, "/api/v1/admin/users/registrar/password-reset", &supervisor, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let session = sign_in(&app, "registrar", &temporary).await;
    let (status, body) = app.get("/api/v1/inbox", Some(&session)).await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "password_change_required"), "{body}");
    assert_eq!(body["error"]["message"], json!("请先修改密码"));
    let (status, _) = app.get("/api/v1/me/sessions", Some(&session)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/me", Some(&session)).await.0, StatusCode::OK, "who am I stays open");

    let (status, body) = change(&app, &session, &temporary, "Qingdao-2026-ok").await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = app.get("/api/v1/inbox", Some(&session)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.state.store().backend(), backend);
    let audited = app_audit(&app, "user.password.reset").await + app_audit(&app, "user.password.change").await;
    assert_eq!(audited, 2);
}

async fn app_audit(app: &TestApp, action: &str) -> i64 {
    let mut conn = app.state.store().reader().await.unwrap();
    hcp_store::sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

async fn a_chosen_password_is_never_echoed_and_a_new_account_changes_it_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("security_admin").await;
    let weak = json!({"username": "clerk1", "role": "registrar", "password": "12345678"});
    let (status, body) = send(&app, Method::POST, "/api/v1/admin/users", &admin, Some(weak)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let chosen = json!({"username": "clerk1", "role": "registrar", "password": "Harbour-Light-42"});
    let (status, body) = send(&app, Method::POST, "/api/v1/admin/users", &admin, Some(chosen)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body.get("password").is_none_or(Value::is_null), "a chosen password is not echoed: {body}");
    assert!(!body.to_string().contains("Harbour-Light-42"));

    let generated = json!({"username": "clerk2", "role": "registrar"});
    let (status, body) = send(&app, Method::POST, "/api/v1/admin/users", &admin, Some(generated)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let password = body["password"].as_str().unwrap().to_owned();
    let session = sign_in(&app, "clerk2", &password).await;
    let (status, body) = app.get("/api/v1/inbox", Some(&session)).await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "password_change_required"));
    let session = sign_in(&app, "clerk1", "Harbour-Light-42").await;
    let (status, _) = app.get("/api/v1/inbox", Some(&session)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an administrator's chosen password is temporary too");
}

async fn a_password_expires_after_ninety_days_on_the_real_clock_but_a_demo_password_does_not(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let temporary = reset(&app, "registrar").await;
    let session = sign_in(&app, "registrar", &temporary).await;
    assert_eq!(change(&app, &session, &temporary, "Qingdao-2026-ok").await.0, StatusCode::NO_CONTENT);

    app.clock.advance(chrono::Duration::days(89));
    let session = sign_in(&app, "registrar", "Qingdao-2026-ok").await;
    assert_eq!(app.get("/api/v1/inbox", Some(&session)).await.0, StatusCode::OK);
    app.clock.advance(chrono::Duration::days(1));
    let session = sign_in(&app, "registrar", "Qingdao-2026-ok").await;
    let (status, body) = app.get("/api/v1/inbox", Some(&session)).await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "password_change_required"), "expired at 90 days");
    assert_eq!(change(&app, &session, "Qingdao-2026-ok", "Weihai-2027-fine").await.0, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/inbox", Some(&session)).await.0, StatusCode::OK);

    // The seeded users' public passwords (like `--demo`'s) are exempt.
    let supervisor = app.login("supervisor").await;
    assert_eq!(app.get("/api/v1/inbox", Some(&supervisor)).await.0, StatusCode::OK);
}

async fn weak_passwords_are_refused_with_a_message_per_rule_and_the_last_five_cannot_return(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut current = reset(&app, "registrar").await;
    let session = sign_in(&app, "registrar", &current).await;

    let (status, body) = change(&app, &session, &current, "registrar").await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"), "{body}");
    let message = body["error"]["fields"]["password"].as_str().unwrap();
    for rule in ["密码至少10位", "至少3类", "不能包含用户名"] {
        assert!(message.contains(rule), "{rule} in {message}");
    }
    let (_, body) = change(&app, &session, "wrong", "Qingdao-2026-ok").await;
    assert_eq!(body["error"]["fields"]["current_password"], json!("当前密码不正确"));

    let history = ["Passw0rd-one!", "Passw0rd-two!", "Passw0rd-three!", "Passw0rd-four!", "Passw0rd-five!"];
    for next in history {
        let (status, body) = change(&app, &session, &current, next).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        current = next.to_owned();
    }
    // The last five (the current one among them) are refused; the sixth back is allowed again.
    for old in history {
        let (status, body) = change(&app, &session, &current, old).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{old}");
        assert_eq!(body["error"]["fields"]["password"], json!("不能使用最近5次用过的密码"));
    }
    assert_eq!(change(&app, &session, &current, "Passw0rd-six!").await.0, StatusCode::NO_CONTENT);
    let (status, body) = change(&app, &session, "Passw0rd-six!", history[0]).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
}

async fn a_user_lists_their_sessions_and_ends_one_by_its_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = app.login("supervisor").await;
    let second = app.login("supervisor").await;
    let (status, sessions) = app.get("/api/v1/me/sessions", Some(&second)).await;
    assert_eq!(status, StatusCode::OK, "{sessions}");
    let sessions = sessions.as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2);
    let current: Vec<bool> = sessions.iter().map(|s| s["current"].as_bool().unwrap()).collect();
    assert_eq!(current.iter().filter(|c| **c).count(), 1);
    assert_eq!(sessions[0]["address"], json!("127.0.0.1"));
    let other = sessions.iter().find(|s| s["current"] == json!(false)).unwrap()["id"].as_str().unwrap().to_owned();
    // The id is neither the token nor its hash.
    let token = first.split_once('=').unwrap().1;
    assert!(!token.contains(&other) && other != hcp_store::crypto::token_hash(token));

    // Another user cannot end it.
    let registrar = app.login("registrar").await;
    let path = format!("/api/v1/me/sessions/{other}");
    assert_eq!(send(&app, Method::DELETE, &path, &registrar, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/me", Some(&first)).await.0, StatusCode::OK);

    assert_eq!(send(&app, Method::DELETE, &path, &second, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/me", Some(&first)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/me", Some(&second)).await.0, StatusCode::OK);
    assert_eq!(app_audit(&app, "session.end").await, 1);
}
