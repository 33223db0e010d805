//! The evaluations of the upward report: adopted ones only, in a scope, evaluated in [from, to). Rows are read
//! one at a time by the exporter or collected for an outbox batch. The evaluator's identity is never selected:
//! only whether a name was left and the kind of evaluator.

use hcp_core::channel::Channel;
use hcp_core::evaluation::EvaluatorKind;
use hcp_core::level::Level;
use hcp_core::role::Scope;
use hcp_core::upward::Record;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::scope;
use crate::sql::Sql;

/// Not-adopted evaluations (confirmed fake praise, malicious, duplicate, overturned on appeal) are not
/// reported: they do not count anywhere (DESIGN §5).
pub fn query(scope: &Scope, from_ms: i64, to_ms: i64) -> Sql {
    let mut sql = Sql::new(
        "SELECT e.id, c.case_no, e.channel, \
         CASE WHEN e.evaluator_name IS NULL THEN NULL ELSE COALESCE(e.evaluator_kind, 'personal') END, \
         e.evaluated_at, e.follow_up, e.level, e.comment, e.tags \
         FROM evaluations e LEFT JOIN cases c ON c.id = e.case_id WHERE e.adoption = 'adopted'",
    );
    scope::restrict(&mut sql, "e", scope);
    sql.push(" AND e.evaluated_at >= ").bind(from_ms).push(" AND e.evaluated_at < ").bind(to_ms);
    sql.push(" ORDER BY e.evaluated_at, e.id");
    sql
}

fn corrupt(what: String) -> sqlx::Error {
    sqlx::Error::Decode(what.into())
}

/// One row of [`query`] as a report record.
pub fn record(row: &AnyRow) -> Result<Record, sqlx::Error> {
    let id: i64 = row.try_get(0)?;
    let channel: String = row.try_get(2)?;
    let kind: Option<String> = row.try_get(3)?;
    let level: i64 = row.try_get(6)?;
    Ok(Record {
        evaluation_id: id,
        case_no: row.try_get::<Option<String>, _>(1)?.unwrap_or_default(),
        channel: Channel::parse(&channel).ok_or_else(|| corrupt(format!("评价 {id} 的渠道 {channel}")))?,
        named: kind.map(|k| EvaluatorKind::try_from(k).map_err(|e| corrupt(format!("评价 {id}：{e}")))).transpose()?,
        evaluated_at: crate::from_ms(row.try_get(4)?).map_err(|e| corrupt(format!("评价 {id}：{e}")))?,
        follow_up: row.try_get::<i64, _>(5)? != 0,
        level: Level::from_code(level).ok_or_else(|| corrupt(format!("评价 {id} 的等级 {level}")))?,
        comment: row.try_get(7)?,
        tags: row.try_get(8)?,
    })
}

/// Every record of the period, for a batch (the caller bounds the period).
pub async fn all(conn: &mut AnyConnection, scope: &Scope, from_ms: i64, to_ms: i64) -> crate::Result<Vec<Record>> {
    let sql = query(scope, from_ms, to_ms);
    let rows = sql.query().fetch_all(conn).await?;
    Ok(rows.iter().map(record).collect::<Result<Vec<_>, _>>()?)
}
