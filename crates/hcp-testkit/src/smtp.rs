//! A local SMTP server standing in for the intranet mail relay: it speaks enough of RFC 5321 for a real client
//! (EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT), keeps each accepted message as the raw
//! text it received, and can refuse messages the way a relay does, transiently or for good.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One message the sink accepted: the envelope and the message text exactly as sent (CRLF line ends).
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: String,
}

/// How the sink answers.
#[derive(Debug, Clone, Copy)]
pub enum Refusal {
    /// Accepts every message.
    None,
    /// Answers the end of the first message's data with this reply (e.g. `451 4.3.0 …`), then accepts.
    FirstMessage(&'static str),
    /// Answers every RCPT with this reply (e.g. `550 5.1.1 …`).
    EveryRecipient(&'static str),
}

#[derive(Default)]
struct Log {
    received: Vec<ReceivedMail>,
    refused: Vec<ReceivedMail>,
}

pub struct SmtpSink {
    /// `127.0.0.1:port`, as `[notify.smtp] server` takes it.
    pub address: String,
    log: Arc<Mutex<Log>>,
}

impl SmtpSink {
    pub async fn start(refusal: Refusal) -> SmtpSink {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let log = Arc::new(Mutex::new(Log::default()));
        let shared = log.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(session(socket, refusal, shared.clone()));
            }
        });
        SmtpSink { address, log }
    }

    /// The messages accepted so far, in order.
    pub fn received(&self) -> Vec<ReceivedMail> {
        self.log.lock().unwrap().received.clone()
    }

    /// The messages refused so far, in order (with no data when refused at RCPT).
    pub fn refused(&self) -> Vec<ReceivedMail> {
        self.log.lock().unwrap().refused.clone()
    }
}

/// The address inside `<…>` of a MAIL FROM or RCPT TO argument.
fn path_of(argument: &str) -> String {
    argument
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(path, _)| path.to_owned())
        .unwrap_or_default()
}

async fn session(socket: TcpStream, refusal: Refusal, log: Arc<Mutex<Log>>) {
    let (read, mut write) = socket.into_split();
    let mut read = BufReader::new(read);
    let _ = write.write_all(b"220 hcp-test-sink ESMTP\r\n").await;
    let (mut from, mut to) = (String::new(), Vec::new());
    loop {
        let mut line = Vec::new();
        if read.read_until(b'\n', &mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let line = String::from_utf8_lossy(&line).trim_end_matches(['\r', '\n']).to_owned();
        let verb = line.split(' ').next().unwrap_or_default().to_ascii_uppercase();
        let answer = match verb.as_str() {
            "EHLO" => "250-hcp-test-sink\r\n250-8BITMIME\r\n250 SIZE 10485760".to_owned(),
            "HELO" => "250 hcp-test-sink".to_owned(),
            "MAIL" => {
                from = path_of(&line);
                to.clear();
                "250 2.1.0 ok".to_owned()
            }
            "RCPT" => match refusal {
                Refusal::EveryRecipient(answer) => {
                    let refused =
                        ReceivedMail { mail_from: from.clone(), rcpt_to: vec![path_of(&line)], data: String::new() };
                    log.lock().unwrap().refused.push(refused);
                    answer.to_owned()
                }
                _ => {
                    to.push(path_of(&line));
                    "250 2.1.5 ok".to_owned()
                }
            },
            "DATA" if to.is_empty() => "503 5.5.1 no valid recipients".to_owned(),
            "DATA" => {
                let _ = write.write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n").await;
                let Some(data) = read_data(&mut read).await else { return };
                let mail = ReceivedMail { mail_from: from.clone(), rcpt_to: to.clone(), data };
                let mut log = log.lock().unwrap();
                match refusal {
                    Refusal::FirstMessage(answer) if log.refused.is_empty() => {
                        log.refused.push(mail);
                        answer.to_owned()
                    }
                    _ => {
                        log.received.push(mail);
                        "250 2.0.0 queued".to_owned()
                    }
                }
            }
            "RSET" => {
                (from, to) = (String::new(), Vec::new());
                "250 2.0.0 ok".to_owned()
            }
            "NOOP" => "250 2.0.0 ok".to_owned(),
            "QUIT" => {
                let _ = write.write_all(b"221 2.0.0 bye\r\n").await;
                return;
            }
            _ => "502 5.5.2 command not recognised".to_owned(),
        };
        if write.write_all(format!("{answer}\r\n").as_bytes()).await.is_err() {
            return;
        }
    }
}

/// The message text up to the lone `.` line, with the leading dot of stuffed lines removed.
async fn read_data(read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Option<String> {
    let mut data = Vec::new();
    loop {
        let mut line = Vec::new();
        if read.read_until(b'\n', &mut line).await.ok()? == 0 {
            return None;
        }
        if line == b".\r\n" {
            return Some(String::from_utf8_lossy(&data).into_owned());
        }
        data.extend_from_slice(line.strip_prefix(b".").unwrap_or(&line));
    }
}
