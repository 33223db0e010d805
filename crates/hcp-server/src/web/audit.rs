//! The audit administrator's pages (审计管理员): the audit log with its filter, pages and export links
//! (`/audit`), and the verifications of its chain (`/audit/verifications`) with the retention rule. The pages
//! call the same use cases as `/api/v1/audit/…`; the export links are the API's (the session cookie works there).

use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use hcp_core::role::Role;
use serde::Deserialize;

use super::errors::PageError;
use super::layout::Chrome;
use super::listing::Pager;
use super::signed_in::SignedIn;
use super::with_page_headers;
use crate::app::audit_trail::{self, EntriesQuery, VerificationView, labels};
use crate::app::state::AppState;
use crate::edge::status;
use crate::web::form::{CsrfForm, form_name};

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(log)).route("/audit/verifications", get(verifications).post(start))
}

pub const VERIFY_FORM: &str = "audit_verification";
form_name!(VerifyForm, VERIFY_FORM);

/// One option of the action select; a group's first option is its prefix (`session.` = 全部登录与会话).
pub struct ActionOption {
    pub code: String,
    pub label: String,
    pub selected: bool,
}

pub struct ActionGroup {
    pub name: &'static str,
    pub options: Vec<ActionOption>,
}

pub struct Row {
    pub seq: i64,
    pub at: String,
    pub actor_label: String,
    pub actor: String,
    pub action_label: String,
    pub action: String,
    pub target: String,
    pub details: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "audit_log.html")]
pub struct LogPage {
    pub chrome: Chrome,
    pub actor: String,
    pub target: String,
    pub from: String,
    pub to: String,
    pub any_action: bool,
    pub groups: Vec<ActionGroup>,
    pub error: Option<String>,
    pub rows: Vec<Row>,
    pub pager: Pager,
    pub csv: String,
    pub xlsx: String,
}

/// The prefix shared by a group's codes when they all share one (`session.`), for a "全部" option.
fn group_prefix(codes: &[(&str, &str)]) -> Option<String> {
    let first = codes.first()?.0.split('.').next()?;
    codes.iter().all(|(c, _)| c.split('.').next() == Some(first)).then(|| format!("{first}."))
}

fn groups(selected: &str) -> Vec<ActionGroup> {
    audit_trail::action_choices()
        .iter()
        .map(|(name, codes)| {
            let mut options = Vec::new();
            if let Some(prefix) = group_prefix(codes) {
                options
                    .push(ActionOption { selected: selected == prefix, label: format!("全部{name}"), code: prefix });
            }
            options.extend(codes.iter().map(|(code, label)| ActionOption {
                code: (*code).to_owned(),
                label: (*label).to_owned(),
                selected: selected == *code,
            }));
            ActionGroup { name, options }
        })
        .collect()
}

/// "2026-10-12 10:00:05" (Beijing time) of an RFC 3339 instant.
fn seconds_text(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.with_timezone(&hcp_core::clock::shanghai()).format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|_| rfc3339.to_owned())
}

fn text(value: &Option<String>) -> String {
    value.as_deref().map(str::trim).unwrap_or_default().to_owned()
}

fn export_link(pairs: &[(&str, String)], format: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            query.append_pair(k, v);
        }
    }
    query.append_pair("format", format);
    format!("/api/v1/audit/entries/export?{}", query.finish())
}

/// `/audit`: the log, newest first, with its filter.
pub async fn log(
    State(state): State<AppState>,
    me: SignedIn,
    query: Result<Query<EntriesQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    me.require(&[Role::Auditor])?;
    let q = query.map(|q| q.0).map_err(|e| PageError::bad_request(format!("查询参数无法识别：{e}")))?;
    let pairs = [
        ("actor", text(&q.actor)),
        ("action", text(&q.action)),
        ("target", text(&q.target)),
        ("from", text(&q.from)),
        ("to", text(&q.to)),
    ];
    let per_page = q.per_page.unwrap_or(50);
    // The pages keep the page size asked for; the export takes the whole filtered log.
    let mut paging = pairs.to_vec();
    if q.per_page.is_some() {
        paging.push(("per_page", per_page.to_string()));
    }
    let (rows, pager, error, status) = match audit_trail::entries(&state, &me.user, &q).await {
        Ok(page) => {
            let pager = Pager::new("/audit", &paging, page.page, page.per_page, page.total);
            let rows = page
                .items
                .into_iter()
                .map(|e| Row {
                    seq: e.seq,
                    at: seconds_text(&e.at),
                    details: labels::describe(&e.details),
                    actor_label: e.actor_label,
                    actor: e.actor,
                    action_label: e.action_label,
                    action: e.action,
                    target: e.target,
                })
                .collect();
            (rows, pager, None, StatusCode::OK)
        }
        Err(err) if status::of(err.code) == StatusCode::BAD_REQUEST => {
            let message = err.fields.0.values().cloned().collect::<Vec<_>>().join("；");
            let message = if message.is_empty() { err.message.clone() } else { message };
            (
                Vec::new(),
                Pager::new("/audit", &paging, 1, per_page.clamp(1, 200), 0),
                Some(message),
                StatusCode::BAD_REQUEST,
            )
        }
        Err(err) => return Err(err.into()),
    };
    let action = text(&q.action);
    let page = LogPage {
        chrome: me.chrome(&state, "审计日志"),
        any_action: action.is_empty(),
        groups: groups(&action),
        csv: export_link(&pairs, "csv"),
        xlsx: export_link(&pairs, "xlsx"),
        actor: pairs[0].1.clone(),
        target: pairs[2].1.clone(),
        from: pairs[3].1.clone(),
        to: pairs[4].1.clone(),
        error,
        rows,
        pager,
    };
    Ok(me.render(status, &page))
}

pub struct Run {
    pub view: VerificationView,
    pub class: &'static str,
    pub requested: String,
    pub finished: String,
}

#[derive(Template)]
#[template(path = "audit_verifications.html")]
pub struct VerificationsPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub started: bool,
    pub pending: bool,
    pub retention_days: u32,
    pub runs: Vec<Run>,
}

#[derive(Deserialize, Default)]
pub struct VerificationsQuery {
    pub started: Option<String>,
}

/// The badge class of a run's status.
pub fn status_class(view: &VerificationView) -> &'static str {
    match (view.status.as_str(), view.clean) {
        ("done", Some(true)) => "ok",
        ("queued" | "running", _) => "soon",
        _ => "bad",
    }
}

/// `/audit/verifications`: the runs and the button that starts one.
pub async fn verifications(
    State(state): State<AppState>,
    me: SignedIn,
    query: Result<Query<VerificationsQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    me.require(&[Role::Auditor])?;
    let started = query.ok().and_then(|q| q.0.started).is_some();
    let views = audit_trail::verifications(&state, &me.user).await?;
    let runs: Vec<Run> = views
        .into_iter()
        .map(|view| Run {
            class: status_class(&view),
            requested: seconds_text(&view.requested_at),
            finished: view.finished_at.as_deref().map(seconds_text).unwrap_or_default(),
            view,
        })
        .collect();
    let page = VerificationsPage {
        chrome: me.chrome(&state, "完整性校验"),
        csrf: me.token(&state, VERIFY_FORM),
        started,
        pending: runs.iter().any(|r| r.view.status == "queued" || r.view.status == "running"),
        retention_days: state.config().audit.retention_days,
        runs,
    };
    Ok(me.render(StatusCode::OK, &page))
}

/// 开始校验: queues a run (or finds the one waiting) and returns to the list.
pub async fn start(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(_, _): CsrfForm<VerifyForm>,
) -> Result<Response, PageError> {
    me.require(&[Role::Auditor])?;
    audit_trail::start_verification(&state, &me.user).await?;
    Ok(with_page_headers(Redirect::to("/audit/verifications?started=1").into_response()))
}
