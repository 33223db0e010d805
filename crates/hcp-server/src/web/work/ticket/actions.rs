//! The ticket page's action forms: each posts to `/work/tickets/{id}/<action>`, becomes the lifecycle's
//! command, and runs `app::tickets::act` (with an evidence file stored first through
//! `app::tickets::attachments`); success comes back as Post/Redirect/Get, a refusal or a field error is shown on
//! the page with the input kept.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hcp_core::lifecycle::{Classification, Outcome, ReportFinding, ReviewReason, Satisfaction};

use super::{Attempt, build, ticket_id};
use crate::app::state::AppState;
use crate::app::tickets::attachments::{self, Upload as FileUpload};
use crate::app::tickets::{self, lifecycle::Command};
use crate::edge::status;
use crate::web::errors::PageError;
use crate::web::form_view::{CHECK_FIELDS, FormView};
use crate::web::signed_in::SignedIn;
use crate::web::{FORM_BODY_LIMIT, FormPairs, multipart};

/// The actions of the page: URL segment, the lifecycle action's code, success message.
const ACTIONS: [(&str, &str, &str); 9] = [
    ("dispatch", "dispatch", "工单已分派，办理期限开始计算。"),
    ("verify", "verify", "核实结果已保存。"),
    ("rectify", "rectify", "整改措施已记录。"),
    ("feedback", "feedback", "处理反馈已发送给群众。"),
    ("appeal", "appeal", "申诉已提交，等待政务服务局申诉复核。"),
    ("decision", "decide", "申诉复核决定已作出。"),
    ("revisit", "revisit", "回访结果已记录。"),
    ("close", "close", "工单已办结。"),
    ("conclusion", "conclude", "查处结论已记录。"),
];

/// The page's URL segment of a lifecycle action.
pub(super) fn segment_of(code: &str) -> Option<&'static str> {
    ACTIONS.iter().find(|(_, c, _)| *c == code).map(|(segment, ..)| *segment)
}

/// The message after an action succeeded (`?done=<segment>`).
pub(super) fn done_message(segment: &str) -> Option<&'static str> {
    ACTIONS.iter().find(|(s, ..)| *s == segment).map(|(.., message)| *message)
}

/// One CSRF form name for all the ticket's action forms: the URL names the action, and the use case checks
/// whether this user may take it.
pub(super) const TICKET_FORM: &str = "ticket";

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
        Ok(Submitted { form: FormPairs::checked(pairs)?, file })
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

/// Turns a form into the lifecycle's command, or the field errors of choices that cannot even be read.
fn command(action: &str, form: &FormPairs) -> Result<Command, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let text = |name: &str| form.get(name).unwrap_or_default().to_owned();
    let opt = |name: &str| form.get(name).map(str::to_owned);
    // A choice that is missing is the field's error; one that is not a code gives no command (below).
    let mut choose = |name: &str, message: &str| {
        let chosen = form.get(name);
        if chosen.is_none() {
            errors.insert(name.to_owned(), message.to_owned());
        }
        chosen
    };
    let command = match action {
        "dispatch" => {
            Some(Command::Dispatch { window_code: opt("window_code"), staff_no: opt("staff_no"), note: opt("note") })
        }
        "verify" => choose("classification", "请选择核实分类")
            .and_then(Classification::from_code)
            .map(|classification| Command::Verify { classification, finding: text("finding") }),
        "rectify" => Some(Command::Rectify { measures: text("measures"), attachments: Vec::new() }),
        "feedback" => Some(Command::Feedback { text: text("text") }),
        "appeal" => choose("reason", "请选择申诉理由")
            .and_then(ReviewReason::from_code)
            .map(|reason| Command::Appeal { reason, statement: text("statement"), attachments: Vec::new() }),
        "decision" => choose("outcome", "请选择复核结果").and_then(Outcome::from_code).map(|outcome| Command::Decide {
            outcome,
            reason: form.get("reason").and_then(ReviewReason::from_code),
            explanation: text("explanation"),
            attachments: Vec::new(),
        }),
        "revisit" => choose("satisfaction", "请选择回访满意度")
            .and_then(Satisfaction::from_code)
            .map(|satisfaction| Command::Revisit { satisfaction, note: opt("note") }),
        "close" => Some(Command::Close { note: opt("note") }),
        "conclusion" => choose("outcome", "请选择查处结论")
            .and_then(ReportFinding::from_code)
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
    // The reveal form shares the page's token and body reading, but changes nothing on the ticket.
    let reveal = action == super::reveal::SEGMENT;
    let action: &'static str = match ACTIONS.iter().find(|(segment, ..)| *segment == action) {
        Some(&(segment, ..)) => segment,
        None if reveal => super::reveal::SEGMENT,
        None => return Err(PageError::not_found()),
    };
    let Submitted { form, file } = read_body(&state, &me.headers, body).await?;
    me.verify(&state, TICKET_FORM, &form)?;
    me.user.require_reader().map_err(PageError::from)?;
    if reveal {
        return super::reveal::submit(&state, &me, id, &form).await;
    }
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
        let file = FileUpload {
            filename: Some(upload.filename),
            declared_type: upload.content_type.as_deref(),
            content: &upload.content,
        };
        match attachments::store(&state, &me.user, id, file).await {
            Ok(meta) => command = with_attachment(command, meta.id),
            Err(err)
                if status::of(err.code).is_client_error() && !matches!(status::of(err.code).as_u16(), 403 | 404) =>
            {
                let view = values.clone().message(err.message.clone()).field_error("file", &err.message);
                return refuse(status::of(err.code), view).await;
            }
            Err(err) => return Err(err.into()),
        }
    }
    match tickets::act(&state, &me.user, id, command).await {
        Ok(_) => Ok(crate::web::with_page_headers(
            Redirect::to(&format!("/work/tickets/{id}?done={action}")).into_response(),
        )),
        // Not allowed or not visible: the error page, as for a page the user may not open.
        Err(err) if matches!(status::of(err.code).as_u16(), 401 | 403 | 404) => Err(err.into()),
        Err(err) if status::of(err.code).is_client_error() => {
            refuse(status::of(err.code), values.clone().named_errors(&err)).await
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
