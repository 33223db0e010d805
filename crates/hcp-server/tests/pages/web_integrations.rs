//! `/admin/integrations` (系统对接, issue 16): the system administrator issues an integration account's token (shown
//! once, on the answer to the form), sees each token's expiry, last use and status, and revokes it; tokens people
//! made before are listed to revoke. Signing out on the page leaves the old cookie unusable.

use chrono::Duration;
use hcp_testkit::pages::{Browser, between, form_csrf};
use hcp_testkit::{Backend, TestApp};
use reqwest::StatusCode;

hcp_store::on_both_backends!(
    the_administrator_issues_a_token_shown_once_and_revokes_it,
    refusals_are_readable_and_other_roles_get_the_403_page,
    without_integration_accounts_the_page_says_who_creates_them_and_lists_peoples_old_tokens,
    signing_out_on_the_page_leaves_the_old_cookie_unusable,
);

const PAGE: &str = "/admin/integrations";
const ISSUE: &str = "/admin/integrations/tokens";

async fn me_with_token(app: &TestApp, token: &str) -> StatusCode {
    app.client.get(app.url("/api/v1/me")).bearer_auth(token).send().await.unwrap().status()
}

async fn issue_form(browser: &mut Browser, app: &TestApp, fields: &[(&str, &str)]) -> hcp_testkit::pages::Page {
    let page = browser.get(app, PAGE).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let token = form_csrf(&page.html, ISSUE);
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend_from_slice(fields);
    browser.post(app, ISSUE, &form).await
}

async fn the_administrator_issues_a_token_shown_once_and_revokes_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("admin").await;
    let page = browser.get(&app, PAGE).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("<a href=\"/admin/integrations\""), "the menu has 系统对接");
    assert!(page.html.contains("id=\"account-integration\""), "the seeded integration account is listed");
    assert!(page.html.contains("尚未签发令牌"));
    assert!(page.html.contains("<option value=\"integration\" selected>"), "the only account is chosen");

    let answer =
        issue_form(&mut browser, &app, &[("username", "integration"), ("name", "12345热线系统对接"), ("days", "30")])
            .await;
    assert_eq!((answer.status, answer.location.as_deref()), (StatusCode::OK, None), "shown on the answer itself");
    let token = between(&answer.html, "<code id=\"new-token\">", "</code>").expect("the token is shown");
    assert!(answer.html.contains("仅显示这一次"));
    assert_eq!(me_with_token(&app, &token).await, StatusCode::OK, "the token works");
    let expiry = (app.state.system_now() + Duration::days(30))
        .with_timezone(&hcp_core::clock::shanghai())
        .format("%Y-%m-%d")
        .to_string();
    let row = between(&answer.html, "<tr id=\"token-", "</tr>").expect("the token's row");
    assert!(row.contains("12345热线系统对接") && row.contains(&expiry) && row.contains("有效"), "{row}");
    assert!(row.contains("从未使用"), "not used when issued: {row}");
    // Never again: a reload shows the row, not the token.
    let again = browser.get(&app, PAGE).await;
    assert!(!again.html.contains(&token), "the token is shown once");
    assert!(again.html.contains("12345热线系统对接"));

    // 吊销: the token is refused at once, the page says so.
    let id = between(&again.html, "<tr id=\"token-", "\"").unwrap();
    let action = format!("/admin/integrations/tokens/{id}/revoke");
    let csrf = form_csrf(&again.html, &action);
    let done = browser.post(&app, &action, &[("csrf_token", &csrf)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.location.as_deref(), Some("/admin/integrations?done=revoked"));
    assert_eq!(me_with_token(&app, &token).await, StatusCode::UNAUTHORIZED);
    let after = browser.get(&app, "/admin/integrations?done=revoked").await;
    assert!(after.html.contains("访问令牌已吊销"), "{}", after.html);
    let row = between(&after.html, &format!("<tr id=\"token-{id}\">"), "</tr>").unwrap();
    assert!(row.contains("已吊销") && row.contains("admin") && !row.contains("revoke-"), "{row}");
    // The same button again (a second tab): a readable refusal, nothing changes.
    let twice = browser.post(&app, &action, &[("csrf_token", &csrf)]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(twice.html.contains("已被吊销") && twice.html.contains("role=\"alert\""), "{}", twice.html);
    app.stop().await;
}

async fn refusals_are_readable_and_other_roles_get_the_403_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("admin").await;
    let page = issue_form(&mut browser, &app, &[("username", "integration"), ("name", "超期"), ("days", "400")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("有效天数应为 1–365 天"), "{}", page.html);
    assert!(page.html.contains("value=\"超期\""), "what was typed stays");
    assert!(!page.html.contains("new-token"));
    let page = issue_form(&mut browser, &app, &[("username", "integration"), ("name", "x"), ("days", "一年")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("有效天数应为整数"));
    let page =
        issue_form(&mut browser, &app, &[("username", "hotline_operator"), ("name", "热线"), ("days", "")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("不是系统对接账号"), "{}", page.html);
    let page = issue_form(&mut browser, &app, &[("username", "integration"), ("name", ""), ("days", "")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("令牌用途"));
    let (_, list) = app.get("/api/v1/admin/tokens", Some(&app.login("admin").await)).await;
    assert_eq!(list["total"], serde_json::json!(0), "nothing issued");
    // A form without its token changes nothing.
    let page = browser.post(&app, ISSUE, &[("username", "integration"), ("name", "无令牌")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    for role in ["security_admin", "auditor", "supervisor", "hotline_operator"] {
        let mut other = app.browser_as(role).await;
        let page = other.get(&app, PAGE).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{role}");
        assert!(page.html.contains("无权"), "{role}");
        assert!(!page.html.contains("<a href=\"/admin/integrations\""), "{role}: not in the menu");
    }
    app.stop().await;
}

async fn without_integration_accounts_the_page_says_who_creates_them_and_lists_peoples_old_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut tx = app.state.store().begin().await.unwrap();
    hcp_store::sqlx::query("UPDATE users SET role = 'registrar' WHERE username = 'integration'")
        .execute(&mut *tx)
        .await
        .unwrap();
    let operator = hcp_store::users::by_username(&mut tx, "hotline_operator").await.unwrap().unwrap().id;
    let now = app.state.system_now();
    let (token, hash) = hcp_store::crypto::new_token();
    hcp_store::tokens::create(&mut tx, &hash, operator, "热线对接（旧）", "", now, now + Duration::days(300))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut browser = app.browser_as("admin").await;
    let page = browser.get(&app, PAGE).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("还没有系统对接账号") && page.html.contains("安全管理员"), "{}", page.html);
    assert!(!page.html.contains("action=\"/admin/integrations/tokens\""), "no account, no issue form");
    let legacy = between(&page.html, "id=\"legacy-tokens\"", "</section>").expect("the old tokens");
    assert!(legacy.contains("hotline_operator") && legacy.contains("12345热线话务员") && legacy.contains("有效"));
    let id = between(&legacy, "<tr id=\"token-", "\"").unwrap();
    let action = format!("/admin/integrations/tokens/{id}/revoke");
    let done = browser.post(&app, &action, &[("csrf_token", &form_csrf(&page.html, &action))]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(me_with_token(&app, &token).await, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

async fn signing_out_on_the_page_leaves_the_old_cookie_unusable(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("admin").await;
    let cookie = browser.cookie_header();
    let page = browser.get(&app, PAGE).await;
    let csrf = form_csrf(&page.html, "/logout");
    let out = browser.post(&app, "/logout", &[("csrf_token", &csrf)]).await;
    assert_eq!((out.status, out.location.as_deref()), (StatusCode::SEE_OTHER, Some("/login")));
    // The old cookie, replayed by someone who kept it, opens nothing.
    assert_eq!(app.get("/api/v1/me", Some(&cookie)).await.0, StatusCode::UNAUTHORIZED);
    let replay = hcp_testkit::pages::client().get(app.url(PAGE)).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(replay.status(), StatusCode::SEE_OTHER, "sent to sign in");
    let mut conn = app.state.store().reader().await.unwrap();
    let left: i64 = hcp_store::sqlx::query_scalar(
        "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'admin'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(left, 0, "the session row is gone");
    drop(conn);
    app.stop().await;
}
