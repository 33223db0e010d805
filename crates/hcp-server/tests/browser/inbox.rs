//! A window head with several notices on a phone (360×740): the header's number leads to the inbox, each notice
//! to its ticket or order, and "全部标为已读" clears the number; nothing overflows the phone's width.

use fantoccini::{Client, Locator};

use crate::harness::{body_text, click, shoot, sign_in, start_browser};
use crate::ticket::wait_for_text;
use hcp_testkit::{Backend, BadReview, TestApp};

async fn width(client: &Client) -> i64 {
    client.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap().as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "browser: needs chromedriver; run with HCP_BROWSER_TESTS=1 and --ignored"]
async fn the_head_reads_the_notices_on_a_phone_and_clears_the_number() {
    let (_driver, client) = start_browser().await;
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.bad_review(BadReview::default().comment("窗口人员态度生硬")).await;
    app.bad_review(BadReview::default().of("W-SC-01", "S001").comment("材料一次没说清，来回跑了三趟")).await;
    app.issue_window_order("10月差评集中，请限期整改").await;
    app.run_jobs().await;

    client.set_window_size(360, 740).await.unwrap();
    sign_in(&client, &app, "window_head").await;
    let count = client.find(Locator::Id("unread-count")).await.unwrap().text().await.unwrap();
    assert!(count.parse::<i64>().unwrap() >= 3, "{count}");
    assert!(width(&client).await <= 360, "the header fits the phone");
    shoot(&client, "inbox-1-home").await;
    click(&client, "#inbox-link").await;
    let body = wait_for_text(&client, "全部标为已读").await;
    assert!(body.contains("督办：整改通知") && body.contains("新工单待处理"), "{body}");
    assert!(width(&client).await <= 360, "the inbox fits the phone");
    shoot(&client, "inbox-2-unread").await;

    click(&client, "a.inbox-item-link[href^='/work/orders']").await;
    wait_for_text(&client, "10月差评集中，请限期整改").await;
    client.back().await.unwrap();
    wait_for_text(&client, "全部标为已读").await;
    click(&client, "#read-all").await;
    wait_for_text(&client, "全部消息已标为已读").await;
    assert!(client.find(Locator::Id("unread-count")).await.is_err(), "no number once all are read");
    assert!(!body_text(&client).await.contains("未读（1"), "nothing unread");
    shoot(&client, "inbox-3-all-read").await;
    app.stop().await;
}
