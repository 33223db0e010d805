//! Evaluations: immutable facts plus adoption status. Evaluator fields arrive here already encrypted.

use hcp_core::channel::Channel;
use hcp_core::evaluation::{Adoption, AdoptionReason, EvaluatorKind};
use hcp_core::level::Level;
use hcp_core::role::Scope;
use hcp_core::tags::TagList;
use sqlx::{AnyConnection, AssertSqlSafe, FromRow};

use crate::decode::NullableCode;
use crate::sql::Sql;
use crate::{StoreError, scope};

#[derive(Debug, Clone)]
pub struct InsertEvaluation {
    pub tracking_code: String,
    pub query_secret: String,
    pub channel: Channel,
    pub case_id: Option<i64>,
    pub item_id: Option<i64>,
    pub window_id: i64,
    pub staff_id: Option<i64>,
    pub department_id: i64,
    pub org_unit_id: i64,
    pub org_path: String,
    pub level: Level,
    pub tags: TagList,
    pub comment: String,
    pub evaluator_kind: Option<EvaluatorKind>,
    pub evaluator_name: Option<Vec<u8>>,
    pub evaluator_phone: Option<Vec<u8>>,
    pub evaluator_id_no: Option<Vec<u8>>,
    pub key_id: Option<String>,
    pub phone_index: Option<String>,
    pub client_index: Option<String>,
    pub follow_up: bool,
    pub first_evaluation_id: Option<i64>,
    pub evaluated_at: i64,
    pub received_at: i64,
    pub registered_by: Option<i64>,
    pub import_ref: Option<String>,
}

pub async fn insert(conn: &mut AnyConnection, e: &InsertEvaluation) -> crate::Result<i64> {
    let ids = insert_many(conn, std::slice::from_ref(e)).await?;
    ids.first().copied().ok_or_else(|| StoreError::Corrupt("INSERT returned no id".into()))
}

/// Columns written per evaluation.
const INSERT_COLUMNS: usize = 26;

/// Inserts evaluations with multi-row statements (the demo's bulk loader); returns their ids.
pub async fn insert_many(conn: &mut AnyConnection, rows: &[InsertEvaluation]) -> crate::Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(crate::sql::PARAMS_PER_STATEMENT / INSERT_COLUMNS) {
        let text = format!(
            "INSERT INTO evaluations (tracking_code, query_secret, channel, case_id, item_id, window_id, staff_id, \
             department_id, org_unit_id, org_path, level, tags, comment, evaluator_kind, evaluator_name, \
             evaluator_phone, evaluator_id_no, key_id, phone_index, client_index, follow_up, first_evaluation_id, \
             evaluated_at, received_at, registered_by, import_ref) VALUES {} RETURNING id",
            crate::sql::value_rows(chunk.len(), INSERT_COLUMNS)
        );
        let mut query = sqlx::query_scalar(AssertSqlSafe(text));
        for e in chunk {
            query = query
                .bind(&e.tracking_code)
                .bind(&e.query_secret)
                .bind(e.channel.code())
                .bind(e.case_id)
                .bind(e.item_id)
                .bind(e.window_id)
                .bind(e.staff_id)
                .bind(e.department_id)
                .bind(e.org_unit_id)
                .bind(&e.org_path)
                .bind(e.level.code())
                .bind(e.tags.stored())
                .bind(&e.comment)
                .bind(e.evaluator_kind.map(EvaluatorKind::code))
                .bind(e.evaluator_name.as_deref())
                .bind(e.evaluator_phone.as_deref())
                .bind(e.evaluator_id_no.as_deref())
                .bind(e.key_id.as_deref())
                .bind(e.phone_index.as_deref())
                .bind(e.client_index.as_deref())
                .bind(i64::from(e.follow_up))
                .bind(e.first_evaluation_id)
                .bind(e.evaluated_at)
                .bind(e.received_at)
                .bind(e.registered_by)
                .bind(e.import_ref.as_deref());
        }
        let chunk_ids: Vec<i64> =
            query.fetch_all(&mut *conn).await.map_err(|err| StoreError::unique_as(err, "评价"))?;
        ids.extend(chunk_ids);
    }
    Ok(ids)
}

/// The first evaluation of a case and whether it already has its follow-up.
pub async fn of_case(conn: &mut AnyConnection, case_id: i64) -> crate::Result<(Option<i64>, bool)> {
    let rows: Vec<(i64, i64)> = sqlx::query_as("SELECT id, follow_up FROM evaluations WHERE case_id = $1")
        .bind(case_id)
        .fetch_all(conn)
        .await?;
    let first = rows.iter().find(|(_, f)| *f == 0).map(|(id, _)| *id);
    let has_follow_up = rows.iter().any(|(_, f)| *f == 1);
    Ok((first, has_follow_up))
}

pub async fn import_ref_exists(conn: &mut AnyConnection, import_ref: &str) -> crate::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM evaluations WHERE import_ref = $1")
        .bind(import_ref)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// Records what an imported row says (its content digest) beside its batch reference.
pub async fn set_import_fingerprint(
    conn: &mut AnyConnection,
    import_ref: &str,
    fingerprint: &str,
) -> crate::Result<()> {
    sqlx::query("UPDATE evaluations SET import_fingerprint = $1 WHERE import_ref = $2")
        .bind(fingerprint)
        .bind(import_ref)
        .execute(conn)
        .await?;
    Ok(())
}

/// Tracking code of an earlier imported evaluation with the same content digest, if any.
pub async fn imported_with_fingerprint(conn: &mut AnyConnection, fingerprint: &str) -> crate::Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT tracking_code FROM evaluations WHERE import_fingerprint = $1 ORDER BY id LIMIT 1")
        .bind(fingerprint)
        .fetch_optional(conn)
        .await?)
}

/// An evaluation with the names it is attributed to, for display. Evaluator columns stay encrypted.
#[derive(Debug, Clone, FromRow)]
pub struct EvaluationRow {
    pub id: i64,
    pub tracking_code: String,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    pub case_no: Option<String>,
    pub item_code: Option<String>,
    pub item_name: Option<String>,
    pub window_id: i64,
    pub window_code: String,
    pub window_name: String,
    pub staff_id: Option<i64>,
    pub staff_no: Option<String>,
    pub staff_name: Option<String>,
    pub department_id: i64,
    pub department_name: String,
    pub org_unit_id: i64,
    pub org_unit_name: String,
    pub org_path: String,
    #[sqlx(try_from = "i64")]
    pub level: Level,
    #[sqlx(try_from = "String")]
    pub tags: TagList,
    pub comment: String,
    #[sqlx(try_from = "NullableCode")]
    pub evaluator_kind: Option<EvaluatorKind>,
    pub evaluator_name: Option<Vec<u8>>,
    pub evaluator_phone: Option<Vec<u8>>,
    pub evaluator_id_no: Option<Vec<u8>>,
    pub key_id: Option<String>,
    pub follow_up: i64,
    pub first_evaluation_id: Option<i64>,
    pub evaluated_at: i64,
    pub received_at: i64,
    #[sqlx(try_from = "String")]
    pub adoption: Adoption,
    #[sqlx(try_from = "NullableCode")]
    pub adoption_reason: Option<AdoptionReason>,
    pub ticket_id: Option<i64>,
}

const SELECT: &str = "SELECT e.id, e.tracking_code, e.channel, c.case_no, i.code AS item_code, i.name AS item_name, \
    e.window_id, w.code AS window_code, w.name AS window_name, e.staff_id, s.staff_no, s.name AS staff_name, \
    e.department_id, d.name AS department_name, e.org_unit_id, o.name AS org_unit_name, e.org_path, e.level, e.tags, \
    e.comment, e.evaluator_kind, e.evaluator_name, e.evaluator_phone, e.evaluator_id_no, e.key_id, e.follow_up, \
    e.first_evaluation_id, e.evaluated_at, e.received_at, e.adoption, e.adoption_reason, t.id AS ticket_id \
    FROM evaluations e \
    JOIN windows w ON w.id = e.window_id \
    JOIN departments d ON d.id = e.department_id \
    JOIN org_units o ON o.id = e.org_unit_id \
    LEFT JOIN staff s ON s.id = e.staff_id \
    LEFT JOIN cases c ON c.id = e.case_id \
    LEFT JOIN service_items i ON i.id = e.item_id \
    LEFT JOIN tickets t ON t.evaluation_id = e.id \
    WHERE 1 = 1";

pub async fn get(conn: &mut AnyConnection, id: i64, scope: Option<&Scope>) -> crate::Result<Option<EvaluationRow>> {
    let mut sql = Sql::new(SELECT);
    sql.push(" AND e.id = ").bind(id);
    if let Some(scope) = scope {
        scope::restrict(&mut sql, "e", scope);
    }
    Ok(sql.query_as().fetch_optional(conn).await?)
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Org unit subtree (materialised path prefix).
    pub org_path: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub level: Option<Level>,
    pub channel: Option<Channel>,
    pub window_id: Option<i64>,
    pub staff_id: Option<i64>,
}

fn push_filter(sql: &mut Sql, filter: &Filter, scope: &Scope) {
    scope::restrict(sql, "e", scope);
    if let Some(path) = &filter.org_path {
        sql.push(" AND e.org_path LIKE ").bind(crate::sql::like_prefix(path)).push(" ESCAPE '\\'");
    }
    if let Some(from) = filter.from_ms {
        sql.push(" AND e.evaluated_at >= ").bind(from);
    }
    if let Some(to) = filter.to_ms {
        sql.push(" AND e.evaluated_at < ").bind(to);
    }
    if let Some(level) = filter.level {
        sql.push(" AND e.level = ").bind(level.code());
    }
    if let Some(channel) = &filter.channel {
        sql.push(" AND e.channel = ").bind(channel.code());
    }
    if let Some(window_id) = filter.window_id {
        sql.push(" AND e.window_id = ").bind(window_id);
    }
    if let Some(staff_id) = filter.staff_id {
        sql.push(" AND e.staff_id = ").bind(staff_id);
    }
}

/// A page of evaluations (newest first) and the total matching count.
pub async fn list(
    conn: &mut AnyConnection,
    filter: &Filter,
    scope: &Scope,
    limit: i64,
    offset: i64,
) -> crate::Result<(Vec<EvaluationRow>, i64)> {
    let mut count = Sql::new("SELECT COUNT(*) FROM evaluations e WHERE 1 = 1");
    push_filter(&mut count, filter, scope);
    let total: i64 = count.query_scalar().fetch_one(&mut *conn).await?;

    let mut sql = Sql::new(SELECT);
    push_filter(&mut sql, filter, scope);
    sql.push(" ORDER BY e.evaluated_at DESC, e.id DESC LIMIT ").bind(limit).push(" OFFSET ").bind(offset);
    let rows = sql.query_as().fetch_all(conn).await?;
    Ok((rows, total))
}

pub async fn count_all(conn: &mut AnyConnection) -> crate::Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM evaluations").fetch_one(conn).await?)
}

/// Changes whether an evaluation counts (DESIGN §5): nothing is deleted, the judgment is recorded.
pub async fn set_adoption(
    conn: &mut AnyConnection,
    id: i64,
    adoption: Adoption,
    reason: Option<AdoptionReason>,
) -> crate::Result<()> {
    sqlx::query("UPDATE evaluations SET adoption = $1, adoption_reason = $2 WHERE id = $3")
        .bind(adoption.code())
        .bind(reason.map(AdoptionReason::code))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// What the citizen's tracking code finds.
#[derive(Debug, Clone, FromRow)]
pub struct Tracked {
    pub id: i64,
    pub query_secret: String,
    pub case_id: Option<i64>,
    pub window_id: i64,
    pub staff_id: Option<i64>,
    #[sqlx(try_from = "i64")]
    pub level: Level,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    pub follow_up: i64,
    pub first_evaluation_id: Option<i64>,
    pub received_at: i64,
    #[sqlx(try_from = "String")]
    pub adoption: Adoption,
    pub case_no: Option<String>,
}

pub async fn by_tracking_code(conn: &mut AnyConnection, code: &str) -> crate::Result<Option<Tracked>> {
    Ok(sqlx::query_as(
        "SELECT e.id, e.query_secret, e.case_id, e.window_id, e.staff_id, e.level, e.channel, e.follow_up, \
         e.first_evaluation_id, e.received_at, e.adoption, c.case_no FROM evaluations e \
         LEFT JOIN cases c ON c.id = e.case_id WHERE e.tracking_code = $1",
    )
    .bind(code)
    .fetch_optional(conn)
    .await?)
}

/// The follow-up of an evaluation, if one was given.
pub async fn follow_up_of(conn: &mut AnyConnection, first_id: i64) -> crate::Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM evaluations WHERE first_evaluation_id = $1 AND follow_up = 1")
        .bind(first_id)
        .fetch_optional(conn)
        .await?)
}
