//! CSV files (UTF-8, with or without BOM; comma, semicolon or tab).

use super::*;

pub(crate) fn parse_csv(bytes: &[u8]) -> Result<ParsedFile, FileError> {
    if bytes.starts_with(ZIP_MAGIC) {
        return Err(FileError::FormatMismatch { declared: FileFormat::Csv });
    }
    if bytes.starts_with(CFB_MAGIC) {
        return Err(FileError::LegacyXls);
    }
    // Excel's "Unicode text" is UTF-16 with a byte-order mark.
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(FileError::NotUtf8);
    }
    let text = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    if text.iter().all(u8::is_ascii_whitespace) {
        return Err(FileError::Empty);
    }
    // No GB18030 decoder is available: a clear message beats mojibake.
    let text = std::str::from_utf8(text).map_err(|_| FileError::NotUtf8)?;
    // The csv reader counts a CRLF line only when it reads the next record; with bare LF its line count is exact.
    // Excel writes in-cell line breaks as LF, so nothing a user typed is changed.
    let mut text = text.replace("\r\n", "\n").replace('\r', "\n");
    // An unterminated last line would hide the blank lines before it from the row count.
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let delimiter = sniff_delimiter(&text);
    let mut reader =
        ::csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());

    // The csv reader skips empty lines, Excel shows them as rows: count them back in so that row numbers match.
    let mut record = ::csv::StringRecord::new();
    let mut row_no = 0usize;
    let mut line_before = reader.position().line();
    let rows = std::iter::from_fn(move || match reader.read_record(&mut record) {
        Ok(false) => None,
        Err(_) => Some(Err(FileError::Csv { row: row_no + 1 })),
        Ok(true) => {
            let line_after = reader.position().line();
            let own_lines = 1 + record.iter().map(|field| field.matches('\n').count() as u64).sum::<u64>();
            let skipped = (line_after - line_before).saturating_sub(own_lines);
            line_before = line_after;
            row_no += skipped as usize + 1;
            let cells = record.iter().map(|field| Ok(field.to_owned())).collect();
            Some(Ok(SheetRow { row_no, cells }))
        }
    });
    parse_rows(rows, 0)
}

/// Excel writes ";" or tab instead of "," in some locales and for "text" exports.
pub(crate) fn sniff_delimiter(text: &str) -> u8 {
    let first_line = text.lines().find(|line| !line.trim().is_empty()).unwrap_or("");
    let count = |c: char| first_line.matches(c).count();
    if count(',') > 0 {
        b','
    } else if count('\t') > 0 {
        b'\t'
    } else if count(';') > 0 {
        b';'
    } else {
        b','
    }
}
