//! `/tickets`: tickets in the caller's scope and the lifecycle actions on them (DESIGN §4), with their evidence.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hcp_core::lifecycle::{Classification, Outcome, Satisfaction};
use hcp_store::tickets::AttachmentMeta;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::error::ErrorBody;
use super::extract::{ApiJson, ApiQuery};
use super::path_id;
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::evaluations::RevealBody;
use crate::app::paging::Paged;
use crate::app::state::AppState;
use crate::app::tickets::attachments::{self, Upload};
use crate::app::tickets::lifecycle::Command;
use crate::app::tickets::reveal::TicketContact;
use crate::app::tickets::{self, TicketQuery};
use crate::app::views::{TicketDetail, TicketView};
use hcp_core::lifecycle::{ReportFinding, ReviewReason};

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
        .route("/tickets/{id}/reveal", post(reveal))
        .route("/attachments/{id}", get(attachment))
}

/// Uploads carry files, so they get their own (larger) body limit.
pub fn upload_router() -> Router<AppState> {
    Router::new().route("/tickets/{id}/attachments", post(upload))
}

/// Tickets in the caller's scope, newest first (or most urgent first), with their deadlines.
#[utoipa::path(get, operation_id = "list_tickets", path = "/api/v1/tickets", tag = "tickets", params(TicketQuery),
    responses((status = 200, body = Paged<TicketView>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<TicketQuery>,
) -> AppResult<Json<Paged<TicketView>>> {
    tickets::list(&state, &user, &q).await.map(Json)
}

/// One ticket in the caller's scope: state, deadlines, the full timeline and its evidence.
#[utoipa::path(get, operation_id = "get_ticket", path = "/api/v1/tickets/{id}", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, body = TicketDetail), (status = 404, body = ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<TicketDetail>> {
    tickets::detail(&state, &user, path_id(&id, "工单")?).await.map(Json)
}

/// Reveal the contact of the citizen behind the ticket (evaluator, complainant or reporter) in clear, for the
/// revisit: supervisors and hotline operators, in scope, with a stated reason; audited against the ticket.
#[utoipa::path(post, operation_id = "reveal_ticket_contact", path = "/api/v1/tickets/{id}/reveal", tag = "tickets", params(("id" = i64, Path)),
    request_body = RevealBody, responses((status = 200, body = TicketContact),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "reason missing or too short")))]
pub async fn reveal(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RevealBody>,
) -> AppResult<Json<TicketContact>> {
    tickets::reveal::reveal(&state, &user, path_id(&id, "工单")?, &body).await.map(Json)
}

async fn act(state: &AppState, user: &CurrentUser, id: &str, command: Command) -> AppResult<Json<TicketDetail>> {
    tickets::act(state, user, path_id(id, "工单")?, command).await.map(Json)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispatchBody {
    /// The window that must handle it; required when the ticket names none.
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub window_code: Option<String>,
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub staff_no: Option<String>,
    pub note: Option<String>,
}

/// Dispatch a registered ticket to the responsible window (supervisor, hotline operator). The clocks start now.
#[utoipa::path(post, operation_id = "dispatch_ticket", path = "/api/v1/tickets/{id}/dispatch", tag = "tickets", params(("id" = i64, Path)),
    request_body = DispatchBody, responses((status = 200, body = TicketDetail),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
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
#[utoipa::path(post, operation_id = "verify_ticket", path = "/api/v1/tickets/{id}/verify", tag = "tickets", params(("id" = i64, Path)),
    request_body = VerifyBody, responses((status = 200, body = TicketDetail),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
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
#[utoipa::path(post, operation_id = "rectify_ticket", path = "/api/v1/tickets/{id}/rectify", tag = "tickets", params(("id" = i64, Path)),
    request_body = RectifyBody, responses((status = 200, body = TicketDetail),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
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
#[utoipa::path(post, operation_id = "give_feedback", path = "/api/v1/tickets/{id}/feedback", tag = "tickets", params(("id" = i64, Path)),
    request_body = FeedbackBody, responses((status = 200, body = TicketDetail),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
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
#[utoipa::path(post, operation_id = "appeal_ticket", path = "/api/v1/tickets/{id}/appeal", tag = "tickets", params(("id" = i64, Path)),
    request_body = AppealBody, responses((status = 200, body = TicketDetail),
        (status = 409, body = ErrorBody, description = "appeal_window_closed, already_appealed, invalid_transition"),
        (status = 422, body = ErrorBody)))]
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
#[utoipa::path(post, operation_id = "decide_appeal", path = "/api/v1/tickets/{id}/appeal/decision", tag = "tickets", params(("id" = i64, Path)),
    request_body = DecisionBody, responses((status = 200, body = TicketDetail),
        (status = 409, body = ErrorBody, description = "already_decided, invalid_transition"),
        (status = 422, body = ErrorBody)))]
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
#[utoipa::path(post, operation_id = "revisit_ticket", path = "/api/v1/tickets/{id}/revisit", tag = "tickets", params(("id" = i64, Path)),
    request_body = RevisitBody, responses((status = 200, body = TicketDetail),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
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
#[utoipa::path(post, operation_id = "close_ticket", path = "/api/v1/tickets/{id}/close", tag = "tickets", params(("id" = i64, Path)),
    request_body = CloseBody, responses((status = 200, body = TicketDetail),
        (status = 409, body = ErrorBody)))]
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
#[utoipa::path(post, operation_id = "conclude_report", path = "/api/v1/tickets/{id}/conclusion", tag = "tickets", params(("id" = i64, Path)),
    request_body = ConclusionBody, responses((status = 200, body = TicketDetail),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn conclude(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ConclusionBody>,
) -> AppResult<Json<TicketDetail>> {
    act(&state, &user, &id, Command::Conclude { finding: body.outcome, action_taken: body.action_taken }).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name as the user knows it.
    pub filename: Option<String>,
}

/// Upload evidence for a later action on this ticket (JPEG, PNG or PDF as the raw body, at most 5 MB by
/// default). Pass the returned id in the action's `attachments`.
#[utoipa::path(post, operation_id = "upload_attachment", path = "/api/v1/tickets/{id}/attachments", tag = "tickets",
    params(("id" = i64, Path), UploadQuery),
    request_body(content((crate::api::openapi::Binary = "image/jpeg"), (crate::api::openapi::Binary = "application/octet-stream"), (crate::api::openapi::Binary = "image/png"), (crate::api::openapi::Binary = "application/pdf")), description = "JPEG、PNG 或 PDF 文件内容"),
    responses((status = 201, body = AttachmentMeta), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<(StatusCode, Json<AttachmentMeta>)> {
    let limit = state.config().upload.max_attachment_bytes;
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::payload_too_large(limit)
        } else {
            AppError::new(ErrorCode::InvalidBody, "无法读取上传的文件")
        }
    })?;
    let declared_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let upload = Upload { filename: q.filename, declared_type, content: &body };
    let meta = attachments::store(&state, &user, path_id(&id, "工单")?, upload).await?;
    Ok((StatusCode::CREATED, Json(meta)))
}

/// Download evidence: only those who can see the ticket.
#[utoipa::path(get, operation_id = "get_attachment", path = "/api/v1/attachments/{id}", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, description = "文件内容（类型为上传时识别的类型）", content((crate::api::openapi::Binary = "image/jpeg"), (crate::api::openapi::Binary = "image/png"), (crate::api::openapi::Binary = "application/pdf"))),
        (status = 404, body = ErrorBody)))]
pub async fn attachment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let file = attachments::download(&state, &user, path_id(&id, "附件")?).await?;
    let mut response = file.content.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(file.content_type));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Some(value) = super::download::attachment_header(&file.filename) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
