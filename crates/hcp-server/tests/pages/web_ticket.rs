//! The staff ticket page as the people who revisit, handle and appeal use it (issue 13): the audited reveal of
//! the citizen's contact for the revisit (page and API), the evaluation or submission the ticket came from, a
//! timeline that names people in Chinese, and the appeal's states said in words.

use hcp_testkit::pages::{Browser, Page, form_csrf};
use hcp_testkit::{Backend, BadReview, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    revisit_roles_reveal_the_contact_from_the_ticket_page_with_a_reason,
    the_timeline_names_people_by_name_and_role_in_chinese,
    the_appeal_says_what_it_can_and_cannot_do_and_that_the_feedback_clock_is_paused,
);

/// A real-name bad review (QR code, 不满意) of S002 at W-SC-01.
fn review() -> BadReview {
    BadReview::default()
        .level(2)
        .comment("窗口人员态度生硬")
        .with(json!({"evaluator": {"name": "张三", "phone": "13912345678"}}))
}

async fn open(browser: &mut Browser, app: &TestApp, ticket: i64) -> Page {
    let page = browser.get(app, &format!("/work/tickets/{ticket}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    page
}

/// Posts the reveal form of the ticket page `from` with its token.
async fn reveal(browser: &mut Browser, app: &TestApp, ticket: i64, from: &Page, reason: &str) -> Page {
    let action = format!("/work/tickets/{ticket}/reveal");
    let token = form_csrf(&from.html, &action);
    browser.post(app, &action, &[("csrf_token", token.as_str()), ("reason", reason)]).await
}

async fn audit_of(app: &TestApp, ticket: i64) -> Vec<hcp_store::audit::AuditRow> {
    let mut conn = app.state.store().reader().await.unwrap();
    let rows = hcp_store::audit::for_target(&mut conn, &format!("ticket:{ticket}")).await.unwrap();
    rows.into_iter().filter(|r| r.action == "ticket.reveal_contact").collect()
}

async fn revisit_roles_reveal_the_contact_from_the_ticket_page_with_a_reason(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let bad = app.bad_review(review()).await.ticket;
    let operator = app.login("hotline_operator").await;
    let complaint = json!({"channel": "phone", "window_code": "W-SC-01", "content": "营业执照办理一直没有结果",
        "contact": {"name": "王小明", "phone": "13700001111"}});
    let (status, receipt) = app.post("/api/v1/complaints", Some(&operator), &complaint).await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    let complaint = receipt["ticket_id"].as_i64().unwrap();
    let report = json!({"kind": "coercion", "target": {"window_code": "W-SC-01", "staff_no": "S002"},
        "content": "工作人员要求必须点非常满意才让走", "contact": {"name": "李四", "phone": "13800002222"}});
    let (status, receipt) = app.post("/api/v1/misconduct-reports", None, &report).await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    let report = receipt["ticket_id"].as_i64().unwrap();

    // The supervisor: the evaluation the ticket came from, masked, and the form to reveal it.
    let mut supervisor = app.browser_as("supervisor").await;
    let page = open(&mut supervisor, &app, bad).await;
    for text in [
        "来源评价",
        "窗口人员态度生硬",
        "不满意",
        "服务态度生硬",
        "二维码",
        "市场主体登记窗口（W-SC-01）",
        "李强（S002）",
        "评价时间",
        "139****5678",
        "id=\"form-reveal\"",
    ] {
        assert!(page.html.contains(text), "missing {text}: {}", page.html);
    }
    assert!(!page.html.contains("13912345678"));
    // A reason is required: the field's error, nothing revealed, nothing audited.
    let refused = reveal(&mut supervisor, &app, bad, &page, " ").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.html);
    assert!(refused.html.contains("请说明查看联系方式的理由"), "{}", refused.html);
    assert!(!refused.html.contains("13912345678"));
    assert!(audit_of(&app, bad).await.is_empty());
    let shown = reveal(&mut supervisor, &app, bad, &page, "电话回访整改结果").await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.html);
    assert!(shown.html.contains("id=\"revealed-phone\"><a href=\"tel:13912345678\">13912345678</a>"), "{}", shown.html);
    assert!(shown.html.contains("id=\"revealed-name\">张三<") && shown.html.contains("已记入审计日志"));
    // Reloaded, the page is masked again: the contact lives in that answer only.
    assert!(!open(&mut supervisor, &app, bad).await.html.contains("13912345678"));
    let audit = audit_of(&app, bad).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, "supervisor");
    let details: Value = serde_json::from_str(&audit[0].details).unwrap();
    assert_eq!(details["reason"], "电话回访整改结果");
    assert_eq!(details["source"], "evaluation");

    // A misconduct report: the reporter too, for the bureau.
    let page = open(&mut supervisor, &app, report).await;
    assert!(page.html.contains("138****2222") && page.html.contains("id=\"form-reveal\""), "{}", page.html);
    let shown = reveal(&mut supervisor, &app, report, &page, "核实举报情况需联系举报人").await;
    assert!(shown.html.contains("13800002222") && shown.html.contains("李四"), "{}", shown.html);
    assert_eq!(audit_of(&app, report).await.len(), 1);

    // The hotline operator revisits bad reviews and complaints alike; reports are not theirs to see.
    let mut hotline = app.browser_as("hotline_operator").await;
    let page = open(&mut hotline, &app, complaint).await;
    assert!(page.html.contains("137****1111") && page.html.contains("id=\"form-reveal\""), "{}", page.html);
    let shown = reveal(&mut hotline, &app, complaint, &page, "回访投诉人").await;
    assert!(shown.html.contains("13700001111") && shown.html.contains("王小明"), "{}", shown.html);
    let audit = audit_of(&app, complaint).await;
    assert_eq!((audit.len(), audit[0].actor.as_str()), (1, "hotline_operator"));
    let page = open(&mut hotline, &app, bad).await;
    assert!(reveal(&mut hotline, &app, bad, &page, "回访评价人").await.html.contains("13912345678"));
    let page = hotline.get(&app, &format!("/work/tickets/{report}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    // An anonymous review leaves no one to call: said, and no form.
    let anonymous = app.bad_review(BadReview::default().level(2)).await.ticket;
    let page = open(&mut hotline, &app, anonymous).await;
    assert!(page.html.contains("匿名评价，未留联系方式，无法回访") && !page.html.contains("id=\"form-reveal\""));

    // Other roles see no form, and a forced post (with the token of their own ticket forms) is refused.
    for (user, ticket) in [("window_head", bad), ("staff", bad), ("dept_head", complaint)] {
        let mut browser = app.browser_as(user).await;
        let page = open(&mut browser, &app, ticket).await;
        assert!(!page.html.contains("id=\"form-reveal\""), "{user}: {}", page.html);
        let token = form_csrf(&page.html, &format!("/work/tickets/{ticket}/verify"));
        let path = format!("/work/tickets/{ticket}/reveal");
        let forced = browser.post(&app, &path, &[("csrf_token", token.as_str()), ("reason", "想看看是谁")]).await;
        assert_eq!(forced.status, StatusCode::FORBIDDEN, "{user}: {}", forced.html);
        assert!(!forced.html.contains("13912345678") && !forced.html.contains("13700001111"));
    }
    let mut discipline = app.browser_as("discipline").await;
    assert!(!open(&mut discipline, &app, report).await.html.contains("id=\"form-reveal\""));
    let inspector = app.login("discipline").await;
    let (status, body) =
        app.post(&format!("/api/v1/tickets/{report}/reveal"), Some(&inspector), &json!({"reason": "了解举报人"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // The same use case as an API: 422 without a reason, 403 for other roles, audited.
    let supervisor_token = app.login("supervisor").await;
    let path = format!("/api/v1/tickets/{complaint}/reveal");
    let (status, body) = app.post(&path, Some(&supervisor_token), &json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["reason"].is_string(), "{body}");
    let (status, body) = app.post(&path, Some(&supervisor_token), &json!({"reason": "电话回访处理结果"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["phone"].as_str(), body["source"].as_str()), (Some("13700001111"), Some("complaint")));
    let head = app.login("window_head").await;
    let (status, body) = app.post(&path, Some(&head), &json!({"reason": "电话回访处理结果"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(audit_of(&app, complaint).await.len(), 2);
    app.assert_audit_clean().await;
    app.stop().await;
}

async fn the_timeline_names_people_by_name_and_role_in_chinese(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let citizen = app.bad_review(review()).await.ticket;
    let operator = app.login("hotline_operator").await;
    let complaint = json!({"channel": "phone", "window_code": "W-SC-01", "content": "办理进度无人告知"});
    let (status, receipt) = app.post("/api/v1/complaints", Some(&operator), &complaint).await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    let registered = receipt["ticket_id"].as_i64().unwrap();

    let mut head = app.browser_as("window_head").await;
    let page = open(&mut head, &app, citizen).await;
    let token = form_csrf(&page.html, &format!("/work/tickets/{citizen}/verify"));
    let fields = [("csrf_token", token.as_str()), ("classification", "complex"), ("finding", "属实")];
    let done = head.post(&app, &format!("/work/tickets/{citizen}/verify"), &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);

    let mut supervisor = app.browser_as("supervisor").await;
    let page = open(&mut supervisor, &app, citizen).await;
    let timeline = &page.html[page.html.find("id=\"timeline\"").unwrap()..];
    // The head by name and role; the dispatch at intake says the citizen submitted it.
    assert!(timeline.contains("<strong>核实</strong> · 王芳（窗口负责人）"), "{timeline}");
    assert!(timeline.contains("群众提交后即分派"), "{timeline}");
    for login in ["window_head", "citizen", "· supervisor", "hotline_operator"] {
        assert!(!timeline.contains(login), "login name {login} shown: {timeline}");
    }
    let page = open(&mut supervisor, &app, registered).await;
    let timeline = &page.html[page.html.find("id=\"timeline\"").unwrap()..];
    assert!(timeline.contains("登记人：12345热线话务员"), "{timeline}");
    assert!(!timeline.contains("hotline_operator"), "{timeline}");
    // The API keeps the audit name beside the label.
    let (_, t) = app.get(&format!("/api/v1/tickets/{citizen}"), Some(&operator)).await;
    let verify = t["timeline"].as_array().unwrap().iter().find(|e| e["action"] == "verify").unwrap().clone();
    assert_eq!(
        (verify["actor"].as_str(), verify["actor_label"].as_str()),
        (Some("window_head"), Some("王芳（窗口负责人）"))
    );
    app.stop().await;
}

async fn the_appeal_says_what_it_can_and_cannot_do_and_that_the_feedback_clock_is_paused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let appealed = app.bad_review(review()).await.ticket;
    let verified = app.bad_review(review().comment("等了很久")).await.ticket;
    let late = app.bad_review(review().comment("又是这样")).await.ticket;

    // The head verifies one as true: the staff member may still appeal, and the page says why.
    let mut head = app.browser_as("window_head").await;
    let page = open(&mut head, &app, verified).await;
    let token = form_csrf(&page.html, &format!("/work/tickets/{verified}/verify"));
    let fields = [("csrf_token", token.as_str()), ("classification", "immediate"), ("finding", "属实")];
    assert_eq!(
        head.post(&app, &format!("/work/tickets/{verified}/verify"), &fields).await.status,
        StatusCode::SEE_OTHER
    );
    let mut staff = app.browser_as("staff").await;
    let page = open(&mut staff, &app, verified).await;
    assert!(page.html.contains("id=\"form-appeal\""), "{}", page.html);
    assert!(
        page.html.contains("负责人已核实并安排整改") && page.html.contains("由政务服务局复核决定"),
        "{}",
        page.html
    );

    // Under review: the feedback deadline is said to be paused, with the working days it resumes with.
    let page = open(&mut staff, &app, appealed).await;
    let token = form_csrf(&page.html, &format!("/work/tickets/{appealed}/appeal"));
    let fields = [("csrf_token", token.as_str()), ("reason", "malicious"), ("statement", "监控可证未来本窗口")];
    assert_eq!(
        staff.post(&app, &format!("/work/tickets/{appealed}/appeal"), &fields).await.status,
        StatusCode::SEE_OTHER
    );
    let page = open(&mut staff, &app, appealed).await;
    let deadlines = &page.html[page.html.find("id=\"deadlines\"").unwrap()..];
    let deadlines = &deadlines[..deadlines.find("</table>").unwrap()];
    assert!(deadlines.contains("申诉复核期限"), "{deadlines}");
    assert!(deadlines.contains("<td>反馈期限</td><td>申诉复核期间暂停计算</td>"), "{deadlines}");
    assert!(deadlines.contains("恢复后剩余 7 个工作日"), "{deadlines}");
    assert!(page.html.contains("id=\"ticket-state\">申诉复核中"));
    // One word on both sides: the supervisor's queue and form say 申诉复核 as the staff's page does.
    let mut supervisor = app.browser_as("supervisor").await;
    let queue = supervisor.get(&app, "/supervise/appeals").await;
    assert!(queue.html.contains("申诉复核期限"), "{}", queue.html);
    let page = open(&mut supervisor, &app, appealed).await;
    assert!(page.html.contains("<h3>申诉复核决定</h3>") && page.html.contains("<strong>提出申诉</strong>"));
    let token = form_csrf(&page.html, &format!("/work/tickets/{appealed}/decision"));
    let fields = [("csrf_token", token.as_str()), ("outcome", "upheld"), ("explanation", "差评属实")];
    assert_eq!(
        supervisor.post(&app, &format!("/work/tickets/{appealed}/decision"), &fields).await.status,
        StatusCode::SEE_OTHER
    );
    let page = open(&mut staff, &app, appealed).await;
    assert!(page.html.contains("id=\"appeal-note\">该差评已申诉过"), "{}", page.html);

    // Thursday: the appeal window (to Wednesday) has closed: said, with its date, instead of a missing form.
    app.clock.advance(chrono::Duration::days(3));
    let mut staff = app.browser_as("staff").await;
    let page = open(&mut staff, &app, late).await;
    assert!(!page.html.contains("id=\"form-appeal\""));
    assert!(page.html.contains("id=\"appeal-note\">申诉期限已于 2026年10月14日 23:59 截止"), "{}", page.html);
    // The head, who may appeal too, reads the same; the department head, who may not, reads nothing of it.
    let mut head = app.browser_as("window_head").await;
    assert!(open(&mut head, &app, late).await.html.contains("申诉期限已于"));
    let mut dept = app.browser_as("dept_head").await;
    assert!(!open(&mut dept, &app, late).await.html.contains("appeal-note"));
    app.stop().await;
}
