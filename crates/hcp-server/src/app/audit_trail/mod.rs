//! The audit administrator's desk (审计管理员, issue 16): browsing, filtering and exporting the audit log, and
//! verifications of its chain run in the background. The auditor changes nothing: the only writes here are the
//! audit entries of the auditor's own exports and the verification runs they start.

pub mod labels;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use hcp_core::FieldErrors;
use hcp_core::role::Role;
use hcp_store::audit::{self, AuditRow};
use hcp_store::audit_query::{self, Filter, Verification};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::mpsc;
use utoipa::{IntoParams, ToSchema};

use super::auth::CurrentUser;
use super::error::{AppError, AppResult, ErrorCode};
use super::filters::{blank, end_of, start_of, today};
use super::ledger::{Export, Format, Value, csv_body, xlsx_body};
use super::paging::{Page, Paged};
use super::state::AppState;
use super::views::local_time;

/// The filter of the log and the page asked for, as the API and the pages take them.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntriesQuery {
    /// The actor's user name, exactly (`window_head`), or `citizen` / `system`.
    pub actor: Option<String>,
    /// An action code (`session.refused`), or a prefix ending in `.` (`session.`).
    pub action: Option<String>,
    /// A target (`user:7`), or a prefix ending in `:` (`user:`).
    pub target: Option<String>,
    /// First day, YYYY-MM-DD (Beijing time).
    pub from: Option<String>,
    /// Last day, inclusive, YYYY-MM-DD (Beijing time).
    pub to: Option<String>,
    /// 1-based page number, at most 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Entries per page, at most 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<i64>,
}

/// The filter of the log and the file's format, for an export.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// The actor's user name, exactly (`window_head`), or `citizen` / `system`.
    pub actor: Option<String>,
    /// An action code (`session.refused`), or a prefix ending in `.` (`session.`).
    pub action: Option<String>,
    /// A target (`user:7`), or a prefix ending in `:` (`user:`).
    pub target: Option<String>,
    /// First day, YYYY-MM-DD (Beijing time).
    pub from: Option<String>,
    /// Last day, inclusive, YYYY-MM-DD (Beijing time).
    pub to: Option<String>,
    /// `xlsx` (default) or `csv` (UTF-8 with BOM).
    #[param(value_type = Option<crate::app::choices::LedgerFormat>)]
    pub format: Option<String>,
}

/// The filter's texts as given, whichever query they came with.
struct FilterText<'a> {
    actor: Option<&'a str>,
    action: Option<&'a str>,
    target: Option<&'a str>,
    from: Option<&'a str>,
    to: Option<&'a str>,
}

impl<'a> From<&'a EntriesQuery> for FilterText<'a> {
    fn from(q: &'a EntriesQuery) -> Self {
        FilterText {
            actor: q.actor.as_deref(),
            action: q.action.as_deref(),
            target: q.target.as_deref(),
            from: q.from.as_deref(),
            to: q.to.as_deref(),
        }
    }
}

impl<'a> From<&'a ExportQuery> for FilterText<'a> {
    fn from(q: &'a ExportQuery) -> Self {
        FilterText {
            actor: q.actor.as_deref(),
            action: q.action.as_deref(),
            target: q.target.as_deref(),
            from: q.from.as_deref(),
            to: q.to.as_deref(),
        }
    }
}

/// One entry of the audit log as the auditor reads it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryView {
    pub seq: i64,
    /// RFC 3339, Beijing time.
    pub at: String,
    /// As the log has it: a user name, `citizen`, `system` …
    pub actor: String,
    /// As people read it: 王芳（窗口负责人）, 系统, 群众.
    pub actor_label: String,
    pub action: String,
    /// The action in Chinese (the code itself when the table does not know it).
    pub action_label: String,
    pub target: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

const MAX_TEXT: usize = 200;

fn day_of(text: Option<&str>, field: &str, errors: &mut FieldErrors) -> Option<NaiveDate> {
    let text = blank(text)?;
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(day) => Some(day),
        Err(_) => {
            errors.add(field, format!("{field} 应为 YYYY-MM-DD 日期"));
            None
        }
    }
}

/// The store's filter of the query; every unreadable parameter is named.
fn filter_of(q: FilterText<'_>) -> AppResult<Filter> {
    let mut errors = FieldErrors::default();
    let mut text = |value: Option<&str>, field: &str| -> Option<String> {
        let value = blank(value)?;
        if value.chars().count() > MAX_TEXT || value.chars().any(char::is_control) {
            errors.add(field, format!("{field} 过长或含有控制字符"));
            return None;
        }
        Some(value.to_owned())
    };
    let actor = text(q.actor, "actor");
    let action = text(q.action, "action");
    let target = text(q.target, "target");
    if let Some(a) = &action
        && !a.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
    {
        errors.add("action", "action 应为操作代码（如 session.refused）或以“.”结尾的前缀（如 session.）");
    }
    let from = day_of(q.from, "from", &mut errors);
    let to = day_of(q.to, "to", &mut errors);
    if !errors.is_empty() {
        return Err(
            AppError::new(ErrorCode::InvalidQuery, format!("筛选条件不正确：{}", errors.summary())).with_fields(errors)
        );
    }
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(AppError::new(ErrorCode::InvalidPeriod, "截止日期不能早于起始日期")
            .with_fields(FieldErrors::single("to", "截止日期不能早于起始日期")));
    }
    Ok(Filter { actor, action, target, from: from.map(start_of), to: to.map(end_of), through: None })
}

/// How people read an actor of the log: a user account as "王芳（窗口负责人）", the rest as 群众 / 系统 / 命令行.
pub(crate) async fn actor_label(conn: &mut hcp_store::AnyConnection, actor: &str) -> AppResult<String> {
    let user = hcp_store::users::by_username(conn, actor).await?;
    Ok(user.map_or_else(|| labels::actor_fallback(actor), |u| u.role.person_label(&u.display_name)))
}

/// The labels of `actors`, each looked up once.
pub(crate) async fn actor_labels(
    conn: &mut hcp_store::AnyConnection,
    actors: &[&str],
) -> AppResult<BTreeMap<String, String>> {
    let mut labels = BTreeMap::new();
    for &actor in actors {
        if !labels.contains_key(actor) {
            labels.insert(actor.to_owned(), actor_label(conn, actor).await?);
        }
    }
    Ok(labels)
}

fn view(row: AuditRow, labels: &BTreeMap<String, String>) -> AppResult<EntryView> {
    let details = serde_json::from_str(&row.details).unwrap_or(serde_json::Value::String(row.details.clone()));
    Ok(EntryView {
        seq: row.seq,
        at: local_time(row.at)?,
        actor_label: labels.get(&row.actor).cloned().unwrap_or_else(|| labels::actor_fallback(&row.actor)),
        actor: row.actor,
        action_label: labels::action_label(&row.action),
        action: row.action,
        target: row.target,
        details,
    })
}

/// A page of the log, newest first (auditor).
pub async fn entries(state: &AppState, user: &CurrentUser, q: &EntriesQuery) -> AppResult<Paged<EntryView>> {
    user.require(&[Role::Auditor])?;
    let filter = filter_of(q.into())?;
    let page = Page::new(q.page, q.per_page).limit_offset()?;
    let mut conn = state.store().reader().await?;
    let (rows, total) = audit_query::list(&mut conn, &filter, page.0, page.1).await?;
    let actors: Vec<&str> = rows.iter().map(|r| r.actor.as_str()).collect();
    let labels = actor_labels(&mut conn, &actors).await?;
    let items = rows.into_iter().map(|row| view(row, &labels)).collect::<AppResult<_>>()?;
    Ok(Paged::of(items, total, page))
}

/// The filter as the export's audit entry records it (only what was given).
fn filter_details(q: &FilterText<'_>) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for (key, value) in [("actor", q.actor), ("action", q.action), ("target", q.target), ("from", q.from), ("to", q.to)]
    {
        if let Some(value) = blank(value) {
            map.insert(key.into(), json!(value));
        }
    }
    serde_json::Value::Object(map)
}

const EXPORT_BATCH: i64 = 500;

/// The log as a file, newest first (auditor): the entries matching the filter when it was asked for, read in
/// batches by sequence number; audited `audit.export` with the filter and the row count.
pub async fn export(state: &AppState, user: &CurrentUser, q: &ExportQuery) -> AppResult<Export> {
    user.require(&[Role::Auditor])?;
    let text = FilterText::from(q);
    let mut filter = filter_of(FilterText::from(q))?;
    let format = match blank(q.format.as_deref()).unwrap_or("xlsx") {
        "xlsx" => Format::Xlsx,
        "csv" => Format::Csv,
        other => return Err(AppError::invalid_query("format", format!("format 应为 xlsx 或 csv，而不是“{other}”"))),
    };
    let mut tx = state.store().begin().await?;
    // The export covers the log as it is now: entries written while it streams (its own among them) are not in it.
    filter.through = Some(audit_query::last_seq(&mut tx).await?);
    let rows = audit_query::count(&mut tx, &filter).await?;
    let details = json!({"filter": filter_details(&text), "rows": rows,
        "format": if format == Format::Csv { "csv" } else { "xlsx" }});
    audit::append(&mut tx, state.now(), &user.actor(), "audit.export", "audit", &details).await?;
    tx.commit().await?;

    let header: Vec<String> = ["序号", "时间", "操作人", "操作人账号", "操作", "操作代码", "对象", "详情"]
        .iter()
        .map(|h| h.to_string())
        .collect();
    let (rows_tx, rows_rx) = mpsc::channel::<Vec<Value>>(256);
    let store = state.store().clone();
    let reader = tokio::spawn(async move {
        let mut before = None;
        loop {
            let batch = {
                let mut conn = store.reader().await?;
                let batch = audit_query::batch_before(&mut conn, &filter, before, EXPORT_BATCH).await?;
                let labels = actor_labels(&mut conn, &batch.iter().map(|r| r.actor.as_str()).collect::<Vec<_>>())
                    .await
                    .map_err(|e| hcp_store::StoreError::Corrupt(format!("无法读取操作人：{}", e.message)))?;
                (batch, labels)
            };
            let (batch, labels) = batch;
            let Some(last) = batch.last() else { break };
            before = Some(last.seq);
            for row in batch {
                let details: serde_json::Value = serde_json::from_str(&row.details).unwrap_or_default();
                let text = labels::describe(&details)
                    .into_iter()
                    .map(|(k, v)| format!("{k}：{v}"))
                    .collect::<Vec<_>>()
                    .join("；");
                let at = hcp_store::from_ms(row.at)?.with_timezone(&hcp_core::clock::shanghai()).naive_local();
                let line = vec![
                    Value::Int(row.seq),
                    Value::Time(at),
                    Value::Text(labels.get(&row.actor).cloned().unwrap_or_else(|| labels::actor_fallback(&row.actor))),
                    Value::Text(row.actor),
                    Value::Text(labels::action_label(&row.action)),
                    Value::Text(row.action),
                    Value::Text(row.target),
                    Value::Text(text),
                ];
                if rows_tx.send(line).await.is_err() {
                    return Ok(());
                }
            }
        }
        Ok(())
    });
    let day = today(state);
    let (content_type, extension, stream) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv", csv_body(header, rows_rx, reader)),
        Format::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            xlsx_body("审计日志", header, rows_rx, reader),
        ),
    };
    Ok(Export { filename: format!("审计日志_{day}.{extension}"), content_type, stream })
}

/// A verification run as the auditor reads it.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationView {
    pub id: i64,
    /// queued, running, done, failed
    pub status: String,
    /// 排队中, 校验中, 完整, 发现问题, 失败
    pub status_label: &'static str,
    pub requested_by: String,
    pub requested_by_label: String,
    /// RFC 3339, Beijing time.
    pub requested_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// Chain entries checked.
    pub entries: i64,
    /// Whether the chain was found whole (none before it finished).
    pub clean: Option<bool>,
    /// What was found, in Chinese, as `hcp audit verify` prints it.
    pub findings: Vec<String>,
}

pub fn status_label(status: &str, clean: Option<bool>) -> &'static str {
    match (status, clean) {
        ("queued", _) => "排队中",
        ("running", _) => "校验中",
        ("done", Some(true)) => "完整",
        ("done", _) => "发现问题",
        _ => "失败",
    }
}

async fn verification_view(conn: &mut hcp_store::AnyConnection, v: Verification) -> AppResult<VerificationView> {
    let clean = v.clean.map(|c| c != 0);
    let requested_by_label = actor_label(conn, &v.requested_by).await?;
    Ok(VerificationView {
        id: v.id,
        status_label: status_label(&v.status, clean),
        status: v.status,
        requested_by_label,
        requested_by: v.requested_by,
        requested_at: local_time(v.requested_at)?,
        started_at: v.started_at.map(local_time).transpose()?,
        finished_at: v.finished_at.map(local_time).transpose()?,
        entries: v.entries,
        clean,
        findings: serde_json::from_str(&v.findings).unwrap_or_default(),
    })
}

/// Starts a verification (auditor): queued now and run in the background right after. When one is already
/// queued or running, that one is answered instead (`false`: nothing new was started).
pub async fn start_verification(state: &AppState, user: &CurrentUser) -> AppResult<(VerificationView, bool)> {
    user.require(&[Role::Auditor])?;
    let mut tx = state.store().begin().await?;
    // Two auditors starting at once: the first holds the audit head until it commits, the second then finds its
    // run pending (the head is taken by every append anyway, so this waits no longer than an append would).
    hcp_store::sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1").execute(&mut *tx).await?;
    if let Some(pending) = audit_query::pending_verification(&mut tx).await? {
        tx.rollback().await?;
        let mut conn = state.store().reader().await?;
        return Ok((verification_view(&mut conn, pending).await?, false));
    }
    let id = audit_query::queue_verification(&mut tx, &user.actor(), hcp_store::ms(state.system_now())).await?;
    audit::append(
        &mut tx,
        state.now(),
        &user.actor(),
        "audit.verification.start",
        &format!("audit_verification:{id}"),
        &json!({"verification": id}),
    )
    .await?;
    tx.commit().await?;
    super::jobs::verification::spawn(state.clone(), id);
    let mut conn = state.store().reader().await?;
    let queued = audit_query::verification(&mut conn, id).await?.ok_or_else(|| AppError::not_found("校验"))?;
    Ok((verification_view(&mut conn, queued).await?, true))
}

/// The latest verifications, newest first (auditor).
pub async fn verifications(state: &AppState, user: &CurrentUser) -> AppResult<Vec<VerificationView>> {
    user.require(&[Role::Auditor])?;
    let mut conn = state.store().reader().await?;
    let mut views = Vec::new();
    for v in audit_query::verifications(&mut conn, 50).await? {
        views.push(verification_view(&mut conn, v).await?);
    }
    Ok(views)
}

/// One verification (auditor).
pub async fn verification(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<VerificationView> {
    user.require(&[Role::Auditor])?;
    let mut conn = state.store().reader().await?;
    let v = audit_query::verification(&mut conn, id).await?.ok_or_else(|| AppError::not_found("校验"))?;
    verification_view(&mut conn, v).await
}

/// The auditor's landing: the last verification and today's security counts.
pub struct Desk {
    pub last: Option<VerificationView>,
    pub sign_in_failures_today: i64,
    pub refused_today: i64,
}

pub async fn desk(state: &AppState, user: &CurrentUser) -> AppResult<Desk> {
    user.require(&[Role::Auditor])?;
    let mut conn = state.store().reader().await?;
    let last = match audit_query::verifications(&mut conn, 1).await?.into_iter().next() {
        Some(v) => Some(verification_view(&mut conn, v).await?),
        None => None,
    };
    let since = start_of(today(state));
    let sign_in_failures_today = audit_query::count_actions_since(&mut conn, &["session.refused"], since).await?;
    let refused_today = audit_query::count_actions_since(
        &mut conn,
        &["request.refused", "request.refused_reads", "request.refused_anonymous"],
        since,
    )
    .await?;
    Ok(Desk { last, sign_in_failures_today, refused_today })
}

/// The action codes for the filter's select: (group, [(code, label)]), and a prefix per group.
pub fn action_choices() -> &'static [(&'static str, &'static [(&'static str, &'static str)])] {
    labels::GROUPS
}
