//! The audit administrator's pages over HTTP (issue 16): the menu and landing, the log with its filter (rows
//! change with it), readable details, export links carrying the filter, the verifications page with its
//! button, results and the retention rule; every other role gets the 403 page.

use hcp_testkit::pages::{Browser, client, form_csrf};
use hcp_testkit::{Backend, BadReview, TestApp};
use reqwest::StatusCode;
use serde_json::json;

hcp_store::on_both_backends!(
    the_auditor_has_the_menu_and_a_landing_with_the_last_verification,
    the_log_filters_pages_and_reads_details_in_chinese,
    export_links_carry_the_filter_and_answer_csv,
    a_verification_started_from_the_page_shows_its_result,
    other_roles_get_the_403_page,
);

async fn the_auditor_has_the_menu_and_a_landing_with_the_last_verification(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, _) = app.post("/api/v1/session", None, &json!({"username": "staff", "password": "nope-nope"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let mut auditor = app.browser_as("auditor").await;
    let home = auditor.get(&app, "/").await;
    assert_eq!(home.status, StatusCode::OK);
    for entry in ["href=\"/audit\">审计日志</a>", "href=\"/audit/verifications\">完整性校验</a>"] {
        assert!(home.html.contains(entry), "menu {entry}: {}", home.html);
    }
    assert!(home.html.contains("最近一次完整性校验：尚未校验"), "{}", home.html);
    assert!(home.html.contains("今日登录失败 1 次"), "{}", home.html);

    let page = auditor.get(&app, "/audit/verifications").await;
    let token = form_csrf(&page.html, "/audit/verifications");
    let started = auditor.post(&app, "/audit/verifications", &[("csrf_token", &token)]).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    app.run_jobs().await;
    let home = auditor.get(&app, "/").await;
    assert!(home.html.contains("<span class=\"badge ok\">完整</span>"), "{}", home.html);
}

async fn the_log_filters_pages_and_reads_details_in_chinese(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.bad_review(BadReview::default()).await;
    let _ = app.login("window_head").await;
    let mut auditor = app.browser_as("auditor").await;

    let all = auditor.get(&app, "/audit").await;
    assert_eq!(all.status, StatusCode::OK);
    for text in [
        "<th scope=\"col\">时间</th>",
        "<optgroup label=\"登录与会话\">",
        "value=\"session.\">全部登录与会话",
        "登记评价",
        "群众",
        "生成工单",
    ] {
        assert!(all.html.contains(text), "{text}: {}", all.html);
    }

    let signins = auditor.get(&app, "/audit?action=session.create").await;
    assert_eq!(signins.status, StatusCode::OK);
    assert!(signins.html.contains("data-action=\"session.create\""));
    assert!(!signins.html.contains("data-action=\"evaluation.create\""), "the rows change with the filter");
    assert!(signins.html.contains("<option value=\"session.create\" selected>登录成功</option>"), "{}", signins.html);

    let head = auditor.get(&app, "/audit?actor=window_head").await;
    assert!(head.html.contains("（窗口负责人）"), "{}", head.html);
    assert!(!head.html.contains("data-action=\"evaluation.create\""));

    // Readable details: Chinese key names, not raw JSON.
    let evaluation = auditor.get(&app, "/audit?action=evaluation.create").await;
    assert!(!evaluation.html.contains("{&quot;"), "no raw JSON: {}", evaluation.html);

    // Paging keeps the filter.
    let first = auditor.get(&app, "/audit?per_page=1").await;
    assert!(first.html.contains("第 1 / "), "{}", first.html);
    assert!(first.html.contains("href=\"/audit?per_page=1&#38;page=2\""), "{}", first.html);
    let filtered = auditor.get(&app, "/audit?action=session.&per_page=1").await;
    assert!(filtered.html.contains("href=\"/audit?action=session.&#38;per_page=1&#38;page=2\""), "{}", filtered.html);

    // A bad date is named on the page, with 400.
    let bad = auditor.get(&app, "/audit?from=2026-02-31").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.html.contains("from 应为 YYYY-MM-DD 日期"), "{}", bad.html);
    let bad = auditor.get(&app, "/audit?from=2026-10-12&to=2026-10-01").await;
    assert!(bad.html.contains("截止日期不能早于起始日期"), "{}", bad.html);
}

async fn export_links_carry_the_filter_and_answer_csv(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let _ = app.login("staff").await;
    let mut auditor = app.browser_as("auditor").await;
    let page = auditor.get(&app, "/audit?action=session.create&from=2026-10-12").await;
    assert!(
        page.html.contains(
            "href=\"/api/v1/audit/entries/export?action=session.create&#38;from=2026-10-12&#38;format=csv\" id=\"export-csv\""
        ),
        "{}",
        page.html
    );
    let response = client()
        .get(app.url("/api/v1/audit/entries/export?action=session.create&from=2026-10-12&format=csv"))
        .header("cookie", auditor.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = response.text().await.unwrap();
    assert_eq!(text.lines().filter(|l| l.contains(",登录成功,session.create,")).count(), 2, "{text}");
}

async fn a_verification_started_from_the_page_shows_its_result(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut auditor = app.browser_as("auditor").await;
    let page = auditor.get(&app, "/audit/verifications").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("尚未进行过校验"));
    assert!(page.html.contains("审计日志保存不少于 180 天"), "{}", page.html);
    assert!(page.html.contains("超期条目仅可连同链检查点归档，不会删除"));

    // Without the form's token nothing starts.
    let forged = auditor.post(&app, "/audit/verifications", &[("csrf_token", "forged")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let token = form_csrf(&page.html, "/audit/verifications");
    let started = auditor.post(&app, "/audit/verifications", &[("csrf_token", &token)]).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    assert_eq!(started.location.as_deref(), Some("/audit/verifications?started=1"));
    let mut shown = String::new();
    for _ in 0..2000 {
        shown = auditor.get(&app, "/audit/verifications?started=1").await.html;
        if !shown.contains("排队中") && !shown.contains("校验中") {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(shown.contains("已提交校验"), "{shown}");
    assert!(shown.contains("verification-status\">完整</span>"), "{shown}");
    assert!(shown.contains("审计管理员"), "who asked: {shown}");
}

async fn other_roles_get_the_403_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut anonymous = Browser::default();
    let page = anonymous.get(&app, "/audit").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    for username in ["admin", "security_admin", "supervisor", "window_head", "staff"] {
        let mut browser = app.browser_as(username).await;
        for path in ["/audit", "/audit/verifications"] {
            let page = browser.get(&app, path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{username} {path}");
        }
        let home = browser.get(&app, "/").await;
        assert!(!home.html.contains("审计概况"), "{username}");
        assert!(!home.html.contains("href=\"/audit\""), "{username}");
    }
}
