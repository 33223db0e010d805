//! `/supervise`: the statistics dashboard of a period of months and an org subtree, from the same handler as
//! `GET /api/v1/stats`, with charts drawn as SVG on the server and a data table beside each.

use std::collections::HashMap;

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hcp_core::level::Level;
use hcp_core::role::Role;
use serde::Deserialize;

use super::{MonthPeriod, deadline_words, first_of, month_text, percent, score_text, today};
use crate::app::org::units_within;
use crate::app::state::AppState;
use crate::app::stats::{self, Group, StatsQuery};
use crate::app::supervision::concentrations::{self, PeriodQuery};
use crate::app::tickets::{self, TicketQuery};
use crate::web::charts::{self, Bar};
use crate::web::errors::PageError;
use crate::web::layout::Chrome;
use crate::web::signed_in::SignedIn;

#[derive(Deserialize, Default)]
pub struct DashboardQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub org: Option<String>,
    /// `bad`: rankings by 差评率 (worst first) instead of the API's ranking by score.
    pub sort: Option<String>,
}

pub struct OrgOption {
    pub code: String,
    pub name: String,
    pub selected: bool,
}

pub struct Headline {
    pub evaluations: i64,
    pub adopted: i64,
    pub good_rate: String,
    pub bad_rate: String,
    pub score: String,
    pub on_time: String,
    pub rectification: String,
    pub overdue: i64,
}

pub struct TrendRow {
    pub month: String,
    pub evaluations: i64,
    pub good_rate: String,
}

pub struct ShareRow {
    pub label: String,
    pub count: i64,
    pub share: String,
}

pub struct RankRow {
    pub rank: usize,
    pub name: String,
    pub adopted: i64,
    pub good_rate: String,
    pub bad_rate: String,
    pub bad_reviews: i64,
    pub score: String,
}

pub struct Ranking {
    pub id: &'static str,
    pub title: &'static str,
    pub rows: Vec<RankRow>,
}

pub struct OverdueRow {
    pub id: i64,
    pub kind_label: String,
    pub state_label: String,
    pub place: String,
    pub deadline: String,
}

pub struct ConcentrationRow {
    pub level_label: &'static str,
    pub name: String,
    pub adopted: i64,
    pub bad_reviews: i64,
    pub bad_rate: String,
    pub issue_href: String,
}

#[derive(Template)]
#[template(path = "supervise_dashboard.html")]
pub struct DashboardPage {
    pub chrome: Chrome,
    pub from: String,
    pub to: String,
    pub period_text: String,
    pub orgs: Vec<OrgOption>,
    pub sort_bad: bool,
    pub error: Option<String>,
    pub headline: Headline,
    pub trend_svg: String,
    pub trend: Vec<TrendRow>,
    pub levels_svg: String,
    pub levels: Vec<ShareRow>,
    pub channels_svg: String,
    pub channels: Vec<ShareRow>,
    pub rankings: Vec<Ranking>,
    pub overdue_total: i64,
    pub overdue: Vec<OverdueRow>,
    pub overdue_more: bool,
    pub concentration_period: String,
    pub concentrations: Vec<ConcentrationRow>,
    /// The same figures as JSON, for integrations and checks.
    pub api_href: String,
}

const RANK_ROWS: usize = 10;

pub async fn page(
    State(state): State<AppState>,
    me: SignedIn,
    query: Result<Query<DashboardQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    me.require(&[Role::Supervisor])?;
    let q = query.map(|q| q.0).unwrap_or_default();
    let period = MonthPeriod::parse(&state, q.from.as_deref(), q.to.as_deref(), 12, 36);
    let mut error = period.error.clone();
    let orgs_all: Vec<OrgOption> = units_within(&state, &me.user)
        .await?
        .into_iter()
        .map(|u| OrgOption { code: u.code, name: u.name, selected: false })
        .collect();
    let mut org_code = q.org.as_deref().map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned);
    if let Some(code) = &org_code
        && !orgs_all.iter().any(|o| &o.code == code)
    {
        error = Some("所选机构不在您的管辖范围内；已按全部管辖范围显示。".to_owned());
        org_code = None;
    }
    let orgs = orgs_all
        .into_iter()
        .map(|o| OrgOption { selected: org_code.as_deref() == Some(o.code.as_str()), ..o })
        .collect();
    let (from, to) = (period.from.to_string(), period.to.to_string());
    let stats = |group_by: &str| StatsQuery {
        org: org_code.clone(),
        from: Some(from.clone()),
        to: Some(to.clone()),
        group_by: Some(group_by.to_owned()),
    };
    let run = |group_by: &'static str| {
        let query = stats(group_by);
        let (state, user) = (&state, &me.user);
        async move { stats::figures(state, user, &query).await }
    };
    let total = run("none").await?;
    let by_month = run("month").await?;
    let by_channel = run("channel").await?;
    let total = total.groups.into_iter().next();

    let headline = match &total {
        Some(g) => Headline {
            evaluations: g.evaluations,
            adopted: g.adopted,
            good_rate: percent(g.rates.good_rate),
            bad_rate: percent(g.rates.bad_rate),
            score: score_text(g.rates.score),
            on_time: percent(g.rates.on_time_feedback_rate),
            rectification: percent(g.rates.rectification_rate),
            overdue: g.overdue,
        },
        None => Headline {
            evaluations: 0,
            adopted: 0,
            good_rate: percent(None),
            bad_rate: percent(None),
            score: score_text(None),
            on_time: percent(None),
            rectification: percent(None),
            overdue: 0,
        },
    };

    // Trend: every month of the period, empty ones included.
    let months = period.months();
    let monthly: HashMap<String, &Group> = by_month.groups.iter().map(|g| (g.key.clone(), g)).collect();
    let counts: Vec<i64> = months.iter().map(|m| monthly.get(m).map_or(0, |g| g.evaluations)).collect();
    let good: Vec<Option<f64>> = months.iter().map(|m| monthly.get(m).and_then(|g| g.rates.good_rate)).collect();
    let trend_svg = charts::bars_with_line("按月评价数与好评率", &months, &counts, "评价数", &good, "好评率");
    let trend = months
        .iter()
        .zip(counts.iter().zip(&good))
        .map(|(m, (c, g))| TrendRow { month: m.clone(), evaluations: *c, good_rate: percent(*g) })
        .collect();

    // Levels, best first, from the adopted evaluations of the period.
    let level_counts = total.as_ref().map(|g| g.level_counts).unwrap_or_default();
    let level_bars: Vec<Bar> = Level::ALL
        .iter()
        .map(|l| Bar {
            label: l.label().to_owned(),
            value: level_counts[(l.code() - 1).clamp(0, 4) as usize],
            bad: l.is_bad(),
        })
        .collect();
    let levels_svg = charts::horizontal_bars("评价等级分布（有效评价）", &level_bars);
    let levels = shares(&level_bars);

    let mut channel_bars: Vec<Bar> = by_channel
        .groups
        .iter()
        .filter(|g| !g.key.is_empty() && g.evaluations > 0)
        .map(|g| Bar { label: g.name.clone(), value: g.evaluations, bad: false })
        .collect();
    channel_bars.sort_by(|a, b| b.value.cmp(&a.value).then(a.label.cmp(&b.label)));
    let channels_svg = charts::horizontal_bars("评价渠道构成", &channel_bars);
    let channels = shares(&channel_bars);

    let sort_bad = q.sort.as_deref() == Some("bad");
    let mut rankings = Vec::new();
    for (id, title, group_by) in [
        ("rank-department", "部门排名", "department"),
        ("rank-window", "窗口排名", "window"),
        ("rank-staff", "工作人员排名", "staff"),
    ] {
        let view = run(group_by).await?;
        let mut groups: Vec<Group> =
            view.groups.into_iter().filter(|g| g.adopted > 0 && !(group_by == "staff" && g.key == "0")).collect();
        if sort_bad {
            groups.sort_by(|a, b| {
                b.rates.bad_rate.unwrap_or(-1.0).total_cmp(&a.rates.bad_rate.unwrap_or(-1.0)).then(a.rank.cmp(&b.rank))
            });
        }
        let rows = groups
            .into_iter()
            .take(RANK_ROWS)
            .enumerate()
            .map(|(i, g)| RankRow {
                rank: if sort_bad { i + 1 } else { g.rank.unwrap_or(i + 1) },
                name: g.name,
                adopted: g.adopted,
                good_rate: percent(g.rates.good_rate),
                bad_rate: percent(g.rates.bad_rate),
                bad_reviews: g.bad_reviews,
                score: score_text(g.rates.score),
            })
            .collect();
        rankings.push(Ranking { id, title, rows });
    }

    // Tickets of the period that missed a deadline.
    let overdue_page = tickets::list(
        &state,
        &me.user,
        &TicketQuery {
            overdue: Some(true),
            org: org_code.clone(),
            from: Some(from.clone()),
            to: Some(to.clone()),
            page: Some(1),
            per_page: Some(10),
            ..Default::default()
        },
    )
    .await?;
    let overdue = overdue_page
        .items
        .into_iter()
        .map(|t| OverdueRow {
            id: t.id,
            kind_label: t.kind_label.to_owned(),
            state_label: t.state_label.to_owned(),
            place: t.window.map(|w| format!("{}（{}）", w.name, w.code)).or(t.department).unwrap_or_default(),
            deadline: t
                .next_deadline
                .as_deref()
                .map(|d| deadline_words(&state, d).0)
                .unwrap_or_else(|| "已超期".into()),
        })
        .collect::<Vec<_>>();
    let overdue_more = overdue_page.total > overdue.len() as i64;

    // Concentrations of the last natural month, whatever the period shown.
    let last_month = first_of(today(&state)).checked_sub_months(chrono::Months::new(1)).unwrap_or(today(&state));
    let found = concentrations::list(&state, &me.user, &PeriodQuery { period: Some(month_text(last_month)) }).await?;
    let concentrations = found
        .items
        .into_iter()
        .map(|c| {
            let href = format!(
                "/supervise/orders/new?kind=rectification_order&level={}&target={}&period={}",
                c.level,
                url(&c.code),
                found.period
            );
            ConcentrationRow {
                level_label: c.level_label,
                name: c.name,
                adopted: c.adopted,
                bad_reviews: c.bad_reviews,
                bad_rate: percent(c.bad_rate),
                issue_href: href,
            }
        })
        .collect();

    let mut api_href = format!("/api/v1/stats?from={from}&to={to}");
    if let Some(code) = &org_code {
        api_href.push_str(&format!("&org={}", url(code)));
    }
    let page = DashboardPage {
        chrome: me.chrome(&state, "统计总览"),
        period_text: format!("{} 至 {}", period.from.format("%Y年%m月"), period.to.format("%Y年%m月")),
        from: period.from_text,
        to: period.to_text,
        orgs,
        sort_bad,
        error,
        headline,
        trend_svg,
        trend,
        levels_svg,
        levels,
        channels_svg,
        channels,
        rankings,
        overdue_total: overdue_page.total,
        overdue,
        overdue_more,
        concentration_period: last_month.format("%Y年%m月").to_string(),
        concentrations,
        api_href,
    };
    Ok(me.render(StatusCode::OK, &page))
}

fn shares(bars: &[Bar]) -> Vec<ShareRow> {
    let total: i64 = bars.iter().map(|b| b.value).sum();
    bars.iter()
        .map(|b| ShareRow {
            label: b.label.clone(),
            count: b.value,
            share: percent((total > 0).then(|| (b.value as f64 * 1000.0 / total as f64).round() / 10.0)),
        })
        .collect()
}

pub(crate) fn url(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
