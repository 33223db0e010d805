//! Where a request came from, as the audit and the owner's session list record it: the address and the
//! browser's user agent. No HTTP types: `edge::client` builds it from a request.

use std::net::IpAddr;

/// How many characters of the user agent are kept.
pub const USER_AGENT_CHARS: usize = 200;

/// The client of a sign-in (or of a refused request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub address: IpAddr,
    /// Trimmed to [`USER_AGENT_CHARS`] characters, control characters dropped.
    pub user_agent: String,
}

impl Client {
    pub fn new(address: IpAddr, user_agent: &str) -> Self {
        Client { address, user_agent: clean_user_agent(user_agent) }
    }

    /// `{"address", "user_agent"}` for an audit entry's details.
    pub fn details(&self) -> serde_json::Value {
        serde_json::json!({"address": self.address.to_string(), "user_agent": self.user_agent})
    }

    /// These details added to an entry's own.
    pub fn with(&self, mut details: serde_json::Value) -> serde_json::Value {
        if let Some(map) = details.as_object_mut() {
            map.insert("address".into(), self.address.to_string().into());
            map.insert("user_agent".into(), self.user_agent.clone().into());
        }
        details
    }
}

/// Control characters dropped, surrounding spaces trimmed, at most [`USER_AGENT_CHARS`] characters.
pub fn clean_user_agent(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_control()).collect::<String>().trim().chars().take(USER_AGENT_CHARS).collect()
}

/// A short form of a user agent for its owner's session list: "Chrome 131 / Windows"; the trimmed string
/// when nothing is recognised, "浏览器未知" when there is none.
pub fn describe_user_agent(user_agent: &str) -> String {
    let ua = user_agent.trim();
    if ua.is_empty() {
        return "浏览器未知".to_owned();
    }
    let version = |name: &str| -> Option<String> {
        let at = ua.find(name)? + name.len();
        let major: String = ua[at..].chars().take_while(|c| c.is_ascii_digit()).collect();
        Some(if major.is_empty() { String::new() } else { format!(" {major}") })
    };
    // Order matters: Edge and Opera name Chrome too, Chrome names Safari.
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("MicroMessenger/", "微信"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Version/", "Safari"),
    ]
    .iter()
    .find_map(|(token, name)| version(token).map(|v| format!("{name}{v}")));
    let system = [
        ("Windows", "Windows"),
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find_map(|(token, name)| ua.contains(token).then_some(*name));
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} / {s}"),
        (Some(b), None) => b,
        (None, Some(s)) => s.to_owned(),
        (None, None) => ua.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_are_cleaned_and_described() {
        let long = "x".repeat(300);
        assert_eq!(clean_user_agent(&long).chars().count(), 200);
        assert_eq!(clean_user_agent(" Mozilla\u{0}/5.0\n "), "Mozilla/5.0");
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                      Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(describe_user_agent(chrome), "Chrome 131 / Windows");
        let edge = format!("{chrome} Edg/131.0.2903.86");
        assert_eq!(describe_user_agent(&edge), "Edge 131 / Windows");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) \
                      Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_user_agent(iphone), "Safari 17 / iOS");
        assert_eq!(describe_user_agent("curl/8.5.0"), "curl/8.5.0");
        assert_eq!(describe_user_agent(""), "浏览器未知");
    }
}
