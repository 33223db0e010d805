//! The supervisor's and the discipline inspector's pages over HTTP, as a browser without JavaScript uses them:
//! the dashboard against `/api/v1/stats`, the queues, the fraud-flag decision, the order ladder, ledgers, the
//! audited reveal of an evaluator's contact, referrals and their outcome, CSRF refusals.

use chrono::Duration;
use hcp_testkit::pages::{Browser, between, form_csrf};
use hcp_testkit::{Backend, BadReview, Options, TestApp, code};
use reqwest::StatusCode;
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    dashboard_figures_equal_the_api_and_charts_have_titles,
    dashboard_is_refused_to_other_roles_and_reads_bad_input,
    fraud_flag_is_confirmed_through_the_form,
    a_burst_is_one_case_decided_at_once,
    order_is_issued_reported_and_assessed,
    assessment_compares_like_periods_and_counts_when_the_data_suffice,
    appeal_and_revisit_queues_link_to_the_tickets,
    ledgers_page_links_downloads_that_work_with_the_session,
    upward_report_links_answer_a_file_once_configured,
    reveal_needs_a_reason_shows_the_contact_once_and_is_audited,
    discipline_lists_a_referral_and_records_the_outcome,
);

fn percent(v: &Value) -> String {
    v.as_f64().map_or_else(|| "—".to_owned(), |v| format!("{v:.1}%"))
}

fn text_of(html: &str, id: &str) -> String {
    between(html, &format!("id=\"{id}\">"), "<").unwrap_or_else(|| panic!("#{id} in page"))
}

/// A bad review of S002 at W-SC-01 from a PC, at `level`.
fn review(level: i64) -> BadReview {
    BadReview::default().channel("pc").level(level)
}

async fn dashboard_figures_equal_the_api_and_charts_have_titles(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for level in [5, 5, 4, 3] {
        let (status, body) = app.evaluate(json!({"channel": "qrcode", "window_code": "W-SC-01", "level": level})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    app.bad_review(review(1)).await;
    app.evaluate(json!({"channel": "mobile", "window_code": "W-JZ-01", "level": 2, "tags": [214]})).await;
    let mut browser = app.browser_as("supervisor").await;
    let page = browser.get(&app, "/supervise").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);

    // Default period: the 12 months up to the current one (2025-11 … 2026-10).
    assert!(page.html.contains("value=\"2025-11\"") && page.html.contains("value=\"2026-10\""), "{}", page.html);
    let cookie = app.login("supervisor").await;
    let (status, api) = app.get("/api/v1/stats?from=2025-11-01&to=2026-10-31", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{api}");
    let total = &api["groups"][0];
    assert_eq!(text_of(&page.html, "bad-rate"), percent(&total["rates"]["bad_rate"]));
    assert_eq!(text_of(&page.html, "bad-rate"), "33.3%");
    assert_eq!(text_of(&page.html, "good-rate"), percent(&total["rates"]["good_rate"]));
    assert_eq!(text_of(&page.html, "total"), total["evaluations"].to_string());
    assert_eq!(text_of(&page.html, "score"), format!("{:.2}", total["rates"]["score"].as_f64().unwrap()));
    assert_eq!(text_of(&page.html, "overdue-count"), total["overdue"].to_string());

    // Charts: inline SVG with titles and a data table beside each.
    assert!(page.html.matches("<svg").count() >= 3);
    for title in ["按月评价数与好评率", "评价等级分布（有效评价）", "评价渠道构成"] {
        assert!(page.html.contains(&format!("<title>{title}</title>")), "chart {title}");
        assert!(page.html.contains(&format!("aria-label=\"{title}\"")), "label {title}");
    }
    assert!(page.html.contains("查看数据表") && page.html.contains("<td>2026-10</td><td class=\"num\">6</td>"));
    assert!(page.html.contains("二维码") && page.html.contains("移动端"), "channel mix");
    // Rankings: windows by score, and by 差评率 on request.
    assert!(page.html.contains("市场主体登记窗口（W-SC-01）"));
    let by_bad = browser.get(&app, "/supervise?sort=bad").await;
    let windows = between(&by_bad.html, "id=\"rank-window\"", "</table>").unwrap();
    assert!(windows.find("社保医保窗口").unwrap() < windows.find("市场主体登记窗口").unwrap(), "{windows}");

    // A chosen month and org subtree give the API's figures for the same filter.
    let street = browser.get(&app, "/supervise?from=2026-10&to=2026-10&org=JK-JZ").await;
    let (_, api) = app.get("/api/v1/stats?from=2026-10-01&to=2026-10-31&org=JK-JZ", Some(&cookie)).await;
    assert_eq!(text_of(&street.html, "bad-rate"), percent(&api["groups"][0]["rates"]["bad_rate"]));
    assert_eq!(text_of(&street.html, "bad-rate"), "100.0%");
    assert_eq!(text_of(&street.html, "total"), "1");
    app.stop().await;
}

async fn dashboard_is_refused_to_other_roles_and_reads_bad_input(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut anonymous = Browser::default();
    let page = anonymous.get(&app, "/supervise").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/login?next=%2Fsupervise"));
    for user in ["window_head", "staff", "discipline", "admin"] {
        let mut browser = app.browser_as(user).await;
        for path in ["/supervise", "/supervise/fraud-flags", "/supervise/orders", "/supervise/ledgers"] {
            let page = browser.get(&app, path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{user} {path}");
            assert!(page.html.contains("无权访问"), "{user} {path}: Chinese 403 page");
        }
    }
    let mut browser = app.browser_as("supervisor").await;
    let page = browser.get(&app, "/supervise?from=2026-13&to=x").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("起始月份应为“年-月”格式"), "{}", page.html);
    let page = browser.get(&app, "/supervise?from=2026-10&to=2026-01").await;
    assert!(page.html.contains("起始月份不能晚于截止月份"));
    let page = browser.get(&app, "/supervise?org=NOPE").await;
    assert!(page.html.contains("所选机构不在您的管辖范围内"));
    app.stop().await;
}

async fn fraud_flag_is_confirmed_through_the_form(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let evaluation = app.bad_review(review(1).comment("工作人员都是废 物")).await.evaluation;
    let mut browser = app.browser_as("supervisor").await;
    let page = browser.get(&app, "/supervise/fraud-flags").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("不文明用语") && page.html.contains("废物"), "evidence shown: {}", page.html);
    assert!(page.html.contains(&format!("href=\"/supervise/evaluations/{evaluation}\"")), "links the evaluation");
    let flag_id = between(&page.html, "action=\"/supervise/fraud-flags/", "/decision\"").unwrap();
    let action = format!("/supervise/fraud-flags/{flag_id}/decision");
    let token = form_csrf(&page.html, &action);

    // A forged form is refused and changes nothing.
    let forged = browser.post(&app, &action, &[("csrf_token", "forged"), ("decision", "dismiss")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.html.contains("无法提交"));
    // Confirming needs the kind: the form comes back with the API's message and the input kept.
    let missing =
        browser.post(&app, &action, &[("csrf_token", &token), ("decision", "confirm"), ("note", "核实")]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing.html.contains("认定须说明类型：刷好评、恶意差评或重复评价"),
        "plain Chinese, no codes: {}",
        missing.html
    );
    assert!(missing.html.contains("value=\"confirm\" id=\"confirm-") && missing.html.contains(">核实</textarea>"));
    let cookie = app.login("supervisor").await;
    let (_, view) = app.get(&format!("/api/v1/evaluations/{evaluation}"), Some(&cookie)).await;
    assert_eq!(view["adoption"], json!("adopted"));

    let done = browser
        .post(
            &app,
            &action,
            &[("csrf_token", &token), ("decision", "confirm"), ("reason", "malicious"), ("note", "辱骂")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(done.location.as_deref(), Some("/supervise/fraud-flags?done=confirmed&count=1"));
    let (_, view) = app.get(&format!("/api/v1/evaluations/{evaluation}"), Some(&cookie)).await;
    assert_eq!((view["adoption"].as_str(), view["adoption_reason"].as_str()), (Some("not_adopted"), Some("malicious")));
    let page = browser.get(&app, done.location.as_deref().unwrap()).await;
    assert!(page.html.contains("已认定 1 条异常评价") && page.html.contains("没有符合条件"), "{}", page.html);
    let page = browser.get(&app, "/supervise/fraud-flags?status=confirmed").await;
    assert!(page.html.contains("恶意差评") && !page.html.contains(&action), "decided flags have no form");
    // Deciding twice: the API's conflict, shown on the page.
    let again = browser.post(&app, &action, &[("csrf_token", &token), ("decision", "dismiss")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    app.stop().await;
}

async fn order_is_issued_reported_and_assessed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for level in [1, 2, 2] {
        app.bad_review(review(level)).await;
    }
    app.clock.advance(Duration::days(25));
    let mut browser = app.browser_as("supervisor").await;
    let dashboard = browser.get(&app, "/supervise").await;
    let concentrations = between(&dashboard.html, "id=\"concentrations\"", "</section>").unwrap();
    assert!(concentrations.contains("2026年10月") && concentrations.contains("市场主体登记窗口（W-SC-01）"));
    let link = "/supervise/orders/new?kind=rectification_order&#38;level=window&#38;target=W-SC-01&#38;period=2026-10";
    assert!(concentrations.contains(link), "{concentrations}");

    let form = browser.get(&app, &link.replace("&#38;", "&")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("value=\"W-SC-01\"") && form.html.contains("value=\"2026-10\""));
    assert!(form.html.contains("<option value=\"window\" selected>"));
    // The target field offers the real codes of the jurisdiction, and its hint quotes real ones.
    assert!(form.html.contains("<option value=\"W-JZ-01\">窗口：社保医保窗口</option>"), "{}", form.html);
    assert!(form.html.contains("<option value=\"S002\">工作人员：李强 · 市场主体登记窗口</option>"));
    let hint = text_of(&form.html, "target-hint");
    assert!(hint.contains("（如 S001）") && hint.contains("（如 W-JZ-01）"), "{hint}");
    let token = form_csrf(&form.html, "/supervise/orders");
    let fields = |reason: &'static str| {
        vec![
            ("csrf_token", token.clone()),
            ("kind", "rectification_order".to_owned()),
            ("level", "window".to_owned()),
            ("target", "W-SC-01".to_owned()),
            ("period", "2026-10".to_owned()),
            ("working_days", "5".to_owned()),
            ("reason", reason.to_owned()),
        ]
    };
    let empty = fields("  ");
    let page = browser.post(&app, "/supervise/orders", &pairs(&empty)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("请填写1至2000字的理由") && page.html.contains("value=\"W-SC-01\""));
    let mut unknown = fields("10月差评集中");
    unknown[3].1 = "W-NONE".into();
    let page = browser.post(&app, "/supervise/orders", &pairs(&unknown)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("对象“W-NONE”不存在"));

    let good = fields("10月差评集中，请限期整改");
    let page = browser.post(&app, "/supervise/orders", &pairs(&good)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let location = page.location.unwrap();
    let id: i64 = between(&location, "/supervise/orders/", "?").unwrap().parse().unwrap();
    let order = browser.get(&app, &location).await;
    assert!(order.html.contains("督办事项已下发") && order.html.contains("已下发"));
    assert!(order.html.contains("<dt>差评数</dt><dd>3</dd>"), "{}", order.html);
    assert!(order.html.contains("剩余 5 个工作日"), "deadline in words");
    assert!(!order.html.contains("/assess\""), "no assessment before the report");
    let list = browser.get(&app, "/supervise/orders").await;
    assert!(list.html.contains(&format!("href=\"/supervise/orders/{id}\"")) && list.html.contains("整改通知"));

    let head = app.login("window_head").await;
    let (status, _) = app
        .post(&format!("/api/v1/supervision/orders/{id}/report"), Some(&head), &json!({"report": "已调整岗位并培训"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    app.evaluate(json!({"channel": "pc", "window_code": "W-SC-01", "level": 5})).await;

    let order = browser.get(&app, &format!("/supervise/orders/{id}")).await;
    assert!(order.html.contains("已调整岗位并培训"));
    let action = format!("/supervise/orders/{id}/assess");
    let token = form_csrf(&order.html, &action);
    let page = browser.post(&app, &action, &[("csrf_token", &token)]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("请选择“整改有效”或“整改无效”"));
    let page = browser.post(&app, &action, &[("csrf_token", &token), ("assessment", "effective")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let order = browser.get(&app, page.location.as_deref().unwrap()).await;
    assert_eq!(text_of(&order.html, "assessment-result"), "整改有效");
    let climb = format!(
        "/supervise/orders/new?kind=notice&#38;level=window&#38;target=W-SC-01&#38;period=2026-10&#38;previous={id}"
    );
    assert!(order.html.contains(&climb), "the next step of the ladder, prefilled");
    // Assessed on the day of the order: not the month (3 of 3 bad) against the one review since (0 of 1), but
    // like periods, with the shortfall said plainly.
    let assessment = between(&order.html, "id=\"assessment\">", "</section>").unwrap();
    assert!(!assessment.contains("<dt>差评率</dt><dd>100.0%</dd>") && !assessment.contains("督办前"), "{assessment}");
    let shortfall = between(&order.html, "id=\"insufficient\" role=\"note\">", "</p>").unwrap();
    assert!(shortfall.contains("数据不足") && shortfall.contains("督办下发当天尚无完整的一天可供对比"), "{shortfall}");
    let cookie = app.login("supervisor").await;
    let (_, orders) = app.get("/api/v1/supervision/orders", Some(&cookie)).await;
    assert_eq!(orders[0]["assessment"], json!("effective"));
    assert_eq!(orders[0]["assessment_evidence"]["sufficient"], json!(false));
    app.stop().await;
}

/// An order assessed a week after it was issued compares the week before it with the week since.
async fn assessment_compares_like_periods_and_counts_when_the_data_suffice(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let evaluate = |level: i64| app.evaluate(json!({"channel": "pc", "window_code": "W-SC-01", "level": level}));
    // The day before the order (2026-10-12): 4 bad reviews of 10; earlier in the month, 5 more bad ones that the
    // week before the order does not reach.
    for level in [1, 2, 2, 1, 2] {
        app.bad_review(review(level)).await;
    }
    app.clock.advance(Duration::days(9));
    for level in [1, 2, 1, 2, 5, 5, 4, 5, 5, 5] {
        if level <= 2 {
            app.bad_review(review(level)).await;
        } else {
            assert_eq!(evaluate(level).await.0, StatusCode::CREATED);
        }
    }
    app.clock.advance(Duration::days(1));
    let cookie = app.login("supervisor").await;
    let order = json!({"kind": "rectification_order", "level": "window", "target": "W-SC-01", "period": "2026-10",
        "reason": "10月差评集中"});
    let (status, issued) = app.post("/api/v1/supervision/orders", Some(&cookie), &order).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let id = issued["id"].as_i64().unwrap();
    let head = app.login("window_head").await;
    let report = json!({"report": "已培训"});
    app.post(&format!("/api/v1/supervision/orders/{id}/report"), Some(&head), &report).await;
    for _ in 0..10 {
        app.clock.advance(Duration::hours(15));
        assert_eq!(evaluate(5).await.0, StatusCode::CREATED);
    }
    app.clock.advance(Duration::days(1));
    let cookie = app.login("supervisor").await;
    let (status, assessed) = app
        .post(&format!("/api/v1/supervision/orders/{id}/assess"), Some(&cookie), &json!({"assessment": "effective"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{assessed}");
    let evidence = &assessed["assessment_evidence"];
    assert_eq!(evidence["days"], json!(7), "{evidence}");
    assert_eq!(
        (evidence["before"]["adopted"].as_i64(), evidence["before"]["bad_reviews"].as_i64()),
        (Some(10), Some(4))
    );
    assert_eq!((evidence["after"]["adopted"].as_i64(), evidence["after"]["bad_reviews"].as_i64()), (Some(10), Some(0)));
    assert_eq!(evidence["sufficient"], json!(true), "{evidence}");
    assert!(assessed["assessment_shortfall"].is_null());
    let mut browser = app.browser_as("supervisor").await;
    let page = browser.get(&app, &format!("/supervise/orders/{id}")).await;
    assert!(page.html.contains("督办下发前 7 天") && !page.html.contains("数据不足</strong>"), "{}", page.html);
    assert!(page.html.contains("<dt>统计起始日</dt><dd>2026年10月15日</dd>"), "local dates: {}", page.html);
    app.stop().await;
}

/// A burst of praise from one phone at one window is one case: shown once with names and local times, confirmed
/// with one form, each evaluation not adopted and each decision audited.
async fn a_burst_is_one_case_decided_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let praise = |phone: &str| {
        json!({"channel": "qrcode", "window_code": "W-SC-01", "staff_no": "S002", "level": 5,
            "evaluator": {"name": "张三", "phone": phone}})
    };
    for _ in 0..15 {
        assert_eq!(app.evaluate(praise("13912345678")).await.0, StatusCode::CREATED);
    }
    for _ in 0..3 {
        assert_eq!(app.evaluate(praise("13800001111")).await.0, StatusCode::CREATED);
    }
    let cookie = app.login("supervisor").await;
    let (status, single) = app.get("/api/v1/fraud-flags?rule=contact_burst&per_page=200", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{single}");
    assert_eq!(single["total"], json!(14), "13 flags of the first phone, 1 of the second");
    let (status, groups) = app.get("/api/v1/fraud-flags/groups?rule=contact_burst", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{groups}");
    assert_eq!(groups["total"], json!(2), "{groups}");
    let case = &groups["items"][0];
    let (big, small) =
        if case["flags"] == json!(13) { (case, &groups["items"][1]) } else { (&groups["items"][1], case) };
    assert_eq!((big["flags"].as_u64(), small["flags"].as_u64()), (Some(13), Some(1)), "{groups}");
    assert_eq!(big["subject"], json!("同一联系电话 · 市场主体登记窗口（W-SC-01）"));
    assert!(!big.to_string().contains("13912345678"), "no evaluator identity: {big}");
    // Discipline inspectors read the cases; only supervisors judge them.
    let discipline = app.login("discipline").await;
    let (status, _) = app.get("/api/v1/fraud-flags/groups", Some(&discipline)).await;
    assert_eq!(status, StatusCode::OK);
    let path = format!("/api/v1/fraud-flags/groups/{}/decision", big["key"].as_str().unwrap());
    let (status, _) = app.post(&path, Some(&discipline), &json!({"decision": "dismiss"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app.post(&path, Some(&cookie), &json!({"decision": "confirm"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "confirming needs the kind: {body}");

    let mut browser = app.browser_as("supervisor").await;
    let page = browser.get(&app, "/supervise/fraud-flags?rule=contact_burst").await;
    assert_eq!(page.status, StatusCode::OK);
    let key = big["key"].as_str().unwrap();
    let anchor = key.replace('.', "-");
    let card = between(&page.html, &format!("id=\"case-{anchor}\""), "</section>").unwrap();
    assert!(
        card.contains("<dt>涉及评价</dt><dd>13 条</dd>") && card.contains("同一联系电话 · 市场主体登记窗口（W-SC-01）")
    );
    assert!(card.contains("2026年10月12日 10:00") && card.contains("李强（S002）"), "names and local times: {card}");
    assert!(!card.contains("T02:00") && !card.contains("window_id"), "no ISO instants or ids: {card}");
    let action = format!("/supervise/fraud-flags/{key}/decision");
    assert_eq!(page.html.matches("<form method=\"post\"").count(), 3, "one form per case (and the logout form)");
    let token = form_csrf(&page.html, &action);
    let fields =
        [("csrf_token", token.as_str()), ("decision", "confirm"), ("reason", "fake_praise"), ("note", "刷好评")];
    let done = browser.post(&app, &action, &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(done.location.as_deref(), Some("/supervise/fraud-flags?done=confirmed&count=13"));
    let page = browser.get(&app, done.location.as_deref().unwrap()).await;
    assert!(page.html.contains("已认定 13 条异常评价"), "{}", page.html);

    let (_, left) = app.get("/api/v1/fraud-flags/groups?rule=contact_burst", Some(&cookie)).await;
    assert_eq!(left["total"], json!(1), "the other phone's case is still open: {left}");
    let (_, confirmed) = app.get("/api/v1/fraud-flags?status=confirmed&rule=contact_burst", Some(&cookie)).await;
    assert_eq!(confirmed["total"], json!(13));
    let mut conn = app.state.store().reader().await.unwrap();
    let audited: i64 = hcp_store::sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'fraud_flag.confirmed' AND details LIKE '%contact_burst.c%'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(audited, 13, "one audit entry per flag, naming the case");
    let not_adopted: i64 =
        hcp_store::sqlx::query_scalar("SELECT COUNT(*) FROM evaluations WHERE adoption = 'not_adopted'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(not_adopted, 13);
    drop(conn);
    // Deciding the case again finds nothing open; a made-up key is not found.
    let again = browser.post(&app, &action, &fields).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.html);
    let body = json!({"decision": "dismiss"});
    let (status, _) = app.post("/api/v1/fraud-flags/groups/nope.x/decision", Some(&cookie), &body).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

fn pairs<'a>(f: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    f.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn appeal_and_revisit_queues_link_to_the_tickets(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let appealed = app.bad_review(review(1)).await.ticket;
    let revisit =
        app.bad_review(review(2).with(json!({"evaluator": {"name": "张三", "phone": "13912345678"}}))).await.ticket;
    let staff = app.login("staff").await;
    let appeal = json!({"reason": "mis_evaluation", "statement": "该事项不在本窗口受理范围，已引导至综合窗口"});
    let (status, body) = app.post(&format!("/api/v1/tickets/{appealed}/appeal"), Some(&staff), &appeal).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let head = app.login("window_head").await;
    let path = format!("/api/v1/tickets/{revisit}");
    app.post(&format!("{path}/verify"), Some(&head), &json!({"classification": "complex", "finding": "属实"})).await;
    app.post(&format!("{path}/rectify"), Some(&head), &json!({"measures": "修订告知单"})).await;
    let (status, body) = app.post(&format!("{path}/feedback"), Some(&head), &json!({"text": "已整改"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let mut browser = app.browser_as("supervisor").await;
    let page = browser.get(&app, "/supervise/appeals").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains(&format!("href=\"/work/tickets/{appealed}\"")), "{}", page.html);
    assert!(!page.html.contains(&format!("href=\"/work/tickets/{revisit}\"")));
    assert!(page.html.contains("复核期限") && page.html.contains("剩余 5 个工作日"), "{}", page.html);
    let page = browser.get(&app, "/supervise/revisits").await;
    assert!(page.html.contains(&format!("href=\"/work/tickets/{revisit}\"")), "{}", page.html);
    assert!(!page.html.contains(&format!("href=\"/work/tickets/{appealed}\"")));
    // Past the review deadline the queue says by how much.
    app.clock.advance(Duration::days(8));
    let mut browser = app.browser_as("supervisor").await;
    let page = browser.get(&app, "/supervise/appeals").await;
    assert!(page.html.contains("已超期"), "{}", page.html);
    app.stop().await;
}

async fn ledgers_page_links_downloads_that_work_with_the_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.bad_review(review(1).comment("排队时间太长，窗口人员态度差")).await;
    let mut browser = app.browser_as("supervisor").await;
    let page = browser.get(&app, "/supervise/ledgers").await;
    assert_eq!(page.status, StatusCode::OK);
    for kind in ["tickets", "appeals", "orders", "evaluations"] {
        for format in ["xlsx", "csv"] {
            let href = format!("/api/v1/ledgers/{kind}?format={format}&#38;from=2026-10-01&#38;to=2026-10-31");
            assert!(page.html.contains(&href), "{href}");
        }
    }
    // Without a division code the upward report cannot be made: the page says so instead of linking to a JSON
    // refusal.
    let upward = between(&page.html, "<tr id=\"upward\">", "</tr>").unwrap();
    assert!(!upward.contains("href="), "{upward}");
    assert!(upward.contains("尚未配置行政区划代码"), "{upward}");
    assert!(page.html.contains("id=\"hot-topics\"") && page.html.contains("市场监督管理局（1 条）"), "{}", page.html);
    let csv = browser.get(&app, "/api/v1/ledgers/tickets?format=csv&from=2026-10-01&to=2026-10-31").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.content_type.starts_with("text/csv"));
    assert!(csv.html.contains("市场主体登记窗口"), "{}", csv.html);
    let xlsx = browser.get(&app, "/api/v1/ledgers/evaluations?format=xlsx&from=2026-10-01&to=2026-10-31").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.content_type.contains("spreadsheetml"));
    let page = browser.get(&app, "/supervise/ledgers?from=2026-09&to=2026-10").await;
    assert!(page.html.contains("from=2026-09-01&#38;to=2026-10-31"));
    app.stop().await;
}

async fn upward_report_links_answer_a_file_once_configured(backend: Backend) {
    let mut options = Options::default();
    options.config.upward.division_code = "220171".into();
    let app = TestApp::spawn_with(backend, options).await;
    app.bad_review(review(1).comment("排队时间太长")).await;
    let mut browser = app.browser_as("supervisor").await;
    let page = browser.get(&app, "/supervise/ledgers").await;
    let upward = between(&page.html, "<tr id=\"upward\">", "</tr>").unwrap();
    let href = "/api/v1/reports/upward?format=csv&#38;from=2026-10-01&#38;to=2026-10-31";
    assert!(upward.contains(href) && !upward.contains("尚未配置"), "{upward}");
    let csv = browser.get(&app, &href.replace("&#38;", "&")).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.html);
    assert!(csv.content_type.starts_with("text/csv"), "a file, not JSON: {}", csv.content_type);
    app.stop().await;
}

async fn reveal_needs_a_reason_shows_the_contact_once_and_is_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app
        .bad_review(review(1).with(json!({"evaluator": {"name": "张三丰", "phone": "13900001234"}})))
        .await
        .evaluation;
    let path = format!("/supervise/evaluations/{id}");
    let mut browser = app.browser_as("supervisor").await;
    let page = browser.get(&app, &path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert_eq!(text_of(&page.html, "masked-phone"), "139****1234");
    assert!(!page.html.contains("13900001234") && !page.html.contains("张三丰"));
    assert!(page.html.contains("查看联系方式") && page.html.contains("<label for=\"reason\">"));
    let token = form_csrf(&page.html, &path);

    let short = browser.post(&app, &path, &[("csrf_token", &token), ("reason", "看")]).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.html.contains("请说明查看联系方式的理由") && !short.html.contains("13900001234"));
    let forged = browser.post(&app, &path, &[("csrf_token", "x"), ("reason", "核实恶意差评")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let revealed = browser.post(&app, &path, &[("csrf_token", &token), ("reason", "核实恶意差评，需电话回访")]).await;
    assert_eq!(revealed.status, StatusCode::OK, "{}", revealed.html);
    assert_eq!(text_of(&revealed.html, "revealed-phone"), "13900001234");
    assert_eq!(text_of(&revealed.html, "revealed-name"), "张三丰");
    assert!(revealed.html.contains("已记入审计日志") && revealed.html.contains("<dt>类型</dt><dd>个人</dd>"));
    // Reloading the page shows the masked value again: nothing in the URL or the session.
    let again = browser.get(&app, &path).await;
    assert!(!again.html.contains("13900001234"));

    let audit = audit_entries(&app).await;
    assert_eq!(audit.len(), 1, "one reveal, one entry; refused ones none: {audit:?}");
    let (actor, target, details) = &audit[0];
    assert_eq!((actor.as_str(), target.as_str()), ("supervisor", format!("evaluation:{id}").as_str()));
    let details: Value = serde_json::from_str(details).unwrap();
    assert_eq!(details["reason"], json!("核实恶意差评，需电话回访"));
    assert_eq!(details["fields"], json!(["name", "phone"]));

    // The API: supervisor only, reason required.
    let api = format!("/api/v1/evaluations/{id}/reveal");
    let supervisor = app.login("supervisor").await;
    let (status, body) = app.post(&api, Some(&supervisor), &json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"), "{body}");
    let (status, body) = app.post(&api, Some(&supervisor), &json!({"reason": "回访核实情况"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["phone"].as_str(), body["name"].as_str()), (Some("13900001234"), Some("张三丰")));
    let head = app.login("window_head").await;
    let (status, _) = app.post(&api, Some(&head), &json!({"reason": "回访核实情况"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut head_browser = app.browser_as("window_head").await;
    let page = head_browser.get(&app, &path).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!page.html.contains("139"));
    let (status, _) =
        app.post("/api/v1/evaluations/99999/reveal", Some(&supervisor), &json!({"reason": "回访核实情况"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(audit_entries(&app).await.len(), 2, "the API reveal is audited too; refusals are not");
    let (_, doc) = app.get("/api/openapi.json", None).await;
    assert!(doc["paths"]["/api/v1/evaluations/{id}/reveal"]["post"].is_object(), "documented");
    app.stop().await;
}

async fn audit_entries(app: &TestApp) -> Vec<(String, String, String)> {
    let mut conn = app.state.store().reader().await.unwrap();
    hcp_store::sqlx::query_as(
        "SELECT actor, target, details FROM audit_log WHERE action = 'evaluation.reveal_contact' ORDER BY seq",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
}

async fn discipline_lists_a_referral_and_records_the_outcome(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for level in [1, 2, 2] {
        app.bad_review(review(level)).await;
    }
    app.clock.advance(Duration::days(25));
    let supervisor = app.login("supervisor").await;
    let order = json!({"kind": "rectification_order", "level": "window", "target": "W-SC-01", "period": "2026-10",
        "reason": "10月差评集中"});
    let (_, first) = app.post("/api/v1/supervision/orders", Some(&supervisor), &order).await;
    let notice = json!({"kind": "notice", "level": "window", "target": "W-SC-01", "period": "2026-10",
        "reason": "通报10月差评集中", "previous_order_id": first["id"]});
    let (_, notice) = app.post("/api/v1/supervision/orders", Some(&supervisor), &notice).await;
    let referral = json!({"kind": "referral", "level": "staff", "target": "S002", "period": "2026-10",
        "reason": "整改后仍有群众举报", "previous_order_id": notice["id"]});
    let (status, referred) = app.post("/api/v1/supervision/orders", Some(&supervisor), &referral).await;
    assert_eq!(status, StatusCode::CREATED, "{referred}");
    let id = referred["id"].as_i64().unwrap();

    let mut browser = app.browser_as("discipline").await;
    let page = browser.get(&app, "/discipline/referrals").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let card = between(&page.html, &format!("id=\"referral-{id}\""), "</section>").unwrap();
    assert!(card.contains("李强（S002）") && card.contains("整改后仍有群众举报"));
    assert!(card.contains("<dt>差评数</dt><dd>3</dd>"), "{card}");
    assert!(card.contains(&format!("整改通知 #{}", first["id"])) && card.contains("整改报告：未提交"), "{card}");
    // A notice is not answered with a report, so it is neither "未提交" nor "未评估".
    let step = between(&card, &format!("通报 #{}", notice["id"]), "</li>").unwrap();
    assert!(step.contains("整改报告：通报无需整改报告") && step.contains("评估结论：不作整改评估"), "{step}");
    assert!(!page.html.contains(&format!("id=\"referral-{}\"", first["id"])), "only referrals are listed");
    let action = format!("/discipline/referrals/{id}/outcome");
    let token = form_csrf(&page.html, &action);
    let empty = browser.post(&app, &action, &[("csrf_token", &token), ("outcome", " ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.html.contains("请填写1至4000字的处理结果"));
    let forged = browser.post(&app, &action, &[("csrf_token", "nope"), ("outcome", "诫勉谈话")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let done = browser.post(&app, &action, &[("csrf_token", &token), ("outcome", "诫勉谈话")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let page = browser.get(&app, "/discipline/referrals?done=outcome").await;
    assert!(page.html.contains("处理结果已记录") && page.html.contains("诫勉谈话") && page.html.contains("已办结"));
    assert!(!page.html.contains(&action), "no form once concluded");
    let discipline = app.login("discipline").await;
    let (_, orders) = app.get("/api/v1/supervision/orders", Some(&discipline)).await;
    assert_eq!((orders[0]["state"].as_str(), orders[0]["outcome"].as_str()), (Some("concluded"), Some("诫勉谈话")));

    let mut other = app.browser_as("supervisor").await;
    assert_eq!(other.get(&app, "/discipline/referrals").await.status, StatusCode::FORBIDDEN);
    // The supervisor's page of the referral says one thing: no report, no assessment, the inspectors' outcome.
    let page = other.get(&app, &format!("/supervise/orders/{id}")).await;
    assert!(!page.html.contains("方可评估") && !page.html.contains("id=\"assessment\""), "{}", page.html);
    let follow_up = between(&page.html, "id=\"follow-up\"", "</section>").unwrap();
    assert!(follow_up.contains("纪检监察处理结果") && follow_up.contains("诫勉谈话"), "{follow_up}");
    let page = other.get(&app, &format!("/supervise/orders/{}", notice["id"])).await;
    assert!(!page.html.contains("方可评估") && page.html.contains("通报不需要整改报告，也不作整改评估"));
    app.stop().await;
}
