//! The citizen's side, without an account: the tracking code and query password from the receipt show the
//! state, deadlines, the citizen-safe timeline and the feedback; with them the citizen rates the handling and
//! adds the one follow-up evaluation. Wrong passwords are rate-limited per address and per code.

use hcp_core::channel::Channel;
use hcp_core::evaluation::Adoption;
use hcp_core::evaluation::EvaluationInput;
use hcp_core::level::Level;
use hcp_core::lifecycle::{Classification, Satisfaction};
use hcp_core::ticket::{TicketKind, TicketState};
use hcp_store::{StoreError, complaints, evaluations, tickets};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{AppError, AppResult, ErrorCode};
use super::intake::{self, Origin, Receipt, query_secret};
use super::state::AppState;
use super::tickets::lifecycle::{self, Actor, Command, citizen_handler, citizen_state_label};
use super::views::{DeadlineView, local_time};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PasswordQuery {
    /// The 6-digit query password (or send it in the `X-Query-Password` header).
    pub password: Option<String>,
}

/// What the citizen sees. No staff names, no internal findings or rectification measures, no appeal
/// statements.
#[derive(Serialize, ToSchema)]
pub struct TrackView {
    pub tracking_code: String,
    /// `evaluation`, `complaint` or `misconduct`.
    pub kind: String,
    pub kind_label: String,
    pub submitted_at: String,
    /// Evaluations: the level given (1–5) and its label.
    #[schema(value_type = Option<i64>)]
    pub level: Option<Level>,
    pub level_label: Option<String>,
    /// Whether the evaluation counts (a review the bureau overturned does not).
    pub adopted: Option<bool>,
    pub state: Option<String>,
    pub state_label: String,
    /// Who handles it, in words (`责任窗口`; for a misconduct report the bureau and the discipline inspectors);
    /// absent when nothing is to be handled (a good review).
    pub handler: Option<String>,
    /// When the answer is due.
    pub feedback_by: Option<DeadlineView>,
    /// What `feedback_by` is the deadline of: `反馈期限`, or `查处期限` for a misconduct report.
    pub feedback_by_label: String,
    /// The latest feedback given to the citizen (shown here, not repeated in the timeline).
    pub feedback: Option<String>,
    pub timeline: Vec<TrackEvent>,
    /// The handling can be rated now.
    pub can_rate: bool,
    /// A follow-up evaluation can be added (case-bound evaluations, once).
    pub can_follow_up: bool,
}

#[derive(Serialize, ToSchema)]
pub struct TrackEvent {
    pub at: String,
    pub text: String,
}

enum Found {
    Evaluation(evaluations::Tracked),
    Complaint(complaints::Tracked),
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Finds the submission behind a code if the password fits; each failure counts against the caller's address
/// and the code, and the same answer is given whether the code or the password was wrong.
async fn open(
    state: &AppState,
    ip: std::net::IpAddr,
    code: &str,
    password: Option<String>,
) -> AppResult<(String, Found)> {
    let limit = state.config().rate_limit.tracking_failures_per_minute;
    let code = code.trim().to_uppercase();
    let (by_ip, by_code) = (format!("track:{ip}"), format!("track-code:{code}"));
    // Each attempt is counted before it is checked (concurrent guesses cannot slip past a count not yet made)
    // and given back when it was right.
    state.limiter().check(&by_ip, limit).map_err(AppError::rate_limited)?;
    if let Err(wait) = state.limiter().check(&by_code, limit) {
        state.limiter().refund(&by_ip);
        return Err(AppError::rate_limited(wait));
    }
    let refund = || {
        state.limiter().refund(&by_ip);
        state.limiter().refund(&by_code);
    };
    let fail = || AppError::new(ErrorCode::NotFound, "查询码或查询密码不正确");
    let Some(password) = password else {
        // Asking without a password guesses nothing.
        refund();
        return Err(AppError::new(ErrorCode::PasswordRequired, "请输入查询密码")
            .with_fields(hcp_core::FieldErrors::single("password", "请输入查询密码")));
    };
    let secret = query_secret(state.key(), &code, &password);
    let mut conn = state.store().reader().await?;
    let found = if code.starts_with('E') {
        evaluations::by_tracking_code(&mut conn, &code)
            .await?
            .filter(|e| constant_time_eq(&e.query_secret, &secret))
            .map(Found::Evaluation)
    } else {
        complaints::by_tracking_code(&mut conn, &code)
            .await?
            .filter(|c| constant_time_eq(&c.query_secret, &secret))
            .map(Found::Complaint)
    };
    let found = found.ok_or_else(fail)?;
    refund();
    Ok((code, found))
}

async fn ticket_of(state: &AppState, found: &Found) -> AppResult<Option<tickets::Stored>> {
    let mut conn = state.store().reader().await?;
    Ok(match found {
        Found::Evaluation(e) => tickets::load_for(&mut conn, Some(e.id), None).await?,
        Found::Complaint(c) => tickets::load_for(&mut conn, None, Some(c.id)).await?,
    })
}

/// Follow a submission: state, deadline, the citizen-safe timeline and the feedback, once the password fits.
pub async fn lookup(
    state: &AppState,
    ip: std::net::IpAddr,
    code: &str,
    password: Option<String>,
) -> AppResult<TrackView> {
    let (code, found) = open(state, ip, code, password).await?;
    view(state, code, &found).await
}

async fn view(state: &AppState, code: String, found: &Found) -> AppResult<TrackView> {
    let ticket = ticket_of(state, found).await?;
    let mut conn = state.store().reader().await?;
    let events = match &ticket {
        Some(t) => tickets::events(&mut conn, t.id, true).await?,
        None => Vec::new(),
    };
    let now = state.now();
    let facts = ticket.as_ref().map(|t| t.facts.clone()).unwrap_or_default();
    let state_code = ticket.as_ref().map(|t| t.facts.state());
    let latest_feedback = events.iter().rposition(|e| e.action == "feedback");
    let feedback = latest_feedback.and_then(|i| events[i].details["text"].as_str().map(str::to_owned));
    let who = ticket.as_ref().map(|t| (t.kind, t.attribution.window_id.is_some()));
    let handler = who.map(|(kind, window)| citizen_handler(kind, window));
    let misconduct = who.is_some_and(|(kind, _)| kind == TicketKind::Misconduct);
    let timeline = events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| citizen_line(e, handler.unwrap_or("责任窗口"), misconduct, Some(i) == latest_feedback))
        .collect::<Result<_, _>>()?;
    let (kind, kind_label, submitted_at, level, adopted, can_follow_up) = match found {
        Found::Evaluation(e) => {
            let follow_up_given = evaluations::follow_up_of(&mut conn, e.id).await?.is_some();
            (
                "evaluation",
                "评价",
                e.received_at,
                Some(e.level),
                Some(e.adoption == Adoption::Adopted),
                e.case_no.is_some() && e.follow_up == 0 && !follow_up_given,
            )
        }
        Found::Complaint(c) => {
            let reported = c.report_kind.is_some();
            (
                if reported { "misconduct" } else { "complaint" },
                if reported { "举报" } else { "投诉" },
                c.received_at,
                None,
                None,
                false,
            )
        }
    };
    Ok(TrackView {
        tracking_code: code,
        kind: kind.into(),
        kind_label: kind_label.into(),
        submitted_at: local_time(submitted_at)?,
        level_label: level.map(|l| l.label().to_owned()),
        level,
        adopted,
        state: state_code.map(|s| s.code().to_owned()),
        state_label: match (who, state_code) {
            (Some((kind, window)), Some(state)) => citizen_state_label(kind, window, state),
            _ => "已收到".into(),
        },
        handler: handler.map(str::to_owned),
        feedback_by: facts.feedback_by.as_ref().map(|d| DeadlineView::new(d, now)),
        feedback_by_label: if misconduct { "查处期限" } else { "反馈期限" }.into(),
        feedback,
        timeline,
        can_rate: state_code == Some(TicketState::FeedbackGiven)
            && ticket.as_ref().is_some_and(|t| t.kind != TicketKind::Misconduct),
        can_follow_up,
    })
}

/// One public timeline entry in words a citizen reads; internal details stay out: the rectification measures
/// are the window's own business (the citizen is answered by the feedback), and the latest feedback's text is
/// shown once, above the timeline.
fn citizen_line(
    e: &tickets::Event,
    handler: &str,
    misconduct: bool,
    latest_feedback: bool,
) -> Option<Result<TrackEvent, StoreError>> {
    let d = &e.details;
    let text = |key: &str| d[key].as_str().unwrap_or_default().to_owned();
    let line = match e.action.as_str() {
        "dispatch" if misconduct => format!("已转交{handler}查处"),
        "dispatch" => format!("已转交{handler}办理"),
        "verify" => {
            let c = d["classification"].as_str().and_then(Classification::from_code);
            format!("已核实：{}", c.map_or("", Classification::label))
        }
        "rectify" => "已整改".to_owned(),
        "feedback" if latest_feedback => "已向您反馈处理结果".to_owned(),
        "feedback" => format!("处理反馈：{}", text("text")),
        "decide" if d["outcome"] == "overturned" => "经复核，该评价不予采纳".to_owned(),
        "decide" => "经复核，维持原评价，继续整改".to_owned(),
        "revisit" => {
            let s = d["satisfaction"].as_str().and_then(Satisfaction::from_code);
            format!("回访结果：{}", s.map_or("", Satisfaction::label))
        }
        "close" => "已办结".to_owned(),
        "conclude" if d["outcome"] == "substantiated" => "经查，举报情况属实，已依规处理".to_owned(),
        "conclude" => "经查，举报情况不属实".to_owned(),
        "recompute" => "因节假日安排调整，办理期限已重新计算".to_owned(),
        _ => return None,
    };
    Some(local_time(e.at).map(|at| TrackEvent { at, text: line }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingBody {
    /// Or the `X-Query-Password` header.
    pub password: Option<String>,
    pub satisfaction: Satisfaction,
    pub note: Option<String>,
}

/// The citizen rates the handling after feedback: satisfied closes the ticket, unsatisfied reopens it once,
/// then escalates to the bureau.
pub async fn rate(
    state: &AppState,
    ip: std::net::IpAddr,
    code: &str,
    password: Option<String>,
    satisfaction: Satisfaction,
    note: Option<String>,
) -> AppResult<TrackView> {
    let (code, found) = open(state, ip, code, password).await?;
    let ticket = ticket_of(state, &found)
        .await?
        .filter(|t| t.kind != TicketKind::Misconduct)
        .ok_or_else(|| AppError::new(ErrorCode::NothingToRate, "该评价没有需要评价的处理结果"))?;
    if ticket.facts.state() != TicketState::FeedbackGiven {
        return Err(AppError::new(ErrorCode::NotReady, "尚未收到处理反馈，暂不能评价处理结果"));
    }
    let command = Command::Revisit { satisfaction, note };
    lifecycle::perform(state, &Actor::citizen(), None, ticket.id, command).await?;
    view(state, code, &found).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpBody {
    /// Or the `X-Query-Password` header.
    pub password: Option<String>,
    #[schema(value_type = Option<hcp_core::level::Level>)]
    pub level: Option<i64>,
    #[serde(default)]
    #[schema(value_type = hcp_core::tags::TagList)]
    pub tags: Vec<serde_json::Value>,
    pub comment: Option<String>,
}

/// The one follow-up evaluation (追评) of a case-bound evaluation, as an online evaluation of the citizen.
pub async fn follow_up(
    state: &AppState,
    ip: std::net::IpAddr,
    code: &str,
    password: Option<String>,
    body: FollowUpBody,
) -> AppResult<Receipt> {
    let (_, found) = open(state, ip, code, password).await?;
    let Found::Evaluation(first) = found else {
        return Err(AppError::new(ErrorCode::NotFollowable, "投诉和举报不能追评"));
    };
    let Some(case_no) = first.case_no.clone().filter(|_| first.follow_up == 0) else {
        return Err(AppError::new(ErrorCode::NotFollowable, "只有针对办件的评价可以追评"));
    };
    // Online follow-ups come through the web; the original channel of a paper form cannot be reused.
    let channel = if matches!(first.channel, Channel::Mobile | Channel::Qrcode) { "mobile" } else { "pc" };
    let input = EvaluationInput {
        channel: Some(channel.into()),
        case_no: Some(case_no),
        level: body.level,
        tags: body.tags,
        comment: body.comment,
        follow_up: true,
        ..Default::default()
    };
    Ok(intake::submit(state, &Origin::citizen(ip), &input).await?.receipt)
}
