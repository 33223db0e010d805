//! The columns a file may have: their Chinese and English headers, and the letters of a sheet.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    Channel,
    CaseNo,
    WindowCode,
    StaffNo,
    Level,
    Tags,
    Comment,
    EvaluatorName,
    EvaluatorPhone,
    EvaluatorIdNo,
    EvaluatorKind,
    EvaluatedAt,
    FormNo,
    FollowUp,
}

impl Column {
    /// Template order; `TEMPLATE_HEADERS` follows it.
    pub(crate) const ALL: [Column; 14] = [
        Column::Channel,
        Column::CaseNo,
        Column::WindowCode,
        Column::StaffNo,
        Column::Level,
        Column::Tags,
        Column::Comment,
        Column::EvaluatorName,
        Column::EvaluatorPhone,
        Column::EvaluatorIdNo,
        Column::EvaluatorKind,
        Column::EvaluatedAt,
        Column::FormNo,
        Column::FollowUp,
    ];

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    pub(crate) fn header(self) -> &'static str {
        TEMPLATE_HEADERS[self.index()]
    }

    pub(crate) fn key(self) -> &'static str {
        match self {
            Column::Channel => "channel",
            Column::CaseNo => "case_no",
            Column::WindowCode => "window_code",
            Column::StaffNo => "staff_no",
            Column::Level => "level",
            Column::Tags => "tags",
            Column::Comment => "comment",
            Column::EvaluatorName => "evaluator_name",
            Column::EvaluatorPhone => "evaluator_phone",
            Column::EvaluatorIdNo => "evaluator_id_no",
            Column::EvaluatorKind => "evaluator_kind",
            Column::EvaluatedAt => "evaluated_at",
            Column::FormNo => "form_no",
            Column::FollowUp => "follow_up",
        }
    }

    /// Field path as in [`hcp_core::FieldErrors`], so problems and validation errors read alike.
    pub(crate) fn field(self) -> &'static str {
        match self {
            Column::EvaluatorName => "evaluator.name",
            Column::EvaluatorPhone => "evaluator.phone",
            Column::EvaluatorIdNo => "evaluator.id_no",
            Column::EvaluatorKind => "evaluator.kind",
            other => other.key(),
        }
    }

    /// Other headers seen on hand-made sheets.
    pub(crate) fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Channel => &["评价渠道"],
            Column::CaseNo => &["办件号"],
            Column::WindowCode => &["窗口号"],
            Column::StaffNo => &["工作人员工号"],
            Column::Level => &["等级", "满意度"],
            Column::Tags => &["标签"],
            Column::Comment => &["评价意见", "意见内容"],
            Column::EvaluatorName => &["评价人", "姓名"],
            Column::EvaluatorPhone => &["电话", "手机号码"],
            Column::EvaluatorIdNo => &["证件号", "身份证号码"],
            Column::EvaluatorKind => &[],
            Column::EvaluatedAt => &["评价时间"],
            Column::FormNo => &["评价表编号"],
            Column::FollowUp => &["是否追评"],
        }
    }

    pub(crate) fn from_header(text: &str) -> Option<Column> {
        let wanted = header_key(text);
        if wanted.is_empty() {
            return None;
        }
        Column::ALL.into_iter().find(|column| {
            header_key(column.header()) == wanted
                || header_key(column.key()) == wanted
                || column.aliases().iter().any(|alias| header_key(alias) == wanted)
        })
    }

    /// Digit strings that Excel turns into numbers and, past 15 digits, into scientific notation.
    pub(crate) fn holds_code(self) -> bool {
        matches!(
            self,
            Column::CaseNo
                | Column::WindowCode
                | Column::StaffNo
                | Column::EvaluatorPhone
                | Column::EvaluatorIdNo
                | Column::FormNo
        )
    }
}

/// Comparison key of a header: "*评价等级（1-5）", "Evaluator Name" and "evaluator.name" must all match.
pub(crate) fn header_key(text: &str) -> String {
    let text = text.trim().trim_start_matches('\u{feff}');
    // Explanations in brackets ("（必填）", "(1-5)") are not part of the name.
    let name = text.split(['(', '（']).next().unwrap_or("");
    name.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊' | '_' | '.' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// "A", …, "Z", "AA", … as Excel names columns.
pub(crate) fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}
