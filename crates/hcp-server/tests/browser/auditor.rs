//! The audit administrator at work (issue 16): signs in, opens 审计日志 from the menu, filters by action and by
//! actor and sees the rows change, exports the filtered log as CSV, starts a verification of the chain and sees
//! 完整 once it finished — on a desktop and on a phone.

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::harness::{click, fill, shoot, sign_in, start_browser};
use crate::ticket::wait_for_text;
use hcp_testkit::{Backend, BadReview, TestApp};

/// The number of rows of the log's table (0 when the page says there are none).
async fn rows(client: &Client) -> usize {
    client.find_all(Locator::Css("#audit-entries tbody tr")).await.unwrap().len()
}

/// The text of the log's table.
async fn table(client: &Client) -> String {
    client.find(Locator::Id("audit-entries")).await.unwrap().text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "browser: needs chromedriver; run with HCP_BROWSER_TESTS=1 and --ignored"]
async fn the_auditor_browses_filters_exports_and_verifies_the_audit_log() {
    let (_driver, client) = start_browser().await;
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.bad_review(BadReview::default()).await;
    let _ = app.login("window_head").await;
    client.set_window_size(1280, 900).await.unwrap();
    sign_in(&client, &app, "auditor").await;
    wait_for_text(&client, "审计概况").await;
    shoot(&client, "auditor-1-landing").await;

    click(&client, "nav.menu a[href='/audit']").await;
    wait_for_text(&client, "导出当前筛选结果").await;
    let all = rows(&client).await;
    assert!(all >= 4, "the evaluation, its ticket and the sign-ins: {all}");
    assert!(table(&client).await.contains("登记评价"));
    shoot(&client, "auditor-2-log").await;

    // By action: only sign-ins.
    let select = client.find(Locator::Id("f-action")).await.unwrap();
    select.select_by_value("session.create").await.unwrap();
    click(&client, "form.audit-filters button[type=submit]").await;
    wait_for_text(&client, "共 2 条").await;
    assert_eq!(rows(&client).await, 2, "the window head's and the auditor's sign-ins");
    assert!(!table(&client).await.contains("登记评价"), "the rows changed");

    // And by actor: the window head's one.
    fill(&client, "f-actor", "window_head").await;
    click(&client, "form.audit-filters button[type=submit]").await;
    wait_for_text(&client, "共 1 条").await;
    assert_eq!(rows(&client).await, 1);
    assert!(table(&client).await.contains("（窗口负责人）"));
    shoot(&client, "auditor-3-filtered").await;
    client.set_window_size(390, 900).await.unwrap();
    shoot(&client, "auditor-3-filtered-phone").await;
    client.set_window_size(1280, 900).await.unwrap();

    // The CSV link carries the filter and answers the file.
    let href = client.find(Locator::Id("export-csv")).await.unwrap().attr("href").await.unwrap().unwrap();
    assert!(
        href.contains("action=session.create") && href.contains("actor=window_head") && href.contains("format=csv")
    );
    // The page's content policy keeps scripts from fetching: the browser's session cookie is used as it would be.
    let cookie = client
        .get_all_cookies()
        .await
        .unwrap()
        .iter()
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect::<Vec<_>>()
        .join("; ");
    let url = if href.starts_with("http") { href.clone() } else { app.url(&href) };
    let response = app.client.get(url).header("cookie", cookie).send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    let answer = format!("{status}|{content_type}|{}", response.text().await.unwrap());
    assert!(answer.starts_with("200|text/csv"), "{answer}");
    assert!(answer.contains("序号,时间,操作人") && answer.contains(",登录成功,session.create,"), "{answer}");
    assert_eq!(answer.lines().count(), 2, "the header and the one row: {answer}");

    // A verification, started from its page, shows 完整 once it finished.
    click(&client, "nav.menu a[href='/audit/verifications']").await;
    wait_for_text(&client, "不会删除").await;
    click(&client, "#start-verification").await;
    wait_for_text(&client, "已提交校验").await;
    let mut shown = String::new();
    for _ in 0..50 {
        client.goto(&app.url("/audit/verifications")).await.unwrap();
        shown = client.find(Locator::Css(".verification-status")).await.unwrap().text().await.unwrap();
        if shown == "完整" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(shown, "完整");
    shoot(&client, "auditor-4-verified").await;
    client.set_window_size(390, 900).await.unwrap();
    shoot(&client, "auditor-4-verified-phone").await;
    client.goto(&app.url("/audit")).await.unwrap();
    shoot(&client, "auditor-2-log-phone").await;
    app.stop().await;
}
