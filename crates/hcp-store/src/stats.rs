//! The statistics aggregate: sums of contributions per service day and attribution (`stat_daily`). Writers add
//! the difference a change makes; readers sum rows for any grouping and subtree.

use hcp_core::role::Scope;
use hcp_core::stats::{Counters, columns};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::scope;
use crate::sql::Sql;

/// Where a contribution is counted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatKey {
    /// YYYY-MM-DD in UTC+8.
    pub day: String,
    pub org_path: String,
    pub org_unit_id: i64,
    pub department_id: i64,
    pub window_id: i64,
    pub staff_id: i64,
    pub channel: String,
    pub item_id: i64,
}

/// Adds `delta` to the row of `key` (creating it).
pub async fn apply(conn: &mut AnyConnection, key: &StatKey, delta: &Counters) -> crate::Result<()> {
    apply_many(conn, &[(key.clone(), *delta)]).await
}

/// Adds each delta to its row, with multi-row upserts. Keys must be distinct (PostgreSQL refuses to update one
/// row twice in a statement).
pub async fn apply_many(conn: &mut AnyConnection, deltas: &[(StatKey, Counters)]) -> crate::Result<()> {
    let names: Vec<&str> = columns().collect();
    let width = 8 + names.len();
    let updates: Vec<String> = names.iter().map(|c| format!("{c} = stat_daily.{c} + excluded.{c}")).collect();
    let rows: Vec<&(StatKey, Counters)> = deltas.iter().filter(|(_, d)| !d.is_zero()).collect();
    for chunk in rows.chunks(crate::sql::PARAMS_PER_STATEMENT / width) {
        let text = format!(
            "INSERT INTO stat_daily (day, org_path, org_unit_id, department_id, window_id, staff_id, channel, item_id, \
             {}) VALUES {} ON CONFLICT (day, org_path, department_id, window_id, staff_id, channel, item_id) \
             DO UPDATE SET {}",
            names.join(", "),
            crate::sql::value_rows(chunk.len(), width),
            updates.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(text));
        for (key, delta) in chunk {
            query = query
                .bind(&key.day)
                .bind(&key.org_path)
                .bind(key.org_unit_id)
                .bind(key.department_id)
                .bind(key.window_id)
                .bind(key.staff_id)
                .bind(&key.channel)
                .bind(key.item_id);
            for value in delta.0 {
                query = query.bind(value);
            }
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// How rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    None,
    Department,
    Window,
    Staff,
    Channel,
    Item,
    Day,
    Month,
}

impl GroupBy {
    pub fn parse(text: &str) -> Option<GroupBy> {
        Some(match text {
            "none" | "" => GroupBy::None,
            "department" => GroupBy::Department,
            "window" => GroupBy::Window,
            "staff" => GroupBy::Staff,
            "channel" => GroupBy::Channel,
            "item" => GroupBy::Item,
            "day" => GroupBy::Day,
            "month" => GroupBy::Month,
            _ => return None,
        })
    }

    fn expression(self) -> &'static str {
        match self {
            GroupBy::None => "'all'",
            GroupBy::Department => "CAST(department_id AS TEXT)",
            GroupBy::Window => "CAST(window_id AS TEXT)",
            GroupBy::Staff => "CAST(staff_id AS TEXT)",
            GroupBy::Channel => "channel",
            GroupBy::Item => "CAST(item_id AS TEXT)",
            GroupBy::Day => "day",
            GroupBy::Month => "substr(day, 1, 7)",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Org subtree.
    pub org_path: Option<String>,
    /// Inclusive YYYY-MM-DD bounds.
    pub from_day: Option<String>,
    pub to_day: Option<String>,
}

/// Sums per group, in group-key order.
pub async fn query(
    conn: &mut AnyConnection,
    filter: &Filter,
    scope: Option<&Scope>,
    group_by: GroupBy,
) -> crate::Result<Vec<(String, Counters)>> {
    // SUM over BIGINT is NUMERIC on PostgreSQL, which the `Any` driver does not carry: cast back.
    let sums: Vec<String> = columns().map(|c| format!("CAST(SUM({c}) AS BIGINT)")).collect();
    let mut sql = Sql::new(&format!(
        "SELECT {} AS group_key, {} FROM stat_daily s WHERE 1 = 1",
        group_by.expression(),
        sums.join(", ")
    ));
    if let Some(scope) = scope {
        scope::restrict(&mut sql, "s", scope);
    }
    if let Some(path) = &filter.org_path {
        sql.push(" AND s.org_path LIKE ").bind(crate::sql::like_prefix(path)).push(" ESCAPE '\\'");
    }
    if let Some(from) = &filter.from_day {
        sql.push(" AND s.day >= ").bind(from.as_str());
    }
    if let Some(to) = &filter.to_day {
        sql.push(" AND s.day <= ").bind(to.as_str());
    }
    sql.push(" GROUP BY group_key ORDER BY group_key");
    let rows: Vec<AnyRow> = sql.query().fetch_all(conn).await?;
    rows.iter().map(read_group).collect()
}

fn read_group(row: &AnyRow) -> crate::Result<(String, Counters)> {
    let key: String = row.try_get(0)?;
    let mut counters = Counters::default();
    for (i, slot) in counters.0.iter_mut().enumerate() {
        *slot = row.try_get::<Option<i64>, _>(i + 1)?.unwrap_or(0);
    }
    Ok((key, counters))
}

/// Every stored row, for the recount check.
pub async fn all_rows(conn: &mut AnyConnection) -> crate::Result<Vec<(StatKey, Counters)>> {
    let names: Vec<&str> = columns().collect();
    let text = format!(
        "SELECT day, org_path, org_unit_id, department_id, window_id, staff_id, channel, item_id, {} FROM stat_daily",
        names.join(", ")
    );
    let rows: Vec<AnyRow> = sqlx::query(AssertSqlSafe(text)).fetch_all(&mut *conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let key = StatKey {
            day: row.try_get(0)?,
            org_path: row.try_get(1)?,
            org_unit_id: row.try_get(2)?,
            department_id: row.try_get(3)?,
            window_id: row.try_get(4)?,
            staff_id: row.try_get(5)?,
            channel: row.try_get(6)?,
            item_id: row.try_get(7)?,
        };
        let mut counters = Counters::default();
        for (i, slot) in counters.0.iter_mut().enumerate() {
            *slot = row.try_get(8 + i)?;
        }
        out.push((key, counters));
    }
    Ok(out)
}

/// Local (UTC+8) date of an instant, as the aggregate's day.
pub fn day_of(at_ms: i64) -> String {
    crate::from_ms(at_ms).with_timezone(&hcp_core::clock::shanghai()).format("%Y-%m-%d").to_string()
}

/// A finished case counts towards 主动评价率's denominator on the day it was finished.
pub async fn count_case(
    conn: &mut AnyConnection,
    window_id: i64,
    staff_id: Option<i64>,
    item_id: i64,
    finished_at_ms: i64,
) -> crate::Result<()> {
    let place = crate::org::placement(conn, window_id)
        .await?
        .ok_or_else(|| crate::StoreError::Corrupt(format!("window {window_id} without department")))?;
    let key = case_key(&place, staff_id, item_id, finished_at_ms);
    apply(conn, &key, &hcp_core::stats::case_contribution()).await
}

/// Where a finished case is counted: its window's place, on the day it was finished, under no channel.
pub fn case_key(place: &crate::org::Placement, staff_id: Option<i64>, item_id: i64, finished_at_ms: i64) -> StatKey {
    StatKey {
        day: day_of(finished_at_ms),
        org_path: place.org_path.clone(),
        org_unit_id: place.org_unit_id,
        department_id: place.department_id,
        window_id: place.window_id,
        staff_id: staff_id.unwrap_or(0),
        channel: String::new(),
        item_id,
    }
}

/// What the statistics read of an evaluation and its ticket.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvaluationRow {
    pub level: i64,
    pub adoption: String,
    pub channel: String,
    pub evaluator_kind: Option<String>,
    pub evaluated_at: i64,
    pub org_path: String,
    pub org_unit_id: i64,
    pub department_id: i64,
    pub window_id: i64,
    pub staff_id: Option<i64>,
    pub item_id: Option<i64>,
    /// The ticket's facts (JSON), for bad reviews.
    pub facts: Option<String>,
}

const EVALUATION_ROW: &str = "SELECT e.level, e.adoption, e.channel, e.evaluator_kind, e.evaluated_at, e.org_path, \
    e.org_unit_id, e.department_id, e.window_id, e.staff_id, e.item_id, t.facts \
    FROM evaluations e LEFT JOIN tickets t ON t.evaluation_id = e.id";

pub async fn evaluation_row(conn: &mut AnyConnection, id: i64) -> crate::Result<Option<EvaluationRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!("{EVALUATION_ROW} WHERE e.id = $1"))).bind(id).fetch_optional(conn).await?)
}

pub async fn evaluation_rows(conn: &mut AnyConnection) -> crate::Result<Vec<EvaluationRow>> {
    Ok(sqlx::query_as(AssertSqlSafe(EVALUATION_ROW.to_owned())).fetch_all(conn).await?)
}

/// (window, staff, item, finished_at) of every finished case.
pub async fn finished_cases(conn: &mut AnyConnection) -> crate::Result<Vec<(i64, Option<i64>, i64, i64)>> {
    Ok(sqlx::query_as("SELECT window_id, staff_id, item_id, finished_at FROM cases WHERE finished_at IS NOT NULL")
        .fetch_all(conn)
        .await?)
}

/// Texts of adopted bad reviews and of complaints received in [from_ms, to_ms), with their department, for hot
/// topics. Scoped; reports (misconduct) are left out.
pub async fn complaint_texts(
    conn: &mut AnyConnection,
    scope: &Scope,
    org_path: Option<&str>,
    from_ms: i64,
    to_ms: i64,
) -> crate::Result<Vec<(Option<i64>, String)>> {
    let mut out = Vec::new();
    for (select, alias, time) in [
        (
            "SELECT e.department_id, e.comment FROM evaluations e WHERE e.level <= 2 AND e.adoption = 'adopted' \
             AND e.comment <> ''",
            "e",
            "e.received_at",
        ),
        ("SELECT c.department_id, c.content FROM complaints c WHERE c.report_kind IS NULL", "c", "c.received_at"),
    ] {
        let mut sql = Sql::new(select);
        scope::restrict(&mut sql, alias, scope);
        if let Some(path) = org_path {
            sql.push(&format!(" AND {alias}.org_path LIKE ")).bind(crate::sql::like_prefix(path)).push(" ESCAPE '\\'");
        }
        sql.push(&format!(" AND {time} >= ")).bind(from_ms).push(&format!(" AND {time} < ")).bind(to_ms);
        let rows: Vec<(Option<i64>, String)> = sql.query_as().fetch_all(&mut *conn).await?;
        out.extend(rows);
    }
    Ok(out)
}
