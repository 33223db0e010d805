//! Control characters in what a client sends are refused where it arrives, field by field, before any use case
//! or database sees them (`hcp_core::text` says which): in the path and query of every request, in every string
//! of a JSON body and in every form field.

use axum::http::Uri;
use hcp_core::FieldErrors;
use hcp_core::text::{CONTROL_CHARACTER, has_forbidden_control};

/// What is wrong with a request's address.
#[derive(Debug, PartialEq, Eq)]
pub enum UriProblem {
    /// A path segment holds a control character: it names nothing.
    Path,
    /// Query parameters holding one, by name.
    Query(FieldErrors),
}

pub fn uri_problem(uri: &Uri) -> Option<UriProblem> {
    let path = percent_decode(uri.path().as_bytes());
    if has_forbidden_control(&path) {
        return Some(UriProblem::Path);
    }
    let query = uri.query().unwrap_or("");
    let errors = pair_problems(form_urlencoded::parse(query.as_bytes()));
    (!errors.is_empty()).then_some(UriProblem::Query(errors))
}

fn percent_decode(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) =
                (bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex))
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Form fields or query parameters that hold a control character, by name.
pub fn pair_problems<K: AsRef<str>, V: AsRef<str>>(pairs: impl IntoIterator<Item = (K, V)>) -> FieldErrors {
    let mut errors = FieldErrors::default();
    for (name, value) in pairs {
        let (name, value) = (name.as_ref(), value.as_ref());
        if has_forbidden_control(name) {
            errors.add(printable(name), CONTROL_CHARACTER);
        } else if has_forbidden_control(value) {
            errors.add(name, CONTROL_CHARACTER);
        }
    }
    errors
}

/// Strings of a JSON body that hold a control character, by path (`comment`, `tags[2]`, `a.b`). Only bodies
/// that could hold one (an escape, DEL or a C1 control) are walked; the rest pass at the cost of one scan.
pub fn json_problems(bytes: &[u8]) -> FieldErrors {
    let mut errors = FieldErrors::default();
    if !might_hold_control(bytes) {
        return errors;
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) {
        walk(&value, "", &mut errors);
    }
    errors
}

fn might_hold_control(bytes: &[u8]) -> bool {
    // A raw control below U+0020 is not valid JSON; escaped ones (`\u0000`, `\b`, `\f`), DEL and C1 (UTF-8
    // C2 80–C2 9F) are.
    bytes.windows(2).any(|w| {
        matches!(w, b"\\u" | b"\\b" | b"\\f") || w[0] == 0x7f || (w[0] == 0xc2 && (0x80..=0x9f).contains(&w[1]))
    }) || bytes.last() == Some(&0x7f)
}

fn walk(value: &serde_json::Value, path: &str, errors: &mut FieldErrors) {
    let here = |path: &str| if path.is_empty() { "body".to_owned() } else { path.to_owned() };
    match value {
        serde_json::Value::String(text) if has_forbidden_control(text) => errors.add(here(path), CONTROL_CHARACTER),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{i}]"), errors);
            }
        }
        serde_json::Value::Object(fields) => {
            for (name, item) in fields {
                let child = if path.is_empty() { printable(name) } else { format!("{path}.{}", printable(name)) };
                if has_forbidden_control(name) {
                    errors.add(child, CONTROL_CHARACTER);
                } else {
                    walk(item, &child, errors);
                }
            }
        }
        _ => {}
    }
}

/// A name as it can be shown back: control characters escaped.
fn printable(name: &str) -> String {
    name.chars().flat_map(char::escape_debug).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn json_strings_are_named_by_their_path() {
        let errors = json_problems(br#"{"comment":"a\u0000b","tags":["ok","x\u001b"],"n":{"deep":"\u007f"}}"#);
        let fields: Vec<&str> = errors.0.keys().map(String::as_str).collect();
        assert_eq!(fields, ["comment", "n.deep", "tags[1]"]);
        assert!(json_problems(r#"{"comment":"第一行\n第二行\t","level":1}"#.as_bytes()).is_empty());
        assert!(json_problems("{\"c\":\"\u{85}\"}".as_bytes()).0.contains_key("c"), "raw C1 control");
        assert!(json_problems(br#""\u0000""#).0.contains_key("body"));
        assert!(json_problems(br#"{"\u0000":1}"#).0.contains_key("\\0"));
    }

    #[test]
    fn paths_and_queries_are_checked_decoded() {
        assert_eq!(uri_problem(&"/e/W%00".parse().unwrap()), Some(UriProblem::Path));
        assert_eq!(uri_problem(&"/e/W-SC-01?x=1".parse().unwrap()), None);
        match uri_problem(&"/api/v1/tickets?window=a%00b&page=1".parse().unwrap()) {
            Some(UriProblem::Query(errors)) => assert!(errors.0.contains_key("window")),
            other => panic!("{other:?}"),
        }
        assert_eq!(uri_problem(&"/track?code=E%E4%B8%AD".parse().unwrap()), None, "UTF-8 is text");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any string put into a JSON body is refused exactly when it holds a forbidden control character,
        /// wherever it sits.
        #[test]
        fn json_check_agrees_with_the_rule(text in "\\PC{0,8}|[\\x00-\\x1f\\x7f\\u{80}-\\u{9f} a-z中]{0,8}", nested in any::<bool>()) {
            let body = if nested { serde_json::json!({"a": [{"b": text}]}) } else { serde_json::json!({"b": text}) };
            let bytes = serde_json::to_vec(&body).unwrap();
            prop_assert_eq!(!json_problems(&bytes).is_empty(), has_forbidden_control(&text));
        }

        /// Query strings of any bytes never panic, and a refused one names a parameter that holds a control.
        #[test]
        fn any_query_is_judged(query in "[a-z%0-9=&+]{0,40}") {
            if let Ok(uri) = format!("/x?{query}").parse::<Uri>()
                && let Some(UriProblem::Query(errors)) = uri_problem(&uri)
            {
                prop_assert!(!errors.is_empty());
            }
        }
    }
}
