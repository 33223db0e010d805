//! Batch-import files of paper evaluation forms (纸质评价表) and complaint-box records (意见箱): CSV or XLSX bytes in,
//! rows of [`EvaluationInput`] out. Pure: no database, no file system.
//!
//! Only cells that cannot be read at all are reported here ([`RowProblem`]); whether the values make sense is
//! decided later by [`hcp_core::evaluation::NewEvaluation::parse`], so that a row imported from a file and one
//! entered in a form get the same messages.

use std::io::Cursor;

use calamine::{Data, ExcelDateTime, Reader, SheetType, SheetVisible, Xlsx};
use hcp_core::channel::Channel;
use hcp_core::evaluation::{EvaluationInput, EvaluatorInput, EvaluatorKind};
use hcp_core::level::Level;
use sha2::{Digest, Sha256};

mod cells;
mod columns;
mod csv;
mod rows;
mod xlsx;

use cells::*;
use columns::*;
use csv::*;
use rows::*;
use xlsx::*;
pub use xlsx::{MAX_PART_BYTES, MAX_SHARED_STRINGS_BYTES, MAX_SHEET_ROW, MAX_UNPACKED_BYTES, MAX_ZIP_ENTRIES};

/// Most data rows one file may carry; larger batches are split by the registrar.
pub const MAX_ROWS: usize = 50_000;

/// Most columns a row may have (the template has 14); also bounds the memory of one row.
pub const MAX_COLUMNS: usize = 256;

/// Longest cell, in characters (评价内容 allows 2000): longer cells are reported without being echoed.
pub const MAX_CELL_CHARS: usize = 5_000;

/// Cells with control characters listed in the refusal; the count covers the rest.
const LISTED_CONTROL_CELLS: usize = 20;

/// The header row of the template, in order.
pub const TEMPLATE_HEADERS: &[&str] = &[
    "渠道",
    "办件编号",
    "窗口编号",
    "工号",
    "评价等级",
    "评价标签",
    "评价内容",
    "评价人姓名",
    "联系电话",
    "证件号码",
    "评价人类型",
    "评价日期",
    "表单编号",
    "追评",
];

/// Changing how rows are normalised changes fingerprints: bump this so that old and new never collide silently.
pub(crate) const FINGERPRINT_VERSION: &str = "hcp-import-v1";

/// Prefix of batch references (v1 references were content fingerprints: identical rows of two files collided).
pub(crate) const IMPORT_REF_VERSION: &str = "v2";

pub(crate) const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
pub(crate) const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// Compound File Binary: legacy .xls, and also password-protected .xlsx.
pub(crate) const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

impl FileFormat {
    /// From a file name's extension (.csv/.xlsx, case-insensitive).
    pub fn from_name(name: &str) -> Option<FileFormat> {
        let (_, extension) = name.trim().rsplit_once('.')?;
        match extension.to_ascii_lowercase().as_str() {
            "csv" => Some(FileFormat::Csv),
            "xlsx" => Some(FileFormat::Xlsx),
            _ => None,
        }
    }

    /// Whether a Content-Type is `application/octet-stream` (any parameters).
    pub fn is_octet_stream(ct: &str) -> bool {
        ct.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/octet-stream")
    }

    /// From a Content-Type (parameters such as `; charset=utf-8` are ignored).
    pub fn from_content_type(ct: &str) -> Option<FileFormat> {
        let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match essence.as_str() {
            "text/csv" | "application/csv" | "text/x-csv" | "text/comma-separated-values" => Some(FileFormat::Csv),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => Some(FileFormat::Xlsx),
            // application/vnd.ms-excel is sent for .csv and .xls alike by Windows browsers: decide by the name.
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ImportRow {
    /// 1-based row number as the user sees it in Excel (the header is row 1, the first data row is 2).
    pub row_no: usize,
    pub input: EvaluationInput,
    /// What identifies this row as imported: `v2:<hex SHA-256 of the file's bytes>:<row number>`. The same file
    /// uploaded again gives the same references and adds nothing; another file (even with identical rows) is
    /// another batch, and its rows are other forms.
    pub import_ref: String,
    /// Hex SHA-256 of the row's normalised values (independent of the row number, of column order and of CSV
    /// versus XLSX): equal for two identical paper forms, so the import can warn about them without dropping any.
    pub fingerprint: String,
}

/// The batch identity of a file: the digest of its bytes, exactly as uploaded.
pub fn batch_digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub(crate) fn import_ref(batch: &str, row_no: usize) -> String {
    format!("{IMPORT_REF_VERSION}:{batch}:{row_no}")
}

/// A row that could not be read at all (e.g. a level cell that is neither 1–5 nor a label): reported, not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub row_no: usize,
    /// Field path as in validation errors (`level`, `evaluator.phone`), or `row` for the row as a whole.
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("文件是空的：没有表头，也没有数据")]
    Empty,
    #[error("文件中只有表头，没有可导入的记录")]
    NoRows,
    #[error(
        "CSV文件不是UTF-8编码，中文无法读取。请在Excel中选择“另存为”，文件类型选“CSV UTF-8(逗号分隔)(*.csv)”，或者直接上传.xlsx文件"
    )]
    NotUtf8,
    #[error("CSV文件第{row}行无法读取，请检查引号是否成对")]
    Csv { row: usize },
    /// `detail` is the reader's own (English) message, for the log only.
    #[error("Excel文件无法读取，请确认上传的是未损坏、未加密的.xlsx文件")]
    Xlsx { detail: String },
    #[error("不支持旧版Excel(.xls)文件或设置了密码的工作簿，请在Excel中另存为.xlsx格式（不设密码）后重新上传")]
    LegacyXls,
    #[error("{}", mismatch_message(*.declared))]
    FormatMismatch { declared: FileFormat },
    #[error("Excel文件中没有工作表")]
    NoWorksheet,
    #[error("{}", missing_message(.missing, .unknown))]
    MissingColumns { missing: Vec<String>, unknown: Vec<String> },
    #[error("无法识别的列：{}。可用的列名：{}", quoted(.0), TEMPLATE_HEADERS.join("、"))]
    UnknownColumns(Vec<String>),
    #[error("以下列出现了不止一次：{}", quoted(.0))]
    DuplicateColumns(Vec<String>),
    #[error("文件超过{limit}行记录，请拆分成多个文件分批导入")]
    TooManyRows { limit: usize },
    #[error("文件超过{limit}列，无法导入；请只保留导入模板中的列")]
    TooManyColumns { limit: usize },
    #[error(
        "工作表的范围{range}超过了{}行、{}列的上限；请删除多余的行和列（或把数据复制到新的工作簿）后重新上传",
        xlsx::MAX_SHEET_ROW,
        MAX_COLUMNS
    )]
    SheetTooLarge { range: String },
    #[error("单元格{cell}超出了{}行、{}列的上限；请删除多余的内容后重新上传", xlsx::MAX_SHEET_ROW, MAX_COLUMNS)]
    CellOutOfBounds { cell: String },
    #[error("Excel文件由超过{limit}个部件组成，不是正常的工作簿")]
    TooManyParts { limit: usize },
    #[error("Excel文件中的{part}解压后超过{limit_mb}MB的上限，无法导入；请拆分成多个文件分批导入")]
    PartTooLarge { part: &'static str, limit_mb: u64 },
    #[error("Excel文件解压后超过{limit_mb}MB的上限，无法导入；请拆分成多个文件分批导入")]
    UnpackedTooLarge { limit_mb: u64 },
    /// Whole file refused: a NUL or other control character is never typed by a person, and storing it would
    /// fail (PostgreSQL text) or corrupt what is shown later.
    #[error("{}", control_message(.cells, *.total))]
    ControlCharacters { cells: Vec<ControlCell>, total: usize },
}

/// Where a control character was found: the row as Excel numbers it, the column letter and its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlCell {
    pub row_no: usize,
    pub column: String,
    /// The column's field path (`comment`), empty for a column the importer does not know.
    pub field: String,
}

impl FileError {
    /// Refusals for size: the file is well-formed but larger than the importer reads (HTTP 413).
    pub fn is_over_limit(&self) -> bool {
        matches!(
            self,
            FileError::TooManyRows { .. }
                | FileError::TooManyColumns { .. }
                | FileError::SheetTooLarge { .. }
                | FileError::CellOutOfBounds { .. }
                | FileError::TooManyParts { .. }
                | FileError::PartTooLarge { .. }
                | FileError::UnpackedTooLarge { .. }
        )
    }
}

pub(crate) fn control_message(cells: &[ControlCell], total: usize) -> String {
    let listed: Vec<String> = cells.iter().map(|c| format!("第{}行{}列", c.row_no, c.column)).collect();
    let more = if total > cells.len() { format!("等{total}处") } else { String::new() };
    format!(
        "文件中有控制字符（如NUL），未导入任何记录：{}{more}。请删除这些单元格中的不可见字符后重新上传",
        listed.join("、")
    )
}

pub(crate) fn mismatch_message(declared: FileFormat) -> &'static str {
    match declared {
        FileFormat::Csv => "文件内容是Excel工作簿而不是CSV，请把扩展名改为.xlsx后重新上传",
        FileFormat::Xlsx => "文件内容不是Excel工作簿(.xlsx)；如果是CSV文件，请把扩展名改为.csv后重新上传",
    }
}

pub(crate) fn missing_message(missing: &[String], unknown: &[String]) -> String {
    let mut message = format!("缺少必填列：{}", quoted(missing));
    if !unknown.is_empty() {
        // A misspelt header is the usual cause: show both halves of the mistake together.
        message.push_str(&format!("；无法识别的列：{}", quoted(unknown)));
    }
    message
}

/// At most 20 names of at most 30 characters each: a hostile header must not become a megabyte of message.
pub(crate) fn quoted(names: &[String]) -> String {
    let mut listed: Vec<String> = names
        .iter()
        .take(20)
        .map(|name| {
            let short: String = name.chars().take(30).collect();
            if short.len() < name.len() { format!("“{short}…”") } else { format!("“{short}”") }
        })
        .collect();
    if names.len() > listed.len() {
        listed.push(format!("等{}个", names.len()));
    }
    listed.join("、")
}

#[derive(Debug, Clone, Default)]
pub struct ParsedFile {
    pub rows: Vec<ImportRow>,
    pub problems: Vec<RowProblem>,
}

/// Reads the header row and every data row of a CSV file or of the first worksheet of an XLSX workbook.
pub fn parse(bytes: &[u8], format: FileFormat) -> Result<ParsedFile, FileError> {
    let mut parsed = match format {
        FileFormat::Csv => parse_csv(bytes),
        FileFormat::Xlsx => parse_xlsx(bytes),
    }?;
    let batch = batch_digest(bytes);
    for row in &mut parsed.rows {
        row.import_ref = import_ref(&batch, row.row_no);
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
pub(crate) mod hostile;

#[cfg(test)]
mod properties;
