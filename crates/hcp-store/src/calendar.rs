//! The working-day calendar as data: State Council years (holiday-cn files) and local days.

use chrono::{DateTime, NaiveDate, Utc};
use hcp_core::calendar::{HolidayFile, WorkCalendar, shipped_years};
use sqlx::AnyConnection;

use crate::{StoreError, audit, ms};

pub async fn load(conn: &mut AnyConnection) -> crate::Result<WorkCalendar> {
    let mut calendar = WorkCalendar::new();
    let files: Vec<String> =
        sqlx::query_scalar("SELECT file FROM calendar_years ORDER BY year").fetch_all(&mut *conn).await?;
    for text in files {
        let file = HolidayFile::parse(&text).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        calendar.set_year(&file);
    }
    let locals: Vec<(String, i64, String)> =
        sqlx::query_as("SELECT date, is_off_day, name FROM calendar_local_days ORDER BY date")
            .fetch_all(&mut *conn)
            .await?;
    for (date, off, name) in locals {
        let date = NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|e| StoreError::Corrupt(e.to_string()))?;
        calendar.set_local_day(date, off != 0, &name);
    }
    Ok(calendar)
}

/// Adds or replaces one year. Returns whether a previous file for that year was replaced.
pub async fn save_year(
    conn: &mut AnyConnection,
    file: &HolidayFile,
    actor: &str,
    now: DateTime<Utc>,
) -> crate::Result<bool> {
    let replaced = sqlx::query("DELETE FROM calendar_years WHERE year = $1")
        .bind(i64::from(file.year))
        .execute(&mut *conn)
        .await?
        .rows_affected()
        > 0;
    sqlx::query("INSERT INTO calendar_years (year, file, imported_at) VALUES ($1, $2, $3)")
        .bind(i64::from(file.year))
        .bind(file.to_json())
        .bind(ms(now))
        .execute(&mut *conn)
        .await?;
    let off = file.days.iter().filter(|d| d.is_off_day).count();
    audit::append(
        conn,
        now,
        actor,
        if replaced { "calendar.replace_year" } else { "calendar.add_year" },
        &format!("calendar:{}", file.year),
        &serde_json::json!({"year": file.year, "days_off": off, "make_up_days": file.days.len() - off, "papers": file.papers}),
    )
    .await?;
    Ok(replaced)
}

/// First start: the shipped 2023–2026 arrangements, for each year not yet in the database.
pub async fn seed_shipped(conn: &mut AnyConnection, now: DateTime<Utc>) -> crate::Result<usize> {
    let known: Vec<i64> = sqlx::query_scalar("SELECT year FROM calendar_years").fetch_all(&mut *conn).await?;
    let mut added = 0;
    for file in shipped_years() {
        if !known.contains(&i64::from(file.year)) {
            save_year(conn, &file, "system", now).await?;
            added += 1;
        }
    }
    Ok(added)
}

pub async fn years(conn: &mut AnyConnection) -> crate::Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as("SELECT year, imported_at FROM calendar_years ORDER BY year").fetch_all(conn).await?)
}

/// A fingerprint of the calendar rows: when it differs from the one a process loaded, someone changed the
/// calendar (another server process or the CLI) and the process reloads it.
pub async fn version(conn: &mut AnyConnection) -> crate::Result<String> {
    let (years, imported, size): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(MAX(imported_at), 0), COALESCE(SUM(LENGTH(file)), 0) FROM calendar_years",
    )
    .fetch_one(&mut *conn)
    .await?;
    let (days, created): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COALESCE(MAX(created_at), 0) FROM calendar_local_days")
            .fetch_one(conn)
            .await?;
    Ok(format!("{years}:{imported}:{size}:{days}:{created}"))
}

/// A local day: a hall closed by the district (off) or an extra working day, beside the State Council years.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocalDay {
    /// YYYY-MM-DD.
    pub date: String,
    pub is_off_day: i64,
    pub name: String,
}

pub async fn local_days(conn: &mut AnyConnection) -> crate::Result<Vec<LocalDay>> {
    Ok(sqlx::query_as("SELECT date, is_off_day, name FROM calendar_local_days ORDER BY date").fetch_all(conn).await?)
}

/// Sets (adds or replaces) a local day, audited.
pub async fn save_local_day(
    conn: &mut AnyConnection,
    date: NaiveDate,
    is_off_day: bool,
    name: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> crate::Result<()> {
    let key = date.format("%Y-%m-%d").to_string();
    sqlx::query("DELETE FROM calendar_local_days WHERE date = $1").bind(&key).execute(&mut *conn).await?;
    sqlx::query("INSERT INTO calendar_local_days (date, is_off_day, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&key)
        .bind(i64::from(is_off_day))
        .bind(name)
        .bind(ms(now))
        .execute(&mut *conn)
        .await?;
    audit::append(
        conn,
        now,
        actor,
        "calendar.set_local_day",
        &format!("calendar:{key}"),
        &serde_json::json!({"date": key, "is_off_day": is_off_day, "name": name}),
    )
    .await?;
    Ok(())
}

/// Removes a local day, audited; false when there was none.
pub async fn delete_local_day(
    conn: &mut AnyConnection,
    date: NaiveDate,
    actor: &str,
    now: DateTime<Utc>,
) -> crate::Result<bool> {
    let key = date.format("%Y-%m-%d").to_string();
    let removed = sqlx::query("DELETE FROM calendar_local_days WHERE date = $1")
        .bind(&key)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if removed == 0 {
        return Ok(false);
    }
    audit::append(
        conn,
        now,
        actor,
        "calendar.remove_local_day",
        &format!("calendar:{key}"),
        &serde_json::json!({"date": key}),
    )
    .await?;
    Ok(true)
}
