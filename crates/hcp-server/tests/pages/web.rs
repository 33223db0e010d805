//! The pages over HTTP, as a browser without JavaScript uses them: the citizen's evaluation form and receipt,
//! `/track`, CSRF refusals, error pages, and signing in with the API's sessions.

use hcp_core::role::Role;
use hcp_server::web::layout::menu;
use hcp_testkit::pages::{Browser, between, client, csrf};
use hcp_testkit::{Backend, Options, PASSWORD, TestApp, code};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, SET_COOKIE};

hcp_store::on_both_backends!(
    citizen_form_shows_the_window_levels_and_tags,
    good_evaluation_without_javascript_gets_a_receipt,
    bad_review_errors_are_shown_on_the_form_and_input_kept,
    forms_without_a_valid_csrf_token_are_refused_and_store_nothing,
    error_pages_are_chinese_html_and_the_api_keeps_json,
    login_page_signs_in_with_the_api_session_and_logout_ends_it,
    track_page_shows_the_state_and_refuses_a_wrong_password,
    csrf_cookie_is_secure_when_the_session_cookie_is,
    the_header_names_a_role_once_when_the_name_only_repeats_it,
    every_role_has_in_its_menu_exactly_the_work_pages_it_can_open,
);

async fn citizen_form_shows_the_window_levels_and_tags(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = Browser::default();
    let page = browser.get(&app, "/e/W-SC-01").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.content_type.starts_with("text/html"), "{}", page.content_type);
    for text in [
        "市场主体登记窗口",
        "市场监督管理局",
        "吉林经开区政务服务中心",
        "非常满意",
        "基本满意",
        "非常不满意",
        "服务态度生硬",
        "一窗受理一次办结",
        "<label for=\"comment\">",
        "<label for=\"name\">",
        "<label for=\"phone\">",
        "被评价的窗口工作人员及其负责人看不到",
        "/static/hcp.css",
    ] {
        assert!(page.html.contains(text), "missing {text}");
    }
    assert!(page.html.contains("lang=\"zh-CN\""));
    assert!(!page.html.contains("/static/work.css"), "the citizen's page loads only the small stylesheet");
    assert!(browser.cookies.contains_key("hcp_csrf"), "the form sets the CSRF cookie");
    // Page weight: the HTML and the one stylesheet are everything the phone loads.
    let css = app.client.get(app.url("/static/hcp.css")).send().await.unwrap();
    assert_eq!(css.status(), StatusCode::OK);
    assert!(css.headers()["cache-control"].to_str().unwrap().contains("max-age=31536000"));
    assert!(css.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
    let css = css.text().await.unwrap();
    eprintln!(
        "page weight of /e/W-SC-01: HTML {} + CSS {} = {} bytes (uncompressed)",
        page.html.len(),
        css.len(),
        page.html.len() + css.len()
    );
    assert!(page.html.len() + css.len() < 30_000, "small enough for a weak 3G connection");
    app.stop().await;
}

async fn good_evaluation_without_javascript_gets_a_receipt(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = Browser::default();
    let form = browser.get(&app, "/e/W-SC-01").await;
    let token = csrf(&form.html);
    let page = browser
        .post(
            &app,
            "/e/W-SC-01",
            &[("csrf_token", &token), ("level", "5"), ("tags", "517"), ("tags", "510"), ("comment", "办得很快")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let code = between(&page.html, "id=\"tracking-code\">", "<").unwrap();
    let password = between(&page.html, "id=\"query-password\">", "<").unwrap();
    assert!(code.starts_with('E'), "{code}");
    assert!(page.html.contains("请截图或抄写保存"));
    // Committed, through the same intake as the API, on the QR code channel.
    let (status, view) = app.get(&format!("/api/v1/track/{code}?password={password}"), None).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["level"], 5);
    let supervisor = app.login("supervisor").await;
    let (_, list) = app.get("/api/v1/evaluations", Some(&supervisor)).await;
    assert_eq!(list["items"][0]["channel"], "qrcode", "{list}");
    assert_eq!(app.row_count("evaluations").await, 1);
    app.stop().await;
}

async fn bad_review_errors_are_shown_on_the_form_and_input_kept(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = Browser::default();
    let token = csrf(&browser.get(&app, "/e/W-SC-01").await.html);
    // 不满意 with neither tag nor comment: the intake rule, shown on the form; the name typed stays.
    let page = browser.post(&app, "/e/W-SC-01", &[("csrf_token", &token), ("level", "2"), ("name", "张三")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("差评请至少选择一个评价标签或填写评价内容"), "{}", page.html);
    assert!(page.html.contains("value=\"张三\""));
    assert!(page.html.contains("value=\"2\" id=\"level-2\" checked"), "the chosen level stays chosen");
    // A tag of another level: named next to the tags; the comment typed stays.
    let token = csrf(&page.html);
    let page = browser
        .post(&app, "/e/W-SC-01", &[("csrf_token", &token), ("level", "2"), ("tags", "510"), ("comment", "等了<很久>")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("不属于所选评价等级"), "{}", page.html);
    assert!(page.html.contains("等了&#60;很久&#62;") || page.html.contains("等了&lt;很久&gt;"), "kept, escaped");
    assert!(page.html.contains("value=\"510\" checked"));
    // No level at all.
    let token = csrf(&page.html);
    let page = browser.post(&app, "/e/W-SC-01", &[("csrf_token", &token), ("comment", "x")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("请选择评价等级"));
    assert_eq!(app.row_count("evaluations").await, 0);
    app.stop().await;
}

async fn forms_without_a_valid_csrf_token_are_refused_and_store_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = Browser::default();
    let token = csrf(&browser.get(&app, "/e/W-SC-01").await.html);
    let good = [("level", "5"), ("comment", "好")];
    // No token.
    let page = browser.post(&app, "/e/W-SC-01", &good).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.content_type.starts_with("text/html"));
    assert!(page.html.contains("本次提交未被受理"), "{}", page.html);
    // A token of another browser (its cookie secret differs).
    let mut other = Browser::default();
    let foreign = csrf(&other.get(&app, "/e/W-SC-01").await.html);
    let page = browser.post(&app, "/e/W-SC-01", &[("csrf_token", &foreign), ("level", "5")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // The right token without the cookie.
    let page = Browser::default().post(&app, "/e/W-SC-01", &[("csrf_token", &token), ("level", "5")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // A token of another form.
    let track_token = csrf(&browser.get(&app, "/track").await.html);
    let page = browser.post(&app, "/e/W-SC-01", &[("csrf_token", &track_token), ("level", "5")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // The right token, but the browser says the form was on another site.
    let response = client()
        .post(app.url("/e/W-SC-01"))
        .header("cookie", browser.cookie_header())
        .header("sec-fetch-site", "cross-site")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("csrf_token={token}&level=5"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // Expired: the form was left open for a day.
    app.clock.advance(chrono::Duration::hours(13));
    let page = browser.post(&app, "/e/W-SC-01", &[("csrf_token", &token), ("level", "5")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.html.contains("页面已过期"));
    // The login and track forms too.
    let page = browser.post(&app, "/login", &[("username", "supervisor"), ("password", PASSWORD)]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!browser.cookies.contains_key("hcp_session"));
    let page = browser.post(&app, "/track", &[("code", "E123"), ("password", "123456")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.row_count("evaluations").await, 0);
    app.stop().await;
}

async fn error_pages_are_chinese_html_and_the_api_keeps_json(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = Browser::default();
    let page = browser.get(&app, "/no-such-page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.content_type.starts_with("text/html"));
    assert!(page.html.contains("页面不存在") && page.html.contains("lang=\"zh-CN\""));
    let page = browser.get(&app, "/e/W-NOPE").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.html.contains("未找到该窗口"));
    let (status, body) = app.get("/api/v1/no-such-thing", None).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    let (status, body) = app.get("/api/nothing", None).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    // Wrong method: a page for pages, JSON for the API.
    let response = client().delete(app.url("/track")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(response.text().await.unwrap().contains("请求方式不正确"));
    let (status, body) = app.send(reqwest::Method::PUT, "/api/v1/session", None, &[], None).await;
    assert_eq!((status, code(&body)), (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"));
    // A form body that is not a form or is too big: an error page, not a fault.
    let response = client()
        .post(app.url("/e/W-SC-01"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("x".repeat(200 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(response.text().await.unwrap().contains("提交的内容"));
    app.stop().await;
}

async fn login_page_signs_in_with_the_api_session_and_logout_ends_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = Browser::default();
    let page = browser.get(&app, "/").await;
    assert!(page.html.contains("工作人员登录"));
    let page = browser.get(&app, "/login").await;
    assert!(page.html.contains("<label for=\"username\">") && page.html.contains("<label for=\"password\">"));
    assert!(!page.html.contains("演示账号"), "demo users are listed only in demo mode");
    assert!(!page.html.contains("评价人信息"), "the staff sign-in speaks of no citizen's evaluation");
    let token = csrf(&page.html);
    let page = browser
        .post(&app, "/login", &[("csrf_token", &token), ("username", "window_head"), ("password", "wrong")])
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.html.contains("用户名或密码错误") && page.html.contains("value=\"window_head\""));
    let token = csrf(&page.html);
    let page = browser
        .post(&app, "/login", &[("csrf_token", &token), ("username", "window_head"), ("password", PASSWORD)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/"));
    // `next` returns to the page that asked for sign-in, but never to another site.
    let page = browser.get(&app, "/login?next=%2Fwork%2Ftickets%3Fstate%3Ddispatched").await;
    assert!(page.html.contains("value=\"/work/tickets?state=dispatched\""), "{}", page.html);
    let token = csrf(&page.html);
    let page = browser
        .post(
            &app,
            "/login",
            &[("csrf_token", &token), ("username", "window_head"), ("password", PASSWORD), ("next", "//evil.example/")],
        )
        .await;
    assert_eq!(page.location.as_deref(), Some("/"));
    let session = browser.cookies.get("hcp_session").cloned().expect("session cookie");
    let home = browser.get(&app, "/").await;
    assert!(home.html.contains("窗口负责人"), "{}", home.html);
    assert!(home.html.contains("窗口：市场主体登记窗口"));
    assert!(home.html.contains("action=\"/logout\"") && home.html.contains("退出"));
    assert!(home.html.contains("/static/work.css"), "signed-in pages add the work stylesheet");
    let work_css = app.client.get(app.url("/static/work.css")).send().await.unwrap();
    assert_eq!(work_css.status(), StatusCode::OK);
    assert!(work_css.text().await.unwrap().contains(".sv-figures"));
    // The role's menu, with the workbench marked as the current page.
    assert!(home.html.contains("href=\"/work/tickets\"") && home.html.contains("aria-current=\"page\""));
    // The same session as the API's.
    let cookie = format!("hcp_session={session}");
    let (status, me) = app.get("/api/v1/me", Some(&cookie)).await;
    assert_eq!((status, me["role"].as_str()), (StatusCode::OK, Some("window_head")));
    // The logout token is bound to the session: the one from before login does not work.
    let page = browser.post(&app, "/logout", &[("csrf_token", &token)]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let token = csrf(&home.html);
    let page = browser.post(&app, "/logout", &[("csrf_token", &token)]).await;
    assert_eq!((page.status, page.location.as_deref()), (StatusCode::SEE_OTHER, Some("/login")));
    assert!(!browser.cookies.contains_key("hcp_session"));
    let (status, _) = app.get("/api/v1/me", Some(&cookie)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

async fn track_page_shows_the_state_and_refuses_a_wrong_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = Browser::default();
    let token = csrf(&browser.get(&app, "/e/W-SC-01").await.html);
    let page = browser
        .post(&app, "/e/W-SC-01", &[("csrf_token", &token), ("level", "2"), ("tags", "214"), ("comment", "态度生硬")])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let code = between(&page.html, "id=\"tracking-code\">", "<").unwrap();
    let password = between(&page.html, "id=\"query-password\">", "<").unwrap();
    let form = browser.get(&app, &format!("/track?code={code}")).await;
    assert!(form.html.contains(&format!("value=\"{code}\"")), "the receipt's link fills in the code");
    let token = csrf(&form.html);
    let page = browser.post(&app, "/track", &[("csrf_token", &token), ("code", &code), ("password", "000000")]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.html.contains("查询码或查询密码不正确"));
    let token = csrf(&page.html);
    let page = browser
        .post(&app, "/track", &[("csrf_token", &token), ("code", &code.to_lowercase()), ("password", &password)])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let (_, api) = app.get(&format!("/api/v1/track/{code}?password={password}"), None).await;
    let state = api["state_label"].as_str().unwrap();
    assert!(page.html.contains(&format!("id=\"track-state\">{state}<")), "{}", page.html);
    assert!(page.html.contains("不满意") && page.html.contains("反馈期限"));
    // Wrong passwords are limited like the API's.
    let limit = app.state.config().rate_limit.tracking_failures_per_minute;
    let mut last = StatusCode::OK;
    for _ in 0..=limit {
        let token = csrf(&browser.get(&app, "/track").await.html);
        last = browser.post(&app, "/track", &[("csrf_token", &token), ("code", &code), ("password", "1")]).await.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

async fn csrf_cookie_is_secure_when_the_session_cookie_is(backend: Backend) {
    let mut options = Options::default();
    options.config.session.secure_cookie = true;
    let app = TestApp::spawn_with(backend, options).await;
    let response = client().get(app.url("/login")).send().await.unwrap();
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("hcp_csrf="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    app.stop().await;
}

async fn the_header_names_a_role_once_when_the_name_only_repeats_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // The seeded supervisor has no name of their own: the account is named after the role.
    let home = app.browser_as("supervisor").await.get(&app, "/").await;
    let who = between(&home.html, "<span class=\"who\">", "</span></span>").expect("header");
    assert_eq!(who.matches("政务服务局督查人员").count(), 1, "{who}");
    assert!(!who.contains("id=\"who-name\""), "{who}");
    assert!(who.starts_with("<span id=\"who-role\">政务服务局督查人员</span> · "), "{who}");
    // A staff member's own name comes first, then the role.
    let home = app.browser_as("staff").await.get(&app, "/").await;
    let name = between(&home.html, "<span id=\"who-name\">", "</span>").expect("name shown");
    assert!(!name.is_empty() && name != Role::Staff.label(), "{name}");
    assert!(home.html.contains(&format!("{name}</span> · <span id=\"who-role\">窗口工作人员</span>")));
    app.stop().await;
}

/// The work pages a menu can lead to (pages reached from them, e.g. a ticket or a new order, are not listed).
const WORK_PAGES: &[&str] = &[
    "/work/tickets",
    "/work/evaluations",
    "/work/orders",
    "/entry",
    "/entry/complaint",
    "/entry/upload",
    "/supervise",
    "/supervise/appeals",
    "/supervise/fraud-flags",
    "/supervise/revisits",
    "/supervise/orders",
    "/supervise/ledgers",
    "/discipline/referrals",
    "/admin/org",
    "/admin/windows",
    "/admin/staff",
    "/admin/users",
    "/admin/calendar",
    "/admin/policy",
    "/admin/integrations",
];

async fn every_role_has_in_its_menu_exactly_the_work_pages_it_can_open(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for role in Role::ALL.into_iter().filter(|r| r.may_sign_in()) {
        let mut browser = app.browser_as(role.code()).await;
        let home = browser.get(&app, "/").await;
        let nav = between(&home.html, "<nav class=\"menu\"", "</nav>").expect("menu");
        for &page in WORK_PAGES {
            let opens = browser.get(&app, page).await.status == StatusCode::OK;
            let listed = menu(role).iter().any(|&(href, _)| href == page);
            assert_eq!(listed, opens, "{role:?} {page}: in the menu {listed}, opens {opens}");
            assert_eq!(nav.contains(&format!("<a href=\"{page}\"")), listed, "{role:?} {page} in the page's menu");
        }
    }
    app.stop().await;
}
