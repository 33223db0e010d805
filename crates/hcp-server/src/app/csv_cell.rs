//! Cells of the CSV files the system writes. Excel and LibreOffice run a cell that starts with `=`, `+`, `-` or
//! `@` (or a tab or carriage return before one) as a formula, so a citizen's comment
//! `=HYPERLINK("http://evil.example/","点我")` would become a link in a supervisor's ledger. Such cells are
//! written with a leading `'`, which both programs show as text and do not display.

use std::borrow::Cow;

/// The text as a cell no spreadsheet program evaluates.
pub fn neutralised(text: &str) -> Cow<'_, str> {
    if starts_a_formula(text) { Cow::Owned(format!("'{text}")) } else { Cow::Borrowed(text) }
}

fn starts_a_formula(text: &str) -> bool {
    // Full-width signs too: input methods type them and some spreadsheet programs read them as the ASCII ones.
    const TRIGGERS: &[char] = &['=', '+', '-', '@', '\t', '\r', '\n', '＝', '＋', '－', '＠'];
    text.starts_with(TRIGGERS) || text.trim_start().starts_with(TRIGGERS)
}

/// CSV rows with every cell neutralised.
pub fn write_rows<W: std::io::Write>(writer: &mut csv::Writer<W>, rows: &[Vec<String>]) -> csv::Result<()> {
    for row in rows {
        writer.write_record(row.iter().map(|cell| neutralised(cell).into_owned()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_become_text_and_other_cells_stay_as_they_are() {
        assert_eq!(
            neutralised("=HYPERLINK(\"http://evil.example/\",\"点我\")"),
            "'=HYPERLINK(\"http://evil.example/\",\"点我\")"
        );
        for formula in ["+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", " =1", "＝1+1"] {
            assert!(neutralised(formula).starts_with('\''), "{formula:?}");
        }
        for plain in ["窗口服务很好", "2026-11-28 09:00", "5", "W-SC-01", "", "a=b"] {
            assert_eq!(neutralised(plain), plain);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever a cell holds, what a spreadsheet reads back does not start a formula, and nothing is lost:
        /// the cell is the text or the text behind one quote.
        #[test]
        fn no_cell_starts_a_formula(text in "\\PC{0,12}|[=+@\\t\\r -]\\PC{0,12}") {
            let cell = neutralised(&text);
            prop_assert!(!starts_a_formula(&cell));
            let quoted = format!("'{}", text);
            prop_assert!(cell == text || *cell == quoted);
        }
    }
}
