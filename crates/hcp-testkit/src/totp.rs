//! TOTP codes (RFC 6238: HMAC-SHA1, 30-second steps) computed independently of the server's `totp-rs`, so the
//! second-factor stories check the server against the RFC rather than against itself.

use hmac::{Hmac, KeyInit, Mac};

/// RFC 4226/6238: HMAC-SHA1 of the big-endian step, dynamic truncation, `digits` decimal digits.
pub fn totp_at(secret: &[u8], unix_seconds: i64, digits: u32) -> String {
    let step = (unix_seconds / 30) as u64;
    let mut mac = <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(secret).unwrap();
    mac.update(&step.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = (hash[19] & 0x0f) as usize;
    let binary = u32::from_be_bytes([hash[offset] & 0x7f, hash[offset + 1], hash[offset + 2], hash[offset + 3]]);
    format!("{:0width$}", binary % 10u32.pow(digits), width = digits as usize)
}

/// RFC 4648 base32 without padding, as authenticator apps read the secret.
pub fn base32_decode(text: &str) -> Vec<u8> {
    let (mut bits, mut value, mut out) = (0u32, 0u32, Vec::new());
    for c in text.trim_end_matches('=').chars() {
        let digit = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            '2'..='7' => c as u32 - '2' as u32 + 26,
            other => panic!("not base32: {other}"),
        };
        value = (value << 5) | digit;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((value >> bits) as u8);
            value &= (1 << bits) - 1;
        }
    }
    out
}
