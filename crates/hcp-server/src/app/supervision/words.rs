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
];

fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

/// The `limit` most frequent content words of `texts` (each text counts a word once), most frequent first.
pub fn top_words<'a>(texts: impl IntoIterator<Item = &'a str>, limit: usize) -> Vec<(String, usize)> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for text in texts {
        let mut seen = std::collections::HashSet::new();
        for token in jieba().cut(text, true) {
            let word = token.word.trim();
            if word.chars().count() < 2 || STOPWORDS.contains(&word) || !word.chars().any(char::is_alphabetic) {
                continue;
            }
            if seen.insert(word) {
                *counts.entry(word.to_owned()).or_default() += 1;
            }
        }
    }
    let mut words: Vec<(String, usize)> = counts.into_iter().collect();
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
}
