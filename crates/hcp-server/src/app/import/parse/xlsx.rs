//! XLSX workbooks: the first visible worksheet.

use super::*;

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
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| FileError::Xlsx { detail: e.to_string() })?;
    let sheets: Vec<_> = book.sheets_metadata().iter().filter(|s| s.typ == SheetType::WorkSheet).collect();
    // A template may keep its drop-down lists on a hidden first sheet: prefer what the user sees.
    let sheet = sheets
        .iter()
        .find(|s| s.visible == SheetVisible::Visible)
        .or(sheets.first())
        .map(|s| s.name.clone())
        .ok_or(FileError::NoWorksheet)?;
    let range = book.worksheet_range(&sheet).map_err(|e| FileError::Xlsx { detail: e.to_string() })?;
    let Some((first_row, first_col)) = range.start() else {
        return Err(FileError::Empty);
    };
    let rows = range.rows().enumerate().map(|(i, cells)| {
        Ok(SheetRow { row_no: first_row as usize + i + 1, cells: cells.iter().map(cell_text).collect() })
    });
    parse_rows(rows, first_col as usize)
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
