//! The account page (`/account`) without JavaScript: a temporary password sends every page there first; the
//! change form names each broken rule and asks the new password twice; another session is ended with the page's
//! button (CSRF checked); a forged post ends nothing.

use hcp_testkit::pages::{Browser, form_csrf};
use hcp_testkit::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

hcp_store::on_both_backends!(
    a_temporary_password_sends_every_page_to_the_account_page_until_changed,
    another_session_is_ended_from_the_account_page,
);

async fn a_temporary_password_sends_every_page_to_the_account_page_until_changed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("security_admin").await;
    let (status, reset) = app.post("/api/v1/admin/users/registrar/password-reset", Some(&admin), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{reset}");
    let temporary = reset["password"].as_str().unwrap();
    let mut browser = Browser::default();
    browser.sign_in_with(&app, "registrar", temporary).await;
    for path in ["/", "/entry", "/inbox"] {
        let page = browser.get(&app, path).await;
        assert_eq!(page.location.as_deref(), Some("/account/password"), "{path}");
    }
    let page = browser.get(&app, "/account/password").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("请先修改密码"));

    let token = form_csrf(&page.html, "/account/password");
    let mismatch = [
        ("csrf_token", token.as_str()),
        ("current_password", temporary),
        ("password", "Changchun-88a"),
        ("confirm", "Changchun-88b"),
    ];
    let page = browser.post(&app, "/account/password", &mismatch).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("两次输入的新密码不一致"));
    assert!(!page.html.contains("Changchun-88a"), "passwords are not echoed");
    let good = [
        ("csrf_token", token.as_str()),
        ("current_password", temporary),
        ("password", "Changchun-88a"),
        ("confirm", "Changchun-88a"),
    ];
    let page = browser.post(&app, "/account/password", &good).await;
    assert_eq!(page.location.as_deref(), Some("/account?done=password"), "{}", page.html);
    assert_eq!(browser.get(&app, "/entry").await.status, StatusCode::OK);
}

async fn another_session_is_ended_from_the_account_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let other = app.login("supervisor").await;
    let mut browser = app.browser_as("supervisor").await;
    let page = browser.get(&app, "/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("本次登录"));
    assert!(page.html.contains("href=\"/account/second-factor\""), "the account page leads to the second factor");
    let (_, sessions) = app.get("/api/v1/me/sessions", Some(&other)).await;
    let id = sessions.as_array().unwrap().iter().find(|s| s["current"] == json!(true)).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let action = format!("/account/sessions/{id}/end");
    let forged = browser.post(&app, &action, &[("csrf_token", "forged")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/me", Some(&other)).await.0, StatusCode::OK, "a forged post ends nothing");
    let token = form_csrf(&page.html, &action);
    let page = browser.post(&app, &action, &[("csrf_token", &token)]).await;
    assert_eq!(page.location.as_deref(), Some("/account?done=ended"));
    assert_eq!(app.get("/api/v1/me", Some(&other)).await.0, StatusCode::UNAUTHORIZED);
    assert!(browser.get(&app, "/account?done=ended").await.html.contains("该会话已结束"));
}
