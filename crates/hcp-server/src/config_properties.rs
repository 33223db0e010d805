//! Property and corpus tests of configuration parsing: whatever the text, [`Config::parse`] answers with a
//! configuration or a message, never a panic.

use proptest::prelude::*;

use super::*;

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        Just("99999999999999999999999".to_owned()),
        Just("-1".to_owned()),
        Just("1e400".to_owned()),
        any::<bool>().prop_map(|b| b.to_string()),
        "\\PC{0,20}".prop_map(|s| format!("{s:?}")),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
        Just("\"\\u0000\"".to_owned()),
    ]
}

/// Keys of the configuration file and a few that are not.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("listen".to_owned()),
        Just("database_url".to_owned()),
        Just("data_dir".to_owned()),
        Just("upload.max_import_bytes".to_owned()),
        Just("upload.max_attachment_bytes".to_owned()),
        Just("notify.file".to_owned()),
        Just("upward.url".to_owned()),
        "[a-z_]{1,10}(\\.[a-z_]{1,10})?",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_text_is_answered_without_a_panic(text in "\\PC{0,200}") {
        let _ = Config::parse(&text);
    }

    #[test]
    fn keys_with_values_of_any_type_are_answered_without_a_panic(pairs in prop::collection::vec((key(), value()), 0..8)) {
        let text: String = pairs.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
        if let Err(message) = Config::parse(&text) {
            prop_assert!(!message.is_empty());
        }
    }
}

#[test]
fn the_corpus_config_files_are_refused_with_a_message() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/config");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let Ok(text) = std::fs::read_to_string(&path) else {
            // Not UTF-8: Config::load reports it before parsing.
            assert!(Config::load(Some(&path), None).is_err(), "{}", path.display());
            continue;
        };
        let err = Config::parse(&text).expect_err(&path.display().to_string());
        assert!(!err.is_empty());
    }
}
