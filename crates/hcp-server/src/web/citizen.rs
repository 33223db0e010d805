//! The citizen's pages, without an account and without JavaScript: the evaluation form reached by a window's
//! QR code (`/e/{window_code}`, with the window's staff to choose from) or bound to one case
//! (`/e/case/{case_no}`, 一事一评), its receipt, and `/track`. Submissions go through the same intake service,
//! rate limits and checks as the API. The complaint and report forms, the monthly disclosure and the paper
//! evaluation form live in the `citizen_*` modules; [`router`] serves them all.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use hcp_core::evaluation::{EvaluationInput, EvaluatorInput};
use hcp_core::level::Level;
use hcp_core::lifecycle::Satisfaction;
use serde::Deserialize;

use super::csrf::{self, Csrf};
use super::errors::PageError;
use super::form_view::{CHECK_FIELDS, FormView};
use super::layout::{Chrome, footer_about};
pub use super::levels::{LevelOption, TagGroup, TagOption, form_choices, level_options, tag_groups};
use super::{FormPairs, citizen_forms, citizen_paper, citizen_public, local_date, local_text, render};
use crate::app::error::{AppError, ErrorCode};
use crate::app::intake::{self, Origin, Receipt};
use crate::app::org::{self, CaseInfo, Subject, WindowInfo};
use crate::app::state::AppState;
use crate::app::track::{self, FollowUpBody, TrackView};
use crate::app::views::DeadlineView;
use crate::edge::client::ClientAddr;
use crate::edge::status;
use crate::web::form::{CsrfForm, form_name};

/// The citizen pages added beside `/e/{window_code}` and `/track` (which `web::router` lists itself).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/e/case/{case_no}", get(case_page).post(case_submit))
        .route("/e/{window_code}/form", get(citizen_paper::paper_form))
        .route("/complaint", get(citizen_forms::complaint_page).post(citizen_forms::complaint_submit))
        .route("/report", get(citizen_forms::report_page).post(citizen_forms::report_submit))
        .route("/public", get(citizen_public::public_page))
}

fn window_not_found() -> PageError {
    PageError::new(StatusCode::NOT_FOUND, "窗口不存在", "未找到该窗口，请确认扫描的是大厅窗口上张贴的二维码。")
}

pub async fn window_info(state: &AppState, code: &str) -> Result<WindowInfo, PageError> {
    org::window(state, code).await?.ok_or_else(window_not_found)
}

async fn window_subject(state: &AppState, code: &str) -> Result<Subject, PageError> {
    org::window_subject(state, code).await?.ok_or_else(window_not_found)
}

async fn case_subject(state: &AppState, case_no: &str) -> Result<Subject, PageError> {
    org::case_subject(state, case_no).await?.ok_or_else(|| {
        PageError::new(
            StatusCode::NOT_FOUND,
            "办件不存在",
            "未找到该办件，请核对办件编号，或扫描窗口张贴的二维码进行评价。",
        )
    })
}

pub struct StaffOption {
    pub staff_no: String,
    pub name: String,
    pub checked: bool,
}

/// The evaluation form's fields as the API names them → as the form names them.
const EVALUATE_FIELDS: &[(&str, &str)] = &[
    ("level", "level"),
    ("tags", "tags"),
    ("staff_no", "staff_no"),
    ("comment", "comment"),
    ("evaluator.name", "name"),
    ("evaluator.phone", "phone"),
];

#[derive(Template)]
#[template(path = "evaluate.html")]
pub struct EvaluatePage {
    pub chrome: Chrome,
    pub window: WindowInfo,
    pub action: String,
    pub case: Option<CaseInfo>,
    pub staff: Vec<StaffOption>,
    /// Shown instead of the form: the case already has its evaluation.
    pub notice: Option<String>,
    pub csrf: String,
    pub levels: Vec<LevelOption>,
    pub tag_groups: Vec<TagGroup>,
    /// What the citizen typed, re-shown with the errors next to the fields.
    pub form: FormView,
}

/// Shown on a case's page once it has been evaluated.
const ALREADY_EVALUATED: &str =
    "该办件已经评价过了（一事一评），感谢您的参与。如需查看处理进度，请使用评价时获得的查询码和查询密码。";

impl EvaluatePage {
    fn new(subject: Subject, csrf: String, form: FormView) -> Self {
        let staff = subject
            .staff
            .into_iter()
            .map(|(staff_no, name)| StaffOption { checked: form.v("staff_no") == staff_no, staff_no, name })
            .collect();
        let (levels, tag_groups) = form_choices(&form);
        // A closed window's QR page says where to go instead of offering the form (a case keeps its form: the
        // service was rendered before the window closed).
        let notice = match (&subject.window.closed, subject.evaluated) {
            (Some(closed), _) if subject.case.is_none() => Some(closed.clone()),
            (_, true) => Some(ALREADY_EVALUATED.to_owned()),
            _ => None,
        };
        let title = match &subject.case {
            Some(case) => format!("评价办件：{}", case.item),
            None => format!("评价：{}", subject.window.name),
        };
        EvaluatePage {
            chrome: Chrome::public(title),
            action: match &subject.case {
                Some(case) => format!("/e/case/{}", case.case_no),
                None => format!("/e/{}", subject.window.code),
            },
            window: subject.window,
            case: subject.case,
            staff,
            notice,
            csrf,
            levels,
            tag_groups,
            form,
        }
    }
}

#[derive(Template)]
#[template(path = "receipt.html")]
pub struct ReceiptPage {
    pub chrome: Chrome,
    pub window: WindowInfo,
    pub level_label: &'static str,
    pub bad: bool,
    pub receipt: Receipt,
    /// What the receipt speaks of (评价 here; 投诉 or 举报 on the other receipt).
    pub kind_label: &'static str,
    pub due: Option<AnswerDue>,
}

/// The date by which the citizen is answered, as a receipt names it (the working-day deadline's day).
pub struct AnswerDue {
    pub date: String,
    /// The year's holiday arrangement is not yet published: the date may move.
    pub provisional: bool,
}

impl AnswerDue {
    pub fn of(deadline: Option<&DeadlineView>) -> Option<AnswerDue> {
        deadline.map(|d| AnswerDue { date: local_date(&d.at), provisional: d.provisional })
    }
}

const EVALUATE_FORM: &str = "evaluate";
form_name!(EvaluateForm, EVALUATE_FORM);

fn form_page(state: &AppState, headers: &HeaderMap, subject: Subject) -> Response {
    let csrf = Csrf::for_request(state, headers);
    let page = EvaluatePage::new(subject, csrf.token(state, EVALUATE_FORM), FormView::default());
    csrf.attach(render(StatusCode::OK, &page))
}

pub async fn evaluate_page(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let subject = window_subject(&state, &code).await?;
    Ok(form_page(&state, &headers, subject))
}

pub async fn case_page(
    State(state): State<AppState>,
    Path(case_no): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let subject = case_subject(&state, &case_no).await?;
    Ok(form_page(&state, &headers, subject))
}

pub async fn evaluate_submit(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    Path(code): Path<String>,
    headers: HeaderMap,
    CsrfForm(form, _): CsrfForm<EvaluateForm>,
) -> Result<Response, PageError> {
    let subject = window_subject(&state, &code).await?;
    submit(&state, ip, &headers, &form, subject).await
}

pub async fn case_submit(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    Path(case_no): Path<String>,
    headers: HeaderMap,
    CsrfForm(form, _): CsrfForm<EvaluateForm>,
) -> Result<Response, PageError> {
    let subject = case_subject(&state, &case_no).await?;
    submit(&state, ip, &headers, &form, subject).await
}

/// One submission of either form through intake; errors re-show the form with the input kept.
async fn submit(
    state: &AppState,
    ip: std::net::IpAddr,
    headers: &HeaderMap,
    form: &FormPairs,
    mut subject: Subject,
) -> Result<Response, PageError> {
    let level = form.get("level").and_then(|l| l.parse::<i64>().ok());
    let values = FormView::from_pairs(form, &["level", "staff_no", "comment", "name", "phone"]).keep_all(form, "tags");
    let (name, phone) = (form.get("name"), form.get("phone"));
    let (channel, case_no, window_code, staff_no) = match &subject.case {
        // A case names its window and staff itself; its link reaches the citizen's phone (SMS, receipt).
        Some(case) => ("mobile", Some(case.case_no.clone()), None, None),
        None => ("qrcode", None, Some(subject.window.code.clone()), form.get("staff_no").map(str::to_owned)),
    };
    let input = EvaluationInput {
        channel: Some(channel.into()),
        case_no,
        window_code,
        staff_no,
        level,
        // Unknown values reach intake as they were sent, so it names them.
        tags: form.all("tags").into_iter().map(|t| serde_json::Value::String(t.to_owned())).collect(),
        comment: form.get("comment").map(str::to_owned),
        evaluator: (name.is_some() || phone.is_some()).then(|| EvaluatorInput {
            name: name.map(str::to_owned),
            phone: phone.map(str::to_owned),
            ..Default::default()
        }),
        ..Default::default()
    };
    let csrf = Csrf::for_request(state, headers);
    // Always anonymous here, whoever is signed in: these pages are the citizen's channel.
    match intake::submit(state, &Origin::citizen(ip), &input).await {
        Ok(submitted) => {
            let level = level.and_then(Level::from_code).unwrap_or(Level::VerySatisfied);
            let page = ReceiptPage {
                chrome: Chrome::public("评价已提交").without_elder_switch(),
                window: subject.window,
                level_label: level.label(),
                bad: level.is_bad(),
                due: AnswerDue::of(submitted.feedback_by.as_ref()),
                receipt: submitted.receipt,
                kind_label: "评价",
            };
            Ok(render(StatusCode::OK, &page))
        }
        Err(err) if err.code == ErrorCode::AlreadyEvaluated => {
            // Intake's own words, in place of the form.
            subject.evaluated = true;
            let mut page = EvaluatePage::new(subject, csrf.token(state, EVALUATE_FORM), values);
            page.notice = Some(err.message.clone());
            Ok(render(status::of(err.code), &page))
        }
        Err(err) if status::of(err.code).is_client_error() => {
            let view = values.api_error(&err, EVALUATE_FIELDS, CHECK_FIELDS);
            let page = EvaluatePage::new(subject, csrf.token(state, EVALUATE_FORM), view);
            Ok(with_retry_after(render(status::of(err.code), &page), &err))
        }
        Err(err) => Err(err.into()),
    }
}

#[derive(Template)]
#[template(path = "track.html")]
pub struct TrackPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub code: String,
    pub error: Option<String>,
    pub result: Option<TrackResult>,
    /// The rating and follow-up forms under the result (each with its own CSRF token).
    pub rate_csrf: String,
    pub follow_csrf: String,
    /// What the rating or follow-up form was refused for, with the citizen's choices kept.
    pub form_error: Option<(&'static str, String)>,
    pub kept: FormView,
    pub done: Option<&'static str>,
    /// The follow-up evaluation's own receipt (its query password is shown this once).
    pub follow_receipt: Option<Receipt>,
    pub levels: Vec<LevelOption>,
    pub tag_groups: Vec<TagGroup>,
}

impl TrackPage {
    fn new(state: &AppState, csrf: &Csrf, code: String) -> Self {
        let mut page = TrackPage {
            chrome: Chrome::public(LOOKUP_TITLE),
            csrf: csrf.token(state, TRACK_FORM),
            code,
            error: None,
            result: None,
            rate_csrf: csrf.token(state, RATE_FORM),
            follow_csrf: csrf.token(state, FOLLOW_UP_FORM),
            form_error: None,
            kept: FormView::default(),
            done: None,
            follow_receipt: None,
            levels: Vec::new(),
            tag_groups: Vec::new(),
        };
        page.set_choices();
        page
    }

    /// Once the code is known, the page is titled for what it tracks (评价 / 投诉 / 举报).
    fn show(&mut self, result: TrackResult) {
        let kind = result.view.kind_label.clone();
        self.chrome.title = format!("{kind}进度查询");
        self.chrome.footer = footer_about(&kind);
        self.result = Some(result);
    }

    fn set_choices(&mut self) {
        (self.levels, self.tag_groups) = form_choices(&self.kept);
    }

    pub fn form_error_for(&self, form: &str) -> Option<&str> {
        self.form_error.as_ref().filter(|(f, _)| *f == form).map(|(_, m)| m.as_str())
    }
}

/// The API's citizen view with instants in words.
pub struct TrackResult {
    pub view: TrackView,
    pub submitted_at: String,
    pub feedback_by: Option<String>,
    pub feedback_by_provisional: bool,
    pub feedback_by_passed: bool,
    pub timeline: Vec<(String, String)>,
}

impl TrackResult {
    fn new(view: TrackView) -> Self {
        TrackResult {
            submitted_at: local_text(&view.submitted_at),
            feedback_by: view.feedback_by.as_ref().map(|d| local_text(&d.at)),
            feedback_by_provisional: view.feedback_by.as_ref().is_some_and(|d| d.provisional),
            feedback_by_passed: view.feedback_by.as_ref().is_some_and(|d| d.passed),
            timeline: view.timeline.iter().map(|e| (local_text(&e.at), e.text.clone())).collect(),
            view,
        }
    }
}

/// `/track` before a code is looked up: it follows evaluations, complaints and reports alike.
const LOOKUP_TITLE: &str = "评价、投诉、举报进度查询";
const TRACK_FORM: &str = "track";
const RATE_FORM: &str = "track-rate";
const FOLLOW_UP_FORM: &str = "track-follow-up";

#[derive(Deserialize)]
pub struct TrackQuery {
    pub code: Option<String>,
}

pub async fn track_page(
    State(state): State<AppState>,
    query: Result<Query<TrackQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let code = query.ok().and_then(|q| q.0.code).unwrap_or_default();
    let csrf = Csrf::for_request(&state, &headers);
    let page = TrackPage::new(&state, &csrf, code);
    csrf.attach(render(StatusCode::OK, &page))
}

/// The refused page, telling the browser when to try again after a rate limit.
pub fn with_retry_after(mut response: Response, err: &AppError) -> Response {
    if let Some(seconds) = err.retry_after
        && let Ok(value) = seconds.to_string().parse()
    {
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
    }
    response
}

/// `POST /track`: the lookup form, and under a result the rating form (`action=rate`) and the follow-up form
/// (`action=follow_up`). The latter two carry the code the citizen looked up and ask for the query password
/// again: the password is never written into the page, so it is not left in the HTML, a cached copy or a
/// screenshot.
pub async fn track_submit(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    let form = FormPairs::parse(body)?;
    let action = form.get("action").unwrap_or("lookup");
    let form_name = match action {
        "rate" => RATE_FORM,
        "follow_up" => FOLLOW_UP_FORM,
        _ => TRACK_FORM,
    };
    csrf::verify(&state, &headers, form_name, form.get(csrf::FIELD))?;
    let code = form.get("code").unwrap_or_default().to_owned();
    let csrf = Csrf::for_request(&state, &headers);
    let mut page = TrackPage::new(&state, &csrf, code.clone());
    if code.is_empty() {
        page.error = Some("请输入查询码".into());
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let password = form.get("password").map(str::to_owned);
    // The rating and follow-up choices of a refused form (never the password).
    page.kept = FormView::from_pairs(&form, &["satisfaction", "note", "level", "comment"]).keep_all(&form, "tags");
    page.set_choices();
    // A refusal of the rating or follow-up is shown next to that form, under the result as it stands.
    let outcome: Result<TrackView, AppError> = match action {
        "rate" => {
            let satisfaction = form
                .get("satisfaction")
                .and_then(|s| serde_json::from_value::<Satisfaction>(serde_json::Value::String(s.to_owned())).ok());
            match satisfaction {
                None => Err(AppError::invalid_field("satisfaction", "请选择您对处理结果的满意程度")),
                Some(satisfaction) => {
                    track::rate(&state, ip, &code, password.clone(), satisfaction, form.get("note").map(str::to_owned))
                        .await
                        .inspect(|_| page.done = Some("感谢您的评价，我们已收到您对处理结果的意见。"))
                }
            }
        }
        "follow_up" => {
            let body = FollowUpBody {
                password: None,
                level: form.get("level").and_then(|l| l.parse().ok()),
                tags: form.all("tags").into_iter().map(|t| serde_json::Value::String(t.to_owned())).collect(),
                comment: form.get("comment").map(str::to_owned),
            };
            match track::follow_up(&state, ip, &code, password.clone(), body).await {
                Ok(receipt) => {
                    page.follow_receipt = Some(receipt);
                    page.chrome.elder_switch = false;
                    page.done = Some("追评已提交。");
                    track::lookup(&state, ip, &code, password.clone()).await
                }
                Err(err) => Err(err),
            }
        }
        _ => track::lookup(&state, ip, &code, password.clone()).await,
    };
    match outcome {
        Ok(view) => {
            page.code = view.tracking_code.clone();
            page.show(TrackResult::new(view));
            Ok(render(StatusCode::OK, &page))
        }
        Err(err) if status::of(err.code).is_client_error() => {
            let wrong_password = matches!(status::of(err.code).as_u16(), 401 | 404 | 429);
            let message = err.fields.0.values().next().cloned().unwrap_or_else(|| err.message.clone());
            if action == "lookup" || wrong_password {
                page.error = Some(message);
            } else {
                // The password was right: show the result again with the refusal next to the form.
                page.form_error = Some((if action == "rate" { "rate" } else { "follow_up" }, message));
                match track::lookup(&state, ip, &code, password).await {
                    Ok(view) => page.show(TrackResult::new(view)),
                    Err(again) => page.error = Some(again.message),
                }
            }
            Ok(with_retry_after(render(status::of(err.code), &page), &err))
        }
        Err(err) => Err(err.into()),
    }
}
