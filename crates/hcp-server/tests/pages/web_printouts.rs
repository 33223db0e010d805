//! What administrators print and read: the window poster and the paper form warn on screen (not on paper) while
//! their QR code carries a guessed address because `public_url` is unset, and the calendar page shows dates as
//! people read them, not instants.

use hcp_server::Config;
use hcp_testkit::pages::{Browser, between};
use hcp_testkit::{Backend, Options, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

hcp_store::on_both_backends!(
    the_poster_and_paper_form_warn_while_the_address_is_guessed,
    the_calendar_page_shows_dates_people_read,
);

const WARNING: &str = "id=\"public-url-warning\"";

async fn the_poster_and_paper_form_warn_while_the_address_is_guessed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let guessed = format!("{}/e/W-SC-01", app.base_url());
    let mut admin = app.browser_as("admin").await;
    let poster = admin.get(&app, "/admin/windows/W-SC-01/poster").await;
    assert_eq!(poster.status, StatusCode::OK);
    let warning = between(&poster.html, WARNING, "</p>").unwrap_or_else(|| panic!("no warning: {}", poster.html));
    assert!(warning.contains("public_url") && warning.contains(app.base_url()), "{warning}");
    assert!(poster.html.contains("class=\"screen-only alert\""), "kept off the paper");
    assert!(poster.html.contains(&format!("无法扫码时请在浏览器输入：{guessed}")), "the address printed small");
    let paper = Browser::default().get(&app, "/e/W-SC-01/form").await;
    assert!(paper.html.contains(WARNING), "{}", paper.html);
    app.stop().await;

    // Configured: the codes carry the configured address and nothing warns.
    let config = Config { public_url: "https://hcp.example.gov.cn/".to_owned(), ..Config::default() };
    let app = TestApp::spawn_with(backend, Options { config, ..Default::default() }).await;
    let mut admin = app.browser_as("admin").await;
    let poster = admin.get(&app, "/admin/windows/W-SC-01/poster").await;
    assert!(!poster.html.contains(WARNING), "{}", poster.html);
    assert!(poster.html.contains("https://hcp.example.gov.cn/e/W-SC-01"));
    let paper = Browser::default().get(&app, "/e/W-SC-01/form").await;
    assert!(!paper.html.contains(WARNING) && paper.html.contains("https://hcp.example.gov.cn/e/W-SC-01"));
    app.stop().await;
}

async fn the_calendar_page_shows_dates_people_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.login("admin").await;
    let year = json!({"year": 2027, "papers": ["https://www.gov.cn/zhengce/content/2027-notice.htm"],
        "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]});
    let (status, body) = app.send(Method::PUT, "/api/v1/admin/calendar/2027", Some(&token), &[], Some(&year)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let closure = json!({"is_off_day": true, "name": "暴雪停止对外办公"});
    let (status, body) =
        app.send(Method::PUT, "/api/v1/admin/calendar/local-days/2026-11-20", Some(&token), &[], Some(&closure)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let mut admin = app.browser_as("admin").await;
    let page = admin.get(&app, "/admin/calendar?year=2026").await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "<a href=\"/admin/calendar?year=2027\">2027</a>（2026年10月12日 10:00 导入）",
        "<td>2026年10月1日（周四）</td><td>国庆节</td>",
        "<td>2026年11月20日（周五）</td><td>本地休息日</td>",
        "title=\"2026年10月1日（周四） 国庆节（法定节假日）\"",
    ] {
        assert!(page.html.contains(text), "missing {text}: {}", page.html);
    }
    // Instants and ISO days stay only where machines read them (data attributes, form values).
    let shown = page.html.replace("data-date=\"", "").replace("name=\"date\" value=\"", "");
    assert!(!shown.contains("+08:00") && !shown.contains("T10:00"), "{shown}");
    assert!(!shown.contains(">2026-10-01<") && !shown.contains(">2026-11-20<"), "{shown}");
    app.stop().await;
}
