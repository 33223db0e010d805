//! The statistics aggregate: sums of contributions per service day and attribution (`stat_daily`). Writers add
//! the difference a change makes; readers sum rows for any grouping and subtree.

use hcp_core::channel::Channel;
use hcp_core::evaluation::{Adoption, EvaluatorKind};
use hcp_core::level::Level;
use hcp_core::lifecycle::TicketFacts;
use hcp_core::role::Scope;
use hcp_core::stats::{Counters, columns};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::scope;
use crate::sql::{Param, Sql};

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

/// One of the three aggregate tables: the full attribution per day, and its roll-ups per window by day and by
/// month (which serve the coarse groupings fast).
struct Table {
    name: &'static str,
    keys: &'static [&'static str],
    conflict: &'static str,
}

const DAILY: Table = Table {
    name: "stat_daily",
    keys: &["day", "org_path", "org_unit_id", "department_id", "window_id", "staff_id", "channel", "item_id"],
    conflict: "day, org_path, department_id, window_id, staff_id, channel, item_id",
};
const WINDOW_DAY: Table = Table {
    name: "stat_window_day",
    keys: &["day", "org_path", "org_unit_id", "department_id", "window_id"],
    conflict: "day, org_path, department_id, window_id",
};
const WINDOW_MONTH: Table = Table {
    name: "stat_window_month",
    keys: &["month", "org_path", "org_unit_id", "department_id", "window_id"],
    conflict: "month, org_path, department_id, window_id",
};

/// A roll-up row's key: (day or month, org_path, org_unit_id, department_id, window_id).
type RollupKey = (String, String, i64, i64, i64);

/// Adds each delta to its row and to the window roll-ups, with multi-row upserts in key order. Keys must be
/// distinct (PostgreSQL refuses to update one row twice in a statement).
pub async fn apply_many(conn: &mut AnyConnection, deltas: &[(StatKey, Counters)]) -> crate::Result<()> {
    let mut daily = Vec::with_capacity(deltas.len());
    let mut by_day: std::collections::BTreeMap<RollupKey, Counters> = Default::default();
    let mut by_month: std::collections::BTreeMap<RollupKey, Counters> = Default::default();
    for (key, delta) in deltas.iter().filter(|(_, d)| !d.is_zero()) {
        daily.push((
            vec![
                Param::from(key.day.as_str()),
                Param::from(key.org_path.as_str()),
                Param::Int(key.org_unit_id),
                Param::Int(key.department_id),
                Param::Int(key.window_id),
                Param::Int(key.staff_id),
                Param::from(key.channel.as_str()),
                Param::Int(key.item_id),
            ],
            *delta,
        ));
        let rollup =
            |period: &str| (period.to_owned(), key.org_path.clone(), key.org_unit_id, key.department_id, key.window_id);
        by_day.entry(rollup(&key.day)).or_default().add(delta);
        by_month.entry(rollup(key.day.get(..7).unwrap_or(&key.day))).or_default().add(delta);
    }
    let params = |rows: std::collections::BTreeMap<RollupKey, Counters>| -> Vec<(Vec<Param>, Counters)> {
        rows.into_iter()
            .filter(|(_, c)| !c.is_zero())
            .map(|((period, path, unit, department, window), c)| {
                (
                    vec![
                        Param::Text(period),
                        Param::Text(path),
                        Param::Int(unit),
                        Param::Int(department),
                        Param::Int(window),
                    ],
                    c,
                )
            })
            .collect()
    };
    upsert(conn, &DAILY, &daily).await?;
    upsert(conn, &WINDOW_DAY, &params(by_day)).await?;
    upsert(conn, &WINDOW_MONTH, &params(by_month)).await
}

async fn upsert(conn: &mut AnyConnection, table: &Table, rows: &[(Vec<Param>, Counters)]) -> crate::Result<()> {
    let names: Vec<&str> = columns().collect();
    let width = table.keys.len() + names.len();
    let updates: Vec<String> = names.iter().map(|c| format!("{c} = {}.{c} + excluded.{c}", table.name)).collect();
    for chunk in rows.chunks(crate::sql::PARAMS_PER_STATEMENT / width) {
        let text = format!(
            "INSERT INTO {} ({}, {}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {}",
            table.name,
            table.keys.join(", "),
            names.join(", "),
            crate::sql::value_rows(chunk.len(), width),
            table.conflict,
            updates.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(text));
        for (key, delta) in chunk {
            for param in key {
                query = match param {
                    Param::Int(v) => query.bind(*v),
                    Param::Text(v) => query.bind(v.as_str()),
                    Param::Null => query.bind(None::<i64>),
                };
            }
            for value in delta.0 {
                query = query.bind(value);
            }
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Empties the aggregate and its roll-ups (before a rebuild).
pub async fn clear(conn: &mut AnyConnection) -> crate::Result<()> {
    for table in [&DAILY, &WINDOW_DAY, &WINDOW_MONTH] {
        sqlx::query(AssertSqlSafe(format!("DELETE FROM {}", table.name))).execute(&mut *conn).await?;
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

    /// The group key, over a table whose period column is `day` or `month`.
    fn expression(self, period: &str) -> &'static str {
        match self {
            GroupBy::None => "'all'",
            GroupBy::Department => "CAST(department_id AS TEXT)",
            GroupBy::Window => "CAST(window_id AS TEXT)",
            GroupBy::Staff => "CAST(staff_id AS TEXT)",
            GroupBy::Channel => "channel",
            GroupBy::Item => "CAST(item_id AS TEXT)",
            GroupBy::Day => "day",
            GroupBy::Month if period == "month" => "month",
            GroupBy::Month => "substr(day, 1, 7)",
        }
    }

    /// Whether the window roll-ups carry what this grouping needs.
    fn by_window(self) -> bool {
        matches!(self, GroupBy::None | GroupBy::Department | GroupBy::Window | GroupBy::Day | GroupBy::Month)
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

/// Inclusive bounds on a period column (None: open).
type Bounds = (Option<String>, Option<String>);

/// Sums per group, in group-key order. Groupings that need no staff, channel or item read the window roll-ups:
/// whole months from `stat_window_month`, the partial months at either end from `stat_window_day`.
pub async fn query(
    conn: &mut AnyConnection,
    filter: &Filter,
    scope: Option<&Scope>,
    group_by: GroupBy,
) -> crate::Result<Vec<(String, Counters)>> {
    let whole = (filter.from_day.clone(), filter.to_day.clone());
    let staff_scope = matches!(scope, Some(Scope::Staff { .. }));
    if staff_scope || !group_by.by_window() {
        return sum(conn, &DAILY, &[whole], filter, scope, group_by).await;
    }
    let split = match group_by {
        GroupBy::Day => None,
        _ => split_months(filter.from_day.as_deref(), filter.to_day.as_deref()),
    };
    let Some((months, days)) = split else {
        return sum(conn, &WINDOW_DAY, &[whole], filter, scope, group_by).await;
    };
    let mut merged: std::collections::BTreeMap<String, Counters> = Default::default();
    let mut parts = Vec::new();
    if let Some(months) = months {
        parts.extend(sum(conn, &WINDOW_MONTH, &[months], filter, scope, group_by).await?);
    }
    if !days.is_empty() {
        parts.extend(sum(conn, &WINDOW_DAY, &days, filter, scope, group_by).await?);
    }
    for (key, counters) in parts {
        merged.entry(key).or_default().add(&counters);
    }
    Ok(merged.into_iter().collect())
}

/// Sums of one table over any of `ranges` of its period column.
async fn sum(
    conn: &mut AnyConnection,
    table: &Table,
    ranges: &[Bounds],
    filter: &Filter,
    scope: Option<&Scope>,
    group_by: GroupBy,
) -> crate::Result<Vec<(String, Counters)>> {
    let period = table.keys[0];
    // SUM over BIGINT is NUMERIC on PostgreSQL, which the `Any` driver does not carry: cast back.
    let sums: Vec<String> = columns().map(|c| format!("CAST(SUM({c}) AS BIGINT)")).collect();
    let mut sql = Sql::new(&format!(
        "SELECT {} AS group_key, {} FROM {} s WHERE 1 = 1",
        group_by.expression(period),
        sums.join(", "),
        table.name
    ));
    if let Some(scope) = scope {
        scope::restrict(&mut sql, "s", scope);
    }
    if let Some(path) = &filter.org_path {
        sql.push(" AND s.org_path LIKE ").bind(crate::sql::like_prefix(path)).push(" ESCAPE '\\'");
    }
    sql.push(" AND (");
    for (i, (from, to)) in ranges.iter().enumerate() {
        sql.push(if i == 0 { "(1 = 1" } else { " OR (1 = 1" });
        if let Some(from) = from {
            sql.push(&format!(" AND s.{period} >= ")).bind(from.as_str());
        }
        if let Some(to) = to {
            sql.push(&format!(" AND s.{period} <= ")).bind(to.as_str());
        }
        sql.push(")");
    }
    sql.push(") GROUP BY group_key ORDER BY group_key");
    let rows: Vec<AnyRow> = sql.query().fetch_all(conn).await?;
    rows.iter().map(read_group).collect()
}

/// Splits inclusive day bounds (YYYY-MM-DD) into the whole months they cover (YYYY-MM bounds) and the days of
/// the partial months at either end. None when a bound is not a date (the caller then sums days).
fn split_months(from: Option<&str>, to: Option<&str>) -> Option<(Option<Bounds>, Vec<Bounds>)> {
    use chrono::{Datelike, Months, NaiveDate};
    let parse = |text: Option<&str>| -> Option<Option<NaiveDate>> {
        match text {
            None => Some(None),
            Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d").ok().map(Some),
        }
    };
    let (from, to) = (parse(from)?, parse(to)?);
    let first_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    let last_of = |d: NaiveDate| first_of(d).checked_add_months(Months::new(1)).and_then(|n| n.pred_opt()).unwrap_or(d);
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let month = |d: NaiveDate| d.format("%Y-%m").to_string();
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Some((None, Vec::new()));
        }
        if first_of(f) == first_of(t) && (f.day() != 1 || t != last_of(t)) {
            return Some((None, vec![(Some(day(f)), Some(day(t)))]));
        }
    }
    let mut days = Vec::new();
    let first_month = match from {
        None => None,
        Some(f) if f.day() == 1 => Some(f),
        Some(f) => {
            days.push((Some(day(f)), Some(day(last_of(f)))));
            Some(last_of(f).succ_opt()?)
        }
    };
    let last_month = match to {
        None => None,
        Some(t) if t == last_of(t) => Some(t),
        Some(t) => {
            days.push((Some(day(first_of(t))), Some(day(t))));
            Some(first_of(t).pred_opt()?)
        }
    };
    let months = match (first_month, last_month) {
        (Some(a), Some(b)) if first_of(a) > first_of(b) => None,
        (a, b) => Some((a.map(month), b.map(month))),
    };
    Some((months, days))
}

#[cfg(test)]
mod tests {
    use super::split_months;

    fn b(from: &str, to: &str) -> (Option<String>, Option<String>) {
        (Some(from.to_owned()), Some(to.to_owned()))
    }

    #[test]
    fn a_year_from_the_middle_of_a_month_is_two_partial_months_and_eleven_whole_ones() {
        let (months, days) = split_months(Some("2025-11-26"), Some("2026-11-25")).unwrap();
        assert_eq!(months, Some(b("2025-12", "2026-10")));
        assert_eq!(days, vec![b("2025-11-26", "2025-11-30"), b("2026-11-01", "2026-11-25")]);
    }

    #[test]
    fn whole_months_need_no_days_and_open_bounds_stay_open() {
        assert_eq!(split_months(Some("2026-01-01"), Some("2026-02-28")), Some((Some(b("2026-01", "2026-02")), vec![])));
        assert_eq!(split_months(Some("2024-02-01"), Some("2024-02-29")), Some((Some(b("2024-02", "2024-02")), vec![])));
        assert_eq!(split_months(None, None), Some((Some((None, None)), vec![])));
        assert_eq!(
            split_months(None, Some("2026-03-10")),
            Some((Some((None, Some("2026-02".into()))), vec![b("2026-03-01", "2026-03-10")]))
        );
        assert_eq!(
            split_months(Some("2026-03-10"), None),
            Some((Some((Some("2026-04".into()), None)), vec![b("2026-03-10", "2026-03-31")]))
        );
    }

    #[test]
    fn within_one_month_or_adjacent_partial_months_there_are_only_days() {
        assert_eq!(
            split_months(Some("2026-03-02"), Some("2026-03-30")),
            Some((None, vec![b("2026-03-02", "2026-03-30")]))
        );
        assert_eq!(
            split_months(Some("2026-03-15"), Some("2026-04-10")),
            Some((None, vec![b("2026-03-15", "2026-03-31"), b("2026-04-01", "2026-04-10")]))
        );
        assert_eq!(split_months(Some("2026-03-15"), Some("2026-03-01")), Some((None, vec![])));
        assert_eq!(split_months(Some("2026-02-30"), None), None);
    }
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
pub fn day_of(at_ms: i64) -> crate::Result<String> {
    Ok(crate::from_ms(at_ms)?.with_timezone(&hcp_core::clock::shanghai()).format("%Y-%m-%d").to_string())
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
    let key = case_key(&place, staff_id, item_id, finished_at_ms)?;
    apply(conn, &key, &hcp_core::stats::case_contribution()).await
}

/// Where a finished case is counted: its window's place, on the day it was finished, under no channel.
pub fn case_key(
    place: &crate::org::Placement,
    staff_id: Option<i64>,
    item_id: i64,
    finished_at_ms: i64,
) -> crate::Result<StatKey> {
    Ok(StatKey {
        day: day_of(finished_at_ms)?,
        org_path: place.org_path.clone(),
        org_unit_id: place.org_unit_id,
        department_id: place.department_id,
        window_id: place.window_id,
        staff_id: staff_id.unwrap_or(0),
        channel: String::new(),
        item_id,
    })
}

/// What the statistics read of an evaluation and its ticket.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvaluationRow {
    #[sqlx(try_from = "i64")]
    pub level: Level,
    #[sqlx(try_from = "String")]
    pub adoption: Adoption,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    #[sqlx(try_from = "crate::decode::NullableCode")]
    pub evaluator_kind: Option<EvaluatorKind>,
    pub evaluated_at: i64,
    pub org_path: String,
    pub org_unit_id: i64,
    pub department_id: i64,
    pub window_id: i64,
    pub staff_id: Option<i64>,
    pub item_id: Option<i64>,
    /// The ticket's facts, for bad reviews.
    #[sqlx(try_from = "crate::decode::NullableJson")]
    pub facts: Option<TicketFacts>,
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
