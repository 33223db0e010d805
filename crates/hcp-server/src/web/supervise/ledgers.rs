//! `/supervise/ledgers`: download links of every ledger (XLSX and CSV, from `GET /api/v1/ledgers/{kind}`, which
//! accepts the page's session cookie) and of the upward report for a period of months, and the hot topics of
//! that period (the `/supervision/hot-topics` logic).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hcp_core::role::Role;
use serde::Deserialize;

use super::MonthPeriod;
use crate::app::state::AppState;
use crate::app::supervision::hot_topics::{self, DepartmentTopics, TopicsQuery};
use crate::web::errors::PageError;
use crate::web::layout::Chrome;
use crate::web::signed_in::SignedIn;

#[derive(Deserialize, Default)]
pub struct LedgerQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

pub struct Download {
    pub title: &'static str,
    pub note: &'static str,
    pub xlsx: String,
    pub csv: String,
}

#[derive(Template)]
#[template(path = "supervise_ledgers.html")]
pub struct LedgersPage {
    pub chrome: Chrome,
    pub from: String,
    pub to: String,
    pub period_text: String,
    pub error: Option<String>,
    pub downloads: Vec<Download>,
    pub upward: Download,
    pub upward_ready: bool,
    pub topics: Vec<DepartmentTopics>,
}

const LEDGERS: [(&str, &str, &str); 4] = [
    ("tickets", "差评整改台账", "差评、投诉和举报工单的核实、整改措施、反馈内容和回访结果"),
    ("appeals", "申诉复核台账", "工作人员申诉的理由和陈述，复核结论和说明"),
    ("orders", "督查台账", "整改通知、通报、更换人员、移送纪检监察，整改报告及评估结果"),
    ("evaluations", "评价明细", "每条评价的等级、标签、渠道、采纳情况（不含评价人信息）"),
];

pub async fn page(
    State(state): State<AppState>,
    me: SignedIn,
    query: Result<Query<LedgerQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    me.require(&[Role::Supervisor])?;
    let q = query.map(|q| q.0).unwrap_or_default();
    // One month by default: the ledgers are monthly documents.
    let period = MonthPeriod::parse(&state, q.from.as_deref(), q.to.as_deref(), 1, 12);
    let (from, to) = (period.from.to_string(), period.to.to_string());
    let downloads = LEDGERS
        .iter()
        .map(|&(kind, title, note)| Download {
            title,
            note,
            xlsx: format!("/api/v1/ledgers/{kind}?format=xlsx&from={from}&to={to}"),
            csv: format!("/api/v1/ledgers/{kind}?format=csv&from={from}&to={to}"),
        })
        .collect();
    let upward = Download {
        title: "上报数据（GB/T 39046 表9）",
        note: "向上级平台报送的有效评价记录；评价人仅标注为匿名/个人/法人",
        xlsx: format!("/api/v1/reports/upward?format=xlsx&from={from}&to={to}"),
        csv: format!("/api/v1/reports/upward?format=csv&from={from}&to={to}"),
    };
    let query = TopicsQuery { org: None, from: Some(from.clone()), to: Some(to.clone()), limit: Some(10) };
    let topics = hot_topics::list(&state, &me.user, &query).await?;
    let page = LedgersPage {
        chrome: me.chrome(&state, "台账导出"),
        period_text: format!("{} 至 {}", period.from.format("%Y年%m月%d日"), period.to.format("%Y年%m月%d日")),
        from: period.from_text,
        to: period.to_text,
        error: period.error,
        downloads,
        upward,
        upward_ready: crate::app::upward::division_code(&state).is_ok(),
        topics,
    };
    Ok(me.render(StatusCode::OK, &page))
}
