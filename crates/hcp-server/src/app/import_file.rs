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
const FINGERPRINT_VERSION: &str = "hcp-import-v1";

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// Compound File Binary: legacy .xls, and also password-protected .xlsx.
const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

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

fn mismatch_message(declared: FileFormat) -> &'static str {
    match declared {
        FileFormat::Csv => "文件内容是Excel工作簿而不是CSV，请把扩展名改为.xlsx后重新上传",
        FileFormat::Xlsx => "文件内容不是Excel工作簿(.xlsx)；如果是CSV文件，请把扩展名改为.csv后重新上传",
    }
}

fn missing_message(missing: &[String], unknown: &[String]) -> String {
    let mut message = format!("缺少必填列：{}", quoted(missing));
    if !unknown.is_empty() {
        // A misspelt header is the usual cause: show both halves of the mistake together.
        message.push_str(&format!("；无法识别的列：{}", quoted(unknown)));
    }
    message
}

fn quoted(names: &[String]) -> String {
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

// ---------------------------------------------------------------------------------------------------------------
// Columns

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Channel,
    CaseNo,
    WindowCode,
    StaffNo,
    Level,
    Tags,
    Comment,
    EvaluatorName,
    EvaluatorPhone,
    EvaluatorIdNo,
    EvaluatorKind,
    EvaluatedAt,
    FormNo,
    FollowUp,
}

impl Column {
    /// Template order; `TEMPLATE_HEADERS` follows it.
    const ALL: [Column; 14] = [
        Column::Channel,
        Column::CaseNo,
        Column::WindowCode,
        Column::StaffNo,
        Column::Level,
        Column::Tags,
        Column::Comment,
        Column::EvaluatorName,
        Column::EvaluatorPhone,
        Column::EvaluatorIdNo,
        Column::EvaluatorKind,
        Column::EvaluatedAt,
        Column::FormNo,
        Column::FollowUp,
    ];

    fn index(self) -> usize {
        self as usize
    }

    fn header(self) -> &'static str {
        TEMPLATE_HEADERS[self.index()]
    }

    fn key(self) -> &'static str {
        match self {
            Column::Channel => "channel",
            Column::CaseNo => "case_no",
            Column::WindowCode => "window_code",
            Column::StaffNo => "staff_no",
            Column::Level => "level",
            Column::Tags => "tags",
            Column::Comment => "comment",
            Column::EvaluatorName => "evaluator_name",
            Column::EvaluatorPhone => "evaluator_phone",
            Column::EvaluatorIdNo => "evaluator_id_no",
            Column::EvaluatorKind => "evaluator_kind",
            Column::EvaluatedAt => "evaluated_at",
            Column::FormNo => "form_no",
            Column::FollowUp => "follow_up",
        }
    }

    /// Field path as in [`hcp_core::FieldErrors`], so problems and validation errors read alike.
    fn field(self) -> &'static str {
        match self {
            Column::EvaluatorName => "evaluator.name",
            Column::EvaluatorPhone => "evaluator.phone",
            Column::EvaluatorIdNo => "evaluator.id_no",
            Column::EvaluatorKind => "evaluator.kind",
            other => other.key(),
        }
    }

    /// Other headers seen on hand-made sheets.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Channel => &["评价渠道"],
            Column::CaseNo => &["办件号"],
            Column::WindowCode => &["窗口号"],
            Column::StaffNo => &["工作人员工号"],
            Column::Level => &["等级", "满意度"],
            Column::Tags => &["标签"],
            Column::Comment => &["评价意见", "意见内容"],
            Column::EvaluatorName => &["评价人", "姓名"],
            Column::EvaluatorPhone => &["电话", "手机号码"],
            Column::EvaluatorIdNo => &["证件号", "身份证号码"],
            Column::EvaluatorKind => &[],
            Column::EvaluatedAt => &["评价时间"],
            Column::FormNo => &["评价表编号"],
            Column::FollowUp => &["是否追评"],
        }
    }

    fn from_header(text: &str) -> Option<Column> {
        let wanted = header_key(text);
        if wanted.is_empty() {
            return None;
        }
        Column::ALL.into_iter().find(|column| {
            header_key(column.header()) == wanted
                || header_key(column.key()) == wanted
                || column.aliases().iter().any(|alias| header_key(alias) == wanted)
        })
    }

    /// Digit strings that Excel turns into numbers and, past 15 digits, into scientific notation.
    fn holds_code(self) -> bool {
        matches!(
            self,
            Column::CaseNo
                | Column::WindowCode
                | Column::StaffNo
                | Column::EvaluatorPhone
                | Column::EvaluatorIdNo
                | Column::FormNo
        )
    }
}

/// Comparison key of a header: "*评价等级（1-5）", "Evaluator Name" and "evaluator.name" must all match.
fn header_key(text: &str) -> String {
    let text = text.trim().trim_start_matches('\u{feff}');
    // Explanations in brackets ("（必填）", "(1-5)") are not part of the name.
    let name = text.split(['(', '（']).next().unwrap_or("");
    name.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊' | '_' | '.' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// "A", …, "Z", "AA", … as Excel names columns.
fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

// ---------------------------------------------------------------------------------------------------------------
// Rows, whatever the format

/// A cell as text, or why it cannot be read (Excel error values, numbers Excel already truncated).
type CellText = Result<String, String>;

struct SheetRow {
    row_no: usize,
    cells: Vec<CellText>,
}

fn is_blank(cells: &[CellText]) -> bool {
    cells.iter().all(|cell| matches!(cell, Ok(text) if text.trim().is_empty()))
}

struct Layout {
    columns: Vec<Option<Column>>,
    /// Absolute index of the first column, for Excel letters in messages.
    first_col: usize,
}

impl Layout {
    fn from_header(cells: &[CellText], first_col: usize) -> Result<Layout, FileError> {
        let mut columns = Vec::with_capacity(cells.len());
        let mut unknown = Vec::new();
        let mut duplicate = Vec::new();
        for cell in cells {
            let text = cell.as_deref().unwrap_or("").trim().trim_start_matches('\u{feff}').trim();
            if text.is_empty() {
                columns.push(None);
                continue;
            }
            match Column::from_header(text) {
                Some(column) if columns.contains(&Some(column)) => {
                    duplicate.push(text.to_owned());
                    columns.push(None);
                }
                Some(column) => columns.push(Some(column)),
                None => {
                    unknown.push(text.to_owned());
                    columns.push(None);
                }
            }
        }
        let has = |column: Column| columns.contains(&Some(column));
        let mut missing: Vec<String> = [Column::Channel, Column::Level]
            .into_iter()
            .filter(|&column| !has(column))
            .map(|column| column.header().to_owned())
            .collect();
        if !has(Column::CaseNo) && !has(Column::WindowCode) {
            missing.push(format!("{}或{}", Column::CaseNo.header(), Column::WindowCode.header()));
        }
        if !missing.is_empty() {
            return Err(FileError::MissingColumns { missing, unknown });
        }
        if !unknown.is_empty() {
            return Err(FileError::UnknownColumns(unknown));
        }
        if !duplicate.is_empty() {
            return Err(FileError::DuplicateColumns(duplicate));
        }
        Ok(Layout { columns, first_col })
    }

    /// The row's input and its identity (normalised values, before the occurrence index), or why it is unreadable.
    fn read_row(&self, row: &SheetRow) -> Result<(EvaluationInput, String), Vec<RowProblem>> {
        let row_no = row.row_no;
        let mut problems = Vec::new();
        let mut problem = |field: &str, message: String| {
            problems.push(RowProblem { row_no, field: field.to_owned(), message });
        };
        let mut values: [Option<String>; Column::ALL.len()] = Default::default();
        let mut stray_reported = false;
        for (i, cell) in row.cells.iter().enumerate() {
            let column = self.columns.get(i).copied().flatten();
            match (column, cell) {
                (_, Ok(text)) if text.trim().is_empty() => {}
                (None, _) => {
                    // Data without a header is usually a shifted row (an unquoted comma): importing it would guess.
                    if !stray_reported {
                        stray_reported = true;
                        let letter = column_letter(self.first_col + i);
                        problem("row", format!("{letter}列没有列名，其中的内容无法导入；请删除该内容或补上列名"));
                    }
                }
                (Some(column), Err(message)) => problem(column.field(), format!("{}：{message}", column.header())),
                (Some(column), Ok(text)) => values[column.index()] = Some(text.trim().to_owned()),
            }
        }
        let take = |column: Column| values[column.index()].clone();

        for column in Column::ALL.into_iter().filter(|c| c.holds_code()) {
            if let Some(text) = &values[column.index()]
                && looks_scientific(text)
            {
                problem(
                    column.field(),
                    format!(
                        "{}“{text}”被Excel显示成了科学计数法，数字已丢失；请把该列设为文本格式，重新填写后再导入",
                        column.header()
                    ),
                );
            }
        }

        let channel = take(Column::Channel)
            .map(|text| Channel::parse(&text).map(|channel| channel.code().to_owned()).unwrap_or(text));

        let level = match take(Column::Level) {
            None => None,
            Some(text) => match Level::parse(&text) {
                Some(level) => Some(level.code()),
                None => {
                    problem(
                        Column::Level.field(),
                        format!("评价等级“{text}”无法识别，应填写1至5，或非常满意、满意、基本满意、不满意、非常不满意"),
                    );
                    None
                }
            },
        };

        let tags: Vec<serde_json::Value> = take(Column::Tags)
            .map(|text| {
                text.split(|c: char| matches!(c, ',' | '，' | ';' | '；' | '、') || c.is_whitespace())
                    .filter(|tag| !tag.is_empty())
                    .map(|tag| serde_json::Value::String(tag.to_owned()))
                    .collect()
            })
            .unwrap_or_default();

        let follow_up = match take(Column::FollowUp) {
            None => false,
            Some(text) => match parse_yes_no(&text) {
                Some(value) => value,
                None => {
                    problem(Column::FollowUp.field(), format!("追评“{text}”无法识别，应填写“是”或“否”"));
                    false
                }
            },
        };

        let evaluator = EvaluatorInput {
            name: take(Column::EvaluatorName),
            phone: take(Column::EvaluatorPhone),
            id_no: take(Column::EvaluatorIdNo),
            kind: take(Column::EvaluatorKind)
                .map(|text| EvaluatorKind::parse(&text).map(|kind| kind.code().to_owned()).unwrap_or(text)),
        };
        let has_evaluator = evaluator.name.is_some()
            || evaluator.phone.is_some()
            || evaluator.id_no.is_some()
            || evaluator.kind.is_some();

        if !problems.is_empty() {
            return Err(problems);
        }

        let input = EvaluationInput {
            channel,
            case_no: take(Column::CaseNo),
            window_code: take(Column::WindowCode),
            staff_no: take(Column::StaffNo),
            level,
            tags,
            comment: take(Column::Comment),
            evaluator: has_evaluator.then_some(evaluator),
            evaluated_at: take(Column::EvaluatedAt).map(|text| normalize_when(&text)),
            follow_up,
        };
        let identity = identity(&input, take(Column::FormNo).as_deref());
        Ok((input, identity))
    }
}

/// Canonical text of what the row says, in a fixed field order, so column order and cell spelling
/// (满意 vs 4, 纸质评价表 vs paper, 2026/3/5 vs an Excel date) do not matter.
fn identity(input: &EvaluationInput, form_no: Option<&str>) -> String {
    let evaluator = input.evaluator.clone().unwrap_or_default();
    serde_json::json!([
        FINGERPRINT_VERSION,
        input.channel,
        input.case_no,
        input.window_code,
        input.staff_no,
        input.level,
        input.tags,
        input.comment,
        evaluator.name,
        evaluator.phone,
        evaluator.id_no,
        evaluator.kind,
        input.evaluated_at,
        form_no,
        input.follow_up,
    ])
    .to_string()
}

fn fingerprint(identity: &str, occurrence: usize) -> String {
    let mut hasher = Sha256::new();
    hasher.update(identity.as_bytes());
    hasher.update(b"\n");
    hasher.update(occurrence.to_string().as_bytes());
    hex::encode(hasher.finalize())
}

fn parse_rows<I>(mut rows: I, first_col: usize) -> Result<ParsedFile, FileError>
where
    I: Iterator<Item = Result<SheetRow, FileError>>,
{
    let header = loop {
        match rows.next() {
            None => return Err(FileError::Empty),
            Some(row) => {
                let row = row?;
                if !is_blank(&row.cells) {
                    break row;
                }
            }
        }
    };
    let layout = Layout::from_header(&header.cells, first_col)?;

    let mut parsed = ParsedFile::default();
    let mut occurrences: HashMap<[u8; 32], usize> = HashMap::new();
    let mut count = 0usize;
    for row in rows {
        let row = row?;
        if is_blank(&row.cells) {
            continue;
        }
        count += 1;
        if count > MAX_ROWS {
            return Err(FileError::TooManyRows { limit: MAX_ROWS });
        }
        match layout.read_row(&row) {
            Ok((input, identity)) => {
                // Keyed by digest: 50 000 long comments need not be held twice.
                let occurrence = occurrences.entry(Sha256::digest(identity.as_bytes()).into()).or_insert(0);
                let fingerprint = fingerprint(&identity, *occurrence);
                *occurrence += 1;
                parsed.rows.push(ImportRow { row_no: row.row_no, input, fingerprint });
            }
            Err(problems) => parsed.problems.extend(problems),
        }
    }
    if count == 0 {
        return Err(FileError::NoRows);
    }
    Ok(parsed)
}

// ---------------------------------------------------------------------------------------------------------------
// Cell values

/// Excel shows long numbers as "1.10101E+17"; a CSV saved from it keeps only that text.
fn looks_scientific(text: &str) -> bool {
    let Some((mantissa, exponent)) = text.split_once(['E', 'e']) else {
        return false;
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && (fraction.is_empty() || digits(fraction)) && digits(exponent)
}

fn parse_yes_no(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "是" | "true" | "1" | "yes" | "y" => Some(true),
        "否" | "false" | "0" | "no" | "n" => Some(false),
        _ => None,
    }
}

/// Dates as typed or exported by Excel ("2026/3/5", "2026年3月5日", "2026-03-05 14:30") become "2026-03-05" or
/// RFC 3339 with +08:00 (DESIGN §3: every local time is Asia/Shanghai). Anything else is passed on for validation
/// to report.
fn normalize_when(text: &str) -> String {
    parse_local_when(text).unwrap_or_else(|| text.to_owned())
}

fn parse_local_when(text: &str) -> Option<String> {
    let (date, time) = match text.split_once(['T', ' ']) {
        Some((date, time)) => (date, Some(time.trim())),
        None => (text, None),
    };
    let (year, month, day) = parse_date_part(date)?;
    let (hour, minute, second) = match time {
        None => (0, 0, 0),
        Some(time) => parse_time_part(time)?,
    };
    Some(format_when(year, month, day, hour, minute, second))
}

fn format_when(year: u32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> String {
    if (hour, minute, second) == (0, 0, 0) {
        // A form carries a date; midnight is how Excel writes "no time".
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}+08:00")
    }
}

fn parse_date_part(text: &str) -> Option<(u32, u32, u32)> {
    let text = text.strip_suffix('日').unwrap_or(text);
    let parts: Vec<&str> = text.split(['-', '/', '.', '年', '月']).collect();
    let [year, month, day] = parts.as_slice() else {
        return None;
    };
    let number = |s: &str, max_len: usize| -> Option<u32> {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
    };
    let (year, month, day) = (number(year, 4)?, number(month, 2)?, number(day, 2)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (year >= 1900 && (1..=days).contains(&day)).then_some((year, month, day))
}

fn parse_time_part(text: &str) -> Option<(u32, u32, u32)> {
    let parts: Vec<&str> = text.split(':').collect();
    let number = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
    };
    let (hour, minute, second) = match parts.as_slice() {
        [hour, minute] => (number(hour)?, number(minute)?, 0),
        // Fractions of a second are below what a paper form records.
        [hour, minute, second] => (number(hour)?, number(minute)?, number(second.split('.').next()?)?),
        _ => return None,
    };
    (hour < 24 && minute < 60 && second < 60).then_some((hour, minute, second))
}

// ---------------------------------------------------------------------------------------------------------------
// CSV

fn parse_csv(bytes: &[u8]) -> Result<ParsedFile, FileError> {
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
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());

    // The csv reader skips empty lines, Excel shows them as rows: count them back in so that row numbers match.
    let mut record = csv::StringRecord::new();
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
fn sniff_delimiter(text: &str) -> u8 {
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

// ---------------------------------------------------------------------------------------------------------------
// XLSX

fn parse_xlsx(bytes: &[u8]) -> Result<ParsedFile, FileError> {
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

fn cell_text(cell: &Data) -> CellText {
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
fn number_text(f: f64) -> CellText {
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

fn excel_when(dt: &ExcelDateTime) -> String {
    let (year, month, day, hour, minute, second, _milli) = dt.to_ymd_hms_milli();
    format_when(year.into(), month.into(), day.into(), hour.into(), minute.into(), second.into())
}

#[cfg(test)]
mod tests {
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
    fn reparsing_gives_identical_fingerprints_and_identical_rows_differ() {
        let text = "渠道,窗口编号,评价等级,评价内容\npaper,W01,5,好\npaper,W01,5,好\npaper,W01,4,好\n";
        let first = csv(text).unwrap();
        let again = csv(text).unwrap();
        assert_eq!(fingerprints(&first), fingerprints(&again));
        let prints = fingerprints(&first);
        assert_eq!(prints.len(), 3);
        assert_ne!(prints[0], prints[1], "two identical paper forms must both land");
        assert_ne!(prints[0], prints[2]);
        assert!(prints.iter().all(|p| p.len() == 64 && p.bytes().all(|b| b.is_ascii_hexdigit())));
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
        assert_eq!(
            err,
            FileError::MissingColumns { missing: vec!["评价等级".into()], unknown: vec!["评价登记".into()] }
        );
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
            [
                "渠道",
                "办件编号",
                "工号",
                "评价等级",
                "评价标签",
                "评价内容",
                "评价人姓名",
                "联系电话",
                "评价日期",
                "追评",
            ]
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
}
