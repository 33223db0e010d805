//! Batch-import files of paper evaluation forms (纸质评价表) and complaint-box records (意见箱): CSV or XLSX bytes in,
//! rows of [`EvaluationInput`] out. Pure: no database, no file system.
//!
//! Only cells that cannot be read at all are reported here ([`RowProblem`]); whether the values make sense is
//! decided later by [`hcp_core::evaluation::NewEvaluation::parse`], so that a row imported from a file and one
//! entered in a form get the same messages.

use std::collections::HashMap;
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

/// Most data rows one file may carry; larger batches are split by the registrar.
pub const MAX_ROWS: usize = 50_000;

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
    /// Hex SHA-256 of the row's normalised values plus the occurrence index of identical rows within the file:
    /// two identical paper forms in one file both land, and importing the same file again adds nothing.
    /// Independent of the row number, of column order and of CSV versus XLSX.
    pub fingerprint: String,
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

pub(crate) fn quoted(names: &[String]) -> String {
    names.iter().map(|name| format!("“{name}”")).collect::<Vec<_>>().join("、")
}

#[derive(Debug, Clone, Default)]
pub struct ParsedFile {
    pub rows: Vec<ImportRow>,
    pub problems: Vec<RowProblem>,
}

/// Reads the header row and every data row of a CSV file or of the first worksheet of an XLSX workbook.
pub fn parse(bytes: &[u8], format: FileFormat) -> Result<ParsedFile, FileError> {
    match format {
        FileFormat::Csv => parse_csv(bytes),
        FileFormat::Xlsx => parse_xlsx(bytes),
    }
}

#[cfg(test)]
mod tests;
