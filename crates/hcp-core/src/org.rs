//! The organisation tree: codes, kinds and the materialised path used to scope every query to a subtree.

use serde::{Deserialize, Serialize};

crate::coded! {
    /// The kinds of node of the organisation tree.
    pub enum OrgKind {
        Center => "center", "政务服务中心";
        StreetCenter => "street_center", "街道便民服务中心";
        CommunityStation => "community_station", "社区(村)便民服务站";
        OnlinePlatform => "online_platform", "政务平台";
    }
}

/// A code such as a window code printed on a QR poster or an org unit code: short, ASCII, no spaces,
/// so it survives URLs, spreadsheets and being read out on the phone.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Code(String);

impl Code {
    pub fn parse(text: &str) -> Result<Code, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("编码不能为空".into());
        }
        if text.len() > 64 {
            return Err("编码不能超过64个字符".into());
        }
        if !text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.') {
            return Err("编码只能包含字母、数字、“-”、“_”和“.”".into());
        }
        // Codes are URL path segments (a window's QR page is `/w/<code>`): `.` and `..` would be resolved away.
        if !text.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err("编码应以字母或数字开头".into());
        }
        Ok(Code(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A display name: trimmed, not empty, bounded.
pub fn parse_name(text: &str, max_chars: usize) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("名称不能为空".into());
    }
    if text.chars().count() > max_chars {
        return Err(format!("名称不能超过{max_chars}个字"));
    }
    if !crate::text::is_single_line(text) {
        return Err("名称应为一行文字，不能包含换行、制表符或控制字符".into());
    }
    Ok(text.to_owned())
}

/// Materialised path of an org unit: "/1/", child "/1/7/". A subtree is every path with this prefix.
pub fn child_path(parent_path: Option<&str>, id: i64) -> String {
    match parent_path {
        Some(parent) => format!("{parent}{id}/"),
        None => format!("/{id}/"),
    }
}

pub fn path_contains(ancestor: &str, descendant: &str) -> bool {
    descendant.starts_with(ancestor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_short_ascii_tokens() {
        assert_eq!(Code::parse(" JK-001 ").unwrap().as_str(), "JK-001");
        assert!(Code::parse("").is_err());
        assert!(Code::parse("窗口1").is_err());
        assert!(Code::parse("a b").is_err());
        for not_a_segment in [".", "..", ".hidden", "-x", "_x"] {
            assert!(Code::parse(not_a_segment).is_err(), "{not_a_segment}");
        }
        assert_eq!(Code::parse("a.b-c_1").unwrap().as_str(), "a.b-c_1");
    }

    #[test]
    fn paths_nest() {
        let root = child_path(None, 1);
        let child = child_path(Some(&root), 7);
        assert_eq!(child, "/1/7/");
        assert!(path_contains(&root, &child));
        assert!(!path_contains(&child, &root));
        // "/1/" must not contain "/11/"
        assert!(!path_contains("/1/", "/11/"));
    }
}
