//! Exporting ledgers (and the upward report, `service::upward`) with constant memory whatever their size: rows
//! are read one at a time from the database and written as they come — CSV (UTF-8 with BOM, so Excel shows
//! Chinese) straight into the response, XLSX through rust_xlsxwriter's constant-memory worksheets into a
//! temporary file that is then streamed, JSON lines straight into the response.

use std::io::Write;

use std::borrow::Cow;

use chrono::{Datelike, NaiveDateTime};
use futures_util::TryStreamExt;
use hcp_core::level::Level;
use hcp_core::role::Role;
use hcp_core::tags::TagList;
use hcp_store::Store;
use hcp_store::ledger::{Cell, Kind, Labeler, Ledger, ledger};
use hcp_store::sql::Sql;
use hcp_store::sqlx::Row;
use hcp_store::sqlx::any::AnyRow;
use tokio::sync::mpsc;

use super::auth::CurrentUser;
use super::error::{AppError, AppResult};
use super::filters::{blank, day, end_of, start_of, today};
use super::state::AppState;

const CHUNK_ROWS: usize = 256;

/// The bytes of a file as they are produced; an `Err` cuts the transfer short (the file would be incomplete).
pub type ByteStream = mpsc::Receiver<Result<Vec<u8>, std::io::Error>>;

/// A file to download: its name, its type and its bytes as they come.
pub struct Export {
    pub filename: String,
    pub content_type: &'static str,
    pub stream: ByteStream,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// A stored code the ledger cannot name is an error, not a blank cell: an export that silently drops a state
/// would misreport the ledger.
fn unknown(what: &str, code: impl std::fmt::Debug) -> hcp_store::sqlx::Error {
    hcp_store::sqlx::Error::Decode(format!("unknown {what} code {code:?} in ledger row").into())
}

/// A cell as written: text, a whole number, or a time (Beijing time) that XLSX keeps as a real date.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    Number(f64),
    Time(NaiveDateTime),
}

impl Value {
    pub fn empty() -> Value {
        Value::Text(String::new())
    }

    /// What CSV shows (and how wide the cell is).
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Value::Text(text) => Cow::Borrowed(text),
            Value::Int(n) => Cow::Owned(n.to_string()),
            Value::Number(n) => Cow::Owned(n.to_string()),
            Value::Time(time) => Cow::Owned(time.format(TIME_FORMAT).to_string()),
        }
    }
}

/// Times in CSV; XLSX shows the same through its number format [`XLSX_TIME_FORMAT`].
const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";
const XLSX_TIME_FORMAT: &str = "yyyy-mm-dd hh:mm:ss";

fn text_or_empty(text: Option<String>) -> Value {
    text.map_or_else(Value::empty, Value::Text)
}

fn label_of(what: &str, labeler: Labeler, code: &str) -> Result<Value, hcp_store::sqlx::Error> {
    Ok(Value::Text(labeler(code).ok_or_else(|| unknown(what, code))?.into()))
}

/// The field of a timeline entry's JSON details, `None` when the entry or the field is missing or null.
fn detail(row: &AnyRow, i: usize, field: &str) -> Result<Option<String>, hcp_store::sqlx::Error> {
    let Some(details) = row.try_get::<Option<String>, _>(i)? else { return Ok(None) };
    let details: serde_json::Value =
        serde_json::from_str(&details).map_err(|e| hcp_store::sqlx::Error::Decode(Box::new(e)))?;
    Ok(match details.get(field) {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(text)) => Some(text.clone()),
        Some(other) => Some(other.to_string()),
    })
}

fn cell_value(row: &AnyRow, i: usize, cell: Cell) -> Result<Value, hcp_store::sqlx::Error> {
    Ok(match cell {
        Cell::Text => text_or_empty(row.try_get::<Option<String>, _>(i)?),
        Cell::Label(what, labeler) => match row.try_get::<Option<String>, _>(i)? {
            Some(code) => label_of(what, labeler, &code)?,
            None => Value::empty(),
        },
        Cell::Detail(field) => text_or_empty(detail(row, i, field)?),
        Cell::DetailLabel(field, what, labeler) => match detail(row, i, field)? {
            Some(code) => label_of(what, labeler, &code)?,
            None => Value::empty(),
        },
        Cell::Tags => match row.try_get::<Option<String>, _>(i)? {
            Some(stored) => {
                let tags = TagList::try_from(stored.clone()).map_err(|_| unknown("tag", &stored))?;
                Value::Text(tags.tags().map(|tag| tag.label).collect::<Vec<_>>().join("、"))
            }
            None => Value::empty(),
        },
        Cell::Int => row.try_get::<Option<i64>, _>(i)?.map_or_else(Value::empty, Value::Int),
        Cell::Instant => match row.try_get::<Option<i64>, _>(i)? {
            Some(ms) => Value::Time(
                hcp_store::from_ms(ms)
                    .map_err(|e| hcp_store::sqlx::Error::Decode(e.to_string().into()))?
                    .with_timezone(&hcp_core::clock::shanghai())
                    .naive_local(),
            ),
            None => Value::empty(),
        },
        Cell::Flag => match row.try_get::<Option<i64>, _>(i)? {
            Some(1) => Value::Text("是".into()),
            Some(_) => Value::Text("否".into()),
            None => Value::empty(),
        },
        Cell::Level => match row.try_get::<Option<i64>, _>(i)? {
            Some(code) => Value::Text(Level::from_code(code).ok_or_else(|| unknown("level", code))?.label().into()),
            None => Value::empty(),
        },
    })
}

type Reader = tokio::task::JoinHandle<Result<(), hcp_store::StoreError>>;

/// Reads the rows of `sql` one at a time, each turned into a `T` by `map`, into a channel; the reading waits
/// whenever the consumer is behind (so memory stays bounded) and stops when the consumer hangs up.
pub(crate) fn spawn_rows<T, F>(store: Store, sql: Sql, map: F) -> (mpsc::Receiver<T>, Reader)
where
    T: Send + 'static,
    F: Fn(&AnyRow) -> Result<T, hcp_store::sqlx::Error> + Send + 'static,
{
    let (rows_tx, rows_rx) = mpsc::channel::<T>(CHUNK_ROWS);
    let reader = tokio::spawn(async move {
        let mut conn = store.reader().await?;
        let query = sql.query();
        let mut rows = query.fetch(&mut *conn);
        while let Some(row) = rows.try_next().await? {
            if rows_tx.send(map(&row)?).await.is_err() {
                break;
            }
        }
        Ok(())
    });
    (rows_rx, reader)
}

/// Rows as CSV, every cell neutralised against formula injection (ledgers and the upward report alike).
fn csv_chunk(rows: &[Vec<Value>]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let rows: Vec<Vec<String>> = rows.iter().map(|row| row.iter().map(|v| v.text().into_owned()).collect()).collect();
    let _ = super::csv_cell::write_rows(&mut writer, &rows);
    writer.into_inner().unwrap_or_default()
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// `xlsx` (default) or `csv` (UTF-8 with BOM).
    #[param(value_type = Option<crate::app::choices::LedgerFormat>)]
    pub format: Option<String>,
    /// First day, YYYY-MM-DD (default: the first of this month).
    pub from: Option<String>,
    /// Last day, inclusive (default: today).
    pub to: Option<String>,
}

/// A ledger as a file: `tickets` (差评整改台账), `appeals` (申诉复核台账), `orders` (督查台账) or `evaluations`
/// (评价明细, without evaluator identity), for records of the given days in the caller's scope.
pub fn export(state: &AppState, user: &CurrentUser, kind: &str, q: &LedgerQuery) -> AppResult<Export> {
    user.require(&[Role::Supervisor, Role::Discipline, Role::DeptHead, Role::WindowHead])?;
    let kind = Kind::parse(kind).ok_or_else(|| AppError::not_found("台账"))?;
    let format = match blank(q.format.as_deref()).unwrap_or("xlsx") {
        "xlsx" => Format::Xlsx,
        "csv" => Format::Csv,
        other => return Err(AppError::invalid_query("format", format!("format 应为 xlsx 或 csv，而不是“{other}”"))),
    };
    let today = today(state);
    let from = day(q.from.as_deref(), "from", today.with_day(1).unwrap_or(today))?;
    let to = day(q.to.as_deref(), "to", today)?;
    let include_misconduct = matches!(user.role, Role::Supervisor | Role::Discipline);
    let ledger = ledger(kind, user.scope()?, include_misconduct, start_of(from), end_of(to));
    let (content_type, extension) = match format {
        Format::Xlsx => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
    };
    let filename = format!("{}_{from}_{to}.{extension}", ledger.title);
    Ok(Export { filename, content_type, stream: body(state.store().clone(), ledger, format) })
}

/// The bytes of `ledger` in `format`.
pub fn body(store: Store, ledger: Ledger, format: Format) -> ByteStream {
    let header: Vec<String> = ledger.columns.iter().map(|(h, _)| h.to_string()).collect();
    let columns = ledger.columns.clone();
    let (rows, reader) = spawn_rows(store, ledger.sql, move |row| {
        columns.iter().enumerate().map(|(i, (_, cell))| cell_value(row, i, *cell)).collect()
    });
    match format {
        Format::Csv => csv_body(header, rows, reader),
        Format::Xlsx => xlsx_body(ledger.title, header, rows, reader),
    }
}

/// CSV (UTF-8 with BOM, so Excel shows Chinese) of `header` and the rows as they come.
pub(crate) fn csv_body(header: Vec<String>, mut rows_rx: mpsc::Receiver<Vec<Value>>, reader: Reader) -> ByteStream {
    let (sender, receiver) = mpsc::channel(4);
    tokio::spawn(async move {
        let mut first = b"\xEF\xBB\xBF".to_vec();
        first.extend_from_slice(&csv_chunk(&[header.into_iter().map(Value::Text).collect()]));
        if sender.send(Ok(first)).await.is_err() {
            return;
        }
        let mut pending = Vec::with_capacity(CHUNK_ROWS);
        while let Some(row) = rows_rx.recv().await {
            pending.push(row);
            if pending.len() == CHUNK_ROWS && sender.send(Ok(csv_chunk(&std::mem::take(&mut pending)))).await.is_err() {
                return;
            }
        }
        if !pending.is_empty() {
            let _ = sender.send(Ok(csv_chunk(&pending))).await;
        }
        finish(reader, &sender).await;
    });
    receiver
}

/// JSON lines: each item of `lines` (one JSON document without its newline) on a line of its own.
pub(crate) fn lines_body(mut lines: mpsc::Receiver<String>, reader: Reader) -> ByteStream {
    let (sender, receiver) = mpsc::channel(4);
    tokio::spawn(async move {
        let mut pending = String::new();
        let mut count = 0;
        while let Some(line) = lines.recv().await {
            pending.push_str(&line);
            pending.push('\n');
            count += 1;
            if count == CHUNK_ROWS {
                count = 0;
                if sender.send(Ok(std::mem::take(&mut pending).into_bytes())).await.is_err() {
                    return;
                }
            }
        }
        if !pending.is_empty() {
            let _ = sender.send(Ok(pending.into_bytes())).await;
        }
        finish(reader, &sender).await;
    });
    receiver
}

/// A failed read after the response has started can only cut the body short: the client sees an incomplete
/// transfer rather than a file that looks whole.
async fn finish(reader: Reader, sender: &mpsc::Sender<Result<Vec<u8>, std::io::Error>>) {
    if let Ok(Err(err)) = reader.await {
        tracing::error!(error = %err, "export failed");
        let _ = sender.send(Err(std::io::Error::other("导出中断"))).await;
    }
}

/// XLSX through rust_xlsxwriter's constant-memory worksheet into a temporary file, then streamed.
pub(crate) fn xlsx_body(
    title: &'static str,
    header: Vec<String>,
    rows_rx: mpsc::Receiver<Vec<Value>>,
    reader: Reader,
) -> ByteStream {
    let (sender, receiver) = mpsc::channel(4);
    tokio::spawn(async move {
        let writer = tokio::task::spawn_blocking(move || write_xlsx(title, &header, rows_rx));
        let file = match (writer.await, reader.await) {
            (Ok(Ok(file)), Ok(Ok(()))) => file,
            (written, read) => {
                tracing::error!(?read, written = ?written.map(|w| w.map(|_| ())), "export failed");
                let _ = sender.send(Err(std::io::Error::other("导出失败"))).await;
                return;
            }
        };
        // Stream the finished file in 64 KB pieces; the temporary file is removed when `file` drops.
        let mut reader = match file.reopen() {
            Ok(reader) => tokio::fs::File::from_std(reader),
            Err(e) => {
                let _ = sender.send(Err(e)).await;
                return;
            }
        };
        loop {
            let mut buffer = vec![0u8; 64 * 1024];
            match tokio::io::AsyncReadExt::read(&mut reader, &mut buffer).await {
                Ok(0) => break,
                Ok(n) => {
                    buffer.truncate(n);
                    if sender.send(Ok(buffer)).await.is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = sender.send(Err(e)).await;
                    break;
                }
            }
        }
        drop(file);
    });
    receiver
}

/// Column widths in Excel's units (about one Latin character; a Chinese character takes two).
const MIN_WIDTH: usize = 8;
const MAX_WIDTH: usize = 50;

/// How many Latin characters' room the text takes: characters of East Asian width count double.
pub fn display_width(text: &str) -> usize {
    text.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// The width of a column whose widest cell (header included) takes `widest`: a little room, capped so a long
/// comment does not push the next column off the screen (such cells wrap instead).
fn column_width(widest: usize) -> f64 {
    (widest + 2).clamp(MIN_WIDTH, MAX_WIDTH) as f64
}

/// Points per line of wrapped text, and the most a row may have (Excel's limit).
const LINE_HEIGHT: f64 = 15.0;
const MAX_ROW_HEIGHT: f64 = 409.0;

/// The height of a row whose long texts wrap in their capped columns, so the lines do not run over the next
/// row: neither Excel nor LibreOffice recomputes it when opening the file. `None` when nothing wraps.
fn wrapped_height(row: &[Value]) -> Option<f64> {
    let per_line = MAX_WIDTH - 2;
    let lines = row
        .iter()
        .filter_map(|value| match value {
            Value::Text(text) if display_width(text) > MAX_WIDTH => Some(display_width(text).div_ceil(per_line)),
            _ => None,
        })
        .max()?;
    Some((lines as f64 * LINE_HEIGHT).min(MAX_ROW_HEIGHT))
}

fn write_xlsx(
    title: &str,
    header: &[String],
    mut rows: mpsc::Receiver<Vec<Value>>,
) -> Result<tempfile::NamedTempFile, String> {
    use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, FormatAlign, Workbook};
    let mut workbook = Workbook::new();
    let bold = XFormat::new().set_bold();
    // Top-aligned, so a row made high by a long text still reads from its first line.
    let top = XFormat::new().set_align(FormatAlign::Top);
    let time_format = top.clone().set_num_format(XLSX_TIME_FORMAT);
    let wrap = top.clone().set_text_wrap();
    let sheet = workbook.add_worksheet_with_constant_memory().map_err(|e| e.to_string())?;
    sheet.set_name(title).map_err(|e| e.to_string())?;
    let mut widest: Vec<usize> = header.iter().map(|text| display_width(text)).collect();
    for (col, text) in header.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, text, &bold).map_err(|e| e.to_string())?;
    }
    // The header stays in view while scrolling, and is printed on every page of a ledger filed on paper
    // (A4 landscape, with grid lines, as such ledgers are kept).
    sheet.set_freeze_panes(1, 0).map_err(|e| e.to_string())?;
    sheet.set_repeat_rows(0, 0).map_err(|e| e.to_string())?;
    sheet.set_paper_size(9).set_landscape().set_print_gridlines(true);
    let mut row_no: u32 = 1;
    while let Some(row) = rows.blocking_recv() {
        // Set before the row's cells: a constant-memory worksheet writes a row out once the next one starts.
        if let Some(height) = wrapped_height(&row) {
            sheet.set_row_height(row_no, height).map_err(|e| e.to_string())?;
        }
        for (col, value) in row.iter().enumerate() {
            let c = col as u16;
            let width = match value {
                Value::Text(text) if display_width(text) > MAX_WIDTH => {
                    sheet.write_string_with_format(row_no, c, text, &wrap).map_err(|e| e.to_string())?;
                    MAX_WIDTH
                }
                Value::Text(text) => {
                    sheet.write_string_with_format(row_no, c, text, &top).map_err(|e| e.to_string())?;
                    display_width(text)
                }
                Value::Int(n) => {
                    sheet.write_number_with_format(row_no, c, *n as f64, &top).map_err(|e| e.to_string())?;
                    value.text().len()
                }
                Value::Number(n) => {
                    sheet.write_number_with_format(row_no, c, *n, &top).map_err(|e| e.to_string())?;
                    value.text().len()
                }
                Value::Time(time) => {
                    let at = ExcelDateTime::from_timestamp(time.and_utc().timestamp()).map_err(|e| e.to_string())?;
                    sheet.write_datetime_with_format(row_no, c, at, &time_format).map_err(|e| e.to_string())?;
                    XLSX_TIME_FORMAT.len()
                }
            };
            if widest.len() <= col {
                widest.resize(col + 1, 0);
            }
            widest[col] = widest[col].max(width);
        }
        row_no += 1;
    }
    // Constant-memory worksheets write the column widths when the file is assembled, after every row.
    for (col, widest) in widest.into_iter().enumerate() {
        sheet.set_column_width(col as u16, column_width(widest)).map_err(|e| e.to_string())?;
    }
    let mut file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    workbook.save_to_writer(&mut file).map_err(|e| e.to_string())?;
    file.flush().map_err(|e| e.to_string())?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_counts_double_and_widths_are_capped() {
        assert_eq!(display_width("S002"), 4);
        assert_eq!(display_width("李强（S002）"), 2 + 2 + 2 + 4 + 2);
        assert_eq!(column_width(display_width("是")), MIN_WIDTH as f64);
        assert_eq!(column_width(display_width(&"很".repeat(100))), MAX_WIDTH as f64);
        assert_eq!(column_width(19), 21.0);
    }

    #[test]
    fn rows_with_long_texts_are_as_high_as_their_lines() {
        let short = Value::Text("已整改".into());
        assert_eq!(wrapped_height(&[short.clone(), Value::Int(1)]), None);
        let three_lines = Value::Text("很".repeat(60));
        assert_eq!(wrapped_height(&[short, three_lines]), Some(3.0 * LINE_HEIGHT));
        assert_eq!(wrapped_height(&[Value::Text("很".repeat(2000))]), Some(MAX_ROW_HEIGHT));
    }

    #[test]
    fn times_read_as_beijing_seconds_in_csv() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 10, 12).unwrap().and_hms_opt(10, 0, 5).unwrap();
        assert_eq!(Value::Time(at).text(), "2026-10-12 10:00:05");
        assert_eq!(Value::Int(42).text(), "42");
    }
}
