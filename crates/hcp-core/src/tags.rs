//! National evaluation tags, version 2: each level has its own tags; the evaluator may pick several.

use crate::level::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag {
    pub code: u16,
    pub level: Level,
    pub label: &'static str,
}

const fn tag(code: u16, level: Level, label: &'static str) -> Tag {
    Tag { code, level, label }
}

use Level::*;

pub const TAGS: &[Tag] = &[
    tag(510, VerySatisfied, "一窗受理一次办结"),
    tag(511, VerySatisfied, "可以先受理后补材料"),
    tag(512, VerySatisfied, "不用提交证明"),
    tag(513, VerySatisfied, "可以全程网上办理"),
    tag(514, VerySatisfied, "可以使用手机办理"),
    tag(515, VerySatisfied, "可以就近办理"),
    tag(516, VerySatisfied, "无需材料直接办理"),
    tag(517, VerySatisfied, "服务热情效率高"),
    tag(406, Satisfied, "填写一张表单就可完成申报"),
    tag(407, Satisfied, "在线提交材料窗口核验"),
    tag(408, Satisfied, "一张清单告知全部申报材料"),
    tag(409, Satisfied, "用告知承诺减免申报材料"),
    tag(410, Satisfied, "可以在线预约办理"),
    tag(411, Satisfied, "跑大厅一次办完"),
    tag(412, Satisfied, "可以使用自助机办理"),
    tag(413, Satisfied, "服务态度较好"),
    tag(307, Basic, "一次性告知需要补正的材料"),
    tag(308, Basic, "提供申报材料样本"),
    tag(309, Basic, "在承诺的时间内办结"),
    tag(310, Basic, "办事指南指引准确"),
    tag(311, Basic, "按办事指南要求的材料即可办理"),
    tag(312, Basic, "可以快递送达"),
    tag(313, Basic, "跑动次数与承诺的一致"),
    tag(314, Basic, "服务态度一般"),
    tag(207, Dissatisfied, "没有提供材料样本"),
    tag(208, Dissatisfied, "没有提供材料清单"),
    tag(209, Dissatisfied, "未在承诺时间内办结"),
    tag(210, Dissatisfied, "同样内容的证明材料被要求多次提交"),
    tag(211, Dissatisfied, "承诺网办但无法在线办理"),
    tag(212, Dissatisfied, "在线预约办理后到实体大厅重复取号排队"),
    tag(213, Dissatisfied, "窗口人员业务不熟练"),
    tag(214, Dissatisfied, "服务态度生硬"),
    tag(108, VeryDissatisfied, "在办事指南之外增加新的审批条件"),
    tag(109, VeryDissatisfied, "需提供办事指南之外的申报材料"),
    tag(110, VeryDissatisfied, "无理由超过法定办理时间"),
    tag(111, VeryDissatisfied, "办事指南提供样本有错"),
    tag(112, VeryDissatisfied, "承诺在线收取申报材料实际无法收取"),
    tag(113, VeryDissatisfied, "多头跑窗口和部门"),
    tag(114, VeryDissatisfied, "跑动次数与承诺的不一致"),
    tag(115, VeryDissatisfied, "服务态度差效率低"),
];

pub fn find(code: u16) -> Option<&'static Tag> {
    TAGS.iter().find(|tag| tag.code == code)
}

pub fn for_level(level: Level) -> impl Iterator<Item = &'static Tag> {
    TAGS.iter().filter(move |tag| tag.level == level)
}

/// Parses tag codes, accepting codes or labels as a paper form's clerk may type them.
pub fn parse_one(text: &str) -> Option<&'static Tag> {
    let text = text.trim();
    match text.parse::<u16>() {
        Ok(code) => find(code),
        Err(_) => TAGS.iter().find(|tag| tag.label == text),
    }
}

/// The national tags chosen with an evaluation, stored as their codes joined by commas ("514,517").
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct TagList(pub Vec<u16>);

impl TagList {
    /// The stored form.
    pub fn stored(&self) -> String {
        self.0.iter().map(u16::to_string).collect::<Vec<_>>().join(",")
    }

    /// The tags with their labels.
    pub fn tags(&self) -> impl Iterator<Item = &'static Tag> + '_ {
        self.0.iter().filter_map(|code| find(*code))
    }
}

/// A stored tag list; a code that is not a national tag is corrupt data.
impl TryFrom<String> for TagList {
    type Error = crate::code::UnknownCode;
    fn try_from(stored: String) -> Result<Self, Self::Error> {
        let unknown = || crate::code::UnknownCode { what: "tag", code: stored.clone() };
        stored
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| t.parse::<u16>().ok().filter(|code| find(*code).is_some()).ok_or_else(unknown))
            .collect::<Result<Vec<_>, _>>()
            .map(TagList)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_lists_round_trip_and_unknown_codes_are_refused() {
        let list = TagList(vec![514, 517]);
        assert_eq!(TagList::try_from(list.stored()), Ok(list));
        assert_eq!(TagList::try_from(String::new()), Ok(TagList::default()));
        assert!(TagList::try_from("514,999".to_owned()).is_err());
        assert!(TagList::try_from("x".to_owned()).is_err());
    }

    #[test]
    fn every_level_has_eight_tags_whose_first_digit_is_the_level() {
        for level in Level::ALL {
            let tags: Vec<_> = for_level(level).collect();
            assert_eq!(tags.len(), 8, "{level:?}");
            assert!(tags.iter().all(|t| i64::from(t.code / 100) == level.code()));
        }
        assert_eq!(parse_one("服务态度生硬").map(|t| t.code), Some(214));
        assert_eq!(parse_one("999"), None);
    }
}
