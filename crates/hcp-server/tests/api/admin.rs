//! The administrator edits, deactivates and reactivates the organisation over the API on both backends: every
//! change is in the record's history with the values before and after; nothing is deleted; a closed window
//! refuses new evaluations and says where to go; a deactivated staff member's open tickets stay answerable.

use hcp_testkit::{Backend, BadReview, TestApp, code};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    edits_are_kept_in_the_history_and_deactivating_a_parent_names_its_children,
    a_closed_window_refuses_evaluations_and_says_where_to_go,
    a_replacement_order_is_carried_out_by_the_administrator_and_recorded_on_the_order,
);

async fn send(app: &TestApp, method: Method, path: &str, auth: &str, body: Option<Value>) -> (StatusCode, Value) {
    app.send(method, path, Some(auth), &[], body.as_ref()).await
}

fn changes(history: &Value) -> Vec<String> {
    history
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["changes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()))
        .collect()
}

async fn edits_are_kept_in_the_history_and_deactivating_a_parent_names_its_children(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let rename = json!({"name": "市场主体登记综合窗口", "department_code": "SCJG", "head_staff_no": "S001"});
    let (status, window) = send(&app, Method::PUT, "/api/v1/admin/windows/W-SC-01", &admin, Some(rename.clone())).await;
    assert_eq!(status, StatusCode::OK, "{window}");
    assert_eq!((window["name"].as_str(), window["deactivated_at"].as_i64()), (Some("市场主体登记综合窗口"), None));

    let (status, history) = app.get("/api/v1/admin/windows/W-SC-01/history", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    assert_eq!(history[0]["action_label"], json!("修改"));
    assert_eq!(changes(&history), ["名称：市场主体登记窗口 → 市场主体登记综合窗口"], "unchanged fields are not listed");

    // Bad input: readable field errors; another role: refused.
    let bad = json!({"name": " ", "department_code": "NOPE", "head_staff_no": "S101"});
    let (status, body) = send(&app, Method::PUT, "/api/v1/admin/windows/W-SC-01", &admin, Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields = body["error"]["fields"].as_object().unwrap();
    assert!(
        fields.contains_key("name") && fields.contains_key("department_code") && fields.contains_key("head_staff_no")
    );
    let supervisor = app.login("supervisor").await;
    let (status, _) = send(&app, Method::PUT, "/api/v1/admin/windows/W-SC-01", &supervisor, Some(rename)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = send(&app, Method::DELETE, "/api/v1/admin/windows/W-NONE", &admin, None).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));

    // Deactivating what still has active children is refused, naming them (no cascade).
    let (status, body) = send(&app, Method::DELETE, "/api/v1/admin/org-units/JK", &admin, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("九站街道便民服务中心（JK-JZ）") && message.contains("市场监督管理局（SCJG）"),
        "{message}"
    );
    let (status, body) = send(&app, Method::DELETE, "/api/v1/admin/departments/SCJG", &admin, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["error"]["message"].as_str().unwrap().contains("市场主体登记综合窗口（W-SC-01）"), "{body}");

    // A service item: edited, deactivated (cases for it refused), reactivated; the record stays throughout.
    let item = json!({"name": "企业设立登记（含分支机构）", "department_code": "SCJG"});
    let (status, body) = send(&app, Method::PUT, "/api/v1/admin/service-items/QYSL", &admin, Some(item)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = send(&app, Method::DELETE, "/api/v1/admin/service-items/QYSL", &admin, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["deactivated_at"].as_i64().is_some());
    let case = json!({"case_no": "C-900", "item_code": "QYSL", "window_code": "W-SC-01",
        "accepted_at": "2026-10-12T09:00:00+08:00"});
    let (status, body) = app.post("/api/v1/admin/cases", Some(&admin), &case).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["fields"]["item_code"], json!("该事项已停用"));
    let (status, body) = send(&app, Method::DELETE, "/api/v1/admin/service-items/QYSL", &admin, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "twice: {body}");
    let (status, body) =
        send(&app, Method::PATCH, "/api/v1/admin/service-items/QYSL", &admin, Some(json!({"active": true}))).await;
    assert_eq!((status, body["deactivated_at"].as_i64()), (StatusCode::OK, None), "{body}");
    let (_, history) = app.get("/api/v1/admin/service-items/QYSL/history", Some(&admin)).await;
    let labels: Vec<_> = history.as_array().unwrap().iter().map(|e| e["action_label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["修改", "停用", "启用"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM service_items WHERE code = 'QYSL'").await, 1);
    let audited = app
        .count("SELECT COUNT(*) FROM audit_log WHERE action = 'service_item.update' AND details LIKE '%after%before%'")
        .await;
    assert_eq!(audited, 1, "the change is audited with the values before and after");
}

async fn a_closed_window_refuses_evaluations_and_says_where_to_go(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let receipt = app.bad_review(BadReview::default()).await;

    // S002 leaves: deactivated, can no longer be chosen, but their open ticket is answered by the window head.
    let (status, body) = send(&app, Method::DELETE, "/api/v1/admin/staff/S002", &admin, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app.evaluate(BadReview::default().body()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["staff_no"].as_str().unwrap().contains("不在岗"), "{body}");
    // Nor can they be named on a complaint or a dispatch.
    let operator = app.login("hotline_operator").await;
    let complaint = json!({"channel": "phone", "department_code": "SCJG", "content": "办理很慢"});
    let mut naming = complaint.clone();
    naming["staff_no"] = json!("S002");
    let (status, body) = app.post("/api/v1/complaints", Some(&operator), &naming).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["staff_no"].as_str().unwrap().contains("不在岗"), "{body}");
    let (status, registered) = app.post("/api/v1/complaints", Some(&operator), &complaint).await;
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    let dispatch = format!("/api/v1/tickets/{}/dispatch", registered["ticket_id"]);
    let (status, body) =
        app.post(&dispatch, Some(&operator), &json!({"window_code": "W-SC-01", "staff_no": "S002"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["staff_no"].as_str().unwrap().contains("已不在岗"), "{body}");

    let head = app.login("window_head").await;
    let verify = json!({"classification": "immediate", "finding": "态度生硬，已当面致歉"});
    let (status, ticket) = app.post(&format!("/api/v1/tickets/{}/verify", receipt.ticket), Some(&head), &verify).await;
    assert_eq!(status, StatusCode::OK, "{ticket}");

    // The window still has 王芳 on duty: closing it is refused until she moves.
    let closing = "/api/v1/admin/windows/W-SC-01";
    let (status, body) = send(&app, Method::DELETE, closing, &admin, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["error"]["message"].as_str().unwrap().contains("王芳（S001）"), "{body}");
    let moved = json!({"name": "王芳", "window_code": "W-JZ-01"});
    let (status, staff) = send(&app, Method::PUT, "/api/v1/admin/staff/S001", &admin, Some(moved)).await;
    assert_eq!(status, StatusCode::OK, "{staff}");
    let (_, window) = app.get("/api/v1/admin/windows", Some(&admin)).await;
    let w1 = window.as_array().unwrap().iter().find(|w| w["code"] == "W-SC-01").unwrap().clone();
    assert_eq!(w1["head_staff_id"], Value::Null, "a head who leaves stops being head");

    // Closing needs a destination for the citizens.
    let (status, body) = send(&app, Method::DELETE, closing, &admin, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["replacement_window_code"].is_string());
    let query = format!("{closing}?replacement_window_code=W-JZ-01&note=%E8%AF%B7%E5%88%B0%E4%BA%8C%E6%A5%BC");
    let (status, window) = send(&app, Method::DELETE, &query, &admin, None).await;
    assert_eq!(status, StatusCode::OK, "{window}");
    assert!(window["deactivated_at"].as_i64().is_some());

    let anonymous = BadReview::default().with(json!({"staff_no": null}));
    let (status, body) = app.evaluate(anonymous.body()).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "conflict"), "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("已停止服务") && message.contains("社保医保窗口") && message.contains("请到二楼"),
        "{message}"
    );
    let (status, body) = app.post(&dispatch, Some(&operator), &json!({"window_code": "W-SC-01"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "no dispatch to a closed window: {body}");
    let (_, tree) = app.get("/api/v1/org", None).await;
    assert!(!tree.to_string().contains("W-SC-01"), "the public tree leaves the closed window out");
    let (_, old) = app.get(&format!("/api/v1/tickets/{}", receipt.ticket), Some(&head)).await;
    assert_eq!(old["state"], json!("rectifying"), "what was recorded stays");

    let (status, body) = send(&app, Method::PATCH, closing, &admin, Some(json!({"active": true}))).await;
    assert_eq!((status, body["closed_note"].clone()), (StatusCode::OK, Value::Null), "{body}");
    let (status, body) = app.evaluate(anonymous.body()).await;
    assert_eq!(status, StatusCode::CREATED, "open again: {body}");
    let (_, history) = app.get("/api/v1/admin/windows/W-SC-01/history", Some(&admin)).await;
    let lines = changes(&history);
    assert!(lines.contains(&"替代窗口：社保医保窗口（W-JZ-01）".to_owned()), "{lines:?}");
    let (_, history) = app.get("/api/v1/admin/staff/S001/history", Some(&admin)).await;
    assert_eq!(changes(&history), ["所在窗口：市场主体登记窗口（W-SC-01） → 社保医保窗口（W-JZ-01）"]);
}

/// Issues a 责令更换 order about staff member S002 (as the supervisor) and returns its id.
pub async fn replacement_order(app: &TestApp) -> i64 {
    let supervisor = app.login("supervisor").await;
    let order = json!({"kind": "replacement_order", "level": "staff", "target": "S002", "period": "2026-10",
        "reason": "10月差评集中，责令更换"});
    let (status, issued) = app.post("/api/v1/supervision/orders", Some(&supervisor), &order).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    issued["id"].as_i64().unwrap()
}

async fn a_replacement_order_is_carried_out_by_the_administrator_and_recorded_on_the_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let receipt = app.bad_review(BadReview::default()).await;
    let id = replacement_order(&app).await;
    let admin = app.login("admin").await;
    let (status, orders) = app.get("/api/v1/admin/replacement-orders", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{orders}");
    assert_eq!(orders[0]["order_id"], json!(id));
    assert_eq!(
        (orders[0]["staff_no"].as_str(), orders[0]["current_window"].as_str()),
        (Some("S002"), Some("市场主体登记窗口（W-SC-01）"))
    );
    assert!(orders[0].get("reason").is_none(), "the administrator does not read the order's reasons");
    let head = app.login("window_head").await;
    let (status, _) = app.get("/api/v1/admin/replacement-orders", Some(&head)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let path = format!("/api/v1/admin/replacement-orders/{id}/staff-move");
    let (status, body) = app.post(&path, Some(&admin), &json!({"window_code": "W-SC-01"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "staying put is no move: {body}");
    let (status, body) = app.post(&path, Some(&head), &json!({"window_code": "W-JZ-01"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, moved) = app.post(&path, Some(&admin), &json!({"window_code": "W-JZ-01"})).await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    let text = "李强（S002）由市场主体登记窗口（W-SC-01）调至社保医保窗口（W-JZ-01）";
    assert_eq!(moved["staff_move"], json!(text));
    let (status, body) = app.post(&path, Some(&admin), &json!({})).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "conflict"), "recorded once: {body}");

    // The order shows the move to the supervisor and the heads; the staff history names the order.
    let supervisor = app.login("supervisor").await;
    let (_, orders) = app.get("/api/v1/supervision/orders", Some(&supervisor)).await;
    let order = orders.as_array().unwrap().iter().find(|o| o["id"] == json!(id)).unwrap().clone();
    assert_eq!(order["staff_move"], json!(text), "{order}");
    assert!(order["staff_moved_at"].is_string());
    let dept_head = app.login("dept_head").await;
    let (_, orders) = app.get("/api/v1/supervision/orders", Some(&dept_head)).await;
    assert!(orders.to_string().contains(text), "{orders}");
    let (_, history) = app.get("/api/v1/admin/staff/S002/history", Some(&admin)).await;
    assert_eq!(history.as_array().unwrap().last().unwrap()["action_label"], json!("按督办调岗"));
    assert!(changes(&history).iter().any(|c| c.contains(&format!("第 {id} 号督办"))), "{history}");
    let audited = app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'supervision.staff_move'").await;
    assert_eq!(audited, 1);
    app.run_jobs().await;
    let (_, inbox) = app.get("/api/v1/inbox", Some(&head)).await;
    assert!(inbox.to_string().contains("责令更换已落实"), "{inbox}");

    // The bad review stays with the window it was made at, answered by its head.
    let verify = json!({"classification": "immediate", "finding": "已按督办更换窗口人员"});
    let (status, ticket) = app.post(&format!("/api/v1/tickets/{}/verify", receipt.ticket), Some(&head), &verify).await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
}
