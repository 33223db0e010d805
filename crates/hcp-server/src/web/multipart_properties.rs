//! Property tests of the multipart parser: any bytes are answered without a panic, and a well-formed body
//! comes back as the parts it was made of.

use proptest::prelude::*;

use super::*;

/// Boundary characters RFC 2046 allows (bchars), without the space.
fn boundary_text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9'()+_,./:=?-]{1,70}"
}

#[derive(Debug, Clone)]
struct Field {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
    data: Vec<u8>,
}

fn field() -> impl Strategy<Value = Field> {
    (
        "[a-z_]{1,12}",
        prop::option::of("[A-Za-z0-9 ._\u{4e00}-\u{4e10}-]{0,16}"),
        prop::option::of(prop_oneof![Just("text/csv".to_owned()), Just("application/octet-stream".to_owned())]),
        prop::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(name, filename, content_type, data)| Field { name, filename, content_type, data })
}

fn body(boundary: &str, fields: &[Field]) -> Vec<u8> {
    let mut body = Vec::new();
    for f in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"", f.name).as_bytes(),
        );
        if let Some(filename) = &f.filename {
            body.extend_from_slice(format!("; filename=\"{filename}\"").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        if let Some(ct) = &f.content_type {
            body.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&f.data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_are_answered_without_a_panic(bytes in prop::collection::vec(any::<u8>(), 0..1024), b in "\\PC{0,20}") {
        let _ = parse(&bytes, &b);
        let _ = boundary(&format!("multipart/form-data; boundary={b}"));
        let _ = boundary(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn a_well_formed_body_gives_back_its_parts(b in boundary_text(), fields in prop::collection::vec(field(), 0..5)) {
        // Data that happens to contain the delimiter cannot be framed by it (a browser picks another boundary).
        let delimiter = format!("\r\n--{b}");
        prop_assume!(fields.iter().all(|f| !contains(&[b"\r\n".as_slice(), &f.data].concat(), delimiter.as_bytes())));
        let body = body(&b, &fields);
        let ct = format!("multipart/form-data; boundary=\"{b}\"");
        prop_assert_eq!(boundary(&ct), Some(b.clone()));
        let parts = parse(&body, &b).expect("well-formed");
        prop_assert_eq!(parts.len(), fields.len());
        for (part, f) in parts.iter().zip(&fields) {
            prop_assert_eq!(&part.name, &f.name);
            prop_assert_eq!(&part.filename, &f.filename);
            prop_assert_eq!(&part.content_type, &f.content_type);
            prop_assert_eq!(part.data, f.data.as_slice());
        }
    }

    #[test]
    fn a_cut_body_never_panics_and_never_invents_data(b in boundary_text(), fields in prop::collection::vec(field(), 1..4), cut in any::<prop::sample::Index>()) {
        let body = body(&b, &fields);
        let cut = cut.index(body.len());
        if let Some(parts) = parse(&body[..cut], &b) {
            let total: usize = fields.iter().map(|f| f.data.len()).sum();
            prop_assert!(parts.iter().map(|p| p.data.len()).sum::<usize>() <= total + body.len());
        }
    }
}
