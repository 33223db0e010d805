//! Notification delivery through every sender against real local servers: an HTTP webhook that fails first
//! (retried with backoff, never lost) and an SMTP relay speaking the protocol over TCP; the inbox never shows
//! a message twice.

use std::sync::{Arc, Mutex};

use chrono::Duration;
use hcp_server::Config;
use hcp_server::app::accounts::NewAccount;
use hcp_server::app::jobs::delivery::deliver_due;
use hcp_server::config::{SmtpConfig, WebhookConfig};
use hcp_testkit::{Backend, Options, TestApp, flaky_endpoint};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A tiny SMTP relay recording each message's envelope recipient and data.
async fn smtp_relay() -> (String, Arc<Mutex<Vec<(String, String)>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let store = mails.clone();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 relay ready\r\n").await.unwrap();
                let (mut rcpt, mut data, mut in_data) = (String::new(), String::new(), false);
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            store.lock().unwrap().push((rcpt.clone(), data.clone()));
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let reply: &[u8] = match line.split(':').next().unwrap_or_default() {
                        "EHLO hcp" => b"250-relay\r\n250 8BITMIME\r\n",
                        "RCPT TO" => {
                            rcpt = line.trim_start_matches("RCPT TO:").to_owned();
                            b"250 ok\r\n"
                        }
                        "DATA" => {
                            in_data = true;
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => b"221 bye\r\n",
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (address, mails)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sender_delivers_retries_with_backoff_and_never_duplicates() {
    let (url, hooks) = flaky_endpoint("/hook", 1).await;
    let (relay, mails) = smtp_relay().await;
    let mut config = Config::default();
    config.notify.senders = vec!["file".into(), "webhook".into(), "smtp".into()];
    config.notify.webhook = Some(WebhookConfig { url });
    config.notify.smtp = Some(SmtpConfig { server: relay, from: "hcp@zwfw.local".into() });
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
    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1, "only the user with an e-mail address gets mail: {mails:?}");
    assert_eq!(mails[0].0, "<lq@zwfw.local>");
    assert!(mails[0].1.contains("Subject: =?UTF-8?B?"));
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
