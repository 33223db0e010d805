//! The second factor on the pages: enrolment on `/account/second-factor` (QR code, secret in text, a code to
//! turn it on, recovery codes shown once) and the second form of `/login`.

use chrono::Duration;
use hcp_testkit::pages::{Browser, between, csrf, form_csrf};
use hcp_testkit::totp::{base32_decode, totp_at};
use hcp_testkit::{Backend, PASSWORD, TestApp};
use reqwest::StatusCode;

fn code_now(app: &TestApp, secret: &[u8]) -> String {
    totp_at(secret, app.state.system_now().timestamp(), 6)
}

#[tokio::test]
async fn a_user_enrols_on_the_account_page_and_then_signs_in_with_a_code() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut staff = app.browser_as("staff").await;
    let home = staff.get(&app, "/").await;
    assert!(home.html.contains("href=\"/account/second-factor\""), "the home page links to it");
    let page = staff.get(&app, "/account/second-factor").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("未启用"), "{}", page.html);

    let token = form_csrf(&page.html, "/account/second-factor/begin");
    let page = staff.post(&app, "/account/second-factor/begin", &[("csrf_token", &token)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("<svg"), "the QR code");
    let secret_text = between(&page.html, "<code class=\"secret\">", "</code>").expect("the secret in text");
    let secret = base32_decode(&secret_text);

    // A wrong code keeps the same secret on screen with a message.
    let token = form_csrf(&page.html, "/account/second-factor/confirm");
    let wrong = if code_now(&app, &secret) == "000000" { "111111" } else { "000000" };
    let page = staff.post(&app, "/account/second-factor/confirm", &[("csrf_token", &token), ("code", wrong)]).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.html.contains("验证码错误") && page.html.contains(&secret_text), "{}", page.html);
    let token = form_csrf(&page.html, "/account/second-factor/confirm");
    let code = code_now(&app, &secret);
    let page = staff.post(&app, "/account/second-factor/confirm", &[("csrf_token", &token), ("code", &code)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("只显示这一次"));
    assert_eq!(page.html.matches("<li><code>").count(), 10, "ten recovery codes");
    let again = staff.get(&app, "/account/second-factor").await;
    assert!(again.html.contains("已启用") && !again.html.contains("<li><code>"), "the codes are shown once");

    // Signing in: the password leads to a second form; a wrong code is refused there, the right one signs in.
    app.clock.advance(Duration::seconds(30));
    let mut browser = Browser::default();
    let login = browser.get(&app, "/login").await;
    let page = browser
        .post(&app, "/login", &[("csrf_token", &csrf(&login.html)), ("username", "staff"), ("password", PASSWORD)])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("action=\"/login/second-factor\"") && page.html.contains("双因素认证"));
    let pending = between(&page.html, "name=\"pending_token\" value=\"", "\"").unwrap();
    let token = csrf(&page.html);
    let page = browser
        .post(&app, "/login/second-factor", &[("csrf_token", &token), ("pending_token", &pending), ("code", &code)])
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED, "the code that turned it on is spent");
    assert!(page.html.contains("验证码错误或已使用"), "{}", page.html);
    let fresh = code_now(&app, &secret);
    let page = browser
        .post(
            &app,
            "/login/second-factor",
            &[("csrf_token", &csrf(&page.html)), ("pending_token", &pending), ("code", &fresh), ("next", "/inbox")],
        )
        .await;
    assert_eq!((page.status, page.location.as_deref()), (StatusCode::SEE_OTHER, Some("/inbox")), "{}", page.html);
    assert_eq!(browser.get(&app, "/inbox").await.status, StatusCode::OK, "signed in");
    app.stop().await;
}

#[tokio::test]
async fn a_role_that_requires_it_enrols_on_the_login_page_and_sees_its_recovery_codes_once() {
    let config = hcp_server::Config::parse("[security.second_factor]\nrequired_roles = [\"supervisor\"]").unwrap();
    let app = TestApp::spawn_with(Backend::Sqlite, hcp_testkit::Options { config, ..Default::default() }).await;
    let mut browser = Browser::default();
    let login = browser.get(&app, "/login").await;
    let page = browser
        .post(&app, "/login", &[("csrf_token", &csrf(&login.html)), ("username", "supervisor"), ("password", PASSWORD)])
        .await;
    assert_eq!(page.status, StatusCode::OK, "no session yet: {}", page.html);
    assert!(page.html.contains("您的角色须启用双因素认证") && page.html.contains("<svg"), "{}", page.html);
    let secret = base32_decode(&between(&page.html, "<code class=\"secret\">", "</code>").unwrap());
    let pending = between(&page.html, "name=\"pending_token\" value=\"", "\"").unwrap();
    assert_eq!(browser.get(&app, "/work/tickets").await.status, StatusCode::SEE_OTHER, "not signed in yet");
    let fields = [
        ("csrf_token", csrf(&page.html)),
        ("pending_token", pending),
        ("code", code_now(&app, &secret)),
        ("next", "/work/tickets".to_owned()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let page = browser.post(&app, "/login/second-factor", &fields).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert_eq!(page.html.matches("<li><code>").count(), 10, "the recovery codes, shown once");
    assert!(page.html.contains("href=\"/work/tickets\""), "then on to where the user was going");
    assert_eq!(browser.get(&app, "/work/tickets").await.status, StatusCode::OK, "signed in");
    app.stop().await;
}
