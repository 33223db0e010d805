//! Accounts kept by the security administrator (issue 16): one account's facts, edits of name, e-mail, role and
//! scope (audited with the changed fields only), deactivation ending sessions and tokens at once, reactivation
//! giving back the sign-in only, the temporary password shown once, the guard rails around administrator roles
//! and one's own account, and integration accounts without a usable password.

use hcp_testkit::{Backend, PASSWORD, TestApp, code};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    an_account_is_read_edited_and_its_history_names_the_changes,
    deactivation_ends_sessions_and_tokens_at_once_and_reactivation_gives_back_the_sign_in_only,
    a_password_reset_gives_a_temporary_password_once,
    administrator_roles_stay_at_the_command_line_and_nobody_changes_their_own_account,
    integration_accounts_have_no_password_anyone_knows,
    taking_a_staff_member_off_duty_tells_the_security_administrators_whose_account_still_works,
);

async fn user_id(app: &TestApp, username: &str) -> i64 {
    let mut conn = app.state.store().reader().await.unwrap();
    hcp_store::users::by_username(&mut conn, username).await.unwrap().unwrap().id
}

async fn audit_rows(app: &TestApp, target: &str) -> Vec<hcp_store::audit::AuditRow> {
    let mut conn = app.state.store().reader().await.unwrap();
    hcp_store::audit::for_target(&mut conn, target).await.unwrap()
}

/// An API token for `username`, written straight into the store (issuing tokens is the system administrator's
/// part of issue 16, not this story's).
async fn token_for(app: &TestApp, username: &str) -> String {
    let id = user_id(app, username).await;
    let (token, hash) = hcp_store::crypto::new_token();
    let now = hcp_testkit::start().timestamp_millis();
    let mut tx = app.state.store().begin().await.unwrap();
    hcp_store::sqlx::query(
        "INSERT INTO api_tokens (token_hash, user_id, name, created_at, expires_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(hash)
    .bind(id)
    .bind("测试令牌")
    .bind(now)
    .bind(now + 30 * 86_400_000_i64)
    .bind("test")
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    token
}

async fn with_token(app: &TestApp, token: &str, path: &str) -> StatusCode {
    let bearer = format!("Bearer {token}");
    app.send(Method::GET, path, None, &[("authorization", &bearer)], None).await.0
}

async fn sign_in(app: &TestApp, username: &str, password: &str) -> (StatusCode, Value) {
    app.post("/api/v1/session", None, &json!({"username": username, "password": password})).await
}

async fn an_account_is_read_edited_and_its_history_names_the_changes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let keeper = app.login("security_admin").await;
    let (status, account) = app.get("/api/v1/admin/users/staff", Some(&keeper)).await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!(account["role"], "staff");
    assert_eq!(account["staff_no"], "S002");
    assert_eq!(account["active"], true);
    assert_eq!(account["second_factor"], false);
    assert!(account["locked_until"].is_null());
    assert!(account["scope_label"].as_str().unwrap().starts_with("本人："), "{account}");
    let (status, body) = app.get("/api/v1/admin/users/nobody-here", Some(&keeper)).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));

    // The same rules as creating an account: a department head needs a department; nothing changes.
    let bad = json!({"role": "dept_head", "display_name": "王芳", "email": "not-an-address"});
    let (status, body) = app.send(Method::PUT, "/api/v1/admin/users/staff", Some(&keeper), &[], Some(&bad)).await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"), "{body}");
    assert!(body["error"]["fields"]["department_code"].is_string(), "{body}");
    assert!(body["error"]["fields"]["email"].is_string(), "{body}");
    let unknown = json!({"role": "staff", "staff_no": "S002", "password": "x"});
    let (status, _) = app.send(Method::PUT, "/api/v1/admin/users/staff", Some(&keeper), &[], Some(&unknown)).await;
    assert!(status.is_client_error(), "an unknown field is refused: {status}");

    // A role change ends the account's sessions at once.
    let staff = app.login("staff").await;
    assert_eq!(app.get("/api/v1/me", Some(&staff)).await.0, StatusCode::OK);
    let change = json!({"role": "window_head", "display_name": "李娜", "email": "lina@example.com",
        "window_code": "W-JZ-01", "staff_no": "S002"});
    let (status, account) = app.send(Method::PUT, "/api/v1/admin/users/staff", Some(&keeper), &[], Some(&change)).await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!((account["role"].as_str(), account["role_label"].as_str()), (Some("window_head"), Some("窗口负责人")));
    assert_eq!(account["window_code"], "W-JZ-01");
    assert_eq!(account["email"], "lina@example.com");
    assert_eq!(account["sessions"], 0);
    assert_eq!(app.get("/api/v1/me", Some(&staff)).await.0, StatusCode::UNAUTHORIZED, "the old session ended");

    let id = user_id(&app, "staff").await;
    let rows = audit_rows(&app, &format!("user:{id}")).await;
    let update = rows.iter().find(|r| r.action == "user.update").expect("user.update audited");
    assert_eq!(update.actor, "security_admin");
    let details: Value = serde_json::from_str(&update.details).unwrap();
    assert_eq!(details["changes"]["role"], json!(["staff", "window_head"]));
    assert_eq!(details["changes"]["email"], json!([null, "l***@example.com"]), "the address is masked");
    assert!(details["changes"]["scope"].is_array(), "{details}");
    assert!(!update.details.contains("lina@"), "{}", update.details);
    assert!(details["sessions_ended"].as_i64().unwrap() >= 1, "{details}");

    // The same values again change nothing and write nothing.
    let (status, _) = app.send(Method::PUT, "/api/v1/admin/users/staff", Some(&keeper), &[], Some(&change)).await;
    assert_eq!(status, StatusCode::OK);
    let updates = audit_rows(&app, &format!("user:{id}")).await.iter().filter(|r| r.action == "user.update").count();
    assert_eq!(updates, 1);

    let (status, history) = app.get("/api/v1/admin/users/staff/history", Some(&keeper)).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    let entries = history.as_array().unwrap();
    assert_eq!(entries[0]["action"], "user.create");
    let edit = entries.iter().find(|e| e["action"] == "user.update").expect("the edit in the history");
    assert_eq!(edit["action_label"], "修改账号");
    let lines: Vec<&str> = edit["changes"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(lines.contains(&"角色：窗口工作人员 → 窗口负责人"), "{lines:?}");
    assert!(lines.contains(&"姓名：李强 → 李娜"), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("管辖范围：") && l.contains("W-JZ-01")), "{lines:?}");
    assert!(!history.to_string().contains("session."), "sign-ins are the auditor's, not the account history");
    app.stop().await;
}

async fn deactivation_ends_sessions_and_tokens_at_once_and_reactivation_gives_back_the_sign_in_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let keeper = app.login("security_admin").await;
    let staff = app.login("staff").await;
    let token = token_for(&app, "staff").await;
    assert_eq!(app.get("/api/v1/me", Some(&staff)).await.0, StatusCode::OK);
    assert_eq!(with_token(&app, &token, "/api/v1/me").await, StatusCode::OK);
    let (_, account) = app.get("/api/v1/admin/users/staff", Some(&keeper)).await;
    assert_eq!((account["sessions"].as_i64(), account["tokens"].as_i64()), (Some(1), Some(1)), "{account}");

    let (status, account) = app.send(Method::DELETE, "/api/v1/admin/users/staff", Some(&keeper), &[], None).await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!(account["active"], false);
    assert!(account["deactivated_at"].is_string(), "{account}");
    assert_eq!((account["sessions"].as_i64(), account["tokens"].as_i64()), (Some(0), Some(0)));
    assert_eq!(app.get("/api/v1/me", Some(&staff)).await.0, StatusCode::UNAUTHORIZED, "the cookie is dead at once");
    assert_eq!(with_token(&app, &token, "/api/v1/me").await, StatusCode::UNAUTHORIZED, "the token is dead at once");
    let (status, _) = sign_in(&app, "staff", PASSWORD).await;
    assert!(status.is_client_error(), "a deactivated account does not sign in: {status}");

    let id = user_id(&app, "staff").await;
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM sessions WHERE user_id = {id}")).await, 0, "rows deleted");
    let revoked = app
        .count(&format!(
            "SELECT COUNT(*) FROM api_tokens WHERE user_id = {id} AND revoked_at IS NOT NULL \
             AND revoked_by = 'security_admin'"
        ))
        .await;
    assert_eq!(revoked, 1);
    let flagged = format!("SELECT COUNT(*) FROM users WHERE id = {id} AND disabled = 1 AND deactivated_at IS NOT NULL");
    assert_eq!(app.count(&flagged).await, 1);
    let rows = audit_rows(&app, &format!("user:{id}")).await;
    let row = rows.iter().find(|r| r.action == "user.deactivate").expect("audited");
    let details: Value = serde_json::from_str(&row.details).unwrap();
    assert!(details["sessions_ended"].as_i64().unwrap() >= 1, "{details}");
    assert_eq!(details["tokens_revoked"], 1);

    // Deactivated twice: a conflict, nothing written.
    let (status, body) = app.send(Method::DELETE, "/api/v1/admin/users/staff", Some(&keeper), &[], None).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "conflict"));

    let on = json!({"active": true});
    let (status, account) = app.send(Method::PATCH, "/api/v1/admin/users/staff", Some(&keeper), &[], Some(&on)).await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!(account["active"], true);
    assert!(account["deactivated_at"].is_null());
    assert_eq!(app.get("/api/v1/me", Some(&staff)).await.0, StatusCode::UNAUTHORIZED, "no session comes back");
    assert_eq!(with_token(&app, &token, "/api/v1/me").await, StatusCode::UNAUTHORIZED, "the token stays revoked");
    let (status, body) = sign_in(&app, "staff", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "the sign-in is back: {body}");
    let actions: Vec<String> = audit_rows(&app, &format!("user:{id}")).await.into_iter().map(|r| r.action).collect();
    assert!(actions.contains(&"user.reactivate".to_owned()), "{actions:?}");

    // PATCH deactivates as DELETE does.
    let off = json!({"active": false});
    let (status, account) = app.send(Method::PATCH, "/api/v1/admin/users/staff", Some(&keeper), &[], Some(&off)).await;
    assert_eq!((status, account["active"].as_bool()), (StatusCode::OK, Some(false)), "{account}");
    app.stop().await;
}

async fn a_password_reset_gives_a_temporary_password_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let keeper = app.login("security_admin").await;
    let registrar = app.login("registrar").await;
    let (status, reset) =
        app.send(Method::POST, "/api/v1/admin/users/registrar/password-reset", Some(&keeper), &[], None).await;
    assert_eq!(status, StatusCode::OK, "{reset}");
    let password = reset["password"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/me", Some(&registrar)).await.0, StatusCode::UNAUTHORIZED, "its sessions ended");
    let (status, body) = sign_in(&app, "registrar", &password).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = user_id(&app, "registrar").await;
    let temporary = format!("SELECT COUNT(*) FROM users WHERE id = {id} AND must_change_password = 1");
    assert_eq!(app.count(&temporary).await, 1, "temporary: changed at the first sign-in");
    // Shown once: neither the account, its history nor the audit log holds it.
    let (_, account) = app.get("/api/v1/admin/users/registrar", Some(&keeper)).await;
    let (_, history) = app.get("/api/v1/admin/users/registrar/history", Some(&keeper)).await;
    assert!(!account.to_string().contains(&password) && !history.to_string().contains(&password));
    assert!(history.as_array().unwrap().iter().any(|e| e["action_label"] == "重置密码"), "{history}");
    assert!(audit_rows(&app, &format!("user:{id}")).await.iter().all(|r| !r.details.contains(&password)));
    // The security administrator may reset another administrator's password and unlock them.
    let (status, _) =
        app.send(Method::POST, "/api/v1/admin/users/admin/password-reset", Some(&keeper), &[], None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.post("/api/v1/admin/users/auditor/unlock", Some(&keeper), &json!({})).await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}

async fn administrator_roles_stay_at_the_command_line_and_nobody_changes_their_own_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let keeper = app.login("security_admin").await;
    let users_before = app.count("SELECT COUNT(*) FROM users").await;
    for role in ["admin", "security_admin", "auditor"] {
        let new = json!({"username": format!("new-{role}"), "role": role});
        let (status, body) = app.post("/api/v1/admin/users", Some(&keeper), &new).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{role}: {body}");
        assert!(body["error"]["fields"]["role"].as_str().unwrap().contains("命令行"), "{body}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users_before);

    // Into an administrator role, out of one: refused on `role`.
    let into = json!({"role": "auditor"});
    let (status, body) = app.send(Method::PUT, "/api/v1/admin/users/supervisor", Some(&keeper), &[], Some(&into)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["role"].is_string(), "{body}");
    let out = json!({"role": "supervisor"});
    let (status, body) = app.send(Method::PUT, "/api/v1/admin/users/admin", Some(&keeper), &[], Some(&out)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, admin) = app.get("/api/v1/admin/users/admin", Some(&keeper)).await;
    assert_eq!(admin["role"], "admin");
    // An administrator's name may still be corrected.
    let name = json!({"role": "admin", "display_name": "赵强"});
    let (status, body) = app.send(Method::PUT, "/api/v1/admin/users/admin", Some(&keeper), &[], Some(&name)).await;
    assert_eq!((status, body["display_name"].as_str()), (StatusCode::OK, Some("赵强")), "{body}");

    // One's own account: not edited, deactivated or reactivated here.
    let own = json!({"role": "security_admin", "display_name": "我自己"});
    let path = "/api/v1/admin/users/security_admin";
    let (status, body) = app.send(Method::PUT, path, Some(&keeper), &[], Some(&own)).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "conflict"), "{body}");
    let (status, body) = app.send(Method::DELETE, path, Some(&keeper), &[], None).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "conflict"), "{body}");
    assert_eq!(app.get("/api/v1/me", Some(&keeper)).await.0, StatusCode::OK);

    // The last active auditor is not deactivated (only the command line could make another).
    let (status, body) = app.send(Method::DELETE, "/api/v1/admin/users/auditor", Some(&keeper), &[], None).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "conflict"), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("最后一个"), "{body}");
    app.stop().await;
}

async fn integration_accounts_have_no_password_anyone_knows(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let keeper = app.login("security_admin").await;
    let with_password = json!({"username": "hotline-sys", "role": "integration", "org_code": "JK",
        "password": "Harbour-Light-42"});
    let (status, body) = app.post("/api/v1/admin/users", Some(&keeper), &with_password).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["password"].as_str().unwrap().contains("不能登录"), "{body}");

    let new =
        json!({"username": "hotline-sys", "role": "integration", "org_code": "JK", "display_name": "12345热线系统"});
    let (status, created) = app.post("/api/v1/admin/users", Some(&keeper), &new).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(created["password"].is_null(), "no password shown: {created}");
    assert_eq!(created["note"], "系统对接账号不能登录，访问令牌由系统管理员签发");
    let id = created["id"].as_i64().unwrap();
    let never =
        format!("SELECT COUNT(*) FROM users WHERE id = {id} AND must_change_password = 0 AND role = 'integration'");
    assert_eq!(app.count(&never).await, 1, "never asked to change it");
    let (_, account) = app.get("/api/v1/admin/users/hotline-sys", Some(&keeper)).await;
    assert_eq!(account["may_sign_in"], false);
    assert!(account["scope_label"].as_str().unwrap().contains("JK"), "{account}");
    // No reset hands out a password for it, and it is not turned into a person's account.
    let (status, body) =
        app.send(Method::POST, "/api/v1/admin/users/hotline-sys/password-reset", Some(&keeper), &[], None).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "conflict"), "{body}");
    let person = json!({"role": "registrar", "org_code": "JK"});
    let path = "/api/v1/admin/users/hotline-sys";
    let (status, _) = app.send(Method::PUT, path, Some(&keeper), &[], Some(&person)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}

/// The system administrator deactivates staff records, the security administrator keeps accounts: taking 李强
/// (S002, account `staff`) off duty leaves his sign-in alone and tells every security administrator; a staff member
/// without an account tells nobody.
async fn taking_a_staff_member_off_duty_tells_the_security_administrators_whose_account_still_works(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let staff = app.login("staff").await;
    let (status, body) = app.send(Method::DELETE, "/api/v1/admin/staff/S101", Some(&admin), &[], None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app.send(Method::DELETE, "/api/v1/admin/staff/S002", Some(&admin), &[], None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.run_jobs().await;

    let security = app.login("security_admin").await;
    let (status, inbox) = app.get("/api/v1/inbox", Some(&security)).await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    let items = inbox["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "one notice, none for S101 who has no account: {inbox}");
    assert_eq!(items[0]["subject"], json!("工作人员李强（S002）已停用，其账号仍可登录"));
    assert!(items[0]["body"].as_str().unwrap().contains("其账号 staff 仍可登录"), "{}", items[0]);
    // The account is the security administrator's to end: it still works until they do.
    assert_eq!(app.get("/api/v1/me", Some(&staff)).await.0, StatusCode::OK);
    let (_, theirs) = app.get("/api/v1/inbox", Some(&admin)).await;
    assert_eq!(theirs["total"], json!(0), "{theirs}");
    app.stop().await;
}
