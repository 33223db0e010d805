//! Mail to the intranet relay is real mail (issue 14): the delivery job speaks SMTP to a sink the test starts,
//! and each message the sink received is read back with a mail parser, as a mail client would: a `Date:`, a
//! Message-ID stable across retries and unique across messages and databases, a Chinese subject in encoded
//! words of at most 75 characters, lines of at most 998, the right From and To. A transient refusal (4xx) is
//! retried with backoff; a permanent one (5xx) is kept and retried only hourly.

use chrono::Duration;
use hcp_server::Config;
use hcp_server::app::jobs::delivery::deliver_due;
use hcp_server::config::SmtpConfig;
use hcp_store::outbox::{self, NewMessage};
use hcp_testkit::{Backend, Options, ReceivedMail, Refusal, SmtpSink, TestApp};
use mail_parser::{MessageParser, MimeHeaders};

hcp_store::on_both_backends!(
    mail_reaches_the_relay_as_real_mail_with_stable_unique_ids,
    a_permanent_refusal_is_kept_and_retried_hourly,
);

const FROM: &str = "政务服务好差评系统 <hcp@zwfw.local>";
/// Long enough that one encoded word would exceed RFC 2047's 75 characters several times over.
const SUBJECT: &str = "差评整改提醒：市场主体登记窗口工作人员服务态度差评，请于三个工作日内完成核实整改并反馈处理结果";

/// Several lines, one of them far longer in UTF-8 than the 998 octets a mail line may hold.
fn body() -> String {
    format!("李青同志：\n\n{}\n.以点开头的一行\n政务服务管理办公室", "群众反映办理营业执照时等候时间过长。".repeat(40))
}

async fn app_mailing_to(sink: &SmtpSink, backend: Backend) -> TestApp {
    let mut config = Config::default();
    config.notify.senders = vec!["smtp".into()];
    config.notify.smtp = Some(SmtpConfig { server: sink.address.clone(), from: FROM.into() });
    TestApp::spawn_with(backend, Options { config, ..Options::default() }).await
}

async fn enqueue_mail(app: &TestApp, to: &str) -> i64 {
    let body = body();
    let message =
        NewMessage { sender: "smtp", recipient: to, subject: SUBJECT, body: &body, ticket_id: None, order_id: None };
    let mut tx = app.state.store().begin().await.unwrap();
    let id = outbox::enqueue(&mut tx, &message, hcp_store::ms(app.state.now())).await.unwrap();
    tx.commit().await.unwrap();
    id
}

fn message_id(mail: &ReceivedMail) -> String {
    let parsed = MessageParser::default().parse(mail.data.as_bytes()).expect("a parsable message");
    parsed.message_id().expect("a Message-ID").to_owned()
}

/// Everything a mail client and RFC 5322/2047 ask of one received message, sent at `sent_at`.
fn assert_real_mail(mail: &ReceivedMail, sent_at: chrono::DateTime<chrono::Utc>, outbox_id: i64) {
    assert_eq!(mail.mail_from, "hcp@zwfw.local");
    assert_eq!(mail.rcpt_to, vec!["lq@zwfw.local".to_owned()]);
    assert!(mail.data.is_ascii(), "7-bit on the wire, whatever the relay supports");
    for line in mail.data.split("\r\n") {
        assert!(line.len() <= 998, "line of {} octets", line.len());
    }
    let headers = mail.data.split("\r\n\r\n").next().unwrap();
    let words: Vec<&str> =
        headers.split_whitespace().filter(|token| token.starts_with("=?") && token.ends_with("?=")).collect();
    assert!(words.len() >= 3, "the subject is folded into several encoded words: {headers}");
    for word in &words {
        assert!(word.len() <= 75, "encoded word of {} characters: {word}", word.len());
    }

    let parsed = MessageParser::default().parse(mail.data.as_bytes()).expect("a parsable message");
    let date = parsed.date().expect("a Date header");
    assert!(date.is_valid());
    assert_eq!(date.to_timestamp(), sent_at.timestamp());
    assert_eq!((date.tz_before_gmt, date.tz_hour, date.tz_minute), (false, 8, 0), "Beijing time: {date:?}");
    assert_eq!(parsed.header_raw("MIME-Version").map(str::trim), Some("1.0"));
    let content_type = parsed.content_type().expect("a Content-Type");
    assert_eq!((content_type.ctype(), content_type.subtype()), ("text", Some("plain")));
    assert_eq!(content_type.attribute("charset").map(str::to_ascii_lowercase).as_deref(), Some("utf-8"));
    assert_eq!(parsed.subject(), Some(SUBJECT));
    let from = parsed.from().and_then(|from| from.first()).expect("a From");
    assert_eq!((from.name(), from.address()), (Some("政务服务好差评系统"), Some("hcp@zwfw.local")));
    let to = parsed.to().and_then(|to| to.first()).expect("a To");
    assert_eq!(to.address(), Some("lq@zwfw.local"));
    assert_eq!(parsed.body_text(0).unwrap().replace("\r\n", "\n"), body());
    let id = parsed.message_id().expect("a Message-ID");
    let (local, domain) = id.split_once('@').unwrap();
    assert_eq!(domain, "zwfw.local", "the domain of the sender: {id}");
    let (outbox, tag) = local.split_once('.').unwrap();
    assert_eq!(outbox, outbox_id.to_string());
    assert!(tag.len() == 16 && tag.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
}

async fn mail_reaches_the_relay_as_real_mail_with_stable_unique_ids(backend: Backend) {
    let sink = SmtpSink::start(Refusal::FirstMessage("451 4.3.0 relay busy, try again later")).await;
    let app = app_mailing_to(&sink, backend).await;
    let first = enqueue_mail(&app, "lq@zwfw.local").await;

    // The relay refuses the first try for now: kept, retried after the backoff, not before.
    assert_eq!(deliver_due(&app.state).await.unwrap(), 0);
    assert_eq!(sink.refused().len(), 1);
    let error = app.count("SELECT COUNT(*) FROM outbox WHERE last_error LIKE '%451%' AND delivered_at IS NULL").await;
    assert_eq!(error, 1, "the relay's answer is kept with the message");
    app.clock.advance(Duration::seconds(20));
    assert_eq!(deliver_due(&app.state).await.unwrap(), 0, "not retried before the backoff ends");
    app.clock.advance(Duration::seconds(11));
    assert_eq!(deliver_due(&app.state).await.unwrap(), 1);
    let received = sink.received();
    assert_eq!(received.len(), 1);
    assert_real_mail(&received[0], app.state.now(), first);
    assert_eq!(message_id(&received[0]), message_id(&sink.refused()[0]), "a retry repeats the Message-ID");

    // A second message gets its own id.
    let second = enqueue_mail(&app, "lq@zwfw.local").await;
    assert_eq!(deliver_due(&app.state).await.unwrap(), 1);
    let received = sink.received();
    assert_real_mail(&received[1], app.state.now(), second);
    assert_ne!(message_id(&received[0]), message_id(&received[1]));

    // Another database numbers its outbox from the same start, yet its mail has ids of its own.
    let other = app_mailing_to(&sink, backend).await;
    assert_eq!(enqueue_mail(&other, "lq@zwfw.local").await, first, "both outboxes start alike");
    assert_eq!(deliver_due(&other.state).await.unwrap(), 1);
    let received = sink.received();
    assert_real_mail(&received[2], other.state.now(), first);
    assert_ne!(message_id(&received[2]), message_id(&received[0]), "Message-IDs repeat across databases");
}

async fn a_permanent_refusal_is_kept_and_retried_hourly(backend: Backend) {
    let sink = SmtpSink::start(Refusal::EveryRecipient("550 5.1.1 mailbox unavailable")).await;
    let app = app_mailing_to(&sink, backend).await;
    enqueue_mail(&app, "left@zwfw.local").await;

    assert_eq!(deliver_due(&app.state).await.unwrap(), 0);
    assert_eq!(sink.refused().len(), 1);
    assert_eq!(sink.refused()[0].rcpt_to, vec!["left@zwfw.local".to_owned()]);
    let kept = "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND attempts = 1 AND last_error LIKE '%550%'";
    assert_eq!(app.count(kept).await, 1, "kept undelivered with the relay's answer");
    // Not the 30-second backoff of a transient failure: a person has to fix the address or the relay first.
    app.clock.advance(Duration::minutes(59));
    deliver_due(&app.state).await.unwrap();
    assert_eq!(sink.refused().len(), 1, "not retried within the hour");
    app.clock.advance(Duration::minutes(1));
    deliver_due(&app.state).await.unwrap();
    assert_eq!(sink.refused().len(), 2, "retried after an hour");
    assert!(sink.received().is_empty());
}
