//! Stored responses for `Idempotency-Key`: a retried submission gets the original answer, never a second record.

use sqlx::AnyConnection;

use crate::ms;

#[derive(Debug, Clone)]
pub struct Stored {
    pub request_hash: String,
    pub status: i64,
    /// Encrypted response body.
    pub response: Vec<u8>,
    pub key_id: String,
}

pub async fn get(conn: &mut AnyConnection, key: &str) -> crate::Result<Option<Stored>> {
    let row: Option<(String, i64, Vec<u8>, String)> =
        sqlx::query_as("SELECT request_hash, status, response, key_id FROM idempotency_keys WHERE key = $1")
            .bind(key)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|(request_hash, status, response, key_id)| Stored { request_hash, status, response, key_id }))
}

pub async fn put(
    conn: &mut AnyConnection,
    key: &str,
    stored: &Stored,
    now: chrono::DateTime<chrono::Utc>,
) -> crate::Result<()> {
    sqlx::query(
        "INSERT INTO idempotency_keys (key, request_hash, status, response, key_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(key)
    .bind(&stored.request_hash)
    .bind(stored.status)
    .bind(stored.response.as_slice())
    .bind(&stored.key_id)
    .bind(ms(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Keys older than `before` are forgotten (a client retries within minutes, not days).
pub async fn purge(conn: &mut AnyConnection, before: chrono::DateTime<chrono::Utc>) -> crate::Result<u64> {
    Ok(sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(ms(before))
        .execute(conn)
        .await?
        .rows_affected())
}
