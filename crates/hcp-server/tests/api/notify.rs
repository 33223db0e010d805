//! Notification delivery through every sender against real local servers: an HTTP webhook that fails first
//! (retried with backoff, never lost) and an SMTP relay speaking the protocol over TCP; the inbox never shows
//! a message twice.

use chrono::Duration;
use hcp_server::Config;
use hcp_server::app::accounts::NewAccount;
use hcp_server::app::jobs::delivery::deliver_due;
use hcp_server::config::{SmtpConfig, WebhookConfig};
use hcp_testkit::{Backend, Options, Refusal, SmtpSink, TestApp, flaky_endpoint};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sender_delivers_retries_with_backoff_and_never_duplicates() {
    let (url, hooks) = flaky_endpoint("/hook", 1).await;
    let relay = SmtpSink::start(Refusal::None).await;
    let mut config = Config::default();
    config.notify.senders = vec!["file".into(), "webhook".into(), "smtp".into()];
    config.notify.webhook = Some(WebhookConfig { url });
    config.notify.smtp = Some(SmtpConfig { server: relay.address.clone(), from: "hcp@zwfw.local".into() });
    let app = TestApp::spawn_with(Backend::Sqlite, Options { config, ..Options::default() }).await;
    app.add_user(NewAccount {
        username: "clerk2".into(),
        role: "staff".into(),
        staff_no: Some("S002".into()),
        email: Some("lq@zwfw.local".into()),
        ..Default::default()
    })
    .await;

    // A bad review reaches staff S002 (two accounts: "staff" without an e-mail, "clerk2" with one).
    let (status, _) = app
        .evaluate(json!({"channel": "qrcode", "window_code": "W-SC-01", "staff_no": "S002", "level": 2, "tags": [214]}))
        .await;
    assert_eq!(status, reqwest::StatusCode::CREATED);
    deliver_due(&app.state).await.unwrap();
    // The webhook failed once: its message waits for the backoff, the others went out.
    let mut conn = app.state.store().reader().await.unwrap();
    let pending = hcp_store::outbox::pending(&mut conn).await.unwrap();
    assert!(pending >= 1, "the failed webhook message is kept");
    let (attempts, error): (i64, Option<String>) = hcp_store::sqlx::query_as(
        "SELECT attempts, last_error FROM outbox WHERE delivered_at IS NULL AND sender = 'webhook' ORDER BY id LIMIT 1",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(attempts, 1);
    assert!(error.unwrap().contains("500"));
    drop(conn);
    assert_eq!(deliver_due(&app.state).await.unwrap(), 0, "not retried before the backoff ends");
    app.clock.advance(Duration::seconds(31));
    deliver_due(&app.state).await.unwrap();
    let mut conn = app.state.store().reader().await.unwrap();
    assert_eq!(hcp_store::outbox::pending(&mut conn).await.unwrap(), 0, "delivered in the end");
    drop(conn);

    let hooks = hooks.lock().unwrap().clone();
    assert!(hooks.iter().any(|h| h["subject"].as_str().unwrap().starts_with("新工单待处理")), "{hooks:?}");
    let ids: Vec<i64> = hooks.iter().map(|h| h["id"].as_i64().unwrap()).collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique, "each message carries its outbox id once");
    let mails = relay.received();
    assert_eq!(mails.len(), 1, "only the user with an e-mail address gets mail: {mails:?}");
    assert_eq!(mails[0].rcpt_to, vec!["lq@zwfw.local".to_owned()]);
    let mail = mail_parser::MessageParser::default().parse(mails[0].data.as_bytes()).unwrap();
    assert!(mail.subject().unwrap().starts_with("新工单待处理"), "{:?}", mail.subject());
    let file = std::fs::read_to_string(app.data_dir().join("notifications.jsonl")).unwrap();
    assert_eq!(file.lines().count(), 3, "window head, staff and clerk2 each get one line: {file}");

    // Redelivering an inbox message (a crash after sending, before marking) adds nothing.
    let clerk = app.login("clerk2").await;
    let (_, inbox) = app.get("/api/v1/inbox", Some(&clerk)).await;
    assert_eq!(inbox["total"], json!(1));
    let mut tx = app.state.store().begin().await.unwrap();
    hcp_store::sqlx::query("UPDATE outbox SET delivered_at = NULL, next_attempt_at = 0 WHERE sender = 'inbox'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    deliver_due(&app.state).await.unwrap();
    let (_, inbox) = app.get("/api/v1/inbox", Some(&clerk)).await;
    assert_eq!(inbox["total"], json!(1));
    let id = inbox["items"][0]["id"].as_i64().unwrap();
    let response =
        app.client.post(app.url(&format!("/api/v1/inbox/{id}/read"))).header("cookie", &clerk).send().await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::NO_CONTENT);
    let (_, unread) = app.get("/api/v1/inbox?unread=true", Some(&clerk)).await;
    assert_eq!(unread["total"], json!(0));
}
