//! XLSX workbooks: the first visible worksheet, read with bounded memory.
//!
//! A workbook is a zip of XML parts, and what it says about itself cannot be trusted: a 1.6 KB file may declare
//! a cell at XFD1048576 (a dense range of it is 512 GiB), a 5 MB file may inflate to gigabytes. So the parts are
//! inflated once into nothing, counting, before calamine opens the book (it loads `sharedStrings.xml` whole);
//! then the sheet is streamed cell by cell, refusing any value beyond the row and column limits.

use std::io::Read;

use calamine::DataRef;

use super::*;

/// Parts (files) in one workbook; Excel writes about a dozen.
pub const MAX_ZIP_ENTRIES: usize = 1_000;
/// Any one part, inflated.
pub const MAX_PART_BYTES: u64 = 128 * 1024 * 1024;
/// The shared strings part, which calamine holds in memory whole.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 64 * 1024 * 1024;
/// All parts together, inflated.
pub const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;
/// Last row number (1-based, as Excel shows it) a value may sit in: the data rows plus room for blank ones.
pub const MAX_SHEET_ROW: u32 = 2 * MAX_ROWS as u32;

const MIB: u64 = 1024 * 1024;

pub(crate) fn parse_xlsx(bytes: &[u8]) -> Result<ParsedFile, FileError> {
    if bytes.is_empty() {
        return Err(FileError::Empty);
    }
    if bytes.starts_with(CFB_MAGIC) {
        return Err(FileError::LegacyXls);
    }
    if !bytes.starts_with(ZIP_MAGIC) {
        return Err(if std::str::from_utf8(bytes).is_ok() {
            FileError::FormatMismatch { declared: FileFormat::Xlsx }
        } else {
            FileError::Xlsx { detail: "not a zip container".to_owned() }
        });
    }
    check_unpacked_sizes(bytes)?;
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| FileError::Xlsx { detail: e.to_string() })?;
    let sheets: Vec<_> = book.sheets_metadata().iter().filter(|s| s.typ == SheetType::WorkSheet).collect();
    // A template may keep its drop-down lists on a hidden first sheet: prefer what the user sees.
    let sheet = sheets
        .iter()
        .find(|s| s.visible == SheetVisible::Visible)
        .or(sheets.first())
        .map(|s| s.name.clone())
        .ok_or(FileError::NoWorksheet)?;
    let mut reader = book.worksheet_cells_reader(&sheet).map_err(|e| FileError::Xlsx { detail: e.to_string() })?;
    check_dimensions(reader.dimensions())?;

    let mut pending: Option<SheetRow> = None;
    let mut done = false;
    let rows = std::iter::from_fn(|| {
        if done {
            return None;
        }
        loop {
            let cell = match reader.next_cell() {
                Ok(cell) => cell,
                Err(e) => {
                    done = true;
                    return Some(Err(FileError::Xlsx { detail: e.to_string() }));
                }
            };
            let Some(cell) = cell else {
                done = true;
                return pending.take().map(Ok);
            };
            let (row, col) = cell.get_position();
            let value = cell.get_value();
            if matches!(value, DataRef::Empty) {
                // Formatting without a value carries nothing to import, wherever it sits.
                continue;
            }
            if row >= MAX_SHEET_ROW || col as usize >= MAX_COLUMNS {
                done = true;
                return Some(Err(FileError::CellOutOfBounds {
                    cell: format!("{}{}", column_letter(col as usize), row + 1),
                }));
            }
            let row_no = row as usize + 1;
            // Some writers store an in-cell line break as CRLF; Excel itself writes LF.
            let text = cell_text(&Data::from(value.clone()))
                .map(|t| if t.contains('\r') { t.replace("\r\n", "\n") } else { t });
            let finished = match &pending {
                Some(current) if current.row_no != row_no => pending.take(),
                _ => None,
            };
            let current = pending.get_or_insert_with(|| SheetRow { row_no, cells: Vec::new() });
            let col = col as usize;
            if current.cells.len() <= col {
                current.cells.resize_with(col + 1, || Ok(String::new()));
            }
            current.cells[col] = text;
            if let Some(row) = finished {
                return Some(Ok(row));
            }
        }
    });
    parse_rows(rows, 0)
}

/// Inflates every part into nothing, counting: the sizes a zip declares may lie, the bytes it yields do not.
fn check_unpacked_sizes(bytes: &[u8]) -> Result<(), FileError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| FileError::Xlsx { detail: e.to_string() })?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(FileError::TooManyParts { limit: MAX_ZIP_ENTRIES });
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| FileError::Xlsx { detail: e.to_string() })?;
        let name = part.name().map(|n| n.into_owned()).unwrap_or_default();
        let limit =
            if name.eq_ignore_ascii_case("xl/sharedStrings.xml") { MAX_SHARED_STRINGS_BYTES } else { MAX_PART_BYTES };
        if part.size() > limit {
            return Err(part_too_large(&name, limit));
        }
        let read = std::io::copy(&mut (&mut part).take(limit + 1), &mut std::io::sink())
            .map_err(|e| FileError::Xlsx { detail: e.to_string() })?;
        if read > limit {
            return Err(part_too_large(&name, limit));
        }
        total += read;
        if total > MAX_UNPACKED_BYTES {
            return Err(FileError::UnpackedTooLarge { limit_mb: MAX_UNPACKED_BYTES / MIB });
        }
    }
    Ok(())
}

fn part_too_large(name: &str, limit: u64) -> FileError {
    let part = if name.eq_ignore_ascii_case("xl/sharedStrings.xml") {
        "文字内容（共享字符串表）"
    } else {
        "一个部件"
    };
    FileError::PartTooLarge { part, limit_mb: limit / MIB }
}

/// The sheet's own claim of its extent, refused before a cell is read when it is already over the limits.
fn check_dimensions(dimensions: calamine::Dimensions) -> Result<(), FileError> {
    let (rows, cols) = (dimensions.end.0, dimensions.end.1);
    if rows >= MAX_SHEET_ROW || cols as usize >= MAX_COLUMNS {
        let start = format!("{}{}", column_letter(dimensions.start.1 as usize), dimensions.start.0 + 1);
        let end = format!("{}{}", column_letter(cols as usize), rows + 1);
        return Err(FileError::SheetTooLarge { range: format!("{start}:{end}") });
    }
    Ok(())
}

pub(crate) fn cell_text(cell: &Data) -> CellText {
    match cell {
        Data::Empty => Ok(String::new()),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => Ok(text.clone()),
        Data::Int(n) => Ok(n.to_string()),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => Ok(b.to_string()),
        Data::DateTime(dt) if dt.is_duration() => number_text(dt.as_f64()),
        Data::DateTime(dt) => Ok(excel_when(dt)),
        Data::Error(e) => Err(format!("单元格是错误值{e}")),
    }
}

/// Numbers in text columns (工号 1001, 电话 13812341234) as their digits: no ".0", never an exponent.
pub(crate) fn number_text(f: f64) -> CellText {
    if !f.is_finite() {
        return Err("单元格不是有效的数字".to_owned());
    }
    if f.fract() != 0.0 {
        // Display of f64 never uses an exponent.
        return Ok(f.to_string());
    }
    if f.abs() >= 1e15 {
        // Excel keeps 15 significant digits: an 18-digit ID number typed as a number has lost its tail.
        return Err(
            "数字超过15位，Excel只保留了前15位，末尾的数字已丢失；请把该列设为文本格式，重新填写后再导入".to_owned()
        );
    }
    Ok(format!("{}", f as i64))
}

pub(crate) fn excel_when(dt: &ExcelDateTime) -> String {
    let (year, month, day, hour, minute, second, _milli) = dt.to_ymd_hms_milli();
    format_when(year.into(), month.into(), day.into(), hour.into(), minute.into(), second.into())
}
