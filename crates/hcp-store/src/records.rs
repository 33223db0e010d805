//! The business records the audit chain covers, their canonical digests and the `record_digests` table that
//! holds each record's digest as of its last audited write.

use hcp_core::audit::{ChainKey, RecordSum, Value, row_digest};
use sqlx::any::{AnyRow, AnyTypeInfoKind};
use sqlx::{AnyConnection, AssertSqlSafe, Column, Row, ValueRef as _};

use crate::sql::{PARAMS_PER_STATEMENT, value_rows};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Evaluation,
    Ticket,
    Order,
    User,
    /// All settings rows as one record (id 0): the administrator replaces them together.
    Settings,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Evaluation, Kind::Ticket, Kind::Order, Kind::User, Kind::Settings];

    /// As in audit targets (`evaluation:12`) and `record_digests.kind`.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Evaluation => "evaluation",
            Kind::Ticket => "ticket",
            Kind::Order => "order",
            Kind::User => "user",
            Kind::Settings => "settings",
        }
    }

    pub fn parse(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// What an operator calls it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Evaluation => "评价",
            Kind::Ticket => "工单",
            Kind::Order => "督办单",
            Kind::User => "用户",
            Kind::Settings => "设置",
        }
    }

    fn table(self) -> &'static str {
        match self {
            Kind::Evaluation => "evaluations",
            Kind::Ticket => "tickets",
            Kind::Order => "supervision_orders",
            Kind::User => "users",
            Kind::Settings => "settings",
        }
    }

    /// The record an audit target names, if it is a covered one.
    pub fn from_target(target: &str) -> Option<(Kind, i64)> {
        if target == "settings" {
            return Some((Kind::Settings, 0));
        }
        let (kind, id) = target.split_once(':')?;
        let kind = Kind::parse(kind).filter(|k| *k != Kind::Settings)?;
        Some((kind, id.parse().ok()?))
    }
}

/// A column's value as read, owned (the digest borrows it).
enum Owned {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bytes(Vec<u8>),
}

/// Digest of one stored row over all its columns (`SELECT *`), so a column added later is covered too.
fn digest_row(kind: Kind, id: i64, row: &AnyRow) -> crate::Result<String> {
    let mut values = Vec::with_capacity(row.len());
    for i in 0..row.len() {
        let type_kind = row.try_get_raw(i)?.type_info().kind();
        let value = match type_kind {
            AnyTypeInfoKind::Null => Owned::Null,
            AnyTypeInfoKind::Bool | AnyTypeInfoKind::SmallInt | AnyTypeInfoKind::Integer | AnyTypeInfoKind::BigInt => {
                row.try_get::<Option<i64>, _>(i)?.map_or(Owned::Null, Owned::Int)
            }
            AnyTypeInfoKind::Real | AnyTypeInfoKind::Double => {
                row.try_get::<Option<f64>, _>(i)?.map_or(Owned::Null, Owned::Real)
            }
            AnyTypeInfoKind::Blob => row.try_get::<Option<Vec<u8>>, _>(i)?.map_or(Owned::Null, Owned::Bytes),
            _ => row.try_get::<Option<String>, _>(i)?.map_or(Owned::Null, Owned::Text),
        };
        values.push(value);
    }
    let columns = row.columns().iter().zip(&values).map(|(column, value)| {
        let value = match value {
            Owned::Null => Value::Null,
            Owned::Int(i) => Value::Int(*i),
            Owned::Real(r) => Value::Real(*r),
            Owned::Text(t) => Value::Text(t),
            Owned::Bytes(b) => Value::Bytes(b),
        };
        (column.name(), value)
    });
    Ok(row_digest(kind.code(), id, columns))
}

/// Digest of the whole settings table (record id 0).
async fn settings_digest(conn: &mut AnyConnection) -> crate::Result<String> {
    let rows: Vec<(String, String, i64, String)> =
        sqlx::query_as("SELECT key, value, updated_at, updated_by FROM settings ORDER BY key").fetch_all(conn).await?;
    let columns = rows.iter().flat_map(|(key, value, at, by)| {
        [
            ("key", Value::Text(key)),
            ("value", Value::Text(value)),
            ("updated_at", Value::Int(*at)),
            ("updated_by", Value::Text(by)),
        ]
    });
    Ok(row_digest(Kind::Settings.code(), 0, columns))
}

/// Current digests of the rows of `kind` with the given ids (missing rows are left out).
async fn current_digests(conn: &mut AnyConnection, kind: Kind, ids: &[i64]) -> crate::Result<Vec<(i64, String)>> {
    if kind == Kind::Settings {
        return Ok(vec![(0, settings_digest(conn).await?)]);
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let rows: Vec<AnyRow> =
        sqlx::query(AssertSqlSafe(format!("SELECT * FROM {} WHERE id IN ({list}) ORDER BY id", kind.table())))
            .fetch_all(conn)
            .await?;
    digests_of(kind, &rows)
}

/// Each row's id with its digest.
fn digests_of(kind: Kind, rows: &[AnyRow]) -> crate::Result<Vec<(i64, String)>> {
    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get("id")?;
            Ok((id, digest_row(kind, id, row)?))
        })
        .collect()
}

/// Rows of `kind` with `id > after`, a page at a time, with their digests.
pub(crate) async fn page_rows(
    conn: &mut AnyConnection,
    kind: Kind,
    after: i64,
    limit: i64,
) -> crate::Result<Vec<(i64, String)>> {
    if kind == Kind::Settings {
        return Ok(if after < 0 { vec![(0, settings_digest(conn).await?)] } else { Vec::new() });
    }
    let rows: Vec<AnyRow> =
        sqlx::query(AssertSqlSafe(format!("SELECT * FROM {} WHERE id > $1 ORDER BY id LIMIT {limit}", kind.table())))
            .bind(after)
            .fetch_all(conn)
            .await?;
    digests_of(kind, &rows)
}

/// Recorded digests of `kind` with `after < id <= until`, with the entry that wrote each.
pub(crate) async fn page_digests(
    conn: &mut AnyConnection,
    kind: Kind,
    after: i64,
    until: i64,
    limit: i64,
) -> crate::Result<Vec<(i64, String, i64)>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT id, digest, seq FROM record_digests WHERE kind = $1 AND id > $2 AND id <= $3 ORDER BY id LIMIT {limit}"
    )))
    .bind(kind.code())
    .bind(after)
    .bind(until)
    .fetch_all(conn)
    .await?)
}

/// Records the digests of the rows an entry wrote: replaces each record's old digest in `record_digests` and in
/// `sum`; a row that no longer exists was deleted by this write and loses its digest. Returns (kind, id,
/// digest) of the rows found.
pub(crate) async fn record_writes(
    conn: &mut AnyConnection,
    key: &ChainKey,
    sum: &mut RecordSum,
    seq: i64,
    written: &[(crate::audit::Kind, i64)],
) -> crate::Result<Vec<(Kind, i64, String)>> {
    let mut out = Vec::with_capacity(written.len());
    for kind in Kind::ALL {
        let ids: Vec<i64> = written.iter().filter(|(k, _)| *k == kind).map(|(_, id)| *id).collect();
        for chunk in ids.chunks(PARAMS_PER_STATEMENT / 4) {
            let current = current_digests(conn, kind, chunk).await?;
            let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
            let old: Vec<(i64, String)> = sqlx::query_as(AssertSqlSafe(format!(
                "SELECT id, digest FROM record_digests WHERE kind = $1 AND id IN ({list})"
            )))
            .bind(kind.code())
            .fetch_all(&mut *conn)
            .await?;
            for (id, digest) in &old {
                sum.remove(key, kind.code(), *id, digest);
            }
            sqlx::query(AssertSqlSafe(format!("DELETE FROM record_digests WHERE kind = $1 AND id IN ({list})")))
                .bind(kind.code())
                .execute(&mut *conn)
                .await?;
            for (id, digest) in &current {
                sum.add(key, kind.code(), *id, digest);
            }
            insert_digests(conn, kind, seq, &current).await?;
            out.extend(current.into_iter().map(|(id, digest)| (kind, id, digest)));
        }
    }
    Ok(out)
}

async fn insert_digests(conn: &mut AnyConnection, kind: Kind, seq: i64, rows: &[(i64, String)]) -> crate::Result<()> {
    for chunk in rows.chunks(PARAMS_PER_STATEMENT / 4) {
        let mut query = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO record_digests (kind, id, digest, seq) VALUES {}",
            value_rows(chunk.len(), 4)
        )));
        for (id, digest) in chunk {
            query = query.bind(kind.code()).bind(*id).bind(digest.as_str()).bind(seq);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Baseline for the first keyed segment: every current row's digest, recorded by entry `seq`.
pub(crate) async fn adopt_all(conn: &mut AnyConnection, key: &ChainKey, seq: i64) -> crate::Result<(RecordSum, i64)> {
    sqlx::query("DELETE FROM record_digests").execute(&mut *conn).await?;
    let mut sum = RecordSum::default();
    let mut count = 0;
    for kind in Kind::ALL {
        let mut after = -1;
        loop {
            let rows = page_rows(conn, kind, after, 2000).await?;
            let Some((last, _)) = rows.last() else { break };
            after = *last;
            for (id, digest) in &rows {
                sum.add(key, kind.code(), *id, digest);
            }
            count += rows.len() as i64;
            insert_digests(conn, kind, seq, &rows).await?;
        }
    }
    Ok((sum, count))
}

/// The sum of the recorded digests under `key` (a new segment after a key change).
pub(crate) async fn resum(conn: &mut AnyConnection, key: &ChainKey) -> crate::Result<(RecordSum, i64)> {
    let mut sum = RecordSum::default();
    let mut count = 0;
    for kind in Kind::ALL {
        let mut after = -1;
        loop {
            let rows = page_digests(conn, kind, after, i64::MAX, 5000).await?;
            let Some((last, _, _)) = rows.last() else { break };
            after = *last;
            for (id, digest, _) in &rows {
                sum.add(key, kind.code(), *id, digest);
            }
            count += rows.len() as i64;
        }
    }
    Ok((sum, count))
}
