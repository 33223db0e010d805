//! A registrar signs in, uploads a CSV file with good and bad rows on `/entry/upload` and reads the row report;
//! then types a hotline call into the `/entry` form with the keyboard and saves it.

use fantoccini::Locator;

use crate::harness::{body_text, click, fill, shoot, sign_in, start_browser};
use hcp_testkit::{Backend, TestApp};

const CSV: &str = "\u{feff}渠道,窗口编号,工号,评价等级,评价标签,评价内容,评价人姓名,联系电话,评价日期\r\n\
    纸质评价表,W-SC-01,S002,5,517,很好,,,2026-10-10\r\n\
    意见箱,W-SC-01,,不满意,214,态度生硬,刘洋,13700001111,2026-10-09\r\n\
    纸质评价表,W-NONE,,5,,,,,2026-10-10\r\n\
    纸质评价表,W-SC-01,,7,,,,,2026-10-10\r\n\
    12345热线,W-JZ-01,S101,4,,,,,2026-10-11\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "browser: needs chromedriver; run with HCP_BROWSER_TESTS=1 and --ignored"]
async fn registrar_uploads_a_file_and_reads_the_row_report() {
    let (_driver, client) = start_browser().await;
    let app = TestApp::spawn(Backend::Sqlite).await;
    client.set_window_size(1280, 1300).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("纸质评价表-10月.csv");
    std::fs::write(&file, CSV).unwrap();

    sign_in(&client, &app, "registrar").await;
    click(&client, "nav.menu a[href='/entry/upload']").await;
    let input = client.wait().for_element(Locator::Id("file")).await.unwrap();
    // chromedriver takes a local path as the file input's keys.
    input.send_keys(file.to_str().unwrap()).await.unwrap();
    click(&client, "form[action='/entry/upload'] button[type=submit]").await;

    client.wait().for_element(Locator::Id("report-title")).await.unwrap();
    let imported = client.find(Locator::Id("total-imported")).await.unwrap().text().await.unwrap();
    let refused = client.find(Locator::Id("total-refused")).await.unwrap().text().await.unwrap();
    assert_eq!((imported.as_str(), refused.as_str()), ("3", "2"));
    let row = client.find(Locator::Id("row-4")).await.unwrap().text().await.unwrap();
    assert!(row.contains("未导入") && row.contains("窗口编号“W-NONE”不存在"), "{row}");
    let row = client.find(Locator::Id("row-3")).await.unwrap().text().await.unwrap();
    assert!(row.contains("已导入") && row.contains("差评，已生成工单"), "{row}");
    let body = body_text(&client).await;
    assert!(body.contains("导入结果：纸质评价表-10月.csv"), "{body}");
    shoot(&client, "upload-1-row-report").await;

    // The same page at phone width: the report table scrolls inside its box, the page does not.
    client.set_window_size(360, 740).await.unwrap();
    let width = client.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
    assert!(width.as_i64().unwrap() <= 360, "page is {width} px wide at 360 px");
    client.set_window_size(1280, 1300).await.unwrap();

    // The entry form: the cursor starts on the first field; a hotline call typed in and saved.
    click(&client, "nav.menu a[href='/entry']").await;
    client.wait().for_element(Locator::Id("channel")).await.unwrap();
    let focused = client.execute("return document.activeElement.id", vec![]).await.unwrap();
    assert_eq!(focused.as_str(), Some("channel"));
    click(&client, "#channel option[value='phone']").await;
    fill(&client, "window", "W-SC-01").await;
    fill(&client, "staff", "S002").await;
    click(&client, "input[name=level][value='2'] + span").await;
    click(&client, "input[name=tags][value='214'] + span").await;
    fill(&client, "comment", "来电反映窗口人员态度生硬").await;
    fill(&client, "name", "刘洋").await;
    fill(&client, "phone", "13700001111").await;
    shoot(&client, "upload-2-entry-form-filled").await;
    click(&client, "button[name=after][value=continue]").await;

    let code = client.wait().for_element(Locator::Id("last-tracking-code")).await.unwrap().text().await.unwrap();
    assert!(code.starts_with('E'), "{code}");
    let body = body_text(&client).await;
    assert!(body.contains("差评，已生成工单") && body.contains("请告知来电人查询码和查询密码"), "{body}");
    // Channel and window kept for the next call; the cursor waits in the staff field.
    let window = client.find(Locator::Id("window")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(window.as_deref(), Some("W-SC-01"));
    let focused = client.execute("return document.activeElement.id", vec![]).await.unwrap();
    assert_eq!(focused.as_str(), Some("staff"));
    shoot(&client, "upload-3-entry-saved").await;
    client.set_window_size(360, 740).await.unwrap();
    let width = client.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
    assert!(width.as_i64().unwrap() <= 360, "entry form is {width} px wide at 360 px");
    shoot(&client, "upload-4-entry-phone-width").await;

    client.close().await.unwrap();
    app.stop().await;
}

/// A hotline operator takes a complaint call: names the department, picks the window and staff member from that
/// department's short lists, and saves with Enter; the save box reads the target back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "browser: needs chromedriver; run with HCP_BROWSER_TESTS=1 and --ignored"]
async fn hotline_operator_narrows_a_complaint_to_the_department_and_reads_back_the_target() {
    let (_driver, client) = start_browser().await;
    let app = TestApp::spawn(Backend::Sqlite).await;
    client.set_window_size(1280, 1000).await.unwrap();
    sign_in(&client, &app, "hotline_operator").await;
    click(&client, "nav.menu a[href='/entry/complaint']").await;
    client.wait().for_element(Locator::Id("lists-hint")).await.unwrap();
    let options = client.find_all(Locator::Css("#window-list option")).await.unwrap();
    assert!(options.is_empty(), "no window list before a department is named");
    fill(&client, "content", "来电反映窗口让其跑了三次").await;
    click(&client, "#department option[value='SCJG']").await;
    click(&client, "#narrow").await;

    client.wait().for_element(Locator::Css("#department option[value='SCJG'][selected]")).await.unwrap();
    let focused = client.execute("return document.activeElement.id", vec![]).await.unwrap();
    assert_eq!(focused.as_str(), Some("window"), "the cursor goes on to the window");
    let windows = client.find_all(Locator::Css("#window-list option")).await.unwrap();
    assert_eq!(windows.len(), 1, "the market regulation bureau has one window in the test world");
    let content = client.find(Locator::Id("content")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(content.as_deref(), Some("来电反映窗口让其跑了三次"), "what was typed is kept");
    fill(&client, "staff", "S002").await;
    fill(&client, "phone", "13900002222").await;
    shoot(&client, "complaint-1-narrowed").await;
    // Enter in the phone field saves (the hidden default button), it does not list the department again.
    let phone = client.find(Locator::Id("phone")).await.unwrap();
    phone.send_keys(&fantoccini::key::Key::Enter.to_string()).await.unwrap();

    client.wait().for_element(Locator::Id("last-tracking-code")).await.unwrap();
    let window = client.find(Locator::Id("last-window")).await.unwrap().text().await.unwrap();
    assert_eq!(window, "市场主体登记窗口（W-SC-01）");
    let staff = client.find(Locator::Id("last-staff")).await.unwrap().text().await.unwrap();
    assert!(staff.ends_with("（S002）"), "{staff}");
    assert_eq!(app.row_count("complaints").await, 1);
    shoot(&client, "complaint-2-saved").await;
    client.set_window_size(360, 740).await.unwrap();
    let width = client.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
    assert!(width.as_i64().unwrap() <= 360, "complaint form is {width} px wide at 360 px");
    shoot(&client, "complaint-3-saved-phone-width").await;

    client.close().await.unwrap();
    app.stop().await;
}
