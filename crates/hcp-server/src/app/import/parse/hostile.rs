//! Files made to hurt: each is refused with its reason, quickly and in bounded memory. The same files go through
//! the real server in `tests/api/hostile.rs` and `tests/pages/web_hostile.rs`.

use std::io::Write;

use zip::write::SimpleFileOptions;

use super::*;

macro_rules! corpus {
    ($path:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/", $path)).as_slice()
    };
}

const MB: usize = 1024 * 1024;

/// A part of a generated workbook: `head`, then `unit` `times` times, then `tail` — written in pieces, so that a
/// part of hundreds of MB never exists in memory, only its deflated bytes.
pub(crate) struct Part {
    pub(crate) name: &'static str,
    pub(crate) head: String,
    pub(crate) unit: &'static str,
    pub(crate) times: usize,
    pub(crate) tail: String,
}

impl Part {
    pub(crate) fn plain(name: &'static str, text: &str) -> Part {
        Part { name, head: text.to_owned(), unit: "", times: 0, tail: String::new() }
    }
}

pub(crate) const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>渠道</t></is></c><c r="B1" t="inlineStr"><is><t>窗口编号</t></is></c><c r="C1" t="inlineStr"><is><t>评价等级</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>paper</t></is></c><c r="B2" t="inlineStr"><is><t>W01</t></is></c><c r="C2"><v>5</v></c></row>"#;
pub(crate) const SHEET_TAIL: &str = "</sheetData></worksheet>";

/// The parts every workbook needs (content types, relationships, the workbook) plus `parts`.
pub(crate) fn workbook(parts: Vec<Part>) -> Vec<u8> {
    let mut all = vec![
        Part::plain(
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#,
        ),
        Part::plain(
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        Part::plain(
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        Part::plain(
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    all.extend(parts);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(true);
    for part in all {
        zip.start_file(part.name, options).unwrap();
        zip.write_all(part.head.as_bytes()).unwrap();
        // 1 MB at a time: few calls, little memory.
        let chunk = part.unit.repeat((MB / part.unit.len().max(1)).max(1));
        let per_chunk = if part.unit.is_empty() { 0 } else { chunk.len() / part.unit.len() };
        let mut left = part.times;
        while left > 0 && per_chunk > 0 {
            let n = left.min(per_chunk);
            zip.write_all(&chunk.as_bytes()[..n * part.unit.len()]).unwrap();
            left -= n;
        }
        zip.write_all(part.tail.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

pub(crate) fn sheet(filler: &'static str, times: usize) -> Part {
    Part {
        name: "xl/worksheets/sheet1.xml",
        head: SHEET_HEAD.to_owned(),
        unit: filler,
        times,
        tail: SHEET_TAIL.to_owned(),
    }
}

/// A sheet of 130 MB of blanks, deflated to about 130 KB: over the limit of one part.
pub(crate) fn bomb() -> Vec<u8> {
    workbook(vec![sheet(" ", 130 * MB)])
}

/// Three 100 MB padding parts: each under the part limit, together over the workbook's.
pub(crate) fn wide_bomb() -> Vec<u8> {
    let pad = |name| Part { name, head: String::new(), unit: "\0", times: 100 * MB, tail: String::new() };
    workbook(vec![sheet("", 0), pad("xl/media/a.bin"), pad("xl/media/b.bin"), pad("xl/media/c.bin")])
}

/// A shared strings part of 65 MB (a million one-letter strings and more), which calamine would load whole.
pub(crate) fn huge_shared_strings() -> Vec<u8> {
    let head = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;
    workbook(vec![
        sheet("", 0),
        Part {
            name: "xl/sharedStrings.xml",
            head: head.to_owned(),
            unit: "<si><t>a</t></si>",
            times: 65 * MB / 16,
            tail: "</sst>".to_owned(),
        },
    ])
}

#[test]
fn the_issues_xfd1048576_workbook_is_refused_by_its_dimension() {
    let bytes = corpus!("xlsx/xfd1048576.xlsx");
    assert!(bytes.len() < 2_000, "the issue's file is 1.6 KB, this one {}", bytes.len());
    let err = parse(bytes, FileFormat::Xlsx).unwrap_err();
    assert_eq!(err, FileError::SheetTooLarge { range: "A1:XFD1048576".into() });
    assert!(err.is_over_limit());
    assert!(err.to_string().contains("100000行、256列"), "{err}");
}

#[test]
fn a_far_cell_without_a_dimension_is_refused_while_streaming() {
    let err = parse(corpus!("xlsx/xfd1048576-no-dimension.xlsx"), FileFormat::Xlsx).unwrap_err();
    assert_eq!(err, FileError::CellOutOfBounds { cell: "XFD1048576".into() });
}

#[test]
fn a_dimension_claiming_the_whole_sheet_is_refused_even_over_two_rows() {
    // Refused on the claim alone: the message tells the user how to clear it.
    let err = parse(corpus!("xlsx/dimension-lies.xlsx"), FileFormat::Xlsx).unwrap_err();
    assert!(matches!(err, FileError::SheetTooLarge { .. }), "{err:?}");
}

#[test]
fn the_corpus_control_workbook_parses() {
    let parsed = parse(corpus!("xlsx/good.xlsx"), FileFormat::Xlsx).unwrap();
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.rows[0].input.window_code.as_deref(), Some("W-SC-01"));
}

#[test]
fn broken_workbooks_are_unreadable_not_panics() {
    for (name, bytes) in [
        ("truncated", corpus!("xlsx/truncated.xlsx")),
        ("not a workbook", corpus!("xlsx/not-a-workbook.xlsx")),
        ("garbage", corpus!("xlsx/garbage.xlsx")),
    ] {
        let err = parse(bytes, FileFormat::Xlsx).unwrap_err();
        assert!(matches!(err, FileError::Xlsx { .. }), "{name}: {err:?}");
    }
    assert_eq!(parse(corpus!("xlsx/empty.xlsx"), FileFormat::Xlsx).unwrap_err(), FileError::Empty);
}

#[test]
fn a_highly_compressed_sheet_is_refused_by_its_inflated_size() {
    let bytes = bomb();
    assert!(bytes.len() < 1024 * 1024, "{}", bytes.len());
    let started = std::time::Instant::now();
    let err = parse(&bytes, FileFormat::Xlsx).unwrap_err();
    assert_eq!(err, FileError::PartTooLarge { part: "一个部件", limit_mb: 128 });
    assert!(err.is_over_limit());
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
}

#[test]
fn parts_under_their_own_limit_are_refused_together() {
    assert_eq!(parse(&wide_bomb(), FileFormat::Xlsx).unwrap_err(), FileError::UnpackedTooLarge { limit_mb: 256 });
}

#[test]
fn a_huge_shared_strings_part_is_refused_before_calamine_loads_it() {
    let err = parse(&huge_shared_strings(), FileFormat::Xlsx).unwrap_err();
    assert_eq!(err, FileError::PartTooLarge { part: "文字内容（共享字符串表）", limit_mb: 64 });
    assert!(err.to_string().contains("64MB"), "{err}");
}

#[test]
fn a_workbook_of_many_parts_is_refused() {
    // Each part its own name (the writer refuses duplicates).
    let names: Vec<&'static str> =
        (0..=MAX_ZIP_ENTRIES).map(|i| &*Box::leak(format!("xl/media/{i}.bin").into_boxed_str())).collect();
    let parts = names.into_iter().map(|name| Part::plain(name, "")).collect();
    assert_eq!(
        parse(&workbook(parts), FileFormat::Xlsx).unwrap_err(),
        FileError::TooManyParts { limit: MAX_ZIP_ENTRIES }
    );
}

#[test]
fn control_characters_refuse_the_whole_file_naming_row_and_column() {
    let err = parse(corpus!("csv/nul-row.csv"), FileFormat::Csv).unwrap_err();
    let FileError::ControlCharacters { cells, total } = &err else { panic!("{err:?}") };
    assert_eq!(*total, 1);
    assert_eq!(cells, &vec![ControlCell { row_no: 7, column: "D".into(), field: "comment".into() }]);
    assert!(err.to_string().contains("第7行D列"), "{err}");

    let err = parse(corpus!("csv/control-escape.csv"), FileFormat::Csv).unwrap_err();
    assert!(matches!(&err, FileError::ControlCharacters { total: 1, .. }), "{err:?}");

    // Excel's _x0000_ escape in a workbook is the same NUL once read.
    let err = parse(corpus!("xlsx/control-character.xlsx"), FileFormat::Xlsx).unwrap_err();
    let FileError::ControlCharacters { cells, .. } = &err else { panic!("{err:?}") };
    assert_eq!((cells[0].row_no, cells[0].column.as_str(), cells[0].field.as_str()), (2, "B", "window_code"));

    // Tabs and line breaks inside a cell are text.
    let fine =
        parse("渠道,窗口编号,评价等级,评价内容\npaper,W01,5,\"第一行\n第二行\t完\"\n".as_bytes(), FileFormat::Csv);
    assert!(fine.unwrap().problems.is_empty());
    // A header with one is refused before the columns are looked at.
    let err = parse("渠道\u{7},窗口编号,评价等级\npaper,W01,5\n".as_bytes(), FileFormat::Csv).unwrap_err();
    assert!(matches!(&err, FileError::ControlCharacters { cells, .. } if cells[0].row_no == 1), "{err:?}");
}

#[test]
fn hostile_csv_files_get_their_own_refusals() {
    assert_eq!(parse(corpus!("csv/bom-only.csv"), FileFormat::Csv).unwrap_err(), FileError::Empty);
    assert_eq!(parse(corpus!("csv/invalid-utf8.csv"), FileFormat::Csv).unwrap_err(), FileError::NotUtf8);
    assert_eq!(parse(corpus!("csv/utf16.csv"), FileFormat::Csv).unwrap_err(), FileError::NotUtf8);
    assert_eq!(parse(corpus!("csv/header-only.csv"), FileFormat::Csv).unwrap_err(), FileError::NoRows);
    assert!(matches!(parse(corpus!("csv/unbalanced-quotes.csv"), FileFormat::Csv), Err(FileError::Csv { .. }) | Ok(_)));
    assert_eq!(
        parse(corpus!("csv/zip-named-csv.csv"), FileFormat::Csv).unwrap_err(),
        FileError::FormatMismatch { declared: FileFormat::Csv }
    );
    // Old Mac line ends are line ends.
    let parsed = parse(corpus!("csv/cr-only.csv"), FileFormat::Csv).unwrap();
    assert_eq!(parsed.rows.len(), 1);
}

#[test]
fn a_megabyte_field_is_reported_without_being_echoed() {
    let field = "差".repeat(MB / 3);
    let text = format!("渠道,窗口编号,评价等级,评价内容\npaper,W01,{field},{field}\npaper,W01,5,好\n");
    let parsed = parse(text.as_bytes(), FileFormat::Csv).unwrap();
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.problems.len(), 2, "{:?}", parsed.problems.iter().map(|p| &p.field).collect::<Vec<_>>());
    assert!(parsed.problems.iter().all(|p| p.row_no == 2 && p.message.len() < 200));
}

#[test]
fn a_hundred_thousand_columns_are_refused() {
    let header = (0..100_000).map(|i| format!("c{i}")).collect::<Vec<_>>().join(",");
    let err = parse(format!("{header}\n1\n").as_bytes(), FileFormat::Csv).unwrap_err();
    assert_eq!(err, FileError::TooManyColumns { limit: MAX_COLUMNS });
    // Within the limit, unknown headers are listed briefly.
    let header = (0..200).map(|i| format!("列{}", "名".repeat(i))).collect::<Vec<_>>().join(",");
    let err = parse(format!("渠道,窗口编号,评价等级,{header}\n1\n").as_bytes(), FileFormat::Csv).unwrap_err();
    assert!(err.to_string().chars().count() < 1_000, "{}", err.to_string().chars().count());
    let data_row = format!("渠道,窗口编号,评价等级\npaper,W01,5{}\n", ",x".repeat(MAX_COLUMNS));
    assert_eq!(parse(data_row.as_bytes(), FileFormat::Csv).unwrap_err(), FileError::TooManyColumns { limit: 256 });
}
