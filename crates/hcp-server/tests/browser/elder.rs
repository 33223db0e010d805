//! 长辈版 (适老化) at phone size (360×740): chosen with the header's link and remembered, every citizen page and
//! receipt has text at 7:1 contrast or more, tap targets of 48 px or more and no sideways scroll; the follow-up
//! form on `/track` shows only the chosen level's tags.

use fantoccini::{Client, Locator};
use serde_json::Value;

use crate::harness::{body_text, click, fill, shoot, start_browser};
use hcp_testkit::{Backend, TestApp};

/// The lowest contrast of visible text against its background, the tap targets under 48 px and the page's
/// width, measured in the page (WCAG relative luminance).
const AUDIT: &str = r#"
const lum = c => { const m = c.match(/[\d.]+/g).map(Number);
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(m[0]) + 0.7152 * f(m[1]) + 0.0722 * f(m[2]); };
const background = el => { for (; el; el = el.parentElement) { const c = getComputedStyle(el).backgroundColor;
  const m = c.match(/[\d.]+/g); if (m && (m.length < 4 || Number(m[3]) > 0.5)) return c; } return 'rgb(255, 255, 255)'; };
const visible = el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && Number(s.opacity) > 0; };
let worst = { ratio: 99, text: '' };
for (const el of document.querySelectorAll('body *')) {
  if (!visible(el) || ![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
  const a = lum(getComputedStyle(el).color), b = lum(background(el));
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  if (ratio < worst.ratio) worst = { ratio, text: el.tagName + ' ' + el.textContent.trim().slice(0, 30) };
}
const small = [];
const targets = 'a, button, select, textarea, input:not([type=hidden]):not([type=radio]):not([type=checkbox]),'
  + ' label:has(input[type=radio]), label:has(input[type=checkbox])';
for (const el of document.querySelectorAll(targets)) {
  if (!visible(el)) continue;
  const box = el.getBoundingClientRect();
  if (box.height < 47.5 || box.width < 47.5)
    small.push(el.tagName + ' ' + (el.textContent || el.name || '').trim().slice(0, 20) + ' ' + Math.round(box.width) + 'x' + Math.round(box.height));
}
return { ratio: worst.ratio, worst: worst.text, small, width: document.documentElement.scrollWidth };
"#;

async fn audit(client: &Client, page: &str) {
    let result: Value = client.execute(AUDIT, vec![]).await.unwrap();
    let ratio = result["ratio"].as_f64().unwrap();
    eprintln!("{page}: lowest contrast {ratio:.2} ({}), width {}", result["worst"], result["width"]);
    assert!(ratio >= 7.0, "{page}: contrast {ratio:.2} under 7:1 at {}", result["worst"]);
    assert_eq!(result["small"], serde_json::json!([]), "{page}: tap targets under 48 px");
    assert!(result["width"].as_i64().unwrap() <= 360, "{page}: {} px wide at 360 px", result["width"]);
    assert!(client.find(Locator::Css("html.elder")).await.is_ok(), "{page}: still 长辈版");
    shoot(client, &format!("elder-{page}")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "browser: needs chromedriver; run with HCP_BROWSER_TESTS=1 and --ignored"]
async fn elder_mode_is_large_high_contrast_and_fits_a_phone() {
    let (_driver, client) = start_browser().await;
    let app = TestApp::spawn(Backend::Sqlite).await;
    client.set_window_size(360, 740).await.unwrap();
    app.evaluate(serde_json::json!({"channel": "qrcode", "window_code": "W-SC-01", "level": 5})).await;

    client.goto(&app.url("/e/W-SC-01")).await.unwrap();
    assert!(client.find(Locator::Css("html.elder")).await.is_err(), "standard by default");
    click(&client, "#elder-switch").await;
    client.wait().for_element(Locator::Css("html.elder")).await.unwrap();
    assert!(client.current_url().await.unwrap().path().ends_with("/e/W-SC-01"), "back where it was chosen");
    audit(&client, "evaluate").await;
    click(&client, "input[name=level][value='2'] + span").await;
    click(&client, "input[name=tags][value='214'] + span").await;
    audit(&client, "evaluate-chosen").await;
    fill(&client, "comment", "窗口人员态度生硬").await;
    click(&client, "form button[type=submit]").await;
    client.wait().for_element(Locator::Id("tracking-code")).await.unwrap();
    audit(&client, "receipt").await;

    for (path, name) in [
        ("/track", "track"),
        ("/complaint", "complaint"),
        ("/report", "report"),
        ("/public?month=2026-10", "public"),
        ("/", "home"),
    ] {
        client.goto(&app.url(path)).await.unwrap();
        audit(&client, name).await;
    }

    // A case-bound evaluation, then its follow-up form on /track: tags only for the level chosen there.
    client.goto(&app.url("/e/case/C-001")).await.unwrap();
    click(&client, "input[name=level][value='5'] + span").await;
    click(&client, "form button[type=submit]").await;
    let code = client.wait().for_element(Locator::Id("tracking-code")).await.unwrap().text().await.unwrap();
    let password = client.find(Locator::Id("query-password")).await.unwrap().text().await.unwrap();
    client.goto(&app.url(&format!("/track?code={code}"))).await.unwrap();
    fill(&client, "password", &password).await;
    click(&client, "form[action='/track'] button[type=submit]").await;
    client.wait().for_element(Locator::Id("follow-up-form")).await.unwrap();
    let tag = |value: &'static str| {
        let client = client.clone();
        async move {
            let css = format!("#follow-up-form input[name=tags][value='{value}'] + span");
            client.find(Locator::Css(&css)).await.unwrap().is_displayed().await.unwrap()
        }
    };
    assert!(!tag("214").await && !tag("510").await, "no tags before a level is chosen");
    click(&client, "#follow-up-form input[name=level][value='2'] + span").await;
    assert!(tag("214").await && !tag("510").await, "only the chosen level's tags");
    audit(&client, "track-result").await;
    assert!(body_text(&client).await.contains("评价进度查询"));

    // Back to 标准版.
    click(&client, "#elder-switch").await;
    client.wait().for_element(Locator::Css("html:not(.elder)")).await.unwrap();
    client.close().await.unwrap();
    app.stop().await;
}
