//! `/entry/upload`: a CSV or XLSX file of paper forms, box records or hotline logs, imported by the same function
//! as `POST /api/v1/evaluations/import` (same size limit, same batch identity: a file uploaded twice adds
//! nothing); the page shows every row's outcome. `/entry/template.csv` and `/entry/template.xlsx` are the
//! importer's own columns with one example row that imports cleanly.

use askama::Template;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hcp_core::clock::shanghai;
use hcp_core::level::Level;

use super::super::csrf;
use super::super::errors::PageError;
use super::super::layout::Chrome;
use super::super::signed_in::SignedIn;
use super::ENTRY_ROLES;
use crate::app::error::ErrorCode;
use crate::app::import;
use crate::app::import::ImportReport;
use crate::app::import::parse::{FileFormat, TEMPLATE_HEADERS};
use crate::app::org::Organisation;
use crate::app::state::AppState;
use crate::edge::client::ClientAddr;
use crate::web::multipart;

const FORM: &str = "entry-upload";

/// Room for the multipart envelope and the CSRF field beside the file itself.
const ENVELOPE_BYTES: usize = 16 * 1024;

/// Accepted rows listed one by one on the result page; the rest are counted (a 50 000-row file stays readable).
const LISTED_ACCEPTED: usize = 500;

/// Each column of the template: whether it is required, what goes in it. Same length as `TEMPLATE_HEADERS`.
pub const COLUMN_NOTES: [(&str, &str); TEMPLATE_HEADERS.len()] = [
    ("必填", "paper（纸质评价表）、box（意见箱）或 phone（12345热线），也可直接写中文名称"),
    ("与窗口编号二选一", "按办件评价（一事一评）时填写；窗口和工作人员按办件自动确定"),
    ("与办件编号二选一", "被评价窗口的编号，如 W-SC-01"),
    ("选填", "被评价工作人员的工号，须属于该窗口"),
    ("必填", "1至5（5 非常满意、4 满意、3 基本满意、2 不满意、1 非常不满意），也可写中文"),
    ("差评时与评价内容至少填一项", "标签编号或名称，多个用逗号或顿号分隔，须属于所填等级"),
    ("选填", "评价人写下的意见，最多2000字"),
    ("选填", "评价人或来电人姓名"),
    ("选填", "手机或固定电话"),
    ("选填", "身份证号码（法人填统一社会信用代码）"),
    ("选填", "个人或法人，不填为个人"),
    ("选填", "纸质表上的日期或来电时间，如 2026-10-12 或 2026-10-12 14:30；不填为导入时间；不能早于一年前"),
    ("选填", "纸质评价表上的编号，用于区分内容相同的两张表"),
    ("选填", "是或否；追评须填写办件编号"),
];

pub struct ColumnNote {
    pub header: &'static str,
    pub required: &'static str,
    pub meaning: &'static str,
    pub example: String,
}

/// One row of the result: accepted (with its tracking code), already imported, or refused with its messages.
pub struct RowLine {
    pub row: usize,
    pub status: RowStatus,
    pub tracking_code: String,
    /// Shown in this one answer only, like a receipt's: the registrar prints or copies it for the evaluator.
    pub query_password: String,
    pub ticket: bool,
    pub messages: Vec<(&'static str, String)>,
}

#[derive(PartialEq, Eq)]
pub enum RowStatus {
    Accepted,
    Duplicate,
    Refused,
}

pub struct ReportView {
    pub file_name: String,
    pub rows: usize,
    pub imported: usize,
    pub duplicates: usize,
    pub refused: usize,
    pub tickets: usize,
    pub lines: Vec<RowLine>,
    /// Accepted rows not listed.
    pub more_accepted: usize,
}

#[derive(Template)]
#[template(path = "entry_upload.html")]
pub struct UploadPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub max_kb: usize,
    pub columns: Vec<ColumnNote>,
    pub error: Option<String>,
    pub report: Option<ReportView>,
}

/// A row's message with the column it is about, unless the message already names it.
fn with_column(field: &str, message: String) -> (&'static str, String) {
    let column = column_of(field);
    if message.starts_with(column) { ("", message) } else { (column, message) }
}

/// The importer's field paths as the column headers the user knows.
fn column_of(field: &str) -> &'static str {
    let index = match field {
        "channel" => 0,
        "case_no" => 1,
        "window_code" => 2,
        "staff_no" => 3,
        "level" => 4,
        "tags" => 5,
        "comment" => 6,
        "evaluator.name" => 7,
        "evaluator.phone" => 8,
        "evaluator.id_no" => 9,
        "evaluator.kind" => 10,
        "evaluated_at" => 11,
        "form_no" => 12,
        "follow_up" => 13,
        _ => return "整行",
    };
    TEMPLATE_HEADERS[index]
}

impl ReportView {
    fn new(file_name: String, report: ImportReport) -> ReportView {
        let mut lines: Vec<RowLine> = Vec::new();
        for error in report.errors {
            match lines.last_mut() {
                Some(line) if line.row == error.row => line.messages.push(with_column(&error.field, error.message)),
                _ => lines.push(RowLine {
                    row: error.row,
                    status: RowStatus::Refused,
                    tracking_code: String::new(),
                    query_password: String::new(),
                    ticket: false,
                    messages: vec![with_column(&error.field, error.message)],
                }),
            }
        }
        let refused = lines.len();
        let more_accepted = report.accepted.len().saturating_sub(LISTED_ACCEPTED);
        // Warnings (a row identical to another) go with their accepted row.
        let mut warnings: std::collections::HashMap<usize, Vec<(&'static str, String)>> = Default::default();
        for warning in report.warnings {
            warnings.entry(warning.row).or_default().push(("", warning.message));
        }
        for accepted in report.accepted.into_iter().take(LISTED_ACCEPTED) {
            lines.push(RowLine {
                row: accepted.row,
                status: RowStatus::Accepted,
                tracking_code: accepted.tracking_code,
                query_password: accepted.query_password,
                ticket: accepted.ticket_id.is_some(),
                messages: warnings.remove(&accepted.row).unwrap_or_default(),
            });
        }
        for row in report.duplicate_rows {
            lines.push(RowLine {
                row,
                status: RowStatus::Duplicate,
                tracking_code: String::new(),
                query_password: String::new(),
                ticket: false,
                messages: Vec::new(),
            });
        }
        lines.sort_by_key(|line| line.row);
        ReportView {
            file_name,
            rows: report.rows,
            imported: report.imported,
            duplicates: report.duplicates,
            refused,
            tickets: report.tickets,
            lines,
            more_accepted,
        }
    }
}

fn upload_page(
    me: &SignedIn,
    state: &AppState,
    example: &[String],
    error: Option<String>,
    report: Option<ReportView>,
) -> UploadPage {
    UploadPage {
        chrome: super::chrome(me, state, "批量导入"),
        csrf: me.token(state, FORM),
        max_kb: state.config().upload.max_import_bytes / 1024,
        columns: TEMPLATE_HEADERS
            .iter()
            .zip(COLUMN_NOTES)
            .zip(example)
            .map(|((header, (required, meaning)), example)| ColumnNote {
                header,
                required,
                meaning,
                example: example.clone(),
            })
            .collect(),
        error,
        report,
    }
}

/// The template's example row: a real window of this installation and today's date, so it imports as is.
async fn example_row(state: &AppState) -> Result<Vec<String>, PageError> {
    let org = Organisation::load(state).await?;
    let window = org.windows.first().map_or_else(|| "W-001".to_owned(), |w| w.code.clone());
    let staff = match org.windows.first() {
        Some(w) => org.staff.iter().find(|s| s.window_id == Some(w.id)).map(|s| s.staff_no.clone()).unwrap_or_default(),
        None => String::new(),
    };
    let tag = hcp_core::tags::for_level(Level::VerySatisfied).next().map(|t| t.code.to_string()).unwrap_or_default();
    let today = state.now().with_timezone(&shanghai()).format("%Y-%m-%d").to_string();
    let form_no = format!("PJ-{}-001", today.replace('-', ""));
    Ok(vec![
        "纸质评价表".into(),
        String::new(),
        window,
        staff,
        "5".into(),
        tag,
        "办事很顺利，工作人员态度热情".into(),
        "张三".into(),
        "13800000000".into(),
        String::new(),
        "个人".into(),
        today,
        form_no,
        "否".into(),
    ])
}

pub async fn page(State(state): State<AppState>, me: SignedIn) -> Result<Response, PageError> {
    me.require(ENTRY_ROLES)?;
    let example = example_row(&state).await?;
    Ok(me.render(StatusCode::OK, &upload_page(&me, &state, &example, None, None)))
}

pub async fn submit(
    State(state): State<AppState>,
    me: SignedIn,
    ClientAddr(ip): ClientAddr,
    body: Body,
) -> Result<Response, PageError> {
    me.require(ENTRY_ROLES)?;
    let max = state.config().upload.max_import_bytes;
    let example = example_row(&state).await?;
    let too_large = || {
        PageError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "文件过大",
            format!("上传的文件超过了{}KB的上限，请拆分成多个文件分批导入。", max / 1024),
        )
    };
    let upload = match multipart::read(&me.headers, body, max + ENVELOPE_BYTES).await {
        Ok(upload) => upload,
        Err(multipart::ReadError::NotMultipart) => {
            return Err(PageError::bad_request("请从“批量导入”页面选择文件后上传。"));
        }
        Err(multipart::ReadError::TooLarge) => return Err(too_large()),
        Err(multipart::ReadError::Broken) => return Err(PageError::bad_request("文件没有完整上传，请重试。")),
    };
    let parts = upload.parts().ok_or_else(|| PageError::bad_request("无法读取上传的内容，请返回重试。"))?;
    let token = parts.iter().find(|p| p.name == csrf::FIELD).and_then(|p| std::str::from_utf8(p.data).ok());
    csrf::verify(&state, &me.headers, FORM, token.map(str::trim))?;

    let again =
        |error: String, status: StatusCode| me.render(status, &upload_page(&me, &state, &example, Some(error), None));
    let Some(file) = parts.iter().find(|p| p.name == "file" && p.filename.as_deref().is_some_and(|n| !n.is_empty()))
    else {
        return Ok(again("请选择要导入的文件（.csv 或 .xlsx）。".into(), StatusCode::UNPROCESSABLE_ENTITY));
    };
    if file.data.len() > max {
        return Err(too_large());
    }
    let file_name = file.filename.clone().unwrap_or_default();
    // The name's extension first: Windows browsers send .csv files as application/vnd.ms-excel.
    let format = FileFormat::from_name(&file_name)
        .or_else(|| file.content_type.as_deref().and_then(FileFormat::from_content_type));
    let Some(format) = format else {
        return Ok(again(
            format!("“{file_name}”不是可导入的文件：仅支持 CSV（UTF-8）或 XLSX 文件。"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ));
    };
    match import::upload(&state, &me.user, ip, file.data, format).await {
        Ok(report) => {
            let view = ReportView::new(file_name, report);
            Ok(me.render(StatusCode::OK, &upload_page(&me, &state, &example, None, Some(view))))
        }
        // The whole file was refused (no header, wrong encoding …): nothing imported, the reason on the page.
        Err(err) if err.code == ErrorCode::InvalidFile || err.code == ErrorCode::ValidationFailed => {
            Ok(again(format!("“{file_name}”未导入：{}", err.message), StatusCode::UNPROCESSABLE_ENTITY))
        }
        // Over a limit (uncompressed size, rows, columns): the same page, with the limit named.
        Err(err) if err.code == ErrorCode::PayloadTooLarge => {
            Ok(again(format!("“{file_name}”未导入：{}", err.message), StatusCode::PAYLOAD_TOO_LARGE))
        }
        Err(err) => Err(err.into()),
    }
}

fn attachment(content_type: &'static str, ascii_name: &str, name: &str, body: Vec<u8>) -> Response {
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20");
    let disposition = format!("attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}");
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    super::super::with_page_headers(response)
}

/// The header row and the example row as CSV, UTF-8 with a BOM so that Excel opens the Chinese correctly.
pub fn csv_template(example: &[String]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(b"\xEF\xBB\xBF".to_vec());
    let written = writer.write_record(TEMPLATE_HEADERS).and_then(|()| writer.write_record(example));
    match (written, writer.into_inner()) {
        (Ok(()), Ok(bytes)) => bytes,
        _ => Vec::new(),
    }
}

/// The same as a workbook: every column formatted as text (Excel would turn long codes and phone numbers into
/// numbers), the example row, and a second sheet explaining the columns.
pub fn xlsx_template(example: &[String]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let text = Format::new().set_num_format("@");
    let bold = Format::new().set_bold().set_num_format("@");
    let sheet = book.add_worksheet();
    sheet.set_name("评价记录")?;
    for (col, header) in TEMPLATE_HEADERS.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet.set_column_format(col, &text)?;
        sheet.set_column_width(col, if col == 6 { 30 } else { 14 })?;
        sheet.write_string_with_format(0, col, *header, &bold)?;
        if let Some(value) = example.get(usize::from(col)) {
            sheet.write_string_with_format(1, col, value, &text)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    let notes = book.add_worksheet();
    notes.set_name("填写说明")?;
    for (col, header) in ["列名", "是否必填", "填写说明"].into_iter().enumerate() {
        notes.write_string_with_format(0, u16::try_from(col).unwrap_or(0), header, &bold)?;
    }
    for (i, (header, (required, meaning))) in TEMPLATE_HEADERS.iter().zip(COLUMN_NOTES).enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        notes.write_string(row, 0, *header)?;
        notes.write_string(row, 1, required)?;
        notes.write_string(row, 2, meaning)?;
    }
    notes.set_column_width(0, 14)?;
    notes.set_column_width(1, 24)?;
    notes.set_column_width(2, 80)?;
    book.save_to_buffer()
}

pub async fn template_csv(State(state): State<AppState>, me: SignedIn) -> Result<Response, PageError> {
    me.require(ENTRY_ROLES)?;
    let example = example_row(&state).await?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        "evaluation-import-template.csv",
        "评价导入模板.csv",
        csv_template(&example),
    ))
}

pub async fn template_xlsx(State(state): State<AppState>, me: SignedIn) -> Result<Response, PageError> {
    me.require(ENTRY_ROLES)?;
    let example = example_row(&state).await?;
    let bytes = xlsx_template(&example).map_err(|err| {
        tracing::error!(%err, "import template workbook failed");
        PageError::internal()
    })?;
    Ok(attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "evaluation-import-template.xlsx",
        "评价导入模板.xlsx",
        bytes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::import::parse;

    fn example() -> Vec<String> {
        [
            "纸质评价表",
            "",
            "W-SC-01",
            "S002",
            "5",
            "517",
            "很好",
            "张三",
            "13800000000",
            "",
            "个人",
            "2026-10-12",
            "PJ-1",
            "否",
        ]
        .map(str::to_owned)
        .to_vec()
    }

    #[test]
    fn both_templates_parse_back_to_the_example_row() {
        for (bytes, format) in
            [(csv_template(&example()), FileFormat::Csv), (xlsx_template(&example()).unwrap(), FileFormat::Xlsx)]
        {
            let parsed = parse::parse(&bytes, format).unwrap();
            assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
            assert_eq!(parsed.rows.len(), 1);
            let input = &parsed.rows[0].input;
            assert_eq!(input.channel.as_deref(), Some("paper"));
            assert_eq!(input.window_code.as_deref(), Some("W-SC-01"));
            assert_eq!(input.level, Some(5));
            assert_eq!(input.evaluator.as_ref().and_then(|e| e.phone.as_deref()), Some("13800000000"));
        }
        assert!(csv_template(&example()).starts_with(b"\xEF\xBB\xBF\xE6\xB8\xA0\xE9\x81\x93,"));
    }
}
