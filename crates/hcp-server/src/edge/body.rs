//! Reading a request body with a bound, for the API's JSON and uploads and the pages' forms alike.

use futures_util::StreamExt;

/// Largest oversized body read to its end before answering 413. Answering while the client is still sending
/// makes the server close a socket with unread data, which resets the connection and loses the answer; past
/// this size the client gets the reset rather than the server reading megabytes for nothing.
pub const DRAIN_LIMIT: usize = 1024 * 1024;

#[derive(Debug, PartialEq, Eq)]
pub enum BodyError {
    TooLarge,
    /// The upload broke off.
    Broken,
}

/// A request body of at most `limit` bytes. A larger one is read on, up to `drain` bytes more, and refused:
/// answering while the client still sends resets the connection and loses the answer.
pub async fn read_limited(body: axum::body::Body, limit: usize, drain: usize) -> Result<Vec<u8>, BodyError> {
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| BodyError::Broken)?;
        seen += chunk.len();
        if seen > limit {
            if seen > limit + drain {
                break;
            }
            continue;
        }
        bytes.extend_from_slice(&chunk);
    }
    if seen > limit { Err(BodyError::TooLarge) } else { Ok(bytes) }
}
