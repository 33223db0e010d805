//! API tokens of integration accounts (issue 16): only the system administrator issues and revokes them, only for
//! integration accounts; they expire (default and maximum from `[security.tokens]`), are refused at once when
//! revoked or when their account is deactivated, and record their last use at most once a minute. The 12345
//! system registers hotline records with such a token and reads nothing. Signing out leaves no session usable.

use chrono::{DateTime, Duration, Utc};
use hcp_core::role::Role;
use hcp_server::Config;
use hcp_testkit::{Backend, Options, TestApp, code};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    only_the_system_administrator_issues_tokens_and_only_for_integration_accounts,
    expiry_defaults_to_the_configured_days_is_bounded_and_an_expired_token_is_refused,
    a_revoked_token_is_refused_at_once_and_the_list_shows_its_last_use,
    a_deactivated_integration_accounts_token_is_refused_at_once,
    an_integration_token_registers_what_the_hotline_registers_and_reads_nothing,
    tokens_people_made_before_are_listed_and_revocable,
    signing_out_through_the_api_leaves_the_old_cookie_unusable,
);

async fn me(app: &TestApp, token: &str) -> (StatusCode, Value) {
    app.send_bearer(Method::GET, "/api/v1/me", token, None).await
}

async fn issue(app: &TestApp, admin: &str, body: Value) -> (StatusCode, Value) {
    app.post("/api/v1/admin/tokens", Some(admin), &body).await
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    let mut conn = app.state.store().reader().await.unwrap();
    hcp_store::users::by_username(&mut conn, username).await.unwrap().unwrap().id
}

async fn audit_entries(app: &TestApp, target: &str, action: &str) -> Vec<(String, Value)> {
    let mut conn = app.state.store().reader().await.unwrap();
    hcp_store::audit::for_target(&mut conn, target)
        .await
        .unwrap()
        .into_iter()
        .filter(|row| row.action == action)
        .map(|row| (row.actor, serde_json::from_str(&row.details).unwrap()))
        .collect()
}

/// The token of `list` with this id.
fn listed(list: &Value, id: i64) -> Value {
    list["items"].as_array().unwrap().iter().find(|t| t["id"] == json!(id)).cloned().unwrap_or(Value::Null)
}

fn instant(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap()).unwrap().with_timezone(&Utc)
}

async fn only_the_system_administrator_issues_tokens_and_only_for_integration_accounts(backend: Backend) {
    // Every role signs in from the one test address.
    let mut config = Config::default();
    config.rate_limit.logins_per_minute = 100;
    let app = TestApp::spawn_with(backend, Options { config, ..Options::default() }).await;
    let admin = app.login("admin").await;
    let (status, issued) = issue(&app, &admin, json!({"username": "integration", "name": "12345热线系统对接"})).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    assert_eq!(
        (issued["username"].as_str(), issued["name"].as_str()),
        (Some("integration"), Some("12345热线系统对接"))
    );
    let token = issued["token"].as_str().unwrap();
    let (status, who) = me(&app, token).await;
    assert_eq!((status, who["role"].as_str()), (StatusCode::OK, Some("integration")));
    // Audited against the integration account, with what was issued (never the token).
    let integration = user_id(&app, "integration").await;
    let entries = audit_entries(&app, &format!("user:{integration}"), "token.create").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let (actor, details) = &entries[0];
    assert_eq!(actor, "admin");
    assert_eq!(details["token"], issued["id"]);
    assert_eq!((details["for"].as_str(), details["name"].as_str()), (Some("integration"), Some("12345热线系统对接")));
    assert_eq!(details["expires_at"], issued["expires_at"]);
    assert!(!details.to_string().contains(token), "the token is not in the audit log");

    // Only for an active integration account.
    for (username, says) in [("hotline_operator", "不是系统对接账号"), ("nobody", "不存在"), ("", "请选择")]
    {
        let (status, body) = issue(&app, &admin, json!({"username": username, "name": "对接"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{username}: {body}");
        assert!(body["error"]["fields"]["username"].as_str().unwrap().contains(says), "{username}: {body}");
    }
    let (status, body) = issue(&app, &admin, json!({"username": "integration", "name": " "})).await;
    assert_eq!((status, body["error"]["fields"]["name"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true));

    // Every other role, and the integration account itself, is refused on every token route.
    let id = issued["id"].as_i64().unwrap();
    for role in Role::ALL.into_iter().filter(|r| r.may_sign_in() && *r != Role::Admin) {
        let cookie = app.login(role.code()).await;
        let (status, body) = app.get("/api/v1/admin/tokens", Some(&cookie)).await;
        assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"), "{role:?} lists");
        let (status, _) = issue(&app, &cookie, json!({"username": "integration", "name": "自行签发"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} issues");
        let (status, _) =
            app.send(Method::DELETE, &format!("/api/v1/admin/tokens/{id}"), Some(&cookie), &[], None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} revokes");
        // No route lets a person make a token for themself.
        let (status, _) = app.post("/api/v1/tokens", Some(&cookie), &json!({"name": "我的令牌"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{role:?}: POST /api/v1/tokens is gone");
    }
    let body = json!({"username": "integration", "name": "自行签发"});
    assert_eq!(app.send_bearer(Method::GET, "/api/v1/admin/tokens", token, None).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        app.send_bearer(Method::POST, "/api/v1/admin/tokens", token, Some(&body)).await.0,
        StatusCode::FORBIDDEN
    );
    let path = format!("/api/v1/admin/tokens/{id}");
    assert_eq!(app.send_bearer(Method::DELETE, &path, token, None).await.0, StatusCode::FORBIDDEN);
    let (_, list) = app.get("/api/v1/admin/tokens", Some(&app.login("admin").await)).await;
    assert_eq!(list["total"], json!(1), "nothing issued by the refused calls: {list}");
    // The published API has exactly one operation making a token: the administrator's.
    let doc: Value = serde_json::from_str(&hcp_server::api::openapi::document_json()).unwrap();
    let makers: Vec<&String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(path, item)| path.contains("token") && item.get("post").is_some())
        .map(|(path, _)| path)
        .collect();
    assert_eq!(makers, vec!["/api/v1/admin/tokens"]);
    app.stop().await;
}

async fn expiry_defaults_to_the_configured_days_is_bounded_and_an_expired_token_is_refused(backend: Backend) {
    let mut config = Config::default();
    config.security.tokens.default_days = 30;
    config.security.tokens.max_days = 90;
    let app = TestApp::spawn_with(backend, Options { config, ..Options::default() }).await;
    let admin = app.login("admin").await;
    let start = app.state.system_now();
    let (status, short) = issue(&app, &admin, json!({"username": "integration", "name": "默认期限"})).await;
    assert_eq!(status, StatusCode::CREATED, "{short}");
    assert_eq!(instant(&short["expires_at"]) - start, Duration::days(30), "the default days: {short}");
    let (status, long) = issue(&app, &admin, json!({"username": "integration", "name": "最长期限", "days": 90})).await;
    assert_eq!(status, StatusCode::CREATED, "{long}");
    assert_eq!(instant(&long["expires_at"]) - start, Duration::days(90));
    for days in [91, 0, -5] {
        let (status, body) =
            issue(&app, &admin, json!({"username": "integration", "name": "越界", "days": days})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{days}: {body}");
        assert!(body["error"]["fields"]["days"].as_str().unwrap().contains("1–90"), "{days}: {body}");
    }
    let (short_token, long_token) = (short["token"].as_str().unwrap(), long["token"].as_str().unwrap());
    app.clock.advance(Duration::days(30) - Duration::seconds(1));
    assert_eq!(me(&app, short_token).await.0, StatusCode::OK, "alive until its expiry");
    app.clock.advance(Duration::seconds(1));
    let (status, body) = me(&app, short_token).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_token"), "{body}");
    assert_eq!(body["error"]["message"], json!("访问令牌已过期"));
    assert_eq!(me(&app, long_token).await.0, StatusCode::OK);
    let admin = app.login("admin").await;
    let (_, list) = app.get("/api/v1/admin/tokens", Some(&admin)).await;
    let (short_row, long_row) =
        (listed(&list, short["id"].as_i64().unwrap()), listed(&list, long["id"].as_i64().unwrap()));
    assert_eq!((short_row["status"].as_str(), short_row["status_label"].as_str()), (Some("expired"), Some("已过期")));
    assert_eq!((long_row["status"].as_str(), long_row["status_label"].as_str()), (Some("active"), Some("有效")));
    // Newest first.
    assert_eq!(list["items"][0]["id"], long["id"], "{list}");
    app.clock.advance(Duration::days(60));
    assert_eq!(me(&app, long_token).await.0, StatusCode::UNAUTHORIZED, "the longest token expires too");
    app.stop().await;
}

async fn a_revoked_token_is_refused_at_once_and_the_list_shows_its_last_use(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let (_, issued) = issue(&app, &admin, json!({"username": "integration", "name": "业务系统"})).await;
    let (id, token) = (issued["id"].as_i64().unwrap(), issued["token"].as_str().unwrap().to_owned());
    let last_use = |list: &Value| listed(list, id)["last_used_at"].clone();
    let (_, list) = app.get("/api/v1/admin/tokens", Some(&admin)).await;
    assert_eq!(last_use(&list), Value::Null, "never used yet");
    let row = listed(&list, id);
    assert_eq!((row["username"].as_str(), row["role_label"].as_str()), (Some("integration"), Some("系统对接账号")));
    assert_eq!(row["created_by"], json!("admin"));

    let first = app.state.system_now();
    assert_eq!(me(&app, &token).await.0, StatusCode::OK);
    let (_, list) = app.get("/api/v1/admin/tokens", Some(&admin)).await;
    assert_eq!(instant(&last_use(&list)), first, "the first use is recorded");
    // Within a minute no write: the recorded use stays.
    app.clock.advance(Duration::seconds(30));
    assert_eq!(me(&app, &token).await.0, StatusCode::OK);
    let (_, list) = app.get("/api/v1/admin/tokens", Some(&admin)).await;
    assert_eq!(instant(&last_use(&list)), first, "at most one write a minute");
    app.clock.advance(Duration::seconds(31));
    assert_eq!(me(&app, &token).await.0, StatusCode::OK);
    let admin = app.login("admin").await;
    let (_, list) = app.get("/api/v1/admin/tokens", Some(&admin)).await;
    assert_eq!(instant(&last_use(&list)), first + Duration::seconds(61));

    let path = format!("/api/v1/admin/tokens/{id}");
    let (status, revoked) = app.send(Method::DELETE, &path, Some(&admin), &[], None).await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert_eq!((revoked["status"].as_str(), revoked["revoked_by"].as_str()), (Some("revoked"), Some("admin")));
    let (status, body) = me(&app, &token).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_token"), "refused at once: {body}");
    assert_eq!(body["error"]["message"], json!("访问令牌已被吊销"));
    let (status, body) = app.send(Method::DELETE, &path, Some(&admin), &[], None).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "conflict"), "{body}");
    let (status, _) = app.send(Method::DELETE, "/api/v1/admin/tokens/999999", Some(&admin), &[], None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.send(Method::DELETE, "/api/v1/admin/tokens/x", Some(&admin), &[], None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = app.get("/api/v1/admin/tokens", Some(&admin)).await;
    assert_eq!(listed(&list, id)["status_label"], json!("已吊销"));
    let integration = user_id(&app, "integration").await;
    let entries = audit_entries(&app, &format!("user:{integration}"), "token.revoke").await;
    assert_eq!(
        entries,
        vec![("admin".to_owned(), json!({"token": id, "name": "业务系统"}))],
        "revoked once, audited once"
    );
    // An unknown token says so, without the word revoked.
    let (status, body) = me(&app, "not-a-token").await;
    assert_eq!((status, body["error"]["message"].as_str()), (StatusCode::UNAUTHORIZED, Some("访问令牌无效")));
    // Paged like every list.
    let (status, body) = app.get("/api/v1/admin/tokens?per_page=0", Some(&admin)).await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "invalid_query"));
    app.stop().await;
}

async fn set_disabled(app: &TestApp, username: &str, disabled: i64) {
    let mut tx = app.state.store().begin().await.unwrap();
    hcp_store::sqlx::query("UPDATE users SET disabled = $1 WHERE username = $2")
        .bind(disabled)
        .bind(username)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn a_deactivated_integration_accounts_token_is_refused_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.integration_token("业务系统").await;
    assert_eq!(me(&app, &token).await.0, StatusCode::OK);
    // The security administrator's deactivation sets this flag (helper A's part); the token stops at once.
    set_disabled(&app, "integration", 1).await;
    let (status, body) = me(&app, &token).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_token"), "{body}");
    assert_eq!(body["error"]["message"], json!("访问令牌所属账号已停用"));
    let call = json!({"channel": "phone", "window_code": "W-SC-01", "level": 5});
    assert_eq!(
        app.send_bearer(Method::POST, "/api/v1/evaluations", &token, Some(&call)).await.0,
        StatusCode::UNAUTHORIZED
    );
    let admin = app.login("admin").await;
    let (status, body) = issue(&app, &admin, json!({"username": "integration", "name": "再签发"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["username"].as_str().unwrap().contains("已停用"), "{body}");
    let (_, list) = app.get("/api/v1/admin/tokens", Some(&admin)).await;
    assert_eq!(list["items"][0]["account_disabled"], json!(true));
    app.stop().await;
}

async fn an_integration_token_registers_what_the_hotline_registers_and_reads_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.integration_token("12345热线系统对接").await;
    let integration = user_id(&app, "integration").await;
    let call = json!({"channel": "phone", "window_code": "W-SC-01", "staff_no": "S002", "level": 1, "comment": "来电反映态度差",
        "evaluator": {"name": "李四", "phone": "13700002222"}});
    let (status, evaluation) = app.send_bearer(Method::POST, "/api/v1/evaluations", &token, Some(&call)).await;
    assert_eq!(status, StatusCode::CREATED, "{evaluation}");
    assert!(evaluation["ticket_id"].is_i64(), "a bad review opens its ticket: {evaluation}");
    let complaint = json!({"channel": "phone", "department_code": "SCJG", "content": "电话投诉办理很慢"});
    let (status, complaint) = app.send_bearer(Method::POST, "/api/v1/complaints", &token, Some(&complaint)).await;
    assert_eq!(status, StatusCode::CREATED, "{complaint}");
    let report = json!({"kind": "coercion", "channel": "phone", "content": "来电举报要求好评"});
    let (status, report) = app.send_bearer(Method::POST, "/api/v1/misconduct-reports", &token, Some(&report)).await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    // Recorded as entered by the integration account.
    let mut conn = app.state.store().reader().await.unwrap();
    let registered_by: Option<i64> =
        hcp_store::sqlx::query_scalar("SELECT registered_by FROM evaluations WHERE id = $1")
            .bind(evaluation["id"].as_i64().unwrap())
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(registered_by, Some(integration));
    let registered_by: Option<i64> =
        hcp_store::sqlx::query_scalar("SELECT registered_by FROM complaints WHERE id = $1")
            .bind(complaint["id"].as_i64().unwrap())
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(registered_by, Some(integration));
    drop(conn);
    let created = audit_entries(&app, &format!("evaluation:{}", evaluation["id"]), "evaluation.create").await;
    assert_eq!(created.first().map(|(actor, _)| actor.as_str()), Some("integration"));

    // Only the hotline's channel: nothing a citizen or a registrar registers.
    for (path, body) in [
        ("/api/v1/evaluations", json!({"channel": "qrcode", "window_code": "W-SC-01", "level": 5})),
        ("/api/v1/evaluations", json!({"channel": "paper", "window_code": "W-SC-01", "level": 5})),
        ("/api/v1/complaints", json!({"channel": "box", "content": "意见箱投诉"})),
        ("/api/v1/complaints", json!({"channel": "online", "content": "网上投诉"})),
        ("/api/v1/misconduct-reports", json!({"kind": "coercion", "content": "网上举报"})),
    ] {
        let (status, answer) = app.send_bearer(Method::POST, path, &token, Some(&body)).await;
        assert_eq!((status, code(&answer)), (StatusCode::FORBIDDEN, "forbidden"), "{path} {body}: {answer}");
    }
    // It reads no evaluation, ticket or statistics.
    let ticket = evaluation["ticket_id"].as_i64().unwrap();
    for path in [
        "/api/v1/evaluations".to_owned(),
        format!("/api/v1/evaluations/{}", evaluation["id"]),
        "/api/v1/tickets".to_owned(),
        format!("/api/v1/tickets/{ticket}"),
        "/api/v1/stats".to_owned(),
    ] {
        let (status, body) = app.send_bearer(Method::GET, &path, &token, None).await;
        assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"), "{path}: {body}");
    }
    // Nor any page: an integration account's token opens none.
    for path in ["/", "/work/tickets", "/entry", "/admin/org"] {
        let page = app.client.get(app.url(path)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(page.text().await.unwrap().contains("不能使用工作页面"), "{path}");
    }
    app.stop().await;
}

async fn tokens_people_made_before_are_listed_and_revocable(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // A token an operator made for themself before issue 16 (the migration gave it a year).
    let operator = user_id(&app, "hotline_operator").await;
    let now = app.state.system_now();
    let (token, hash) = hcp_store::crypto::new_token();
    let mut tx = app.state.store().begin().await.unwrap();
    let id = hcp_store::tokens::create(&mut tx, &hash, operator, "热线对接（旧）", "", now, now + Duration::days(365))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (status, who) = me(&app, &token).await;
    assert_eq!((status, who["role"].as_str()), (StatusCode::OK, Some("hotline_operator")), "it works until revoked");
    let admin = app.login("admin").await;
    let (_, list) = app.get("/api/v1/admin/tokens", Some(&admin)).await;
    let row = listed(&list, id);
    assert_eq!(
        (row["username"].as_str(), row["role_label"].as_str()),
        (Some("hotline_operator"), Some("12345热线话务员"))
    );
    assert_eq!((row["created_by"].as_str(), row["status"].as_str()), (Some(""), Some("active")));
    let (status, _) = app.send(Method::DELETE, &format!("/api/v1/admin/tokens/{id}"), Some(&admin), &[], None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me(&app, &token).await.0, StatusCode::UNAUTHORIZED);
    // And an operator cannot make a new one.
    let cookie = app.login("hotline_operator").await;
    let (status, _) = issue(&app, &cookie, json!({"username": "hotline_operator", "name": "热线"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.stop().await;
}

async fn session_rows(app: &TestApp, username: &str) -> i64 {
    let id = user_id(app, username).await;
    let mut conn = app.state.store().reader().await.unwrap();
    hcp_store::sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

async fn signing_out_through_the_api_leaves_the_old_cookie_unusable(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.integration_token("同时携带").await;
    let cookie = app.login("staff").await;
    assert_eq!(session_rows(&app, "staff").await, 1);
    // The sign-out carries other state too: other cookies and a valid bearer token.
    let crowded = format!("elder=1; {cookie}; other=x");
    let bearer = format!("Bearer {token}");
    let (status, _) =
        app.send(Method::DELETE, "/api/v1/session", Some(&crowded), &[("authorization", &bearer)], None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(session_rows(&app, "staff").await, 0, "the session row is gone");
    assert_eq!(app.get("/api/v1/me", Some(&cookie)).await.0, StatusCode::UNAUTHORIZED, "the old cookie is refused");
    let staff = user_id(&app, "staff").await;
    assert_eq!(audit_entries(&app, &format!("user:{staff}"), "session.delete").await.len(), 1);
    assert_eq!(me(&app, &token).await.0, StatusCode::OK, "the bearer is not what was signed out");

    // A session already past its idle timeout is removed by signing out too (no audit: it had ended).
    let cookie = app.login("staff").await;
    app.clock.advance(Duration::hours(1));
    assert_eq!(app.get("/api/v1/me", Some(&cookie)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(session_rows(&app, "staff").await, 1, "still stored");
    let (status, _) = app.send(Method::DELETE, "/api/v1/session", Some(&cookie), &[], None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(session_rows(&app, "staff").await, 0);

    // A deactivated account's session is refused at once and removed when it signs out.
    let cookie = app.login("staff").await;
    set_disabled(&app, "staff", 1).await;
    assert_eq!(app.get("/api/v1/me", Some(&cookie)).await.0, StatusCode::UNAUTHORIZED);
    let (status, _) = app.send(Method::DELETE, "/api/v1/session", Some(&cookie), &[], None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(session_rows(&app, "staff").await, 0);
    app.stop().await;
}
