//! A minimal SMTP client for the intranet mail relay: plain SMTP, no authentication, one message per
//! connection, UTF-8 subject and body in base64. Written here because a full mail crate (TLS, auth, MIME
//! builders) would triple the dependency tree for what an intranet relay needs.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const TIMEOUT: Duration = Duration::from_secs(15);

pub struct Mail<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub message_id: &'a str,
}

/// Addresses go into the SMTP envelope as they are: refuse anything that could smuggle a command.
fn plain_address(address: &str) -> Result<&str, String> {
    let ok = address.contains('@') && !address.chars().any(|c| c.is_control() || matches!(c, '<' | '>' | ' '));
    if ok { Ok(address) } else { Err(format!("邮件地址不正确：{address}")) }
}

pub async fn send(server: &str, mail: &Mail<'_>) -> Result<(), String> {
    tokio::time::timeout(TIMEOUT, conversation(server, mail)).await.map_err(|_| "SMTP 服务器响应超时".to_string())?
}

async fn conversation(server: &str, mail: &Mail<'_>) -> Result<(), String> {
    let from = plain_address(mail.from)?;
    let to = plain_address(mail.to)?;
    let stream = TcpStream::connect(server).await.map_err(|e| format!("无法连接 SMTP 服务器 {server}：{e}"))?;
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    expect(&mut read, 220).await?;
    for (command, code) in [
        ("EHLO hcp".to_owned(), 250),
        (format!("MAIL FROM:<{from}>"), 250),
        (format!("RCPT TO:<{to}>"), 250),
        ("DATA".to_owned(), 354),
    ] {
        write.write_all(format!("{command}\r\n").as_bytes()).await.map_err(|e| e.to_string())?;
        expect(&mut read, code).await?;
    }
    write.write_all(message(mail).as_bytes()).await.map_err(|e| e.to_string())?;
    expect(&mut read, 250).await?;
    let _ = write.write_all(b"QUIT\r\n").await;
    Ok(())
}

/// The message with headers; base64 lines never start with '.', so no dot-stuffing is needed.
fn message(mail: &Mail<'_>) -> String {
    let subject = format!("=?UTF-8?B?{}?=", STANDARD.encode(mail.subject));
    let body = STANDARD.encode(mail.body);
    let lines: Vec<&str> =
        body.as_bytes().chunks(76).map(|chunk| std::str::from_utf8(chunk).unwrap_or_default()).collect();
    format!(
        "From: {}\r\nTo: {}\r\nSubject: {subject}\r\nMessage-ID: <{}@hcp>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n.\r\n",
        mail.from,
        mail.to,
        mail.message_id,
        lines.join("\r\n")
    )
}

/// Reads one (possibly multi-line) reply and checks its code.
async fn expect(read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, code: u16) -> Result<(), String> {
    loop {
        let mut line = String::new();
        if read.read_line(&mut line).await.map_err(|e| e.to_string())? == 0 {
            return Err("SMTP 服务器关闭了连接".into());
        }
        let got: u16 =
            line.get(..3).and_then(|c| c.parse().ok()).ok_or_else(|| format!("SMTP 应答无法识别：{line}"))?;
        if got != code {
            return Err(format!("SMTP 服务器拒绝（期望 {code}）：{}", line.trim_end()));
        }
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_encoded_and_addresses_checked() {
        let mail =
            Mail { from: "hcp@gov.local", to: "a@gov.local", subject: "新工单", body: "请处理", message_id: "1" };
        let text = message(&mail);
        assert!(text.contains(&format!("Subject: =?UTF-8?B?{}?=", STANDARD.encode("新工单"))));
        assert!(text.ends_with("\r\n.\r\n"));
        assert!(plain_address("x@y>\r\nRCPT TO:<z@w").is_err());
        assert!(plain_address("nobody").is_err());
    }
}
