//! Mail through the intranet relay, built and sent by `lettre`: plain SMTP without TLS or authentication (the
//! relay is on the intranet), one connection per message. The message carries the headers RFC 5322 requires
//! (`Date:` in China Standard Time, `Message-ID:`), a subject folded into RFC 2047 encoded words of at most 75
//! characters, and a UTF-8 body in a 7-bit transfer encoding.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hcp_store::crypto::DataKey;
use hcp_store::outbox::Message as OutboxMessage;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message, SinglePart};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

const TIMEOUT: Duration = Duration::from_secs(15);

/// Why a mail was not sent. A permanent failure (a 5xx reply, an address that cannot be a mailbox) will fail
/// the same way on an immediate retry; a transient one (4xx, a relay that is down) may pass on the next.
#[derive(Debug)]
pub struct SendError {
    pub message: String,
    pub permanent: bool,
}

impl SendError {
    fn permanent(message: String) -> Self {
        SendError { message, permanent: true }
    }
}

/// The Message-ID of one outbox message: `<outbox id.tag@domain of the sender>`. The tag is a keyed hash of the
/// outbox row under this installation's data key, so the id is the same on every retry of the message (the
/// relay and mail clients can drop a repeat after a crash between sending and marking) and differs between
/// databases, whose outbox ids start at 1 alike and whose keys differ.
pub fn message_id(key: &DataKey, message: &OutboxMessage, from: &Mailbox) -> String {
    let seed = format!("smtp message-id\n{}\n{}\n{}", message.id, message.created_at, message.recipient);
    let tag = &key.blind_index(&seed)[..16];
    format!("<{}.{tag}@{}>", message.id, from.email.domain())
}

/// Builds the mail for `to`. `now` is the sending time for the `Date:` header.
pub fn build(
    from: &Mailbox,
    to: &str,
    subject: &str,
    body: &str,
    message_id: String,
    now: DateTime<Utc>,
) -> Result<Message, SendError> {
    let to: Mailbox = to.parse().map_err(|_| SendError::permanent(format!("邮件地址不正确：{to}")))?;
    let mut mail = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(message_id))
        // A single text/plain part, so the message also says `MIME-Version: 1.0` (RFC 2045).
        .singlepart(SinglePart::plain(body.to_owned()))
        .map_err(|e| SendError::permanent(format!("邮件无法生成：{e}")))?;
    // lettre writes the date in UTC; readers of the raw mail here expect Beijing time (RFC 5322 allows any
    // zone offset).
    let date = now.with_timezone(&hcp_core::clock::shanghai()).to_rfc2822();
    mail.headers_mut().insert_raw(HeaderValue::new(HeaderName::new_from_ascii_str("Date"), date));
    Ok(mail)
}

/// The sender's address from `[notify.smtp] from`: a bare address or `名称 <address>`.
pub fn sender(from: &str) -> Result<Mailbox, SendError> {
    from.parse().map_err(|_| SendError::permanent(format!("[notify.smtp] from 不是有效的邮件地址：{from}")))
}

/// Sends over plain SMTP to `server` (`host:port`, port 25 if omitted).
pub async fn send(server: &str, mail: &Message) -> Result<(), SendError> {
    let (host, port) = match server.rsplit_once(':') {
        Some((host, port)) => (
            host,
            port.parse().map_err(|_| SendError::permanent(format!("[notify.smtp] server 端口不正确：{server}")))?,
        ),
        None => (server, 25),
    };
    // Plain SMTP on purpose: the relay is on the intranet and the dependency has no TLS features.
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(port)
        .hello_name(ClientId::default())
        .timeout(Some(TIMEOUT))
        .build();
    transport.send(mail.clone()).await.map(|_| ()).map_err(|e| SendError {
        message: format!("SMTP 服务器 {server} 未接收邮件：{e}"),
        permanent: e.is_permanent(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outbox(id: i64) -> OutboxMessage {
        OutboxMessage {
            id,
            sender: "smtp".into(),
            recipient: "a@gov.local".into(),
            subject: "新工单".into(),
            body: "请处理".into(),
            ticket_id: None,
            order_id: None,
            created_at: 1_700_000_000_000,
            attempts: 0,
        }
    }

    #[test]
    fn message_ids_are_stable_per_message_and_differ_between_keys() {
        let from = sender("政务服务好差评 <hcp@zwfw.local>").unwrap();
        let (one, other) = (DataKey::from_bytes(&[1; 32]), DataKey::from_bytes(&[2; 32]));
        let id = message_id(&one, &outbox(54), &from);
        assert!(id.starts_with("<54.") && id.ends_with("@zwfw.local>"), "{id}");
        assert_eq!(id, message_id(&one, &outbox(54), &from));
        assert_ne!(id, message_id(&other, &outbox(54), &from));
        assert_ne!(id, message_id(&one, &outbox(55), &from));
    }

    #[test]
    fn bad_addresses_fail_permanently() {
        let from = sender("hcp@zwfw.local").unwrap();
        let error = build(&from, "x@y>\r\nRCPT TO:<z@w", "s", "b", "<1.a@zwfw.local>".into(), Utc::now()).unwrap_err();
        assert!(error.permanent && error.message.contains("邮件地址不正确"));
        assert!(sender("nobody").is_err());
    }
}
