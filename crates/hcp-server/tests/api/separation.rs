//! 三员分立 (issue 16): the system administrator keeps the organisation and configuration and no account; the
//! security administrator keeps accounts and nothing else. Each is refused (403 `forbidden`) on every route of
//! the other's domain and on business records, and the refused requests change nothing.

use hcp_testkit::{Backend, TestApp, code};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    only_the_security_administrator_keeps_accounts,
    the_security_administrator_is_refused_outside_accounts,
);

/// Every accounts route (`{id}` is the staff account's id), with a body that would be valid.
fn account_routes(staff_id: i64) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, "/api/v1/admin/users".into(), None),
        (
            Method::POST,
            "/api/v1/admin/users".into(),
            Some(json!({"username": "clerk9", "role": "registrar", "org_code": "JK"})),
        ),
        (Method::GET, "/api/v1/admin/users/locked".into(), None),
        (Method::GET, "/api/v1/admin/users/staff".into(), None),
        (
            Method::PUT,
            "/api/v1/admin/users/staff".into(),
            Some(json!({"role": "staff", "staff_no": "S002", "display_name": "改名"})),
        ),
        (Method::PATCH, "/api/v1/admin/users/staff".into(), Some(json!({"active": false}))),
        (Method::DELETE, "/api/v1/admin/users/staff".into(), None),
        (Method::GET, "/api/v1/admin/users/staff/history".into(), None),
        (Method::POST, "/api/v1/admin/users/staff/unlock".into(), Some(json!({}))),
        (Method::POST, "/api/v1/admin/users/staff/password-reset".into(), None),
        (Method::DELETE, format!("/api/v1/admin/users/{staff_id}/second-factor"), None),
    ]
}

/// The system administrator's routes and business records' routes.
fn outside_accounts() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, "/api/v1/admin/org-units", None),
        (Method::POST, "/api/v1/admin/org-units", Some(json!({"code": "JK-X", "name": "某中心", "kind": "center"}))),
        (Method::PUT, "/api/v1/admin/org-units/JK", Some(json!({"name": "改名", "kind": "center"}))),
        (Method::DELETE, "/api/v1/admin/org-units/JK-JZ", None),
        (Method::GET, "/api/v1/admin/departments", None),
        (Method::GET, "/api/v1/admin/windows", None),
        (
            Method::POST,
            "/api/v1/admin/windows",
            Some(json!({"code": "W-X", "name": "某窗口", "department_code": "SCJG"})),
        ),
        (Method::PUT, "/api/v1/admin/windows/W-SC-01", Some(json!({"name": "改名", "department_code": "SCJG"}))),
        (Method::GET, "/api/v1/admin/windows/W-SC-01/history", None),
        (Method::GET, "/api/v1/admin/windows/W-SC-01/networks", None),
        (Method::GET, "/api/v1/admin/staff", None),
        (
            Method::POST,
            "/api/v1/admin/staff",
            Some(json!({"staff_no": "S900", "name": "某人", "window_code": "W-SC-01"})),
        ),
        (Method::GET, "/api/v1/admin/service-items", None),
        (Method::GET, "/api/v1/admin/cases", None),
        (Method::GET, "/api/v1/admin/calendar", None),
        (Method::GET, "/api/v1/admin/calendar/local-days", None),
        (
            Method::PUT,
            "/api/v1/admin/calendar/local-days/2026-11-20",
            Some(json!({"is_off_day": true, "name": "停电"})),
        ),
        (Method::GET, "/api/v1/admin/replacement-orders", None),
        (Method::GET, "/api/v1/evaluations", None),
        (Method::GET, "/api/v1/evaluations/1", None),
        (Method::GET, "/api/v1/tickets", None),
        (Method::GET, "/api/v1/tickets/1", None),
        (Method::GET, "/api/v1/stats", None),
        (Method::GET, "/api/v1/supervision/orders", None),
        (Method::GET, "/api/v1/supervision/concentrations", None),
        (Method::GET, "/api/v1/fraud-flags", None),
    ]
}

async fn only_the_security_administrator_keeps_accounts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff_id = app.count("SELECT id FROM users WHERE username = 'staff'").await;
    let users = app.count("SELECT COUNT(*) FROM users").await;
    let audit = app.count("SELECT COALESCE(MAX(seq), 0) FROM audit_log").await;
    for role in ["admin", "auditor", "supervisor", "staff"] {
        let cookie = app.login(role).await;
        for (method, path, body) in account_routes(staff_id) {
            let (status, answer) = app.send(method.clone(), &path, Some(&cookie), &[], body.as_ref()).await;
            assert_eq!((status, code(&answer)), (StatusCode::FORBIDDEN, "forbidden"), "{role} {method} {path}");
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users);
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE disabled <> 0").await, 0);
    let renamed = app.count("SELECT COUNT(*) FROM users WHERE display_name = '改名'").await;
    assert_eq!(renamed, 0);
    // Sign-ins wrote their entries; no account change did.
    let changes = app
        .count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE seq > {audit} \
             AND (action LIKE 'user.%' OR action = 'account.unlock' OR action LIKE 'second_factor.%')"
        ))
        .await;
    assert_eq!(changes, 0);
    // The security administrator's own answers to the same routes are not 403.
    let keeper = app.login("security_admin").await;
    for (method, path, body) in account_routes(staff_id) {
        let (status, answer) = app.send(method.clone(), &path, Some(&keeper), &[], body.as_ref()).await;
        assert_ne!(status, StatusCode::FORBIDDEN, "{method} {path}: {answer}");
    }
    app.stop().await;
}

async fn the_security_administrator_is_refused_outside_accounts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let keeper = app.login("security_admin").await;
    let units = app.count("SELECT COUNT(*) FROM org_units").await;
    for (method, path, body) in outside_accounts() {
        let (status, answer) = app.send(method.clone(), path, Some(&keeper), &[], body.as_ref()).await;
        assert_eq!((status, code(&answer)), (StatusCode::FORBIDDEN, "forbidden"), "{method} {path}: {answer}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM org_units").await, units);
    assert_eq!(app.count("SELECT COUNT(*) FROM org_units WHERE name = '改名'").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM calendar_local_days").await, 0);
    // The system administrator is not refused on its own routes (the table is not refused by accident).
    let admin = app.login("admin").await;
    for (method, path, _) in
        outside_accounts().into_iter().filter(|(m, p, _)| *m == Method::GET && p.contains("/admin/"))
    {
        let (status, answer) = app.send(method.clone(), path, Some(&admin), &[], None).await;
        assert_eq!(status, StatusCode::OK, "{method} {path}: {answer}");
    }
    app.stop().await;
}
