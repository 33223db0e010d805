//! The upward report of evaluations to the provincial/national platform: how one of our evaluations is written
//! in the national record layout (GB/T 39046—2020 表9 政务服务绩效评价基础数据集) and in the platform interface
//! coding (`projectNo`, `pf`, `satisfaction`, …; DESIGN §2). Pure mapping, no I/O.
//!
//! The two codings number the levels in opposite directions: 表9's 满意度代码 (表A.8) is 1 非常满意 … 5 非常
//! 不满意, the interface's `satisfaction` is our level code, 5 非常满意 … 1 非常不满意.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::channel::Channel;
use crate::evaluation::EvaluatorKind;
use crate::level::Level;

/// Headers of a report row: the nine 表9 fields in order, then the interface codes the 表9 fields do not carry
/// as such.
pub const HEADERS: [&str; 13] = [
    "办件编号",
    "评价渠道",
    "评价人",
    "评价时间",
    "评价次数",
    "满意度",
    "满意度代码",
    "文字评价",
    "行政区划",
    "pf",
    "satisfaction",
    "evalDetail",
    "assessNumber",
];

/// Columns holding numbers (so a spreadsheet stores them as numbers): 评价次数, 满意度代码, pf, satisfaction,
/// assessNumber. 办件编号 and 行政区划 stay text (leading zeros, long digit strings).
pub const NUMERIC: [bool; 13] = [false, false, false, false, true, false, true, false, false, true, true, false, true];

/// 表9 满意度代码 (表A.8): 1 非常满意 … 5 非常不满意.
pub fn gbt_satisfaction_code(level: Level) -> u8 {
    level.gbt39046_code() as u8
}

/// 表9 满意度: the level's name, the same five words as 表A.8.
pub fn gbt_satisfaction_text(level: Level) -> &'static str {
    level.label()
}

/// Interface `satisfaction` (整体满意度): 1 非常不满意 … 5 非常满意, our own level code.
pub fn interface_satisfaction(level: Level) -> u8 {
    level.code() as u8
}

/// 表9 评价渠道, one of the seven names the standard lists. The local offline channels 意见箱 and 纸质评价表
/// have no national name: their records are entered by staff at a service hall, so they are reported as
/// 政务大厅其他终端 (like the hall's self-service terminals).
pub fn gbt_channel(channel: Channel) -> &'static str {
    match channel {
        Channel::Pc => "PC端",
        Channel::Mobile => "移动服务端",
        Channel::Qrcode => "二维码",
        Channel::HallTablet => "政务大厅平板电脑",
        Channel::HallTerminal | Channel::Box | Channel::Paper => "政务大厅其他终端",
        Channel::Phone => "电话",
        Channel::Sms => "短信",
    }
}

/// Interface `pf` 1–7; 意见箱 and 纸质评价表 as 5 (大厅其他终端), the same choice as [`gbt_channel`].
pub fn pf(channel: Channel) -> u8 {
    channel.pf_code().unwrap_or(5)
}

/// 表9 评价时间, local time (Asia/Shanghai) as `YYYYMMDDThhmmss`.
pub fn gbt_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&crate::clock::shanghai()).format("%Y%m%dT%H%M%S").to_string()
}

/// Interface `assessTime`, local time (Asia/Shanghai) as `yyyy-MM-dd HH:mm:ss`.
pub fn interface_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&crate::clock::shanghai()).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// 表9 评价次数 and interface `assessNumber`: 1 for the first evaluation, 2 for the follow-up (追评).
pub fn assess_number(follow_up: bool) -> u8 {
    if follow_up { 2 } else { 1 }
}

/// 表9 评价人 without ever opening the encrypted identity: "匿名" when the evaluator left no name, otherwise
/// the kind of evaluator (个人 / 法人). Names are not reported upward (DESIGN §7: evaluator information is
/// protected, and a leak is misconduct).
pub fn evaluator_label(named: Option<EvaluatorKind>) -> &'static str {
    match named {
        None => "匿名",
        Some(EvaluatorKind::Personal) => "个人",
        Some(EvaluatorKind::Legal) => "法人",
    }
}

/// 行政区划 (n..9): a 6-digit county-level code (GB/T 2260) or a 9-digit township/street code (GB/T 10114).
pub fn check_division_code(code: &str) -> Result<(), String> {
    if (code.len() == 6 || code.len() == 9) && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("行政区划代码应为6位（县级）或9位（乡镇、街道）数字，而不是“{code}”"))
    }
}

/// One adopted evaluation as the report needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub evaluation_id: i64,
    /// 办件编号; empty for an evaluation of a window without a case (一次一评).
    pub case_no: String,
    pub channel: Channel,
    /// `None` when the evaluator left no name (anonymous).
    pub named: Option<EvaluatorKind>,
    pub evaluated_at: DateTime<Utc>,
    pub follow_up: bool,
    pub level: Level,
    pub comment: String,
    /// National tag codes, comma-separated as stored ("214,213").
    pub tags: String,
}

impl Record {
    /// The row under [`HEADERS`].
    pub fn cells(&self, division_code: &str) -> Vec<String> {
        vec![
            self.case_no.clone(),
            gbt_channel(self.channel).to_owned(),
            evaluator_label(self.named).to_owned(),
            gbt_time(self.evaluated_at),
            assess_number(self.follow_up).to_string(),
            gbt_satisfaction_text(self.level).to_owned(),
            gbt_satisfaction_code(self.level).to_string(),
            self.comment.clone(),
            division_code.to_owned(),
            pf(self.channel).to_string(),
            interface_satisfaction(self.level).to_string(),
            self.tags.clone(),
            assess_number(self.follow_up).to_string(),
        ]
    }

    /// The record in the platform interface coding, as sent upward and written in JSON lines. Besides the
    /// interface fields it carries `evaluator` (表9 评价人), `divisionCode` (表9 行政区划) and `evaluationId`
    /// (our id, so a receiver can recognise a record reported again in a later batch).
    pub fn interface_json(&self, division_code: &str) -> Value {
        json!({
            "evaluationId": self.evaluation_id,
            "projectNo": self.case_no,
            "pf": pf(self.channel),
            "satisfaction": interface_satisfaction(self.level),
            "evalDetail": self.tags,
            "writingEvaluation": self.comment,
            "assessTime": interface_time(self.evaluated_at),
            "assessNumber": assess_number(self.follow_up),
            "evaluator": evaluator_label(self.named),
            "divisionCode": division_code,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_two_level_codings_are_reverses_of_each_other() {
        for level in Level::ALL {
            let gbt = gbt_satisfaction_code(level);
            let interface = interface_satisfaction(level);
            assert_eq!(gbt + interface, 6, "{level:?}");
            assert!((1..=5).contains(&gbt) && (1..=5).contains(&interface));
        }
        assert_eq!(gbt_satisfaction_code(Level::VerySatisfied), 1);
        assert_eq!(interface_satisfaction(Level::VerySatisfied), 5);
        assert_eq!(gbt_satisfaction_code(Level::VeryDissatisfied), 5);
        assert_eq!(interface_satisfaction(Level::VeryDissatisfied), 1);
        let texts: Vec<_> = [1u8, 2, 3, 4, 5]
            .iter()
            .map(|code| {
                let level = Level::ALL.into_iter().find(|l| gbt_satisfaction_code(*l) == *code).unwrap();
                gbt_satisfaction_text(level)
            })
            .collect();
        assert_eq!(texts, ["非常满意", "满意", "基本满意", "不满意", "非常不满意"], "表A.8 in code order");
    }

    #[test]
    fn every_channel_has_a_national_name_and_pf_code() {
        const NAMES: [&str; 7] =
            ["PC端", "移动服务端", "二维码", "政务大厅平板电脑", "政务大厅其他终端", "电话", "短信"];
        for channel in Channel::ALL {
            let code = pf(channel);
            assert!((1..=7).contains(&code));
            assert_eq!(NAMES[code as usize - 1], gbt_channel(channel), "{channel:?}: name and pf agree");
            if let Some(own) = channel.pf_code() {
                assert_eq!(own, code);
            }
        }
        assert_eq!(pf(Channel::Box), 5);
        assert_eq!(gbt_channel(Channel::Paper), "政务大厅其他终端");
        assert_eq!(pf(Channel::Phone), 6);
        assert_eq!(gbt_channel(Channel::Mobile), "移动服务端");
    }

    #[test]
    fn times_are_local_in_both_formats() {
        // 2026-10-11 17:05:09 UTC is 2026-10-12 01:05:09 in Shanghai: the date moves too.
        let at = Utc.with_ymd_and_hms(2026, 10, 11, 17, 5, 9).unwrap();
        assert_eq!(gbt_time(at), "20261012T010509");
        assert_eq!(interface_time(at), "2026-10-12 01:05:09");
    }

    #[test]
    fn follow_ups_count_twice_and_identity_is_never_named() {
        assert_eq!(assess_number(false), 1);
        assert_eq!(assess_number(true), 2);
        assert_eq!(evaluator_label(None), "匿名");
        assert_eq!(evaluator_label(Some(EvaluatorKind::Personal)), "个人");
        assert_eq!(evaluator_label(Some(EvaluatorKind::Legal)), "法人");
    }

    #[test]
    fn division_codes_are_six_or_nine_digits() {
        assert!(check_division_code("220171").is_ok());
        assert!(check_division_code("220171001").is_ok());
        for bad in ["", "22017", "2201710", "22017100a", "2201710011", "２２０１７１"] {
            assert!(check_division_code(bad).unwrap_err().contains("行政区划"), "{bad}");
        }
    }

    #[test]
    fn a_record_fills_the_table_and_the_interface() {
        let record = Record {
            evaluation_id: 7,
            case_no: "C-001".into(),
            channel: Channel::Paper,
            named: None,
            evaluated_at: Utc.with_ymd_and_hms(2026, 10, 12, 2, 0, 0).unwrap(),
            follow_up: true,
            level: Level::VerySatisfied,
            comment: "很好".into(),
            tags: "510,517".into(),
        };
        let cells = record.cells("220171");
        assert_eq!(cells.len(), HEADERS.len());
        assert_eq!(
            cells,
            [
                "C-001",
                "政务大厅其他终端",
                "匿名",
                "20261012T100000",
                "2",
                "非常满意",
                "1",
                "很好",
                "220171",
                "5",
                "5",
                "510,517",
                "2"
            ]
        );
        let json = record.interface_json("220171");
        assert_eq!(json["satisfaction"], 5);
        assert_eq!(json["pf"], 5);
        assert_eq!(json["assessTime"], "2026-10-12 10:00:00");
        assert_eq!(json["assessNumber"], 2);
        assert_eq!(json["evalDetail"], "510,517");
        assert_eq!(json["projectNo"], "C-001");
    }
}
