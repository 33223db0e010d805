//! The audit events of issue 16 seen from the pages: a signed-in user's form refused for its CSRF token is a
//! `request.refused` entry; the account page names each session's browser; signing in and out through the
//! pages records the address and user agent.

use hcp_testkit::pages::{Browser, client, csrf, form_csrf};
use hcp_testkit::{Backend, PASSWORD, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    a_csrf_refused_form_of_a_signed_in_user_is_an_audit_entry,
    the_account_page_names_each_sessions_browser,
);

const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                      Chrome/131.0.0.0 Safari/537.36";

async fn details(app: &TestApp, username: &str, action: &str) -> Vec<Value> {
    let mut conn = app.state.store().reader().await.unwrap();
    let id = hcp_store::users::by_username(&mut conn, username).await.unwrap().unwrap().id;
    hcp_store::audit::for_target(&mut conn, &format!("user:{id}"))
        .await
        .unwrap()
        .into_iter()
        .filter(|row| row.action == action)
        .map(|row| serde_json::from_str(&row.details).unwrap())
        .collect()
}

async fn a_csrf_refused_form_of_a_signed_in_user_is_an_audit_entry(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("staff").await;
    let page = browser.get(&app, "/account").await;
    assert_eq!(page.status, StatusCode::OK);
    // A forged token: refused with the 403 page, and recorded.
    let form = [("csrf_token", "1.forged"), ("current_password", PASSWORD), ("password", "x"), ("confirm", "x")];
    let page = browser.post(&app, "/account/password", &form).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.html);
    let refused = details(&app, "staff", "request.refused").await;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(
        (&refused[0]["method"], &refused[0]["path"], &refused[0]["status"], &refused[0]["code"]),
        (&json!("POST"), &json!("/account/password"), &json!(403), &json!("csrf"))
    );
    assert_eq!(refused[0]["address"], json!("127.0.0.1"));
    // A forged post without a session: no user to name, so it is only counted for its address.
    let mut stranger = Browser::default();
    stranger.get(&app, "/login").await;
    let page = stranger.post(&app, "/logout", &[("csrf_token", "1.forged")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'request.refused'").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM refused_counts WHERE kind = 'anonymous'").await, 1);
    app.stop().await;
}

async fn the_account_page_names_each_sessions_browser(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Signing in through the page with a browser's user agent.
    let http = client();
    let login = http.get(app.url("/login")).header("user-agent", CHROME).send().await.unwrap();
    let cookies: Vec<String> = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect();
    let token = csrf(&login.text().await.unwrap());
    let response = http
        .post(app.url("/login"))
        .header("user-agent", CHROME)
        .header("cookie", cookies.join("; "))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs([("csrf_token", token.as_str()), ("username", "supervisor"), ("password", PASSWORD)])
                .finish(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let created = details(&app, "supervisor", "session.create").await;
    assert_eq!((&created[0]["address"], &created[0]["user_agent"]), (&json!("127.0.0.1"), &json!(CHROME)));

    let mut browser = app.browser_as("supervisor").await;
    let page = browser.get(&app, "/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains(&format!("title=\"{CHROME}\">Chrome 131 / Windows</span>")), "{}", page.html);
    assert!(page.html.contains(">浏览器未知</span>"), "a client without a user agent: {}", page.html);

    // Signing out from the page is an entry too.
    let token = form_csrf(&page.html, "/logout");
    let page = browser.post(&app, "/logout", &[("csrf_token", token.as_str())]).await;
    assert_eq!(page.location.as_deref(), Some("/login"));
    let deleted = details(&app, "supervisor", "session.delete").await;
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0]["address"], json!("127.0.0.1"));
    app.stop().await;
}
