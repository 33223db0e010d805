//! Integrity signals of DESIGN §5: explainable rules, each with a code, thresholds from configuration and the
//! evidence it used. A signal only raises a flag; a supervisor confirms (the evaluation is then not adopted) or
//! dismisses it. The checks that run at intake are here as pure functions over facts the storage layer
//! gathered; nothing here performs I/O.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use serde_json::json;

/// Thresholds, configurable per deployment (`[integrity]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntegrityConfig {
    /// Run the intake checks at all.
    pub enabled: bool,
    /// Look-back window of the burst rules, in minutes.
    pub burst_minutes: u32,
    /// Evaluations from one contact (phone) within the window, counting the new one, that raise a flag.
    pub contact_burst: u32,
    /// Online evaluations from one client address within the window, counting the new one, that raise a flag.
    /// Citizens behind a carrier's NAT or the hall's guest Wi-Fi share addresses, so this is set well above the
    /// contact rule; the hall's own evaluation pads and terminals are exempt.
    pub client_burst: u32,
    /// Words that mark a comment as abusive (辱骂); matched as substrings after removing spaces.
    pub abusive_words: Vec<String>,
    /// Periodic sweep: how many days back it looks.
    pub sweep_days: u32,
    /// Evaluations of one window with the same comment (after normalising) that raise a flag on each.
    pub identical_comments: u32,
    /// Comments shorter than this (after normalising) are too common to compare ("很好", "满意").
    pub identical_min_chars: u32,
    /// Distinct windows one contact gave bad reviews to within the sweep period that raise a flag.
    pub serial_bad_windows: u32,
    /// Praise out of proportion to case volume: a staff member's day with at least this many praises …
    pub praise_min: u32,
    /// … that are more than this percentage of the cases they finished that day.
    pub praise_per_case_percent: u32,
}

impl Default for IntegrityConfig {
    fn default() -> Self {
        IntegrityConfig {
            enabled: true,
            burst_minutes: 10,
            contact_burst: 3,
            client_burst: 10,
            abusive_words: ["傻逼", "混蛋", "王八蛋", "去死", "滚蛋", "废物", "垃圾人", "狗东西", "他妈的", "贱人"]
                .map(String::from)
                .to_vec(),
            sweep_days: 30,
            identical_comments: 5,
            identical_min_chars: 8,
            serial_bad_windows: 3,
            praise_min: 10,
            praise_per_case_percent: 150,
        }
    }
}

crate::coded! {
    /// The explainable integrity rules (DESIGN §5).
    pub enum Rule {
        /// One phone number evaluating again and again within minutes (刷评).
        ContactBurst => "contact_burst", "同一联系电话短时间内多次评价";
        /// One client address submitting many online evaluations within minutes.
        ClientBurst => "client_burst", "同一网络地址短时间内大量评价";
        /// Submitted from a device or network registered to the evaluated window itself.
        OwnTerminal => "own_terminal", "来自被评价窗口自身的设备或网络";
        /// Insulting language in the comment.
        AbusiveText => "abusive_text", "评价内容含辱骂等不文明用语";
        /// Many evaluations of one window with the same wording (templated praise or complaints).
        IdenticalComments => "identical_comments", "同一窗口多条评价内容雷同";
        /// One contact giving bad reviews to many windows.
        SerialBadReviewer => "serial_bad_reviewer", "同一联系电话对多个窗口给出差评";
        /// More praise for a staff member in a day than the cases they handled can explain.
        PraiseOutOfProportion => "praise_out_of_proportion", "好评数量与办件量明显不符";
    }
}

/// A rule that fired, with what it saw.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub rule: Rule,
    pub evidence: serde_json::Value,
}

/// What the storage layer found around a new evaluation, for the intake checks.
#[derive(Debug, Clone, Default)]
pub struct IntakeFacts<'a> {
    /// Earlier evaluations with the same contact hash inside the burst window (ids).
    pub same_contact: &'a [i64],
    /// Earlier online evaluations from the same client address inside the window (ids); empty for entries made
    /// by an operator on a citizen's behalf, whose address is the operator's.
    pub same_client: &'a [i64],
    /// The client's address, for online submissions.
    pub client_ip: Option<IpAddr>,
    /// Networks registered to the evaluated window (CIDR text).
    pub window_networks: &'a [String],
    pub comment: &'a str,
}

/// Every intake rule that fires for a new evaluation.
pub fn intake_signals(config: &IntegrityConfig, facts: &IntakeFacts<'_>) -> Vec<Signal> {
    if !config.enabled {
        return Vec::new();
    }
    let mut signals = Vec::new();
    if facts.same_contact.len() as u32 + 1 >= config.contact_burst.max(2) {
        signals.push(Signal {
            rule: Rule::ContactBurst,
            evidence: json!({"minutes": config.burst_minutes, "count": facts.same_contact.len() + 1,
                "earlier_evaluations": facts.same_contact}),
        });
    }
    if facts.same_client.len() as u32 + 1 >= config.client_burst.max(2) {
        signals.push(Signal {
            rule: Rule::ClientBurst,
            evidence: json!({"minutes": config.burst_minutes, "count": facts.same_client.len() + 1,
                "earlier_evaluations": facts.same_client}),
        });
    }
    if let Some(ip) = facts.client_ip
        && let Some(network) = facts.window_networks.iter().find(|n| cidr_contains(n, ip))
    {
        signals.push(Signal { rule: Rule::OwnTerminal, evidence: json!({"network": network}) });
    }
    let words = abusive_words(config, facts.comment);
    if !words.is_empty() {
        signals.push(Signal { rule: Rule::AbusiveText, evidence: json!({"words": words}) });
    }
    signals
}

fn abusive_words(config: &IntegrityConfig, comment: &str) -> Vec<String> {
    let compact: String = comment.chars().filter(|c| !c.is_whitespace()).collect();
    config.abusive_words.iter().filter(|w| !w.is_empty() && compact.contains(w.as_str())).cloned().collect()
}

/// Parses `10.1.2.0/24`, `fd00::/8` or a single address.
pub fn parse_cidr(text: &str) -> Option<(IpAddr, u8)> {
    let (addr, bits) = match text.trim().split_once('/') {
        Some((addr, bits)) => (addr.parse::<IpAddr>().ok()?, bits.parse::<u8>().ok()?),
        None => {
            let addr = text.trim().parse::<IpAddr>().ok()?;
            (addr, if addr.is_ipv4() { 32 } else { 128 })
        }
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((addr, bits))
}

/// Whether `ip` lies in the network `cidr` (IPv4-mapped IPv6 addresses count as IPv4).
pub fn cidr_contains(cidr: &str, ip: IpAddr) -> bool {
    let Some((network, bits)) = parse_cidr(cidr) else { return false };
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    };
    match (network, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - u32::from(bits)) };
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - u32::from(bits)) };
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

/// A comment reduced to what matters for comparing wording: letters and digits only, lower-case.
pub fn normalize_comment(comment: &str) -> String {
    comment.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// One evaluation as the sweep sees it.
#[derive(Debug, Clone)]
pub struct SweepItem {
    pub id: i64,
    pub window_id: i64,
    pub level: i64,
    pub comment: String,
    /// Blind index of the evaluator's phone, if given.
    pub contact: Option<String>,
}

/// The window-based rules over the evaluations of the sweep period: every evaluation in a group that crosses a
/// threshold gets a signal naming the whole group.
pub fn sweep_signals(config: &IntegrityConfig, items: &[SweepItem]) -> Vec<(i64, Signal)> {
    use std::collections::{BTreeMap, BTreeSet};
    if !config.enabled {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut by_wording: BTreeMap<(i64, String), Vec<i64>> = BTreeMap::new();
    for item in items {
        let text = normalize_comment(&item.comment);
        if text.chars().count() >= config.identical_min_chars as usize {
            by_wording.entry((item.window_id, text)).or_default().push(item.id);
        }
    }
    for ((window_id, text), ids) in by_wording {
        if ids.len() as u32 >= config.identical_comments.max(2) {
            let evidence =
                json!({"window_id": window_id, "wording": text, "evaluations": ids, "days": config.sweep_days});
            out.extend(
                ids.iter().map(|id| (*id, Signal { rule: Rule::IdenticalComments, evidence: evidence.clone() })),
            );
        }
    }
    let mut bad_by_contact: BTreeMap<&str, (BTreeSet<i64>, Vec<i64>)> = BTreeMap::new();
    for item in items.iter().filter(|i| i.level <= 2) {
        if let Some(contact) = item.contact.as_deref() {
            let entry = bad_by_contact.entry(contact).or_default();
            entry.0.insert(item.window_id);
            entry.1.push(item.id);
        }
    }
    for (windows, ids) in bad_by_contact.into_values() {
        if windows.len() as u32 >= config.serial_bad_windows.max(2) {
            let evidence = json!({"windows": windows, "evaluations": ids, "days": config.sweep_days});
            out.extend(
                ids.iter().map(|id| (*id, Signal { rule: Rule::SerialBadReviewer, evidence: evidence.clone() })),
            );
        }
    }
    out
}

/// One staff member's day, from the statistics aggregate: adopted praises (满意, 非常满意) and finished cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffDay {
    pub staff_id: i64,
    /// YYYY-MM-DD, UTC+8.
    pub day: String,
    pub praises: i64,
    pub cases: i64,
}

/// The staff days whose praise is out of proportion to their case volume: at least `praise_min` praises and
/// more than `praise_per_case_percent` % of the cases finished that day (刷好评 for one person).
pub fn disproportionate_praise<'a>(config: &IntegrityConfig, days: &'a [StaffDay]) -> Vec<&'a StaffDay> {
    if !config.enabled {
        return Vec::new();
    }
    days.iter()
        .filter(|d| {
            d.praises >= i64::from(config.praise_min.max(1))
                && d.praises * 100 > d.cases * i64::from(config.praise_per_case_percent)
        })
        .collect()
}

/// The signal on each praise of such a day, naming all of them and the numbers compared.
pub fn praise_signal(config: &IntegrityConfig, day: &StaffDay, evaluations: &[i64]) -> Signal {
    Signal {
        rule: Rule::PraiseOutOfProportion,
        evidence: json!({
            "staff_id": day.staff_id, "day": day.day, "praises": day.praises, "cases": day.cases,
            "praise_per_case_percent": config.praise_per_case_percent, "evaluations": evaluations,
        }),
    }
}

/// What a rule is about: the flags of one rule with one subject are one case (one campaign, one evaluator) and
/// are judged together. A new rule names its subject here and its flags group like the others'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// One phone number's evaluations of one window.
    ContactAtWindow,
    /// One client address's evaluations of one window.
    ClientAtWindow,
    /// Everything of one window.
    Window,
    /// One evaluator (by phone number), or the single evaluation when no number was given.
    Evaluator,
    /// One window's evaluations with one wording.
    WindowWording,
    /// One staff member's day.
    StaffDay,
}

impl Rule {
    pub fn subject(self) -> Subject {
        match self {
            Rule::ContactBurst => Subject::ContactAtWindow,
            Rule::ClientBurst => Subject::ClientAtWindow,
            Rule::OwnTerminal => Subject::Window,
            Rule::AbusiveText | Rule::SerialBadReviewer => Subject::Evaluator,
            Rule::IdenticalComments => Subject::WindowWording,
            Rule::PraiseOutOfProportion => Subject::StaffDay,
        }
    }
}

/// A flag as the grouping sees it: its rule and evidence, and the ids and blind indexes of its evaluation.
#[derive(Debug, Clone, Copy)]
pub struct FlagFacts<'a> {
    pub rule: Rule,
    pub evidence: &'a serde_json::Value,
    pub evaluation_id: i64,
    pub window_id: Option<i64>,
    pub staff_id: Option<i64>,
    /// Blind index of the evaluator's phone.
    pub contact: Option<&'a str>,
    /// Blind index of the client address.
    pub client: Option<&'a str>,
}

/// The key of the group a flag belongs to: `rule.subject`, of `[a-z0-9_.-]` only (it travels in addresses).
/// Phone and address indexes and wordings enter hashed, so the key names no evaluator.
pub fn group_key(f: &FlagFacts<'_>) -> String {
    let window = f.window_id.map_or_else(|| "w0".to_owned(), |id| format!("w{id}"));
    let hashed = |prefix: &str, text: Option<&str>| match text {
        Some(t) => format!("{prefix}{:016x}", fnv1a(t)),
        None => format!("e{}", f.evaluation_id),
    };
    let subject = match f.rule.subject() {
        Subject::ContactAtWindow => format!("{}-{window}", hashed("c", f.contact)),
        Subject::ClientAtWindow => format!("{}-{window}", hashed("a", f.client)),
        Subject::Window => window,
        Subject::Evaluator => hashed("c", f.contact),
        Subject::WindowWording => format!("{window}-{}", hashed("t", f.evidence["wording"].as_str())),
        Subject::StaffDay => {
            let day = f.evidence["day"].as_str().unwrap_or_default().replace('-', "");
            format!("s{}-d{day}", f.staff_id.unwrap_or_default())
        }
    };
    format!("{}.{subject}", f.rule.code())
}

/// FNV-1a, 64 bits: a stable short digest for keys (not for secrecy; the indexes hashed are already keyed).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// Whether `key` can be a group key (what [`group_key`] makes), before it is looked for.
pub fn is_group_key(key: &str) -> bool {
    key.len() <= 120
        && key.split_once('.').is_some_and(|(rule, _)| Rule::from_code(rule).is_some())
        && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-'))
}

crate::coded! {
    /// Where a flag stands in the review queue.
    pub enum FlagStatus {
        Open => "open", "待认定";
        Confirmed => "confirmed", "已认定";
        Dismissed => "dismissed", "已排除";
    }
}

crate::coded! {
    /// Why a supervisor confirmed a flag: the evaluation is then not adopted for this reason.
    pub enum FlagReason {
        /// 刷好评.
        FakePraise => "fake_praise", "刷好评";
        /// 恶意差评.
        Malicious => "malicious", "恶意差评";
        /// 重复评价.
        Duplicate => "duplicate", "重复评价";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_sweep_finds_templated_wording_and_serial_bad_reviewers_only() {
        let config = IntegrityConfig::default();
        let item = |id: i64, window_id: i64, level: i64, comment: &str, contact: Option<&str>| SweepItem {
            id,
            window_id,
            level,
            comment: comment.into(),
            contact: contact.map(String::from),
        };
        let mut items: Vec<SweepItem> = (1..=5).map(|id| item(id, 7, 5, "服务热情周到，办事效率高！", None)).collect();
        // Same words at another window, short common praise, and ordinary bad reviews are not flagged.
        items.push(item(6, 8, 5, "服务热情周到，办事效率高", None));
        items.extend((10..20).map(|id| item(id, 7, 5, "很好", None)));
        items.push(item(30, 7, 2, "等了很久", Some("h1")));
        items.push(item(31, 8, 1, "材料退回三次", Some("h1")));
        let signals = sweep_signals(&config, &items);
        assert!(signals.iter().all(|(_, s)| s.rule == Rule::IdenticalComments));
        assert_eq!(signals.iter().map(|(id, _)| *id).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        assert_eq!(signals[0].1.evidence["evaluations"], json!([1, 2, 3, 4, 5]));

        items.push(item(32, 9, 2, "态度差", Some("h1")));
        let serial: Vec<i64> = sweep_signals(&config, &items)
            .into_iter()
            .filter(|(_, s)| s.rule == Rule::SerialBadReviewer)
            .map(|(id, _)| id)
            .collect();
        assert_eq!(serial, [30, 31, 32]);
    }

    #[test]
    fn flags_group_by_rule_and_what_the_rule_is_about() {
        let evidence = json!({"count": 3});
        let flag = |rule: Rule, evaluation_id: i64, window_id: i64, contact: Option<&'static str>| FlagFacts {
            rule,
            evidence: &evidence,
            evaluation_id,
            window_id: Some(window_id),
            staff_id: Some(2),
            contact,
            client: Some("ip-1"),
        };
        let key = |f: FlagFacts<'_>| group_key(&f);
        // A burst of one phone at one window is one case, however many evaluations it flagged…
        let burst = key(flag(Rule::ContactBurst, 1, 7, Some("h1")));
        assert_eq!(burst, key(flag(Rule::ContactBurst, 2, 7, Some("h1"))));
        assert!(burst.starts_with("contact_burst.c") && burst.ends_with("-w7"), "{burst}");
        assert!(!burst.contains("h1"), "no index in the key");
        // …another phone, another window or another rule is another case.
        assert_ne!(burst, key(flag(Rule::ContactBurst, 3, 7, Some("h2"))));
        assert_ne!(burst, key(flag(Rule::ContactBurst, 4, 8, Some("h1"))));
        assert_ne!(burst, key(flag(Rule::SerialBadReviewer, 1, 7, Some("h1"))));
        // A serial bad reviewer is one evaluator across windows; without a phone, each evaluation stands alone.
        let serial = key(flag(Rule::SerialBadReviewer, 5, 7, Some("h1")));
        assert_eq!(serial, key(flag(Rule::SerialBadReviewer, 6, 9, Some("h1"))));
        assert_eq!(key(flag(Rule::AbusiveText, 6, 9, None)), "abusive_text.e6");
        assert_eq!(key(flag(Rule::OwnTerminal, 6, 9, None)), "own_terminal.w9");
        let day = json!({"day": "2026-10-12"});
        let praise = FlagFacts { evidence: &day, ..flag(Rule::PraiseOutOfProportion, 8, 7, None) };
        assert_eq!(group_key(&praise), "praise_out_of_proportion.s2-d20261012");
        for rule in Rule::ALL {
            let k = key(flag(rule, 9, 7, Some("h1")));
            assert!(is_group_key(&k), "{k}");
        }
        assert!(!is_group_key("nope.w1") && !is_group_key("own_terminal.W1") && !is_group_key("own_terminal/w1"));
    }

    #[test]
    fn networks_match_by_prefix() {
        assert!(cidr_contains("10.1.2.0/24", ip("10.1.2.200")));
        assert!(!cidr_contains("10.1.2.0/24", ip("10.1.3.1")));
        assert!(cidr_contains("10.1.2.7", ip("10.1.2.7")));
        assert!(cidr_contains("10.1.2.0/24", ip("::ffff:10.1.2.9")), "IPv4-mapped addresses count");
        assert!(cidr_contains("fd00::/8", ip("fd12::1")));
        assert!(cidr_contains("0.0.0.0/0", ip("192.168.0.1")));
        assert!(!cidr_contains("10.1.2.0/33", ip("10.1.2.1")));
        assert!(parse_cidr("not an address").is_none());
    }

    #[test]
    fn each_intake_rule_fires_on_its_pattern_and_not_on_ordinary_traffic() {
        let config = IntegrityConfig::default();
        let networks = vec!["10.8.0.0/16".to_owned()];
        let ordinary = IntakeFacts {
            same_contact: &[11],
            same_client: &[1, 2, 3],
            client_ip: Some(ip("172.16.0.5")),
            window_networks: &networks,
            comment: "办理很快，工作人员很耐心",
        };
        assert!(intake_signals(&config, &ordinary).is_empty());

        let brushing = IntakeFacts { same_contact: &[11, 12], ..ordinary.clone() };
        let signals = intake_signals(&config, &brushing);
        assert_eq!(signals.iter().map(|s| s.rule).collect::<Vec<_>>(), [Rule::ContactBurst]);
        assert_eq!(signals[0].evidence["earlier_evaluations"], json!([11, 12]));

        let flood = IntakeFacts { same_client: &[1, 2, 3, 4, 5, 6, 7, 8, 9], ..ordinary.clone() };
        assert_eq!(intake_signals(&config, &flood)[0].rule, Rule::ClientBurst);

        let own = IntakeFacts { client_ip: Some(ip("10.8.3.4")), ..ordinary.clone() };
        assert_eq!(intake_signals(&config, &own)[0].evidence, json!({"network": "10.8.0.0/16"}));

        let abuse = IntakeFacts { comment: "你们都是 废 物", ..ordinary.clone() };
        assert_eq!(intake_signals(&config, &abuse)[0].evidence, json!({"words": ["废物"]}));

        let off = IntegrityConfig { enabled: false, ..config };
        assert!(intake_signals(&off, &abuse).is_empty());
    }

    #[test]
    fn praise_beyond_the_case_volume_of_the_day_is_flagged_and_busy_ordinary_days_are_not() {
        let config = IntegrityConfig::default();
        let day =
            |staff_id: i64, praises: i64, cases: i64| StaffDay { staff_id, day: "2026-10-12".into(), praises, cases };
        let days = [
            day(1, 30, 4),  // thirty praises for four cases
            day(2, 25, 20), // a busy, well-liked day
            day(3, 9, 0),   // below the minimum: too few to judge
            day(4, 10, 6),  // 10 > 1.5 × 6 = 9
            day(5, 12, 8),  // 12 = 1.5 × 8: not more
        ];
        let fired: Vec<i64> = disproportionate_praise(&config, &days).iter().map(|d| d.staff_id).collect();
        assert_eq!(fired, vec![1, 4]);
        let signal = praise_signal(&config, &days[0], &[7, 8]);
        assert_eq!(signal.rule.code(), "praise_out_of_proportion");
        assert_eq!(signal.evidence["praises"], 30);
        assert_eq!(signal.evidence["cases"], 4);
        assert_eq!(signal.evidence["evaluations"], json!([7, 8]));
        let off = IntegrityConfig { enabled: false, ..config };
        assert!(disproportionate_praise(&off, &days).is_empty());
    }
}
