//! Hostile import files: the committed corpus (`crates/hcp-server/tests/corpus`, written by its `make.py`) and
//! the files too large to commit, generated here. Each comes with the status the import API must answer.

use std::io::{Cursor, Write};
use std::path::PathBuf;

use reqwest::StatusCode;

/// One hostile file and what importing it must give.
pub struct Hostile {
    pub name: String,
    pub bytes: Vec<u8>,
    /// `csv` or `xlsx`: the Content-Type to send and the extension of the name.
    pub extension: &'static str,
    pub status: StatusCode,
    /// The API's `error.code` (empty when the file is imported, `status` 200).
    pub code: &'static str,
}

impl Hostile {
    pub fn content_type(&self) -> &'static str {
        match self.extension {
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _ => "text/csv",
        }
    }
}

pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../hcp-server/tests/corpus")
}

/// A corpus file's bytes, e.g. `corpus("holiday/2027-placeholder.json")`.
pub fn corpus(path: &str) -> Vec<u8> {
    let path = corpus_dir().join(path);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const MB: usize = 1024 * 1024;

/// Every import file of the corpus and the generated ones, with the answer each must get.
pub fn import_files() -> Vec<Hostile> {
    use StatusCode as S;
    let committed: [(&str, StatusCode, &str); 18] = [
        ("xlsx/xfd1048576.xlsx", S::PAYLOAD_TOO_LARGE, "payload_too_large"),
        ("xlsx/xfd1048576-no-dimension.xlsx", S::PAYLOAD_TOO_LARGE, "payload_too_large"),
        ("xlsx/dimension-lies.xlsx", S::PAYLOAD_TOO_LARGE, "payload_too_large"),
        ("xlsx/truncated.xlsx", S::BAD_REQUEST, "invalid_file"),
        ("xlsx/not-a-workbook.xlsx", S::BAD_REQUEST, "invalid_file"),
        ("xlsx/garbage.xlsx", S::BAD_REQUEST, "invalid_file"),
        ("xlsx/empty.xlsx", S::BAD_REQUEST, "invalid_file"),
        ("xlsx/control-character.xlsx", S::UNPROCESSABLE_ENTITY, "validation_failed"),
        ("csv/nul-row.csv", S::UNPROCESSABLE_ENTITY, "validation_failed"),
        ("csv/control-escape.csv", S::UNPROCESSABLE_ENTITY, "validation_failed"),
        ("csv/invalid-utf8.csv", S::BAD_REQUEST, "invalid_file"),
        ("csv/bom-only.csv", S::BAD_REQUEST, "invalid_file"),
        ("csv/utf16.csv", S::BAD_REQUEST, "invalid_file"),
        ("csv/header-only.csv", S::BAD_REQUEST, "invalid_file"),
        ("csv/zip-named-csv.csv", S::BAD_REQUEST, "invalid_file"),
        ("csv/unbalanced-quotes.csv", S::OK, ""),
        ("csv/cr-only.csv", S::OK, ""),
        ("xlsx/good.xlsx", S::OK, ""),
    ];
    let mut files: Vec<Hostile> = committed
        .into_iter()
        .map(|(path, status, code)| Hostile {
            name: path.to_owned(),
            bytes: corpus(path),
            extension: if path.ends_with(".xlsx") { "xlsx" } else { "csv" },
            status,
            code,
        })
        .collect();
    let generated =
        |name: &str, bytes, extension, status, code| Hostile { name: name.to_owned(), bytes, extension, status, code };
    files.push(generated("zip bomb (130 MB sheet)", bomb(), "xlsx", S::PAYLOAD_TOO_LARGE, "payload_too_large"));
    files.push(generated(
        "65 MB sharedStrings",
        huge_shared_strings(),
        "xlsx",
        S::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    ));
    files.push(generated(
        "100000 columns",
        hundred_thousand_columns(),
        "csv",
        S::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    ));
    // A 1 MB comment: the row is reported, the file is read.
    files.push(generated("1 MB field", megabyte_field(), "csv", S::OK, ""));
    files
}

fn parts_workbook(
    sheet_head: &str,
    filler: &[u8],
    times: usize,
    extra: Option<(&str, &str, &[u8], usize, &str)>,
) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(true);
    let fixed = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, text) in fixed {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    let mut write_part = |name: &str, head: &str, unit: &[u8], times: usize, tail: &str| {
        zip.start_file(name, options).unwrap();
        zip.write_all(head.as_bytes()).unwrap();
        let per_chunk = (MB / unit.len().max(1)).max(1);
        let chunk = unit.repeat(per_chunk);
        let mut left = if unit.is_empty() { 0 } else { times };
        while left > 0 {
            let n = left.min(per_chunk);
            zip.write_all(&chunk[..n * unit.len()]).unwrap();
            left -= n;
        }
        zip.write_all(tail.as_bytes()).unwrap();
    };
    write_part("xl/worksheets/sheet1.xml", sheet_head, filler, times, "</sheetData></worksheet>");
    if let Some((name, head, unit, times, tail)) = extra {
        write_part(name, head, unit, times, tail);
    }
    zip.finish().unwrap().into_inner()
}

const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>渠道</t></is></c><c r="B1" t="inlineStr"><is><t>窗口编号</t></is></c><c r="C1" t="inlineStr"><is><t>评价等级</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>paper</t></is></c><c r="B2" t="inlineStr"><is><t>W-SC-01</t></is></c><c r="C2"><v>5</v></c></row>"#;

/// A workbook of about 130 KB whose sheet inflates to 130 MB of blanks.
pub fn bomb() -> Vec<u8> {
    parts_workbook(SHEET_HEAD, b" ", 130 * MB, None)
}

/// A workbook whose shared strings part inflates to 65 MB.
pub fn huge_shared_strings() -> Vec<u8> {
    let head = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;
    parts_workbook(
        SHEET_HEAD,
        b"",
        0,
        Some(("xl/sharedStrings.xml", head, b"<si><t>a</t></si>", 65 * MB / 16, "</sst>")),
    )
}

pub fn hundred_thousand_columns() -> Vec<u8> {
    let header = (0..100_000).map(|i| format!("c{i}")).collect::<Vec<_>>().join(",");
    format!("{header}\n1\n").into_bytes()
}

pub fn megabyte_field() -> Vec<u8> {
    format!("渠道,窗口编号,评价等级,评价内容\npaper,W-SC-01,5,{}\n", "长".repeat(MB / 3)).into_bytes()
}
