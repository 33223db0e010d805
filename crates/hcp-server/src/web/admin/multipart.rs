//! Just enough `multipart/form-data` for a form with a few text fields and one small file (the calendar
//! import), without JavaScript on the page and without another dependency.

use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;

pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub data: Vec<u8>,
}

/// The parts of a body; `None` when it is not well-formed multipart.
pub fn parse(headers: &HeaderMap, body: &[u8]) -> Option<Vec<Part>> {
    let content_type = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    let boundary = params.split(';').find_map(|p| {
        let (key, value) = p.trim().split_once('=')?;
        key.trim().eq_ignore_ascii_case("boundary").then(|| value.trim().trim_matches('"').to_owned())
    })?;
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut rest = &body[find(body, &delimiter)? + delimiter.len()..];
    loop {
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let header_end = find(rest, b"\r\n\r\n")?;
        let head = std::str::from_utf8(&rest[..header_end]).ok()?;
        let content = &rest[header_end + 4..];
        let end = find(content, &[b"\r\n".as_slice(), &delimiter].concat())?;
        let (name, filename) = disposition(head)?;
        parts.push(Part { name, filename, data: content[..end].to_vec() });
        rest = &content[end + 2 + delimiter.len()..];
    }
}

/// `name` and `filename` of a part's `Content-Disposition: form-data; name="…"; filename="…"`.
fn disposition(head: &str) -> Option<(String, Option<String>)> {
    let line = head.lines().find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
    let mut name = None;
    let mut filename = None;
    for param in line.split(';').skip(1) {
        let Some((key, value)) = param.trim().split_once('=') else { continue };
        let value = value.trim().trim_matches('"').to_owned();
        match key.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(value),
            "filename" => filename = Some(value),
            _ => {}
        }
    }
    Some((name?, filename))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};

    #[test]
    fn fields_and_a_file_are_read() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("multipart/form-data; boundary=XyZ"));
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"year\"\r\n\r\n2027\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"2027.json\"\r\nContent-Type: application/json\r\n\r\n{\"a\":\r\n1}\r\n--XyZ--\r\n";
        let parts = super::parse(&headers, body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!((parts[0].name.as_str(), parts[0].data.as_slice()), ("year", b"2027".as_slice()));
        assert_eq!(parts[1].filename.as_deref(), Some("2027.json"));
        assert_eq!(parts[1].data, b"{\"a\":\r\n1}");
        assert!(super::parse(&headers, b"garbage").is_none());
    }
}
