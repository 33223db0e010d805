//! The supervisor's queues: appeals under review and tickets awaiting the revisit (both handled on the ticket
//! page), and the fraud flags judged here with the `/fraud-flags/{id}/decision` logic.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hcp_core::integrity::{FlagReason, FlagStatus, Rule};
use hcp_core::role::Role;
use serde::Deserialize;

use super::deadline_words;
use crate::app::error::ErrorCode;
use crate::app::flag_groups::{self, FlagGroupView};
use crate::app::integrity::{FlagDecisionBody, FlagQuery, Judgment};
use crate::app::state::AppState;
use crate::app::tickets::{self, TicketQuery};
use crate::app::views::TicketView;
use crate::edge::status;
use crate::web::errors::PageError;
use crate::web::form::{CsrfForm, form_name};
use crate::web::layout::Chrome;
use crate::web::listing::Pager;
use crate::web::signed_in::SignedIn;
use crate::web::{local_text, with_page_headers};

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub page: Option<i64>,
    pub status: Option<String>,
    pub rule: Option<String>,
    pub done: Option<String>,
    /// How many flags the decision just made settled.
    pub count: Option<usize>,
}

const PER_PAGE: i64 = 50;

pub struct TicketRow {
    pub id: i64,
    pub kind_label: String,
    pub place: String,
    pub staff: String,
    pub level: String,
    pub since: String,
    pub deadline: String,
    pub deadline_class: &'static str,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "supervise_queue.html")]
pub struct QueuePage {
    pub chrome: Chrome,
    pub heading: &'static str,
    pub intro: &'static str,
    pub since_label: &'static str,
    pub deadline_label: &'static str,
    pub empty: &'static str,
    pub total: i64,
    pub rows: Vec<TicketRow>,
    pub pager: Pager,
}

async fn tickets(
    state: &AppState,
    me: &SignedIn,
    ticket_state: &str,
    page: i64,
) -> Result<crate::app::paging::Paged<TicketView>, PageError> {
    let query = TicketQuery {
        state: Some(ticket_state.to_owned()),
        // The queues are worked through by their deadlines.
        sort: Some("deadline".to_owned()),
        page: Some(page),
        per_page: Some(PER_PAGE),
        ..Default::default()
    };
    Ok(tickets::list(state, &me.user, &query).await?)
}

fn row(state: &AppState, t: TicketView, since: String, deadline: Option<&str>) -> TicketRow {
    let (deadline, deadline_class) = match deadline {
        Some(at) => deadline_words(state, at),
        None => ("—".to_owned(), ""),
    };
    TicketRow {
        id: t.id,
        kind_label: t.kind_label.to_owned(),
        place: t.window.map(|w| format!("{}（{}）", w.name, w.code)).or(t.department).unwrap_or_default(),
        staff: t.staff.map(|s| format!("{}（{}）", s.name, s.code)).unwrap_or_default(),
        level: t.level.map(|l| l.label().to_owned()).unwrap_or_default(),
        since,
        deadline,
        deadline_class,
        overdue: t.overdue,
    }
}

/// `/supervise/appeals`: tickets whose appeal awaits the bureau's decision, with the review deadline.
pub async fn appeals(
    State(state): State<AppState>,
    me: SignedIn,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    me.require(&[Role::Supervisor])?;
    let page = query.ok().and_then(|q| q.0.page).unwrap_or(1).max(1);
    let list = tickets(&state, &me, "under_review", page).await?;
    let pager = Pager::new("/supervise/appeals", &[], page, PER_PAGE, list.total);
    let rows = list
        .items
        .into_iter()
        .map(|t| {
            let deadline = t.deadlines.review_by.as_ref().map(|d| d.at.clone());
            let since = local_text(&t.updated_at);
            row(&state, t, since, deadline.as_deref())
        })
        .collect();
    let page = QueuePage {
        chrome: me.chrome(&state, "申诉复核"),
        heading: "申诉复核",
        intro: "工作人员对差评提出申诉、等待政务服务局复核的工单。请在申诉复核期限内打开工单作出申诉复核决定。",
        since_label: "申诉时间",
        deadline_label: "申诉复核期限",
        empty: "目前没有待复核的申诉。",
        total: list.total,
        rows,
        pager,
    };
    Ok(me.render(StatusCode::OK, &page))
}

/// `/supervise/revisits`: tickets whose feedback was given and that await the revisit of the citizen.
pub async fn revisits(
    State(state): State<AppState>,
    me: SignedIn,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    me.require(&[Role::Supervisor])?;
    let page = query.ok().and_then(|q| q.0.page).unwrap_or(1).max(1);
    let list = tickets(&state, &me, "feedback_given", page).await?;
    let pager = Pager::new("/supervise/revisits", &[], page, PER_PAGE, list.total);
    let rows = list
        .items
        .into_iter()
        .map(|t| {
            let since = local_text(&t.updated_at);
            row(&state, t, since, None)
        })
        .collect();
    let page = QueuePage {
        chrome: me.chrome(&state, "回访"),
        heading: "待回访",
        intro: "已向群众反馈处理结果、等待回访的工单。请打开工单登记回访结果。",
        since_label: "反馈时间",
        deadline_label: "期限",
        empty: "目前没有待回访的工单。",
        total: list.total,
        rows,
        pager,
    };
    Ok(me.render(StatusCode::OK, &page))
}

/// A case of the queue as the page shows it.
pub struct FlagCase {
    pub view: FlagGroupView,
    /// Its address-safe key, the form's and the anchor's.
    pub anchor: String,
    pub first: String,
    pub last: String,
    /// Received time of each member, in local words.
    pub member_times: Vec<String>,
    pub error: Option<String>,
    /// Re-shown input after an error.
    pub chosen_decision: String,
    pub chosen_reason: String,
    pub note: String,
}

pub struct StatusOption {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "supervise_flags.html")]
pub struct FlagsPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub statuses: Vec<StatusOption>,
    pub rules: Vec<StatusOption>,
    /// Cases under the filter.
    pub total: i64,
    pub cases: Vec<FlagCase>,
    /// The kinds a flag is confirmed as.
    pub reasons: [FlagReason; 3],
    pub done: Option<String>,
    pub pager: Pager,
}

pub const FLAG_FORM: &str = "fraud_flag_decision";
form_name!(FlagForm, FLAG_FORM);

/// What the form re-shows for the case that failed.
struct Failed {
    key: String,
    message: String,
    decision: String,
    reason: String,
    note: String,
}

async fn flags_page(
    state: &AppState,
    me: &SignedIn,
    q: ListQuery,
    failed: Option<Failed>,
    status_code: StatusCode,
) -> Result<Response, PageError> {
    let status = match q.status.as_deref().map(str::trim) {
        Some(s @ ("open" | "confirmed" | "dismissed" | "all")) => s.to_owned(),
        _ => "open".to_owned(),
    };
    let rule = q.rule.as_deref().map(str::trim).filter(|r| Rule::from_code(r).is_some()).map(str::to_owned);
    let page = q.page.unwrap_or(1).max(1);
    let query =
        FlagQuery { status: Some(status.clone()), rule: rule.clone(), page: Some(page), per_page: Some(PER_PAGE) };
    let list = flag_groups::list(state, &me.user, &query).await?;
    let pairs = [("status", status.clone()), ("rule", rule.clone().unwrap_or_default())];
    let pager = Pager::new("/supervise/fraud-flags", &pairs, page, PER_PAGE, list.total);
    let cases = list
        .items
        .into_iter()
        .map(|view| {
            let failed_here = failed.as_ref().filter(|f| f.key == view.key);
            FlagCase {
                anchor: view.key.replace('.', "-"),
                first: local_text(&view.first_at),
                last: local_text(&view.last_at),
                member_times: view.members.iter().map(|m| local_text(&m.received_at)).collect(),
                error: failed_here.map(|f| f.message.clone()),
                chosen_decision: failed_here.map(|f| f.decision.clone()).unwrap_or_default(),
                chosen_reason: failed_here.map(|f| f.reason.clone()).unwrap_or_default(),
                note: failed_here.map(|f| f.note.clone()).unwrap_or_default(),
                view,
            }
        })
        .collect();
    let statuses = FlagStatus::ALL
        .into_iter()
        .map(|s| (s.code(), s.label()))
        .chain([("all", "全部")])
        .map(|(code, label)| StatusOption { code, label, selected: code == status })
        .collect();
    let rules = Rule::ALL
        .into_iter()
        .map(|r| StatusOption { code: r.code(), label: r.label(), selected: rule.as_deref() == Some(r.code()) })
        .collect();
    let done = match (q.done.as_deref(), q.count) {
        (Some("confirmed"), Some(n)) => Some(format!("已认定 {n} 条异常评价，这些评价不再计入统计。")),
        (Some("dismissed"), Some(n)) => Some(format!("已排除 {n} 条评价的疑点，这些评价继续有效。")),
        _ => None,
    };
    let page = FlagsPage {
        chrome: me.chrome(state, "疑似造假"),
        csrf: me.token(state, FLAG_FORM),
        statuses,
        rules,
        total: list.total,
        cases,
        reasons: FlagReason::ALL,
        done,
        pager,
    };
    Ok(me.render(status_code, &page))
}

/// `/supervise/fraud-flags`: the integrity review queue by case, with one decision form per case.
pub async fn flags(
    State(state): State<AppState>,
    me: SignedIn,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    me.require(&[Role::Supervisor])?;
    let q = query.map(|q| q.0).unwrap_or_default();
    flags_page(&state, &me, q, None, StatusCode::OK).await
}

/// Confirm (with the kind) or dismiss every open flag of a case through the API's group decision.
pub async fn decide(
    State(state): State<AppState>,
    me: SignedIn,
    Path(key): Path<String>,
    CsrfForm(form, _): CsrfForm<FlagForm>,
) -> Result<Response, PageError> {
    me.require(&[Role::Supervisor])?;
    let decision_text = form.get("decision").unwrap_or_default().to_owned();
    let reason_text = form.get("reason").unwrap_or_default().to_owned();
    let note = form.text("note");
    let failed = |message: String| Failed {
        key: key.clone(),
        message,
        decision: decision_text.clone(),
        reason: reason_text.clone(),
        note: note.clone(),
    };
    let back = ListQuery { status: Some("open".into()), ..Default::default() };
    let decision = match decision_text.as_str() {
        "confirm" => Judgment::Confirm,
        "dismiss" => Judgment::Dismiss,
        _ => {
            let f = failed("请选择“认定为异常评价”或“排除疑点”。".into());
            return flags_page(&state, &me, back, Some(f), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let reason = FlagReason::from_code(&reason_text);
    let body = FlagDecisionBody { decision, reason, note: form.get("note").map(str::to_owned) };
    match flag_groups::decide(&state, &me.user, &key, &body).await {
        Ok(done) => {
            let status = if decision == Judgment::Confirm { "confirmed" } else { "dismissed" };
            let to = format!("/supervise/fraud-flags?done={status}&count={}", done.decided);
            Ok(with_page_headers(Redirect::to(&to).into_response()))
        }
        Err(err) if err.code == ErrorCode::NotFound => Err(PageError::not_found()),
        Err(err) if matches!(status::of(err.code), StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT) => {
            let message = err.fields.0.values().next().cloned().unwrap_or_else(|| err.message.clone());
            flags_page(&state, &me, back, Some(failed(message)), status::of(err.code)).await
        }
        Err(err) => Err(err.into()),
    }
}
