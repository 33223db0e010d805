//! Files as registrars make them, and files that cannot be read.

use super::*;

fn csv(text: &str) -> Result<ParsedFile, FileError> {
    parse(text.as_bytes(), FileFormat::Csv)
}

fn json(input: &EvaluationInput) -> serde_json::Value {
    serde_json::to_value(input).unwrap()
}

fn fingerprints(parsed: &ParsedFile) -> Vec<String> {
    parsed.rows.iter().map(|row| row.fingerprint.clone()).collect()
}

#[test]
fn chinese_headers_with_bom_blank_rows_and_a_bad_level() {
    let text = "\u{feff}渠道,办件编号,窗口编号,工号,评价等级,评价标签,评价内容,评价人姓名,联系电话,证件号码,评价人类型,评价日期,追评\n\
                纸质评价表,BJ2026001,W01,1001,满意,\"410、411\",办得快,张三,13812341234,,个人,2026/3/5,否\n\
                ,,,,,,,,,,,,\n\
                \n\
                意见箱,,W02,,很好,,,,,,,,\n\
                box, ,W02,1002, 2 ,213；214 ,态度生硬,,,,,2026-03-06 9:30,\n";
    let parsed = csv(text).unwrap();

    assert_eq!(parsed.rows.len(), 2);
    let first = &parsed.rows[0];
    assert_eq!(first.row_no, 2);
    assert_eq!(
        json(&first.input),
        serde_json::json!({
            "channel": "paper", "case_no": "BJ2026001", "window_code": "W01", "staff_no": "1001", "level": 4,
            "tags": ["410", "411"], "comment": "办得快",
            "evaluator": {"name": "张三", "phone": "13812341234", "id_no": null, "kind": "personal"},
            "evaluated_at": "2026-03-05", "follow_up": false
        })
    );
    let second = &parsed.rows[1];
    // Rows 3 (commas only) and 4 (empty line) are blank but still count, as in Excel.
    assert_eq!(second.row_no, 6);
    assert_eq!(second.input.channel.as_deref(), Some("box"));
    assert_eq!(second.input.case_no, None);
    assert_eq!(second.input.level, Some(2));
    assert_eq!(second.input.tags, vec![serde_json::json!("213"), serde_json::json!("214")]);
    assert!(second.input.evaluator.is_none());
    assert_eq!(second.input.evaluated_at.as_deref(), Some("2026-03-06T09:30:00+08:00"));

    assert_eq!(parsed.problems.len(), 1);
    let problem = &parsed.problems[0];
    assert_eq!((problem.row_no, problem.field.as_str()), (5, "level"));
    assert!(problem.message.contains("很好"), "{}", problem.message);
}

#[test]
fn english_headers_are_case_insensitive_and_values_pass_through() {
    let text = "Channel , CASE_NO,Level,Tags,Evaluator.Name,evaluator_kind,Follow_Up,form_no\n\
                fax,C1,5,一窗受理一次办结 可以先受理后补材料,某某公司,法人,是,F-001\n\
                paper,C2,非常不满意,,,,0,\n";
    let parsed = csv(text).unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let first = &parsed.rows[0].input;
    // Unknown channels are left for validation to report.
    assert_eq!(first.channel.as_deref(), Some("fax"));
    assert_eq!(first.level, Some(5));
    assert_eq!(first.tags, vec![serde_json::json!("一窗受理一次办结"), serde_json::json!("可以先受理后补材料")]);
    let evaluator = first.evaluator.as_ref().unwrap();
    assert_eq!((evaluator.name.as_deref(), evaluator.kind.as_deref()), (Some("某某公司"), Some("legal")));
    assert!(first.follow_up);
    let second = &parsed.rows[1].input;
    assert_eq!((second.level, second.follow_up), (Some(1), false));
}

#[test]
fn decorated_headers_and_other_delimiters_are_accepted() {
    let text = "*渠道;窗口编号（必填）;评价等级(1-5);评价时间\npaper;W01;3;2026年3月5日\n";
    let parsed = csv(text).unwrap();
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.rows[0].input.evaluated_at.as_deref(), Some("2026-03-05"));
    let tabbed = csv("渠道\t窗口编号\t评价等级\npaper\tW01\t3\n").unwrap();
    assert_eq!(tabbed.rows[0].input.window_code.as_deref(), Some("W01"));
}

#[test]
fn identical_rows_share_a_fingerprint_but_not_an_import_ref() {
    let text = "渠道,窗口编号,评价等级,评价内容\npaper,W01,5,好\npaper,W01,5,好\npaper,W01,4,好\n";
    let first = csv(text).unwrap();
    let again = csv(text).unwrap();
    assert_eq!(fingerprints(&first), fingerprints(&again));
    let prints = fingerprints(&first);
    assert_eq!(prints.len(), 3);
    assert_eq!(prints[0], prints[1], "identical rows read alike");
    assert_ne!(prints[0], prints[2]);
    assert!(prints.iter().all(|p| p.len() == 64 && p.bytes().all(|b| b.is_ascii_hexdigit())));
    // The batch is the file's bytes, each row its row number: the same file gives the same references …
    let refs = |p: &ParsedFile| p.rows.iter().map(|r| r.import_ref.clone()).collect::<Vec<_>>();
    assert_eq!(refs(&first), refs(&again));
    let digest = batch_digest(text.as_bytes());
    assert_eq!(refs(&first), vec![format!("v2:{digest}:2"), format!("v2:{digest}:3"), format!("v2:{digest}:4")]);
    // … and another file with the same rows is another batch.
    let other = csv(&format!("{text}\n")).unwrap();
    assert_eq!(fingerprints(&other), prints);
    assert!(refs(&other).iter().all(|r| !refs(&first).contains(r)));
}

#[test]
fn column_order_row_numbers_and_spelling_do_not_change_fingerprints() {
    let a = csv("渠道,窗口编号,评价等级,评价内容\npaper,W01,5,好\npaper,W01,5,好\n").unwrap();
    let b = csv("评价内容,评价等级,channel,window_code\n\n好,非常满意,纸质评价表,W01\n\n好,5,paper,W01\n").unwrap();
    assert_eq!(b.rows[0].row_no, 3);
    assert_eq!(fingerprints(&a), fingerprints(&b));
}

#[test]
fn form_number_is_part_of_the_fingerprint() {
    let without = csv("渠道,窗口编号,评价等级\npaper,W01,5\n").unwrap();
    let with = csv("渠道,窗口编号,评价等级,表单编号\npaper,W01,5,F1\npaper,W01,5,F2\n").unwrap();
    let prints = fingerprints(&with);
    assert_ne!(prints[0], prints[1]);
    assert_ne!(fingerprints(&without)[0], prints[0]);
    let empty_form_no = csv("渠道,窗口编号,评价等级,表单编号\npaper,W01,5,\n").unwrap();
    assert_eq!(fingerprints(&without), fingerprints(&empty_form_no));
}

#[test]
fn missing_required_columns_are_named() {
    let err = csv("渠道,办件编号,评价登记\npaper,C1,5\n").unwrap_err();
    assert_eq!(err, FileError::MissingColumns { missing: vec!["评价等级".into()], unknown: vec!["评价登记".into()] });
    assert!(err.to_string().contains("评价等级") && err.to_string().contains("评价登记"), "{err}");

    let err = csv("渠道,评价等级,工号\npaper,5,1001\n").unwrap_err();
    assert!(err.to_string().contains("办件编号或窗口编号"), "{err}");
}

#[test]
fn unknown_and_duplicate_columns_are_named() {
    let err = csv("渠道,办件编号,评价等级,备注\npaper,C1,5,x\n").unwrap_err();
    assert_eq!(err, FileError::UnknownColumns(vec!["备注".into()]));
    assert!(err.to_string().contains("“备注”"), "{err}");
    let err = csv("渠道,办件编号,评价等级,level\npaper,C1,5,5\n").unwrap_err();
    assert_eq!(err, FileError::DuplicateColumns(vec!["level".into()]));
}

#[test]
fn cells_without_a_header_make_a_row_problem() {
    let parsed = csv("渠道,办件编号,评价等级,评价内容\npaper,C1,5,好,快\npaper,C2,5,好\n").unwrap();
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.rows[0].row_no, 3);
    assert_eq!(parsed.problems.len(), 1);
    assert_eq!((parsed.problems[0].row_no, parsed.problems[0].field.as_str()), (2, "row"));
    assert!(parsed.problems[0].message.starts_with("E列"), "{}", parsed.problems[0].message);
}

#[test]
fn multi_line_comments_keep_excel_row_numbers() {
    let parsed =
        csv("渠道,办件编号,评价等级,评价内容\r\npaper,C1,2,\"第一行\r\n第二行\"\r\n\r\npaper,C2,5,好").unwrap();
    let numbers: Vec<usize> = parsed.rows.iter().map(|r| r.row_no).collect();
    assert_eq!(numbers, vec![2, 4]);
    assert_eq!(parsed.rows[0].input.comment.as_deref(), Some("第一行\n第二行"));
}

#[test]
fn scientific_notation_and_bad_follow_up_are_reported() {
    let parsed = csv("渠道,办件编号,评价等级,证件号码,追评\npaper,C1,5,1.10101E+17,\npaper,C1,5,,也许\n").unwrap();
    assert!(parsed.rows.is_empty());
    let fields: Vec<(usize, &str)> = parsed.problems.iter().map(|p| (p.row_no, p.field.as_str())).collect();
    assert_eq!(fields, vec![(2, "evaluator.id_no"), (3, "follow_up")]);
}

#[test]
fn empty_and_header_only_files_are_errors() {
    assert_eq!(csv("").unwrap_err(), FileError::Empty);
    assert_eq!(csv("\u{feff}\n\n").unwrap_err(), FileError::Empty);
    // The template's own headers are all recognised.
    assert_eq!(csv(&TEMPLATE_HEADERS.join(",")).unwrap_err(), FileError::NoRows);
    assert_eq!(csv("渠道,办件编号,评价等级\n,,\n").unwrap_err(), FileError::NoRows);
}

#[test]
fn template_headers_follow_the_columns() {
    for (column, header) in Column::ALL.into_iter().zip(TEMPLATE_HEADERS) {
        assert_eq!(Column::from_header(header), Some(column));
        assert_eq!(Column::from_header(&column.key().to_uppercase()), Some(column));
    }
    assert_eq!(TEMPLATE_HEADERS.len(), Column::ALL.len());
}

#[test]
fn too_many_rows_is_an_error() {
    let mut text = String::from("渠道,窗口编号,评价等级\n");
    for _ in 0..=MAX_ROWS {
        text.push_str("paper,W01,5\n");
    }
    assert_eq!(csv(&text).unwrap_err(), FileError::TooManyRows { limit: MAX_ROWS });
}

#[test]
fn non_utf8_csv_asks_for_csv_utf8() {
    // "渠道,办件编号" as Excel saves it in a Chinese locale (GBK).
    let gbk = b"\xC7\xFE\xB5\xC0,\xB0\xEC\xBC\xFE\xB1\xE0\xBA\xC5\r\n";
    let err = parse(gbk, FileFormat::Csv).unwrap_err();
    assert_eq!(err, FileError::NotUtf8);
    assert!(err.to_string().contains("CSV UTF-8"), "{err}");
    assert_eq!(parse(b"\xFF\xFEa\x00", FileFormat::Csv).unwrap_err(), FileError::NotUtf8);
}

#[test]
fn wrong_or_broken_containers_are_explained() {
    assert_eq!(
        parse(b"PK\x03\x04rest", FileFormat::Csv).unwrap_err(),
        FileError::FormatMismatch { declared: FileFormat::Csv }
    );
    assert_eq!(
        parse("渠道,办件编号,评价等级\n".as_bytes(), FileFormat::Xlsx).unwrap_err(),
        FileError::FormatMismatch { declared: FileFormat::Xlsx }
    );
    assert!(matches!(parse(b"PK\x03\x04broken", FileFormat::Xlsx), Err(FileError::Xlsx { .. })));
    assert_eq!(parse(CFB_MAGIC, FileFormat::Xlsx).unwrap_err(), FileError::LegacyXls);
    assert_eq!(parse(b"", FileFormat::Xlsx).unwrap_err(), FileError::Empty);
}

#[test]
fn format_from_name_and_content_type() {
    assert_eq!(FileFormat::from_name("评价表.CSV"), Some(FileFormat::Csv));
    assert_eq!(FileFormat::from_name("2026年3月.xlsx"), Some(FileFormat::Xlsx));
    assert_eq!(FileFormat::from_name("old.xls"), None);
    assert_eq!(FileFormat::from_name("csv"), None);
    assert_eq!(FileFormat::from_content_type("text/csv; charset=utf-8"), Some(FileFormat::Csv));
    assert_eq!(
        FileFormat::from_content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        Some(FileFormat::Xlsx)
    );
    assert_eq!(FileFormat::from_content_type("application/vnd.ms-excel"), None);
}

#[test]
fn number_and_date_text() {
    assert_eq!(number_text(1001.0).unwrap(), "1001");
    assert_eq!(number_text(13812341234.0).unwrap(), "13812341234");
    assert_eq!(number_text(110101199003077.0).unwrap(), "110101199003077");
    assert_eq!(number_text(2.5).unwrap(), "2.5");
    assert!(number_text(110101199003077000.0).is_err());
    assert_eq!(normalize_when("2024/2/29"), "2024-02-29");
    assert_eq!(normalize_when("2026-03-05 00:00"), "2026-03-05");
    assert_eq!(normalize_when("2026-03-05T10:00:00"), "2026-03-05T10:00:00+08:00");
    // Already an instant, or not a date: left for validation.
    assert_eq!(normalize_when("2026-03-05T10:00:00Z"), "2026-03-05T10:00:00Z");
    assert_eq!(normalize_when("2025/2/29"), "2025/2/29");
    assert_eq!(normalize_when("上周三"), "上周三");
    assert!(looks_scientific("1.38123E+10") && looks_scientific("1E+17"));
    assert!(!looks_scientific("BJ2026E01") && !looks_scientific("E+17"));
}

mod xlsx {
    use super::*;
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

    enum Cell {
        Text(&'static str),
        Number(f64),
        Date(u16, u8, u8),
        DateTime(u16, u8, u8, u16, u8),
        Bool(bool),
        Blank,
    }

    /// One worksheet whose table starts at `first_row`, `first_col` (zero-based).
    fn workbook(first_row: u32, first_col: u16, rows: &[Vec<Cell>]) -> Vec<u8> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let date_time = Format::new().set_num_format("yyyy-mm-dd hh:mm");
        for (r, row) in rows.iter().enumerate() {
            let r = first_row + r as u32;
            for (c, cell) in row.iter().enumerate() {
                let c = first_col + c as u16;
                match *cell {
                    Cell::Text(text) => sheet.write_string(r, c, text).map(|_| ()),
                    Cell::Number(n) => sheet.write_number(r, c, n).map(|_| ()),
                    Cell::Date(y, m, d) => sheet
                        .write_datetime_with_format(r, c, ExcelDateTime::from_ymd(y, m, d).unwrap(), &date)
                        .map(|_| ()),
                    Cell::DateTime(y, m, d, h, mi) => {
                        let at = ExcelDateTime::from_ymd(y, m, d).unwrap().and_hms(h, mi, 0).unwrap();
                        sheet.write_datetime_with_format(r, c, at, &date_time).map(|_| ())
                    }
                    Cell::Bool(b) => sheet.write_boolean(r, c, b).map(|_| ()),
                    Cell::Blank => Ok(()),
                }
                .unwrap();
            }
        }
        book.save_to_buffer().unwrap()
    }

    fn header() -> Vec<Cell> {
        ["渠道", "办件编号", "工号", "评价等级", "评价标签", "评价内容", "评价人姓名", "联系电话", "评价日期", "追评"]
            .into_iter()
            .map(Cell::Text)
            .collect()
    }

    #[test]
    fn xlsx_parses_to_the_same_inputs_as_the_equivalent_csv() {
        use Cell::*;
        let bytes = workbook(
            0,
            0,
            &[
                header(),
                vec![
                    Text("纸质评价表"),
                    Text("BJ2026001"),
                    Number(1001.0),
                    Number(4.0),
                    Number(410.0),
                    Text("办得快"),
                    Text("张三"),
                    Number(13812341234.0),
                    Date(2026, 3, 5),
                    Text("否"),
                ],
                vec![Blank, Blank, Blank, Blank, Blank, Blank, Blank, Blank, Blank, Blank],
                vec![
                    Text("意见箱"),
                    Text("BJ2026002"),
                    Text("1002"),
                    Text("不满意"),
                    Text("213、214"),
                    Text("态度生硬"),
                    Blank,
                    Blank,
                    DateTime(2026, 3, 6, 14, 30),
                    Bool(true),
                ],
            ],
        );
        let from_xlsx = parse(&bytes, FileFormat::Xlsx).unwrap();
        let from_csv = csv("渠道,办件编号,工号,评价等级,评价标签,评价内容,评价人姓名,联系电话,评价日期,追评\n\
             纸质评价表,BJ2026001,1001,4,410,办得快,张三,13812341234,2026/3/5,否\n\
             \n\
             意见箱,BJ2026002,1002,不满意,213、214,态度生硬,,,2026/3/6 14:30,是\n")
        .unwrap();
        assert!(from_xlsx.problems.is_empty(), "{:?}", from_xlsx.problems);
        let inputs = |p: &ParsedFile| p.rows.iter().map(|r| json(&r.input)).collect::<Vec<_>>();
        assert_eq!(inputs(&from_xlsx), inputs(&from_csv));
        assert_eq!(fingerprints(&from_xlsx), fingerprints(&from_csv));
        let rows: Vec<usize> = from_xlsx.rows.iter().map(|r| r.row_no).collect();
        assert_eq!(rows, vec![2, 4]);
        let first = &from_xlsx.rows[0].input;
        assert_eq!(first.staff_no.as_deref(), Some("1001"));
        assert_eq!(first.evaluator.as_ref().unwrap().phone.as_deref(), Some("13812341234"));
        assert_eq!(first.evaluated_at.as_deref(), Some("2026-03-05"));
        assert_eq!(from_xlsx.rows[1].input.evaluated_at.as_deref(), Some("2026-03-06T14:30:00+08:00"));
        assert!(from_xlsx.rows[1].input.follow_up);
    }

    #[test]
    fn xlsx_row_numbers_follow_the_sheet_and_truncated_numbers_are_reported() {
        use Cell::*;
        let bytes = workbook(
            2,
            1,
            &[
                vec![Text("channel"), Text("window_code"), Text("level"), Text("证件号码")],
                vec![Text("paper"), Text("W01"), Number(5.0), Number(110101199003077000.0)],
                vec![Text("paper"), Text("W01"), Number(3.0), Text("110101199003077777")],
            ],
        );
        let parsed = parse(&bytes, FileFormat::Xlsx).unwrap();
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!((parsed.problems[0].row_no, parsed.problems[0].field.as_str()), (4, "evaluator.id_no"));
        assert_eq!(parsed.rows.len(), 1);
        assert_eq!(parsed.rows[0].row_no, 5);
        let evaluator = parsed.rows[0].input.evaluator.as_ref().unwrap();
        assert_eq!(evaluator.id_no.as_deref(), Some("110101199003077777"));
    }

    #[test]
    fn xlsx_missing_column_and_empty_sheet() {
        use Cell::*;
        let bytes = workbook(0, 0, &[vec![Text("渠道"), Text("窗口编号")], vec![Text("paper"), Text("W01")]]);
        assert_eq!(
            parse(&bytes, FileFormat::Xlsx).unwrap_err(),
            FileError::MissingColumns { missing: vec!["评价等级".into()], unknown: vec![] }
        );
        let empty = workbook(0, 0, &[]);
        assert_eq!(parse(&empty, FileFormat::Xlsx).unwrap_err(), FileError::Empty);
    }
}
