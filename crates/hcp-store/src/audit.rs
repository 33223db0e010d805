//! Append-only, keyed hash chain over the audit log. Appends happen inside the transaction of the change they
//! record, and record the digest of the business row that change wrote (see `hcp_core::audit`).

use chrono::{DateTime, Utc};
use hcp_core::audit::{AuditEntry, ChainKey, Link, RecordSum, SEGMENT_ACTION, entry_hash, rows_digest, seal};
use sqlx::{AnyConnection, AssertSqlSafe, FromRow};

use crate::audit_key;
use crate::{Store, ms};

use crate::records;
pub use crate::records::Kind;

/// Who did it: a user name, `citizen`, `system` or `cli:<os user>`. A target naming a covered record
/// (`evaluation:12`, `ticket:3`, `order:5`, `user:7`, `settings`) records that row's digest as written.
pub async fn append(
    conn: &mut AnyConnection,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    target: &str,
    details: &serde_json::Value,
) -> crate::Result<i64> {
    append_with(conn, at, actor, action, target, details, &[]).await
}

/// [`append`] for a write that also changed other covered records than its target (a review overturning the
/// ticket's evaluation, the rows of a bulk load): their digests are recorded by the same entry.
pub async fn append_with(
    conn: &mut AnyConnection,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    target: &str,
    details: &serde_json::Value,
    also: &[(Kind, i64)],
) -> crate::Result<i64> {
    let keys = audit_key::installed()?;
    let key = keys.current().ok_or_else(|| crate::StoreError::Crypto("审计密钥文件中没有密钥".into()))?;
    let written: Vec<(Kind, i64)> = Kind::from_target(target).into_iter().chain(also.iter().copied()).collect();
    append_keyed(conn, key, at, actor, action, target, details, &written).await
}

#[derive(Debug, FromRow)]
struct Head {
    seq: i64,
    hash: String,
    alg: String,
    key_id: String,
    records: String,
}

/// [`append`] with an explicit key and list of written records. A key (or algorithm) other than the head's
/// first writes a segment entry.
#[allow(clippy::too_many_arguments)]
pub async fn append_keyed(
    conn: &mut AnyConnection,
    key: &ChainKey,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    target: &str,
    details: &serde_json::Value,
    written: &[(Kind, i64)],
) -> crate::Result<i64> {
    // Updating the head row takes its lock, so appends from concurrent transactions (or processes) queue here.
    let mut head: Head =
        sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, alg, key_id, records")
            .fetch_one(&mut *conn)
            .await?;
    if head.alg != key.alg().id() || head.key_id != key.id() {
        head = start_segment(conn, key, at, head).await?;
    }
    let mut sum = corrupt_sum(&head.records)?;
    let digests = records::record_writes(conn, key, &mut sum, head.seq, written).await?;
    let row_digest = match digests.as_slice() {
        [] => String::new(),
        [(_, _, digest)] => digest.clone(),
        many => rows_digest(many.iter().map(|(kind, id, digest)| (kind.code(), *id, digest.as_str()))),
    };
    let entry = AuditEntry {
        seq: head.seq,
        at: ms(at),
        actor: actor.to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        details: details.to_string(),
        alg: key.alg().id().to_owned(),
        key_id: key.id().to_owned(),
        row_digest,
        records: sum.to_hex(),
        prev_hash: head.hash,
        hash: String::new(),
    };
    insert(conn, key, entry).await
}

fn corrupt_sum(text: &str) -> crate::Result<RecordSum> {
    RecordSum::parse(text).ok_or_else(|| crate::StoreError::Corrupt("审计链头的记录摘要和无法解析".into()))
}

/// Seals and stores `entry` and moves the head to it.
async fn insert(conn: &mut AnyConnection, key: &ChainKey, mut entry: AuditEntry) -> crate::Result<i64> {
    entry.hash = seal(key, &entry);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, target, details, prev_hash, hash, alg, key_id, row_digest, \
         records) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(entry.seq)
    .bind(entry.at)
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.target)
    .bind(&entry.details)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .bind(&entry.alg)
    .bind(&entry.key_id)
    .bind(&entry.row_digest)
    .bind(&entry.records)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1, alg = $2, key_id = $3, records = $4 WHERE id = 1")
        .bind(&entry.hash)
        .bind(&entry.alg)
        .bind(&entry.key_id)
        .bind(&entry.records)
        .execute(&mut *conn)
        .await?;
    Ok(entry.seq)
}

/// Writes the segment entry at `head.seq` (already taken) and takes the next sequence number for the caller.
/// From the legacy segment, the current rows are adopted as the baseline (they had no digests); from another
/// key, the recorded digests are summed again under the new key — never recomputed from the rows, which would
/// launder an edit.
async fn start_segment(conn: &mut AnyConnection, key: &ChainKey, at: DateTime<Utc>, head: Head) -> crate::Result<Head> {
    let legacy = head.key_id.is_empty();
    let (sum, count) =
        if legacy { records::adopt_all(conn, key, head.seq).await? } else { records::resum(conn, key).await? };
    let details = serde_json::json!({
        "previous": {"seq": head.seq - 1, "hash": head.hash, "alg": head.alg, "key_id": head.key_id},
        if legacy { "adopted" } else { "records" }: count,
    });
    let entry = AuditEntry {
        seq: head.seq,
        at: ms(at),
        actor: "system".into(),
        action: SEGMENT_ACTION.into(),
        target: "audit".into(),
        details: details.to_string(),
        alg: key.alg().id().to_owned(),
        key_id: key.id().to_owned(),
        row_digest: String::new(),
        records: sum.to_hex(),
        prev_hash: head.hash,
        hash: String::new(),
    };
    insert(conn, key, entry).await?;
    Ok(sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, alg, key_id, records")
        .fetch_one(&mut *conn)
        .await?)
}

/// Starts the current key's segment now if the head is sealed otherwise (legacy database, rotated key), so the
/// baseline work happens at start-up rather than in the first citizen's request.
pub async fn ensure_segment(store: &Store, key: &ChainKey, at: DateTime<Utc>) -> crate::Result<()> {
    let (alg, key_id): (String, String) = sqlx::query_as("SELECT alg, key_id FROM audit_head WHERE id = 1")
        .fetch_one(&mut *store.reader().await?)
        .await?;
    if alg == key.alg().id() && key_id == key.id() {
        return Ok(());
    }
    let mut tx = store.begin().await?;
    let head: Head =
        sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, alg, key_id, records")
            .fetch_one(&mut *tx)
            .await?;
    if head.alg != key.alg().id() || head.key_id != key.id() {
        start_segment(&mut tx, key, at, head).await?;
        // `start_segment` took a sequence number for a following entry that is not coming: give it back.
        sqlx::query("UPDATE audit_head SET seq = seq - 1 WHERE id = 1").execute(&mut *tx).await?;
        tx.commit().await?;
    }
    Ok(())
}

#[derive(Debug, FromRow)]
pub(crate) struct Row {
    seq: i64,
    at: i64,
    actor: String,
    action: String,
    target: String,
    details: String,
    prev_hash: String,
    hash: String,
    alg: String,
    key_id: String,
    row_digest: String,
    records: String,
}

impl From<Row> for AuditEntry {
    fn from(r: Row) -> Self {
        AuditEntry {
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            action: r.action,
            target: r.target,
            details: r.details,
            alg: r.alg,
            key_id: r.key_id,
            row_digest: r.row_digest,
            records: r.records,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

pub(crate) const ENTRY_COLUMNS: &str =
    "seq, at, actor, action, target, details, prev_hash, hash, alg, key_id, row_digest, records";

/// The current head, as stored in the database.
pub async fn head(conn: &mut AnyConnection) -> crate::Result<Link> {
    let (seq, hash, alg, key_id): (i64, String, String, String) =
        sqlx::query_as("SELECT seq, hash, alg, key_id FROM audit_head WHERE id = 1").fetch_one(conn).await?;
    Ok(Link { seq, hash, alg, key_id })
}

/// A legacy (unkeyed) entry, as written before the audit key existed; for tests of the migration path.
pub async fn append_legacy(
    conn: &mut AnyConnection,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    target: &str,
) -> crate::Result<i64> {
    let (seq, prev_hash): (i64, String) =
        sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *conn)
            .await?;
    let hash = entry_hash(&prev_hash, seq, ms(at), actor, action, target, "{}");
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, target, details, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, '{}', $6, $7)",
    )
    .bind(seq)
    .bind(ms(at))
    .bind(actor)
    .bind(action)
    .bind(target)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&hash).execute(&mut *conn).await?;
    Ok(seq)
}

/// Entries with `seq > after`, a page at a time.
pub(crate) async fn page(conn: &mut AnyConnection, after: i64, limit: i64) -> crate::Result<Vec<AuditEntry>> {
    let rows: Vec<Row> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT {limit}"
    )))
    .bind(after)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}

pub use crate::verify::{CHECKPOINT_FILE, Finding, Report, read_checkpoints, verify, write_checkpoint};

#[derive(Debug, Clone, serde::Serialize, FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub details: String,
}

/// Entries about one target, oldest first (a ticket's or an evaluation's history).
pub async fn for_target(conn: &mut AnyConnection, target: &str) -> crate::Result<Vec<AuditRow>> {
    Ok(sqlx::query_as("SELECT seq, at, actor, action, target, details FROM audit_log WHERE target = $1 ORDER BY seq")
        .bind(target)
        .fetch_all(conn)
        .await?)
}
