//! Property tests: whatever the bytes, the parsers answer (rows or a refusal) without panicking, and every
//! reported problem names a row of the file.

use proptest::prelude::*;

use super::*;

/// Cell values a registrar types, a few that are wrong, and a few that are hostile.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("paper".to_owned()),
        Just("纸质评价表".to_owned()),
        Just("W-SC-01".to_owned()),
        Just("5".to_owned()),
        Just("非常不满意".to_owned()),
        Just("很好".to_owned()),
        Just("2026/3/5".to_owned()),
        Just("1.10101E+17".to_owned()),
        Just("是".to_owned()),
        "[a-z0-9,\"; ]{0,12}",
        "\\PC{0,20}",
        any::<String>(),
    ]
}

fn table() -> impl Strategy<Value = Vec<Vec<String>>> {
    prop::collection::vec(prop::collection::vec(cell(), 0..6), 1..12)
}

const HEADER: [&str; 5] = ["渠道", "窗口编号", "评价等级", "评价内容", "表单编号"];

fn csv_bytes(rows: &[Vec<String>]) -> Vec<u8> {
    let mut writer = ::csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    writer.write_record(HEADER).unwrap();
    for row in rows {
        writer.write_record(row).unwrap();
    }
    writer.into_inner().unwrap()
}

fn xlsx_bytes(rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, header) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *header).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            if !value.is_empty() {
                sheet.write_string(r as u32 + 1, c as u16, value).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// What any answer must satisfy: rows and problems inside the file, in order, never both for one row.
fn check_answer(result: &Result<ParsedFile, FileError>, last_row: usize) -> Result<(), TestCaseError> {
    match result {
        Ok(parsed) => {
            for row in &parsed.rows {
                prop_assert!((2..=last_row).contains(&row.row_no), "row {} of {last_row}", row.row_no);
                prop_assert!(!parsed.problems.iter().any(|p| p.row_no == row.row_no));
            }
            for problem in &parsed.problems {
                prop_assert!((2..=last_row).contains(&problem.row_no), "problem row {}", problem.row_no);
                prop_assert!(!problem.message.is_empty());
            }
        }
        Err(FileError::ControlCharacters { cells, total }) => {
            prop_assert!(*total >= cells.len() && !cells.is_empty());
            for cell in cells {
                prop_assert!((1..=last_row).contains(&cell.row_no), "control row {}", cell.row_no);
            }
        }
        Err(err) => prop_assert!(!err.to_string().is_empty()),
    }
    Ok(())
}

fn has_control_cell(rows: &[Vec<String>]) -> bool {
    rows.iter().flatten().any(|cell| has_control(cell))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn csv_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let result = parse(&bytes, FileFormat::Csv);
        let lines = bytes.iter().filter(|b| **b == b'\n' || **b == b'\r').count() + 1;
        check_answer(&result, lines)?;
    }

    #[test]
    fn xlsx_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse(&bytes, FileFormat::Xlsx);
    }

    #[test]
    fn csv_rows_are_read_or_named(rows in table()) {
        let result = parse(&csv_bytes(&rows), FileFormat::Csv);
        // Quoted cells may hold line breaks: a row is still one record, numbered by its first line.
        let last_row = 1 + rows.len() + rows.iter().flatten().map(|c| c.matches(['\n', '\r']).count()).sum::<usize>();
        check_answer(&result, last_row)?;
        if has_control_cell(&rows) {
            prop_assert!(matches!(result, Err(FileError::ControlCharacters { .. }) | Err(FileError::TooManyColumns { .. })), "{result:?}");
        }
    }
}

proptest! {
    // Writing a workbook per case is slower: fewer cases.
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn xlsx_rows_are_read_or_named(rows in table()) {
        let result = parse(&xlsx_bytes(&rows), FileFormat::Xlsx);
        check_answer(&result, rows.len() + 1)?;
        if let Ok(parsed) = &result {
            // Every non-blank row is accounted for: imported or reported.
            let non_blank = rows.iter().filter(|r| r.iter().any(|c| !c.trim().is_empty())).count();
            let mut seen: Vec<usize> = parsed.rows.iter().map(|r| r.row_no).collect();
            seen.extend(parsed.problems.iter().map(|p| p.row_no));
            seen.sort_unstable();
            seen.dedup();
            prop_assert!(seen.len() <= non_blank, "{} of {non_blank}", seen.len());
        }
    }

    #[test]
    fn damaged_workbooks_never_panic(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = xlsx_bytes(&[vec!["paper".into(), "W01".into(), "5".into()]]);
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let _ = parse(&bytes, FileFormat::Xlsx);
    }
}
