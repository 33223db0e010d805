//! What the citizen is told after submitting (issue 13): each kind names its real handler, state and deadline;
//! the answer is shown once and internal measures stay internal; receipts name the date of the answer and the
//! kind submitted; the disclosure states its order and fits a phone; 长辈版 is chosen with a link and
//! remembered; the favicon, and compressed answers.

use std::io::Read;

use hcp_testkit::BadReview;
use hcp_testkit::pages::{Browser, between, client, csrf};
use hcp_testkit::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

hcp_store::on_both_backends!(
    a_misconduct_report_is_tracked_as_a_report_with_its_real_handler,
    track_shows_the_answer_once_and_keeps_measures_internal,
    receipts_name_the_date_of_the_answer,
    public_page_states_its_order_and_labels_figures_for_phones,
    elder_mode_is_chosen_with_a_link_and_remembered,
    favicon_is_served_and_answers_are_compressed,
);

fn receipt(html: &str) -> (String, String) {
    (
        between(html, "id=\"tracking-code\">", "<").expect("tracking code"),
        between(html, "id=\"query-password\">", "<").expect("query password"),
    )
}

/// Looks `code` up on `/track` as a citizen.
async fn track(app: &TestApp, browser: &mut Browser, code: &str, password: &str) -> String {
    let token = csrf(&browser.get(app, "/track").await.html);
    let page = browser.post(app, "/track", &[("csrf_token", &token), ("code", code), ("password", password)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    page.html
}

fn footer(html: &str) -> String {
    between(html, "<footer class=\"foot\">", "</footer>").expect("footer")
}

async fn a_misconduct_report_is_tracked_as_a_report_with_its_real_handler(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = Browser::default();
    let form = browser.get(&app, "/report").await;
    assert!(footer(&form.html).contains("举报"), "{}", footer(&form.html));
    let form = [
        ("csrf_token", csrf(&form.html)),
        ("kind", "coercion".into()),
        ("target", "w:W-SC-01".into()),
        ("content", "工作人员要求给好评".into()),
    ];
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let filed = browser.post(&app, "/report", &pairs).await;
    assert_eq!(filed.status, StatusCode::OK, "{}", filed.html);
    assert!(filed.html.contains("“举报进度查询”") && !filed.html.contains("评价进度查询"), "{}", filed.html);
    assert!(footer(&filed.html).contains("举报人信息"), "{}", footer(&filed.html));
    assert!(filed.html.contains("作出查处结论"), "{}", filed.html);
    let (code, password) = receipt(&filed.html);

    let html = track(&app, &mut browser, &code, &password).await;
    assert!(html.contains("<h1>举报进度查询</h1>"), "{html}");
    assert!(html.contains("id=\"track-state\">政务服务局督查人员和纪检监察人员查处中<"), "{html}");
    assert!(html.contains("id=\"track-handler\">政务服务局督查人员和纪检监察人员<"), "{html}");
    assert!(html.contains("查处期限") && !html.contains("反馈期限"), "{html}");
    assert!(!html.contains("责任窗口"), "the window never handles a report: {html}");
    let (_, view) = app.get(&format!("/api/v1/track/{code}?password={password}"), None).await;
    assert_eq!(view["state_label"], json!("政务服务局督查人员和纪检监察人员查处中"), "{view}");
    assert_eq!(view["feedback_by_label"], json!("查处期限"));
    assert!(!view.to_string().contains("责任窗口"), "{view}");

    // A complaint keeps the window as its handler.
    let form = browser.get(&app, "/complaint").await;
    let token = csrf(&form.html);
    let filed = browser
        .post(&app, "/complaint", &[("csrf_token", &token), ("target", "w:W-SC-01"), ("content", "排队太久")])
        .await;
    assert!(filed.html.contains("“投诉进度查询”") && footer(&filed.html).contains("投诉人信息"), "{}", filed.html);
    let (code, password) = receipt(&filed.html);
    let html = track(&app, &mut browser, &code, &password).await;
    assert!(html.contains("<h1>投诉进度查询</h1>") && html.contains("id=\"track-state\">已转交责任窗口<"), "{html}");
    assert!(html.contains("反馈期限"), "{html}");
    app.stop().await;
}

async fn track_shows_the_answer_once_and_keeps_measures_internal(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let review = app.bad_review(BadReview::default().comment("材料一次没说清，来回跑了三趟")).await;
    let head = app.login("window_head").await;
    let path = format!("/api/v1/tickets/{}", review.ticket);
    let steps = [
        ("verify", json!({"classification": "immediate", "finding": "未一次性告知"})),
        ("rectify", json!({"measures": "对当事工作人员进行提醒谈话"})),
        ("feedback", json!({"text": "已修订一次性告知单，今后一次告知到位"})),
    ];
    for (action, body) in steps {
        let (status, t) = app.post(&format!("{path}/{action}"), Some(&head), &body).await;
        assert_eq!(status, StatusCode::OK, "{action}: {t}");
    }
    let mut browser = Browser::default();
    let html = track(&app, &mut browser, &review.tracking_code, &review.password).await;
    assert_eq!(html.matches("已修订一次性告知单").count(), 1, "the answer once: {html}");
    assert!(!html.contains("提醒谈话") && !html.contains("未一次性告知"), "internal measures stay internal: {html}");
    assert!(html.contains("<h1>评价进度查询</h1>"), "{html}");

    let (_, view) =
        app.get(&format!("/api/v1/track/{}?password={}", review.tracking_code, review.password), None).await;
    assert!(!view.to_string().contains("提醒谈话"), "{view}");
    assert_eq!(view["feedback"], json!("已修订一次性告知单，今后一次告知到位"));
    let timeline: Vec<&str> =
        view["timeline"].as_array().unwrap().iter().map(|e| e["text"].as_str().unwrap()).collect();
    assert!(timeline.iter().all(|t| !t.contains("已修订一次性告知单")), "{timeline:?}");
    // In Chinese and without anyone's login name.
    for text in &timeline {
        assert!(!text.chars().any(|c| c.is_ascii_alphabetic()), "{text}");
        assert!(!text.contains("window_head") && !text.contains("citizen"), "{text}");
    }
    assert!(timeline.contains(&"已转交责任窗口办理") && timeline.contains(&"已整改"), "{timeline:?}");
    app.stop().await;
}

async fn receipts_name_the_date_of_the_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = Browser::default();
    let token = csrf(&browser.get(&app, "/e/W-SC-01").await.html);
    let page = browser
        .post(&app, "/e/W-SC-01", &[("csrf_token", &token), ("level", "2"), ("tags", "214"), ("comment", "态度生硬")])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    // Received Monday 2026-10-12: seven working days (the day itself not counted) end Wednesday 10-21.
    assert!(page.html.contains("最迟于 <strong id=\"due-date\">2026年10月21日</strong> 前向您反馈"), "{}", page.html);
    assert!(!page.html.contains("在规定期限内") && !page.html.contains("暂定"), "{}", page.html);
    assert!(page.html.contains("“评价进度查询”"));

    // Late in December the answer falls in 2027, whose holidays are not yet published: the date is provisional.
    app.clock.advance(chrono::Duration::days(77));
    let token = csrf(&browser.get(&app, "/complaint").await.html);
    let form = [("csrf_token", token.as_str()), ("target", "w:W-SC-01"), ("content", "排队太久")];
    let page = browser.post(&app, "/complaint", &form).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let date = between(&page.html, "id=\"due-date\">", "<").expect("a date");
    assert!(date.starts_with("2027年1月"), "{date}");
    assert!(page.html.contains("日期暂定"), "{}", page.html);
    app.stop().await;
}

async fn public_page_states_its_order_and_labels_figures_for_phones(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // One evaluation of the 市场监督管理局, two of the 九站街道社保所: the busier one comes first.
    for window in ["W-SC-01", "W-JZ-01", "W-JZ-01"] {
        let (status, body) = app.evaluate(json!({"channel": "qrcode", "window_code": window, "level": 5})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let mut browser = Browser::default();
    let page = browser.get(&app, "/public?month=2026-10").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("按评价数从多到少排列"), "{}", page.html);
    let first = page.html.find("九站街道社保所").expect("九站街道社保所");
    let second = page.html.find("市场监督管理局").expect("市场监督管理局");
    assert!(first < second, "most evaluations first: {}", page.html);
    for label in ["评价数", "好评率", "差评", "已整改", "按期反馈率"] {
        assert!(page.html.contains(&format!("data-label=\"{label}\"")), "{label} labelled on phones");
    }
    assert!(!page.html.contains("table-wrap"), "no sideways scroll box");
    let (_, api) = app.get("/api/v1/public/monthly?month=2026-10", None).await;
    assert_eq!(api["departments"][0]["evaluations"], json!(2), "{api}");
    app.stop().await;
}

async fn elder_mode_is_chosen_with_a_link_and_remembered(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = Browser::default();
    for path in ["/e/W-SC-01", "/track", "/complaint", "/report", "/public"] {
        let page = browser.get(&app, path).await;
        assert!(page.html.contains("<a href=\"/elder?on=1\" class=\"elder-switch\" id=\"elder-switch\">长辈版</a>"));
        assert!(page.html.contains("<html lang=\"zh-CN\">"), "{path}: standard by default");
    }
    let response = client()
        .get(app.url("/elder?on=1"))
        .header("referer", app.url("/e/W-SC-01"))
        .header("cookie", browser.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/e/W-SC-01", "back to the page it was chosen on");
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("hcp_elder=1;") && cookie.contains("Max-Age=31536000"), "{cookie}");
    browser.cookies.insert("hcp_elder".into(), "1".into());
    for path in ["/e/W-SC-01", "/track", "/complaint", "/report", "/public"] {
        let page = browser.get(&app, path).await;
        assert!(page.html.contains("<html lang=\"zh-CN\" class=\"elder\">"), "{path}: remembered");
        assert!(page.html.contains("href=\"/elder?on=0\"") && page.html.contains(">标准版</a>"), "{path}");
    }
    // A receipt shows its one-time password: no switch there (following it would reload the page without it).
    let token = csrf(&browser.get(&app, "/complaint").await.html);
    let filed = browser.post(&app, "/complaint", &[("csrf_token", &token), ("content", "排队太久")]).await;
    assert!(filed.html.contains("class=\"elder\"") && !filed.html.contains("elder-switch"), "{}", filed.html);
    // Back to 标准版; another site as the referer is not followed.
    let response =
        client().get(app.url("/elder?on=0")).header("referer", "https://evil.example/phish").send().await.unwrap();
    assert_eq!(response.headers()["location"], "/");
    assert!(response.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    app.stop().await;
}

async fn favicon_is_served_and_answers_are_compressed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let icon = client().get(app.url("/favicon.ico")).send().await.unwrap();
    assert_eq!(icon.status(), StatusCode::OK);
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    assert!(icon.text().await.unwrap().starts_with("<svg"));
    let page = client().get(app.url("/e/W-SC-01")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<link rel=\"icon\" href=\"/favicon.ico\""));

    // The page compressed with gzip, the same page once inflated.
    let gzipped =
        client().get(app.url("/public?month=2026-10")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    let body = gunzip(&gzipped.bytes().await.unwrap());
    let plain = client().get(app.url("/public?month=2026-10")).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.text().await.unwrap();
    assert_eq!(body, plain);
    assert!(body.contains("政务服务“好差评”结果公开"));
    let br = client().get(app.url("/static/hcp.css")).header("accept-encoding", "br").send().await.unwrap();
    assert_eq!(br.headers()["content-encoding"], "br");

    // A streamed CSV export still arrives whole.
    app.evaluate(json!({"channel": "qrcode", "window_code": "W-SC-01", "level": 2, "tags": [214]})).await;
    let supervisor = app.login("supervisor").await;
    let export = "/api/v1/ledgers/tickets?format=csv&from=2026-10-01&to=2026-10-31";
    let get = |encoding: &'static str| {
        client().get(app.url(export)).header("cookie", supervisor.clone()).header("accept-encoding", encoding).send()
    };
    let gzipped = get("gzip").await.unwrap();
    assert_eq!((gzipped.status(), gzipped.headers()["content-encoding"].to_str().unwrap()), (StatusCode::OK, "gzip"));
    let csv = gunzip(&gzipped.bytes().await.unwrap());
    let plain = get("identity").await.unwrap().text().await.unwrap();
    assert_eq!(csv, plain);
    assert_eq!(csv.lines().count(), 2, "header and the one ticket: {csv}");
    app.stop().await;
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes).read_to_string(&mut text).expect("gzip");
    text
}
