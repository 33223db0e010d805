//! Delivery of the outbox: each due message is leased, sent, and marked delivered; a failure is retried with
//! exponential backoff (30 s doubling up to an hour) until it succeeds. The inbox write and its mark happen in
//! one transaction, and the inbox keys on the outbox id, so a user never sees a message twice. External
//! senders may repeat a message after a crash between sending and marking; each carries its outbox id so the
//! receiving gateway can drop the repeat (mail carries it in a Message-ID that is the same on every retry).
//! A permanent refusal (an SMTP 5xx) is retried only hourly: it needs a person to fix the address or the
//! relay, after which the message still goes out.

use chrono::{DateTime, Duration, Utc};
use hcp_store::outbox::{self, Message};
use hcp_store::{ms, tickets};
use serde_json::json;

use crate::app::jobs::smtp;
use crate::app::state::AppState;

const BATCH: i64 = 50;
/// How long a claimed message is reserved for the process delivering it.
const LEASE_SECONDS: i64 = 120;

/// The longest wait between two attempts, and the wait after a permanent refusal.
const MAX_BACKOFF_SECONDS: i64 = 3600;

fn backoff(attempts: i64) -> Duration {
    Duration::seconds((30i64 << attempts.clamp(0, 7)).min(MAX_BACKOFF_SECONDS))
}

/// A failed delivery: what went wrong (kept with the message) and whether retrying soon can help.
struct Failure {
    error: String,
    permanent: bool,
}

impl From<String> for Failure {
    fn from(error: String) -> Self {
        Failure { error, permanent: false }
    }
}

impl From<&str> for Failure {
    fn from(error: &str) -> Self {
        error.to_owned().into()
    }
}

impl From<smtp::SendError> for Failure {
    fn from(error: smtp::SendError) -> Self {
        Failure { error: error.message, permanent: error.permanent }
    }
}

/// Delivers what is due now; returns how many messages were delivered.
pub async fn deliver_due(state: &AppState) -> hcp_store::Result<usize> {
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let batch =
        outbox::claim_due(&mut tx, state.store().backend(), ms(now), ms(now + Duration::seconds(LEASE_SECONDS)), BATCH)
            .await?;
    tx.commit().await?;
    let mut delivered = 0;
    for message in batch {
        let result = match message.sender.as_str() {
            "inbox" => deliver_inbox(state, &message, now).await.map_err(Failure::from),
            sender => send_external(state, sender, &message, now).await,
        };
        let mut tx = state.store().begin().await?;
        match result {
            Ok(()) => {
                if message.sender != "inbox" {
                    outbox::mark_delivered(&mut tx, message.id, ms(now)).await?;
                }
                delivered += 1;
            }
            Err(Failure { error, permanent }) => {
                let retry = if permanent {
                    tracing::error!(id = message.id, sender = %message.sender, %error, "notification refused; will retry hourly");
                    now + Duration::seconds(MAX_BACKOFF_SECONDS)
                } else {
                    tracing::warn!(id = message.id, sender = %message.sender, %error, "notification not delivered; will retry");
                    now + backoff(message.attempts)
                };
                outbox::mark_failed(&mut tx, message.id, &error, ms(retry)).await?;
            }
        }
        tx.commit().await?;
    }
    Ok(delivered)
}

async fn deliver_inbox(state: &AppState, message: &Message, now: DateTime<Utc>) -> Result<(), String> {
    let user = user_of(&message.recipient).ok_or_else(|| format!("收件人无法识别：{}", message.recipient))?;
    let attempt = async {
        let mut tx = state.store().begin().await?;
        outbox::deliver_to_inbox(&mut tx, message, user).await?;
        outbox::mark_delivered(&mut tx, message.id, ms(now)).await?;
        tx.commit().await?;
        Ok::<_, hcp_store::StoreError>(())
    };
    attempt.await.map_err(|e| e.to_string())
}

fn user_of(recipient: &str) -> Option<i64> {
    recipient.strip_prefix("user:")?.parse().ok()
}

/// The JSON a file line or a webhook carries. Citizens' phones are opened only here, at the moment of sending.
async fn payload(state: &AppState, message: &Message) -> Result<serde_json::Value, String> {
    let to = match message.recipient.strip_prefix("citizen:") {
        Some(ticket) => {
            let ticket: i64 = ticket.parse().map_err(|_| "收件人无法识别".to_string())?;
            let mut conn = state.store().reader().await.map_err(|e| e.to_string())?;
            let (key_id, sealed, context) = tickets::citizen_phone(&mut conn, ticket)
                .await
                .map_err(|e| e.to_string())?
                .ok_or("群众未留联系电话")?;
            json!({"kind": "citizen", "phone": state.key().decrypt(&key_id, &sealed, context).map_err(|e| e.to_string())?})
        }
        None => json!({"kind": "user", "user_id": user_of(&message.recipient)}),
    };
    Ok(json!({
        "id": message.id,
        "to": to,
        "subject": message.subject,
        "text": message.body,
        "ticket_id": message.ticket_id,
        "created_at": crate::app::views::local_time(message.created_at).map_err(|e| e.to_string())?,
    }))
}

/// POSTs `body` as JSON; any answer but 2xx is a failure for the outbox to retry. `what` names the receiver in
/// the error kept with the message.
pub(crate) async fn post_json(
    url: &str,
    body: &serde_json::Value,
    timeout_secs: u64,
    what: &str,
) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(timeout_secs))
        .build()
        .map_err(|e| e.to_string())?;
    let response = client.post(url).json(body).send().await.map_err(|e| e.to_string())?;
    if response.status().is_success() { Ok(()) } else { Err(format!("{what} 返回 {}", response.status())) }
}

async fn send_external(state: &AppState, sender: &str, message: &Message, now: DateTime<Utc>) -> Result<(), Failure> {
    let notify = &state.config().notify;
    match sender {
        "file" => Ok(append_line(state, &payload(state, message).await?).await?),
        "webhook" => {
            let url = &notify.webhook.as_ref().ok_or("未配置 [notify.webhook]")?.url;
            Ok(post_json(url, &payload(state, message).await?, 10, "webhook").await?)
        }
        crate::app::upward::SENDER => Ok(crate::app::upward::send(state, message).await?),
        "smtp" => {
            let smtp_config = notify.smtp.as_ref().ok_or("未配置 [notify.smtp]")?;
            let from = smtp::sender(&smtp_config.from)?;
            let id = smtp::message_id(state.key(), message, &from);
            let mail = smtp::build(&from, &message.recipient, &message.subject, &message.body, id, now)?;
            Ok(smtp::send(&smtp_config.server, &mail).await?)
        }
        other => Err(format!("未知的通知方式 {other}").into()),
    }
}

/// Appends one JSON line to the notification file (0600: it holds phone numbers for the SMS gateway).
async fn append_line(state: &AppState, value: &serde_json::Value) -> Result<(), String> {
    let path = state.config().notify_file();
    let line = format!("{value}\n");
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path).map_err(|e| format!("无法写入 {}：{e}", path.display()))?;
        file.write_all(line.as_bytes()).and_then(|_| file.sync_data()).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Delivers on every wake-up after a commit, and at least every `delivery_seconds` for retries.
pub async fn run(state: AppState) {
    let seconds = state.config().scheduler.delivery_seconds.max(1);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(seconds)) => {}
            _ = state.delivery_woken() => {}
        }
        if let Err(err) = deliver_due(&state).await {
            tracing::error!(error = %err, "notification delivery failed; will retry");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(0), Duration::seconds(30));
        assert_eq!(backoff(1), Duration::seconds(60));
        assert_eq!(backoff(5), Duration::seconds(960));
        assert_eq!(backoff(20), Duration::seconds(3600));
    }
}
