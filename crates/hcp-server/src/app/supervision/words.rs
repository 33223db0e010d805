//! Hot topics: the words that recur in bad-review comments and complaints over a period, per department, found
//! by segmenting the Chinese text (jieba) and counting content words.

use std::collections::HashMap;
use std::sync::OnceLock;

use jieba_rs::Jieba;

/// Function words and words every complaint about a service hall contains, which say nothing about the issue.
const STOPWORDS: &[&str] = &[
    "的",
    "了",
    "是",
    "我",
    "你",
    "他",
    "她",
    "在",
    "有",
    "和",
    "就",
    "都",
    "也",
    "很",
    "还",
    "没有",
    "没",
    "不",
    "一个",
    "什么",
    "这个",
    "那个",
    "我们",
    "你们",
    "他们",
    "这样",
    "那样",
    "因为",
    "所以",
    "但是",
    "而且",
    "然后",
    "已经",
    "还是",
    "可以",
    "就是",
    "一下",
    "一些",
    "这么",
    "那么",
    "怎么",
    "为什么",
    "时候",
    "现在",
    "今天",
    "说",
    "要",
    "去",
    "来",
    "到",
    "让",
    "被",
    "把",
    "给",
    "对",
    "与",
    "及",
    "等",
    "之",
    "或",
    "又",
    "再",
    "才",
    "啊",
    "吧",
    "呢",
    "吗",
    "窗口",
    "办理",
    "工作人员",
    "服务",
    "问题",
    "情况",
    "反映",
    "投诉",
    "差评",
    "评价",
    "否则",
    "觉得",
    "知道",
    "希望",
    "需要",
    "应该",
    "可能",
    "进行",
    "表示",
    "告诉",
    "不能",
    "不会",
    "不是",
    "只能",
    "出来",
    "东西",
    "事情",
    "办事",
    "群众",
    "政务",
    "服务中心",
    "中心",
    "大厅",
    "人员",
    "业务",
    "部门",
    "单位",
    // The hotline's own wording of a complaint: "市民来电反映……，要求有关部门重视、解决".
    "市民",
    "来电",
    "有关",
    "要求",
    "重视",
    "处理",
    "解决",
    "建议",
    "改进",
    "提供",
    "回去",
    "等于",
    "不了",
    "不到",
];

fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

/// Whether a part-of-speech tag of the dictionary marks a content word: nouns, verbs, adjectives, idioms and
/// abbreviations. Conjunctions (否则), adverbs, pronouns, numerals, quantifiers, time and place words and
/// non-Chinese runs (工号 S1062, window codes) say nothing about the issue.
fn is_content_tag(tag: &str) -> bool {
    // Place names (ns) are the hall's own city and district, in every complaint about it.
    (matches!(tag.as_bytes().first(), Some(b'n' | b'v' | b'a')) && tag != "ns") || matches!(tag, "i" | "l" | "j")
}

/// The fewest texts a word must recur in to be a topic: twice at least, and 1 % of the texts read, so one
/// citizen's wording is not a "hot" topic.
pub fn min_count(texts: usize) -> usize {
    (texts / 100).max(2)
}

/// The `limit` most frequent content words of `texts` (each text counts a word once), most frequent first; only
/// words found in at least [`min_count`] texts.
pub fn top_words<'a>(texts: impl IntoIterator<Item = &'a str>, limit: usize) -> Vec<(String, usize)> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut read = 0;
    for text in texts {
        read += 1;
        let mut seen = std::collections::HashSet::new();
        // Dictionary words only: the statistical model guesses unknown "words" across word boundaries (清该 of
        // 说不清该找谁, 中一 of 队伍中一直).
        for tag in jieba().tag(text, false) {
            let word = tag.word.trim();
            if word.chars().count() < 2
                || STOPWORDS.contains(&word)
                || !is_content_tag(tag.tag)
                || !word.chars().all(char::is_alphabetic)
                || word.chars().any(|c| c.is_ascii())
            {
                continue;
            }
            if seen.insert(word) {
                *counts.entry(word.to_owned()).or_default() += 1;
            }
        }
    }
    let least = min_count(read);
    let mut words: Vec<(String, usize)> = counts.into_iter().filter(|(_, n)| *n >= least).collect();
    words.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    words.truncate(limit);
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recurring_issues_surface_and_filler_does_not() {
        let texts = [
            "办理营业执照排队时间太长，等了两个小时",
            "排队时间长，叫号系统经常故障",
            "材料清单不清楚，来回跑了三趟",
            "叫号系统故障，排队太久",
        ];
        let top = top_words(texts, 4);
        let words: Vec<&str> = top.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(top[0], ("排队".to_owned(), 3), "{top:?}");
        assert_eq!(top[1], ("时间".to_owned(), 2), "{top:?}");
        assert!(!words.contains(&"办理") && !words.contains(&"了"), "{top:?}");
    }

    #[test]
    fn fragments_codes_function_words_and_one_off_words_are_not_topics() {
        let texts = [
            "说不清该找哪个窗口，否则要跑好几趟",
            "说不清该去哪里交材料，否则又白跑",
            "排在队伍中一直没人管，排队太久",
            "在队伍中一直等，排队两个小时",
            "工号S1062的人态度差，W-SC-01窗口",
            "S1062态度差，材料退回，吉林政务服务中心",
            "吉林经开区政务服务中心，态度不好",
            "停车场太小",
        ];
        let top = top_words(texts, 20);
        let words: Vec<&str> = top.iter().map(|(w, _)| w.as_str()).collect();
        for noise in ["清该", "中一", "S1062", "否则", "W", "SC", "一直", "停车场", "吉林", "政务", "服务中心"]
        {
            assert!(!words.contains(&noise), "{noise} in {top:?}");
        }
        assert!(words.contains(&"排队") && words.contains(&"态度"), "{top:?}");
        assert!(top.iter().all(|(_, n)| *n >= 2), "recurring words only: {top:?}");
        assert_eq!(min_count(7), 2);
        assert_eq!(min_count(1000), 10);
    }
}
