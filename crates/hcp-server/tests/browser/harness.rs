//! Chromium through chromedriver for the browser stories: start, screenshot, click, sign in.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hcp_testkit::TestApp;

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
pub struct Driver(Child);

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

pub async fn shoot(client: &Client, name: &str) {
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, client.screenshot().await.unwrap()).unwrap();
    eprintln!("screenshot: {}", path.display());
}

/// Starts chromedriver and opens a headless Chromium session; fails, naming what to install, without them.
pub async fn start_browser() -> (Driver, Client) {
    let Some(chromedriver) = find_on_path("chromedriver") else {
        panic!(
            "chromedriver not found on PATH: the browser stories need it (apt-get install chromium chromium-driver fonts-wqy-zenhei)"
        );
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
            Ok(client) => return (driver, client),
            Err(err) => last_error = Some(err.to_string()),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("could not open a Chromium session through chromedriver: {last_error:?}");
}

pub async fn click(client: &Client, css: &str) {
    client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).click().await.unwrap();
}

/// Types into the field with id `id` (clearing it first).
pub async fn fill(client: &Client, id: &str, text: &str) {
    let field = client.find(Locator::Id(id)).await.unwrap_or_else(|e| panic!("#{id}: {e}"));
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// The visible text of the page's body.
pub async fn body_text(client: &Client) -> String {
    // A form's answer may replace the page between finding <body> and reading it (a stale element): read again.
    let mut last_error = None;
    for _ in 0..20 {
        match client.find(Locator::Css("body")).await {
            Ok(body) => match body.text().await {
                Ok(text) => return text,
                Err(err) => last_error = Some(err),
            },
            Err(err) => last_error = Some(err),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not read the page: {last_error:?}");
}

/// Signs in through `/login` with the seeded user `username` (password: `hcp_testkit::PASSWORD`) and waits for
/// the landing page.
pub async fn sign_in(client: &Client, app: &TestApp, username: &str) {
    client.goto(&app.url("/login")).await.unwrap();
    fill(client, "username", username).await;
    fill(client, "password", hcp_testkit::PASSWORD).await;
    click(client, "form[action='/login'] button[type=submit]").await;
    client.wait().for_element(Locator::Id("who-role")).await.unwrap();
}

/// Signs out with the header's button.
pub async fn sign_out(client: &Client) {
    click(client, "form.logout button").await;
    client.wait().for_element(Locator::Id("username")).await.unwrap();
}
