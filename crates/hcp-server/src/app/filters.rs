//! What list and figure queries share: days and periods in China Standard Time, and an org subtree within the
//! caller's scope. A value that cannot be read is refused with the query parameter's own name.

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, Utc};
use hcp_core::clock::shanghai;
use hcp_core::org::path_contains;
use hcp_core::role::Scope;
use hcp_store::org;

use super::error::{AppError, AppResult};
use super::state::AppState;

/// Today in China Standard Time.
pub fn today(state: &AppState) -> NaiveDate {
    state.now().with_timezone(&shanghai()).date_naive()
}

/// The first day of `day`'s month.
pub fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The last day of the month that starts on `first`.
pub fn last_of_month(first: NaiveDate) -> NaiveDate {
    first.checked_add_months(Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(first)
}

/// The start of a local day, as epoch milliseconds.
pub fn start_of(day: NaiveDate) -> i64 {
    day.and_time(NaiveTime::MIN)
        .and_local_timezone(shanghai())
        .single()
        .map(|t| t.timestamp_millis())
        .unwrap_or_default()
}

/// The end of a local day (the start of the next), as epoch milliseconds.
pub fn end_of(day: NaiveDate) -> i64 {
    start_of(day.succ_opt().unwrap_or(day))
}

/// `YYYY-MM-DD`, or `default` when absent.
pub fn day(text: Option<&str>, field: &str, default: NaiveDate) -> AppResult<NaiveDate> {
    match blank(text) {
        None => Ok(default),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map_err(|_| AppError::invalid_query(field, format!("{field} 应为 YYYY-MM-DD 日期"))),
    }
}

/// A natural month `YYYY-MM`: its first and last day.
pub fn month(text: &str, field: &str) -> AppResult<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d")
        .map_err(|_| AppError::invalid_query(field, format!("{field} 应为 YYYY-MM 格式的月份")))?;
    Ok((first, last_of_month(first)))
}

/// A period bound: a local date (its start, or the start of the next day for an `end` bound) or an RFC 3339
/// instant, as epoch milliseconds.
pub fn bound(text: Option<&str>, field: &str, end: bool) -> AppResult<Option<i64>> {
    let Some(text) = blank(text) else {
        return Ok(None);
    };
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(at.with_timezone(&Utc).timestamp_millis()));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| AppError::invalid_query(field, format!("{field} 应为 YYYY-MM-DD 日期或 RFC 3339 时间")))?;
    Ok(Some(if end { end_of(date) } else { start_of(date) }))
}

/// `?org=CODE` as the org path of that unit, which must lie inside the caller's scope.
pub async fn org_subtree(state: &AppState, code: Option<&str>, scope: &Scope) -> AppResult<Option<String>> {
    let Some(code) = blank(code) else {
        return Ok(None);
    };
    let unit = org::org_unit_by_code(&mut *state.store().reader().await?, code)
        .await?
        .ok_or_else(|| AppError::not_found("机构"))?;
    if let Scope::OrgUnit { path, .. } = scope
        && !path_contains(path, &unit.path)
    {
        return Err(AppError::not_found("机构"));
    }
    Ok(Some(unit.path))
}

/// A text that is not just spaces.
pub fn blank(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_months_in_china_standard_time() {
        let d = NaiveDate::from_ymd_opt(2026, 2, 14).unwrap();
        assert_eq!(start_of(d), 1_770_998_400_000, "2026-02-14T00:00+08:00");
        assert_eq!(end_of(d) - start_of(d), 86_400_000);
        assert_eq!(month("2026-02", "period").unwrap().1, NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
        let refused = month("2026-13", "period").unwrap_err();
        assert_eq!(refused.fields.0.keys().collect::<Vec<_>>(), ["period"]);
        assert_eq!(bound(Some("2026-02-14"), "to", true).unwrap(), Some(end_of(d)));
        assert_eq!(bound(Some("  "), "to", true).unwrap(), None);
        assert!(day(Some("14/02/2026"), "from", d).is_err());
    }
}

/// A yes/no query parameter as people and generated clients write it: `true`/`false` or `1`/`0`
/// (`?overdue=1`). An empty value means not given.
pub fn query_flag<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    let text: Option<String> = serde::Deserialize::deserialize(deserializer)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some("true" | "1") => Ok(Some(true)),
        Some("false" | "0") => Ok(Some(false)),
        Some(other) => Err(serde::de::Error::custom(format!("应为 true/false 或 1/0，而不是“{other}”"))),
    }
}

#[cfg(test)]
mod flag_tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Q {
        #[serde(default, deserialize_with = "super::query_flag")]
        overdue: Option<bool>,
    }

    fn parse(query: &str) -> Result<Option<bool>, String> {
        serde_urlencoded::from_str::<Q>(query).map(|q| q.overdue).map_err(|e| e.to_string())
    }

    #[test]
    fn flags_read_as_people_and_clients_write_them() {
        assert_eq!(parse("overdue=1"), Ok(Some(true)));
        assert_eq!(parse("overdue=true"), Ok(Some(true)));
        assert_eq!(parse("overdue=0"), Ok(Some(false)));
        assert_eq!(parse("overdue=false"), Ok(Some(false)));
        assert_eq!(parse("overdue="), Ok(None));
        assert_eq!(parse(""), Ok(None));
        assert!(parse("overdue=yes").unwrap_err().contains("1/0"));
    }
}
