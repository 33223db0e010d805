//! Complaints (投诉): free text about a service, the target possibly unknown.

use hcp_core::complaint::{ComplaintChannel, ReportKind};
use sqlx::AnyConnection;

use crate::StoreError;
use crate::decode::NullableCode;

#[derive(Debug, Clone)]
pub struct InsertComplaint {
    pub tracking_code: String,
    pub query_secret: String,
    pub channel: ComplaintChannel,
    pub org_unit_id: Option<i64>,
    pub department_id: Option<i64>,
    pub window_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub org_path: String,
    pub content: String,
    pub contact_name: Option<Vec<u8>>,
    pub contact_phone: Option<Vec<u8>>,
    pub key_id: Option<String>,
    pub phone_index: Option<String>,
    pub received_at: i64,
    pub registered_by: Option<i64>,
    pub report_kind: Option<ReportKind>,
}

pub async fn insert(conn: &mut AnyConnection, c: &InsertComplaint) -> crate::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO complaints (tracking_code, query_secret, channel, org_unit_id, department_id, window_id, staff_id, \
         org_path, content, contact_name, contact_phone, key_id, phone_index, received_at, registered_by, report_kind) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
    )
    .bind(&c.tracking_code)
    .bind(&c.query_secret)
    .bind(c.channel.code())
    .bind(c.org_unit_id)
    .bind(c.department_id)
    .bind(c.window_id)
    .bind(c.staff_id)
    .bind(&c.org_path)
    .bind(&c.content)
    .bind(c.contact_name.as_deref())
    .bind(c.contact_phone.as_deref())
    .bind(c.key_id.as_deref())
    .bind(c.phone_index.as_deref())
    .bind(c.received_at)
    .bind(c.registered_by)
    .bind(c.report_kind.map(ReportKind::code))
    .fetch_one(conn)
    .await
    .map_err(|e| StoreError::unique_as(e, "投诉"))
}

/// What the citizen's tracking code finds.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Tracked {
    pub id: i64,
    pub query_secret: String,
    #[sqlx(try_from = "String")]
    pub channel: ComplaintChannel,
    #[sqlx(try_from = "NullableCode")]
    pub report_kind: Option<ReportKind>,
    pub received_at: i64,
}

pub async fn by_tracking_code(conn: &mut AnyConnection, code: &str) -> crate::Result<Option<Tracked>> {
    Ok(sqlx::query_as(
        "SELECT id, query_secret, channel, report_kind, received_at FROM complaints WHERE tracking_code = $1",
    )
    .bind(code)
    .fetch_optional(conn)
    .await?)
}

/// What a complaint said, for the ticket it became (the contact stays encrypted here).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ComplaintRow {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub channel: ComplaintChannel,
    pub content: String,
    pub contact_name: Option<Vec<u8>>,
    pub contact_phone: Option<Vec<u8>>,
    pub key_id: Option<String>,
    #[sqlx(try_from = "NullableCode")]
    pub report_kind: Option<ReportKind>,
    pub received_at: i64,
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> crate::Result<Option<ComplaintRow>> {
    Ok(sqlx::query_as(
        "SELECT id, channel, content, contact_name, contact_phone, key_id, report_kind, received_at \
         FROM complaints WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}
