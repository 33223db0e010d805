//! A citizen scans the window's code at phone size (360×740), gives 不满意 with a tag and a comment, gets a
//! tracking code, and follows it on `/track`.

use fantoccini::Locator;
use fantoccini::wd::{PrintConfiguration, PrintSize};

use crate::harness::{body_text, click, fill, shoot, start_browser};
use hcp_testkit::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "browser: needs chromedriver; run with HCP_BROWSER_TESTS=1 and --ignored"]
async fn citizen_gives_a_bad_review_on_a_phone_and_tracks_it() {
    let (_driver, client) = start_browser().await;
    let app = TestApp::spawn(Backend::Sqlite).await;
    client.set_window_size(360, 740).await.unwrap();

    client.goto(&app.url("/e/W-SC-01")).await.unwrap();
    let heading = client.find(Locator::Css(".window-name")).await.unwrap().text().await.unwrap();
    assert_eq!(heading, "市场主体登记窗口");
    shoot(&client, "1-evaluate-form").await;
    // Before a level is chosen no tags are listed (a hint instead), so the form stays short on a phone.
    let any_tag = client.find(Locator::Css("input[name=tags][value='214'] + span")).await.unwrap();
    assert!(!any_tag.is_displayed().await.unwrap(), "no tags before a level is chosen");
    assert!(client.find(Locator::Css(".tag-hint")).await.unwrap().is_displayed().await.unwrap());
    let height = client.execute("return document.documentElement.scrollHeight", vec![]).await.unwrap();
    assert!(height.as_i64().unwrap() < 2000, "the form is {height} px high at 360 px");
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
    assert!(body.contains("不满意") && body.contains("反馈期限") && body.contains("评价进度查询"), "{body}");
    // Nothing overflows the phone's width.
    let width = client.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
    assert!(width.as_i64().unwrap() <= 360, "page is {width} px wide at 360 px");
    shoot(&client, "4-track").await;

    client.close().await.unwrap();
    app.stop().await;
}

/// At phone size a citizen files a complaint from the landing page and keeps the receipt; the monthly
/// disclosure fits the phone; the window's paper form prints on one A4 page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "browser: needs chromedriver; run with HCP_BROWSER_TESTS=1 and --ignored"]
async fn citizen_files_a_complaint_reads_the_disclosure_and_prints_the_paper_form() {
    let (_driver, client) = start_browser().await;
    let app = TestApp::spawn(Backend::Sqlite).await;
    client.set_window_size(360, 740).await.unwrap();

    client.goto(&app.url("/")).await.unwrap();
    click(&client, "a[href='/complaint']").await;
    let target = client.wait().for_element(Locator::Id("target")).await.unwrap();
    target.select_by_value("w:W-SC-01").await.unwrap();
    fill(&client, "content", "10月12日上午在市场主体登记窗口排队一小时，材料被退回三次").await;
    fill(&client, "phone", "13912345678").await;
    shoot(&client, "citizen-5-complaint-form").await;
    click(&client, "button[type=submit]").await;
    let code = client.wait().for_element(Locator::Id("tracking-code")).await.unwrap().text().await.unwrap();
    let password = client.find(Locator::Id("query-password")).await.unwrap().text().await.unwrap();
    assert!(body_text(&client).await.contains("投诉已受理"));
    let (status, _) = app.get(&format!("/api/v1/track/{code}?password={password}"), None).await;
    assert_eq!(status.as_u16(), 200, "the receipt opens the complaint's tracking");
    shoot(&client, "citizen-6-complaint-receipt").await;

    // Figures to disclose: two evaluations this month, shown as the month asked for.
    for level in [5, 2] {
        let (status, body) = app
            .evaluate(serde_json::json!({"channel": "qrcode", "window_code": "W-SC-01", "level": level,
                "tags": if level == 2 { vec![214] } else { vec![] }, "evaluator": {"name": "张三丰"}}))
            .await;
        assert_eq!(status.as_u16(), 201, "{body}");
    }
    client.goto(&app.url("/public?month=2026-10")).await.unwrap();
    let body = body_text(&client).await;
    assert!(body.contains("市场监督管理局") && body.contains("50.0%") && !body.contains("张三丰"), "{body}");
    let width = client.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
    assert!(width.as_i64().unwrap() <= 360, "page is {width} px wide at 360 px");
    shoot(&client, "citizen-7-public").await;

    // Who served them: a plain radio list on the window's form, 不确定 unless chosen.
    client.goto(&app.url("/e/W-SC-01")).await.unwrap();
    let unsure = client.find(Locator::Id("staff-none")).await.unwrap();
    assert!(unsure.is_selected().await.unwrap());
    click(&client, "label[for=staff-S002], #staff-S002").await;
    assert!(client.find(Locator::Id("staff-S002")).await.unwrap().is_selected().await.unwrap());
    shoot(&client, "citizen-8-evaluate-staff").await;

    client.goto(&app.url("/e/W-SC-01/form")).await.unwrap();
    client.wait().for_element(Locator::Css(".paper-qr svg")).await.unwrap();
    shoot(&client, "citizen-9-paper-form-phone").await;
    client.set_window_size(820, 1160).await.unwrap();
    shoot(&client, "citizen-10-paper-form").await;
    let pdf = client.print(PrintConfiguration::builder().size(PrintSize::A4).build().unwrap()).await.unwrap();
    // The page tree's `/Count n` (Chromium writes it uncompressed).
    let text = String::from_utf8_lossy(&pdf);
    let pages: usize = hcp_testkit::pages::between(&text, "/Count ", "\n")
        .and_then(|n| n.trim_end_matches(['>', '/', ' ']).trim().parse().ok())
        .expect("page count in the PDF");
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("../screenshots/citizen-paper-form.pdf");
    std::fs::write(&path, &pdf).unwrap();
    eprintln!("printed: {} ({pages} page(s))", path.display());
    assert_eq!(pages, 1, "the paper form prints on one A4 page");

    client.close().await.unwrap();
    app.stop().await;
}
