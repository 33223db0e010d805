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
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// One phone number evaluating again and again within minutes (刷评).
    ContactBurst,
    /// One client address submitting many online evaluations within minutes.
    ClientBurst,
    /// Submitted from a device or network registered to the evaluated window itself.
    OwnTerminal,
    /// Insulting language in the comment.
    AbusiveText,
}

impl Rule {
    pub const ALL: [Rule; 4] = [Rule::ContactBurst, Rule::ClientBurst, Rule::OwnTerminal, Rule::AbusiveText];

    pub fn code(self) -> &'static str {
        match self {
            Rule::ContactBurst => "contact_burst",
            Rule::ClientBurst => "client_burst",
            Rule::OwnTerminal => "own_terminal",
            Rule::AbusiveText => "abusive_text",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Rule::ContactBurst => "同一联系电话短时间内多次评价",
            Rule::ClientBurst => "同一网络地址短时间内大量评价",
            Rule::OwnTerminal => "来自被评价窗口自身的设备或网络",
            Rule::AbusiveText => "评价内容含辱骂等不文明用语",
        }
    }

    pub fn parse(text: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.code() == text)
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

/// A supervisor's judgment of a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FlagReason {
    /// 刷好评.
    FakePraise,
    /// 恶意差评.
    Malicious,
    /// 重复评价.
    Duplicate,
}

impl FlagReason {
    pub fn code(self) -> &'static str {
        match self {
            FlagReason::FakePraise => "fake_praise",
            FlagReason::Malicious => "malicious",
            FlagReason::Duplicate => "duplicate",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
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
}
