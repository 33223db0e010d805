//! The work pages over HTTP as a browser without JavaScript uses them: the ticket inbox scoped like the API,
//! the ticket page's action forms end to end (verify, rectify with a photo, feedback, appeal, the bureau's
//! decision), refusals shown on the page, CSRF and role refusals, the evaluations page without evaluator
//! identity, the orders page's report form, and the citizen's rating on `/track`.

use hcp_testkit::pages::{Browser, Page, between, client};
use hcp_testkit::{Backend, BadReview, Receipt, TestApp};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    the_inbox_shows_each_user_their_scope_with_deadlines_in_words,
    a_bad_review_is_verified_rectified_and_answered_through_the_forms,
    staff_appeal_within_the_window_and_the_bureau_overturns,
    forms_without_a_token_or_by_a_role_that_may_not_act_are_refused,
    the_evaluations_page_never_shows_the_evaluator_to_the_evaluated_side,
    the_head_reports_on_an_order_from_the_orders_page,
    the_citizen_rates_the_handling_on_track_with_the_password_asked_again,
    the_citizen_adds_the_one_follow_up_on_track,
    a_complaint_without_a_window_is_dispatched_from_the_ticket_page,
);

/// A citizen's bad review (QR code, 不满意) of S002 at W-SC-01 (`.of(..)` for another).
fn review() -> BadReview {
    BadReview::default().level(2).comment("窗口人员态度生硬")
}

/// The CSRF field of the page's own forms (the header's sign-out button comes first and has its own).
fn csrf(html: &str) -> String {
    let main = html.find("<main").expect("main");
    hcp_testkit::pages::csrf(&html[main..])
}

/// Posts one of the ticket page's forms with the page's CSRF token; returns the answer (not followed).
async fn act(browser: &mut Browser, app: &TestApp, ticket: i64, action: &str, fields: &[(&str, &str)]) -> Page {
    let page = browser.get(app, &format!("/work/tickets/{ticket}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let token = csrf(&page.html);
    post_action(browser, app, &token, ticket, action, fields).await
}

/// Posts an action with a token taken earlier (from a page that showed a form; all ticket forms share it).
async fn post_action(
    browser: &mut Browser,
    app: &TestApp,
    token: &str,
    ticket: i64,
    action: &str,
    fields: &[(&str, &str)],
) -> Page {
    let mut form = vec![("csrf_token", token)];
    form.extend_from_slice(fields);
    browser.post(app, &format!("/work/tickets/{ticket}/{action}"), &form).await
}

/// Posts, expects the redirect back to the ticket page, and returns that page.
async fn act_ok(browser: &mut Browser, app: &TestApp, ticket: i64, action: &str, fields: &[(&str, &str)]) -> Page {
    let page = act(browser, app, ticket, action, fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{action}: {}", page.html);
    let location = page.location.unwrap();
    assert_eq!(location, format!("/work/tickets/{ticket}?done={action}"));
    browser.get(app, &location).await
}

async fn api_ticket(app: &TestApp, ticket: i64) -> Value {
    let supervisor = app.login("supervisor").await;
    let (status, t) = app.get(&format!("/api/v1/tickets/{ticket}"), Some(&supervisor)).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    t
}

fn inbox_ids(html: &str) -> Vec<i64> {
    html.split("class=\"ticket-link\">#").skip(1).map(|rest| rest[..rest.find('<').unwrap()].parse().unwrap()).collect()
}

async fn the_inbox_shows_each_user_their_scope_with_deadlines_in_words(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let clerk = app.bad_review(review()).await.ticket;
    let head = app.bad_review(review().of("W-SC-01", "S001")).await.ticket;
    let street = app.bad_review(review().of("W-JZ-01", "S101")).await.ticket;

    let mut staff = app.browser_as("staff").await;
    let page = staff.get(&app, "/work/tickets").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert_eq!(inbox_ids(&page.html), [clerk], "the staff member sees their own ticket only");
    for text in ["差评", "已分派", "剩余 7 个工作日", "市场主体登记窗口 · 李强（S002）", "<label for=\"f-state\">"]
    {
        assert!(page.html.contains(text), "missing {text}: {}", page.html);
    }
    // Someone else's ticket is not found, as in the API.
    let page = staff.get(&app, &format!("/work/tickets/{head}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);

    let mut window_head = app.browser_as("window_head").await;
    let mut ids = inbox_ids(&window_head.get(&app, "/work/tickets").await.html);
    ids.sort_unstable();
    assert_eq!(ids, [clerk, head], "the window's tickets, not the other window's");
    let page = window_head.get(&app, &format!("/work/tickets/{street}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.html.contains("未找到"));

    let mut dept_head = app.browser_as("dept_head").await;
    let mut ids = inbox_ids(&dept_head.get(&app, "/work/tickets").await.html);
    ids.sort_unstable();
    assert_eq!(ids, [clerk, head]);
    let mut supervisor = app.browser_as("supervisor").await;
    assert_eq!(inbox_ids(&supervisor.get(&app, "/work/tickets").await.html).len(), 3);

    // Filters: a state with none, then the pagination of the API (one per page is not offered: 20 a page).
    let page = window_head.get(&app, "/work/tickets?state=closed").await;
    assert!(inbox_ids(&page.html).is_empty() && page.html.contains("没有符合条件的工单"));
    assert!(page.html.contains("value=\"closed\" selected"));
    let page = window_head.get(&app, "/work/tickets?state=nonsense&overdue=1").await;
    assert_eq!(page.status, StatusCode::OK, "unknown filters are ignored, not a fault");

    // Time passes: due today, then overdue (the scheduler marks it); overdue ones come first.
    app.clock.advance(chrono::Duration::days(9)); // Mon 10-12 → Wed 10-21, the 7th working day
    let mut window_head = app.browser_as("window_head").await;
    let page = window_head.get(&app, "/work/tickets").await;
    assert!(page.html.contains("今天到期"), "{}", page.html);
    // Sunday: overdue by the working days since (Thursday, Friday), as the time left is counted, not 4 days.
    app.clock.advance(chrono::Duration::days(4));
    app.run_jobs().await;
    let mut window_head = app.browser_as("window_head").await;
    let page = window_head.get(&app, "/work/tickets?overdue=1").await;
    assert_eq!(inbox_ids(&page.html).len(), 2, "{}", page.html);
    assert!(page.html.contains("<span class=\"badge overdue\">已超期 2 个工作日</span>"), "{}", page.html);

    // Admin reads no tickets: the 403 page.
    let mut admin = app.browser_as("admin").await;
    let page = admin.get(&app, "/work/tickets").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // Not signed in: to the sign-in page and back.
    let page = Browser::default().get(&app, "/work/tickets?state=dispatched").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/login?next=%2Fwork%2Ftickets%3Fstate%3Ddispatched"));
    app.stop().await;
}

/// A tiny valid PNG (signature + IHDR of a 1×1 image).
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde";

async fn a_bad_review_is_verified_rectified_and_answered_through_the_forms(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let Receipt { ticket, tracking_code: code, password, .. } = app.bad_review(review()).await;
    let mut head = app.browser_as("window_head").await;
    let page = head.get(&app, &format!("/work/tickets/{ticket}")).await;
    for text in [
        "id=\"form-verify\"",
        "id=\"form-appeal\"",
        "窗口人员态度生硬",
        "申诉期限",
        "反馈期限",
        "<label for=\"verify-finding\">",
    ] {
        assert!(page.html.contains(text), "missing {text}");
    }
    assert!(!page.html.contains("id=\"form-feedback\""), "no feedback before verification");
    assert!(!page.html.contains("id=\"form-decision\""), "the bureau's forms are not the head's");

    // A field error: shown next to the field, the choice kept, nothing stored.
    let page = act(&mut head, &app, ticket, "verify", &[("classification", "complex"), ("finding", "  ")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.html);
    assert!(page.html.contains("请填写此项"));
    assert!(page.html.contains("value=\"complex\" checked"));
    assert_eq!(api_ticket(&app, ticket).await["state"], "dispatched");
    let page = act(&mut head, &app, ticket, "verify", &[("finding", "属实")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("请选择核实分类") && page.html.contains(">属实</textarea>"));

    let page =
        act_ok(&mut head, &app, ticket, "verify", &[("classification", "complex"), ("finding", "排队时间过长属实")])
            .await;
    assert!(page.html.contains("核实结果已保存"), "{}", page.html);
    assert!(page.html.contains("情况复杂，限期整改"));
    assert_eq!(api_ticket(&app, ticket).await["classification"], "complex");

    // Rectify with a photo: a multipart form, the existing upload logic, bound to the rectify event.
    let page = head.get(&app, &format!("/work/tickets/{ticket}")).await;
    assert!(page.html.contains("enctype=\"multipart/form-data\""));
    let token = csrf(&page.html);
    let boundary = "----hcpBoundary7MA4YWxk";
    let mut body = Vec::new();
    for (name, value) in [("csrf_token", token.as_str()), ("measures", "增设取号机，高峰期增开窗口")] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"现场照片.png\"\r\nContent-Type: image/png\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(PNG);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response = client()
        .post(app.url(&format!("/work/tickets/{ticket}/rectify")))
        .header("cookie", head.cookie_header())
        .header(CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{}", response.text().await.unwrap());
    let page = head.get(&app, &format!("/work/tickets/{ticket}?done=rectify")).await;
    assert!(page.html.contains("整改措施已记录") && page.html.contains("增设取号机"));
    let t = api_ticket(&app, ticket).await;
    let attachment = &t["attachments"][0];
    assert_eq!(attachment["filename"], "现场照片.png", "{t}");
    assert!(attachment["event_id"].is_i64(), "bound to the rectify event: {t}");
    let link = format!("/api/v1/attachments/{}", attachment["id"]);
    assert!(page.html.contains(&format!("href=\"{link}\"")));
    let download = client().get(app.url(&link)).header("cookie", head.cookie_header()).send().await.unwrap();
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.bytes().await.unwrap().as_ref(), PNG);

    let page = act_ok(&mut head, &app, ticket, "feedback", &[("text", "已增设取号机，感谢您的监督")]).await;
    assert!(page.html.contains("处理反馈已发送给群众"));
    assert!(page.html.contains("id=\"ticket-state\">已反馈"), "{}", page.html);
    // A refusal: verifying again after feedback is an invalid transition, shown on the page (the form is gone;
    // the token comes from an earlier page).
    assert!(!page.html.contains("id=\"form-verify\""));
    let page = post_action(
        &mut head,
        &app,
        &token,
        ticket,
        "verify",
        &[("classification", "immediate"), ("finding", "再核实")],
    )
    .await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.html);
    assert!(page.html.contains("id=\"refused\""), "{}", page.html);
    let (status, tracked) = app.get(&format!("/api/v1/track/{code}?password={password}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tracked["feedback"], "已增设取号机，感谢您的监督");
    app.stop().await;
}

async fn staff_appeal_within_the_window_and_the_bureau_overturns(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let early = app.bad_review(review()).await.ticket;
    let late = app.bad_review(review().comment("又是这样")).await.ticket;
    let mut staff = app.browser_as("staff").await;
    let page = staff.get(&app, &format!("/work/tickets/{early}")).await;
    assert!(page.html.contains("id=\"form-appeal\""));
    assert!(page.html.contains("工作人员看不到评价人信息"));
    // The reason is required; the statement typed stays.
    let page = act(&mut staff, &app, early, "appeal", &[("statement", "当日系统故障")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("请选择申诉理由") && page.html.contains(">当日系统故障</textarea>"));
    let page = act_ok(
        &mut staff,
        &app,
        early,
        "appeal",
        &[("reason", "malicious"), ("statement", "该群众未在本窗口办理业务，监控可证")],
    )
    .await;
    assert!(page.html.contains("申诉已提交"));
    assert!(page.html.contains("id=\"ticket-state\">申诉复核中"));
    assert!(page.html.contains("申诉复核期限"));
    assert!(!page.html.contains("id=\"form-appeal\""), "one appeal only");

    // Thursday: the late ticket's appeal window (to Wednesday) has closed: no form, and a forced POST (with the
    // token of a fresh ticket's page) is refused.
    app.clock.advance(chrono::Duration::days(3));
    let fresh = app.bad_review(review()).await.ticket;
    let mut staff = app.browser_as("staff").await;
    let page = staff.get(&app, &format!("/work/tickets/{late}")).await;
    assert!(page.html.contains("id=\"ticket-state\">已分派"), "{}", page.html);
    assert!(!page.html.contains("id=\"form-appeal\""), "{}", page.html);
    let token = csrf(&staff.get(&app, &format!("/work/tickets/{fresh}")).await.html);
    let page =
        post_action(&mut staff, &app, &token, late, "appeal", &[("reason", "mis_evaluation"), ("statement", "误评")])
            .await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.html);
    assert!(page.html.contains("id=\"refused\""));
    assert_eq!(api_ticket(&app, late).await["state"], "dispatched");

    // The bureau decides on the ticket page: overturning needs a reason.
    let mut supervisor = app.browser_as("supervisor").await;
    let page = supervisor.get(&app, &format!("/work/tickets/{early}")).await;
    assert!(page.html.contains("id=\"form-decision\""));
    assert!(page.html.contains("该群众未在本窗口办理业务"), "the statement is on the timeline");
    let page =
        act(&mut supervisor, &app, early, "decision", &[("outcome", "overturned"), ("explanation", "查看监控")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.html);
    assert!(page.html.contains("改判须说明理由：误评或恶意差评"), "plain Chinese, no codes");
    assert!(page.html.contains("value=\"overturned\" checked"));
    let page = act_ok(
        &mut supervisor,
        &app,
        early,
        "decision",
        &[("outcome", "overturned"), ("reason", "malicious"), ("explanation", "经查看监控，该群众未在本窗口办理业务")],
    )
    .await;
    assert!(page.html.contains("申诉复核决定已作出"));
    assert!(page.html.contains("id=\"ticket-state\">已改判"));
    assert!(page.html.contains("不予采纳"));
    let t = api_ticket(&app, early).await;
    assert_eq!(t["state"], "overturned");
    app.stop().await;
}

async fn forms_without_a_token_or_by_a_role_that_may_not_act_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ticket = app.bad_review(review()).await.ticket;
    let mut head = app.browser_as("window_head").await;
    let path = format!("/work/tickets/{ticket}/verify");
    let fields = [("classification", "complex"), ("finding", "属实")];
    let page = head.post(&app, &path, &fields).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.html.contains("本次提交未被受理"), "{}", page.html);
    // A token of another browser.
    let mut other = app.browser_as("window_head").await;
    let foreign = csrf(&other.get(&app, &format!("/work/tickets/{ticket}")).await.html);
    let page = head.post(&app, &path, &[("csrf_token", foreign.as_str()), fields[0], fields[1]]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // A token of another form (the sign-out button's).
    let logout = between(&head.get(&app, "/work/tickets").await.html, "action=\"/logout\"", "</form>").unwrap();
    let logout_token = between(&logout, "value=\"", "\"").unwrap();
    let page = head.post(&app, &path, &[("csrf_token", logout_token.as_str()), fields[0], fields[1]]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(api_ticket(&app, ticket).await["state"], "dispatched", "nothing stored");

    // Staff may not decide an appeal: the 403 page, nothing stored.
    let mut staff = app.browser_as("staff").await;
    let page = act(
        &mut staff,
        &app,
        ticket,
        "decision",
        &[("outcome", "overturned"), ("reason", "malicious"), ("explanation", "自己改判")],
    )
    .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.html);
    assert!(page.html.contains("无权"), "{}", page.html);
    // Nor may the window head close the ticket in the bureau's place.
    let page = act(&mut head, &app, ticket, "close", &[("note", "自行办结")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(api_ticket(&app, ticket).await["state"], "dispatched");
    // Unknown actions and tickets are not found.
    let token = csrf(&head.get(&app, &format!("/work/tickets/{ticket}")).await.html);
    let page = post_action(&mut head, &app, &token, ticket, "explode", &[]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let page = post_action(&mut head, &app, &token, 999_999, "verify", &fields).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn the_evaluations_page_never_shows_the_evaluator_to_the_evaluated_side(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let evaluator = json!({"comment": "柜台无人", "evaluator": {"name": "张三丰", "phone": "13912345678"}});
    let ticket = app.bad_review(review().with(evaluator)).await.ticket;
    let (status, _) = app
        .evaluate(json!({"channel": "qrcode", "window_code": "W-JZ-01", "staff_no": "S101", "level": 5,
            "comment": "街道窗口很好"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    for user in ["staff", "window_head", "dept_head"] {
        let mut browser = app.browser_as(user).await;
        let page = browser.get(&app, "/work/evaluations").await;
        assert_eq!(page.status, StatusCode::OK, "{user}: {}", page.html);
        assert!(page.html.contains("柜台无人") && page.html.contains("不满意"), "{user}");
        assert!(!page.html.contains("街道窗口很好"), "{user} sees another department's evaluation");
        let ticket_page = browser.get(&app, &format!("/work/tickets/{ticket}")).await;
        for html in [&page.html, &ticket_page.html] {
            for secret in ["张三丰", "张*", "13912345678", "139****", "5678"] {
                assert!(!html.contains(secret), "{user} sees {secret}");
            }
            assert!(!html.contains("id=\"evaluator\""), "{user}");
        }
    }
    // The bureau sees the masked evaluator on the ticket page, as in the API.
    let mut supervisor = app.browser_as("supervisor").await;
    let page = supervisor.get(&app, &format!("/work/tickets/{ticket}")).await;
    let evaluator = between(&page.html, "id=\"evaluator\">", "</dd>").unwrap();
    assert!(evaluator.contains("5678") && !evaluator.contains("13912345678") && !evaluator.contains("张三丰"));
    // Filters: level and month.
    let mut staff = app.browser_as("staff").await;
    let page = staff.get(&app, "/work/evaluations?level=5").await;
    assert!(page.html.contains("没有符合条件的评价"));
    let page = staff.get(&app, "/work/evaluations?period=2026-10&level=2").await;
    assert!(page.html.contains("柜台无人"));
    let page = staff.get(&app, "/work/evaluations?period=2026-09").await;
    assert!(page.html.contains("没有符合条件的评价"));
    let page = staff.get(&app, "/work/evaluations?period=bad").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("月份格式应为"));
    // The supervisor has pages of their own.
    let page = supervisor.get(&app, "/work/evaluations").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    app.stop().await;
}

async fn the_head_reports_on_an_order_from_the_orders_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.bad_review(review()).await;
    let supervisor = app.login("supervisor").await;
    let order = json!({"kind": "rectification_order", "level": "window", "target": "W-SC-01", "period": "2026-10",
        "reason": "10月差评集中，请限期整改", "working_days": 5});
    let (status, issued) = app.post("/api/v1/supervision/orders", Some(&supervisor), &order).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let id = issued["id"].as_i64().unwrap();

    let mut head = app.browser_as("window_head").await;
    let page = head.get(&app, "/work/orders").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    for text in ["整改通知", "10月差评集中，请限期整改", "待提交整改报告", "剩余 5 个工作日", "<label for=\"report-"]
    {
        assert!(page.html.contains(text), "missing {text}: {}", page.html);
    }
    let token = csrf(&page.html);
    let path = format!("/work/orders/{id}/report");
    let page = head.post(&app, &path, &[("csrf_token", token.as_str()), ("report", "  ")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("请填写1至4000字的整改报告"), "{}", page.html);
    let page = head.post(&app, &path, &[("report", "已整改")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "no token");
    let page =
        head.post(&app, &path, &[("csrf_token", token.as_str()), ("report", "已开展窗口礼仪培训，增设取号机")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let page = head.get(&app, page.location.as_deref().unwrap()).await;
    assert!(page.html.contains("整改报告已提交") && page.html.contains("已报告整改，待评估"));
    assert!(!page.html.contains(&format!("action=\"{path}\"")), "reported once");
    let (_, orders) = app.get("/api/v1/supervision/orders", Some(&supervisor)).await;
    assert_eq!(orders[0]["state"], "reported");
    assert_eq!(orders[0]["report"], "已开展窗口礼仪培训，增设取号机");
    // A second report is refused on the page.
    let page = head.post(&app, &path, &[("csrf_token", token.as_str()), ("report", "再报一次")]).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.html.contains("已提交过整改报告"));
    // Staff have no orders page; the department head sees the window's order.
    let mut staff = app.browser_as("staff").await;
    assert_eq!(staff.get(&app, "/work/orders").await.status, StatusCode::FORBIDDEN);
    let mut dept_head = app.browser_as("dept_head").await;
    assert!(dept_head.get(&app, "/work/orders").await.html.contains("10月差评集中"));
    app.stop().await;
}

async fn the_citizen_rates_the_handling_on_track_with_the_password_asked_again(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let Receipt { ticket, tracking_code: code, password, .. } = app.bad_review(review()).await;
    let mut head = app.browser_as("window_head").await;
    act_ok(&mut head, &app, ticket, "verify", &[("classification", "immediate"), ("finding", "属实")]).await;
    act_ok(&mut head, &app, ticket, "rectify", &[("measures", "当场致歉")]).await;
    act_ok(&mut head, &app, ticket, "feedback", &[("text", "已当场致歉并加强培训")]).await;

    let mut citizen = Browser::default();
    let token = csrf(&citizen.get(&app, "/track").await.html);
    let page = citizen.post(&app, "/track", &[("csrf_token", &token), ("code", &code), ("password", &password)]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("已当场致歉并加强培训") && page.html.contains("id=\"rate-form\""));
    assert!(page.html.contains("<label for=\"rate-password\">"));
    assert!(!page.html.contains(&password), "the password is never written into the page");
    let form = between(&page.html, "id=\"rate-form\"", "</form>").unwrap();
    let rate_token = between(&form, "name=\"csrf_token\" value=\"", "\"").unwrap();
    // The lookup form's token does not rate.
    let page = rate(&mut citizen, &app, &token, &code, &password, "satisfied").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "another form's token");
    // Without the password, or a wrong one: not rated.
    let page = rate(&mut citizen, &app, &rate_token, &code, "", "satisfied").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{}", page.html);
    assert!(page.html.contains("请输入查询密码"));
    let page = rate(&mut citizen, &app, &rate_token, &code, "000000", "satisfied").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    // No choice: the result again, with the message next to the form.
    let page = rate(&mut citizen, &app, &rate_token, &code, &password, "").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("请选择您对处理结果的满意程度") && page.html.contains("id=\"rate-form\""));
    assert_eq!(api_ticket(&app, ticket).await["state"], "feedback_given");
    let page = rate(&mut citizen, &app, &rate_token, &code, &password, "satisfied").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("感谢您的评价"));
    assert!(page.html.contains("id=\"track-state\">已办结"), "{}", page.html);
    assert!(!page.html.contains("id=\"rate-form\""), "rated once");
    assert!(!page.html.contains(&password));
    assert_eq!(api_ticket(&app, ticket).await["state"], "closed");
    app.stop().await;
}

/// The `/track` rating form as the citizen submits it.
async fn rate(browser: &mut Browser, app: &TestApp, token: &str, code: &str, password: &str, choice: &str) -> Page {
    let form = [
        ("csrf_token", token),
        ("action", "rate"),
        ("code", code),
        ("password", password),
        ("satisfaction", choice),
        ("note", "满意"),
    ];
    browser.post(app, "/track", &form).await
}

async fn the_citizen_adds_the_one_follow_up_on_track(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Of the case, by phone.
    let review = review().channel("mobile").with(json!({"case_no": "C-001", "window_code": null, "staff_no": null}));
    let Receipt { tracking_code: code, password, .. } = app.bad_review(review).await;
    let mut citizen = Browser::default();
    let token = csrf(&citizen.get(&app, "/track").await.html);
    let page = citizen.post(&app, "/track", &[("csrf_token", &token), ("code", &code), ("password", &password)]).await;
    assert!(page.html.contains("id=\"follow-up-form\""), "{}", page.html);
    assert!(!page.html.contains("id=\"rate-form\""), "nothing to rate before feedback");
    let form = between(&page.html, "id=\"follow-up-form\"", "</form>").unwrap();
    let follow_token = between(&form, "name=\"csrf_token\" value=\"", "\"").unwrap();
    let follow = |level: &'static str, pw: String| {
        let (t, c) = (follow_token.clone(), code.clone());
        move |comment: &'static str| {
            vec![
                ("csrf_token", t.clone()),
                ("action", "follow_up".to_owned()),
                ("code", c.clone()),
                ("password", pw.clone()),
                ("level", level.to_owned()),
                ("comment", comment.to_owned()),
            ]
        }
    };
    // No level: intake's message next to the form, the comment kept; nothing stored.
    let fields = follow("", password.clone())("整改后好多了");
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = citizen.post(&app, "/track", &refs).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.html);
    assert!(page.html.contains("请选择评价等级") && page.html.contains(">整改后好多了</textarea>"));
    let fields = follow("4", password.clone())("整改后好多了");
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = citizen.post(&app, "/track", &refs).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let new_code = between(&page.html, "id=\"follow-code\">", "<").unwrap();
    let new_password = between(&page.html, "id=\"follow-password\">", "<").unwrap();
    assert!(new_code.starts_with('E') && new_code != code);
    assert!(!page.html.contains("id=\"follow-up-form\""), "one follow-up only");
    let (status, view) = app.get(&format!("/api/v1/track/{new_code}?password={new_password}"), None).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["level"], 4);
    app.stop().await;
}

async fn a_complaint_without_a_window_is_dispatched_from_the_ticket_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let operator = app.login("hotline_operator").await;
    let complaint = json!({"channel": "phone", "department_code": "SCJG", "content": "营业执照办理一直没有结果",
        "contact": {"name": "王小明", "phone": "13912345678"}});
    let (status, receipt) = app.post("/api/v1/complaints", Some(&operator), &complaint).await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    let ticket = receipt["ticket_id"].as_i64().unwrap();
    let mut browser = app.browser_as("hotline_operator").await;
    let page = browser.get(&app, &format!("/work/tickets/{ticket}")).await;
    assert!(page.html.contains("id=\"form-dispatch\"") && page.html.contains("已登记"), "{}", page.html);
    assert!(page.html.contains("<option value=\"W-SC-01\">W-SC-01 市场主体登记窗口</option>"));
    assert!(!page.html.contains("id=\"form-appeal\""), "complaints are not appealed");
    // What the caller said, with the contact masked for the operator.
    assert!(page.html.contains("营业执照办理一直没有结果") && page.html.contains("12345热线"), "{}", page.html);
    assert!(page.html.contains("139****5678") && !page.html.contains("13912345678"));
    // No window: the service's field error next to the select.
    let page = act(&mut browser, &app, ticket, "dispatch", &[("window_code", ""), ("note", "请尽快办理")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.html);
    assert!(page.html.contains("请指定窗口编号") && page.html.contains(">请尽快办理</textarea>"));
    // Staff of another window: refused with the field named.
    let page = act(&mut browser, &app, ticket, "dispatch", &[("window_code", "W-SC-01"), ("staff_no", "S101")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("该工作人员不在承办窗口"));
    let page =
        act_ok(&mut browser, &app, ticket, "dispatch", &[("window_code", "W-SC-01"), ("staff_no", "S002")]).await;
    assert!(page.html.contains("工单已分派") && page.html.contains("id=\"ticket-state\">已分派"));
    assert!(page.html.contains("李强（S002）") && page.html.contains("反馈期限"));
    // Now the staff member has it.
    let mut staff = app.browser_as("staff").await;
    assert_eq!(inbox_ids(&staff.get(&app, "/work/tickets").await.html), [ticket]);
    // The staff member reads the complaint but never learns who made it.
    let page = staff.get(&app, &format!("/work/tickets/{ticket}")).await;
    assert!(page.html.contains("营业执照办理一直没有结果"), "{}", page.html);
    assert!(!page.html.contains("139****5678") && !page.html.contains("王*") && !page.html.contains("王小明"));
    app.stop().await;
}
