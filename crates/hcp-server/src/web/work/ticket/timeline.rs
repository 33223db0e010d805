//! The ticket's timeline in words: who did what when, each action's fields with their Chinese labels, and the
//! evidence files bound to it.

use std::collections::BTreeMap;

use hcp_core::lifecycle::{Classification, Outcome, ReportFinding, ReviewReason, Satisfaction};

use crate::app::views::TicketDetail;
use crate::web::local_text;

pub struct EventLine {
    pub at: String,
    pub actor: String,
    pub action_label: &'static str,
    pub to_state: &'static str,
    pub lines: Vec<(&'static str, String)>,
    pub attachments: Vec<(i64, String)>,
}

/// Every entry of the ticket's timeline, oldest first.
pub fn lines(detail: &TicketDetail) -> Vec<EventLine> {
    let names: BTreeMap<i64, String> = detail.attachments.iter().map(|a| (a.id, a.filename.clone())).collect();
    detail
        .timeline
        .iter()
        .map(|e| EventLine {
            at: local_text(&e.at),
            actor: e.actor_label.clone(),
            action_label: e.action_label,
            to_state: match e.to_state {
                Some(to) if e.from_state != e.to_state => to.label(),
                _ => "",
            },
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
        .collect()
}

/// A code of an action's fields as its label (the code itself if it is none of them).
type LabelOf = fn(&str) -> Option<&'static str>;

/// The action's fields in words, in the order people read them (the deadlines after it are shown at the top of
/// the page instead).
fn detail_lines(details: &serde_json::Value) -> Vec<(&'static str, String)> {
    const TEXTS: [(&str, &str); 5] = [
        ("window", "承办窗口"),
        ("staff", "承办人员工号"),
        ("finding", "核实情况"),
        ("measures", "整改措施"),
        ("text", "反馈内容"),
    ];
    const CODES: [(&str, &str, LabelOf); 3] = [
        ("outcome", "结果", |c| {
            Outcome::from_code(c).map(Outcome::label).or_else(|| ReportFinding::from_code(c).map(ReportFinding::label))
        }),
        ("reason", "理由", |c| ReviewReason::from_code(c).map(ReviewReason::label)),
        ("satisfaction", "满意度", |c| Satisfaction::from_code(c).map(Satisfaction::label)),
    ];
    const NOTES: [(&str, &str); 4] =
        [("statement", "情况说明"), ("explanation", "复核说明"), ("action_taken", "处理措施"), ("note", "备注")];
    let text = |key: &str| details[key].as_str().map(str::trim).filter(|s| !s.is_empty());
    let coded = |key: &str, label_of: LabelOf| text(key).map(|c| label_of(c).unwrap_or(c).to_owned());
    let mut lines = Vec::new();
    lines.extend(
        coded("classification", |c| Classification::from_code(c).map(Classification::label)).map(|v| ("分类", v)),
    );
    lines.extend(TEXTS.iter().filter_map(|(key, label)| text(key).map(|v| (*label, v.to_owned()))));
    lines.extend(CODES.iter().filter_map(|(key, label, label_of)| coded(key, *label_of).map(|v| (*label, v))));
    lines.extend(NOTES.iter().filter_map(|(key, label)| text(key).map(|v| (*label, legacy_note(v)))));
    lines
}

/// Notes written at intake before registrants were named in words carried the login name "citizen".
fn legacy_note(note: &str) -> String {
    note.replace("（登记：citizen）", "（群众提交）")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_of_an_action_read_as_their_labels() {
        let details = serde_json::json!({"classification": "complex", "outcome": "overturned", "reason": "malicious",
            "satisfaction": "unsatisfied", "finding": " 属实 ", "note": ""});
        assert_eq!(
            detail_lines(&details),
            vec![
                ("分类", "情况复杂，限期整改".to_owned()),
                ("核实情况", "属实".to_owned()),
                ("结果", "改判，不予采纳".to_owned()),
                ("理由", "恶意差评".to_owned()),
                ("满意度", "不满意".to_owned()),
            ]
        );
        assert_eq!(detail_lines(&serde_json::json!({"outcome": "substantiated"}))[0].1, "属实");
    }
}
