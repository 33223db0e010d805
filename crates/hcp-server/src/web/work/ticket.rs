//! `/work/tickets/{id}`: one ticket as `GET /api/v1/tickets/{id}` shows it (state, deadlines, timeline,
//! evidence), the evaluation it came from as `GET /api/v1/evaluations/{id}` masks it for the role, and the
//! forms of the actions this user may take in this state. Each form posts to `/work/tickets/{id}/<action>`,
//! runs the API's own `routes::tickets::act_on` and comes back with a success message (Post/Redirect/Get);
//! a refusal or a field error is shown on the page with the input kept.

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hcp_core::lifecycle::{Action, Classification, Outcome, Satisfaction, TicketFacts, apply, permitted};
use hcp_core::role::Role;
use hcp_core::ticket::TicketKind;
use serde::Deserialize;

use super::Due;
use crate::api::tickets::{act_on, detail_of, store_attachment};
use crate::app::error::AppError;
use crate::app::lifecycle::{Command, ReportFinding, ReviewReason};
use crate::app::state::AppState;
use crate::app::views::{EvaluationView, TicketDetail};
use crate::web::errors::PageError;
use crate::web::form_view::{CHECK_FIELDS, FormView};
use crate::web::layout::Chrome;
use crate::web::signed_in::SignedIn;
use crate::web::{FORM_BODY_LIMIT, FormPairs, local_text, multipart};

/// The actions of the page: URL segment, lifecycle action (for "may this user do it now"), success message.
const ACTIONS: [(&str, &str); 9] = [
    ("dispatch", "工单已分派，办理期限开始计算。"),
    ("verify", "核实结果已保存。"),
    ("rectify", "整改措施已记录。"),
    ("feedback", "处理反馈已发送给群众。"),
    ("appeal", "复核申请已提交，等待政务服务局复核。"),
    ("decision", "复核决定已作出。"),
    ("revisit", "回访结果已记录。"),
    ("close", "工单已办结。"),
    ("conclusion", "查处结论已记录。"),
];

fn action_of(segment: &str) -> Option<Action> {
    Some(match segment {
        "dispatch" => Action::Dispatch,
        "verify" => Action::Verify(Classification::Complex),
        "rectify" => Action::Rectify,
        "feedback" => Action::Feedback,
        "appeal" => Action::Appeal,
        "decision" => Action::Decide(Outcome::Upheld),
        "revisit" => Action::Revisit(Satisfaction::Satisfied),
        "close" => Action::Close,
        "conclusion" => Action::Conclude,
        _ => return None,
    })
}

/// One CSRF form name for all the ticket's action forms: the URL names the action, and the service checks
/// whether this user may take it.
const TICKET_FORM: &str = "ticket";

/// Which forms the page shows: the role may take the action and the state machine would accept it now. Only
/// a guide: the POST goes through the full check of the service either way.
fn available(role: Role, kind: TicketKind, facts: &TicketFacts, state: &AppState) -> Vec<&'static str> {
    let rules = state.rules();
    let now = state.now();
    ACTIONS
        .iter()
        .map(|(segment, _)| *segment)
        .filter(|segment| {
            let Some(action) = action_of(segment) else { return false };
            let kind_fits = match (kind, action) {
                (TicketKind::Misconduct, Action::Conclude | Action::Dispatch) => true,
                (TicketKind::Misconduct, _) | (_, Action::Conclude) => false,
                (TicketKind::Complaint, Action::Appeal) => false,
                _ => true,
            };
            let probe = |a: Action| apply(facts, a, now, &rules.calendar, &rules.policy).is_ok();
            let accepted = match action {
                // Any classification, outcome or satisfaction will do for "is the action open now".
                Action::Verify(_) => [Classification::Immediate, Classification::Complex, Classification::NoLegalBasis]
                    .into_iter()
                    .any(|c| probe(Action::Verify(c))),
                Action::Decide(_) => {
                    probe(Action::Decide(Outcome::Upheld)) || probe(Action::Decide(Outcome::Overturned))
                }
                Action::Revisit(_) => {
                    [Satisfaction::Satisfied, Satisfaction::Unsatisfied].into_iter().any(|s| probe(Action::Revisit(s)))
                }
                other => probe(other),
            };
            kind_fits && permitted(role, action) && accepted
        })
        .collect()
}

/// What the user last submitted, re-shown with the refusal or the field errors.
#[derive(Default)]
pub struct Attempt {
    pub action: String,
    pub form: FormView,
}

pub struct DeadlineLine {
    pub label: &'static str,
    pub at: String,
    pub provisional: bool,
    pub due: Due,
}

pub struct EventLine {
    pub at: String,
    pub actor: String,
    pub action_label: String,
    pub to_state: String,
    pub lines: Vec<(&'static str, String)>,
    pub attachments: Vec<(i64, String)>,
}

pub struct AttachmentLine {
    pub id: i64,
    pub filename: String,
    pub kind: &'static str,
    pub size_kb: i64,
    pub at: String,
}

pub struct EvaluationBox {
    pub view: EvaluationView,
    pub evaluated_at: String,
    pub tags: String,
}

pub struct Option2 {
    pub value: String,
    pub label: String,
    pub group: String,
}

#[derive(Template)]
#[template(path = "work_ticket.html")]
pub struct TicketPage {
    pub chrome: Chrome,
    pub detail: TicketDetail,
    pub due: Due,
    pub deadlines: Vec<DeadlineLine>,
    pub classification_label: String,
    pub evaluation: Option<EvaluationBox>,
    pub timeline: Vec<EventLine>,
    pub attachments: Vec<AttachmentLine>,
    pub forms: Vec<&'static str>,
    pub csrf: String,
    pub windows: Vec<Option2>,
    pub staff: Vec<Option2>,
    pub done: Option<&'static str>,
    pub attempt: Attempt,
    pub role_is_staff: bool,
}

impl TicketPage {
    pub fn has(&self, action: &str) -> bool {
        self.forms.contains(&action)
    }

    /// A refusal of an action whose form is no longer shown (e.g. the state moved on), shown at the top.
    pub fn orphan_message(&self) -> Option<&str> {
        if self.forms.contains(&self.attempt.action.as_str()) { None } else { self.attempt.form.general.as_deref() }
    }

    /// The value typed into a field of the form that was just refused, else "".
    pub fn val(&self, action: &str, field: &str) -> &str {
        if self.attempt.action == action { self.attempt.form.v(field) } else { "" }
    }

    pub fn is(&self, action: &str, field: &str, value: &str) -> bool {
        self.val(action, field) == value
    }

    pub fn err(&self, action: &str, field: &str) -> Option<&str> {
        if self.attempt.action == action { self.attempt.form.e(field) } else { None }
    }

    pub fn general(&self, action: &str) -> Option<&str> {
        if self.attempt.action == action { self.attempt.form.general.as_deref() } else { None }
    }
}

fn reason_label(code: &str) -> &'static str {
    match code {
        "mis_evaluation" => "误评",
        "malicious" => "恶意差评",
        _ => "",
    }
}

fn outcome_label(code: &str) -> &'static str {
    match code {
        "upheld" => "维持原评价",
        "overturned" => "改判，不予采纳",
        "substantiated" => "属实",
        "unsubstantiated" => "不属实",
        _ => "",
    }
}

/// The action's fields in words (the deadlines after it are shown at the top of the page instead).
fn detail_lines(details: &serde_json::Value) -> Vec<(&'static str, String)> {
    let text = |key: &str| details[key].as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let mut lines = Vec::new();
    if let Some(c) = text("classification") {
        let label = serde_json::from_value::<Classification>(serde_json::Value::String(c.clone()))
            .map_or(c, |c| c.label().to_owned());
        lines.push(("分类", label));
    }
    for (key, label) in [
        ("window", "承办窗口"),
        ("staff", "承办人员工号"),
        ("finding", "核实情况"),
        ("measures", "整改措施"),
        ("text", "反馈内容"),
    ] {
        if let Some(v) = text(key) {
            lines.push((label, v));
        }
    }
    if let Some(o) = text("outcome") {
        lines.push(("结果", outcome_label(&o).to_owned()));
    }
    if let Some(r) = text("reason") {
        lines.push(("理由", reason_label(&r).to_owned()));
    }
    if let Some(s) = text("satisfaction") {
        let label = serde_json::from_value::<Satisfaction>(serde_json::Value::String(s.clone()))
            .map_or(s, |s| s.label().to_owned());
        lines.push(("满意度", label));
    }
    for (key, label) in
        [("statement", "情况说明"), ("explanation", "复核说明"), ("action_taken", "处理措施"), ("note", "备注")]
    {
        if let Some(v) = text(key) {
            lines.push((label, v));
        }
    }
    lines
}

fn state_label(code: Option<&str>) -> String {
    code.and_then(hcp_core::ticket::TicketState::parse).map(|s| s.label().to_owned()).unwrap_or_default()
}

fn ticket_id(id: &str) -> Result<i64, PageError> {
    id.parse().map_err(|_| PageError::not_found())
}

async fn build(
    state: &AppState,
    me: &SignedIn,
    id: i64,
    done: Option<&'static str>,
    attempt: Attempt,
) -> Result<TicketPage, PageError> {
    let detail = detail_of(state, &me.user, id).await?;
    // The facts decide which forms to show; the ticket was just read in the same scope.
    let stored = {
        let mut conn = state.store().reader().await.map_err(AppError::from)?;
        hcp_store::tickets::load(&mut conn, id, Some(me.user.scope()?)).await.map_err(AppError::from)?
    };
    let forms = match &stored {
        Some(t) => available(me.user.role, t.kind, &t.facts, state),
        None => Vec::new(),
    };
    let now = state.now();
    let calendar = state.calendar();
    let t = &detail.ticket;
    let mut deadlines = Vec::new();
    // Only a deadline the ticket still waits on counts down; the others are shown as dates.
    let waiting_feedback = matches!(t.state.as_str(), "dispatched" | "rectifying" | "explaining" | "reopened");
    for (label, d, pending) in [
        ("申请复核期限", &t.deadlines.appeal_by, t.appeal_open),
        ("复核决定期限", &t.deadlines.review_by, t.state == "under_review"),
        ("反馈期限", &t.deadlines.feedback_by, waiting_feedback),
    ] {
        if let Some(d) = d {
            deadlines.push(DeadlineLine {
                label,
                at: local_text(&d.at),
                provisional: d.provisional,
                due: if pending { Due::of_rfc3339(Some(&d.at), now, &calendar) } else { Due::none() },
            });
        }
    }
    let evaluation = match t.evaluation_id {
        Some(e) => match crate::api::evaluations::view_of(state, &me.user, e).await {
            Ok(view) => Some(EvaluationBox {
                evaluated_at: local_text(&view.evaluated_at),
                tags: view.tags.iter().map(|t| t.label.as_str()).collect::<Vec<_>>().join("、"),
                view,
            }),
            Err(err) if crate::edge::status::of(err.code) == StatusCode::NOT_FOUND => None,
            Err(err) => return Err(err.into()),
        },
        None => None,
    };
    let names: BTreeMap<i64, String> = detail.attachments.iter().map(|a| (a.id, a.filename.clone())).collect();
    let timeline = detail
        .timeline
        .iter()
        .map(|e| EventLine {
            at: local_text(&e.at),
            actor: e.actor.clone(),
            action_label: e.action_label.clone(),
            to_state: if e.from_state != e.to_state { state_label(e.to_state.as_deref()) } else { String::new() },
            lines: detail_lines(&e.details),
            attachments: e.details["attachments"]
                .as_array()
                .map(|ids| {
                    ids.iter()
                        .filter_map(serde_json::Value::as_i64)
                        .map(|id| (id, names.get(&id).cloned().unwrap_or_else(|| format!("附件 {id}"))))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    let attachments = detail
        .attachments
        .iter()
        .map(|a| AttachmentLine {
            id: a.id,
            filename: a.filename.clone(),
            kind: match a.content_type.as_str() {
                "application/pdf" => "PDF",
                _ => "图片",
            },
            size_kb: (a.size + 1023) / 1024,
            at: local_text(&crate::app::views::local_time(a.uploaded_at)),
        })
        .collect();
    let (mut windows, mut staff) = (Vec::new(), Vec::new());
    if forms.contains(&"dispatch") {
        let mut conn = state.store().reader().await.map_err(AppError::from)?;
        let all_windows = hcp_store::org::list_windows(&mut conn).await.map_err(AppError::from)?;
        let all_staff = hcp_store::org::list_staff(&mut conn).await.map_err(AppError::from)?;
        for s in all_staff {
            let Some(w) = all_windows.iter().find(|w| Some(w.id) == s.window_id) else { continue };
            staff.push(Option2 {
                value: s.staff_no.clone(),
                label: format!("{}（{}）", s.name, s.staff_no),
                group: format!("{} {}", w.code, w.name),
            });
        }
        windows = all_windows
            .into_iter()
            .map(|w| Option2 { label: format!("{} {}", w.code, w.name), value: w.code, group: String::new() })
            .collect();
    }
    Ok(TicketPage {
        chrome: me.chrome(state, format!("工单 #{id}")),
        due: Due::of_ticket(t, now, &calendar),
        classification_label: t.classification_label.clone().unwrap_or_default(),
        deadlines,
        evaluation,
        timeline,
        attachments,
        forms,
        csrf: me.token(state, TICKET_FORM),
        windows,
        staff,
        done,
        attempt,
        role_is_staff: me.user.role == Role::Staff,
        detail,
    })
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    pub done: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    query: Result<Query<DoneQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let id = ticket_id(&id)?;
    let done = query
        .ok()
        .and_then(|q| q.0.done)
        .and_then(|d| ACTIONS.iter().find(|(a, _)| *a == d).map(|(_, message)| *message));
    let page = build(&state, &me, id, done, Attempt::default()).await?;
    Ok(me.render(StatusCode::OK, &page))
}

/// A submitted form: its text fields and at most one file (from a `multipart/form-data` body).
struct Submitted {
    form: FormPairs,
    file: Option<Upload>,
}

struct Upload {
    filename: String,
    content_type: Option<String>,
    content: Vec<u8>,
}

async fn read_body(state: &AppState, headers: &axum::http::HeaderMap, body: Body) -> Result<Submitted, PageError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let too_large = || {
        PageError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "提交的内容过多",
            format!(
                "上传的文件超过了上限（{} MB），请压缩或拆分后重试。",
                state.config().upload.max_attachment_bytes / (1024 * 1024)
            ),
        )
    };
    // Read to the end even when too large (bounded), so that the browser gets the page rather than a reset.
    let read = |limit| async move {
        multipart::read_limited(body, limit).await.map_err(|err| match err {
            multipart::ReadError::TooLarge => too_large(),
            _ => PageError::bad_request("无法读取提交的内容，请返回重试。"),
        })
    };
    if let Some(boundary) = multipart::boundary(content_type) {
        let bytes = read(state.config().upload.max_attachment_bytes + FORM_BODY_LIMIT).await?;
        let (pairs, file) = parse_multipart(&bytes, &boundary)
            .ok_or_else(|| PageError::bad_request("无法读取提交的内容，请返回重试。"))?;
        Ok(Submitted { form: FormPairs(pairs), file })
    } else {
        let bytes = read(FORM_BODY_LIMIT).await.map_err(|err| {
            if err.status == StatusCode::PAYLOAD_TOO_LARGE {
                PageError::new(StatusCode::PAYLOAD_TOO_LARGE, "提交的内容过多", "提交的内容超过了上限，请删减后重试。")
            } else {
                err
            }
        })?;
        Ok(Submitted { form: FormPairs::parse(Ok(bytes.into()))?, file: None })
    }
}

/// Text fields, and the first non-empty file part.
type Parsed = (Vec<(String, String)>, Option<Upload>);

fn parse_multipart(body: &[u8], boundary: &str) -> Option<Parsed> {
    let (mut pairs, mut file) = (Vec::new(), None);
    for part in multipart::parse(body, boundary)? {
        match part.filename {
            Some(filename) => {
                if file.is_none() && !part.data.is_empty() {
                    file = Some(Upload { filename, content_type: part.content_type, content: part.data.to_vec() });
                }
            }
            None => pairs.push((part.name, String::from_utf8_lossy(part.data).into_owned())),
        }
    }
    Some((pairs, file))
}

/// Turns a form into the API's command, or the field errors of values that cannot even be read.
fn command(action: &str, form: &FormPairs) -> Result<Command, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let text = |name: &str| form.get(name).unwrap_or_default().to_owned();
    let opt = |name: &str| form.get(name).map(str::to_owned);
    let mut choose = |name: &str, message: &str| -> Option<serde_json::Value> {
        match form.get(name) {
            Some(v) => Some(serde_json::Value::String(v.to_owned())),
            None => {
                errors.insert(name.to_owned(), message.to_owned());
                None
            }
        }
    };
    fn parse<T: serde::de::DeserializeOwned>(v: Option<serde_json::Value>) -> Option<T> {
        v.and_then(|v| serde_json::from_value(v).ok())
    }
    let command = match action {
        "dispatch" => {
            Some(Command::Dispatch { window_code: opt("window_code"), staff_no: opt("staff_no"), note: opt("note") })
        }
        "verify" => parse::<Classification>(choose("classification", "请选择核实分类"))
            .map(|classification| Command::Verify { classification, finding: text("finding") }),
        "rectify" => Some(Command::Rectify { measures: text("measures"), attachments: Vec::new() }),
        "feedback" => Some(Command::Feedback { text: text("text") }),
        "appeal" => parse::<ReviewReason>(choose("reason", "请选择申请复核的理由")).map(|reason| Command::Appeal {
            reason,
            statement: text("statement"),
            attachments: Vec::new(),
        }),
        "decision" => {
            let outcome = parse::<Outcome>(choose("outcome", "请选择复核结果"));
            let reason =
                form.get("reason").and_then(|r| parse::<ReviewReason>(Some(serde_json::Value::String(r.to_owned()))));
            outcome.map(|outcome| Command::Decide {
                outcome,
                reason,
                explanation: text("explanation"),
                attachments: Vec::new(),
            })
        }
        "revisit" => parse::<Satisfaction>(choose("satisfaction", "请选择回访满意度"))
            .map(|satisfaction| Command::Revisit { satisfaction, note: opt("note") }),
        "close" => Some(Command::Close { note: opt("note") }),
        "conclusion" => parse::<ReportFinding>(choose("outcome", "请选择查处结论"))
            .map(|finding| Command::Conclude { finding, action_taken: text("action_taken") }),
        _ => None,
    };
    match command {
        Some(c) if errors.is_empty() => Ok(c),
        _ => {
            if errors.is_empty() {
                errors.insert("general".into(), "提交的选项无效，请重新选择。".into());
            }
            Err(errors)
        }
    }
}

fn with_attachment(command: Command, attachment: i64) -> Command {
    match command {
        Command::Rectify { measures, .. } => Command::Rectify { measures, attachments: vec![attachment] },
        Command::Appeal { reason, statement, .. } => {
            Command::Appeal { reason, statement, attachments: vec![attachment] }
        }
        other => other,
    }
}

/// The field a required text of the action is in, to refuse an empty one before a file is stored.
fn required_text(action: &str) -> Option<&'static str> {
    match action {
        "rectify" => Some("measures"),
        "appeal" => Some("statement"),
        _ => None,
    }
}

pub async fn submit(
    State(state): State<AppState>,
    me: SignedIn,
    Path((id, action)): Path<(String, String)>,
    body: Body,
) -> Result<Response, PageError> {
    let id = ticket_id(&id)?;
    let Some((action, _)) = ACTIONS.iter().find(|(a, _)| *a == action) else {
        return Err(PageError::not_found());
    };
    let action: &'static str = action;
    let Submitted { form, file } = read_body(&state, &me.headers, body).await?;
    me.verify(&state, TICKET_FORM, &form)?;
    me.user.require_reader().map_err(PageError::from)?;
    let typed: Vec<(&str, &str)> =
        form.0.iter().filter(|(k, _)| k != crate::web::csrf::FIELD).map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let values = FormView::with(&typed);
    let refuse = |status: StatusCode, view: FormView| {
        let attempt = Attempt { action: action.to_owned(), form: view };
        let (state, me) = (&state, &me);
        async move {
            let page = build(state, me, id, None, attempt).await?;
            Ok::<Response, PageError>(me.render(status, &page))
        }
    };
    let mut command = match command(action, &form) {
        Ok(c) => c,
        Err(mut fields) => {
            let general = fields.remove("general").unwrap_or_else(|| CHECK_FIELDS.into());
            let view = fields.iter().fold(values.clone(), |view, (field, message)| view.field_error(field, message));
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, view.message(general)).await;
        }
    };
    if let Some(upload) = file.filter(|_| required_text(action).is_some()) {
        if let Some(field) = required_text(action)
            && form.get(field).is_none()
        {
            let view = values.clone().message(CHECK_FIELDS).field_error(field, "请填写此项");
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, view).await;
        }
        match store_attachment(
            &state,
            &me.user,
            id,
            Some(upload.filename),
            upload.content_type.as_deref(),
            &upload.content,
        )
        .await
        {
            Ok(meta) => command = with_attachment(command, meta.id),
            Err(err)
                if crate::edge::status::of(err.code).is_client_error()
                    && !matches!(crate::edge::status::of(err.code).as_u16(), 403 | 404) =>
            {
                let view = values.clone().message(err.message.clone()).field_error("file", &err.message);
                return refuse(crate::edge::status::of(err.code), view).await;
            }
            Err(err) => return Err(err.into()),
        }
    }
    match act_on(&state, &me.user, id, command).await {
        Ok(_) => Ok(crate::web::with_page_headers(
            Redirect::to(&format!("/work/tickets/{id}?done={action}")).into_response(),
        )),
        // Not allowed or not visible: the error page, as for a page the user may not open.
        Err(err) if matches!(crate::edge::status::of(err.code).as_u16(), 401 | 403 | 404) => Err(err.into()),
        Err(err) if crate::edge::status::of(err.code).is_client_error() => {
            refuse(crate::edge::status::of(err.code), values.clone().named_errors(&err)).await
        }
        Err(err) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_multipart_body_gives_its_fields_and_file() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"measures\"\r\n\r\n\xe6\x95\xb4\xe6\x94\xb9\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n\x00\r\n--XyZ--\r\n";
        let (pairs, file) = parse_multipart(body, "XyZ").unwrap();
        assert_eq!(pairs, vec![("csrf_token".into(), "abc".into()), ("measures".into(), "整改".into())]);
        let file = file.unwrap();
        assert_eq!(file.filename, "a.png");
        assert_eq!(file.content, b"\x89PNG\r\n\x1a\n\x00");
        assert_eq!(multipart::boundary("multipart/form-data; boundary=XyZ").as_deref(), Some("XyZ"));
        assert_eq!(multipart::boundary("application/x-www-form-urlencoded"), None);
    }

    #[test]
    fn an_empty_file_field_is_no_file() {
        let body = b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--b--\r\n";
        let (pairs, file) = parse_multipart(body, "b").unwrap();
        assert!(pairs.is_empty() && file.is_none());
    }
}
