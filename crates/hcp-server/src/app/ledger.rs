//! Exporting ledgers (and the upward report, `service::upward`) with constant memory whatever their size: rows
//! are read one at a time from the database and written as they come — CSV (UTF-8 with BOM, so Excel shows
//! Chinese) straight into the response, XLSX through rust_xlsxwriter's constant-memory worksheets into a
//! temporary file that is then streamed, JSON lines straight into the response.

use std::io::Write;

use chrono::Datelike;
use futures_util::TryStreamExt;
use hcp_core::level::Level;
use hcp_core::role::Role;
use hcp_core::ticket::{TicketKind, TicketState};
use hcp_store::Store;
use hcp_store::ledger::{Cell, Kind, Ledger, ledger};
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

fn cell_text(row: &AnyRow, i: usize, cell: Cell) -> Result<String, hcp_store::sqlx::Error> {
    Ok(match cell {
        Cell::Text => row.try_get::<Option<String>, _>(i)?.unwrap_or_default(),
        Cell::TicketState => match row.try_get::<Option<String>, _>(i)? {
            Some(code) => TicketState::from_code(&code).ok_or_else(|| unknown("ticket state", &code))?.label().into(),
            None => String::new(),
        },
        Cell::TicketKind => match row.try_get::<Option<String>, _>(i)? {
            Some(code) => TicketKind::from_code(&code).ok_or_else(|| unknown("ticket kind", &code))?.label().into(),
            None => String::new(),
        },
        Cell::Int => row.try_get::<Option<i64>, _>(i)?.map(|v| v.to_string()).unwrap_or_default(),
        Cell::Instant => match row.try_get::<Option<i64>, _>(i)? {
            Some(ms) => hcp_store::from_ms(ms)
                .map_err(|e| hcp_store::sqlx::Error::Decode(e.to_string().into()))?
                .with_timezone(&hcp_core::clock::shanghai())
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            None => String::new(),
        },
        Cell::Flag => match row.try_get::<Option<i64>, _>(i)? {
            Some(1) => "是".into(),
            Some(_) => "否".into(),
            None => String::new(),
        },
        Cell::Level => match row.try_get::<Option<i64>, _>(i)? {
            Some(code) => Level::from_code(code).ok_or_else(|| unknown("level", code))?.label().into(),
            None => String::new(),
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
fn csv_chunk(rows: &[Vec<String>]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = super::csv_cell::write_rows(&mut writer, rows);
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
    let numeric: Vec<bool> = ledger.columns.iter().map(|(_, c)| *c == Cell::Int).collect();
    let columns = ledger.columns.clone();
    let (rows, reader) = spawn_rows(store, ledger.sql, move |row| {
        columns.iter().enumerate().map(|(i, (_, cell))| cell_text(row, i, *cell)).collect()
    });
    match format {
        Format::Csv => csv_body(header, rows, reader),
        Format::Xlsx => xlsx_body(ledger.title, header, numeric, rows, reader),
    }
}

/// CSV (UTF-8 with BOM, so Excel shows Chinese) of `header` and the rows as they come.
pub(crate) fn csv_body(header: Vec<String>, mut rows_rx: mpsc::Receiver<Vec<String>>, reader: Reader) -> ByteStream {
    let (sender, receiver) = mpsc::channel(4);
    tokio::spawn(async move {
        let mut first = b"\xEF\xBB\xBF".to_vec();
        first.extend_from_slice(&csv_chunk(&[header]));
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
    numeric: Vec<bool>,
    rows_rx: mpsc::Receiver<Vec<String>>,
    reader: Reader,
) -> ByteStream {
    let (sender, receiver) = mpsc::channel(4);
    tokio::spawn(async move {
        let writer = tokio::task::spawn_blocking(move || write_xlsx(title, &header, &numeric, rows_rx));
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

fn write_xlsx(
    title: &str,
    header: &[String],
    numeric: &[bool],
    mut rows: mpsc::Receiver<Vec<String>>,
) -> Result<tempfile::NamedTempFile, String> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let mut workbook = Workbook::new();
    let bold = XFormat::new().set_bold();
    let sheet = workbook.add_worksheet_with_constant_memory().map_err(|e| e.to_string())?;
    sheet.set_name(title).map_err(|e| e.to_string())?;
    for (col, text) in header.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, text, &bold).map_err(|e| e.to_string())?;
        sheet.set_column_width(col as u16, 16).map_err(|e| e.to_string())?;
    }
    let mut row_no: u32 = 1;
    while let Some(row) = rows.blocking_recv() {
        for (col, text) in row.iter().enumerate() {
            let number = numeric.get(col).copied().unwrap_or(false).then(|| text.parse::<f64>().ok()).flatten();
            match number {
                Some(n) => sheet.write_number(row_no, col as u16, n),
                None => sheet.write_string(row_no, col as u16, text),
            }
            .map_err(|e| e.to_string())?;
        }
        row_no += 1;
    }
    let mut file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    workbook.save_to_writer(&mut file).map_err(|e| e.to_string())?;
    file.flush().map_err(|e| e.to_string())?;
    Ok(file)
}
