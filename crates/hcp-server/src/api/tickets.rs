//! Tickets in the caller's scope and the lifecycle actions on them (DESIGN §4), with their evidence.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hcp_core::lifecycle::{Classification, Outcome, Satisfaction};
use hcp_core::role::Role;
use hcp_core::ticket::{TicketKind, TicketState};
use hcp_store::tickets::{self, AttachmentMeta};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::Page;
use super::evaluations::{org_filter, period_bound};
use crate::api::extract::{ApiJson, ApiQuery};
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::lifecycle::{self, Actor, Command, ReportFinding, ReviewReason};
use crate::app::state::AppState;
use crate::app::views::{Paged, TicketDetail, TicketView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tickets", get(list))
        .route("/tickets/{id}", get(detail))
        .route("/tickets/{id}/dispatch", post(dispatch))
        .route("/tickets/{id}/verify", post(verify))
        .route("/tickets/{id}/rectify", post(rectify))
        .route("/tickets/{id}/feedback", post(feedback))
        .route("/tickets/{id}/appeal", post(appeal))
        .route("/tickets/{id}/appeal/decision", post(decide))
        .route("/tickets/{id}/revisit", post(revisit))
        .route("/tickets/{id}/close", post(close))
        .route("/tickets/{id}/conclusion", post(conclude))
        .route("/attachments/{id}", get(attachment))
}

/// Uploads carry files, so they get their own (larger) body limit.
pub fn upload_router() -> Router<AppState> {
    Router::new().route("/tickets/{id}/attachments", post(upload))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct TicketQuery {
    /// registered, dispatched, rectifying, explaining, under_review, feedback_given, reopened, overturned, closed
    pub state: Option<String>,
    /// bad_review, complaint, misconduct
    pub kind: Option<String>,
    /// `true`: only tickets that missed a deadline; `false`: only those that did not.
    pub overdue: Option<bool>,
    /// Org unit code: that subtree only.
    pub org: Option<String>,
    /// Created on or after this date (YYYY-MM-DD).
    pub from: Option<String>,
    /// Created on or before this date (YYYY-MM-DD).
    pub to: Option<String>,
    /// A natural month (YYYY-MM), instead of `from`/`to`.
    pub period: Option<String>,
    /// `deadline`: most urgent first (the nearest pending deadline, missed ones first, tickets waiting on none
    /// last); default newest first.
    pub sort: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

fn sees_misconduct(role: Role) -> bool {
    matches!(role, Role::Supervisor | Role::Discipline)
}

/// Tickets in the caller's scope, newest first (or most urgent first), with their deadlines.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", params(TicketQuery),
    responses((status = 200, body = Paged<TicketView>), (status = 401, body = crate::api::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<TicketQuery>,
) -> AppResult<Json<Paged<TicketView>>> {
    list_for(&state, &user, &q).await.map(Json)
}

/// What `GET /tickets` answers, for the work pages too: the same scope, filters and pagination.
pub async fn list_for(state: &AppState, user: &CurrentUser, q: &TicketQuery) -> AppResult<Paged<TicketView>> {
    user.require_reader()?;
    let scope = user.scope()?;
    if let Some(s) = q.state.as_deref().filter(|s| !s.is_empty())
        && TicketState::parse(s).is_none()
    {
        return Err(AppError::new(ErrorCode::InvalidQuery, format!("未知的工单状态“{s}”")));
    }
    if let Some(k) = q.kind.as_deref().filter(|k| !k.is_empty())
        && TicketKind::parse(k).is_none()
    {
        return Err(AppError::new(ErrorCode::InvalidQuery, format!("未知的工单类型“{k}”")));
    }
    let by_deadline = match q.sort.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None | Some("created") => false,
        Some("deadline") => true,
        Some(other) => {
            return Err(AppError::new(ErrorCode::InvalidQuery, format!("未知的排序方式“{other}”（可选 deadline）")));
        }
    };
    let (from_ms, to_ms) = match q.period.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(month) => month_bounds(month)?,
        None => (period_bound(q.from.as_deref(), "from", false)?, period_bound(q.to.as_deref(), "to", true)?),
    };
    let filter = tickets::Filter {
        state: q.state.clone().filter(|s| !s.is_empty()),
        kind: q.kind.clone().filter(|k| !k.is_empty()),
        org_path: org_filter(state, q.org.as_deref(), scope).await?,
        from_ms,
        to_ms,
        overdue: q.overdue,
        include_misconduct: sees_misconduct(user.role),
        by_deadline,
    };
    let (limit, offset) = Page { page: q.page, per_page: q.per_page }.limit_offset();
    let mut conn = state.store().reader().await?;
    let (rows, total) = tickets::list(&mut conn, &filter, scope, limit, offset).await?;
    let now = state.now();
    let calendar = state.calendar();
    Ok(Paged {
        items: rows.into_iter().map(|row| TicketView::with_calendar(row, now, Some(&calendar))).collect(),
        total,
        page: offset / limit + 1,
        per_page: limit,
    })
}

/// `YYYY-MM` → the month's bounds in China Standard Time, as epoch milliseconds.
fn month_bounds(month: &str) -> AppResult<(Option<i64>, Option<i64>)> {
    let bad = || AppError::new(ErrorCode::InvalidQuery, "period 应为 YYYY-MM 格式的月份");
    let first = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").map_err(|_| bad())?;
    let next = first.checked_add_months(chrono::Months::new(1)).ok_or_else(bad)?;
    let at = |d: chrono::NaiveDate| {
        d.and_time(chrono::NaiveTime::MIN)
            .and_local_timezone(hcp_core::clock::shanghai())
            .single()
            .map(|t| t.timestamp_millis())
    };
    Ok((at(first), at(next)))
}

fn ticket_id(id: &str) -> AppResult<i64> {
    id.parse().map_err(|_| AppError::not_found("工单"))
}

/// One ticket in the caller's scope: state, deadlines, the full timeline and its evidence.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, body = TicketDetail), (status = 404, body = crate::api::error::ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<TicketDetail>> {
    detail_of(&state, &user, ticket_id(&id)?).await.map(Json)
}

/// What `GET /tickets/{id}` answers, for the ticket page too.
pub async fn detail_of(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<TicketDetail> {
    user.require_reader()?;
    let mut conn = state.store().reader().await?;
    let row = tickets::get(&mut conn, id, user.scope()?, sees_misconduct(user.role))
        .await?
        .ok_or_else(|| AppError::not_found("工单"))?;
    let events = tickets::events(&mut conn, id, false).await?;
    let attachments = tickets::attachments(&mut conn, id).await?;
    let complaint = match row.complaint_id {
        Some(complaint_id) => hcp_store::complaints::get(&mut conn, complaint_id)
            .await?
            .map(|c| crate::app::views::ComplaintView::new(c, user.role, state.key())),
        None => None,
    };
    let mut detail = TicketDetail::new(row, events, attachments, state.now(), &state.calendar());
    detail.complaint = complaint;
    Ok(detail)
}

/// One lifecycle action by a signed-in user, as every action endpoint and the ticket page's forms take it.
pub async fn act_on(state: &AppState, user: &CurrentUser, id: i64, command: Command) -> AppResult<TicketDetail> {
    user.require_reader()?;
    let actor = Actor { user_id: Some(user.user.id), name: user.actor(), role: Some(user.role) };
    lifecycle::perform(state, &actor, Some(user.scope()?), id, command).await?;
    detail_of(state, user, id).await
}

async fn act(state: &AppState, user: &CurrentUser, id: &str, command: Command) -> AppResult<Json<TicketDetail>> {
    user.require_reader()?;
    act_on(state, user, ticket_id(id)?, command).await.map(Json)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispatchBody {
    /// The window that must handle it; required when the ticket names none.
    pub window_code: Option<String>,
    pub staff_no: Option<String>,
    pub note: Option<String>,
}

/// Dispatch a registered ticket to the responsible window (supervisor, hotline operator). The clocks start now.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/dispatch", tag = "tickets", params(("id" = i64, Path)),
    request_body = DispatchBody, responses((status = 200, body = TicketDetail),
        (status = 409, body = crate::api::error::ErrorBody), (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn dispatch(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DispatchBody>,
) -> AppResult<Json<TicketDetail>> {
    let command = Command::Dispatch { window_code: body.window_code, staff_no: body.staff_no, note: body.note };
    act(&state, &user, &id, command).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    pub classification: Classification,
    /// What the verification found.
    pub finding: String,
}

/// Verify the bad review and classify it: `immediate` (1 working day), `complex` (7), `no_legal_basis`
/// (explain to the citizen).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/verify", tag = "tickets", params(("id" = i64, Path)),
    request_body = VerifyBody, responses((status = 200, body = TicketDetail),
        (status = 409, body = crate::api::error::ErrorBody), (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VerifyBody>,
) -> AppResult<Json<TicketDetail>> {
    act(&state, &user, &id, Command::Verify { classification: body.classification, finding: body.finding }).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RectifyBody {
    pub measures: String,
    /// Ids of attachments uploaded to this ticket (photos of the fix).
    #[serde(default)]
    pub attachments: Vec<i64>,
}

/// Record the rectification measures taken.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/rectify", tag = "tickets", params(("id" = i64, Path)),
    request_body = RectifyBody, responses((status = 200, body = TicketDetail),
        (status = 409, body = crate::api::error::ErrorBody), (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn rectify(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RectifyBody>,
) -> AppResult<Json<TicketDetail>> {
    act(&state, &user, &id, Command::Rectify { measures: body.measures, attachments: body.attachments }).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackBody {
    /// Sent to the citizen and shown on their tracking page.
    pub text: String,
}

/// Answer the citizen: the result of the rectification or the explanation.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/feedback", tag = "tickets", params(("id" = i64, Path)),
    request_body = FeedbackBody, responses((status = 200, body = TicketDetail),
        (status = 409, body = crate::api::error::ErrorBody), (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn feedback(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<FeedbackBody>,
) -> AppResult<Json<TicketDetail>> {
    act(&state, &user, &id, Command::Feedback { text: body.text }).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealBody {
    /// The grounds claimed.
    pub reason: ReviewReason,
    /// The written statement (情况说明).
    pub statement: String,
    #[serde(default)]
    pub attachments: Vec<i64>,
}

/// Staff apply for review of a bad review they think unfair, within 2 working days of receiving it. The
/// feedback clock stops until the bureau decides.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/appeal", tag = "tickets", params(("id" = i64, Path)),
    request_body = AppealBody, responses((status = 200, body = TicketDetail),
        (status = 409, body = crate::api::error::ErrorBody, description = "appeal_window_closed, already_appealed, invalid_transition"),
        (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn appeal(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AppealBody>,
) -> AppResult<Json<TicketDetail>> {
    let command = Command::Appeal { reason: body.reason, statement: body.statement, attachments: body.attachments };
    act(&state, &user, &id, command).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    pub outcome: Outcome,
    /// Required when overturned.
    pub reason: Option<ReviewReason>,
    pub explanation: String,
    #[serde(default)]
    pub attachments: Vec<i64>,
}

/// The bureau decides an appeal within 5 working days. `overturned`: the evaluation is not adopted and the
/// registering department is told; `upheld`: the ticket returns to where it was and the feedback clock resumes.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/appeal/decision", tag = "tickets", params(("id" = i64, Path)),
    request_body = DecisionBody, responses((status = 200, body = TicketDetail),
        (status = 409, body = crate::api::error::ErrorBody, description = "already_decided, invalid_transition"),
        (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> AppResult<Json<TicketDetail>> {
    let command = Command::Decide {
        outcome: body.outcome,
        reason: body.reason,
        explanation: body.explanation,
        attachments: body.attachments,
    };
    act(&state, &user, &id, command).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevisitBody {
    pub satisfaction: Satisfaction,
    pub note: Option<String>,
}

/// Record the revisit (回访): satisfied or basically satisfied closes; unsatisfied reopens the rectification
/// once, and a second time escalates to the bureau.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/revisit", tag = "tickets", params(("id" = i64, Path)),
    request_body = RevisitBody, responses((status = 200, body = TicketDetail),
        (status = 409, body = crate::api::error::ErrorBody), (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn revisit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RevisitBody>,
) -> AppResult<Json<TicketDetail>> {
    act(&state, &user, &id, Command::Revisit { satisfaction: body.satisfaction, note: body.note }).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    pub note: Option<String>,
}

/// Close a ticket after feedback (e.g. the citizen cannot be reached for a revisit) or after an overturn.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/close", tag = "tickets", params(("id" = i64, Path)),
    request_body = CloseBody, responses((status = 200, body = TicketDetail),
        (status = 409, body = crate::api::error::ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CloseBody>,
) -> AppResult<Json<TicketDetail>> {
    act(&state, &user, &id, Command::Close { note: body.note }).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConclusionBody {
    pub outcome: ReportFinding,
    /// What was done (谈话提醒, 通报批评, 移送纪检监察 …).
    pub action_taken: String,
}

/// The bureau's finding on a misconduct report (supervisor).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/conclusion", tag = "tickets", params(("id" = i64, Path)),
    request_body = ConclusionBody, responses((status = 200, body = TicketDetail),
        (status = 409, body = crate::api::error::ErrorBody), (status = 422, body = crate::api::error::ErrorBody)))]
pub async fn conclude(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ConclusionBody>,
) -> AppResult<Json<TicketDetail>> {
    act(&state, &user, &id, Command::Conclude { finding: body.outcome, action_taken: body.action_taken }).await
}

/// The kinds of evidence accepted, told apart by their first bytes, not by what the client claims.
fn sniff(content: &[u8]) -> Option<&'static str> {
    if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if content.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if content.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct UploadQuery {
    /// The file's name as the user knows it.
    pub filename: Option<String>,
}

/// Upload evidence for a later action on this ticket (JPEG, PNG or PDF as the raw body, at most 5 MB by
/// default). Pass the returned id in the action's `attachments`.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/attachments", tag = "tickets",
    params(("id" = i64, Path), UploadQuery),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "JPEG、PNG 或 PDF 文件内容"),
    responses((status = 201, body = AttachmentMeta), (status = 413, body = crate::api::error::ErrorBody),
        (status = 415, body = crate::api::error::ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> AppResult<(StatusCode, Json<AttachmentMeta>)> {
    user.require(&[Role::Staff, Role::WindowHead, Role::DeptHead, Role::Supervisor])?;
    let limit = state.config().upload.max_attachment_bytes;
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::payload_too_large(limit)
        } else {
            AppError::new(ErrorCode::InvalidBody, "无法读取上传的文件")
        }
    })?;
    let declared = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let meta = store_attachment(&state, &user, ticket_id(&id)?, q.filename, declared, &body).await?;
    Ok((StatusCode::CREATED, Json(meta)))
}

/// Stores one evidence file for a later action on a ticket in the caller's scope (the upload endpoint and the
/// ticket page's forms): size, sniffed type, scope and audit as one.
pub async fn store_attachment(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    filename: Option<String>,
    declared: Option<&str>,
    body: &[u8],
) -> AppResult<AttachmentMeta> {
    user.require(&[Role::Staff, Role::WindowHead, Role::DeptHead, Role::Supervisor])?;
    let limit = state.config().upload.max_attachment_bytes;
    if body.len() > limit {
        return Err(AppError::payload_too_large(limit));
    }
    let unsupported = || AppError::new(ErrorCode::UnsupportedFileType, "附件仅支持 JPEG、PNG 图片或 PDF 文件");
    let content_type = sniff(body).ok_or_else(unsupported)?;
    if let Some(declared) = declared
        && declared.split(';').next().map(str::trim) != Some(content_type)
        && !declared.starts_with("application/octet-stream")
    {
        return Err(unsupported());
    }
    let filename: String = filename
        .filter(|f| !f.trim().is_empty())
        .unwrap_or_else(|| "附件".into())
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"'))
        .take(120)
        .collect();
    let mut tx = state.store().begin().await?;
    tickets::get(&mut tx, id, user.scope()?, sees_misconduct(user.role))
        .await?
        .ok_or_else(|| AppError::not_found("工单"))?;
    let sha = hex::encode(Sha256::digest(body));
    let now = state.now();
    let attachment = tickets::add_attachment(
        &mut tx,
        &tickets::NewAttachment {
            ticket_id: id,
            filename: &filename,
            content_type,
            sha256: &sha,
            content: body,
            uploaded_by: Some(user.user.id),
            uploaded_at_ms: hcp_store::ms(now),
        },
    )
    .await?;
    hcp_store::audit::append(
        &mut tx,
        now,
        &user.actor(),
        "attachment.upload",
        &format!("ticket:{id}"),
        &serde_json::json!({"attachment": attachment, "sha256": sha, "size": body.len(), "type": content_type}),
    )
    .await?;
    tx.commit().await?;
    tickets::attachments(&mut *state.store().reader().await?, id)
        .await?
        .into_iter()
        .find(|a| a.id == attachment)
        .ok_or_else(|| AppError::internal("attachment vanished"))
}

/// Download evidence: only those who can see the ticket.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, body = crate::api::error::ErrorBody)))]
pub async fn attachment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    user.require_reader()?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found("附件"))?;
    let mut conn = state.store().reader().await?;
    let (meta, content) = tickets::attachment(&mut conn, id).await?.ok_or_else(|| AppError::not_found("附件"))?;
    tickets::get(&mut conn, meta.ticket_id, user.scope()?, sees_misconduct(user.role))
        .await?
        .ok_or_else(|| AppError::not_found("附件"))?;
    let mut response = content.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(sniff_static(&meta.content_type)));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let encoded: String = form_urlencoded::byte_serialize(meta.filename.as_bytes()).collect();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{encoded}")) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

fn sniff_static(stored: &str) -> &'static str {
    match stored {
        "image/jpeg" => "image/jpeg",
        "image/png" => "image/png",
        "application/pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}
