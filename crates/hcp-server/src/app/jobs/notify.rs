//! Writing notifications into the outbox, inside the caller's transaction. Every user notice goes to the in-app
//! inbox and to the configured extra senders; citizens are reached through the SMS stand-in only if they left a
//! phone number.

use std::collections::BTreeSet;

use hcp_store::users::Recipient;
use hcp_store::{AnyConnection, outbox, tickets};

use crate::config::NotifyConfig;

pub struct Notice {
    pub subject: String,
    pub body: String,
    pub ticket_id: Option<i64>,
    /// The supervision order the notice is about (its inbox entry links there).
    pub order_id: Option<i64>,
}

pub async fn users(
    conn: &mut AnyConnection,
    config: &NotifyConfig,
    recipients: &[Recipient],
    notice: &Notice,
    now_ms: i64,
) -> hcp_store::Result<usize> {
    if config.muted {
        return Ok(0);
    }
    let mut seen = BTreeSet::new();
    let mut written = 0;
    for r in recipients.iter().filter(|r| seen.insert(r.id)) {
        let user = format!("user:{}", r.id);
        let mut targets = vec![("inbox", user.clone())];
        for sender in &config.senders {
            match sender.as_str() {
                "file" => targets.push(("file", user.clone())),
                "webhook" => targets.push(("webhook", user.clone())),
                "smtp" => targets.extend(r.email.clone().filter(|e| !e.is_empty()).map(|e| ("smtp", e))),
                _ => {}
            }
        }
        for (sender, recipient) in targets {
            let message = outbox::NewMessage {
                sender,
                recipient: &recipient,
                subject: &notice.subject,
                body: &notice.body,
                ticket_id: notice.ticket_id,
                order_id: notice.order_id,
            };
            outbox::enqueue(conn, &message, now_ms).await?;
            written += 1;
        }
    }
    Ok(written)
}

/// Tells the citizen behind a ticket, if they can be reached.
pub async fn citizen(
    conn: &mut AnyConnection,
    config: &NotifyConfig,
    ticket_id: i64,
    notice: &Notice,
    now_ms: i64,
) -> hcp_store::Result<bool> {
    if config.muted || config.citizen_sender == "none" || tickets::citizen_phone(conn, ticket_id).await?.is_none() {
        return Ok(false);
    }
    let message = outbox::NewMessage {
        sender: &config.citizen_sender,
        recipient: &format!("citizen:{ticket_id}"),
        subject: &notice.subject,
        body: &notice.body,
        ticket_id: Some(ticket_id),
        order_id: None,
    };
    outbox::enqueue(conn, &message, now_ms).await?;
    Ok(true)
}
