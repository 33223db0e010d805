//! The organisation model: org units (a tree), stationed departments, windows, staff, service items, cases.

use chrono::{DateTime, Utc};
use hcp_core::org::OrgKind;
use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use crate::{StoreError, ms};

#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgUnit {
    pub id: i64,
    pub code: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: OrgKind,
    pub parent_id: Option<i64>,
    pub path: String,
    /// When it was deactivated (ms); None while active.
    pub deactivated_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Department {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub org_unit_id: i64,
    pub deactivated_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Window {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub department_id: i64,
    pub head_staff_id: Option<i64>,
    pub deactivated_at: Option<i64>,
    /// A closed window: the window citizens are sent to instead.
    pub replacement_window_id: Option<i64>,
    /// A closed window: where to go instead, in words.
    pub closed_note: Option<String>,
}

#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Staff {
    pub id: i64,
    pub staff_no: String,
    pub name: String,
    pub window_id: Option<i64>,
    pub deactivated_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceItem {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub department_id: Option<i64>,
    pub deactivated_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    pub id: i64,
    pub case_no: String,
    pub item_id: i64,
    pub window_id: i64,
    pub staff_id: Option<i64>,
    pub accepted_at: i64,
    pub finished_at: Option<i64>,
}

/// Where a window sits: what an evaluation of it is attributed to (谁办理、谁负责).
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct Placement {
    pub window_id: i64,
    pub window_code: String,
    pub department_id: i64,
    pub org_unit_id: i64,
    pub org_path: String,
}

pub async fn create_org_unit(
    conn: &mut AnyConnection,
    code: &str,
    name: &str,
    kind: OrgKind,
    parent: Option<&OrgUnit>,
    now: DateTime<Utc>,
) -> crate::Result<OrgUnit> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO org_units (code, name, kind, parent_id, path, created_at) VALUES ($1, $2, $3, $4, '', $5) RETURNING id",
    )
    .bind(code)
    .bind(name)
    .bind(kind.code())
    .bind(parent.map(|p| p.id))
    .bind(ms(now))
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| StoreError::unique_as(e, "组织机构编码"))?;
    let path = hcp_core::org::child_path(parent.map(|p| p.path.as_str()), id);
    sqlx::query("UPDATE org_units SET path = $1 WHERE id = $2").bind(&path).bind(id).execute(&mut *conn).await?;
    Ok(OrgUnit {
        id,
        code: code.to_owned(),
        name: name.to_owned(),
        kind,
        parent_id: parent.map(|p| p.id),
        path,
        deactivated_at: None,
    })
}

pub async fn org_unit_by_code(conn: &mut AnyConnection, code: &str) -> crate::Result<Option<OrgUnit>> {
    Ok(sqlx::query_as("SELECT id, code, name, kind, parent_id, path, deactivated_at FROM org_units WHERE code = $1")
        .bind(code)
        .fetch_optional(conn)
        .await?)
}

pub async fn org_unit_by_id(conn: &mut AnyConnection, id: i64) -> crate::Result<Option<OrgUnit>> {
    Ok(sqlx::query_as("SELECT id, code, name, kind, parent_id, path, deactivated_at FROM org_units WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// Every org unit, parents before children.
pub async fn list_org_units(conn: &mut AnyConnection) -> crate::Result<Vec<OrgUnit>> {
    Ok(sqlx::query_as("SELECT id, code, name, kind, parent_id, path, deactivated_at FROM org_units ORDER BY path")
        .fetch_all(conn)
        .await?)
}

pub async fn create_department(
    conn: &mut AnyConnection,
    code: &str,
    name: &str,
    org_unit_id: i64,
    now: DateTime<Utc>,
) -> crate::Result<Department> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO departments (code, name, org_unit_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(code)
    .bind(name)
    .bind(org_unit_id)
    .bind(ms(now))
    .fetch_one(conn)
    .await
    .map_err(|e| StoreError::unique_as(e, "部门编码"))?;
    Ok(Department { id, code: code.to_owned(), name: name.to_owned(), org_unit_id, deactivated_at: None })
}

pub async fn department_by_code(conn: &mut AnyConnection, code: &str) -> crate::Result<Option<Department>> {
    Ok(sqlx::query_as("SELECT id, code, name, org_unit_id, deactivated_at FROM departments WHERE code = $1")
        .bind(code)
        .fetch_optional(conn)
        .await?)
}

pub async fn department_by_id(conn: &mut AnyConnection, id: i64) -> crate::Result<Option<Department>> {
    Ok(sqlx::query_as("SELECT id, code, name, org_unit_id, deactivated_at FROM departments WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

pub async fn list_departments(conn: &mut AnyConnection) -> crate::Result<Vec<Department>> {
    Ok(sqlx::query_as("SELECT id, code, name, org_unit_id, deactivated_at FROM departments ORDER BY org_unit_id, id")
        .fetch_all(conn)
        .await?)
}

pub async fn create_window(
    conn: &mut AnyConnection,
    code: &str,
    name: &str,
    department_id: i64,
    now: DateTime<Utc>,
) -> crate::Result<Window> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO windows (code, name, department_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(code)
    .bind(name)
    .bind(department_id)
    .bind(ms(now))
    .fetch_one(conn)
    .await
    .map_err(|e| StoreError::unique_as(e, "窗口编号"))?;
    Ok(Window {
        id,
        code: code.to_owned(),
        name: name.to_owned(),
        department_id,
        head_staff_id: None,
        deactivated_at: None,
        replacement_window_id: None,
        closed_note: None,
    })
}

pub async fn set_window_head(conn: &mut AnyConnection, window_id: i64, staff_id: Option<i64>) -> crate::Result<()> {
    sqlx::query("UPDATE windows SET head_staff_id = $1 WHERE id = $2")
        .bind(staff_id)
        .bind(window_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn window_by_code(conn: &mut AnyConnection, code: &str) -> crate::Result<Option<Window>> {
    Ok(sqlx::query_as("SELECT id, code, name, department_id, head_staff_id, deactivated_at, replacement_window_id, closed_note FROM windows WHERE code = $1")
        .bind(code)
        .fetch_optional(conn)
        .await?)
}

pub async fn window_by_id(conn: &mut AnyConnection, id: i64) -> crate::Result<Option<Window>> {
    Ok(sqlx::query_as("SELECT id, code, name, department_id, head_staff_id, deactivated_at, replacement_window_id, closed_note FROM windows WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

pub async fn list_windows(conn: &mut AnyConnection) -> crate::Result<Vec<Window>> {
    Ok(sqlx::query_as("SELECT id, code, name, department_id, head_staff_id, deactivated_at, replacement_window_id, closed_note FROM windows ORDER BY department_id, id")
        .fetch_all(conn)
        .await?)
}

pub async fn placement(conn: &mut AnyConnection, window_id: i64) -> crate::Result<Option<Placement>> {
    Ok(sqlx::query_as(
        "SELECT w.id AS window_id, w.code AS window_code, d.id AS department_id, o.id AS org_unit_id, o.path AS org_path \
         FROM windows w JOIN departments d ON d.id = w.department_id JOIN org_units o ON o.id = d.org_unit_id \
         WHERE w.id = $1",
    )
    .bind(window_id)
    .fetch_optional(conn)
    .await?)
}

pub async fn create_staff(
    conn: &mut AnyConnection,
    staff_no: &str,
    name: &str,
    window_id: Option<i64>,
    now: DateTime<Utc>,
) -> crate::Result<Staff> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO staff (staff_no, name, window_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(staff_no)
    .bind(name)
    .bind(window_id)
    .bind(ms(now))
    .fetch_one(conn)
    .await
    .map_err(|e| StoreError::unique_as(e, "工号"))?;
    Ok(Staff { id, staff_no: staff_no.to_owned(), name: name.to_owned(), window_id, deactivated_at: None })
}

pub async fn staff_by_no(conn: &mut AnyConnection, staff_no: &str) -> crate::Result<Option<Staff>> {
    Ok(sqlx::query_as("SELECT id, staff_no, name, window_id, deactivated_at FROM staff WHERE staff_no = $1")
        .bind(staff_no)
        .fetch_optional(conn)
        .await?)
}

pub async fn staff_by_id(conn: &mut AnyConnection, id: i64) -> crate::Result<Option<Staff>> {
    Ok(sqlx::query_as("SELECT id, staff_no, name, window_id, deactivated_at FROM staff WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

pub async fn list_staff(conn: &mut AnyConnection) -> crate::Result<Vec<Staff>> {
    Ok(sqlx::query_as("SELECT id, staff_no, name, window_id, deactivated_at FROM staff ORDER BY window_id, id")
        .fetch_all(conn)
        .await?)
}

pub async fn create_service_item(
    conn: &mut AnyConnection,
    code: &str,
    name: &str,
    department_id: Option<i64>,
    now: DateTime<Utc>,
) -> crate::Result<ServiceItem> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO service_items (code, name, department_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(code)
    .bind(name)
    .bind(department_id)
    .bind(ms(now))
    .fetch_one(conn)
    .await
    .map_err(|e| StoreError::unique_as(e, "事项编码"))?;
    Ok(ServiceItem { id, code: code.to_owned(), name: name.to_owned(), department_id, deactivated_at: None })
}

pub async fn service_item_by_code(conn: &mut AnyConnection, code: &str) -> crate::Result<Option<ServiceItem>> {
    Ok(sqlx::query_as("SELECT id, code, name, department_id, deactivated_at FROM service_items WHERE code = $1")
        .bind(code)
        .fetch_optional(conn)
        .await?)
}

pub async fn list_service_items(conn: &mut AnyConnection) -> crate::Result<Vec<ServiceItem>> {
    Ok(sqlx::query_as("SELECT id, code, name, department_id, deactivated_at FROM service_items ORDER BY id")
        .fetch_all(conn)
        .await?)
}

pub struct NewCase<'a> {
    pub case_no: &'a str,
    pub item_id: i64,
    pub window_id: i64,
    pub staff_id: Option<i64>,
    pub accepted_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

pub async fn create_case(conn: &mut AnyConnection, case: &NewCase<'_>, now: DateTime<Utc>) -> crate::Result<Case> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO cases (case_no, item_id, window_id, staff_id, accepted_at, finished_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(case.case_no)
    .bind(case.item_id)
    .bind(case.window_id)
    .bind(case.staff_id)
    .bind(ms(case.accepted_at))
    .bind(case.finished_at.map(ms))
    .bind(ms(now))
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| StoreError::unique_as(e, "办件编号"))?;
    if let Some(finished) = case.finished_at {
        crate::stats::count_case(conn, case.window_id, case.staff_id, case.item_id, ms(finished)).await?;
    }
    Ok(Case {
        id,
        case_no: case.case_no.to_owned(),
        item_id: case.item_id,
        window_id: case.window_id,
        staff_id: case.staff_id,
        accepted_at: ms(case.accepted_at),
        finished_at: case.finished_at.map(ms),
    })
}

/// Inserts cases with multi-row statements (the demo's bulk loader), without counting them in the statistics
/// (the caller does); returns (case_no, id) pairs.
pub async fn insert_cases(
    conn: &mut AnyConnection,
    cases: &[NewCase<'_>],
    now: DateTime<Utc>,
) -> crate::Result<Vec<(String, i64)>> {
    const COLUMNS: usize = 7;
    let mut out = Vec::with_capacity(cases.len());
    for chunk in cases.chunks(crate::sql::PARAMS_PER_STATEMENT / COLUMNS) {
        let text = format!(
            "INSERT INTO cases (case_no, item_id, window_id, staff_id, accepted_at, finished_at, created_at) \
             VALUES {} RETURNING case_no, id",
            crate::sql::value_rows(chunk.len(), COLUMNS)
        );
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(text));
        for case in chunk {
            query = query
                .bind(case.case_no)
                .bind(case.item_id)
                .bind(case.window_id)
                .bind(case.staff_id)
                .bind(ms(case.accepted_at))
                .bind(case.finished_at.map(ms))
                .bind(ms(now));
        }
        let rows: Vec<(String, i64)> =
            query.fetch_all(&mut *conn).await.map_err(|e| StoreError::unique_as(e, "办件编号"))?;
        out.extend(rows);
    }
    Ok(out)
}

/// The cases of these numbers (those that exist).
pub async fn cases_by_no(conn: &mut AnyConnection, numbers: &[String]) -> crate::Result<Vec<Case>> {
    let mut out = Vec::with_capacity(numbers.len());
    for chunk in numbers.chunks(crate::sql::PARAMS_PER_STATEMENT) {
        let mut sql = crate::sql::Sql::new(
            "SELECT id, case_no, item_id, window_id, staff_id, accepted_at, finished_at FROM cases WHERE case_no IN (",
        );
        for (i, no) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(no.as_str());
        }
        sql.push(")");
        out.extend(sql.query_as::<Case>().fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

pub async fn case_by_no(conn: &mut AnyConnection, case_no: &str) -> crate::Result<Option<Case>> {
    Ok(sqlx::query_as(
        "SELECT id, case_no, item_id, window_id, staff_id, accepted_at, finished_at FROM cases WHERE case_no = $1",
    )
    .bind(case_no)
    .fetch_optional(conn)
    .await?)
}

/// Cases, newest first, optionally of one window; paginated.
pub async fn list_cases(
    conn: &mut AnyConnection,
    window_id: Option<i64>,
    limit: i64,
    offset: i64,
) -> crate::Result<Vec<Case>> {
    Ok(sqlx::query_as(
        "SELECT id, case_no, item_id, window_id, staff_id, accepted_at, finished_at FROM cases \
         WHERE ($1 IS NULL OR window_id = $1) ORDER BY accepted_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(window_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?)
}
