//! A citizen gives 不满意 on a phone (360×740); the window head handles it on the ticket page (verify as
//! complex, rectify, feedback); the citizen sees the feedback on `/track` and rates the handling.

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::harness::{body_text, click, fill, shoot, sign_in, sign_out, start_browser};
use hcp_testkit::{Backend, TestApp};

/// Waits (bounded) until the page shows `text`.
pub async fn wait_for_text(client: &Client, text: &str) -> String {
    for _ in 0..50 {
        let body = body_text(client).await;
        if body.contains(text) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("page never showed {text}: {}", body_text(client).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "browser: needs chromedriver; run with HCP_BROWSER_TESTS=1 and --ignored"]
async fn window_head_handles_a_bad_review_and_the_citizen_rates_it() {
    let (_driver, client) = start_browser().await;
    let app = TestApp::spawn(Backend::Sqlite).await;

    // The citizen, on a phone.
    client.set_window_size(360, 740).await.unwrap();
    client.goto(&app.url("/e/W-SC-01")).await.unwrap();
    click(&client, "input[name=level][value='2'] + span").await;
    click(&client, "input[name=tags][value='214'] + span").await;
    fill(&client, "comment", "窗口人员态度生硬，排队四十分钟").await;
    click(&client, "button[type=submit]").await;
    let code = client.wait().for_element(Locator::Id("tracking-code")).await.unwrap().text().await.unwrap();
    let password = client.find(Locator::Id("query-password")).await.unwrap().text().await.unwrap();
    shoot(&client, "ticket-1-citizen-receipt").await;

    // The window head, on a desktop: inbox → ticket → verify → rectify → feedback.
    client.set_window_size(1280, 900).await.unwrap();
    sign_in(&client, &app, "window_head").await;
    client.goto(&app.url("/work/tickets")).await.unwrap();
    let row = wait_for_text(&client, "剩余 7 个工作日").await;
    assert!(row.contains("已分派") && row.contains("差评"), "{row}");
    shoot(&client, "ticket-2-inbox").await;
    click(&client, "a.ticket-link").await;
    let body = wait_for_text(&client, "来源评价").await;
    assert!(body.contains("窗口人员态度生硬，排队四十分钟") && body.contains("服务态度生硬"), "{body}");
    assert!(!body.contains("（已脱敏）"), "the window head sees no evaluator");
    click(&client, "#verify-complex").await;
    fill(&client, "verify-finding", "高峰期仅开一个窗口，排队时间过长属实").await;
    shoot(&client, "ticket-3-verify").await;
    click(&client, "#form-verify button[type=submit]").await;
    wait_for_text(&client, "核实结果已保存").await;
    fill(&client, "rectify-measures", "高峰期增开两个窗口，增设取号机").await;
    click(&client, "#form-rectify button[type=submit]").await;
    wait_for_text(&client, "整改措施已记录").await;
    fill(&client, "feedback-text", "已增开窗口并增设取号机，感谢您的监督").await;
    click(&client, "#form-feedback button[type=submit]").await;
    let body = wait_for_text(&client, "处理反馈已发送给群众").await;
    assert!(body.contains("已反馈") && body.contains("整改措施"), "{body}");
    shoot(&client, "ticket-4-answered").await;
    sign_out(&client).await;

    // The citizen again, on the phone: the feedback and the rating.
    client.set_window_size(360, 740).await.unwrap();
    client.goto(&app.url(&format!("/track?code={code}"))).await.unwrap();
    fill(&client, "password", &password).await;
    click(&client, "form[action='/track'] button[type=submit]").await;
    let body = wait_for_text(&client, "请评价处理结果").await;
    assert!(body.contains("已增开窗口并增设取号机，感谢您的监督"), "{body}");
    click(&client, "input[name=satisfaction][value=satisfied] + span").await;
    fill(&client, "rate-password", &password).await;
    shoot(&client, "ticket-5-rate").await;
    click(&client, "#rate-form button[type=submit]").await;
    wait_for_text(&client, "感谢您的评价").await;
    let state = client.find(Locator::Id("track-state")).await.unwrap().text().await.unwrap();
    assert_eq!(state, "已办结");
    let width = client.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
    assert!(width.as_i64().unwrap() <= 360, "page is {width} px wide at 360 px");
    shoot(&client, "ticket-6-rated").await;
    let (_, api) = app.get(&format!("/api/v1/track/{code}?password={password}"), None).await;
    assert_eq!(api["state"], "closed");

    client.close().await.unwrap();
    app.stop().await;
}
