//! The notification outbox and the in-app inbox. A message is written in the transaction of the change it
//! reports, so it exists exactly when the change does; delivery happens later and is retried until it succeeds.

use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use crate::Backend;
use crate::sql::Sql;

pub struct NewMessage<'a> {
    /// `inbox`, `file`, `smtp` or `webhook`.
    pub sender: &'a str,
    /// `user:<id>` or `citizen:<ticket id>`.
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub ticket_id: Option<i64>,
    /// The supervision order the message is about, for notices that concern an order rather than a ticket.
    pub order_id: Option<i64>,
}

pub async fn enqueue(conn: &mut AnyConnection, m: &NewMessage<'_>, now_ms: i64) -> crate::Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO outbox (sender, recipient, subject, body, ticket_id, order_id, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(m.sender)
    .bind(m.recipient)
    .bind(m.subject)
    .bind(m.body)
    .bind(m.ticket_id)
    .bind(m.order_id)
    .bind(now_ms)
    .fetch_one(conn)
    .await?)
}

#[derive(Debug, Clone, FromRow)]
pub struct Message {
    pub id: i64,
    pub sender: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub ticket_id: Option<i64>,
    pub order_id: Option<i64>,
    pub created_at: i64,
    pub attempts: i64,
}

/// Leases up to `limit` due messages until `lease_until_ms`: other processes skip them meanwhile, and a
/// process that dies mid-delivery leaves them to be retried when the lease ends.
pub async fn claim_due(
    conn: &mut AnyConnection,
    backend: Backend,
    now_ms: i64,
    lease_until_ms: i64,
    limit: i64,
) -> crate::Result<Vec<Message>> {
    let lock = if backend == Backend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let mut sql = Sql::new("UPDATE outbox SET next_attempt_at = ");
    sql.bind(lease_until_ms)
        .push(" WHERE delivered_at IS NULL AND next_attempt_at <= ")
        .bind(now_ms)
        .push(" AND id IN (SELECT id FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= ")
        .bind(now_ms)
        .push(" ORDER BY id LIMIT ")
        .bind(limit)
        .push(lock)
        .push(") RETURNING id, sender, recipient, subject, body, ticket_id, order_id, created_at, attempts");
    let mut messages: Vec<Message> = sql.query_as().fetch_all(conn).await?;
    messages.sort_by_key(|m| m.id);
    Ok(messages)
}

pub async fn mark_delivered(conn: &mut AnyConnection, id: i64, now_ms: i64) -> crate::Result<()> {
    sqlx::query("UPDATE outbox SET delivered_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2")
        .bind(now_ms)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn mark_failed(conn: &mut AnyConnection, id: i64, error: &str, retry_at_ms: i64) -> crate::Result<()> {
    sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3")
        .bind(error)
        .bind(retry_at_ms)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Counts of pending and failed-at-least-once messages, for health and tests.
pub async fn pending(conn: &mut AnyConnection) -> crate::Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL").fetch_one(conn).await?)
}

/// Puts a message in a user's inbox; a second delivery of the same outbox message changes nothing.
pub async fn deliver_to_inbox(conn: &mut AnyConnection, m: &Message, user_id: i64) -> crate::Result<()> {
    sqlx::query(
        "INSERT INTO inbox_messages (outbox_id, user_id, subject, body, ticket_id, order_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(m.id)
    .bind(user_id)
    .bind(&m.subject)
    .bind(&m.body)
    .bind(m.ticket_id)
    .bind(m.order_id)
    .bind(m.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct InboxMessage {
    pub id: i64,
    pub subject: String,
    pub body: String,
    pub ticket_id: Option<i64>,
    pub order_id: Option<i64>,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

pub async fn inbox(
    conn: &mut AnyConnection,
    user_id: i64,
    unread_only: bool,
    limit: i64,
    offset: i64,
) -> crate::Result<(Vec<InboxMessage>, i64)> {
    let filter = if unread_only { " AND read_at IS NULL" } else { "" };
    let mut count = Sql::new("SELECT COUNT(*) FROM inbox_messages WHERE user_id = ");
    count.bind(user_id).push(filter);
    let total: i64 = count.query_scalar().fetch_one(&mut *conn).await?;
    let mut sql = Sql::new(
        "SELECT id, subject, body, ticket_id, order_id, created_at, read_at FROM inbox_messages WHERE user_id = ",
    );
    sql.bind(user_id).push(filter).push(" ORDER BY id DESC LIMIT ").bind(limit).push(" OFFSET ").bind(offset);
    Ok((sql.query_as().fetch_all(conn).await?, total))
}

/// Marks one of the user's messages read; false when it is not theirs.
pub async fn mark_read(conn: &mut AnyConnection, user_id: i64, id: i64, now_ms: i64) -> crate::Result<bool> {
    let done = sqlx::query("UPDATE inbox_messages SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3")
        .bind(now_ms)
        .bind(id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks all of the user's unread messages read; how many were unread.
pub async fn mark_all_read(conn: &mut AnyConnection, user_id: i64, now_ms: i64) -> crate::Result<u64> {
    let done = sqlx::query("UPDATE inbox_messages SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(now_ms)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// How many of the user's messages are unread: one count over the partial index of unread rows (every page's
/// header shows it).
pub async fn unread_count(conn: &mut AnyConnection, user_id: i64) -> crate::Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM inbox_messages WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .fetch_one(conn)
        .await?)
}
