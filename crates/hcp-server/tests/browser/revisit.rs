//! The revisit (issue 13, item 4): the supervisor opens a ticket from the revisit queue on a phone, sees the
//! evaluation it came from with the contact masked, states a reason, gets the phone number and records the
//! revisit; a complaint and a misconduct report reveal the same way at a desk.

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::harness::{click, fill, shoot, sign_in, start_browser};
use crate::ticket::wait_for_text;
use hcp_testkit::{Backend, BadReview, TestApp};

pub async fn scroll_to(client: &Client, id: &str) {
    client.execute(&format!("document.getElementById('{id}').scrollIntoView()"), vec![]).await.unwrap();
}

async fn width(client: &Client) -> i64 {
    client.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap().as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "browser: needs chromedriver; run with HCP_BROWSER_TESTS=1 and --ignored"]
async fn the_supervisor_reveals_the_contact_for_the_revisit() {
    let (_driver, client) = start_browser().await;
    let app = TestApp::spawn(Backend::Sqlite).await;
    let review = BadReview::default()
        .comment("排队四十分钟无人理会")
        .with(json!({"evaluator": {"name": "张三", "phone": "13912345678"}}));
    let ticket = app.bad_review(review).await.ticket;
    let head = app.login("window_head").await;
    for (action, body) in [
        ("verify", json!({"classification": "immediate", "finding": "高峰期窗口不足属实"})),
        ("rectify", json!({"measures": "高峰期增开窗口"})),
        ("feedback", json!({"text": "已增开窗口，感谢监督"})),
    ] {
        let (status, body) = app.post(&format!("/api/v1/tickets/{ticket}/{action}"), Some(&head), &body).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{action}: {body}");
    }
    let operator = app.login("hotline_operator").await;
    let complaint = json!({"channel": "phone", "window_code": "W-SC-01", "content": "营业执照办理一直没有结果",
        "contact": {"name": "王小明", "phone": "13700001111"}});
    let (_, receipt) = app.post("/api/v1/complaints", Some(&operator), &complaint).await;
    let complaint = receipt["ticket_id"].as_i64().unwrap();
    let report = json!({"kind": "coercion", "target": {"window_code": "W-SC-01", "staff_no": "S002"},
        "content": "工作人员要求必须点非常满意才让走", "contact": {"name": "李四", "phone": "13800002222"}});
    let (_, receipt) = app.post("/api/v1/misconduct-reports", None, &report).await;
    let report = receipt["ticket_id"].as_i64().unwrap();

    // On a phone: the revisit queue → the ticket → the reason → the number → the revisit.
    client.set_window_size(390, 900).await.unwrap();
    sign_in(&client, &app, "supervisor").await;
    client.goto(&app.url("/supervise/revisits")).await.unwrap();
    click(&client, &format!("a[href='/work/tickets/{ticket}']")).await;
    let body = wait_for_text(&client, "来源评价").await;
    assert!(body.contains("139****5678") && body.contains("市场主体登记窗口（W-SC-01）"), "{body}");
    assert!(body.contains("王芳（窗口负责人）") && !body.contains("window_head"), "{body}");
    shoot(&client, "revisit-1-phone-ticket").await;
    scroll_to(&client, "contact").await;
    fill(&client, "reveal-reason", "电话回访整改结果").await;
    shoot(&client, "revisit-2-phone-reason").await;
    click(&client, "#form-reveal button[type=submit]").await;
    let body = wait_for_text(&client, "已记入审计日志").await;
    let phone = client.find(Locator::Id("revealed-phone")).await.unwrap().text().await.unwrap();
    assert_eq!(phone, "13912345678", "{body}");
    assert!(width(&client).await <= 390, "ticket page wider than the phone");
    scroll_to(&client, "contact").await;
    shoot(&client, "revisit-3-phone-revealed").await;
    click(&client, "#revisit-satisfied").await;
    click(&client, "#form-revisit button[type=submit]").await;
    wait_for_text(&client, "回访结果已记录").await;

    // At a desk: the closed bad review with its timeline, then a complaint and a misconduct report.
    client.set_window_size(1280, 900).await.unwrap();
    client.goto(&app.url(&format!("/work/tickets/{ticket}"))).await.unwrap();
    wait_for_text(&client, "来源评价").await;
    shoot(&client, "revisit-4-desk-bad-review").await;
    scroll_to(&client, "timeline").await;
    shoot(&client, "revisit-4-desk-bad-review-timeline").await;
    for (id, name, phone) in [(complaint, "complaint", "13700001111"), (report, "report", "13800002222")] {
        client.goto(&app.url(&format!("/work/tickets/{id}"))).await.unwrap();
        wait_for_text(&client, "联系群众").await;
        shoot(&client, &format!("revisit-4-desk-{name}")).await;
        fill(&client, "reveal-reason", "核实情况需联系本人").await;
        click(&client, "#form-reveal button[type=submit]").await;
        wait_for_text(&client, phone).await;
        scroll_to(&client, "contact").await;
        shoot(&client, &format!("revisit-5-desk-{name}-revealed")).await;
    }
    client.set_window_size(390, 900).await.unwrap();
    client.goto(&app.url(&format!("/work/tickets/{report}"))).await.unwrap();
    wait_for_text(&client, "联系群众").await;
    assert!(width(&client).await <= 390, "report page wider than the phone");
    shoot(&client, "revisit-6-phone-report").await;
    client.close().await.unwrap();
    app.stop().await;
}
