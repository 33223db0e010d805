//! Settings edited by the administrator (policy deadlines and thresholds): key → value text. A stored value
//! overrides the configuration file's; the server validates them (this module stores what it is given).

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use crate::{audit, ms};

/// Every stored setting, by key.
pub async fn all(conn: &mut AnyConnection) -> crate::Result<Vec<(String, String)>> {
    Ok(sqlx::query_as("SELECT key, value FROM settings ORDER BY key").fetch_all(conn).await?)
}

/// Replaces the stored settings with `values` (an empty slice returns every setting to the file's value),
/// audited with the old and new values.
pub async fn replace(
    conn: &mut AnyConnection,
    values: &[(String, String)],
    actor: &str,
    now: DateTime<Utc>,
) -> crate::Result<()> {
    let before = all(conn).await?;
    sqlx::query("DELETE FROM settings").execute(&mut *conn).await?;
    for (key, value) in values {
        sqlx::query("INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)")
            .bind(key)
            .bind(value)
            .bind(ms(now))
            .bind(actor)
            .execute(&mut *conn)
            .await?;
    }
    let as_map = |rows: &[(String, String)]| -> serde_json::Map<String, serde_json::Value> {
        rows.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect()
    };
    audit::append(
        conn,
        now,
        actor,
        "settings.update",
        "settings",
        &serde_json::json!({"before": as_map(&before), "after": as_map(values)}),
    )
    .await?;
    Ok(())
}
