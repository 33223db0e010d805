//! A citizen scans the window's code at phone size (360×740), gives 不满意 with a tag and a comment, gets a
//! tracking code, and follows it on `/track`.

use fantoccini::Locator;

use crate::common::{Backend, spawn};
use crate::harness::{click, shoot, start_browser};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_gives_a_bad_review_on_a_phone_and_tracks_it() {
    let Some((_driver, client)) = start_browser().await else { return };
    let app = spawn(Backend::Sqlite).await.unwrap();
    client.set_window_size(360, 740).await.unwrap();

    client.goto(&app.url("/e/W-SC-01")).await.unwrap();
    let heading = client.find(Locator::Css(".window-name")).await.unwrap().text().await.unwrap();
    assert_eq!(heading, "市场主体登记窗口");
    shoot(&client, "1-evaluate-form").await;
    // The labels are the touch targets (the radio and checkbox inputs themselves are visually hidden).
    click(&client, "input[name=level][value='2'] + span").await;
    click(&client, "input[name=tags][value='214'] + span").await;
    let other_level_tag = client.find(Locator::Css("input[name=tags][value='510'] + span")).await.unwrap();
    assert!(!other_level_tag.is_displayed().await.unwrap(), "only the chosen level's tags are shown");
    client.find(Locator::Id("comment")).await.unwrap().send_keys("窗口人员态度生硬，排队四十分钟").await.unwrap();
    shoot(&client, "2-evaluate-filled").await;
    click(&client, "button[type=submit]").await;

    let code = client.wait().for_element(Locator::Id("tracking-code")).await.unwrap().text().await.unwrap();
    let password = client.find(Locator::Id("query-password")).await.unwrap().text().await.unwrap();
    assert!(code.starts_with('E'), "{code}");
    assert_eq!(password.len(), 6, "{password}");
    shoot(&client, "3-receipt").await;

    click(&client, "a[href^='/track']").await;
    let code_field = client.wait().for_element(Locator::Id("code")).await.unwrap();
    assert_eq!(code_field.prop("value").await.unwrap().as_deref(), Some(code.as_str()));
    client.find(Locator::Id("password")).await.unwrap().send_keys(&password).await.unwrap();
    click(&client, "button[type=submit]").await;
    let state = client.wait().for_element(Locator::Id("track-state")).await.unwrap().text().await.unwrap();
    let (_, api) = app.get(&format!("/api/v1/track/{code}?password={password}"), None).await;
    assert_eq!(state, api["state_label"].as_str().unwrap());
    let body = client.find(Locator::Css("body")).await.unwrap().text().await.unwrap();
    assert!(body.contains("不满意") && body.contains("反馈期限"), "{body}");
    // Nothing overflows the phone's width.
    let width = client.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
    assert!(width.as_i64().unwrap() <= 360, "page is {width} px wide at 360 px");
    shoot(&client, "4-track").await;

    client.close().await.unwrap();
    app.stop().await;
}
