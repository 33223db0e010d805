//! Hostile files through the pages (issue 12): the batch upload and the calendar upload answer every corpus file
//! with a Chinese page and a 4xx, store nothing of it, and the server answers afterwards.

use hcp_testkit::hostile::{corpus, import_files};
use hcp_testkit::pages::{Browser, Page, client, form_csrf};
use hcp_testkit::{Backend, TestApp};
use reqwest::StatusCode;

hcp_store::on_both_backends!(
    the_upload_page_answers_every_hostile_file,
    the_calendar_page_refuses_a_placeholder_year_and_says_why,
);

fn multipart(fields: &[(&str, &str)], file_name: &str, content_type: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----hcpHostileBoundary9xQ2";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
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

async fn post(browser: &Browser, app: &TestApp, path: &str, content_type: String, body: Vec<u8>) -> Page {
    let response = client()
        .post(app.url(path))
        .header("cookie", browser.cookie_header())
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let location = response.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
    Page { status, location, content_type: String::new(), html: response.text().await.unwrap() }
}

async fn the_upload_page_answers_every_hostile_file(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("registrar").await;
    for file in import_files() {
        let page = browser.get(&app, "/entry/upload").await;
        let token = form_csrf(&page.html, "/entry/upload");
        let file_name = format!("hostile.{}", file.extension);
        let (content_type, body) = multipart(&[("csrf_token", &token)], &file_name, file.content_type(), &file.bytes);
        let before = app.row_count("evaluations").await;
        let page = post(&browser, &app, "/entry/upload", content_type, body).await;
        // The page shows an unreadable file (the API's 400) as 422, the form with the reason.
        let expected = match file.status {
            StatusCode::BAD_REQUEST => StatusCode::UNPROCESSABLE_ENTITY,
            other => other,
        };
        assert_eq!(page.status, expected, "{}: {}", file.name, page.html);
        if expected != StatusCode::OK {
            assert!(page.html.contains("未导入"), "{}: {}", file.name, page.html);
            assert!(page.html.contains("id=\"upload-error\""), "{}", file.name);
            assert_eq!(app.row_count("evaluations").await, before, "{}", file.name);
        }
        assert_eq!(browser.get(&app, "/healthz").await.status, StatusCode::OK, "after {}", file.name);
    }
    app.stop().await;
}

async fn the_calendar_page_refuses_a_placeholder_year_and_says_why(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut browser = app.browser_as("admin").await;
    let years = app.count("SELECT COUNT(*) FROM calendar_years").await;
    for (file, needle) in [
        ("holiday/2027-placeholder.json", "没有任何日期"),
        ("holiday/no-source.json", "papers 为空"),
        ("holiday/duplicate-dates.json", "重复"),
        ("holiday/nul-name.json", "控制字符"),
    ] {
        let shown = browser.get(&app, "/admin/calendar").await;
        let token = form_csrf(&shown.html, "/admin/calendar/import");
        let (content_type, body) =
            multipart(&[("csrf_token", &token), ("year", "2027")], "2027.json", "application/json", &corpus(file));
        let page = post(&browser, &app, "/admin/calendar/import", content_type, body).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{file}: {}", page.html);
        assert!(page.html.contains(needle), "{file}: {}", page.html);
        assert!(page.html.contains("暂定") || !file.contains("placeholder"), "{file}");
    }
    // Over the upload limit of the calendar form.
    let shown = browser.get(&app, "/admin/calendar").await;
    let token = form_csrf(&shown.html, "/admin/calendar/import");
    let huge = format!("{{\"year\":2027,\"papers\":[],\"days\":[],\"pad\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let (content_type, body) =
        multipart(&[("csrf_token", &token), ("year", "2027")], "2027.json", "application/json", huge.as_bytes());
    let page = post(&browser, &app, "/admin/calendar/import", content_type, body).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.count("SELECT COUNT(*) FROM calendar_years").await, years);
    app.stop().await;
}
