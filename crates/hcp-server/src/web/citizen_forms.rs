//! The citizen's complaint form (`/complaint`, like `POST /api/v1/complaints` with channel `online`) and
//! misconduct report form (`/report`, like `POST /api/v1/misconduct-reports`): no account, the same parsing,
//! intake, rate limit and receipt (tracking code + query password) as the API.

use std::net::IpAddr;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use hcp_core::complaint::{ComplaintInput, ContactInput, ReportKind};

use super::citizen::{AnswerDue, with_retry_after};
use super::csrf::Csrf;
use super::errors::PageError;
use super::form_view::{CHECK_FIELDS, FormView};
use super::layout::Chrome;
use super::{FormPairs, render};
use crate::app::error::{AppError, AppResult};
use crate::app::intake::{self, Origin, Receipt, ReportInput, ReportTarget, Submittable, Submitted};
use crate::app::org::{self, OrgNode};
use crate::app::state::AppState;
use crate::edge::client::ClientAddr;
use crate::edge::status;
use crate::web::form::{CsrfForm, form_name};

const COMPLAINT_FORM: &str = "complaint";
form_name!(ComplaintForm, COMPLAINT_FORM);
const REPORT_FORM: &str = "report";
form_name!(ReportForm, REPORT_FORM);

/// One department and its windows in the target list (`d:CODE` for the department, `w:CODE` for a window).
pub struct TargetGroup {
    pub label: String,
    pub department: (String, String),
    pub windows: Vec<(String, String)>,
}

pub struct KindOption {
    pub code: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// The complaint and report forms' fields as the API names them → as the form names them; every way of naming
/// the target is shown at the one target list.
const FIELDS: &[(&str, &str)] = &[
    ("org_code", "target"),
    ("department_code", "target"),
    ("window_code", "target"),
    ("staff_no", "target"),
    ("target", "target"),
    ("kind", "kind"),
    ("content", "content"),
    ("contact.name", "name"),
    ("contact.phone", "phone"),
];

#[derive(Template)]
#[template(path = "citizen_complaint.html")]
pub struct ComplaintPage {
    pub chrome: Chrome,
    /// The misconduct report form rather than the complaint form.
    pub report: bool,
    pub action: &'static str,
    pub csrf: String,
    pub targets: Vec<TargetGroup>,
    pub kinds: Vec<KindOption>,
    /// What the citizen typed, re-shown with the errors next to the fields.
    pub form: FormView,
}

#[derive(Template)]
#[template(path = "citizen_receipt.html")]
pub struct FiledPage {
    pub chrome: Chrome,
    pub report: bool,
    pub kind_label: &'static str,
    pub receipt: Receipt,
    pub due: Option<AnswerDue>,
}

/// Every department with its hall and windows, from the public organisation tree.
async fn targets(state: &AppState) -> Result<Vec<TargetGroup>, PageError> {
    fn visit(node: OrgNode, out: &mut Vec<TargetGroup>) {
        for d in node.departments {
            out.push(TargetGroup {
                label: format!("{}（{}）", d.name, node.name),
                windows: d.windows.into_iter().map(|w| (w.code, w.name)).collect(),
                department: (d.code, d.name),
            });
        }
        for child in node.children {
            visit(child, out);
        }
    }
    let mut groups = Vec::new();
    for unit in org::tree(state).await?.org_units {
        visit(unit, &mut groups);
    }
    Ok(groups)
}

impl ComplaintPage {
    async fn new(state: &AppState, report: bool, csrf: String, form: FormView) -> Result<ComplaintPage, PageError> {
        let kinds = if report {
            ReportKind::ALL
                .iter()
                .map(|k| KindOption { code: k.code(), label: k.label(), checked: form.is("kind", k.code()) })
                .collect()
        } else {
            Vec::new()
        };
        Ok(ComplaintPage {
            chrome: Chrome::public(if report { "举报违规行为" } else { "投诉" }).speaking_of(if report {
                "举报"
            } else {
                "投诉"
            }),
            report,
            action: if report { "/report" } else { "/complaint" },
            csrf,
            targets: targets(state).await?,
            kinds,
            form,
        })
    }
}

fn form_name(report: bool) -> &'static str {
    if report { REPORT_FORM } else { COMPLAINT_FORM }
}

async fn show(state: &AppState, headers: &HeaderMap, report: bool) -> Result<Response, PageError> {
    let csrf = Csrf::for_request(state, headers);
    let page = ComplaintPage::new(state, report, csrf.token(state, form_name(report)), FormView::default()).await?;
    Ok(csrf.attach(render(StatusCode::OK, &page)))
}

pub async fn complaint_page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    show(&state, &headers, false).await
}

pub async fn report_page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    show(&state, &headers, true).await
}

pub async fn complaint_submit(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    headers: HeaderMap,
    CsrfForm(form, _): CsrfForm<ComplaintForm>,
) -> Result<Response, PageError> {
    file(&state, ip, &headers, &form, false).await
}

pub async fn report_submit(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    headers: HeaderMap,
    CsrfForm(form, _): CsrfForm<ReportForm>,
) -> Result<Response, PageError> {
    file(&state, ip, &headers, &form, true).await
}

/// The chosen target as (department code, window code); `Err` for a value not from the list.
fn target(value: Option<&str>) -> Result<(Option<String>, Option<String>), ()> {
    match value {
        None => Ok((None, None)),
        Some(v) => match v.split_once(':') {
            Some(("d", code)) if !code.is_empty() => Ok((Some(code.to_owned()), None)),
            Some(("w", code)) if !code.is_empty() => Ok((None, Some(code.to_owned()))),
            _ => Err(()),
        },
    }
}

async fn file(
    state: &AppState,
    ip: IpAddr,
    headers: &HeaderMap,
    form: &FormPairs,
    report: bool,
) -> Result<Response, PageError> {
    let values = FormView::from_pairs(form, &["target", "kind", "content", "name", "phone"]);
    let csrf = Csrf::for_request(state, headers);
    let token = csrf.token(state, form_name(report));
    let (name, phone) = (form.get("name"), form.get("phone"));
    let contact = (name.is_some() || phone.is_some())
        .then(|| ContactInput { name: name.map(str::to_owned), phone: phone.map(str::to_owned) });
    let content = form.get("content").map(str::to_owned);
    let chosen = target(form.get("target"));
    let (department_code, window_code) = chosen.clone().unwrap_or_default();
    let filed = if report {
        let input = ReportInput {
            kind: form.get("kind").map(str::to_owned),
            channel: Some("online".into()),
            target: ReportTarget { department_code, window_code, ..Default::default() },
            content,
            contact,
        };
        file_one(state, ip, &input, chosen.is_ok()).await
    } else {
        let input = ComplaintInput {
            channel: Some("online".into()),
            department_code,
            window_code,
            content,
            contact,
            ..Default::default()
        };
        file_one(state, ip, &input, chosen.is_ok()).await
    };
    match filed {
        Ok(submitted) => {
            let kind_label = if report { "举报" } else { "投诉" };
            let page = FiledPage {
                chrome: Chrome::public(format!("{kind_label}已受理")).speaking_of(kind_label).without_elder_switch(),
                report,
                kind_label,
                due: AnswerDue::of(submitted.feedback_by.as_ref()),
                receipt: submitted.receipt,
            };
            Ok(render(StatusCode::OK, &page))
        }
        Err(refused) if status::of(refused.code).is_client_error() => {
            let view = values.api_error(&refused, FIELDS, CHECK_FIELDS);
            let page = ComplaintPage::new(state, report, token, view).await?;
            Ok(with_retry_after(render(status::of(refused.code), &page), &refused))
        }
        Err(err) => Err(err.into()),
    }
}

/// Files a citizen's complaint or report through intake (always anonymous here, whoever is signed in: these
/// pages are the citizen's channel). A target not from the list is refused with the input's other mistakes.
async fn file_one<S: Submittable>(state: &AppState, ip: IpAddr, input: &S, target_ok: bool) -> AppResult<Submitted> {
    if !target_ok {
        let mut fields = input.submission(state.now()).err().unwrap_or_default();
        fields.add("target", "请从列表中选择对象");
        return Err(AppError::invalid(fields));
    }
    intake::submit(state, &Origin::citizen(ip), input).await
}
