//! What an evaluation submission must satisfy before anything is stored (parse, don't validate).

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::clock::shanghai;
use crate::error::FieldErrors;
use crate::level::Level;
use crate::org::Code;
use crate::tags;

pub const MAX_COMMENT_CHARS: usize = 2000;
pub const MAX_TAGS: usize = 8;
/// Paper forms and box records reach the system late, but not more than a year late.
pub const MAX_BACKDATE_DAYS: i64 = 366;
/// Clocks of the entering PC and the server may differ a little.
const CLOCK_SKEW_MINUTES: i64 = 5;

/// The evaluation as submitted: loose types so that every problem becomes a field error, not a parse failure.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EvaluationInput {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::channel::Channel>))]
    pub channel: Option<String>,
    pub case_no: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::org::Code>))]
    pub window_code: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::org::Code>))]
    pub staff_no: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::level::Level>))]
    pub level: Option<i64>,
    /// Tag codes as numbers or strings; labels are accepted too.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::tags::TagList))]
    pub tags: Vec<serde_json::Value>,
    pub comment: Option<String>,
    pub evaluator: Option<EvaluatorInput>,
    /// RFC 3339 instant or a date (YYYY-MM-DD), as written on a paper form or box record.
    pub evaluated_at: Option<String>,
    #[serde(default)]
    pub follow_up: bool,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EvaluatorInput {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub id_no: Option<String>,
    pub kind: Option<String>,
}

crate::coded! {
    /// Who evaluated: a person or an enterprise (GB/T 39046 distinguishes them).
    pub enum EvaluatorKind {
        Personal => "personal", "个人";
        Legal => "legal", "法人";
    }
}

crate::coded! {
    /// Whether an evaluation counts (DESIGN §5): only adopted evaluations are in the statistics.
    pub enum Adoption {
        Adopted => "adopted", "采纳";
        NotAdopted => "not_adopted", "不予采纳";
    }
}

crate::coded! {
    /// Why an evaluation is not adopted: an overturned appeal or a confirmed integrity flag.
    pub enum AdoptionReason {
        MisEvaluation => "mis_evaluation", "误评";
        Malicious => "malicious", "恶意差评";
        FakePraise => "fake_praise", "刷好评";
        Duplicate => "duplicate", "重复评价";
    }
}

impl From<crate::lifecycle::ReviewReason> for AdoptionReason {
    fn from(reason: crate::lifecycle::ReviewReason) -> Self {
        match reason {
            crate::lifecycle::ReviewReason::MisEvaluation => AdoptionReason::MisEvaluation,
            crate::lifecycle::ReviewReason::Malicious => AdoptionReason::Malicious,
        }
    }
}

impl From<crate::integrity::FlagReason> for AdoptionReason {
    fn from(reason: crate::integrity::FlagReason) -> Self {
        match reason {
            crate::integrity::FlagReason::FakePraise => AdoptionReason::FakePraise,
            crate::integrity::FlagReason::Malicious => AdoptionReason::Malicious,
            crate::integrity::FlagReason::Duplicate => AdoptionReason::Duplicate,
        }
    }
}

impl EvaluatorKind {
    pub fn parse(text: &str) -> Option<EvaluatorKind> {
        match text.trim() {
            "personal" | "个人" | "自然人" => Some(EvaluatorKind::Personal),
            "legal" | "法人" | "企业" => Some(EvaluatorKind::Legal),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluator {
    pub kind: EvaluatorKind,
    pub name: Option<String>,
    /// Normalised digits.
    pub phone: Option<String>,
    pub id_no: Option<String>,
}

impl Evaluator {
    /// Real-name bad reviews are revisited 100 % (national frame), so it matters whether we can reach them.
    pub fn is_real_name(&self) -> bool {
        self.name.is_some() && (self.phone.is_some() || self.id_no.is_some())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// 一事一评: window and staff follow from the case; a window code given beside it must agree.
    Case { case_no: Code, window_code: Option<Code>, staff_no: Option<Code> },
    /// 一次一评 at a window, optionally naming the staff member.
    Window { window_code: Code, staff_no: Option<Code> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvaluation {
    pub channel: Channel,
    pub target: Target,
    pub level: Level,
    pub tags: Vec<u16>,
    pub comment: String,
    pub evaluator: Option<Evaluator>,
    /// When the citizen evaluated; `None` means at receipt.
    pub evaluated_at: Option<DateTime<Utc>>,
    pub follow_up: bool,
}

impl NewEvaluation {
    pub fn parse(input: &EvaluationInput, now: DateTime<Utc>) -> Result<NewEvaluation, FieldErrors> {
        let mut errors = FieldErrors::new();

        let channel = match input.channel.as_deref().map(str::trim) {
            None | Some("") => {
                errors.add("channel", "请填写评价渠道");
                None
            }
            Some(text) => Channel::parse(text).or_else(|| {
                errors.add("channel", format!("未知的评价渠道“{text}”"));
                None
            }),
        };

        let case_no = optional_code(&mut errors, "case_no", input.case_no.as_deref());
        let window_code = optional_code(&mut errors, "window_code", input.window_code.as_deref());
        let staff_no = optional_code(&mut errors, "staff_no", input.staff_no.as_deref());
        let target = match (case_no, window_code) {
            (Some(case_no), window_code) => Some(Target::Case { case_no, window_code, staff_no }),
            (None, Some(window_code)) => Some(Target::Window { window_code, staff_no }),
            (None, None) => {
                if !errors.0.contains_key("case_no") && !errors.0.contains_key("window_code") {
                    errors.add("case_no", "请填写办件编号或窗口编号");
                }
                None
            }
        };

        let level = match input.level {
            None => {
                errors.add("level", "请选择评价等级");
                None
            }
            Some(code) => Level::from_code(code).or_else(|| {
                errors.add("level", "评价等级应为1至5");
                None
            }),
        };

        let tags = level.map(|level| parse_tags(&mut errors, level, &input.tags)).unwrap_or_default();

        let comment = input.comment.as_deref().unwrap_or("").trim().to_owned();
        if comment.chars().count() > MAX_COMMENT_CHARS {
            errors.add("comment", format!("评价内容不能超过{MAX_COMMENT_CHARS}个字"));
        }
        if level.is_some_and(Level::is_bad) && tags.is_empty() && comment.is_empty() {
            // A bad review starts a ticket; the staff must be able to see what went wrong.
            errors.add("comment", "差评请至少选择一个评价标签或填写评价内容");
        }

        let evaluator = input.evaluator.as_ref().and_then(|e| parse_evaluator(&mut errors, e));

        let evaluated_at = match (&input.evaluated_at, channel) {
            (None, _) => None,
            (Some(text), _) if text.trim().is_empty() => None,
            (Some(_), Some(channel)) if channel.is_online() => {
                errors.add("evaluated_at", "在线渠道的评价时间以系统收到评价的时间为准，不能指定");
                None
            }
            (Some(text), _) => parse_evaluated_at(&mut errors, text, now),
        };

        if input.follow_up && input.case_no.as_deref().is_none_or(|c| c.trim().is_empty()) {
            errors.add("follow_up", "追评必须针对办件（请填写办件编号）");
        }

        if !errors.is_empty() {
            return Err(errors);
        }
        match (channel, target, level) {
            (Some(channel), Some(target), Some(level)) => Ok(NewEvaluation {
                channel,
                target,
                level,
                tags,
                comment,
                evaluator,
                evaluated_at,
                follow_up: input.follow_up,
            }),
            // Unreachable: every None above recorded an error.
            _ => Err(FieldErrors::single("level", "评价信息不完整")),
        }
    }
}

fn optional_code(errors: &mut FieldErrors, field: &str, text: Option<&str>) -> Option<Code> {
    let text = text?.trim();
    if text.is_empty() {
        return None;
    }
    Code::parse(text).map_err(|message| errors.add(field, message)).ok()
}

fn parse_tags(errors: &mut FieldErrors, level: Level, raw: &[serde_json::Value]) -> Vec<u16> {
    let mut codes = Vec::new();
    for value in raw {
        let tag = match value {
            serde_json::Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()).and_then(tags::find),
            serde_json::Value::String(s) => tags::parse_one(s),
            _ => None,
        };
        match tag {
            Some(tag) if tag.level == level => {
                if !codes.contains(&tag.code) {
                    codes.push(tag.code);
                }
            }
            Some(tag) => {
                errors.add("tags", format!("标签{}“{}”不属于所选评价等级", tag.code, tag.label));
            }
            None => errors.add("tags", format!("未知的评价标签{value}")),
        }
    }
    if codes.len() > MAX_TAGS {
        errors.add("tags", format!("最多选择{MAX_TAGS}个标签"));
    }
    codes
}

fn parse_evaluator(errors: &mut FieldErrors, input: &EvaluatorInput) -> Option<Evaluator> {
    let trimmed = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let kind = match trimmed(&input.kind) {
        None => EvaluatorKind::Personal,
        Some(text) => match EvaluatorKind::parse(&text) {
            Some(kind) => kind,
            None => {
                errors.add("evaluator.kind", "评价人类型应为 personal（个人）或 legal（法人）");
                EvaluatorKind::Personal
            }
        },
    };
    let name = trimmed(&input.name);
    if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
        errors.add("evaluator.name", "姓名或单位名称不能超过100个字");
    }
    let phone = trimmed(&input.phone).map(|p| crate::privacy::normalize_phone(&p));
    if let Some(phone) = &phone
        && !(7..=15).contains(&phone.len())
    {
        errors.add("evaluator.phone", "联系电话格式不正确");
    }
    let id_no = trimmed(&input.id_no).map(|s| s.to_uppercase());
    if let Some(id_no) = &id_no {
        let valid = match kind {
            EvaluatorKind::Personal => is_valid_resident_id(id_no),
            EvaluatorKind::Legal => is_valid_credit_code(id_no),
        };
        if !valid {
            let what = match kind {
                EvaluatorKind::Personal => "身份证号码",
                EvaluatorKind::Legal => "统一社会信用代码",
            };
            errors.add("evaluator.id_no", format!("{what}格式不正确"));
        }
    }
    if name.is_none() && phone.is_none() && id_no.is_none() {
        return None;
    }
    Some(Evaluator { kind, name, phone, id_no })
}

fn parse_evaluated_at(errors: &mut FieldErrors, text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let parsed = DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).ok().or_else(|| {
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(text, "%Y/%m/%d"))
            .ok()?;
        // A form carries only a date: take noon, so the instant lies on that date in every reading.
        date.and_time(NaiveTime::from_hms_opt(12, 0, 0)?)
            .and_local_timezone(shanghai())
            .single()
            .map(|t| t.with_timezone(&Utc))
    });
    let Some(at) = parsed else {
        errors.add("evaluated_at", "评价时间格式应为 2026-10-12 或 RFC 3339 时间");
        return None;
    };
    let today_end = now.with_timezone(&shanghai()).date_naive();
    if at > now + Duration::minutes(CLOCK_SKEW_MINUTES) && at.with_timezone(&shanghai()).date_naive() > today_end {
        errors.add("evaluated_at", "评价时间不能晚于当前时间");
        return None;
    }
    if at > now + Duration::minutes(CLOCK_SKEW_MINUTES) {
        // Today's date written on a form: noon may lie ahead of now; clamp to now.
        return Some(now);
    }
    if at < now - Duration::days(MAX_BACKDATE_DAYS) {
        errors.add("evaluated_at", "评价时间早于一年前，不予登记");
        return None;
    }
    Some(at)
}

/// GB 11643-1999 citizen ID: 17 digits and a check character (ISO 7064 MOD 11-2).
pub fn is_valid_resident_id(id_no: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let chars: Vec<char> = id_no.chars().collect();
    if chars.len() != 18 {
        return false;
    }
    let mut sum = 0;
    for (c, w) in chars[..17].iter().zip(WEIGHTS) {
        match c.to_digit(10) {
            Some(d) => sum += d * w,
            None => return false,
        }
    }
    CHECK[(sum % 11) as usize] == chars[17]
}

/// GB 32100-2015 unified social credit code: 18 characters from its alphabet (the check digit is not
/// verified: paper forms are often copied with a typo the registrar cannot resolve).
pub fn is_valid_credit_code(code: &str) -> bool {
    const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    code.chars().count() == 18 && code.chars().all(|c| ALPHABET.contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 10, 12, 2, 0, 0).unwrap()
    }

    fn input(json: serde_json::Value) -> EvaluationInput {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_complete_bad_review_parses() {
        let parsed = NewEvaluation::parse(
            &input(serde_json::json!({
                "channel": "qrcode", "window_code": "W01", "staff_no": "S001", "level": 2,
                "tags": [214, "213"], "comment": "等了很久",
                "evaluator": {"name": "李雷", "phone": "138 1234 1234"}
            })),
            now(),
        )
        .unwrap();
        assert_eq!(parsed.level, Level::Dissatisfied);
        assert_eq!(parsed.tags, vec![214, 213]);
        assert_eq!(parsed.evaluator.unwrap().phone.as_deref(), Some("13812341234"));
    }

    #[test]
    fn every_problem_is_reported_per_field() {
        let errors = NewEvaluation::parse(
            &input(serde_json::json!({"channel": "fax", "level": 7, "comment": "x".repeat(2001)})),
            now(),
        )
        .unwrap_err();
        for field in ["channel", "case_no", "level", "comment"] {
            assert!(errors.0.contains_key(field), "{field}: {errors:?}");
        }
    }

    #[test]
    fn tags_must_belong_to_the_level_and_bad_reviews_need_a_reason() {
        let errors = NewEvaluation::parse(
            &input(serde_json::json!({"channel": "pc", "window_code": "W", "level": 5, "tags": [214]})),
            now(),
        )
        .unwrap_err();
        assert!(errors.0["tags"].contains("不属于"));
        let errors =
            NewEvaluation::parse(&input(serde_json::json!({"channel": "pc", "window_code": "W", "level": 1})), now())
                .unwrap_err();
        assert!(errors.0.contains_key("comment"));
    }

    #[test]
    fn paper_forms_carry_a_past_date_but_online_channels_do_not() {
        let paper = NewEvaluation::parse(
            &input(
                serde_json::json!({"channel": "paper", "window_code": "W", "level": 5, "evaluated_at": "2026-10-01"}),
            ),
            now(),
        )
        .unwrap();
        assert_eq!(paper.evaluated_at, Some(Utc.with_ymd_and_hms(2026, 10, 1, 4, 0, 0).unwrap()));
        let today = NewEvaluation::parse(
            &input(serde_json::json!({"channel": "box", "window_code": "W", "level": 5, "evaluated_at": "2026-10-12"})),
            now(),
        )
        .unwrap();
        assert_eq!(today.evaluated_at, Some(now()));
        let future = NewEvaluation::parse(
            &input(
                serde_json::json!({"channel": "paper", "window_code": "W", "level": 5, "evaluated_at": "2026-10-13"}),
            ),
            now(),
        )
        .unwrap_err();
        assert!(future.0.contains_key("evaluated_at"));
        let online = NewEvaluation::parse(
            &input(
                serde_json::json!({"channel": "mobile", "window_code": "W", "level": 5, "evaluated_at": "2026-10-01"}),
            ),
            now(),
        )
        .unwrap_err();
        assert!(online.0.contains_key("evaluated_at"));
    }

    #[test]
    fn follow_up_needs_a_case() {
        let errors = NewEvaluation::parse(
            &input(serde_json::json!({"channel": "pc", "window_code": "W", "level": 4, "follow_up": true})),
            now(),
        )
        .unwrap_err();
        assert!(errors.0.contains_key("follow_up"));
    }

    #[test]
    fn id_numbers_are_checked() {
        assert!(is_valid_resident_id("11010519491231002X"));
        assert!(!is_valid_resident_id("110105194912310021"));
        assert!(is_valid_credit_code("91220101MA0Y3QXX1P"));
        assert!(!is_valid_credit_code("91220101"));
    }
}
