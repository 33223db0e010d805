//! The inbox page (`/inbox`) and the header's unread count: notices link to their ticket or order, are marked
//! read one by one or all with the page's forms (CSRF checked), and every signed-in role has the page.

use hcp_testkit::pages::{between, form_csrf};
use hcp_testkit::{Backend, BadReview, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    a_head_reads_the_notices_and_marks_them_read_from_the_inbox_page,
    every_role_finds_the_inbox_from_the_header_and_the_landing_page,
);

/// The header's unread number, if it shows one.
fn header_count(html: &str) -> Option<String> {
    between(html, "id=\"unread-count\">", "<")
}

async fn api_inbox(app: &TestApp, user: &str, query: &str) -> Value {
    let token = app.login(user).await;
    let (status, list) = app.get(&format!("/api/v1/inbox{query}"), Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list
}

async fn a_head_reads_the_notices_and_marks_them_read_from_the_inbox_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ticket = app.bad_review(BadReview::default().comment("窗口人员态度生硬")).await.ticket;
    let issued = app.issue_window_order("10月差评集中，请限期整改").await;
    let order_id = issued["id"].as_i64().unwrap();
    app.run_jobs().await;
    let unread = api_inbox(&app, "window_head", "?unread=1").await["total"].as_i64().unwrap();
    assert!(unread >= 2, "a ticket and an order");

    let mut head = app.browser_as("window_head").await;
    let home = head.get(&app, "/").await;
    assert_eq!(header_count(&home.html), Some(unread.to_string()), "{}", home.html);
    assert!(home.html.contains(&format!("aria-label=\"消息，{unread} 条未读\"")), "{}", home.html);
    let page = head.get(&app, "/inbox").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    for text in [
        "<h1>消息</h1>",
        "督办：整改通知（",
        &format!("href=\"/work/orders#order-{order_id}\""),
        &format!("href=\"/work/tickets/{ticket}\""),
        "未读（",
        "全部标为已读",
        "2026年10月12日 10:00",
    ] {
        assert!(page.html.contains(text), "missing {text}: {}", page.html);
    }
    assert!(!page.html.contains("+08:00"), "local dates only: {}", page.html);

    // One marked read with the page's form; without the token nothing changes.
    let first = api_inbox(&app, "window_head", "?unread=1").await["items"][0]["id"].as_i64().unwrap();
    let action = format!("/inbox/{first}/read");
    let refused = head.post(&app, &action, &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let token = form_csrf(&page.html, &action);
    let done = head.post(&app, &action, &[("csrf_token", token.as_str()), ("unread", "1")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(done.location.as_deref(), Some("/inbox?done=read&unread=1"));
    let page = head.get(&app, "/inbox?done=read&unread=1").await;
    assert!(page.html.contains("已标为已读"), "{}", page.html);
    assert!(!page.html.contains(&format!("id=\"notice-{first}\"")), "read ones leave the unread list");
    assert_eq!(header_count(&page.html), Some((unread - 1).to_string()));
    let read = api_inbox(&app, "window_head", "").await;
    let marked = read["items"].as_array().unwrap().iter().find(|m| m["id"] == json!(first)).unwrap();
    assert_eq!(marked["read"], json!(true));

    // Another user's message is not found, not marked.
    let mut staff = app.browser_as("staff").await;
    let staff_page = staff.get(&app, "/inbox").await;
    let theirs = api_inbox(&app, "window_head", "?unread=1").await["items"][0]["id"].as_i64().unwrap();
    let staff_token = form_csrf(&staff_page.html, "/inbox/read-all");
    let other = staff.post(&app, &format!("/inbox/{theirs}/read"), &[("csrf_token", staff_token.as_str())]).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "{}", other.html);
    assert!(other.html.contains("消息"), "{}", other.html);
    assert_eq!(api_inbox(&app, "window_head", "?unread=1").await["total"], json!(unread - 1));

    // All at once: no number in the header, the unread list says so, the notices stay listed as read.
    let token = form_csrf(&page.html, "/inbox/read-all");
    let done = head.post(&app, "/inbox/read-all", &[("csrf_token", token.as_str())]).await;
    assert_eq!(done.location.as_deref(), Some("/inbox?done=read-all"), "{}", done.html);
    let page = head.get(&app, "/inbox?done=read-all").await;
    assert!(page.html.contains("全部消息已标为已读"), "{}", page.html);
    assert_eq!(header_count(&page.html), None);
    assert!(!page.html.contains("action=\"/inbox/read-all\""), "nothing left to mark");
    assert!(page.html.contains(&format!("id=\"notice-{first}\"")));
    assert!(head.get(&app, "/inbox?unread=1").await.html.contains("没有未读消息"));
    let home = head.get(&app, "/").await.html;
    assert!(home.contains("id=\"home-inbox\">消息</a>"), "{home}");
    assert!(header_count(&staff.get(&app, "/").await.html).is_some(), "the staff's own stay unread");
    app.stop().await;
}

async fn every_role_finds_the_inbox_from_the_header_and_the_landing_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ticket = app.bad_review(BadReview::default().comment("没有一次告知")).await.ticket;
    app.run_jobs().await;
    for user in
        ["staff", "window_head", "dept_head", "registrar", "hotline_operator", "supervisor", "discipline", "admin"]
    {
        let mut browser = app.browser_as(user).await;
        let home = browser.get(&app, "/").await;
        assert!(home.html.contains("id=\"inbox-link\""), "{user}: {}", home.html);
        assert!(home.html.contains("id=\"home-inbox\""), "{user}: {}", home.html);
        let page = browser.get(&app, "/inbox").await;
        assert_eq!(page.status, StatusCode::OK, "{user}: {}", page.html);
        assert!(page.html.contains("<h1>消息</h1>"), "{user}");
    }
    // The staff member's new-ticket notice leads to the ticket page, which they may open.
    let mut staff = app.browser_as("staff").await;
    let page = staff.get(&app, "/inbox").await;
    assert!(page.html.contains(&format!("新工单待处理（{ticket}）")), "{}", page.html);
    let link = format!("/work/tickets/{ticket}");
    assert!(page.html.contains(&format!("href=\"{link}\"")), "{}", page.html);
    assert_eq!(staff.get(&app, &link).await.status, StatusCode::OK);
    // Signed out, the inbox asks to sign in first.
    let mut nobody = hcp_testkit::pages::Browser::default();
    let page = nobody.get(&app, "/inbox").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/login?next=%2Finbox"));
    app.stop().await;
}
