//! Tickets (差评工单): their lifecycle facts, timeline, evidence and the scheduler's alerts. The facts are the
//! pure domain's `TicketFacts` as JSON; the columns beside them repeat what queries filter on.

use hcp_core::level::Level;
use hcp_core::lifecycle::{Classification, DeadlineKind, ReportFinding, TicketFacts};
use hcp_core::role::Scope;
use hcp_core::ticket::{TicketKind, TicketState};
use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use crate::decode::{Json, NullableCode, NullableInt};
use crate::scope;
use crate::sql::Sql;
use crate::{StoreError, ms};

#[derive(Debug, Clone, Default)]
pub struct Attribution {
    pub org_unit_id: Option<i64>,
    pub department_id: Option<i64>,
    pub window_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub org_path: String,
}

/// The columns derived from the facts.
struct Derived {
    facts: String,
    state: &'static str,
    received_at: Option<i64>,
    classification: Option<String>,
    appeal_by: Option<i64>,
    review_by: Option<i64>,
    feedback_by: Option<i64>,
    next_deadline: Option<i64>,
    escalated: i64,
    overdue: i64,
}

fn derive(facts: &TicketFacts) -> Derived {
    Derived {
        facts: serde_json::to_string(facts).expect("facts serialise"),
        state: facts.state().code(),
        received_at: facts.received_at.map(ms),
        classification: facts
            .classification
            .map(|c| serde_json::to_value(c).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()),
        appeal_by: facts.appeal_by.map(|d| ms(d.at)),
        review_by: facts.review_by.map(|d| ms(d.at)),
        feedback_by: facts.feedback_by.map(|d| ms(d.at)),
        next_deadline: facts.pending_deadlines().iter().map(|(_, d)| ms(d.at)).min(),
        escalated: i64::from(facts.escalated),
        overdue: i64::from(facts.overdue),
    }
}

pub async fn insert(
    conn: &mut AnyConnection,
    kind: TicketKind,
    evaluation_id: Option<i64>,
    complaint_id: Option<i64>,
    at: &Attribution,
    facts: &TicketFacts,
    now_ms: i64,
) -> crate::Result<i64> {
    let d = derive(facts);
    Ok(sqlx::query_scalar(
        "INSERT INTO tickets (kind, state, evaluation_id, complaint_id, org_unit_id, department_id, window_id, staff_id, \
         org_path, created_at, updated_at, facts, received_at, classification, appeal_by, review_by, feedback_by, \
         next_deadline, escalated) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
    )
    .bind(kind.code())
    .bind(d.state)
    .bind(evaluation_id)
    .bind(complaint_id)
    .bind(at.org_unit_id)
    .bind(at.department_id)
    .bind(at.window_id)
    .bind(at.staff_id)
    .bind(&at.org_path)
    .bind(now_ms)
    .bind(d.facts)
    .bind(d.received_at)
    .bind(d.classification)
    .bind(d.appeal_by)
    .bind(d.review_by)
    .bind(d.feedback_by)
    .bind(d.next_deadline)
    .bind(d.escalated)
    .fetch_one(conn)
    .await?)
}

/// A ticket as the lifecycle service loads it for a transition.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: i64,
    pub kind: TicketKind,
    pub facts: TicketFacts,
    pub version: i64,
    pub evaluation_id: Option<i64>,
    pub complaint_id: Option<i64>,
    pub attribution: Attribution,
    pub overdue: bool,
}

#[derive(FromRow)]
struct StoredRow {
    id: i64,
    kind: String,
    facts: String,
    version: i64,
    evaluation_id: Option<i64>,
    complaint_id: Option<i64>,
    org_unit_id: Option<i64>,
    department_id: Option<i64>,
    window_id: Option<i64>,
    staff_id: Option<i64>,
    org_path: Option<String>,
    overdue: i64,
}

const STORED: &str = "SELECT t.id, t.kind, t.facts, t.version, t.evaluation_id, t.complaint_id, t.org_unit_id, \
    t.department_id, t.window_id, t.staff_id, t.org_path, t.overdue FROM tickets t WHERE 1 = 1";

fn stored(row: StoredRow) -> crate::Result<Stored> {
    Ok(Stored {
        id: row.id,
        kind: TicketKind::from_code(&row.kind)
            .ok_or_else(|| StoreError::Corrupt(format!("ticket kind {}", row.kind)))?,
        facts: serde_json::from_str(&row.facts).map_err(|e| StoreError::Corrupt(format!("ticket facts: {e}")))?,
        version: row.version,
        evaluation_id: row.evaluation_id,
        complaint_id: row.complaint_id,
        attribution: Attribution {
            org_unit_id: row.org_unit_id,
            department_id: row.department_id,
            window_id: row.window_id,
            staff_id: row.staff_id,
            org_path: row.org_path.unwrap_or_default(),
        },
        overdue: row.overdue != 0,
    })
}

/// Loads a ticket for a transition, restricted to `scope` (None: no restriction, for the scheduler and the
/// citizen's tracking code).
pub async fn load(conn: &mut AnyConnection, id: i64, scope: Option<&Scope>) -> crate::Result<Option<Stored>> {
    let mut sql = Sql::new(STORED);
    sql.push(" AND t.id = ").bind(id);
    if let Some(scope) = scope {
        scope::restrict(&mut sql, "t", scope);
    }
    sql.query_as::<StoredRow>().fetch_optional(conn).await?.map(stored).transpose()
}

/// The ticket opened for an evaluation or a complaint (citizen tracking).
pub async fn load_for(
    conn: &mut AnyConnection,
    evaluation_id: Option<i64>,
    complaint_id: Option<i64>,
) -> crate::Result<Option<Stored>> {
    let mut sql = Sql::new(STORED);
    match (evaluation_id, complaint_id) {
        (Some(e), _) => sql.push(" AND t.evaluation_id = ").bind(e),
        (None, Some(c)) => sql.push(" AND t.complaint_id = ").bind(c),
        (None, None) => return Ok(None),
    };
    sql.query_as::<StoredRow>().fetch_optional(conn).await?.map(stored).transpose()
}

/// Writes new facts (and attribution, which dispatch may complete) if nobody changed the ticket since it was
/// loaded; a concurrent change yields `Conflict`, and the caller's transaction rolls back.
pub async fn save(conn: &mut AnyConnection, ticket: &Stored, facts: &TicketFacts, now_ms: i64) -> crate::Result<()> {
    let d = derive(facts);
    let a = &ticket.attribution;
    let done = sqlx::query(
        "UPDATE tickets SET state = $1, facts = $2, received_at = $3, classification = $4, appeal_by = $5, \
         review_by = $6, feedback_by = $7, next_deadline = $8, escalated = $9, org_unit_id = $10, department_id = $11, \
         window_id = $12, staff_id = $13, org_path = $14, updated_at = $15, overdue = $18, version = version + 1 \
         WHERE id = $16 AND version = $17",
    )
    .bind(d.state)
    .bind(d.facts)
    .bind(d.received_at)
    .bind(d.classification)
    .bind(d.appeal_by)
    .bind(d.review_by)
    .bind(d.feedback_by)
    .bind(d.next_deadline)
    .bind(d.escalated)
    .bind(a.org_unit_id)
    .bind(a.department_id)
    .bind(a.window_id)
    .bind(a.staff_id)
    .bind(&a.org_path)
    .bind(now_ms)
    .bind(ticket.id)
    .bind(ticket.version)
    .bind(d.overdue)
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict("工单已被他人更新，请刷新后重试".into()));
    }
    Ok(())
}

pub async fn set_outcome(conn: &mut AnyConnection, id: i64, outcome: ReportFinding) -> crate::Result<()> {
    sqlx::query("UPDATE tickets SET outcome = $1 WHERE id = $2").bind(outcome.code()).bind(id).execute(conn).await?;
    Ok(())
}

/// Open tickets with a deadline before `until_ms`: candidates for reminders and overdue escalation.
pub async fn with_deadline_before(conn: &mut AnyConnection, until_ms: i64) -> crate::Result<Vec<Stored>> {
    let mut sql = Sql::new(STORED);
    sql.push(" AND t.next_deadline IS NOT NULL AND t.next_deadline < ")
        .bind(until_ms)
        .push(" ORDER BY t.next_deadline");
    sql.query_as::<StoredRow>().fetch_all(conn).await?.into_iter().map(stored).collect()
}

/// Every ticket with a running clock, for recomputing deadlines on a changed calendar.
pub async fn open_with_clocks(conn: &mut AnyConnection) -> crate::Result<Vec<Stored>> {
    let sql =
        Sql::new(&format!("{STORED} AND (t.received_at IS NOT NULL) AND t.state NOT IN ('closed', 'overturned')"));
    sql.query_as::<StoredRow>().fetch_all(conn).await?.into_iter().map(stored).collect()
}

/// Whether an alert for one deadline was already raised (a cheap read before trying to claim it).
pub async fn alert_raised(
    conn: &mut AnyConnection,
    ticket_id: i64,
    alert: &str,
    kind: DeadlineKind,
    deadline_ms: i64,
) -> crate::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM ticket_alerts WHERE ticket_id = $1 AND alert = $2 AND deadline_kind = $3 AND deadline_at = $4",
    )
    .bind(ticket_id)
    .bind(alert)
    .bind(kind.code())
    .bind(deadline_ms)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Records that an alert for one deadline was raised; false when some process already raised it.
pub async fn claim_alert(
    conn: &mut AnyConnection,
    ticket_id: i64,
    alert: &str,
    kind: DeadlineKind,
    deadline_ms: i64,
    now_ms: i64,
) -> crate::Result<bool> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO ticket_alerts (ticket_id, alert, deadline_kind, deadline_at, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(ticket_id)
    .bind(alert)
    .bind(kind.code())
    .bind(deadline_ms)
    .bind(now_ms)
    .fetch_optional(conn)
    .await?;
    Ok(id.is_some())
}

/// One entry of a ticket's timeline.
#[derive(Debug, Clone, FromRow)]
pub struct Event {
    pub id: i64,
    pub ticket_id: i64,
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    /// A lifecycle action's code, or the system's own (`overdue`, `reminder`, `recompute`).
    pub action: String,
    #[sqlx(try_from = "NullableCode")]
    pub from_state: Option<TicketState>,
    #[sqlx(try_from = "NullableCode")]
    pub to_state: Option<TicketState>,
    /// What the action recorded (finding, measures, text, reasons, deadlines after it …).
    #[sqlx(try_from = "Json")]
    pub details: serde_json::Value,
    pub public: i64,
}

pub struct NewEvent<'a> {
    pub ticket_id: i64,
    pub at_ms: i64,
    pub actor_user_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub from_state: Option<TicketState>,
    pub to_state: Option<TicketState>,
    pub details: &'a serde_json::Value,
    /// Shown to the citizen on the tracking page.
    pub public: bool,
}

pub async fn add_event(conn: &mut AnyConnection, e: &NewEvent<'_>) -> crate::Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO ticket_events (ticket_id, at, actor_user_id, actor, action, from_state, to_state, details, public) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(e.ticket_id)
    .bind(e.at_ms)
    .bind(e.actor_user_id)
    .bind(e.actor)
    .bind(e.action)
    .bind(e.from_state.map(TicketState::code))
    .bind(e.to_state.map(TicketState::code))
    .bind(e.details.to_string())
    .bind(i64::from(e.public))
    .fetch_one(conn)
    .await?)
}

pub async fn events(conn: &mut AnyConnection, ticket_id: i64, public_only: bool) -> crate::Result<Vec<Event>> {
    let mut sql = Sql::new(
        "SELECT id, ticket_id, at, actor_user_id, actor, action, from_state, to_state, details, public \
         FROM ticket_events WHERE ticket_id = ",
    );
    sql.bind(ticket_id);
    if public_only {
        sql.push(" AND public = 1");
    }
    sql.push(" ORDER BY id");
    Ok(sql.query_as().fetch_all(conn).await?)
}

/// An attachment without its content.
#[derive(Debug, Clone, Serialize, FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentMeta {
    pub id: i64,
    pub ticket_id: i64,
    pub event_id: Option<i64>,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: i64,
}

pub struct NewAttachment<'a> {
    pub ticket_id: i64,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub uploaded_by: Option<i64>,
    pub uploaded_at_ms: i64,
}

pub async fn add_attachment(conn: &mut AnyConnection, a: &NewAttachment<'_>) -> crate::Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO attachments (ticket_id, filename, content_type, size, sha256, content, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(a.ticket_id)
    .bind(a.filename)
    .bind(a.content_type)
    .bind(a.content.len() as i64)
    .bind(a.sha256)
    .bind(a.content)
    .bind(a.uploaded_by)
    .bind(a.uploaded_at_ms)
    .fetch_one(conn)
    .await?)
}

const ATTACHMENT_META: &str =
    "SELECT id, ticket_id, event_id, filename, content_type, size, sha256, uploaded_at FROM attachments";

pub async fn attachments(conn: &mut AnyConnection, ticket_id: i64) -> crate::Result<Vec<AttachmentMeta>> {
    let mut sql = Sql::new(ATTACHMENT_META);
    sql.push(" WHERE ticket_id = ").bind(ticket_id).push(" ORDER BY id");
    Ok(sql.query_as().fetch_all(conn).await?)
}

pub async fn attachment(conn: &mut AnyConnection, id: i64) -> crate::Result<Option<(AttachmentMeta, Vec<u8>)>> {
    let mut sql = Sql::new(ATTACHMENT_META);
    sql.push(" WHERE id = ").bind(id);
    let meta: Option<AttachmentMeta> = sql.query_as().fetch_optional(&mut *conn).await?;
    let Some(meta) = meta else { return Ok(None) };
    let content: Vec<u8> =
        sqlx::query_scalar("SELECT content FROM attachments WHERE id = $1").bind(id).fetch_one(conn).await?;
    Ok(Some((meta, content)))
}

/// Binds uploaded, still unbound attachments of this ticket to the event they are evidence for. Returns how
/// many were bound; the caller refuses the action when some ids were not eligible.
pub async fn bind_attachments(
    conn: &mut AnyConnection,
    ticket_id: i64,
    event_id: i64,
    ids: &[i64],
) -> crate::Result<u64> {
    let mut bound = 0;
    for id in ids {
        bound +=
            sqlx::query("UPDATE attachments SET event_id = $1 WHERE id = $2 AND ticket_id = $3 AND event_id IS NULL")
                .bind(event_id)
                .bind(id)
                .bind(ticket_id)
                .execute(&mut *conn)
                .await?
                .rows_affected();
    }
    Ok(bound)
}

#[derive(Debug, Clone, FromRow)]
pub struct TicketRow {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub kind: TicketKind,
    #[sqlx(try_from = "String")]
    pub state: TicketState,
    pub evaluation_id: Option<i64>,
    pub complaint_id: Option<i64>,
    pub org_unit_id: Option<i64>,
    pub org_unit_name: Option<String>,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub window_id: Option<i64>,
    pub window_code: Option<String>,
    pub window_name: Option<String>,
    pub staff_id: Option<i64>,
    pub staff_no: Option<String>,
    pub staff_name: Option<String>,
    /// The evaluation's level (bad reviews).
    #[sqlx(try_from = "NullableInt")]
    pub level: Option<Level>,
    pub created_at: i64,
    pub updated_at: i64,
    pub received_at: Option<i64>,
    #[sqlx(try_from = "NullableCode")]
    pub classification: Option<Classification>,
    pub appeal_by: Option<i64>,
    pub review_by: Option<i64>,
    pub feedback_by: Option<i64>,
    pub next_deadline: Option<i64>,
    pub overdue: i64,
    pub escalated: i64,
    /// Misconduct reports: the bureau's finding.
    #[sqlx(try_from = "NullableCode")]
    pub outcome: Option<ReportFinding>,
    #[sqlx(try_from = "Json")]
    pub facts: TicketFacts,
}

const SELECT: &str = "SELECT t.id, t.kind, t.state, t.evaluation_id, t.complaint_id, t.org_unit_id, o.name AS org_unit_name, \
    t.department_id, d.name AS department_name, t.window_id, w.code AS window_code, w.name AS window_name, t.staff_id, \
    s.staff_no, s.name AS staff_name, e.level, t.created_at, t.updated_at, t.received_at, t.classification, \
    t.appeal_by, t.review_by, t.feedback_by, t.next_deadline, t.overdue, t.escalated, t.outcome, t.facts \
    FROM tickets t \
    LEFT JOIN org_units o ON o.id = t.org_unit_id \
    LEFT JOIN departments d ON d.id = t.department_id \
    LEFT JOIN windows w ON w.id = t.window_id \
    LEFT JOIN staff s ON s.id = t.staff_id \
    LEFT JOIN evaluations e ON e.id = t.evaluation_id \
    WHERE 1 = 1";

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub state: Option<TicketState>,
    pub kind: Option<TicketKind>,
    pub org_path: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub overdue: Option<bool>,
    /// Misconduct reports may name the very people who would read them: only the bureau and discipline
    /// inspectors see them.
    pub include_misconduct: bool,
    /// Most urgent first (the nearest pending deadline, missed ones first; none last) instead of newest first.
    pub by_deadline: bool,
}

fn push_filter(sql: &mut Sql, filter: &Filter, scope: &Scope) {
    scope::restrict(sql, "t", scope);
    if !filter.include_misconduct {
        sql.push(" AND t.kind <> 'misconduct'");
    }
    if let Some(overdue) = filter.overdue {
        sql.push(" AND t.overdue = ").bind(i64::from(overdue));
    }
    if let Some(state) = &filter.state {
        sql.push(" AND t.state = ").bind(state.code());
    }
    if let Some(kind) = &filter.kind {
        sql.push(" AND t.kind = ").bind(kind.code());
    }
    if let Some(path) = &filter.org_path {
        sql.push(" AND t.org_path LIKE ").bind(crate::sql::like_prefix(path)).push(" ESCAPE '\\'");
    }
    if let Some(from) = filter.from_ms {
        sql.push(" AND t.created_at >= ").bind(from);
    }
    if let Some(to) = filter.to_ms {
        sql.push(" AND t.created_at < ").bind(to);
    }
}

pub async fn list(
    conn: &mut AnyConnection,
    filter: &Filter,
    scope: &Scope,
    limit: i64,
    offset: i64,
) -> crate::Result<(Vec<TicketRow>, i64)> {
    let mut count = Sql::new("SELECT COUNT(*) FROM tickets t WHERE 1 = 1");
    push_filter(&mut count, filter, scope);
    let total: i64 = count.query_scalar().fetch_one(&mut *conn).await?;
    let mut sql = Sql::new(SELECT);
    push_filter(&mut sql, filter, scope);
    if filter.by_deadline {
        sql.push(" ORDER BY CASE WHEN t.next_deadline IS NULL THEN 1 ELSE 0 END, t.next_deadline, t.id DESC");
    } else {
        sql.push(" ORDER BY t.created_at DESC, t.id DESC");
    }
    sql.push(" LIMIT ").bind(limit).push(" OFFSET ").bind(offset);
    Ok((sql.query_as().fetch_all(conn).await?, total))
}

pub async fn get(
    conn: &mut AnyConnection,
    id: i64,
    scope: &Scope,
    include_misconduct: bool,
) -> crate::Result<Option<TicketRow>> {
    let mut sql = Sql::new(SELECT);
    sql.push(" AND t.id = ").bind(id);
    scope::restrict(&mut sql, "t", scope);
    if !include_misconduct {
        sql.push(" AND t.kind <> 'misconduct'");
    }
    Ok(sql.query_as().fetch_optional(conn).await?)
}

/// A sealed value: key id, ciphertext and the encryption context it was sealed under.
pub type Sealed = (String, Vec<u8>, &'static str);

#[derive(FromRow)]
struct Contacts {
    evaluation_key: Option<String>,
    evaluation_phone: Option<Vec<u8>>,
    complaint_key: Option<String>,
    complaint_phone: Option<Vec<u8>>,
}

/// The citizen's phone for a ticket, still sealed.
pub async fn citizen_phone(conn: &mut AnyConnection, ticket_id: i64) -> crate::Result<Option<Sealed>> {
    let row: Option<Contacts> = sqlx::query_as(
        "SELECT e.key_id AS evaluation_key, e.evaluator_phone AS evaluation_phone, c.key_id AS complaint_key, \
         c.contact_phone AS complaint_phone FROM tickets t \
         LEFT JOIN evaluations e ON e.id = t.evaluation_id LEFT JOIN complaints c ON c.id = t.complaint_id \
         WHERE t.id = $1",
    )
    .bind(ticket_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(|c| match c {
        Contacts { evaluation_key: Some(key), evaluation_phone: Some(phone), .. } => {
            Some((key, phone, "evaluator.phone"))
        }
        Contacts { complaint_key: Some(key), complaint_phone: Some(phone), .. } => Some((key, phone, "contact.phone")),
        _ => None,
    }))
}
