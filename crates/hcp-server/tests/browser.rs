//! One real-browser story in headless Chromium at phone size (360×740), through chromedriver: a citizen scans
//! the window's code, gives 不满意 with a tag and a comment, gets a tracking code, and follows it on `/track`.
//!
//! Skipped (with a message) when `chromedriver` is not installed, unless `HCP_BROWSER_TESTS=1` demands it.
//! Screenshots go to `<target dir>/screenshots/`.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Backend, spawn};
use fantoccini::{Client, ClientBuilder, Locator};

/// Flags for Chromium as root in a container without a display (DESIGN §9).
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=360,740",
    "--lang=zh-CN",
];

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?.to_str()?.split(':').map(|dir| Path::new(dir).join(name)).find(|p| p.is_file())
}

/// The chromedriver this test started; killed when the test ends, however it ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn screenshot_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp.
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).parent().map_or_else(|| PathBuf::from("target"), Path::to_path_buf);
    dir.join("screenshots")
}

async fn shoot(client: &Client, name: &str) {
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, client.screenshot().await.unwrap()).unwrap();
    eprintln!("screenshot: {}", path.display());
}

async fn start_browser() -> Option<(Driver, Client)> {
    let required = std::env::var("HCP_BROWSER_TESTS").is_ok_and(|v| v == "1");
    let Some(chromedriver) = find_on_path("chromedriver") else {
        assert!(
            !required,
            "HCP_BROWSER_TESTS=1 but chromedriver is not installed (apt-get install chromium chromium-driver fonts-wqy-zenhei)"
        );
        eprintln!(
            "SKIPPED browser test: chromedriver not found on PATH (apt-get install chromium chromium-driver fonts-wqy-zenhei, or set HCP_BROWSER_TESTS=1 to make this a failure)"
        );
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    // chromedriver gives Chromium a temporary profile of its own and removes it afterwards.
    let mut options = serde_json::json!({ "args": CHROMIUM_FLAGS });
    if let Some(binary) = find_on_path("chromium") {
        options["binary"] = serde_json::json!(binary);
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), serde_json::json!("chrome"));
    capabilities.insert("goog:chromeOptions".into(), options);
    let url = format!("http://127.0.0.1:{port}");
    // chromedriver takes a moment to listen.
    let mut last_error = None;
    for _ in 0..50 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return Some((driver, client)),
            Err(err) => last_error = Some(err.to_string()),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("could not open a Chromium session through chromedriver: {last_error:?}");
}

async fn click(client: &Client, css: &str) {
    client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).click().await.unwrap();
}

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
