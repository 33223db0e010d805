//! End-to-end API tests against the real server, on SQLite and (when asked for) PostgreSQL.

use hcp_testkit::{Backend, TestApp, code};
use reqwest::StatusCode;
use serde_json::{Value, json};

hcp_store::on_both_backends!(
    health_docs_and_unknown_routes,
    calendar_answers_deadlines_and_workdays,
    org_tree_is_public_and_admin_builds_it,
    every_channel_is_taken_and_bad_reviews_become_tickets,
    registered_channels_need_an_operator_or_registrar,
    one_evaluation_per_case_and_one_follow_up,
    idempotency_key_replays_the_original_response,
    bad_input_gets_field_errors_and_nothing_is_written,
    evaluator_identity_is_masked_or_hidden_by_role,
    lists_are_scoped_to_the_caller,
    complaints_become_tickets_wherever_the_target_is_known,
    sessions_tokens_and_logout,
    import_reports_rows_and_is_idempotent,
    concurrent_submissions_all_land_in_one_chain,
    everything_survives_a_restart,
    a_refusal_inside_intake_reaches_the_client_with_its_code,
);

async fn health_docs_and_unknown_routes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, body) = app.get("/healthz", None).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (status, doc) = app.get("/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/evaluations",
        "/api/v1/complaints",
        "/api/v1/calendar/deadline",
        "/api/v1/org",
        "/api/v1/session",
        "/api/v1/tickets/{id}/appeal/decision",
        "/api/v1/tickets/{id}/attachments",
        "/api/v1/track/{code}/rating",
        "/api/v1/misconduct-reports",
        "/api/v1/inbox",
        "/api/v1/demo/clock",
        "/api/v1/admin/calendar/local-days/{date}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing from the OpenAPI document");
    }
    let docs = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("swagger"));
    let (status, body) = app.get("/api/v1/nothing-here", None).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    let response = app.client.put(app.url("/api/v1/org")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

async fn calendar_answers_deadlines_and_workdays(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, body) =
        app.get("/api/v1/calendar/deadline?from=2024-09-27T15:00:00%2B08:00&working_days=2", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"deadline": "2024-09-30T23:59:59+08:00", "provisional": false}));
    let (_, body) = app.get("/api/v1/calendar/deadline?from=2027-03-01T09:00:00Z&working_days=3", None).await;
    assert_eq!(body["provisional"], json!(true));
    let (status, body) = app.get("/api/v1/calendar/workday?date=2024-09-29", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["workday"], json!(true));
    assert_eq!(body["name"], json!("国庆节"));
    let (_, body) = app.get("/api/v1/calendar/workday?date=2024-10-15", None).await;
    assert_eq!((body["workday"].clone(), body["name"].clone()), (json!(true), Value::Null));
    let (status, body) = app.get("/api/v1/calendar/workday?date=yesterday", None).await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "invalid_query"));
    let (status, _) = app.get("/api/v1/calendar/deadline?from=2024-09-27T15:00:00Z&working_days=abc", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn org_tree_is_public_and_admin_builds_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.login("admin").await;
    let (status, _) = app
        .post(
            "/api/v1/admin/org-units",
            Some(&admin),
            &json!({"code": "JK-SJ", "name": "双吉街道便民服务中心", "kind": "street_center", "parent_code": "JK"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = app
        .post(
            "/api/v1/admin/org-units",
            Some(&admin),
            &json!({"code": "JK-SJ", "name": "重复", "kind": "street_center"}),
        )
        .await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "conflict"));
    let (status, body) = app
        .post("/api/v1/admin/org-units", Some(&admin), &json!({"code": "bad code", "name": "", "kind": "castle"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["code", "name", "kind"] {
        assert!(body["error"]["fields"][field].is_string(), "{field}");
    }
    assert_eq!(
        app.post(
            "/api/v1/admin/departments",
            Some(&admin),
            &json!({"code": "SJ-MZ", "name": "民政服务", "org_code": "JK-SJ"})
        )
        .await
        .0,
        StatusCode::CREATED
    );
    assert_eq!(
        app.post(
            "/api/v1/admin/windows",
            Some(&admin),
            &json!({"code": "W-SJ-01", "name": "民政救助窗口", "department_code": "SJ-MZ"})
        )
        .await
        .0,
        StatusCode::CREATED
    );
    assert_eq!(
        app.post(
            "/api/v1/admin/staff",
            Some(&admin),
            &json!({"staff_no": "S201", "name": "孙丽", "window_code": "W-SJ-01", "is_head": true})
        )
        .await
        .0,
        StatusCode::CREATED
    );
    assert_eq!(
        app.post(
            "/api/v1/admin/service-items",
            Some(&admin),
            &json!({"code": "DB", "name": "最低生活保障申请", "department_code": "SJ-MZ"})
        )
        .await
        .0,
        StatusCode::CREATED
    );
    let (status, case) = app
        .post("/api/v1/admin/cases", Some(&admin), &json!({"case_no": "C-SJ-1", "item_code": "DB", "window_code": "W-SJ-01", "staff_no": "S201", "accepted_at": "2026-10-10T09:00:00+08:00"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let (status, _) = app.get("/api/v1/admin/cases", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);

    // Public: no login needed; staff numbers and names, nothing else about people.
    let (status, tree) = app.get("/api/v1/org", None).await;
    assert_eq!(status, StatusCode::OK);
    let root = &tree["org_units"][0];
    assert_eq!(root["code"], json!("JK"));
    assert_eq!(root["kind_label"], json!("政务服务中心"));
    let children: Vec<&str> =
        root["children"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert!(children.contains(&"JK-JZ") && children.contains(&"JK-SJ"), "{children:?}");
    let sj = root["children"].as_array().unwrap().iter().find(|c| c["code"] == json!("JK-SJ")).unwrap();
    assert_eq!(sj["departments"][0]["windows"][0]["staff"][0], json!({"staff_no": "S201", "name": "孙丽"}));

    // Only admins administer.
    let supervisor = app.login("supervisor").await;
    let (status, body) = app.get("/api/v1/admin/org-units", Some(&supervisor)).await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
    let (status, _) = app.get("/api/v1/admin/org-units", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn every_channel_is_taken_and_bad_reviews_become_tickets(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let registrar = app.login("registrar").await;
    let operator = app.login("hotline_operator").await;
    let channels = ["pc", "mobile", "qrcode", "hall_tablet", "hall_terminal", "sms", "phone", "box", "paper"];
    for (i, channel) in channels.iter().enumerate() {
        let auth = match *channel {
            "phone" => Some(operator.as_str()),
            "box" | "paper" => Some(registrar.as_str()),
            _ => None,
        };
        let level = if i % 2 == 0 { 5 } else { 2 };
        let mut body = json!({"channel": channel, "window_code": "W-SC-01", "staff_no": "S002", "level": level,
            "tags": if level == 5 { json!([517]) } else { json!([214]) }, "comment": format!("渠道{channel}")});
        if matches!(*channel, "box" | "paper") {
            body["evaluated_at"] = json!("2026-10-09");
        }
        let (status, receipt) = app.post("/api/v1/evaluations", auth, &body).await;
        assert_eq!(status, StatusCode::CREATED, "{channel}: {receipt}");
        assert!(receipt["tracking_code"].as_str().unwrap().starts_with('E'));
        assert_eq!(receipt["query_password"].as_str().unwrap().len(), 6);
        assert_eq!(receipt["ticket_id"].is_i64(), level == 2, "{channel}");
    }
    let supervisor = app.login("supervisor").await;
    let (_, list) = app.get("/api/v1/evaluations?per_page=50", Some(&supervisor)).await;
    assert_eq!(list["total"], json!(9));
    // The evaluated window is known, so each bad review reached it at once with its clocks running.
    let (_, tickets) = app.get("/api/v1/tickets?state=dispatched&kind=bad_review", Some(&supervisor)).await;
    assert_eq!(tickets["total"], json!(4));
    assert_eq!(tickets["items"][0]["state_label"], json!("已分派"));
    assert!(tickets["items"][0]["deadlines"]["feedback_by"]["at"].is_string(), "{tickets}");
    let (_, paper) = app.get("/api/v1/evaluations?channel=paper", Some(&supervisor)).await;
    assert_eq!(paper["items"][0]["evaluated_at"], json!("2026-10-09T12:00:00+08:00"));
    assert_eq!(paper["items"][0]["received_at"], json!("2026-10-12T10:00:00+08:00"));
}

async fn registered_channels_need_an_operator_or_registrar(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = json!({"channel": "paper", "window_code": "W-SC-01", "level": 5});
    let (status, error) = app.evaluate(body.clone()).await;
    assert_eq!((status, code(&error)), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    let staff = app.login("staff").await;
    let (status, _) = app.post("/api/v1/evaluations", Some(&staff), &body).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let registrar = app.login("registrar").await;
    assert_eq!(app.post("/api/v1/evaluations", Some(&registrar), &body).await.0, StatusCode::CREATED);
}

async fn one_evaluation_per_case_and_one_follow_up(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, first) = app.evaluate(json!({"channel": "mobile", "case_no": "C-001", "level": 4})).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, body) = app.evaluate(json!({"channel": "pc", "case_no": "C-001", "level": 1, "tags": [115]})).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "already_evaluated"));
    let (status, body) =
        app.evaluate(json!({"channel": "mobile", "case_no": "C-002", "level": 3, "follow_up": true})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["follow_up"].is_string());
    let (status, follow) = app
        .evaluate(json!({"channel": "mobile", "case_no": "C-001", "level": 2, "follow_up": true, "comment": "后来发现证照信息有误"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{follow}");
    assert!(follow["ticket_id"].is_i64());
    let (status, body) =
        app.evaluate(json!({"channel": "mobile", "case_no": "C-001", "level": 5, "follow_up": true})).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "follow_up_exists"));
    // The case brings window and staff with it.
    let supervisor = app.login("supervisor").await;
    let (_, view) = app.get(&format!("/api/v1/evaluations/{}", first["id"]), Some(&supervisor)).await;
    assert_eq!(view["window"]["code"], json!("W-SC-01"));
    assert_eq!(view["staff"]["code"], json!("S002"));
    assert_eq!(view["service_item"]["name"], json!("企业设立登记"));
    let (status, body) =
        app.evaluate(json!({"channel": "mobile", "case_no": "C-003", "staff_no": "S002", "level": 5})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

async fn idempotency_key_replays_the_original_response(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = json!({"channel": "qrcode", "window_code": "W-SC-01", "level": 1, "tags": [113], "comment": "来回跑了三个窗口"});
    let send = |body: Value, key: &'static str| {
        let request = app.client.post(app.url("/api/v1/evaluations")).header("Idempotency-Key", key).json(&body);
        async move {
            let response = request.send().await.unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        }
    };
    let (status, first) = send(body.clone(), "retry-1").await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, again) = send(body.clone(), "retry-1").await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(first, again, "a retry returns the original response, password included");
    let (status, error) = send(json!({"channel": "qrcode", "window_code": "W-SC-01", "level": 5}), "retry-1").await;
    assert_eq!((status, code(&error)), (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused"));
    let supervisor = app.login("supervisor").await;
    let (_, list) = app.get("/api/v1/evaluations", Some(&supervisor)).await;
    assert_eq!(list["total"], json!(1), "never a second record");
    let (_, tickets) = app.get("/api/v1/tickets", Some(&supervisor)).await;
    assert_eq!(tickets["total"], json!(1));
}

async fn bad_input_gets_field_errors_and_nothing_is_written(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, body) = app.evaluate(json!({"channel": "fax", "level": 9, "comment": "很".repeat(2001)})).await;
    assert_eq!((status, code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"));
    for field in ["channel", "case_no", "level", "comment"] {
        assert!(body["error"]["fields"][field].is_string(), "{field}: {body}");
    }
    assert!(body["error"]["message"].as_str().unwrap().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
    let (status, body) = app.evaluate(json!({"channel": "pc", "window_code": "NOPE", "level": 5})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["window_code"].as_str().unwrap().contains("不存在"));
    let (status, body) = app.evaluate(json!({"channel": "pc", "window_code": "W-SC-01", "level": "five"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["level"].is_string(), "{body}");
    let (status, body) =
        app.evaluate(json!({"channel": "pc", "window_code": "W-SC-01", "level": 5, "surprise": 1})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let response = app
        .client
        .post(app.url("/api/v1/evaluations"))
        .header("content-type", "application/json")
        .body("{\"channel\":")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(code(&response.json().await.unwrap()), "invalid_json");
    let response = app.client.post(app.url("/api/v1/evaluations")).body("level=5").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = json!({"channel": "pc", "window_code": "W-SC-01", "level": 5, "comment": "x".repeat(200_000)});
    let (status, body) = app.evaluate(huge).await;
    assert_eq!((status, code(&body)), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"));
    let (status, body) = app
        .evaluate(json!({"channel": "pc", "window_code": "W-SC-01", "level": 4, "evaluator": {"phone": "12", "id_no": "123"}}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["fields"]["evaluator.phone"].is_string()
            && body["error"]["fields"]["evaluator.id_no"].is_string()
    );
    let supervisor = app.login("supervisor").await;
    let (_, list) = app.get("/api/v1/evaluations", Some(&supervisor)).await;
    assert_eq!(list["total"], json!(0), "no half-written record");
    app.assert_audit_clean().await;
}

async fn evaluator_identity_is_masked_or_hidden_by_role(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, receipt) = app
        .evaluate(json!({"channel": "mobile", "case_no": "C-002", "level": 2, "tags": [214],
            "evaluator": {"name": "张三丰", "phone": "13812341234", "id_no": "11010519491231002X", "kind": "personal"}}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    let path = format!("/api/v1/evaluations/{}", receipt["id"]);
    let supervisor = app.login("supervisor").await;
    let (_, view) = app.get(&path, Some(&supervisor)).await;
    assert_eq!(view["evaluator"]["phone"], json!("138****1234"));
    assert_eq!(view["evaluator"]["name"], json!("张**"));
    assert_eq!(view["evaluator"]["id_no"], json!("1101**********002X"));
    for role in ["staff", "window_head", "dept_head"] {
        let cookie = app.login(role).await;
        let (status, view) = app.get(&path, Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "{role}");
        assert!(view.get("evaluator").is_none(), "{role} must not see who evaluated: {view}");
        assert!(!view.to_string().contains("1234"), "{role}");
    }
    let admin = app.login("admin").await;
    assert_eq!(app.get(&path, Some(&admin)).await.0, StatusCode::FORBIDDEN);
    // Nothing in clear at rest (SQLite: the file itself; PostgreSQL: the rows).
    if app.backend() == Backend::Sqlite {
        let mut bytes = Vec::new();
        for entry in std::fs::read_dir(app.data_dir()).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().unwrap().to_string_lossy().starts_with("hcp.db") {
                bytes.extend(std::fs::read(path).unwrap());
            }
        }
        assert!(!bytes.windows(11).any(|w| w == b"13812341234"));
        assert!(!bytes.windows("张三丰".len()).any(|w| w == "张三丰".as_bytes()));
    }
}

async fn lists_are_scoped_to_the_caller(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (window, staff) in [("W-SC-01", "S002"), ("W-SC-01", "S001"), ("W-JZ-01", "S101")] {
        let (status, _) = app
            .evaluate(json!({"channel": "qrcode", "window_code": window, "staff_no": staff, "level": 1, "tags": [115]}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let totals = [("supervisor", 3), ("dept_head", 2), ("window_head", 2), ("staff", 1), ("street_registrar", 1)];
    for (role, expected) in totals {
        let cookie = app.login(role).await;
        let (status, list) = app.get("/api/v1/evaluations", Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["total"], json!(expected), "{role}");
        let (_, tickets) = app.get("/api/v1/tickets", Some(&cookie)).await;
        assert_eq!(tickets["total"], json!(expected), "{role} tickets");
    }
    let supervisor = app.login("supervisor").await;
    let (_, street) = app.get("/api/v1/evaluations?org=JK-JZ", Some(&supervisor)).await;
    assert_eq!(street["total"], json!(1));
    let street_registrar = app.login("street_registrar").await;
    let (status, _) = app.get("/api/v1/evaluations?org=JK", Some(&street_registrar)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an org outside the scope is not revealed");
    let (_, page) = app.get("/api/v1/evaluations?per_page=2&page=2", Some(&supervisor)).await;
    assert_eq!((page["items"].as_array().unwrap().len(), page["page"].clone()), (1, json!(2)));
    let (_, by_level) = app.get("/api/v1/evaluations?level=5", Some(&supervisor)).await;
    assert_eq!(by_level["total"], json!(0));
    let (_, period) = app.get("/api/v1/evaluations?from=2026-10-12&to=2026-10-12", Some(&supervisor)).await;
    assert_eq!(period["total"], json!(3));
    let (_, before) = app.get("/api/v1/evaluations?to=2026-10-11", Some(&supervisor)).await;
    assert_eq!(before["total"], json!(0));
}

async fn complaints_become_tickets_wherever_the_target_is_known(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, receipt) = app
        .post("/api/v1/complaints", None, &json!({"channel": "online", "window_code": "W-JZ-01", "content": "窗口午休时间提前关闭", "contact": {"phone": "13900001111"}}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    assert!(receipt["tracking_code"].as_str().unwrap().starts_with('C'));
    let (status, _) = app.post("/api/v1/complaints", None, &json!({"channel": "phone", "content": "电话投诉"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let operator = app.login("hotline_operator").await;
    let (status, unknown) = app
        .post(
            "/api/v1/complaints",
            Some(&operator),
            &json!({"channel": "phone", "content": "不记得是哪个窗口，态度很差"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = app
        .post(
            "/api/v1/complaints",
            Some(&operator),
            &json!({"channel": "box", "staff_no": "S101", "window_code": "W-SC-01", "content": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let supervisor = app.login("supervisor").await;
    let (_, list) = app.get("/api/v1/tickets?kind=complaint", Some(&supervisor)).await;
    assert_eq!(list["total"], json!(2));
    let (_, ticket) = app.get(&format!("/api/v1/tickets/{}", unknown["ticket_id"]), Some(&supervisor)).await;
    assert_eq!(ticket["org_unit"], Value::Null);
    let street_registrar = app.login("street_registrar").await;
    let (_, street) = app.get("/api/v1/tickets", Some(&street_registrar)).await;
    assert_eq!(street["total"], json!(1), "the complaint about the street window reaches the street");
    let (status, _) = app.get(&format!("/api/v1/tickets/{}", unknown["ticket_id"]), Some(&street_registrar)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn sessions_tokens_and_logout(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, body) =
        app.post("/api/v1/session", None, &json!({"username": "staff", "password": "wrong-password"})).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
    let (status, body) =
        app.post("/api/v1/session", None, &json!({"username": "nobody", "password": "wrong-password"})).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": "window_head", "password": hcp_testkit::PASSWORD}))
        .send()
        .await
        .unwrap();
    let set_cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let (status, me) = app.get("/api/v1/me", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["role"], json!("window_head"));
    assert_eq!(me["staff_no"], json!("S001"));
    assert_eq!(me["scope"]["kind"], json!("window"));
    assert_eq!(me["scope"]["code"], json!("W-SC-01"));
    // People do not create tokens; an integration account's token is issued by the system administrator.
    let (status, _) = app.post("/api/v1/tokens", Some(&cookie), &json!({"name": "窗口叫号系统"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let bearer = app.integration_token("窗口叫号系统").await;
    let response = app.client.get(app.url("/api/v1/me")).bearer_auth(&bearer).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.client.get(app.url("/api/v1/me")).bearer_auth("not-a-token").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = app.client.delete(app.url("/api/v1/session")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/me", Some(&cookie)).await.0, StatusCode::UNAUTHORIZED);
    // Sessions expire on the injected clock.
    let cookie = app.login("staff").await;
    app.clock.advance(chrono::Duration::hours(13));
    assert_eq!(app.get("/api/v1/me", Some(&cookie)).await.0, StatusCode::UNAUTHORIZED);
}

async fn import_reports_rows_and_is_idempotent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let csv = "\u{feff}渠道,窗口编号,工号,评价等级,评价标签,评价内容,评价人姓名,联系电话,评价日期\n\
               纸质评价表,W-SC-01,S002,5,517,很好,,,2026-10-10\n\
               意见箱,W-SC-01,,不满意,214,态度生硬,刘洋,13700001111,2026-10-09\n\
               纸质评价表,W-NONE,,5,,,,,2026-10-10\n\
               纸质评价表,W-SC-01,,7,,,,,2026-10-10\n\
               纸质评价表,W-SC-01,,5,,,,,2026-11-30\n\
               纸质评价表,W-SC-01,S002,5,517,很好,,,2026-10-10\n";
    let registrar = app.login("registrar").await;
    let upload = |cookie: &str| {
        app.client
            .post(app.url("/api/v1/evaluations/import?filename=forms.csv"))
            .header("cookie", cookie)
            .header("content-type", "text/csv")
            .body(csv.as_bytes().to_vec())
            .send()
    };
    let response = upload(&registrar).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["rows"], json!(6), "{report}");
    assert_eq!(report["imported"], json!(3), "{report}");
    assert_eq!(report["tickets"], json!(1));
    let rows: Vec<i64> = report["errors"].as_array().unwrap().iter().map(|e| e["row"].as_i64().unwrap()).collect();
    assert_eq!(rows, vec![4, 5, 6], "{report}");
    let again: Value = upload(&registrar).await.unwrap().json().await.unwrap();
    assert_eq!((again["imported"].clone(), again["duplicates"].clone()), (json!(0), json!(3)), "{again}");
    let staff = app.login("staff").await;
    assert_eq!(upload(&staff).await.unwrap().status(), StatusCode::FORBIDDEN);
    let response = app
        .client
        .post(app.url("/api/v1/evaluations/import"))
        .header("cookie", &registrar)
        .header("content-type", "application/pdf")
        .body("%PDF")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let supervisor = app.login("supervisor").await;
    let (_, list) = app.get("/api/v1/evaluations", Some(&supervisor)).await;
    assert_eq!(list["total"], json!(3));
}

async fn concurrent_submissions_all_land_in_one_chain(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let operator = app.login("hotline_operator").await;
    let mut tasks = Vec::new();
    for i in 0..120 {
        let client = app.client.clone();
        let url = app.url("/api/v1/evaluations");
        let cookie = operator.clone();
        tasks.push(tokio::spawn(async move {
            let level = if i % 10 == 0 { 1 } else { 5 };
            let response = client
                .post(url)
                .header("cookie", cookie)
                .json(&json!({"channel": "phone", "window_code": "W-SC-01", "level": level, "comment": format!("来电{i}")}))
                .send()
                .await
                .unwrap();
            response.status()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::CREATED);
    }
    let supervisor = app.login("supervisor").await;
    let (_, list) = app.get("/api/v1/evaluations", Some(&supervisor)).await;
    assert_eq!(list["total"], json!(120));
    let (_, tickets) = app.get("/api/v1/tickets", Some(&supervisor)).await;
    assert_eq!(tickets["total"], json!(12));
    app.assert_audit_clean().await;
}

async fn everything_survives_a_restart(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, receipt) = app
        .evaluate(json!({"channel": "pc", "case_no": "C-002", "level": 1, "tags": [110],
        "evaluator": {"name": "周杰", "phone": "13600002222"}}))
        .await;
    let app = app.restart().await;
    let supervisor = app.login("supervisor").await;
    let (status, view) = app.get(&format!("/api/v1/evaluations/{}", receipt["id"]), Some(&supervisor)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["evaluator"]["phone"], json!("136****2222"), "the key file is reused after a restart");
    assert_eq!(view["ticket_id"], receipt["ticket_id"]);
    let (status, body) = app.evaluate(json!({"channel": "pc", "case_no": "C-002", "level": 5})).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "already_evaluated"));
}

/// A refusal raised by a use case that intake calls — here the lifecycle refusing to dispatch a ticket that, by
/// another hand, is no longer registered — reaches the client with its own code and status (not 500), and
/// nothing of the refused submission is kept.
async fn a_refusal_inside_intake_reaches_the_client_with_its_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Every new ticket turns up closed at once, as if another process had moved it on.
    let statements: &[&'static str] = match backend {
        Backend::Sqlite => &["CREATE TRIGGER close_new_ticket AFTER INSERT ON tickets BEGIN \
             UPDATE tickets SET state = 'closed', facts = '{\"state\":\"closed\"}' WHERE id = NEW.id; END"],
        Backend::Postgres => &[
            "CREATE FUNCTION close_new_ticket() RETURNS trigger AS $$ BEGIN \
             UPDATE tickets SET state = 'closed', facts = '{\"state\":\"closed\"}' WHERE id = NEW.id; \
             RETURN NULL; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER close_new_ticket AFTER INSERT ON tickets FOR EACH ROW EXECUTE FUNCTION close_new_ticket()",
        ],
    };
    let mut tx = app.state.store().begin().await.unwrap();
    for statement in statements {
        hcp_store::sqlx::raw_sql(*statement).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();

    let bad = json!({"channel": "qrcode", "window_code": "W-SC-01", "level": 1, "tags": [115]});
    let (status, body) = app.evaluate(bad).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "invalid_transition"), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("已办结"), "{body}");
    // A good review opens no ticket and goes through; the refused bad review left nothing behind.
    let (status, _) = app.evaluate(json!({"channel": "qrcode", "window_code": "W-SC-01", "level": 5})).await;
    assert_eq!(status, StatusCode::CREATED);
    let supervisor = app.login("supervisor").await;
    let (_, list) = app.get("/api/v1/evaluations", Some(&supervisor)).await;
    assert_eq!(list["total"], json!(1), "{list}");
    let (_, tickets) = app.get("/api/v1/tickets", Some(&supervisor)).await;
    assert_eq!(tickets["total"], json!(0), "{tickets}");
    app.assert_audit_clean().await;
}
