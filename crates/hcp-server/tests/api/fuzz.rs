//! Property tests over every operation of the API document, against the real server on both backends: bodies
//! built from each operation's own field names with values of any type (control characters, extreme numbers,
//! nested junk), query strings of any text, path ids and tracking codes of any shape. Whatever comes in, the
//! answer is never a server error, and an error is always in the API's JSON shape. Bounded (a few dozen cases
//! per operation) so that CI stays fast; Schemathesis goes deeper by hand (README).

use std::collections::BTreeMap;

use hcp_testkit::{Backend, TestApp};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value};

hcp_store::on_both_backends!(no_input_makes_any_operation_fail_on_our_side);

const CASES_PER_OPERATION: usize = 24;

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-3i64..8).prop_map(Value::from),
        any::<f64>().prop_filter("JSON has no NaN", |f| f.is_finite()).prop_map(Value::from),
        "\\PC{0,24}".prop_map(Value::from),
        "[\\x00-\\x1f\\x7f]{1,3}".prop_map(Value::from),
        prop_oneof![
            Just("2026-10-12"),
            Just("2026-10-12T10:00:00+08:00"),
            Just("W-SC-01"),
            Just("S002"),
            Just("C-001"),
            Just("qrcode"),
            Just(".."),
            Just("9999-99-99"),
        ]
        .prop_map(Value::from),
        "[a-z]{0,4}".prop_map(|s| Value::from(s.repeat(3000))),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A body for an operation whose fields are `names`: each field present or not, with any value; sometimes
/// not an object at all.
fn body(names: Vec<String>) -> impl Strategy<Value = Value> {
    let n = names.len();
    prop_oneof![
        9 => (proptest::collection::vec(any::<bool>(), n), proptest::collection::vec(value(), n)).prop_map(
            move |(present, values)| {
                let fields = names
                    .iter()
                    .zip(present.into_iter().zip(values))
                    .filter(|(_, (present, _))| *present)
                    .map(|(name, (_, value))| (name.clone(), value))
                    .collect::<Map<_, _>>();
                Value::Object(fields)
            }
        ),
        1 => value(),
    ]
}

fn path_segment() -> impl Strategy<Value = String> {
    prop_oneof![
        (1i64..40).prop_map(|i| i.to_string()),
        Just("0".to_owned()),
        Just("-1".to_owned()),
        Just("9223372036854775807".to_owned()),
        Just("99999999999999999999".to_owned()),
        Just("2026-10-12".to_owned()),
        Just("2027".to_owned()),
        "[EC][A-Z0-9]{0,12}",
        "[a-zA-Z0-9._~-]{1,12}",
        "(%[0-9A-F]{2}){1,4}",
    ]
}

fn query(names: Vec<String>) -> impl Strategy<Value = String> {
    let n = names.len();
    (proptest::collection::vec(any::<bool>(), n), proptest::collection::vec("[ -~]{0,12}|\\PC{0,6}|-?[0-9]{1,20}", n))
        .prop_map(move |(present, values)| {
            let mut out = form_urlencoded::Serializer::new(String::new());
            for (name, (present, value)) in names.iter().zip(present.into_iter().zip(values)) {
                if present {
                    out.append_pair(name, &value);
                }
            }
            out.finish()
        })
}

struct Operation {
    method: Method,
    path: String,
    body_fields: Option<Vec<String>>,
    query_params: Vec<String>,
}

fn operations(doc: &Value) -> Vec<Operation> {
    let schemas = &doc["components"]["schemas"];
    let fields_of = |schema: &Value| -> Vec<String> {
        let schema = match schema["$ref"].as_str() {
            Some(reference) => &schemas[reference.trim_start_matches("#/components/schemas/")],
            None => schema,
        };
        schema["properties"].as_object().map(|p| p.keys().cloned().collect()).unwrap_or_default()
    };
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let method = match method.as_str() {
                "get" => Method::GET,
                "post" => Method::POST,
                "put" => Method::PUT,
                "patch" => Method::PATCH,
                "delete" => Method::DELETE,
                _ => continue,
            };
            // Signing out would end the sessions the cases use.
            if operation["operationId"] == "sign_out" {
                continue;
            }
            let body_fields = operation["requestBody"]["content"]["application/json"].get("schema").map(&fields_of);
            let query_params = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect();
            found.push(Operation { method, path: path.clone(), body_fields, query_params });
        }
    }
    found
}

/// One value drawn from `strategy`.
fn draw<S: Strategy>(runner: &mut TestRunner, strategy: &S) -> S::Value {
    strategy.new_tree(runner).expect("a value").current()
}

async fn no_input_makes_any_operation_fail_on_our_side(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut callers = vec![None];
    for user in ["supervisor", "admin", "window_head", "hotline_operator"] {
        callers.push(Some(app.login(user).await));
    }
    let (_, doc) = app.get("/api/openapi.json", None).await;
    let operations = operations(&doc);
    assert!(operations.len() >= 60, "the document lists the operations: {}", operations.len());
    let mut runner = TestRunner::new(RunnerConfig { cases: 1, ..RunnerConfig::default() });
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for operation in &operations {
        for case in 0..CASES_PER_OPERATION {
            let mut path = operation.path.clone();
            while let (Some(start), Some(end)) = (path.find('{'), path.find('}')) {
                path.replace_range(start..=end, &draw(&mut runner, &path_segment()));
            }
            if !operation.query_params.is_empty() {
                let q = draw(&mut runner, &query(operation.query_params.clone()));
                path = format!("{path}?{q}");
            }
            let body = operation.body_fields.clone().map(|fields| draw(&mut runner, &body(fields)));
            let caller = callers[case % callers.len()].as_deref();
            let (status, answer) = app.send(operation.method.clone(), &path, caller, &[], body.as_ref()).await;
            *statuses.entry(status.as_u16()).or_default() += 1;
            assert!(
                !status.is_server_error(),
                "{} {path} as {caller:?} with {body:?}: {status} {answer}",
                operation.method
            );
            if status.is_client_error() {
                assert!(
                    answer["error"]["code"].is_string(),
                    "{} {path}: {status} not in the error shape",
                    operation.method
                );
            }
        }
    }
    // The cases reached past the edge: some were accepted, most refused for what they held.
    assert!(statuses.keys().any(|s| (200..300).contains(s)), "{statuses:?}");
    assert!(statuses.get(&422).copied().unwrap_or(0) > 0, "{statuses:?}");
    assert_eq!(app.get("/healthz", None).await.0, StatusCode::OK);
}
