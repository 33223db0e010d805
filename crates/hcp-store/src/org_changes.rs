//! Changes to the organisation model after creation: edits, deactivation and reactivation (never deletion, so
//! that evaluations, tickets and statistics keep pointing at what they were recorded against).

use sqlx::AnyConnection;

/// The tables of the organisation model that can be deactivated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    OrgUnit,
    Department,
    Window,
    Staff,
    ServiceItem,
}

impl Record {
    fn table(self) -> &'static str {
        match self {
            Record::OrgUnit => "org_units",
            Record::Department => "departments",
            Record::Window => "windows",
            Record::Staff => "staff",
            Record::ServiceItem => "service_items",
        }
    }
}

/// Marks a record deactivated at `at_ms`, or active again with `None`.
pub async fn set_deactivated(
    conn: &mut AnyConnection,
    record: Record,
    id: i64,
    at_ms: Option<i64>,
) -> crate::Result<()> {
    let text = format!("UPDATE {} SET deactivated_at = $1 WHERE id = $2", record.table());
    sqlx::query(sqlx::AssertSqlSafe(text)).bind(at_ms).bind(id).execute(conn).await?;
    Ok(())
}

/// A staff member who stops being on duty stops heading any window.
pub async fn clear_head(conn: &mut AnyConnection, staff_id: i64) -> crate::Result<()> {
    sqlx::query("UPDATE windows SET head_staff_id = NULL WHERE head_staff_id = $1")
        .bind(staff_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn update_org_unit(conn: &mut AnyConnection, id: i64, name: &str, kind: &str) -> crate::Result<()> {
    sqlx::query("UPDATE org_units SET name = $1, kind = $2 WHERE id = $3")
        .bind(name)
        .bind(kind)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn update_department(conn: &mut AnyConnection, id: i64, name: &str, org_unit_id: i64) -> crate::Result<()> {
    sqlx::query("UPDATE departments SET name = $1, org_unit_id = $2 WHERE id = $3")
        .bind(name)
        .bind(org_unit_id)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn update_window(
    conn: &mut AnyConnection,
    id: i64,
    name: &str,
    department_id: i64,
    head_staff_id: Option<i64>,
) -> crate::Result<()> {
    sqlx::query("UPDATE windows SET name = $1, department_id = $2, head_staff_id = $3 WHERE id = $4")
        .bind(name)
        .bind(department_id)
        .bind(head_staff_id)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Where citizens of a closed window go instead (cleared on reactivation).
pub async fn set_window_closure(
    conn: &mut AnyConnection,
    id: i64,
    replacement_window_id: Option<i64>,
    note: Option<&str>,
) -> crate::Result<()> {
    sqlx::query("UPDATE windows SET replacement_window_id = $1, closed_note = $2 WHERE id = $3")
        .bind(replacement_window_id)
        .bind(note)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Renames a staff member and stations them at a window (or none: off duty). A head who leaves their window
/// stops being its head.
pub async fn update_staff(conn: &mut AnyConnection, id: i64, name: &str, window_id: Option<i64>) -> crate::Result<()> {
    sqlx::query("UPDATE staff SET name = $1, window_id = $2 WHERE id = $3")
        .bind(name)
        .bind(window_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE windows SET head_staff_id = NULL WHERE head_staff_id = $1 AND ($2 IS NULL OR id <> $2)")
        .bind(id)
        .bind(window_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn update_service_item(
    conn: &mut AnyConnection,
    id: i64,
    name: &str,
    department_id: Option<i64>,
) -> crate::Result<()> {
    sqlx::query("UPDATE service_items SET name = $1, department_id = $2 WHERE id = $3")
        .bind(name)
        .bind(department_id)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The active records directly under one (child units and departments of a unit, windows of a department,
/// staff of a window), as "name（code）", for refusing a deactivation that would orphan them.
pub async fn active_children(conn: &mut AnyConnection, record: Record, id: i64) -> crate::Result<Vec<String>> {
    let text = match record {
        Record::OrgUnit => {
            "SELECT name || '（' || code || '）' FROM org_units WHERE parent_id = $1 AND deactivated_at IS NULL \
             UNION ALL SELECT name || '（' || code || '）' FROM departments WHERE org_unit_id = $1 AND deactivated_at IS NULL"
        }
        Record::Department => {
            "SELECT name || '（' || code || '）' FROM windows WHERE department_id = $1 AND deactivated_at IS NULL"
        }
        Record::Window => {
            "SELECT name || '（' || staff_no || '）' FROM staff WHERE window_id = $1 AND deactivated_at IS NULL"
        }
        Record::Staff | Record::ServiceItem => return Ok(Vec::new()),
    };
    Ok(sqlx::query_scalar(text).bind(id).fetch_all(conn).await?)
}
