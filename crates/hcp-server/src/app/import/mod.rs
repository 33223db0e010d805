//! Batch import of paper evaluation forms, box records and hotline logs from CSV/XLSX. Valid rows land, invalid
//! rows are reported with their row number and reason.
//!
//! A batch is the file's bytes: each row's import reference is the file's SHA-256 and its row number, so
//! importing the same file again adds nothing. Another file with an identical row is another paper form: it is
//! registered, with a warning naming the earlier record (and likewise for identical rows within one file).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use hcp_core::FieldErrors;
use hcp_core::evaluation::NewEvaluation;
use hcp_core::role::Role;
use hcp_store::crypto::DataKey;
use hcp_store::{Store, evaluations};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult, ErrorCode};
pub mod parse;

use crate::app::intake::{self, IntakeRequest, Outcome, Submission, Submitter};
use crate::app::state::AppState;
use crate::app::tickets::lifecycle::Rules;
use parse::FileFormat;

/// Rows committed per transaction: large files do not hold the single SQLite writer for long, and a failure
/// half-way is harmless because batch references (file digest and row) make a re-run of the same file idempotent.
const CHUNK: usize = 500;

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ImportReport {
    /// Data rows read from the file (blank rows not counted).
    pub rows: usize,
    pub imported: usize,
    /// Rows that were already imported earlier.
    pub duplicates: usize,
    /// Bad reviews among the imported rows, each now a ticket.
    pub tickets: usize,
    pub errors: Vec<RowError>,
    /// Imported rows that read exactly like another row of this file or an earlier import: registered (two
    /// paper forms may read alike), reported so that a double entry can be checked.
    pub warnings: Vec<RowError>,
    /// Each imported row with its tracking code (the upload page lists them; not part of the API's answer).
    #[serde(skip)]
    pub accepted: Vec<AcceptedRow>,
    /// Rows recognised as imported earlier (upload page only).
    #[serde(skip)]
    pub duplicate_rows: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct AcceptedRow {
    pub row: usize,
    pub tracking_code: String,
    /// The row's query password: in this report only (stored as a keyed hash), for the paper evaluator.
    pub query_password: String,
    pub ticket_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowError {
    /// Row number as shown in Excel (header = 1).
    pub row: usize,
    pub field: String,
    pub message: String,
}

/// A file uploaded by a registrar or hotline operator (the API's upload and the upload page): its rows as that
/// user's records.
pub async fn upload(
    state: &AppState,
    user: &CurrentUser,
    ip: std::net::IpAddr,
    bytes: &[u8],
    format: FileFormat,
) -> AppResult<ImportReport> {
    user.require(&[Role::Registrar, Role::HotlineOperator])?;
    let submitter = Submitter::operator(state, user, ip);
    import(state.store(), state.key(), &state.rules(), &submitter, bytes, format, state.now()).await
}

/// Imports a file's rows as `submitter` (the upload, and `hcp import evaluations` at the command line).
pub async fn import(
    store: &Store,
    key: &DataKey,
    rules: &Rules,
    submitter: &Submitter,
    bytes: &[u8],
    format: FileFormat,
    now: DateTime<Utc>,
) -> AppResult<ImportReport> {
    let parsed = parse::parse(bytes, format).map_err(file_error)?;
    let mut report = ImportReport { rows: parsed.rows.len() + parsed.problems.len(), ..Default::default() };
    for problem in parsed.problems {
        report.errors.push(RowError { row: problem.row_no, field: problem.field, message: problem.message });
    }
    let mut pending = Vec::new();
    for row in parsed.rows {
        match NewEvaluation::parse(&row.input, now) {
            Ok(evaluation) if evaluation.channel.is_registered() => {
                pending.push((row.row_no, row.import_ref, row.fingerprint, evaluation))
            }
            Ok(_) => report.errors.push(RowError {
                row: row.row_no,
                field: "channel".into(),
                message: "批量导入仅限纸质评价表（paper）、意见箱（box）和12345热线（phone）记录".into(),
            }),
            Err(fields) => {
                for (field, message) in fields.0 {
                    report.errors.push(RowError { row: row.row_no, field, message });
                }
            }
        }
    }

    use hcp_store::sqlx::Connection;
    // First row of this file with each content digest, for the "same as row N" warning.
    let mut first_with: HashMap<&str, usize> = HashMap::new();
    for chunk in pending.chunks(CHUNK) {
        let mut tx = store.begin().await?;
        for (row_no, import_ref, fingerprint, evaluation) in chunk {
            let request = IntakeRequest {
                submission: Submission::Evaluation(evaluation.clone()),
                submitter: submitter.clone(),
                received_at: now,
                idempotency: None,
                import_ref: Some(import_ref.clone()),
                rules: rules.clone(),
            };
            let mut savepoint = tx.begin().await?;
            let earlier = evaluations::imported_with_fingerprint(&mut savepoint, fingerprint).await?;
            let result = intake::process(&mut savepoint, key, &request).await;
            if let Ok(Outcome::Created(_)) = &result {
                evaluations::set_import_fingerprint(&mut savepoint, import_ref, fingerprint).await?;
            }
            match result {
                Ok(outcome) => {
                    savepoint.commit().await?;
                    match outcome {
                        Outcome::Created(receipt) | Outcome::Replayed(receipt) => {
                            let same_row = first_with.get(fingerprint.as_str()).copied();
                            first_with.entry(fingerprint.as_str()).or_insert(*row_no);
                            if let Some(warning) = duplicate_warning(*row_no, same_row, earlier) {
                                report.warnings.push(warning);
                            }
                            report.imported += 1;
                            report.tickets += usize::from(receipt.ticket_id.is_some());
                            report.accepted.push(AcceptedRow {
                                row: *row_no,
                                tracking_code: receipt.tracking_code,
                                query_password: receipt.query_password,
                                ticket_id: receipt.ticket_id,
                            });
                        }
                        Outcome::AlreadyImported => {
                            report.duplicates += 1;
                            report.duplicate_rows.push(*row_no);
                        }
                    }
                }
                Err(err) => {
                    savepoint.rollback().await?;
                    if err.is_internal() {
                        return Err(err);
                    }
                    report.errors.extend(row_errors(*row_no, err));
                }
            }
        }
        tx.commit().await?;
    }
    report.errors.sort_by_key(|e| e.row);
    Ok(report)
}

/// A row that reads exactly like an earlier one: of this file (`same_row`) or of an earlier import (`earlier`,
/// its tracking code).
fn duplicate_warning(row: usize, same_row: Option<usize>, earlier: Option<String>) -> Option<RowError> {
    let message = match (same_row, earlier) {
        (Some(same), _) => format!("与本文件第{same}行内容完全相同，已作为另一张评价表登记；如属重复录入，请核对"),
        (None, Some(code)) => {
            format!("与此前导入的记录（查询码 {code}）内容完全相同，已作为另一张评价表登记；如属重复录入，请核对")
        }
        (None, None) => return None,
    };
    Some(RowError { row, field: "row".into(), message })
}

/// A file refused as a whole: over a limit (413), control characters (422, each cell as a field), or unreadable
/// (400). Nothing of it is stored.
fn file_error(err: parse::FileError) -> AppError {
    let message = err.to_string();
    if err.is_over_limit() {
        return AppError::new(ErrorCode::PayloadTooLarge, message);
    }
    if let parse::FileError::ControlCharacters { cells, .. } = &err {
        let mut fields = FieldErrors::new();
        for cell in cells {
            let field = if cell.field.is_empty() { String::new() } else { format!(".{}", cell.field) };
            fields.add(
                format!("rows[{}]{field}", cell.row_no),
                format!("第{}行{}列含有控制字符", cell.row_no, cell.column),
            );
        }
        return AppError::new(ErrorCode::ValidationFailed, message).with_fields(fields);
    }
    AppError::new(ErrorCode::InvalidFile, message)
}

/// A refused row in the report: each field's message, or the refusal itself (a case already evaluated, a ticket
/// the lifecycle would not take) under the field it concerns.
fn row_errors(row: usize, err: AppError) -> Vec<RowError> {
    if !err.fields.is_empty() {
        return err.fields.0.into_iter().map(|(field, message)| RowError { row, field, message }).collect();
    }
    let field = match err.code {
        ErrorCode::AlreadyEvaluated | ErrorCode::FollowUpExists => "case_no",
        _ => "",
    };
    vec![RowError { row, field: field.into(), message: err.message }]
}
