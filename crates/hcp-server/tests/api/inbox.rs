//! The in-app inbox over the API: unread filter, marking one message or all read, a notice about a supervision
//! order naming its order, and another user's message refused.

use hcp_testkit::{Backend, BadReview, TestApp, code};
use reqwest::StatusCode;
use serde_json::{Value, json};

hcp_store::on_both_backends!(messages_are_marked_read_one_by_one_or_all_at_once);

async fn inbox(app: &TestApp, user: &str, query: &str) -> Value {
    let (status, list) = app.get(&format!("/api/v1/inbox{query}"), Some(user)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list
}

async fn messages_are_marked_read_one_by_one_or_all_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ticket = app.bad_review(BadReview::default().comment("等了一个小时")).await.ticket;
    let issued = app.issue_window_order("10月差评集中，请限期整改").await;
    let order_id = issued["id"].as_i64().unwrap();
    app.run_jobs().await;

    let head = app.login("window_head").await;
    let all = inbox(&app, &head, "").await;
    let items = all["items"].as_array().unwrap();
    let about_order = items.iter().find(|m| m["order_id"] == json!(order_id)).unwrap_or_else(|| panic!("{all}"));
    assert!(about_order["subject"].as_str().unwrap().starts_with("督办："), "{about_order}");
    assert_eq!(about_order["ticket_id"], Value::Null);
    let about_ticket = items.iter().find(|m| m["ticket_id"] == json!(ticket)).unwrap_or_else(|| panic!("{all}"));
    assert_eq!(about_ticket["order_id"], Value::Null);
    let total = all["total"].as_i64().unwrap();
    assert!(total >= 2, "{all}");
    assert_eq!(inbox(&app, &head, "?unread=1").await["total"], json!(total));

    // One read: the unread filter leaves it out, reading it twice changes nothing.
    let path = format!("/api/v1/inbox/{}/read", about_order["id"]);
    let (status, _) = app.post(&path, Some(&head), &json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.post(&path, Some(&head), &json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let unread = inbox(&app, &head, "?unread=1").await;
    assert_eq!(unread["total"], json!(total - 1));
    assert!(unread["items"].as_array().unwrap().iter().all(|m| m["read"] == json!(false)), "{unread}");

    // Another user's message is not theirs to mark, and stays unread for its owner.
    let staff = app.login("staff").await;
    let theirs = inbox(&app, &head, "?unread=1").await["items"][0]["id"].as_i64().unwrap();
    let (status, body) = app.post(&format!("/api/v1/inbox/{theirs}/read"), Some(&staff), &json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"), "{body}");
    assert_eq!(inbox(&app, &head, "?unread=1").await["total"], json!(total - 1));
    let staff_unread = inbox(&app, &staff, "?unread=1").await["total"].as_i64().unwrap();
    assert!(staff_unread >= 1, "staff got the new ticket");

    // All at once: the head's rest, and nobody else's.
    let (status, marked) = app.post("/api/v1/inbox/read-all", Some(&head), &json!({})).await;
    assert_eq!((status, marked["marked"].clone()), (StatusCode::OK, json!(total - 1)), "{marked}");
    assert_eq!(inbox(&app, &head, "?unread=1").await["total"], json!(0));
    assert_eq!(inbox(&app, &head, "").await["total"], json!(total), "read messages stay listed");
    assert_eq!(inbox(&app, &staff, "?unread=1").await["total"], json!(staff_unread));
    let (status, marked) = app.post("/api/v1/inbox/read-all", Some(&head), &json!({})).await;
    assert_eq!((status, marked["marked"].clone()), (StatusCode::OK, json!(0)));
    let (status, _) = app.post("/api/v1/inbox/read-all", None, &json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.stop().await;
}
