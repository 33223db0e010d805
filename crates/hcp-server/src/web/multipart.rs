//! Just enough `multipart/form-data` (RFC 7578) for the page forms that carry a file (batch import, calendar
//! import, attachments on rectify and appeal): a few text fields and one file. The whole body is read first
//! (bounded by the form's limit), so no streaming parser — and no multipart crate — is needed.

use axum::body::Body;
use axum::http::{HeaderMap, header};

/// An oversized body is read to its end (up to this much more) before the 413 page is sent: answering
/// mid-upload resets the connection and the browser shows its own error instead of ours.
const DRAIN_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, PartialEq, Eq)]
pub enum ReadError {
    /// Not `multipart/form-data` (the form was not the page's).
    NotMultipart,
    TooLarge,
    /// The upload broke off.
    Broken,
}

/// A `multipart/form-data` body read whole; [`Upload::parts`] splits it.
pub struct Upload {
    bytes: Vec<u8>,
    boundary: String,
}

impl Upload {
    /// The parts; `None` if the body is not well-formed.
    pub fn parts(&self) -> Option<Vec<Part<'_>>> {
        parse(&self.bytes, &self.boundary)
    }
}

/// Reads a `multipart/form-data` request body of at most `limit` bytes.
pub async fn read(headers: &HeaderMap, body: Body, limit: usize) -> Result<Upload, ReadError> {
    let boundary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(boundary)
        .ok_or(ReadError::NotMultipart)?;
    Ok(Upload { bytes: read_limited(body, limit).await?, boundary })
}

/// A request body of at most `limit` bytes; beyond that it is drained (up to 64 MB more) and refused.
pub async fn read_limited(body: Body, limit: usize) -> Result<Vec<u8>, ReadError> {
    crate::edge::body::read_limited(body, limit, DRAIN_BYTES).await.map_err(|err| match err {
        crate::edge::body::BodyError::TooLarge => ReadError::TooLarge,
        crate::edge::body::BodyError::Broken => ReadError::Broken,
    })
}

/// One part of the body: a form field or a file.
#[derive(Debug, PartialEq, Eq)]
pub struct Part<'a> {
    pub name: String,
    /// Present for file inputs (empty when no file was chosen).
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: &'a [u8],
}

/// The boundary of a `multipart/form-data` Content-Type, if that is what it is.
pub fn boundary(content_type: &str) -> Option<String> {
    let mut params = split_params(content_type).into_iter();
    if !params.next()?.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params
        .find_map(|param| {
            let (key, value) = param.split_once('=')?;
            key.trim().eq_ignore_ascii_case("boundary").then(|| unquote(value.trim()))
        })
        .filter(|b| !b.is_empty() && b.len() <= 200)
}

/// Splits the body into its parts; `None` if it is not well-formed.
pub fn parse<'a>(body: &'a [u8], boundary: &str) -> Option<Vec<Part<'a>>> {
    let dash_boundary = format!("--{boundary}");
    let delimiter = format!("\r\n--{boundary}");
    // The first boundary may follow a preamble; it may also start the body without a CRLF before it.
    let mut pos = find(body, dash_boundary.as_bytes())? + dash_boundary.len();
    let mut parts = Vec::new();
    loop {
        let rest = &body[pos..];
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        // Transport padding (spaces, tabs) may precede the CRLF after a boundary.
        let line_end = find(rest, b"\r\n")?;
        if !rest[..line_end].iter().all(|b| *b == b' ' || *b == b'\t') {
            return None;
        }
        let start = pos + line_end + 2;
        let headers_end = start + find(&body[start..], b"\r\n\r\n")?;
        let headers = String::from_utf8_lossy(&body[start..headers_end]);
        let data_start = headers_end + 4;
        let data_end = data_start + find(&body[data_start..], delimiter.as_bytes())?;
        parts.push(part(&headers, &body[data_start..data_end])?);
        pos = data_end + delimiter.len();
    }
}

fn part<'a>(headers: &str, data: &'a [u8]) -> Option<Part<'a>> {
    let mut name = None;
    let mut filename = None;
    let mut content_type = None;
    for line in headers.split("\r\n") {
        let Some((key, value)) = line.split_once(':') else { continue };
        let key = key.trim();
        if key.eq_ignore_ascii_case("content-disposition") {
            let mut params = split_params(value).into_iter();
            if !params.next()?.trim().eq_ignore_ascii_case("form-data") {
                return None;
            }
            for param in params {
                let Some((k, v)) = param.split_once('=') else { continue };
                match k.trim().to_ascii_lowercase().as_str() {
                    "name" => name = Some(unquote(v.trim())),
                    "filename" => filename = Some(unquote(v.trim())),
                    _ => {}
                }
            }
        } else if key.eq_ignore_ascii_case("content-type") {
            content_type = Some(value.trim().to_owned());
        }
    }
    Some(Part { name: name?, filename, content_type, data })
}

/// Splits `a; b="x;y"; c` at the semicolons outside quotes.
fn split_params(text: &str) -> Vec<&str> {
    let mut params = Vec::new();
    let (mut quoted, mut escaped, mut start) = (false, false, 0);
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                params.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    params.push(&text[start..]);
    params
}

fn unquote(text: &str) -> String {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                // Browsers percent-encode quotes and line breaks in file names; some send backslash escapes.
                if c == '\\' {
                    if let Some(next) = chars.next() {
                        out.push(next);
                    }
                } else {
                    out.push(c);
                }
            }
            out.replace("%22", "\"")
        }
        None => text.to_owned(),
    }
}

/// Where `needle` first occurs. A two-way search (memchr's): a naive one costs body × boundary comparisons on a
/// body crafted of boundary prefixes (10 MB of `-` against a 200-byte boundary is seconds of CPU per request).
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    memchr::memmem::find(haystack, needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_is_read_from_the_content_type() {
        assert_eq!(
            boundary("multipart/form-data; boundary=----WebKitFormBoundaryAbC123").as_deref(),
            Some("----WebKitFormBoundaryAbC123")
        );
        assert_eq!(boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\"").as_deref(), Some("a b"));
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
        assert_eq!(boundary("multipart/form-data"), None);
    }

    #[test]
    fn fields_and_files_are_split_with_their_bytes_intact() {
        let body = b"preamble\r\n--XyZ\r\n\
            Content-Disposition: form-data; name=\"csrf_token\"\r\n\r\n\
            tok-1\r\n--XyZ\r\n\
            Content-Disposition: form-data; name=\"file\"; filename=\"\xe8\xaf\x84\xe4\xbb\xb7;1.csv\"\r\n\
            Content-Type: text/csv\r\n\r\n\
            a,b\r\n1,2\r\n--X\r\n\r\n--XyZ--\r\n";
        let parts = parse(body, "XyZ").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], Part { name: "csrf_token".into(), filename: None, content_type: None, data: b"tok-1" });
        assert_eq!(parts[1].name, "file");
        assert_eq!(parts[1].filename.as_deref(), Some("评价;1.csv"));
        assert_eq!(parts[1].content_type.as_deref(), Some("text/csv"));
        // A line that merely starts like the boundary stays part of the content.
        assert_eq!(parts[1].data, b"a,b\r\n1,2\r\n--X\r\n");
    }

    #[test]
    fn an_empty_file_input_and_broken_bodies() {
        let body = b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n\
            Content-Type: application/octet-stream\r\n\r\n\r\n--b--";
        let parts = parse(body, "b").unwrap();
        assert_eq!(parts[0].filename.as_deref(), Some(""));
        assert!(parts[0].data.is_empty());
        assert_eq!(parse(b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nno end", "b"), None);
        assert_eq!(parse(b"nothing here", "b"), None);
        assert_eq!(parse(b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--", "b"), None);
    }
}

#[cfg(test)]
#[path = "multipart_properties.rs"]
mod properties;
