//! Evaluation intake from every channel, the scoped list and detail, and the batch import upload.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header::CONTENT_TYPE};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use hcp_core::clock::shanghai;
use hcp_core::evaluation::{EvaluationInput, NewEvaluation};
use hcp_core::org::path_contains;
use hcp_core::role::{Role, Scope};
use hcp_store::{evaluations, org};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::Page;
use crate::api::extract::{ApiJson, ApiQuery};
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::import::{self, ImportReport};
use crate::app::import_file::FileFormat;
use crate::app::intake::{IntakeRequest, Outcome, Receipt, Submission, Submitter};
use crate::app::state::AppState;
use crate::app::views::{EvaluationView, Paged};
use crate::edge::caller::MaybeUser;
use crate::edge::client::ClientAddr;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/evaluations", post(create).get(list))
        .route("/evaluations/{id}", get(detail))
        .route("/evaluations/{id}/reveal", post(reveal))
}

pub fn import_router() -> Router<AppState> {
    Router::new().route("/evaluations/import", post(import_upload))
}

pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// Submit an evaluation. Online channels (`pc`, `mobile`, `qrcode`, `hall_tablet`, `hall_terminal`, `sms`) are
/// public and rate-limited per client; `phone`, `box` and `paper` are entered by a hotline operator or
/// registrar. Levels 1–2 open a ticket. With an `Idempotency-Key` header a retry returns the original response.
#[utoipa::path(post, path = "/api/v1/evaluations", tag = "evaluations", request_body = EvaluationInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "重试时使用同一键值，不会重复登记")),
    responses(
        (status = 201, body = Receipt, description = "已登记；query_password 仅此一次返回"),
        (status = 401, body = crate::api::error::ErrorBody), (status = 403, body = crate::api::error::ErrorBody),
        (status = 409, body = crate::api::error::ErrorBody, description = "already_evaluated / follow_up_exists"),
        (status = 422, body = crate::api::error::ErrorBody), (status = 429, body = crate::api::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    ClientAddr(ip): ClientAddr,
    headers: HeaderMap,
    ApiJson(input): ApiJson<EvaluationInput>,
) -> AppResult<(StatusCode, Json<Receipt>)> {
    let now = state.now();
    let evaluation = NewEvaluation::parse(&input, now).map_err(AppError::invalid)?;
    let registered = evaluation.channel.is_registered();
    let submitter =
        submitter_for(&state, user.as_ref(), ip, registered, state.config().rate_limit.evaluations_per_minute)?;
    let idempotency = idempotency_key(&headers, user.as_ref(), &input)?;
    let request = IntakeRequest {
        submission: Submission::Evaluation(evaluation),
        submitter,
        received_at: now,
        idempotency,
        import_ref: None,
        rules: state.rules(),
    };
    submit(&state, request).await
}

/// Who is submitting, enforcing that registered channels come from operators/registrars and that anonymous
/// online submissions stay within the per-client rate.
pub fn submitter_for(
    state: &AppState,
    user: Option<&CurrentUser>,
    ip: std::net::IpAddr,
    registered: bool,
    per_minute: u32,
) -> AppResult<Submitter> {
    let client_index = Some(state.key().blind_index(&format!("ip:{ip}")));
    match user {
        Some(user) if user.role.may_register_offline() => Ok(Submitter {
            user_id: Some(user.user.id),
            actor: user.actor(),
            scope_path: match &user.scope {
                Some(Scope::OrgUnit { path, .. }) => Some(path.clone()),
                _ => None,
            },
            client_index,
            client_ip: None,
        }),
        Some(_) if registered => Err(AppError::forbidden()),
        None if registered => Err(AppError::unauthenticated()),
        _ => {
            state.limiter().check(&format!("submit:{ip}"), per_minute).map_err(AppError::rate_limited)?;
            Ok(Submitter {
                user_id: None,
                actor: "citizen".into(),
                scope_path: None,
                client_index,
                client_ip: Some(ip),
            })
        }
    }
}

/// The key is scoped to the caller, so two anonymous clients choosing the same key do not see each other's
/// answers (they would need the same request too).
pub fn idempotency_key<T: serde::Serialize>(
    headers: &HeaderMap,
    user: Option<&CurrentUser>,
    input: &T,
) -> AppResult<Option<(String, String)>> {
    let Some(value) = headers.get(IDEMPOTENCY_HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .ok_or_else(|| AppError::new(ErrorCode::InvalidIdempotencyKey, "Idempotency-Key 应为1至200个可见字符"))?;
    Ok(Some(scoped_idempotency(key, user, input)))
}

/// The stored idempotency key (caller + key) and the hash of the request it came with; also used by the entry
/// pages, whose forms carry a key of their own so that a resubmitted form does not register twice.
pub fn scoped_idempotency<T: serde::Serialize>(key: &str, user: Option<&CurrentUser>, input: &T) -> (String, String) {
    let owner = user.map_or_else(|| "anonymous".to_owned(), |u| format!("user:{}", u.user.id));
    let request_hash = hex::encode(Sha256::digest(serde_json::to_vec(input).unwrap_or_default()));
    (format!("{owner}:{key}"), request_hash)
}

pub async fn submit(state: &AppState, request: IntakeRequest) -> AppResult<(StatusCode, Json<Receipt>)> {
    match state.intake().submit(request).await {
        Ok(Outcome::Created(receipt) | Outcome::Replayed(receipt)) => Ok((StatusCode::CREATED, Json(receipt))),
        Ok(Outcome::AlreadyImported) => Err(AppError::new(ErrorCode::AlreadyImported, "该记录已导入")),
        Err(err) => Err(err),
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Org unit code: that unit and everything below it (within your own scope).
    pub org: Option<String>,
    /// First day (YYYY-MM-DD, UTC+8) or instant (RFC 3339), inclusive.
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD, inclusive) or instant (RFC 3339, exclusive).
    pub to: Option<String>,
    pub level: Option<i64>,
    pub channel: Option<String>,
    pub window: Option<String>,
    pub staff_no: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Parses a period bound: a local date (start of day, or start of the next day for `to`) or an instant.
pub fn period_bound(text: Option<&str>, field: &str, end: bool) -> AppResult<Option<i64>> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(at.with_timezone(&Utc).timestamp_millis()));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| AppError::new(ErrorCode::InvalidQuery, format!("{field} 应为 YYYY-MM-DD 日期或 RFC 3339 时间")))?;
    let date = if end { date.succ_opt().unwrap_or(date) } else { date };
    let at = date.and_time(NaiveTime::MIN).and_local_timezone(shanghai()).single().map(|t| t.timestamp_millis());
    Ok(at)
}

/// Resolves `?org=CODE` to a path inside the caller's scope.
pub async fn org_filter(state: &AppState, code: Option<&str>, scope: &Scope) -> AppResult<Option<String>> {
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
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

/// Evaluations in the caller's scope, newest first. Evaluator data is masked, and hidden from the evaluated side.
#[utoipa::path(get, path = "/api/v1/evaluations", tag = "evaluations", params(ListQuery),
    responses((status = 200, body = Paged<EvaluationView>), (status = 401, body = crate::api::error::ErrorBody),
        (status = 403, body = crate::api::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<Paged<EvaluationView>>> {
    list_for(&state, &user, &q).await.map(Json)
}

/// What `GET /evaluations` answers, for the work pages too: the same scope, filters and masking.
pub async fn list_for(state: &AppState, user: &CurrentUser, q: &ListQuery) -> AppResult<Paged<EvaluationView>> {
    user.require_reader()?;
    let scope = user.scope()?;
    let mut conn = state.store().reader().await?;
    let window_id = match q.window.as_deref().filter(|w| !w.is_empty()) {
        Some(code) => Some(org::window_by_code(&mut conn, code).await?.ok_or_else(|| AppError::not_found("窗口"))?.id),
        None => None,
    };
    let staff_id = match q.staff_no.as_deref().filter(|s| !s.is_empty()) {
        Some(no) => Some(org::staff_by_no(&mut conn, no).await?.ok_or_else(|| AppError::not_found("工作人员"))?.id),
        None => None,
    };
    drop(conn);
    let filter = evaluations::Filter {
        org_path: org_filter(state, q.org.as_deref(), scope).await?,
        from_ms: period_bound(q.from.as_deref(), "from", false)?,
        to_ms: period_bound(q.to.as_deref(), "to", true)?,
        level: q.level,
        channel: q.channel.clone().filter(|c| !c.is_empty()),
        window_id,
        staff_id,
    };
    let (limit, offset) = Page { page: q.page, per_page: q.per_page }.limit_offset();
    let mut conn = state.store().reader().await?;
    let (rows, total) = evaluations::list(&mut conn, &filter, scope, limit, offset).await?;
    let items = rows.into_iter().map(|row| EvaluationView::new(row, user.role, state.key())).collect();
    Ok(Paged { items, total, page: offset / limit + 1, per_page: limit })
}

/// One evaluation in the caller's scope.
#[utoipa::path(get, path = "/api/v1/evaluations/{id}", tag = "evaluations", params(("id" = i64, Path)),
    responses((status = 200, body = EvaluationView), (status = 404, body = crate::api::error::ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<EvaluationView>> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found("评价"))?;
    view_of(&state, &user, id).await.map(Json)
}

/// What `GET /evaluations/{id}` answers (masked per role), for the ticket page too.
pub async fn view_of(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<EvaluationView> {
    user.require_reader()?;
    let mut conn = state.store().reader().await?;
    let row = evaluations::get(&mut conn, id, Some(user.scope()?)).await?.ok_or_else(|| AppError::not_found("评价"))?;
    Ok(EvaluationView::new(row, user.role, state.key()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealBody {
    /// Why the contact is needed (at least 4 characters), kept in the audit log.
    pub reason: Option<String>,
}

/// The evaluator's contact in clear: only in this answer, never stored elsewhere.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevealedContact {
    pub evaluation_id: i64,
    /// `personal` or `legal`; null for an anonymous evaluation (then nothing else is known).
    pub kind: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub id_no: Option<String>,
}

/// Shortest reason accepted for a reveal: a word or two, not a single key press.
pub const REVEAL_REASON_MIN: usize = 4;

/// Reveals an evaluation's evaluator contact to a supervisor in scope, with the stated reason written to the
/// audit log first (DESIGN §7: revealing needs a permission and a reason, and is itself audited).
pub async fn reveal_contact(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    reason: Option<&str>,
) -> AppResult<RevealedContact> {
    user.require(&[Role::Supervisor])?;
    let reason = reason.map(str::trim).unwrap_or_default();
    let length = reason.chars().count();
    if !(REVEAL_REASON_MIN..=500).contains(&length) {
        return Err(AppError::invalid_field("reason", "请说明查看联系方式的理由（4至500字）"));
    }
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let row = evaluations::get(&mut tx, id, Some(user.scope()?)).await?.ok_or_else(|| AppError::not_found("评价"))?;
    let key_id = row.key_id.clone().unwrap_or_default();
    let open = |value: &Option<Vec<u8>>, context: &str| -> AppResult<Option<String>> {
        value.as_ref().map(|data| state.key().decrypt(&key_id, data, context).map_err(AppError::internal)).transpose()
    };
    let contact = RevealedContact {
        evaluation_id: row.id,
        kind: row.evaluator_kind.clone(),
        name: open(&row.evaluator_name, "evaluator.name")?,
        phone: open(&row.evaluator_phone, "evaluator.phone")?,
        id_no: open(&row.evaluator_id_no, "evaluator.id_no")?,
    };
    let fields: Vec<&str> = [("name", &contact.name), ("phone", &contact.phone), ("id_no", &contact.id_no)]
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .map(|(k, _)| k)
        .collect();
    hcp_store::audit::append(
        &mut tx,
        now,
        &user.actor(),
        "evaluation.reveal_contact",
        &format!("evaluation:{id}"),
        &serde_json::json!({"reason": reason, "fields": fields}),
    )
    .await?;
    tx.commit().await?;
    Ok(contact)
}

/// Reveal the evaluator's name, phone and ID number in clear (supervisor, in scope) with a stated reason; the
/// reveal is audited with the actor, the evaluation and the reason.
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/reveal", tag = "evaluations", params(("id" = i64, Path)),
    request_body = RevealBody, responses((status = 200, body = RevealedContact),
        (status = 403, body = crate::api::error::ErrorBody), (status = 404, body = crate::api::error::ErrorBody),
        (status = 422, body = crate::api::error::ErrorBody, description = "reason missing or too short")))]
pub async fn reveal(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RevealBody>,
) -> AppResult<Json<RevealedContact>> {
    user.require(&[Role::Supervisor])?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found("评价"))?;
    reveal_contact(&state, &user, id, body.reason.as_deref()).await.map(Json)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// Original file name; its extension (.csv/.xlsx) tells the format when the Content-Type does not.
    pub filename: Option<String>,
}

/// Batch import of paper forms, box records and hotline logs: the file is the request body (Content-Type
/// `text/csv` or the XLSX type). Valid rows land; each invalid row is reported; re-importing adds nothing.
#[utoipa::path(post, path = "/api/v1/evaluations/import", tag = "evaluations", params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "CSV（UTF-8）或 XLSX 文件内容"),
    responses((status = 200, body = ImportReport), (status = 400, body = crate::api::error::ErrorBody),
        (status = 413, body = crate::api::error::ErrorBody)))]
pub async fn import_upload(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> AppResult<Json<ImportReport>> {
    user.require(&[Role::Registrar, Role::HotlineOperator])?;
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::payload_too_large(state.config().upload.max_import_bytes)
        } else {
            AppError::new(ErrorCode::InvalidBody, "无法读取上传的文件")
        }
    })?;
    let format = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(FileFormat::from_content_type)
        .or_else(|| q.filename.as_deref().and_then(FileFormat::from_name))
        .ok_or_else(|| AppError::new(ErrorCode::UnsupportedFileType, "仅支持 CSV（UTF-8）或 XLSX 文件"))?;
    import_file(&state, &user, &body, format).await.map(Json)
}

/// Imports a file's rows as `user` (registrar or hotline operator): the API's upload and the upload page.
pub async fn import_file(
    state: &AppState,
    user: &CurrentUser,
    bytes: &[u8],
    format: FileFormat,
) -> AppResult<ImportReport> {
    user.require(&[Role::Registrar, Role::HotlineOperator])?;
    let submitter = submitter_for(state, Some(user), std::net::IpAddr::from([127, 0, 0, 1]), true, 0)?;
    import::import(state.store(), state.key(), &state.rules(), &submitter, bytes, format, state.now()).await
}
