//! Fraud flags by case (DESIGN §5): the flags of one rule about one subject — one phone's burst at a window,
//! one evaluator's bad reviews, one staff member's day of praise — are one case, shown once with what the rule
//! saw in names and local dates, and judged at once. Each flag of the case is still decided and audited on its
//! own evaluation. The key of a case is [`hcp_core::integrity::group_key`]: a new rule groups by naming its
//! subject there.

use std::collections::{BTreeMap, BTreeSet};

use hcp_core::integrity::{FlagFacts, FlagStatus, Rule, Subject, group_key, is_group_key};
use hcp_core::role::Role;
use hcp_store::integrity::{self, FlagRow};
use hcp_store::ms;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::CurrentUser;
use super::error::{AppError, AppResult, ErrorCode};
use super::integrity::{FlagDecisionBody, FlagQuery, apply, checked};
use super::org::Organisation;
use super::paging::{Page, Paged};
use super::state::AppState;
use super::views::local_time;

/// Most flags read to form the cases of one listing (the open queue is far smaller).
const MAX_FLAGS: i64 = 5000;
/// Most evaluations listed in one case; the count says how many there are.
const MAX_MEMBERS: usize = 100;

/// One thing the rule saw, in words.
#[derive(Debug, Serialize, ToSchema)]
pub struct Fact {
    pub label: String,
    pub value: String,
}

/// One flagged evaluation of a case.
#[derive(Serialize, ToSchema)]
pub struct FlagMember {
    pub id: i64,
    pub evaluation_id: i64,
    /// When the evaluation was received.
    pub received_at: String,
    pub level_label: &'static str,
    pub channel_label: &'static str,
    pub window: Option<String>,
    pub staff: Option<String>,
    pub status: FlagStatus,
    pub status_label: &'static str,
    pub reason_label: Option<&'static str>,
    /// Whether the evaluation counts now.
    pub adopted: bool,
}

/// A case: the flags of one rule about one subject.
#[derive(Serialize, ToSchema)]
pub struct FlagGroupView {
    /// What the case is decided by (`POST /fraud-flags/groups/{key}/decision`).
    pub key: String,
    pub rule: Rule,
    pub rule_label: &'static str,
    /// What the rule is about, in words: "同一联系电话 · 市场主体登记窗口（W-SC-01）".
    pub subject: String,
    /// Flags of the case (under the filter).
    pub flags: usize,
    /// Of them, still to be judged.
    pub open: usize,
    /// The first and last evaluation received.
    pub first_at: String,
    pub last_at: String,
    /// What the rule saw, with names, codes and local dates (the latest flag's evidence).
    pub facts: Vec<Fact>,
    /// The flagged evaluations, newest first (at most 100).
    pub members: Vec<FlagMember>,
}

/// Names of windows and staff by id.
struct Names {
    windows: BTreeMap<i64, String>,
    staff: BTreeMap<i64, String>,
}

impl Names {
    fn new(org: &Organisation) -> Names {
        Names {
            windows: org.windows.iter().map(|w| (w.id, format!("{}（{}）", w.name, w.code))).collect(),
            staff: org.staff.iter().map(|s| (s.id, format!("{}（{}）", s.name, s.staff_no))).collect(),
        }
    }

    fn window(&self, id: Option<i64>) -> String {
        id.and_then(|id| self.windows.get(&id).cloned()).unwrap_or_else(|| "未知窗口".to_owned())
    }

    fn staff(&self, id: Option<i64>) -> String {
        id.and_then(|id| self.staff.get(&id).cloned()).unwrap_or_else(|| "未知工作人员".to_owned())
    }
}

/// `2026-10-12` → `2026年10月12日`.
fn day_text(day: &str) -> String {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map(|d| d.format("%Y年%m月%d日").to_string())
        .unwrap_or_else(|_| day.to_owned())
}

/// The evidence of a flag in words: ids become names and codes, days local dates; the lists of evaluations are
/// left out (the case lists them). Keys of rules added later show as they are stored.
fn facts(evidence: &serde_json::Value, names: &Names) -> Vec<Fact> {
    let Some(object) = evidence.as_object() else { return Vec::new() };
    let fact = |label: &str, value: String| Fact { label: label.to_owned(), value };
    // Who and when first, then the figures against their threshold; keys not listed keep their stored order.
    const ORDER: [&str; 13] = [
        "staff_id",
        "window_id",
        "windows",
        "day",
        "days",
        "minutes",
        "count",
        "praises",
        "cases",
        "praise_per_case_percent",
        "network",
        "words",
        "wording",
    ];
    let mut entries: Vec<(&String, &serde_json::Value)> = object.iter().collect();
    entries.sort_by_key(|(key, _)| ORDER.iter().position(|k| k == key).unwrap_or(ORDER.len()));
    entries
        .into_iter()
        // The case counts and lists its evaluations itself.
        .filter(|(key, _)| !matches!(key.as_str(), "evaluations" | "earlier_evaluations"))
        .map(|(key, value)| match key.as_str() {
            "minutes" => fact("时间范围", format!("{value} 分钟内")),
            "count" => fact("触发次数", value.to_string()),
            "network" => fact("网段", value.as_str().unwrap_or_default().to_owned()),
            "words" => fact("不文明用语", list_text(value)),
            "window_id" => fact("窗口", names.window(value.as_i64())),
            "windows" => fact(
                "涉及窗口",
                value.as_array().map_or_else(String::new, |ids| {
                    ids.iter().map(|id| names.window(id.as_i64())).collect::<Vec<_>>().join("、")
                }),
            ),
            "wording" => fact("雷同文字", value.as_str().unwrap_or_default().to_owned()),
            "days" => fact("统计天数", format!("{value} 天")),
            "staff_id" => fact("工作人员", names.staff(value.as_i64())),
            "day" => fact("日期", day_text(value.as_str().unwrap_or_default())),
            "praises" => fact("好评数", value.to_string()),
            "cases" => fact("办件数", value.to_string()),
            "praise_per_case_percent" => fact("好评与办件比阈值", format!("{value}%")),
            other => fact(other, list_text(value)),
        })
        .collect()
}

fn list_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items.iter().map(list_text).collect::<Vec<_>>().join("、"),
        other => other.to_string(),
    }
}

/// What the rule is about, in words.
fn subject_text(flag: &FlagRow, windows: &BTreeSet<String>, names: &Names) -> String {
    let window = names.window(flag.window_id);
    match flag.rule.subject() {
        Subject::ContactAtWindow => format!("同一联系电话 · {window}"),
        Subject::ClientAtWindow => format!("同一网络地址 · {window}"),
        Subject::Window => window,
        Subject::Evaluator if flag.contact_index.is_some() => {
            format!("同一评价人（联系电话）· 涉及{}", windows.iter().cloned().collect::<Vec<_>>().join("、"))
        }
        Subject::Evaluator => format!("评价 #{} · {window}", flag.evaluation_id),
        Subject::WindowWording => format!("{window} · 雷同留言"),
        Subject::StaffDay => {
            format!("{} · {}", names.staff(flag.staff_id), day_text(flag.evidence["day"].as_str().unwrap_or_default()))
        }
    }
}

fn key_of(flag: &FlagRow) -> String {
    group_key(&FlagFacts {
        rule: flag.rule,
        evidence: &flag.evidence,
        evaluation_id: flag.evaluation_id,
        window_id: flag.window_id,
        staff_id: flag.staff_id,
        contact: flag.contact_index.as_deref(),
        client: flag.client_index.as_deref(),
    })
}

fn member(flag: &FlagRow) -> AppResult<FlagMember> {
    Ok(FlagMember {
        id: flag.id,
        evaluation_id: flag.evaluation_id,
        received_at: local_time(flag.received_at)?,
        level_label: flag.level.label(),
        channel_label: flag.channel.label(),
        window: flag.window_code.as_ref().zip(flag.window_name.as_ref()).map(|(c, n)| format!("{n}（{c}）")),
        staff: flag.staff_no.as_ref().zip(flag.staff_name.as_ref()).map(|(c, n)| format!("{n}（{c}）")),
        status: flag.status,
        status_label: flag.status.label(),
        reason_label: flag.reason.map(hcp_core::integrity::FlagReason::label),
        adopted: flag.adoption == hcp_core::evaluation::Adoption::Adopted,
    })
}

/// One case from its flags (newest first).
fn group_view(key: String, flags: &[FlagRow], names: &Names) -> AppResult<FlagGroupView> {
    let latest = &flags[0];
    let windows: BTreeSet<String> = flags.iter().map(|f| names.window(f.window_id)).collect();
    let received = flags.iter().map(|f| f.received_at);
    let (first, last) = (received.clone().min().unwrap_or_default(), received.max().unwrap_or_default());
    Ok(FlagGroupView {
        rule: latest.rule,
        rule_label: latest.rule.label(),
        subject: subject_text(latest, &windows, names),
        flags: flags.len(),
        open: flags.iter().filter(|f| f.status == FlagStatus::Open).count(),
        first_at: local_time(first)?,
        last_at: local_time(last)?,
        facts: facts(&latest.evidence, names),
        members: flags.iter().take(MAX_MEMBERS).map(member).collect::<AppResult<_>>()?,
        key,
    })
}

/// The flags under the filter, in cases, newest case first (supervisors judge; discipline inspectors read).
pub async fn list(state: &AppState, user: &CurrentUser, q: &FlagQuery) -> AppResult<Paged<FlagGroupView>> {
    user.require(&[Role::Supervisor, Role::Discipline])?;
    let filter = super::integrity::filter_of(q)?;
    let page = Page::new(q.page, q.per_page).limit_offset()?;
    let org = Organisation::load(state).await?;
    let (rows, _) = integrity::list(&mut *state.store().reader().await?, &filter, user.scope()?, MAX_FLAGS, 0).await?;
    // Rows come newest first, so cases come in the order of their latest flag.
    let mut order: Vec<String> = Vec::new();
    let mut cases: BTreeMap<String, Vec<FlagRow>> = BTreeMap::new();
    for row in rows {
        let key = key_of(&row);
        if !cases.contains_key(&key) {
            order.push(key.clone());
        }
        cases.entry(key).or_default().push(row);
    }
    let names = Names::new(&org);
    let (limit, offset) = page;
    let items = order
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|key| group_view(key.clone(), &cases[key], &names))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Paged::of(items, order.len() as i64, page))
}

/// What judging a case did.
#[derive(Serialize, ToSchema)]
pub struct GroupDecision {
    pub key: String,
    pub status: FlagStatus,
    pub status_label: &'static str,
    /// Flags decided now (each audited on its evaluation).
    pub decided: usize,
}

/// Judges every open flag of a case in scope at once, as [`super::integrity::decide`] judges one: confirmed, each
/// evaluation is not adopted with the kind; dismissed, they stay adopted. One transaction; one audit entry per
/// flag, naming the case.
pub async fn decide(
    state: &AppState,
    user: &CurrentUser,
    key: &str,
    body: &FlagDecisionBody,
) -> AppResult<GroupDecision> {
    user.require(&[Role::Supervisor])?;
    let key = key.trim();
    if !is_group_key(key) {
        return Err(AppError::not_found("疑似异常评价"));
    }
    let decision = checked(body, user, ms(state.now()))?;
    let rule = key.split_once('.').and_then(|(rule, _)| Rule::from_code(rule));
    let filter = integrity::Filter { status: Some(FlagStatus::Open), rule };
    let mut tx = state.store().begin().await?;
    let (rows, _) = integrity::list(&mut tx, &filter, user.scope()?, MAX_FLAGS, 0).await?;
    let members: Vec<FlagRow> = rows.into_iter().filter(|row| key_of(row) == key).collect();
    if members.is_empty() {
        return Err(AppError::new(ErrorCode::AlreadyDecided, "该组疑似异常评价已全部作出认定，或不在您的管辖范围内"));
    }
    let mut decided = 0;
    for flag in &members {
        // A flag settled earlier in the loop (another flag of the same evaluation was confirmed) is skipped.
        if apply(&mut tx, state, user, flag, &decision, Some(key)).await? {
            decided += 1;
        }
    }
    tx.commit().await?;
    Ok(GroupDecision { key: key.to_owned(), status: decision.status, status_label: decision.status.label(), decided })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn evidence_reads_in_names_and_local_dates() {
        let names = Names {
            windows: [(7, "市场主体登记窗口（W-SC-01）".to_owned()), (8, "社保医保窗口（W-JZ-01）".to_owned())].into(),
            staff: [(2, "李强（S002）".to_owned())].into(),
        };
        let evidence = json!({"windows": [7, 8], "evaluations": [1, 2, 3], "days": 30, "staff_id": 2,
            "day": "2026-10-12", "minutes": 10, "new_rule_field": "x"});
        let lines: Vec<(String, String)> = facts(&evidence, &names).into_iter().map(|f| (f.label, f.value)).collect();
        let find = |label: &str| lines.iter().find(|(l, _)| l == label).map(|(_, v)| v.as_str());
        assert_eq!(find("涉及窗口"), Some("市场主体登记窗口（W-SC-01）、社保医保窗口（W-JZ-01）"));
        assert_eq!(find("涉及评价"), None, "the case lists its evaluations itself");
        assert_eq!(find("工作人员"), Some("李强（S002）"));
        assert_eq!(find("日期"), Some("2026年10月12日"));
        assert_eq!(find("时间范围"), Some("10 分钟内"));
        assert_eq!(find("new_rule_field"), Some("x"), "a later rule's evidence still shows");
    }
}
