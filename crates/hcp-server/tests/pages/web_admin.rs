//! The administrator's pages over HTTP, as a browser without JavaScript uses them: the organisation, windows
//! (networks, QR poster), staff, users, the calendar (year view, import, local days) and the policy settings.

use hcp_testkit::pages::{Browser, Page, between, client, form_csrf};
use hcp_testkit::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

hcp_store::on_both_backends!(
    anonymous_users_sign_in_first_and_other_roles_get_the_403_page,
    organisation_forms_add_units_departments_and_windows,
    staff_and_users_are_created_from_their_forms,
    forms_without_a_valid_csrf_token_change_nothing,
    window_page_registers_networks_and_the_poster_carries_the_qr_code,
    calendar_marks_holidays_make_up_days_and_local_days,
    calendar_import_by_upload_reports_a_bad_file_and_changes_nothing,
    policy_edits_are_validated_audited_and_change_new_deadlines,
    records_are_edited_deactivated_and_reactivated_from_their_pages_with_a_history,
    a_closed_windows_qr_page_says_where_to_go_and_the_form_is_gone,
    service_items_have_a_page_to_register_and_edit_them,
    a_replacement_order_links_to_the_move_and_its_page_shows_the_departments_action,
    a_locked_account_shows_until_when_and_the_administrator_unlocks_it,
);

const ADMIN_PAGES: [&str; 14] = [
    "/admin/org",
    "/admin/windows",
    "/admin/windows/W-SC-01",
    "/admin/windows/W-SC-01/poster",
    "/admin/staff",
    "/admin/calendar",
    "/admin/policy",
    "/admin/items",
    "/admin/items/QYSL",
    "/admin/staff/S002",
    "/admin/org/units/JK",
    "/admin/org/departments/SCJG",
    "/admin/replacements",
    "/admin/integrations",
];

/// Gets `page`, then posts `fields` to the form at `action` with its token.
async fn submit(browser: &mut Browser, app: &TestApp, page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
    let shown = browser.get(app, page).await;
    assert_eq!(shown.status, StatusCode::OK, "{page}: {}", shown.html);
    let token = form_csrf(&shown.html, action);
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend_from_slice(fields);
    browser.post(app, action, &form).await
}

async fn anonymous_users_sign_in_first_and_other_roles_get_the_403_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut anonymous = Browser::default();
    for path in ADMIN_PAGES {
        let page = anonymous.get(&app, path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        let next: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
        assert_eq!(page.location.as_deref(), Some(format!("/login?next={next}").as_str()), "{path}");
    }
    for role in ["supervisor", "window_head", "staff", "registrar"] {
        let mut browser = app.browser_as(role).await;
        for path in ADMIN_PAGES {
            let page = browser.get(&app, path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{role} {path}");
            assert!(page.html.contains("无权"), "{role} {path}: {}", page.html);
        }
        let page = browser.post(&app, "/admin/org/units", &[("code", "X"), ("name", "X"), ("kind", "center")]).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{role}");
    }
    let mut browser = app.browser_as("admin").await;
    for path in ADMIN_PAGES {
        let page = browser.get(&app, path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.html);
        assert!(page.html.contains("aria-current=\"page\""), "{path}: the menu marks the page");
    }
    app.stop().await;
}

async fn organisation_forms_add_units_departments_and_windows(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("admin").await;
    let page = browser.get(&app, "/admin/org").await;
    for text in ["吉林经开区政务服务中心", "九站街道便民服务中心", "市场监督管理局", "市场主体登记窗口", "社保医保窗口"]
    {
        assert!(page.html.contains(text), "tree lacks {text}");
    }
    // Nested lists: the street centre sits inside the root's list.
    let root = page.html.find("吉林经开区政务服务中心").unwrap();
    let street = page.html.find("九站街道便民服务中心").unwrap();
    assert!(page.html[root..street].contains("<ul>"), "{}", &page.html[root..street]);

    let fields =
        [("code", "JK-GX"), ("name", "高新街道便民服务中心"), ("kind", "street_center"), ("parent_code", "JK")];
    let done = submit(&mut browser, &app, "/admin/org", "/admin/org/units", &fields).await;
    assert_eq!((done.status, done.location.as_deref()), (StatusCode::SEE_OTHER, Some("/admin/org?done=unit")));
    let fields = [("code", "GX-RS"), ("name", "高新街道社保所"), ("org_code", "JK-GX")];
    let done = submit(&mut browser, &app, "/admin/org", "/admin/org/departments", &fields).await;
    assert_eq!(done.location.as_deref(), Some("/admin/org?done=department"));
    let fields = [("code", "W-GX-01"), ("name", "高新社保窗口"), ("department_code", "GX-RS"), ("head_staff_no", "")];
    let done = submit(&mut browser, &app, "/admin/org", "/admin/org/windows", &fields).await;
    assert_eq!(done.location.as_deref(), Some("/admin/org?done=window"));
    let page = browser.get(&app, "/admin/org?done=window").await;
    assert!(page.html.contains("窗口已添加"));
    for text in ["高新街道便民服务中心", "高新街道社保所", "href=\"/admin/windows/W-GX-01\""] {
        assert!(page.html.contains(text), "tree lacks {text}");
    }
    let list = browser.get(&app, "/admin/windows").await;
    assert!(list.html.contains("高新社保窗口") && list.html.contains("W-GX-01/poster"));

    // Mistakes come back on the form, typed values kept, nothing stored.
    let before = app.count("SELECT COUNT(*) FROM windows").await;
    let fields = [("code", "W GX 02"), ("name", "第二窗口"), ("department_code", "NOPE"), ("head_staff_no", "S999")];
    let page = submit(&mut browser, &app, "/admin/org", "/admin/org/windows", &fields).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("部门不存在"), "{}", page.html);
    assert!(page.html.contains("工号“S999”不存在"));
    assert!(page.html.contains("value=\"第二窗口\""), "input kept");
    assert!(page.html.contains("id=\"window-code-error\""));
    let fields = [("code", "JK-GX"), ("name", "重复"), ("kind", "center"), ("parent_code", "JK")];
    let page = submit(&mut browser, &app, "/admin/org", "/admin/org/units", &fields).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("已存在"), "{}", page.html);
    assert_eq!(app.count("SELECT COUNT(*) FROM windows").await, before);
    app.stop().await;
}

async fn staff_and_users_are_created_from_their_forms(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("admin").await;
    let fields = [("staff_no", "S003"), ("name", "陈静"), ("window_code", "W-JZ-01"), ("is_head", "1")];
    let done = submit(&mut browser, &app, "/admin/staff", "/admin/staff", &fields).await;
    assert_eq!(done.location.as_deref(), Some("/admin/staff?done=staff"));
    let page = browser.get(&app, "/admin/staff?done=staff").await;
    assert!(page.html.contains("工作人员已登记") && page.html.contains("陈静"));
    let window = browser.get(&app, "/admin/windows/W-JZ-01").await;
    assert!(window.html.contains("陈静") && window.html.contains("窗口负责人"), "{}", window.html);
    let fields = [("staff_no", "S003"), ("name", "重名"), ("window_code", "")];
    let page = submit(&mut browser, &app, "/admin/staff", "/admin/staff", &fields).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("窗口不存在"), "{}", page.html);

    // A user with a generated password, shown once; the account works. Accounts are the security
    // administrator's (issue 16).
    let mut browser = app.browser_as("security_admin").await;
    let page = browser.get(&app, "/admin/users").await;
    assert!(page.html.contains("不查看评价内容"), "the page says admins do not read cases");
    assert!(page.html.contains("王芳") || page.html.contains("window_head"));
    let fields = [
        ("username", "chenjing"),
        ("display_name", ""),
        ("role", "window_head"),
        ("staff_no", "S003"),
        ("window_code", "W-JZ-01"),
        ("department_code", ""),
        ("org_code", ""),
        ("password", ""),
        ("email", ""),
    ];
    let page = submit(&mut browser, &app, "/admin/users", "/admin/users", &fields).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let password = between(&page.html, "<code id=\"new-password\">", "</code>").expect("password shown");
    assert!(page.html.contains("窗口：社保医保窗口"), "the list shows the scope: {}", page.html);
    let response = client()
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": "chenjing", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let again = browser.get(&app, "/admin/users").await;
    assert!(!again.html.contains(&password), "shown only once");

    let fields = [("username", "x"), ("role", "dept_head"), ("password", "short")];
    let page = submit(&mut browser, &app, "/admin/users", "/admin/users", &fields).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in ["用户名应为3至32位", "密码至少10位", "至少3类", "部门负责人账号须填写部门编码"]
    {
        assert!(page.html.contains(message), "missing {message}");
    }
    assert!(!page.html.contains("value=\"short\""), "the password is not echoed");
    app.stop().await;
}

async fn forms_without_a_valid_csrf_token_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("admin").await;
    let units = app.count("SELECT COUNT(*) FROM org_units").await;
    let staff = app.count("SELECT COUNT(*) FROM staff").await;
    for (action, fields) in [
        ("/admin/org/units", vec![("code", "JK-X"), ("name", "某中心"), ("kind", "center")]),
        ("/admin/staff", vec![("staff_no", "S900"), ("name", "某人"), ("window_code", "W-SC-01")]),
        ("/admin/policy", vec![("policy.appeal_working_days", "9")]),
        ("/admin/calendar/local-days", vec![("date", "2026-11-20"), ("kind", "off"), ("name", "停电")]),
    ] {
        let mut form = fields.clone();
        form.push(("csrf_token", "forged"));
        let page = browser.post(&app, action, &form).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{action}");
        assert!(page.html.contains("本次提交未被受理"), "{action}");
        // A token of another form is refused too.
        let other = form_csrf(&browser.get(&app, "/admin/items").await.html, "/admin/items");
        let mut form = fields;
        form.push(("csrf_token", &other));
        assert_eq!(browser.post(&app, action, &form).await.status, StatusCode::FORBIDDEN, "{action}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM org_units").await, units);
    assert_eq!(app.count("SELECT COUNT(*) FROM staff").await, staff);
    assert_eq!(app.count("SELECT COUNT(*) FROM settings").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM calendar_local_days").await, 0);
    app.stop().await;
}

async fn window_page_registers_networks_and_the_poster_carries_the_qr_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("admin").await;
    let page = browser.get(&app, "/admin/windows/W-SC-01").await;
    for text in ["市场主体登记窗口", "王芳", "李强", "/admin/windows/W-SC-01/poster", "/e/W-SC-01/form"] {
        assert!(page.html.contains(text), "missing {text}");
    }
    let action = "/admin/windows/W-SC-01/networks";
    let done =
        submit(&mut browser, &app, "/admin/windows/W-SC-01", action, &[("cidr", "10.20.3.7/24"), ("note", "窗口电脑")])
            .await;
    assert_eq!(done.location.as_deref(), Some("/admin/windows/W-SC-01?done=network"));
    let page = browser.get(&app, "/admin/windows/W-SC-01?done=network").await;
    assert!(page.html.contains("10.20.3.0/24") && page.html.contains("窗口电脑"), "{}", page.html);
    let page = submit(&mut browser, &app, "/admin/windows/W-SC-01", action, &[("cidr", "10.20.300.0/24")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("应为 IP 地址或网段"));
    assert_eq!(browser.get(&app, "/admin/windows/NOPE").await.status, StatusCode::NOT_FOUND);

    let poster = browser.get(&app, "/admin/windows/W-SC-01/poster").await;
    assert_eq!(poster.status, StatusCode::OK);
    let url = format!("{}/e/W-SC-01", app.base_url());
    let qr = hcp_server::web::qr::svg(&url, 480).unwrap();
    assert!(poster.html.contains(&qr), "the poster's SVG encodes {url}");
    assert!(poster.html.contains("<svg"));
    for text in ["市场主体登记窗口", "吉林经开区政务服务中心", "市场监督管理局", "W-SC-01", "扫码评价", url.as_str()]
    {
        assert!(poster.html.contains(text), "poster lacks {text}");
    }
    app.stop().await;
}

async fn calendar_marks_holidays_make_up_days_and_local_days(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("admin").await;
    let page = browser.get(&app, "/admin/calendar?year=2026").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains(
        "<td class=\"holiday\" data-date=\"2026-10-01\" title=\"2026年10月1日（周四） 国庆节（法定节假日）\">"
    ));
    assert!(page.html.contains("<td class=\"makeup\" data-date=\"2026-09-20\""), "Sunday make-up day");
    assert!(page.html.contains("<td class=\"rest\" data-date=\"2026-10-18\""), "an ordinary Sunday");
    assert!(page.html.contains("<td class=\"work\" data-date=\"2026-10-12\""));
    for legend in ["法定节假日", "调休上班", "本地休息日", "本地工作日"] {
        assert!(page.html.contains(legend));
    }
    assert_eq!(page.html.matches("<table class=\"cal-month\">").count(), 12);
    // A year without an arrangement says so.
    let page = browser.get(&app, "/admin/calendar?year=2030").await;
    assert!(page.html.contains("尚未导入 2030 年"));

    let fields = [("date", "2026-11-20"), ("kind", "off"), ("name", "暴雪停止对外办公")];
    let done = submit(&mut browser, &app, "/admin/calendar", "/admin/calendar/local-days", &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = browser.get(&app, done.location.as_deref().unwrap()).await;
    assert!(page.html.contains("地方调整日已保存"), "{}", page.html);
    assert!(page.html.contains("<td class=\"local-off\" data-date=\"2026-11-20\""));
    assert!(!app.state.calendar().is_workday(chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()));
    let bad = [("date", "2026-13-01"), ("kind", "off"), ("name", "x")];
    let page = submit(&mut browser, &app, "/admin/calendar", "/admin/calendar/local-days", &bad).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("日期应为 YYYY-MM-DD 格式"), "{}", page.html);

    let done = submit(
        &mut browser,
        &app,
        "/admin/calendar?year=2026",
        "/admin/calendar/local-days/remove",
        &[("date", "2026-11-20")],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = browser.get(&app, done.location.as_deref().unwrap()).await;
    assert!(page.html.contains("<td class=\"work\" data-date=\"2026-11-20\""));
    let audited = app.count("SELECT COUNT(*) FROM audit_log WHERE target LIKE '%2026-11-20%'").await;
    assert!(audited >= 2, "set and removal audited ({audited})");
    app.stop().await;
}

/// Posts the calendar import form as multipart, the way a browser uploads the file.
async fn upload(browser: &mut Browser, app: &TestApp, year: &str, filename: &str, content: &str) -> Page {
    let shown = browser.get(app, "/admin/calendar").await;
    let token = form_csrf(&shown.html, "/admin/calendar/import");
    let boundary = "----hcpTestBoundary7MA4YWxk";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"year\"\r\n\r\n{year}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/json\r\n\r\n{content}\r\n\
         --{boundary}--\r\n"
    );
    let response = client()
        .post(app.url("/admin/calendar/import"))
        .header("cookie", browser.cookie_header())
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let location = response.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
    Page { status, location, content_type: String::new(), html: response.text().await.unwrap() }
}

async fn calendar_import_by_upload_reports_a_bad_file_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("admin").await;
    let years = app.count("SELECT COUNT(*) FROM calendar_years").await;
    let audit = app.count("SELECT COUNT(*) FROM audit_log").await;
    for (year, content, message) in [
        ("2027", "this is not json", "节假日文件格式错误"),
        (
            "2027",
            r#"{"year":2027,"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true},{"name":"元旦","date":"2027-01-01","isOffDay":true}]}"#,
            "重复出现",
        ),
        ("2028", r#"{"year":2027,"days":[]}"#, "年份与文件中的 year 不一致"),
    ] {
        let page = upload(&mut browser, &app, year, "holidays.json", content).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.html);
        assert!(page.html.contains("导入失败，日历未作任何修改"), "{}", page.html);
        assert!(page.html.contains(message), "missing {message}: {}", page.html);
    }
    // Larger than a form (64 KB) but within the upload limit: the file's own error, not "too large".
    let padded = format!("{{\"year\":2027,\"days\":[]{}", " ".repeat(200 * 1024));
    let page = upload(&mut browser, &app, "2027", "big.json", &padded).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.html);
    assert!(page.html.contains("节假日文件格式错误"));
    let page = upload(&mut browser, &app, "2027", "huge.json", &" ".repeat(2 * 1024 * 1024)).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.html.contains("文件过大"), "{}", page.html);
    assert_eq!(app.count("SELECT COUNT(*) FROM calendar_years").await, years);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, audit);

    // A good file is imported and shown.
    let file = r#"{"year":2027,"papers":["https://www.gov.cn/zhengce/content/2027-notice.htm"],"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true},{"name":"元旦","date":"2027-01-04","isOffDay":false}]}"#;
    let done = upload(&mut browser, &app, "2027", "2027.json", file).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let page = browser.get(&app, done.location.as_deref().unwrap()).await;
    assert!(page.html.contains("2027 年节假日安排已导入"), "{}", page.html);
    assert!(page.html.contains("<td class=\"holiday\" data-date=\"2027-01-01\""));
    assert!(page.html.contains("<td class=\"makeup\" data-date=\"2027-01-04\""));
    assert_eq!(app.count("SELECT COUNT(*) FROM calendar_years").await, years + 1);
    app.stop().await;
}

fn as_refs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn policy_edits_are_validated_audited_and_change_new_deadlines(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("admin").await;
    let page = browser.get(&app, "/admin/policy").await;
    assert!(page.html.contains("差评申诉期限"), "{}", page.html);
    assert!(page.html.contains("name=\"policy.appeal_working_days\" value=\"2\""));
    let token = form_csrf(&page.html, "/admin/policy");
    // Every field as shown, with the changes on top.
    let shown: Vec<(String, String)> = hcp_server::app::settings::SETTINGS
        .iter()
        .map(|s| {
            let value = between(&page.html, &format!("name=\"{}\" value=\"", s.key), "\"").unwrap();
            (s.key.to_owned(), value)
        })
        .collect();
    let post = |changes: Vec<(&'static str, &'static str)>| {
        let mut form: Vec<(String, String)> = vec![("csrf_token".into(), token.clone())];
        for (key, value) in &shown {
            let changed = changes.iter().find(|(k, _)| k == key).map(|(_, v)| (*v).to_owned());
            form.push((key.clone(), changed.unwrap_or_else(|| value.clone())));
        }
        form
    };

    let bad = post(vec![("policy.appeal_working_days", "0"), ("supervision.bad_rate_percent", "abc")]);
    let page = browser.post(&app, "/admin/policy", &as_refs(&bad)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("应在 1 至 30 之间") && page.html.contains("请填写数字"), "{}", page.html);
    assert!(page.html.contains("value=\"abc\""), "input kept");
    assert_eq!(app.count("SELECT COUNT(*) FROM settings").await, 0);

    let good = post(vec![("policy.appeal_working_days", "4")]);
    let done = browser.post(&app, "/admin/policy", &as_refs(&good)).await;
    assert_eq!(done.location.as_deref(), Some("/admin/policy?done=saved"), "{}", done.html);
    assert_eq!(app.state.policy().appeal_working_days, 4);
    assert_eq!(app.count("SELECT COUNT(*) FROM settings").await, 1, "only the changed value is stored");
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'settings.update'").await, 1);
    let page = browser.get(&app, "/admin/policy?done=saved").await;
    assert!(page.html.contains("参数已保存") && page.html.contains("页面设置"));

    // A bad review now gets four working days to appeal: Mon 10-12 → Fri 10-16.
    let (status, receipt) = app
        .evaluate(json!({"channel": "qrcode", "window_code": "W-SC-01", "staff_no": "S002", "level": 1, "tags": [113]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    let staff = app.login("staff").await;
    let (_, ticket) = app.get(&format!("/api/v1/tickets/{}", receipt["ticket_id"]), Some(&staff)).await;
    assert_eq!(ticket["deadlines"]["appeal_by"]["at"], json!("2026-10-16T23:59:59+08:00"), "{ticket}");

    // Back to the file's values.
    let page = browser.get(&app, "/admin/policy").await;
    let token = form_csrf(&page.html[page.html.find("name=\"reset\"").unwrap() - 400..], "/admin/policy");
    let done = browser.post(&app, "/admin/policy", &[("csrf_token", &token), ("reset", "1")]).await;
    assert_eq!(done.location.as_deref(), Some("/admin/policy?done=reset"));
    assert_eq!(app.state.policy().appeal_working_days, 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'settings.update'").await, 2);
    app.assert_audit_clean().await;
    app.stop().await;
}

async fn records_are_edited_deactivated_and_reactivated_from_their_pages_with_a_history(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("admin").await;
    // The tree links to each unit's and department's page.
    let org = browser.get(&app, "/admin/org").await;
    assert!(
        org.html.contains("href=\"/admin/org/units/JK-JZ\"")
            && org.html.contains("href=\"/admin/org/departments/SCJG\"")
    );

    let page = "/admin/org/departments/SCJG";
    let edit = format!("{page}/edit");
    let refused = submit(&mut browser, &app, page, &edit, &[("name", ""), ("org_code", "JK-JZ")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.html);
    assert!(
        refused.html.contains("field-error") && refused.html.contains("value=\"\""),
        "the form keeps what was typed"
    );
    let saved =
        submit(&mut browser, &app, page, &edit, &[("name", "市场监督管理局（登记注册）"), ("org_code", "JK")]).await;
    assert_eq!(
        (saved.status, saved.location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/admin/org/departments/SCJG?done=edited"))
    );
    let shown = browser.get(&app, "/admin/org/departments/SCJG?done=edited").await;
    assert!(shown.html.contains("已保存修改"), "{}", shown.html);
    let history = between(&shown.html, "id=\"history\"", "</section>").unwrap();
    assert!(
        history.contains("修改") && history.contains("名称：市场监督管理局 → 市场监督管理局（登记注册）"),
        "{history}"
    );
    assert!(!history.contains("所属机构"), "an unchanged hall is not listed: {history}");
    assert!(
        history.contains("<td>系统管理员</td>") && !history.contains("<td>admin</td>"),
        "who changed it reads as a person, not a login name: {history}"
    );

    // Deactivating a department with a window: refused, naming the window.
    let refused = submit(&mut browser, &app, page, &format!("{page}/deactivate"), &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.html.contains("市场主体登记窗口（W-SC-01）"), "{}", refused.html);

    // A staff member: moved off duty, deactivated, reactivated; each step in the history.
    let staff = "/admin/staff/S002";
    let moved =
        submit(&mut browser, &app, staff, &format!("{staff}/edit"), &[("name", "李强"), ("window_code", "")]).await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.html);
    let off = submit(&mut browser, &app, staff, &format!("{staff}/deactivate"), &[]).await;
    assert_eq!(off.location.as_deref(), Some("/admin/staff/S002?done=deactivated"));
    let shown = browser.get(&app, staff).await;
    assert!(shown.html.contains("已停用") && shown.html.contains("action=\"/admin/staff/S002/reactivate\""));
    let list = browser.get(&app, "/admin/staff").await;
    assert!(list.html.contains("class=\"inactive\""), "the list marks them");
    let again = submit(&mut browser, &app, staff, &format!("{staff}/reactivate"), &[]).await;
    assert_eq!(again.location.as_deref(), Some("/admin/staff/S002?done=reactivated"));
    let shown = browser.get(&app, staff).await;
    let history = between(&shown.html, "id=\"history\"", "</section>").unwrap();
    for line in ["所在窗口：市场主体登记窗口（W-SC-01） → 不在窗口", "停用", "启用", "系统管理员"]
    {
        assert!(history.contains(line), "{line}: {history}");
    }
}

async fn a_closed_windows_qr_page_says_where_to_go_and_the_form_is_gone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("admin").await;
    let window = "/admin/windows/W-JZ-01";
    // Its only staff member moves to another window first.
    let moved = submit(
        &mut browser,
        &app,
        "/admin/staff/S101",
        "/admin/staff/S101/edit",
        &[("name", "赵敏"), ("window_code", "W-SC-01")],
    )
    .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.html);
    let refused = submit(
        &mut browser,
        &app,
        window,
        &format!("{window}/deactivate"),
        &[("replacement_window_code", ""), ("note", "")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("请指定替代窗口"), "{}", refused.html);
    let closed = submit(
        &mut browser,
        &app,
        window,
        &format!("{window}/deactivate"),
        &[("replacement_window_code", "W-SC-01"), ("note", "社保业务已并入一楼综合窗口。")],
    )
    .await;
    assert_eq!(closed.location.as_deref(), Some("/admin/windows/W-JZ-01?done=deactivated"));
    let shown = browser.get(&app, window).await;
    assert!(shown.html.contains("已停用") && shown.html.contains("评价二维码页面现显示"), "{}", shown.html);

    let citizen = client().get(app.url("/e/W-JZ-01")).send().await.unwrap();
    assert_eq!(citizen.status(), StatusCode::OK);
    let html = citizen.text().await.unwrap();
    assert!(html.contains("已停止服务") && html.contains("市场主体登记窗口") && html.contains("W-SC-01"), "{html}");
    assert!(html.contains("社保业务已并入一楼综合窗口。"));
    assert!(!html.contains("name=\"level\""), "no evaluation form on a closed window's page");
    assert_eq!(app.count("SELECT COUNT(*) FROM windows WHERE code = 'W-JZ-01'").await, 1, "nothing is deleted");
    let audit = app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'window.deactivate'").await;
    assert_eq!(audit, 1);
}

async fn service_items_have_a_page_to_register_and_edit_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("admin").await;
    let added = submit(
        &mut browser,
        &app,
        "/admin/items",
        "/admin/items",
        &[("code", "GTGSH"), ("name", "个体工商户注册登记"), ("department_code", "SCJG")],
    )
    .await;
    assert_eq!(added.location.as_deref(), Some("/admin/items?done=item"), "{}", added.html);
    let bad = submit(&mut browser, &app, "/admin/items", "/admin/items", &[("code", "坏 码"), ("name", "")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let list = browser.get(&app, "/admin/items").await;
    assert!(list.html.contains("href=\"/admin/items/GTGSH\"") && list.html.contains("市场监督管理局"), "{}", list.html);
    let page = "/admin/items/GTGSH";
    let edited = submit(
        &mut browser,
        &app,
        page,
        &format!("{page}/edit"),
        &[("name", "个体工商户设立登记"), ("department_code", "")],
    )
    .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.html);
    let shown = browser.get(&app, page).await;
    assert!(shown.html.contains("个体工商户设立登记") && shown.html.contains("（未指定）"));
    let history = between(&shown.html, "id=\"history\"", "</section>").unwrap();
    assert!(history.contains("创建") && history.contains("所属部门：市场监督管理局（SCJG） → （无）"), "{history}");
    let missing = browser.get(&app, "/admin/items/NOPE").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

async fn a_replacement_order_links_to_the_move_and_its_page_shows_the_departments_action(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let supervisor = app.login("supervisor").await;
    let order = json!({"kind": "replacement_order", "level": "staff", "target": "S002", "period": "2026-10",
        "reason": "10月差评集中，责令更换"});
    let (status, issued) = app.post("/api/v1/supervision/orders", Some(&supervisor), &order).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let id = issued["id"].as_i64().unwrap();

    let mut admin = app.browser_as("admin").await;
    let list = admin.get(&app, "/admin/replacements").await;
    assert!(list.html.contains("李强（S002）") && list.html.contains("待调岗"), "{}", list.html);
    assert!(!list.html.contains("10月差评集中"), "the administrator does not read the order's reasons");
    let action = format!("/admin/replacements/{id}/move");
    let refused = submit(&mut admin, &app, "/admin/replacements", &action, &[("window_code", "")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("请选择调往的窗口"));
    let moved = submit(&mut admin, &app, "/admin/replacements", &action, &[("window_code", "-")]).await;
    assert_eq!(moved.location.as_deref(), Some("/admin/replacements?done=moved"), "{}", moved.html);
    let list = admin.get(&app, "/admin/replacements?done=moved").await;
    let text = "李强（S002）由市场主体登记窗口（W-SC-01）调离窗口";
    assert!(list.html.contains(text) && !list.html.contains(&action), "{}", list.html);

    // The supervisor's order page and the heads' orders page show the department's action.
    let mut browser = app.browser_as("supervisor").await;
    let page = browser.get(&app, &format!("/supervise/orders/{id}")).await;
    let shown = between(&page.html, "id=\"staff-move\">", "</dd>").unwrap();
    assert!(shown.contains(text) && shown.contains("系统管理员代部门办理"), "{shown}");
    let mut head = app.browser_as("dept_head").await;
    let page = head.get(&app, "/work/orders").await;
    assert!(page.html.contains(text), "{}", page.html);
}

async fn a_locked_account_shows_until_when_and_the_administrator_unlocks_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("security_admin").await;
    let page = browser.get(&app, "/admin/users").await;
    assert!(!page.html.contains("<span class=\"badge bad\">已锁定</span>"), "nobody is locked yet");
    let sign_in = |password: &'static str| {
        client().post(app.url("/api/v1/session")).json(&json!({"username": "staff", "password": password})).send()
    };
    for _ in 0..5 {
        sign_in("wrong-password").await.unwrap();
    }
    assert_eq!(sign_in(hcp_testkit::PASSWORD).await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    // The sign-in page says so, even to the right password.
    let mut worker = Browser::default();
    let fields = [("username", "staff"), ("password", hcp_testkit::PASSWORD), ("next", "/")];
    let page = submit(&mut worker, &app, "/login", "/login", &fields).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.html.contains("账户已锁定，请 30 分钟后再试或联系管理员"), "{}", page.html);
    // The lock began at the test clock's start (10:00 China time) and lasts thirty minutes.
    let page = browser.get(&app, "/admin/users").await;
    assert!(page.html.contains("id=\"locked-staff\">至10月12日 10:30"), "{}", page.html);
    let page = submit(&mut browser, &app, "/admin/users", "/admin/users/unlock", &[("username", "staff")]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("账号 <strong>staff</strong> 已解除锁定"), "{}", page.html);
    assert!(!page.html.contains("id=\"locked-staff\""), "{}", page.html);
    assert_eq!(sign_in(hcp_testkit::PASSWORD).await.unwrap().status(), StatusCode::OK);
    app.stop().await;
}
