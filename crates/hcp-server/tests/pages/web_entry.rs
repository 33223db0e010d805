//! The entry pages of hotline operators and registrars over HTTP, as a browser without JavaScript uses them: the
//! evaluation entry form for each off-line channel, the complaint form, the batch upload with its row report,
//! the templates, and the refusals (roles, sign-in, CSRF, size).

use hcp_server::app::import::parse::{self as import_file, FileFormat, TEMPLATE_HEADERS};
use hcp_testkit::pages::{Browser, Page, between, client, csrf, form_csrf};
use hcp_testkit::{Backend, Options, TestApp};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;

hcp_store::on_both_backends!(
    each_channel_saved_through_the_form_lands_with_its_channel,
    field_errors_are_shown_next_to_the_fields_with_input_kept,
    a_resubmitted_form_registers_once,
    hotline_complaints_are_registered_with_the_operator_as_submitter,
    other_roles_get_the_403_page_and_anonymous_users_sign_in_first,
    forms_and_uploads_without_a_valid_csrf_token_store_nothing,
    csv_upload_reports_each_row_and_a_second_upload_adds_nothing,
    xlsx_upload_imports_its_rows,
    templates_download_and_import_cleanly,
    oversized_and_unreadable_files_get_a_chinese_answer,
    paper_rows_get_their_query_codes_in_the_printable_report_once,
    the_complaint_form_lists_the_named_departments_windows_and_reads_back_the_target,
);

fn submit_key(html: &str) -> String {
    between(html, "name=\"submit_key\" value=\"", "\"").unwrap()
}

/// Channel, level, window code, whether registered by a user, evaluated_at (ms) of the evaluation with `code`.
async fn stored(app: &TestApp, code: &str) -> (String, i64, String, bool, i64) {
    let mut conn = app.state.store().reader().await.unwrap();
    let row: (String, i64, String, Option<i64>, i64) = hcp_store::sqlx::query_as(
        "SELECT e.channel, e.level, w.code, e.registered_by, e.evaluated_at FROM evaluations e \
         JOIN windows w ON w.id = e.window_id WHERE e.tracking_code = $1",
    )
    .bind(code)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    (row.0, row.1, row.2, row.3.is_some(), row.4)
}

async fn post_entry(browser: &mut Browser, app: &TestApp, html: &str, fields: &[(&str, &str)]) -> Page {
    let token = form_csrf(html, "/entry");
    let key = submit_key(html);
    let mut form = vec![("csrf_token", token.as_str()), ("submit_key", key.as_str())];
    form.extend_from_slice(fields);
    browser.post(app, "/entry", &form).await
}

async fn each_channel_saved_through_the_form_lands_with_its_channel(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (user, default) in [("registrar", "paper"), ("hotline_operator", "phone")] {
        let mut browser = app.browser_as(user).await;
        let page = browser.get(&app, "/entry").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        for text in [
            "<label for=\"channel\">",
            "<label for=\"window\">",
            "<label for=\"staff\">",
            "<label for=\"case_no\">",
            "<label for=\"comment\">",
            "<label for=\"name\">",
            "<label for=\"phone\">",
            "<label for=\"date\">",
            "accesskey=\"1\"",
            "accesskey=\"5\"",
            "<option value=\"W-SC-01\">W-SC-01 市场主体登记窗口（市场监督管理局）</option>",
            "保存并继续录入",
            "<a href=\"/entry\" aria-current=\"page\">评价录入</a>",
        ] {
            assert!(page.html.contains(text), "{user}: missing {text}");
        }
        assert!(
            page.html.contains("<select id=\"channel\" name=\"channel\" autofocus>"),
            "the first field has the cursor"
        );
        assert!(page.html.contains(&format!("<option value=\"{default}\" selected>")), "{user} starts on {default}");
    }

    let mut browser = app.browser_as("registrar").await;
    let mut html = browser.get(&app, "/entry").await.html;
    let cases = [
        // channel, window as typed, staff as typed, level, tags, date, time
        ("paper", "W-SC-01", "S002", "5", Some("517"), "2026-10-09", ""),
        ("box", "市场主体登记窗口", "", "2", Some("214"), "2026-10-10", ""),
        ("phone", "w-jz-01", "赵敏", "4", None, "", "09:30"),
    ];
    let mut codes = Vec::new();
    for (channel, window, staff, level, tag, date, time) in cases {
        let mut fields =
            vec![("channel", channel), ("window", window), ("staff", staff), ("level", level), ("comment", "窗口录入")];
        if let Some(tag) = tag {
            fields.push(("tags", tag));
        }
        fields.extend([("name", "刘洋"), ("phone", "13700001111"), ("date", date), ("time", time)]);
        fields.push(("after", "continue"));
        let page = post_entry(&mut browser, &app, &html, &fields).await;
        assert_eq!(page.status, StatusCode::OK, "{channel}: {}", page.html);
        let code = between(&page.html, "id=\"last-tracking-code\">", "<").expect("the saved record's tracking code");
        assert!(between(&page.html, "id=\"last-query-password\">", "<").is_some_and(|p| p.len() == 6));
        // 保存并继续录入: channel and window kept for the next record, the rest empty, cursor on the staff field.
        assert!(page.html.contains(&format!("<option value=\"{channel}\" selected>")), "{channel} kept");
        assert!(page.html.contains(&format!("maxlength=\"100\" value=\"{window}\"")), "window kept: {}", page.html);
        if level == "2" {
            assert!(page.html.contains("差评，已生成工单"), "{}", page.html);
        }
        assert!(page.html.contains("id=\"staff\" name=\"staff\" type=\"text\" list=\"staff-list\" autocomplete=\"off\" maxlength=\"100\" value=\"\" autofocus"));
        assert!(!page.html.contains("value=\"窗口录入\"") && !page.html.contains(">窗口录入</textarea>"));
        codes.push(code);
        html = page.html;
    }
    let (channel, level, window, registered, at) = stored(&app, &codes[0]).await;
    assert_eq!((channel.as_str(), level, window.as_str(), registered), ("paper", 5, "W-SC-01", true));
    // The paper form's date: noon that day, Beijing time.
    assert_eq!(at, chrono::DateTime::parse_from_rfc3339("2026-10-09T12:00:00+08:00").unwrap().timestamp_millis());
    let (channel, level, window, _, _) = stored(&app, &codes[1]).await;
    assert_eq!((channel.as_str(), level, window.as_str()), ("box", 2, "W-SC-01"), "window found by its name");
    let (channel, level, window, _, at) = stored(&app, &codes[2]).await;
    assert_eq!((channel.as_str(), level, window.as_str()), ("phone", 4, "W-JZ-01"), "code in any case, staff by name");
    // A time alone is today's (the clock's) date.
    assert_eq!(at, chrono::DateTime::parse_from_rfc3339("2026-10-12T09:30:00+08:00").unwrap().timestamp_millis());
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets").await, 1, "the bad box record opened a ticket");

    // "保存" starts afresh: the window is not kept.
    let page = post_entry(
        &mut browser,
        &app,
        &html,
        &[("channel", "phone"), ("window", "W-JZ-01"), ("level", "5"), ("after", "new")],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("maxlength=\"100\" value=\"\""));
    assert!(page.html.contains("<option value=\"paper\" selected>"), "back to the registrar's channel");
    assert!(page.html.contains("请告知来电人查询码和查询密码"), "a hotline record tells the operator to pass it on");
    assert_eq!(app.row_count("evaluations").await, 4);
    app.stop().await;
}

async fn field_errors_are_shown_next_to_the_fields_with_input_kept(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("hotline_operator").await;
    let html = browser.get(&app, "/entry").await.html;
    // A bad review with neither tag nor comment, an unknown window, a bad phone number.
    let page = post_entry(
        &mut browser,
        &app,
        &html,
        &[("channel", "phone"), ("window", "W-NONE"), ("level", "1"), ("name", "王<五>"), ("phone", "12")],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.html);
    assert!(page.html.contains("id=\"comment-error\">差评请至少选择一个评价标签或填写评价内容"), "{}", page.html);
    assert!(page.html.contains("id=\"phone-error\">联系电话格式不正确"), "{}", page.html);
    assert!(page.html.contains("value=\"W-NONE\""), "window kept");
    assert!(
        page.html.contains("value=\"王&#60;五&#62;\"") || page.html.contains("value=\"王&lt;五&gt;\""),
        "kept, escaped"
    );
    assert!(page.html.contains("value=\"1\" id=\"level-1\" accesskey=\"1\" checked"), "the level stays chosen");
    assert!(
        page.html.contains("id=\"comment\" name=\"comment\" rows=\"3\" maxlength=\"2000\" autofocus"),
        "cursor on the first error"
    );

    // Valid as typed, but intake does not know the window: named next to the window field.
    let page =
        post_entry(&mut browser, &app, &page.html, &[("channel", "phone"), ("window", "W-NONE"), ("level", "5")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.html);
    assert!(page.html.contains("id=\"window-error\">窗口编号“W-NONE”不存在"), "{}", page.html);

    // Neither window nor case; no level; a date in the future; a channel that is not an off-line one.
    let page = post_entry(&mut browser, &app, &page.html, &[("channel", "phone"), ("date", "2027-01-01")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("id=\"window-error\">请填写办件编号或窗口编号"), "{}", page.html);
    assert!(page.html.contains("id=\"level-error\">请选择评价等级"));
    assert!(page.html.contains("id=\"when-error\">评价时间不能晚于当前时间"), "{}", page.html);
    assert!(page.html.contains("value=\"2027-01-01\""));
    let page =
        post_entry(&mut browser, &app, &page.html, &[("channel", "qrcode"), ("window", "W-SC-01"), ("level", "5")])
            .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("id=\"channel-error\">"));
    // A case of another window.
    let page = post_entry(
        &mut browser,
        &app,
        &page.html,
        &[("channel", "paper"), ("window", "W-JZ-01"), ("case_no", "C-002"), ("level", "5")],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("id=\"window-error\">窗口编号与办件的受理窗口不一致"), "{}", page.html);
    assert!(page.html.contains("value=\"C-002\""));
    assert_eq!(app.row_count("evaluations").await, 0);
    app.stop().await;
}

async fn a_resubmitted_form_registers_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("registrar").await;
    let html = browser.get(&app, "/entry").await.html;
    let fields = [("channel", "paper"), ("window", "W-SC-01"), ("level", "5")];
    let first = post_entry(&mut browser, &app, &html, &fields).await;
    // The browser's reload sends the same form again.
    let again = post_entry(&mut browser, &app, &html, &fields).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.html);
    assert!(again.html.contains("该记录已保存过，未重复登记"));
    let code = |html: &str| between(html, "id=\"last-tracking-code\">", "<").unwrap();
    assert_eq!(code(&first.html), code(&again.html));
    // Changed after saving, same form: not silently merged, and saved as new on the next click.
    let changed =
        post_entry(&mut browser, &app, &html, &[("channel", "paper"), ("window", "W-SC-01"), ("level", "4")]).await;
    assert_eq!(changed.status, StatusCode::CONFLICT);
    assert!(changed.html.contains("这张表单已经保存过一次"));
    assert!(changed.html.contains("value=\"4\" id=\"level-4\" accesskey=\"4\" checked"));
    let saved =
        post_entry(&mut browser, &app, &changed.html, &[("channel", "paper"), ("window", "W-SC-01"), ("level", "4")])
            .await;
    assert_eq!(saved.status, StatusCode::OK);
    assert_eq!(app.row_count("evaluations").await, 2);
    app.stop().await;
}

async fn hotline_complaints_are_registered_with_the_operator_as_submitter(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("hotline_operator").await;
    let page = browser.get(&app, "/entry/complaint").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("<option value=\"phone\" selected>12345热线</option>"));
    assert!(page.html.contains("<label for=\"content\">"));
    let token = form_csrf(&page.html, "/entry/complaint");
    let key = submit_key(&page.html);
    // No content: refused next to the field, the rest kept.
    let page = browser
        .post(
            &app,
            "/entry/complaint",
            &[
                ("csrf_token", &token),
                ("submit_key", &key),
                ("channel", "phone"),
                ("window", "W-SC-01"),
                ("name", "陈"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("id=\"content-error\">请填写投诉内容"), "{}", page.html);
    assert!(page.html.contains("value=\"W-SC-01\"") && page.html.contains("value=\"陈\""));
    let token = form_csrf(&page.html, "/entry/complaint");
    let key = submit_key(&page.html);
    let page = browser
        .post(
            &app,
            "/entry/complaint",
            &[
                ("csrf_token", &token),
                ("submit_key", &key),
                ("channel", "phone"),
                ("window", "W-SC-01"),
                ("staff", "S002"),
                ("content", "来电反映窗口让其跑了三次"),
                ("phone", "13900002222"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let code = between(&page.html, "id=\"last-tracking-code\">", "<").unwrap();
    assert!(code.starts_with('C'), "{code}");
    let mut conn = app.state.store().reader().await.unwrap();
    let (channel, registered_by, window): (String, Option<i64>, Option<i64>) =
        hcp_store::sqlx::query_as("SELECT channel, registered_by, window_id FROM complaints WHERE tracking_code = $1")
            .bind(&code)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    drop(conn);
    assert_eq!(channel, "phone");
    assert!(registered_by.is_some() && window.is_some());
    assert_eq!(app.count("SELECT COUNT(*) FROM tickets").await, 1, "a complaint is a ticket");
    // The registrar starts on the box; the online channel is not theirs to use here.
    let mut registrar = app.browser_as("registrar").await;
    let page = registrar.get(&app, "/entry/complaint").await;
    assert!(page.html.contains("<option value=\"box\" selected>意见箱</option>"));
    assert!(!page.html.contains("value=\"online\""));
    let token = form_csrf(&page.html, "/entry/complaint");
    let page = registrar
        .post(&app, "/entry/complaint", &[("csrf_token", &token), ("channel", "online"), ("content", "x")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT COUNT(*) FROM complaints").await, 1);
    app.stop().await;
}

async fn other_roles_get_the_403_page_and_anonymous_users_sign_in_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in ["/entry", "/entry/complaint", "/entry/upload", "/entry/template.csv", "/entry/template.xlsx"] {
        let page = Browser::default().get(&app, path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        let next = form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>();
        assert_eq!(page.location.as_deref(), Some(format!("/login?next={next}").as_str()));
    }
    for user in ["staff", "window_head", "supervisor", "admin"] {
        let mut browser = app.browser_as(user).await;
        for path in ["/entry", "/entry/complaint", "/entry/upload", "/entry/template.csv"] {
            let page = browser.get(&app, path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{user} {path}");
            assert!(page.html.contains("无权使用此页面"), "{}", page.html);
        }
        // Posting does not get further either.
        let page = browser.post(&app, "/entry", &[("channel", "paper"), ("window", "W-SC-01"), ("level", "5")]).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(app.row_count("evaluations").await, 0);
    app.stop().await;
}

/// A `multipart/form-data` body as a browser sends it: the CSRF field, then the file.
fn multipart(token: &str, file_name: &str, content_type: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----hcpTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n").as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(browser: &mut Browser, app: &TestApp, file_name: &str, content_type: &str, bytes: &[u8]) -> Page {
    let page = browser.get(app, "/entry/upload").await;
    let token = form_csrf(&page.html, "/entry/upload");
    upload_with(browser, app, &token, file_name, content_type, bytes).await
}

async fn upload_with(
    browser: &mut Browser,
    app: &TestApp,
    token: &str,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
) -> Page {
    let (multipart_type, body) = multipart(token, file_name, content_type, bytes);
    let response = client()
        .post(app.url("/entry/upload"))
        .header("cookie", browser.cookie_header())
        .header(CONTENT_TYPE, multipart_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let content_type = response.headers().get(CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    Page { status, location: None, content_type, html: response.text().await.unwrap() }
}

const CSV: &str = "\u{feff}渠道,窗口编号,工号,评价等级,评价标签,评价内容,评价人姓名,联系电话,评价日期\r\n\
    纸质评价表,W-SC-01,S002,5,517,很好,,,2026-10-10\r\n\
    意见箱,W-SC-01,,不满意,214,态度生硬,刘洋,13700001111,2026-10-09\r\n\
    纸质评价表,W-NONE,,5,,,,,2026-10-10\r\n\
    纸质评价表,W-SC-01,,7,,,,,2026-10-10\r\n\
    12345热线,W-JZ-01,S101,4,,,,,2026-10-11\r\n";

async fn csv_upload_reports_each_row_and_a_second_upload_adds_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("registrar").await;
    let page = browser.get(&app, "/entry/upload").await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "enctype=\"multipart/form-data\"",
        "<label for=\"file\">",
        "href=\"/entry/template.csv\"",
        "href=\"/entry/template.xlsx\"",
        "10240KB",
    ] {
        assert!(page.html.contains(text), "missing {text}");
    }
    assert!(page.html.contains("<a href=\"/entry/upload\" aria-current=\"page\">"), "only the upload entry is current");
    assert!(!page.html.contains("<a href=\"/entry\" aria-current"));
    for header in TEMPLATE_HEADERS {
        assert!(page.html.contains(&format!("<th scope=\"row\">{header}</th>")), "column {header} explained");
    }
    let page = upload(&mut browser, &app, "评价表.csv", "text/csv", CSV.as_bytes()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let total = |id: &str| between(&page.html, &format!("id=\"{id}\">"), "<").unwrap();
    assert_eq!(
        [
            total("total-rows"),
            total("total-imported"),
            total("total-refused"),
            total("total-duplicates"),
            total("total-tickets")
        ],
        ["5", "3", "2", "0", "1"].map(String::from)
    );
    assert!(page.html.contains("导入结果：评价表.csv"));
    let row = |n: usize| {
        let start = page.html.find(&format!("id=\"row-{n}\"")).unwrap_or_else(|| panic!("row {n}: {}", page.html));
        let end = start + page.html[start..].find("</tr>").unwrap();
        page.html[start..end].to_owned()
    };
    assert!(row(2).contains("已导入") && row(2).contains('E'), "{}", row(2));
    assert!(row(3).contains("差评，已生成工单"));
    assert!(row(4).contains("未导入") && row(4).contains("<li>窗口编号“W-NONE”不存在</li>"), "{}", row(4));
    assert!(row(5).contains("<li>评价等级“7”无法识别"), "{}", row(5));
    assert!(row(6).contains("已导入"));
    // Only the good rows were stored, by the registrar, on their channels.
    assert_eq!(app.row_count("evaluations").await, 3);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM evaluations WHERE registered_by IS NOT NULL AND import_ref IS NOT NULL").await,
        3
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM evaluations WHERE channel = 'phone'").await, 1);

    // The same file again: nothing new, the rows recognised.
    let page = upload(&mut browser, &app, "评价表.csv", "application/vnd.ms-excel", CSV.as_bytes()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("id=\"total-imported\">0<"), "{}", page.html);
    assert!(page.html.contains("id=\"total-duplicates\">3<"));
    assert!(page.html.contains("此前已导入"));
    assert_eq!(app.row_count("evaluations").await, 3);
    app.stop().await;
}

async fn xlsx_upload_imports_its_rows(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let rows = [
        ["渠道", "窗口编号", "评价等级", "评价标签", "评价内容", "评价日期"],
        ["paper", "W-SC-01", "5", "517", "表格里的好评", "2026-10-10"],
        ["box", "W-SC-01", "1", "", "", "2026-10-10"],
        ["phone", "W-JZ-01", "3", "", "一般", "2026-10-11"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *value).unwrap();
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    let mut browser = app.browser_as("hotline_operator").await;
    let page = upload(
        &mut browser,
        &app,
        "records.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &bytes,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("id=\"total-imported\">2<"), "{}", page.html);
    assert!(page.html.contains("id=\"total-refused\">1<"));
    assert!(
        page.html.contains("<strong>评价内容</strong>：差评请至少选择一个评价标签或填写评价内容"),
        "row 3 refused with the intake message, under its column"
    );
    assert_eq!(app.row_count("evaluations").await, 2);
    app.stop().await;
}

async fn templates_download_and_import_cleanly(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("registrar").await;
    let download = |path: &'static str, cookie: String| {
        let url = app.url(path);
        async move { client().get(url).header("cookie", cookie).send().await.unwrap() }
    };
    let csv = download("/entry/template.csv", browser.cookie_header()).await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(csv.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    let csv = csv.bytes().await.unwrap().to_vec();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM for Excel");
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "header and one example row");
    assert_eq!(lines[0], TEMPLATE_HEADERS.join(","));
    assert!(lines[1].contains("W-SC-01") && lines[1].contains("2026-10-12"), "a real window, today: {}", lines[1]);
    let xlsx = download("/entry/template.xlsx", browser.cookie_header()).await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert_eq!(xlsx.headers()[CONTENT_TYPE], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let xlsx = xlsx.bytes().await.unwrap().to_vec();
    for (bytes, format) in [(&csv, FileFormat::Csv), (&xlsx, FileFormat::Xlsx)] {
        let parsed = import_file::parse(bytes, format).unwrap();
        assert!(parsed.problems.is_empty() && parsed.rows.len() == 1, "{format:?}: {:?}", parsed.problems);
    }
    // Uploaded as downloaded, the example row imports.
    let page = upload(&mut browser, &app, "评价导入模板.xlsx", "application/octet-stream", &xlsx).await;
    assert!(
        page.html.contains("id=\"total-imported\">1<") && page.html.contains("id=\"total-refused\">0<"),
        "{}",
        page.html
    );
    let again = upload(&mut browser, &app, "评价导入模板.xlsx", "application/octet-stream", &xlsx).await;
    assert!(again.html.contains("id=\"total-duplicates\">1<"), "{}", again.html);
    // The CSV template is another batch: its identical row is another form, registered with a warning.
    let page = upload(&mut browser, &app, "评价导入模板.csv", "text/csv", &csv).await;
    assert!(page.html.contains("id=\"total-imported\">1<"), "{}", page.html);
    assert!(page.html.contains("与此前导入的记录"), "{}", page.html);
    assert_eq!(app.row_count("evaluations").await, 2);
    app.stop().await;
}

async fn forms_and_uploads_without_a_valid_csrf_token_store_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("registrar").await;
    let html = browser.get(&app, "/entry").await.html;
    let good = [("channel", "paper"), ("window", "W-SC-01"), ("level", "5")];
    let page = browser.post(&app, "/entry", &good).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.html.contains("本次提交未被受理"));
    // Another form's token (the header's sign-out button) does not do.
    let logout = form_csrf(&html, "/logout");
    let mut with_wrong = vec![("csrf_token", logout.as_str())];
    with_wrong.extend_from_slice(&good);
    assert_eq!(browser.post(&app, "/entry", &with_wrong).await.status, StatusCode::FORBIDDEN);
    browser.get(&app, "/entry/complaint").await;
    let entry_token = form_csrf(&html, "/entry");
    let page = browser
        .post(&app, "/entry/complaint", &[("csrf_token", &entry_token), ("channel", "box"), ("content", "x")])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = upload_with(&mut browser, &app, "forged", "a.csv", "text/csv", CSV.as_bytes()).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.html.contains("本次提交未被受理"));
    // A token from another browser (another CSRF cookie) neither.
    let mut other = app.browser_as("registrar").await;
    let other_token = form_csrf(&other.get(&app, "/entry/upload").await.html, "/entry/upload");
    let page = upload_with(&mut browser, &app, &other_token, "a.csv", "text/csv", CSV.as_bytes()).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.row_count("evaluations").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM complaints").await, 0);
    app.stop().await;
}

async fn oversized_and_unreadable_files_get_a_chinese_answer(backend: Backend) {
    let mut options = Options::default();
    options.config.upload.max_import_bytes = 4 * 1024;
    let app = TestApp::spawn_with(backend, options).await;
    let mut browser = app.browser_as("registrar").await;
    let big = format!("{}{}", CSV, "纸质评价表,W-SC-01,,5,,,,,2026-10-10\r\n".repeat(200));
    let page = upload(&mut browser, &app, "big.csv", "text/csv", big.as_bytes()).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", page.html);
    assert!(page.html.contains("超过了4KB的上限"), "{}", page.html);
    // Far beyond the limit: the body is read to its end and the answer arrives intact.
    let huge = "纸质评价表,W-SC-01,,5,,,,,2026-10-10\r\n".repeat(3000);
    let page = upload(&mut browser, &app, "huge.csv", "text/csv", huge.as_bytes()).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.html.contains("请拆分成多个文件分批导入"));
    let page = upload(&mut browser, &app, "report.pdf", "application/pdf", b"%PDF-1.4").await;
    assert_eq!(page.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(page.html.contains("仅支持 CSV（UTF-8）或 XLSX 文件"));
    let page = upload(&mut browser, &app, "empty.csv", "text/csv", "渠道,窗口编号,评价等级\r\n".as_bytes()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.html.contains("id=\"upload-error\">“empty.csv”未导入：文件中只有表头，没有可导入的记录"),
        "{}",
        page.html
    );
    let page = upload(&mut browser, &app, "", "application/octet-stream", b"").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("请选择要导入的文件"));
    assert_eq!(app.row_count("evaluations").await, 0);
    app.stop().await;
}

async fn paper_rows_get_their_query_codes_in_the_printable_report_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("registrar").await;
    let page = upload(&mut browser, &app, "纸质表.csv", "text/csv", CSV.as_bytes()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("id=\"codes-note\""), "the report says the codes are shown once");
    // The form and the column notes stay off the paper; the report prints.
    assert!(page.html.contains("enctype=\"multipart/form-data\" class=\"card screen-only\""));
    assert!(page.html.contains("<section class=\"card entry-columns screen-only\">"));
    let code = between(&page.html, "id=\"row-2-code\">", "<").expect("row 2's tracking code");
    let password = between(&page.html, "id=\"row-2-password\">", "<").expect("row 2's query password");
    assert!(code.starts_with('E') && password.len() == 6 && password.bytes().all(|b| b.is_ascii_digit()), "{password}");
    assert!(page.html.contains("id=\"row-3-password\">"), "every imported row has its password");
    assert!(!page.html.contains("id=\"row-4-password\""), "a refused row has none");

    // The paper evaluator tracks their form with them.
    let mut citizen = Browser::default();
    let token = csrf(&citizen.get(&app, "/track").await.html);
    let track = citizen.post(&app, "/track", &[("csrf_token", &token), ("code", &code), ("password", &password)]).await;
    assert_eq!(track.status, StatusCode::OK, "{}", track.html);

    // Stored only as the keyed hash, and in no audit entry.
    let mut conn = app.state.store().reader().await.unwrap();
    let (secret,): (String,) =
        hcp_store::sqlx::query_as("SELECT query_secret FROM evaluations WHERE tracking_code = $1")
            .bind(&code)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    drop(conn);
    assert_eq!(secret, hcp_server::app::intake::query_secret(app.state.key(), &code, &password));
    let in_audit = format!("SELECT COUNT(*) FROM audit_log WHERE details LIKE '%{password}%'");
    assert_eq!(app.count(&in_audit).await, 0);

    // Uploading the file again shows no password: it was shown once.
    let again = upload(&mut browser, &app, "纸质表.csv", "text/csv", CSV.as_bytes()).await;
    assert!(again.html.contains("id=\"total-duplicates\">3<"), "{}", again.html);
    assert!(!again.html.contains(&password) && !again.html.contains("-password\""), "{}", again.html);
    app.stop().await;
}

/// The options of the datalist `id` on a page.
fn datalist(html: &str, id: &str) -> String {
    between(html, &format!("<datalist id=\"{id}\">"), "</datalist>").unwrap_or_else(|| panic!("{id}: {html}"))
}

async fn the_complaint_form_lists_the_named_departments_windows_and_reads_back_the_target(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("hotline_operator").await;
    let page = browser.get(&app, "/entry/complaint").await;
    // Before a department is named, no list of every window and staff member to scroll through.
    assert_eq!(datalist(&page.html, "window-list"), "");
    assert_eq!(datalist(&page.html, "staff-list"), "");
    assert!(page.html.contains("id=\"lists-hint\""));
    // Enter in a field saves: the save button is the form's first.
    let form = &page.html[page.html.find("action=\"/entry/complaint\"").unwrap()..];
    assert!(form.find("class=\"default-submit\"").unwrap() < form.find("name=\"step\" value=\"narrow\"").unwrap());

    // The caller names the market regulation bureau: its windows and staff only, the call as typed, nothing saved.
    let token = form_csrf(&page.html, "/entry/complaint");
    let key = submit_key(&page.html);
    let page = browser
        .post(
            &app,
            "/entry/complaint",
            &[
                ("csrf_token", &token),
                ("submit_key", &key),
                ("channel", "phone"),
                ("department", "SCJG"),
                ("content", "来电反映窗口让其跑了三次"),
                ("step", "narrow"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert_eq!(app.row_count("complaints").await, 0, "listing saves nothing");
    let (windows, staff) = (datalist(&page.html, "window-list"), datalist(&page.html, "staff-list"));
    assert!(windows.contains("value=\"W-SC-01\"") && !windows.contains("W-JZ-01"), "{windows}");
    assert!(staff.contains("value=\"S002\"") && !staff.contains("value=\"S101\""), "{staff}");
    assert!(page.html.contains("<option value=\"SCJG\" selected>"));
    assert!(page.html.contains(">来电反映窗口让其跑了三次</textarea>"));
    let window_input = between(&page.html, "<input id=\"window\"", ">").expect("window field");
    assert!(window_input.contains("autofocus"), "the cursor goes on to the window: {window_input}");

    // Saved with the staff member only: the box reads back the department, window and staff member resolved.
    let token = form_csrf(&page.html, "/entry/complaint");
    let key = submit_key(&page.html);
    let page = browser
        .post(
            &app,
            "/entry/complaint",
            &[
                ("csrf_token", &token),
                ("submit_key", &key),
                ("channel", "phone"),
                ("department", "SCJG"),
                ("staff", "S002"),
                ("content", "来电反映窗口让其跑了三次"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("id=\"last-tracking-code\""), "{}", page.html);
    assert_eq!(between(&page.html, "id=\"last-department\">", "<").as_deref(), Some("市场监督管理局"));
    assert_eq!(between(&page.html, "id=\"last-window\">", "<").as_deref(), Some("市场主体登记窗口（W-SC-01）"));
    let staff = between(&page.html, "id=\"last-staff\">", "<").expect("staff read back");
    assert!(staff.ends_with("（S002）") && staff.len() > "（S002）".len(), "{staff}");
    assert!(page.html.contains("请向来电人复述投诉对象"));

    // A complaint with no target says it will be dispatched.
    let token = form_csrf(&page.html, "/entry/complaint");
    let key = submit_key(&page.html);
    let page = browser
        .post(
            &app,
            "/entry/complaint",
            &[("csrf_token", &token), ("submit_key", &key), ("channel", "phone"), ("content", "不清楚是哪个窗口")],
        )
        .await;
    assert!(page.html.contains("id=\"last-target-unknown\">未明确，由督查人员分派<"), "{}", page.html);
    assert_eq!(app.row_count("complaints").await, 2);
    app.stop().await;
}
