//! The citizen's pages over HTTP, as a browser without JavaScript uses them: the window form with its staff,
//! the case-bound form (一事一评), complaints and misconduct reports with receipts, the monthly disclosure and
//! the printable paper form.

use hcp_testkit::pages::{Browser, between, csrf};
use hcp_testkit::{Backend, Options, TestApp};
use reqwest::StatusCode;
use serde_json::json;

hcp_store::on_both_backends!(
    window_form_lists_its_staff_and_files_the_chosen_one,
    case_form_evaluates_the_case_once,
    unknown_window_and_case_are_chinese_404_pages,
    complaint_form_keeps_input_on_errors_and_gives_a_receipt,
    report_form_needs_a_kind_and_gives_a_receipt,
    complaints_are_rate_limited_like_the_api,
    new_forms_refuse_a_missing_csrf_token_and_store_nothing,
    public_page_shows_department_figures_and_no_personal_data,
    paper_form_has_the_window_qr_code_and_address,
    landing_page_links_the_citizen_pages,
    control_characters_in_a_form_are_refused_with_a_page,
);

fn receipt(html: &str) -> (String, String) {
    (
        between(html, "id=\"tracking-code\">", "<").expect("tracking code"),
        between(html, "id=\"query-password\">", "<").expect("query password"),
    )
}

async fn window_form_lists_its_staff_and_files_the_chosen_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = Browser::default();
    let page = browser.get(&app, "/e/W-SC-01").await;
    assert_eq!(page.status, StatusCode::OK);
    for text in ["王芳", "工号 S001", "李强", "工号 S002", "不确定", "value=\"\" id=\"staff-none\" checked"]
    {
        assert!(page.html.contains(text), "missing {text}");
    }
    assert!(!page.html.contains("赵敏"), "staff of another window are not listed");
    let css = app.client.get(app.url("/static/hcp.css")).send().await.unwrap().text().await.unwrap();
    eprintln!(
        "page weight of /e/W-SC-01: HTML {} + CSS {} = {} bytes (uncompressed)",
        page.html.len(),
        css.len(),
        page.html.len() + css.len()
    );
    assert!(page.html.len() + css.len() < 30_000, "small enough for a weak 3G connection");

    // A staff member of another window: intake's message next to the chooser, input kept.
    let token = csrf(&page.html);
    let page = browser
        .post(&app, "/e/W-SC-01", &[("csrf_token", &token), ("level", "4"), ("staff_no", "S101"), ("comment", "还行")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.html);
    assert!(page.html.contains("该工作人员不在此窗口"), "{}", page.html);
    assert!(page.html.contains(">还行</textarea>"));
    assert!(page.html.contains("id=\"level-4\" checked"));
    assert_eq!(app.row_count("evaluations").await, 0);

    let page = browser
        .post(&app, "/e/W-SC-01", &[("csrf_token", &csrf(&page.html)), ("level", "5"), ("staff_no", "S002")])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let (code, _) = receipt(&page.html);
    let staff = app.scalar("SELECT staff_id FROM evaluations").await;
    let s002 = app.scalar("SELECT id FROM staff WHERE staff_no = 'S002'").await;
    assert_eq!(staff, s002, "the chosen staff member is attributed");
    assert!(code.starts_with('E'), "{code}");

    // 不确定: no staff member.
    let form = browser.get(&app, "/e/W-SC-01").await;
    let page =
        browser.post(&app, "/e/W-SC-01", &[("csrf_token", &csrf(&form.html)), ("level", "5"), ("staff_no", "")]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM evaluations WHERE staff_id IS NULL").await, Some(1));
    app.stop().await;
}

async fn case_form_evaluates_the_case_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = Browser::default();
    let page = browser.get(&app, "/e/case/C-002").await;
    assert_eq!(page.status, StatusCode::OK);
    for text in ["C-002", "企业设立登记", "李强（工号 S002）", "市场主体登记窗口", "action=\"/e/case/C-002\""]
    {
        assert!(page.html.contains(text), "missing {text}");
    }
    assert!(!page.html.contains("name=\"staff_no\""), "a case names its staff itself");
    let token = csrf(&page.html);

    // Field errors keep the input.
    let page = browser.post(&app, "/e/case/C-002", &[("csrf_token", &token), ("comment", "没选等级")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("id=\"level-error\""), "{}", page.html);
    assert!(page.html.contains(">没选等级</textarea>"));

    let page = browser.post(&app, "/e/case/C-002", &[("csrf_token", &token), ("level", "4")]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    receipt(&page.html);
    let case_id = app.scalar("SELECT id FROM cases WHERE case_no = 'C-002'").await;
    assert_eq!(app.scalar("SELECT case_id FROM evaluations").await, case_id);

    // The form again (an old tab): intake refuses, its message replaces the form.
    let page =
        browser.post(&app, "/e/case/C-002", &[("csrf_token", &token), ("level", "1"), ("comment", "再评")]).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.html);
    assert!(page.html.contains("该办件已评价（一事一评）"), "{}", page.html);
    assert!(!page.html.contains("<form method=\"post\" action=\"/e/case"));
    // Opening the link again says so at once.
    let page = browser.get(&app, "/e/case/C-002").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("该办件已经评价过了"), "{}", page.html);
    assert!(!page.html.contains("<form method=\"post\" action=\"/e/case"));
    assert_eq!(app.row_count("evaluations").await, 1);
    app.stop().await;
}

async fn unknown_window_and_case_are_chinese_404_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = Browser::default();
    for (path, text) in [("/e/case/C-999", "办件不存在"), ("/e/W-NONE", "窗口不存在"), ("/e/W-NONE/form", "窗口不存在")]
    {
        let page = browser.get(&app, path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.content_type.starts_with("text/html"));
        assert!(page.html.contains(text), "{path}: {}", page.html);
    }
    app.stop().await;
}

async fn complaint_form_keeps_input_on_errors_and_gives_a_receipt(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = Browser::default();
    let page = browser.get(&app, "/complaint").await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "value=\"d:SCJG\"",
        "value=\"w:W-SC-01\"",
        "value=\"w:W-JZ-01\"",
        "市场监督管理局（整个部门）",
        "<label for=\"target\">",
        "<label for=\"content\">",
        "<label for=\"phone\">",
        "被投诉的工作人员看不到您的姓名和电话",
    ] {
        assert!(page.html.contains(text), "missing {text}");
    }
    let token = csrf(&page.html);
    let page = browser
        .post(
            &app,
            "/complaint",
            &[("csrf_token", &token), ("target", "w:W-SC-01"), ("name", "陈晨"), ("phone", "12"), ("content", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("请填写投诉内容"), "{}", page.html);
    assert!(page.html.contains("联系电话格式不正确"), "{}", page.html);
    assert!(page.html.contains("value=\"陈晨\""));
    assert!(page.html.contains("value=\"w:W-SC-01\" selected"));
    let page =
        browser.post(&app, "/complaint", &[("csrf_token", &token), ("target", "x:1"), ("content", "排队太久")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("请从列表中选择对象"));
    assert!(page.html.contains(">排队太久</textarea>"));
    assert_eq!(app.row_count("complaints").await, 0);

    let page = browser
        .post(
            &app,
            "/complaint",
            &[
                ("csrf_token", &token),
                ("target", "w:W-SC-01"),
                ("content", "窗口让我跑了三次"),
                ("phone", "139 1234 5678"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("投诉已受理"));
    let (code, password) = receipt(&page.html);
    let (status, view) = app.get(&format!("/api/v1/track/{code}?password={password}"), None).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let window = app.scalar("SELECT window_id FROM complaints").await;
    assert_eq!(window, app.scalar("SELECT id FROM windows WHERE code = 'W-SC-01'").await);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM complaints WHERE channel = 'online'").await, Some(1));
    app.stop().await;
}

async fn report_form_needs_a_kind_and_gives_a_receipt(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = Browser::default();
    let page = browser.get(&app, "/report").await;
    assert_eq!(page.status, StatusCode::OK);
    for text in ["强迫或诱导评价", "弄虚作假", "泄露评价人信息", "差评不整改", "value=\"not_rectifying\""]
    {
        assert!(page.html.contains(text), "missing {text}");
    }
    let token = csrf(&page.html);
    let page = browser
        .post(&app, "/report", &[("csrf_token", &token), ("target", "d:SCJG"), ("content", "工作人员要求给好评")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("请选择举报类型"), "{}", page.html);
    assert!(page.html.contains(">工作人员要求给好评</textarea>"));
    assert!(page.html.contains("value=\"d:SCJG\" selected"));

    let page = browser
        .post(
            &app,
            "/report",
            &[("csrf_token", &token), ("kind", "coercion"), ("target", "d:SCJG"), ("content", "工作人员要求给好评")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("举报已受理"));
    let (code, password) = receipt(&page.html);
    assert!(code.starts_with('M'), "{code}");
    let (status, _) = app.get(&format!("/api/v1/track/{code}?password={password}"), None).await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}

async fn complaints_are_rate_limited_like_the_api(backend: Backend) {
    let mut options = Options::default();
    options.config.rate_limit.complaints_per_minute = 1;
    let app = TestApp::spawn_with(backend, options).await;
    let mut browser = Browser::default();
    let token = csrf(&browser.get(&app, "/complaint").await.html);
    let form = [("csrf_token", token.as_str()), ("content", "排队太久")];
    assert_eq!(browser.post(&app, "/complaint", &form).await.status, StatusCode::OK);
    let page = browser.post(&app, "/complaint", &form).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{}", page.html);
    assert!(page.html.contains(">排队太久</textarea>"), "input kept");
    // The API shares the limit.
    let (status, _) = app.post("/api/v1/complaints", None, &json!({"channel": "online", "content": "又来"})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.row_count("complaints").await, 1);
    app.stop().await;
}

async fn new_forms_refuse_a_missing_csrf_token_and_store_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = Browser::default();
    let complaint_token = csrf(&browser.get(&app, "/complaint").await.html);
    let posts: [(&str, Vec<(&str, &str)>); 4] = [
        ("/complaint", vec![("content", "排队太久")]),
        ("/report", vec![("kind", "coercion"), ("content", "要求给好评")]),
        ("/e/case/C-002", vec![("level", "5")]),
        // A token of another form does not do.
        ("/report", vec![("csrf_token", complaint_token.as_str()), ("kind", "coercion"), ("content", "要求给好评")]),
    ];
    for (path, form) in posts {
        let page = browser.post(&app, path, &form).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.html.contains("无法提交"), "{path}: {}", page.html);
    }
    assert_eq!(app.row_count("complaints").await, 0);
    assert_eq!(app.row_count("evaluations").await, 0);
    app.stop().await;
}

async fn public_page_shows_department_figures_and_no_personal_data(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, body) = app
        .evaluate(json!({
            "channel": "qrcode", "window_code": "W-SC-01", "staff_no": "S002", "level": 5,
            "comment": "办得很快谢谢", "evaluator": {"name": "张三丰", "phone": "13912345678"}
        }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = app
        .evaluate(
            json!({"channel": "qrcode", "window_code": "W-SC-01", "level": 2, "tags": [214], "comment": "态度差"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let mut browser = Browser::default();
    // This month on request; by default the last full month.
    let page = browser.get(&app, "/public?month=2026-10").await;
    assert_eq!(page.status, StatusCode::OK);
    let (_, api) = app.get("/api/v1/public/monthly?month=2026-10", None).await;
    assert_eq!(api["departments"][0]["evaluations"], 2, "{api}");
    for text in
        ["2026年10月", "市场监督管理局", "<td class=\"num\" data-label=\"评价数\">2</td>", "50.0%", "value=\"2026-10\""]
    {
        assert!(page.html.contains(text), "missing {text}: {}", page.html);
    }
    for private in ["张三丰", "张", "13912345678", "5678", "办得很快", "态度差", "李强", "S002"] {
        assert!(!page.html.contains(private), "{private} shown");
    }
    let page = browser.get(&app, "/public").await;
    assert!(page.html.contains("2026年9月") && page.html.contains("该月暂无"), "{}", page.html);
    app.clock.advance(chrono::Duration::days(31));
    let page = browser.get(&app, "/public").await;
    assert!(page.html.contains("2026年10月") && page.html.contains("市场监督管理局"), "{}", page.html);
    let page = browser.get(&app, "/public?month=2026-13").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.html.contains("请选择正确的月份"));
    app.stop().await;
}

async fn paper_form_has_the_window_qr_code_and_address(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = Browser::default();
    let page = browser.get(&app, "/e/W-SC-01/form").await;
    assert_eq!(page.status, StatusCode::OK);
    let address = format!("{}/e/W-SC-01", app.base_url());
    for text in [
        "<svg",
        address.as_str(),
        "评价表",
        "市场主体登记窗口",
        "市场监督管理局",
        "吉林经开区政务服务中心",
        "非常满意",
        "非常不满意",
        "服务态度生硬",
        "评价日期",
        "联系电话（选填）",
        "评价箱",
    ] {
        assert!(page.html.contains(text), "missing {text}");
    }
    assert!(!page.html.contains("<form"), "nothing to submit on paper");
    let css = app.client.get(app.url("/static/hcp.css")).send().await.unwrap().text().await.unwrap();
    assert!(css.contains("@page{size:A4"), "prints on A4");
    app.stop().await;
}

async fn landing_page_links_the_citizen_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let page = Browser::default().get(&app, "/").await;
    for link in ["href=\"/complaint\"", "href=\"/report\"", "href=\"/public\"", "href=\"/track\""] {
        assert!(page.html.contains(link), "missing {link}");
    }
    let mut browser = app.browser_as("staff").await;
    let page = browser.get(&app, "/").await;
    assert!(!page.html.contains("href=\"/complaint\""), "signed-in landing page unchanged");
    app.stop().await;
}

async fn control_characters_in_a_form_are_refused_with_a_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = Browser::default();
    let form = browser.get(&app, "/complaint").await;
    let token = csrf(&form.html);
    let page = browser
        .post(&app, "/complaint", &[("csrf_token", &token), ("target", "w:W-SC-01"), ("content", "排队\u{0}太久")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("控制字符"), "{}", page.html);
    assert_eq!(app.row_count("complaints").await, 0);
    let form = browser.get(&app, "/e/W-SC-01").await;
    let page = browser
        .post(&app, "/e/W-SC-01", &[("csrf_token", &csrf(&form.html)), ("level", "1"), ("comment", "\u{7f}")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.row_count("evaluations").await, 0);
}
