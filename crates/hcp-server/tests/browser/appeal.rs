//! A staff member appeals a bad review on the ticket page; the supervisor finds it in the appeals queue and
//! overturns it; the dashboard's 差评率 (and `GET /api/v1/stats`'s) drops.

use fantoccini::Locator;
use serde_json::json;

use crate::harness::{click, fill, shoot, sign_in, sign_out, start_browser};
use crate::revisit::scroll_to;
use crate::ticket::wait_for_text;
use hcp_testkit::{Backend, BadReview, TestApp};

async fn bad_rate(app: &TestApp) -> f64 {
    let supervisor = app.login("supervisor").await;
    let (_, stats) = app.get("/api/v1/stats?from=2026-10-01&to=2026-10-31", Some(&supervisor)).await;
    stats["groups"][0]["rates"]["bad_rate"].as_f64().unwrap_or_else(|| panic!("{stats}"))
}

/// The 差评率 headline of the supervisor's dashboard (default period, which contains the test clock's month).
async fn dashboard_bad_rate(client: &fantoccini::Client, app: &TestApp) -> String {
    client.goto(&app.url("/supervise")).await.unwrap();
    client.wait().for_element(Locator::Id("bad-rate")).await.unwrap().text().await.unwrap().trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "browser: needs chromedriver; run with HCP_BROWSER_TESTS=1 and --ignored"]
async fn staff_appeals_and_the_supervisor_overturns() {
    let (_driver, client) = start_browser().await;
    let app = TestApp::spawn(Backend::Sqlite).await;
    // The seeded `staff` user is S002 (李强) at W-SC-01: a good review for the window, a bad one for them.
    let (status, _) = app.evaluate(json!({"channel": "qrcode", "window_code": "W-SC-01", "level": 5})).await;
    assert_eq!(status, reqwest::StatusCode::CREATED);
    let ticket = app.bad_review(BadReview::default().comment("根本没给我办")).await.ticket;
    let late = app.bad_review(BadReview::default().comment("不想再来了")).await.ticket;
    let before = bad_rate(&app).await;
    assert!(before > 0.0, "{before}");

    // The staff member on a phone.
    client.set_window_size(360, 740).await.unwrap();
    sign_in(&client, &app, "staff").await;
    client.goto(&app.url("/work/tickets")).await.unwrap();
    click(&client, &format!("a[href='/work/tickets/{ticket}']")).await;
    let body = wait_for_text(&client, "提交申诉").await;
    assert!(body.contains("根本没给我办") && body.contains("工作人员看不到评价人信息"), "{body}");
    click(&client, "#appeal-malicious").await;
    fill(&client, "appeal-statement", "该群众当日未在本窗口取号办理，大厅监控可证").await;
    let width = client.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
    assert!(width.as_i64().unwrap() <= 360, "ticket page is {width} px wide at 360 px");
    shoot(&client, "appeal-1-staff").await;
    click(&client, "#form-appeal button[type=submit]").await;
    let body = wait_for_text(&client, "申诉已提交").await;
    assert!(
        body.contains("申诉复核中") && body.contains("申诉复核期限") && body.contains("复核期间暂停计算"),
        "{body}"
    );
    shoot(&client, "appeal-2-submitted").await;
    scroll_to(&client, "deadlines").await;
    shoot(&client, "appeal-2b-feedback-paused").await;
    sign_out(&client).await;

    // The supervisor at a desk.
    client.set_window_size(1280, 900).await.unwrap();
    sign_in(&client, &app, "supervisor").await;
    let dashboard_before = dashboard_bad_rate(&client, &app).await;
    assert!(dashboard_before.ends_with('%') && dashboard_before != "0.0%", "{dashboard_before}");
    client.goto(&app.url("/supervise/appeals")).await.unwrap();
    shoot(&client, "appeal-3-queue").await;
    click(&client, &format!("a[href='/work/tickets/{ticket}']")).await;
    let body = wait_for_text(&client, "申诉复核决定").await;
    assert!(body.contains("该群众当日未在本窗口取号办理"), "the statement is on the timeline: {body}");
    click(&client, "#decision-overturned").await;
    click(&client, "#decision-malicious").await;
    fill(&client, "decision-explanation", "经调取监控，该评价人当日未在本窗口办理业务，属恶意差评").await;
    shoot(&client, "appeal-4-decision").await;
    click(&client, "#form-decision button[type=submit]").await;
    let body = wait_for_text(&client, "申诉复核决定已作出").await;
    assert!(body.contains("已改判") && body.contains("不予采纳"), "{body}");
    let state = client.find(Locator::Id("ticket-state")).await.unwrap().text().await.unwrap();
    assert!(state.starts_with("已改判"), "{state}");
    shoot(&client, "appeal-5-overturned").await;

    let after = bad_rate(&app).await;
    assert!(after < before, "bad-review rate {before} → {after}");
    let dashboard_after = dashboard_bad_rate(&client, &app).await;
    assert_ne!(dashboard_after, dashboard_before, "the dashboard's 差评率 changes");
    let percent = |text: &str| text.trim_end_matches('%').parse::<f64>().unwrap();
    assert!(percent(&dashboard_after) < percent(&dashboard_before), "{dashboard_before} → {dashboard_after}");
    shoot(&client, "appeal-6-dashboard").await;
    sign_out(&client).await;

    // Thursday: the other ticket's appeal window has closed, and its page says so on the phone.
    app.clock.advance(chrono::Duration::days(3));
    client.set_window_size(360, 740).await.unwrap();
    sign_in(&client, &app, "staff").await;
    client.goto(&app.url(&format!("/work/tickets/{late}"))).await.unwrap();
    let body = wait_for_text(&client, "申诉期限已于").await;
    assert!(body.contains("不能再申诉"), "{body}");
    scroll_to(&client, "deadlines").await;
    shoot(&client, "appeal-7-window-closed").await;
    client.close().await.unwrap();
    app.stop().await;
}
