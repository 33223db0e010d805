//! The upward report of evaluations (GB/T 39046 表9 and the platform interface coding, `hcp_core::upward`):
//! as a file streamed with constant memory, and as a batch put in the outbox and POSTed to the configured
//! endpoint by the delivery task, with the outbox's retries and backoff.
//!
//! Batch body (JSON, `POST <[upward] endpoint>`):
//! `{"batchId": <outbox id>, "divisionCode", "from", "to", "count", "records": [{"evaluationId", "projectNo",
//! "pf", "satisfaction", "evalDetail", "writingEvaluation", "assessTime", "assessNumber", "evaluator",
//! "divisionCode"}, …]}`. A receiver drops a batch whose `batchId` it has seen (a crash between sending and
//! marking it delivered repeats it once).

use chrono::NaiveDate;
use hcp_core::FieldErrors;
use hcp_core::role::{Role, Scope};
use hcp_core::upward::{HEADERS, NUMERIC, Record};
use hcp_store::outbox::{self, Message, NewMessage};
use hcp_store::{AnyConnection, Store};
use serde_json::{Value, json};

use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::filters::{blank, end_of, start_of};
use crate::app::ledger::{ByteStream, Export, Value as CellValue, csv_body, lines_body, spawn_rows, xlsx_body};
use crate::app::state::AppState;

/// Worksheet and file name.
pub const TITLE: &str = "评价数据上报";
/// The outbox sender of batches.
pub const SENDER: &str = "upward";
/// Longest period of a file (streamed, so only the reader's patience limits it).
pub const MAX_FILE_DAYS: i64 = 366;
/// Longest period of a batch: a batch is built in memory and kept in one outbox row.
pub const MAX_BATCH_DAYS: i64 = 31;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Jsonl,
}

impl Format {
    pub fn parse(text: &str) -> Option<Format> {
        Some(match text {
            "csv" => Format::Csv,
            "xlsx" => Format::Xlsx,
            "jsonl" => Format::Jsonl,
            _ => return None,
        })
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Jsonl => "application/x-ndjson; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Jsonl => "jsonl",
        }
    }
}

/// The reported days, both inclusive, local dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// Both days required as `YYYY-MM-DD`, `from` ≤ `to`, at most `max_days` days. Errors name the field.
    pub fn parse(from: Option<&str>, to: Option<&str>, max_days: i64) -> Result<Period, AppError> {
        let mut fields = FieldErrors::new();
        let mut day = |field: &str, text: Option<&str>| match text.map(str::trim).filter(|t| !t.is_empty()) {
            None => {
                fields.add(field, "请填写日期（YYYY-MM-DD）");
                None
            }
            Some(t) => {
                let parsed = NaiveDate::parse_from_str(t, "%Y-%m-%d").ok();
                if parsed.is_none() {
                    fields.add(field, format!("“{t}”不是有效的 YYYY-MM-DD 日期"));
                }
                parsed
            }
        };
        let (from, to) = (day("from", from), day("to", to));
        let bad =
            |fields: FieldErrors, message: String| AppError::new(ErrorCode::InvalidPeriod, message).with_fields(fields);
        let (Some(from), Some(to)) = (from, to) else {
            return Err(bad(fields, "上报期间有误：from 和 to 应为 YYYY-MM-DD 日期".into()));
        };
        if from > to {
            return Err(bad(
                FieldErrors::single("to", "截止日期不能早于起始日期"),
                "上报期间有误：起始日期晚于截止日期".into(),
            ));
        }
        let days = (to - from).num_days() + 1;
        if days > max_days {
            return Err(bad(
                FieldErrors::single("to", format!("一次最多{max_days}天")),
                format!("上报期间为{days}天，超过一次最多{max_days}天的限制，请分段上报"),
            ));
        }
        Ok(Period { from, to })
    }

    /// [start of `from`, start of the day after `to`) in epoch milliseconds, Asia/Shanghai.
    pub fn range_ms(self) -> (i64, i64) {
        (start_of(self.from), end_of(self.to))
    }
}

fn not_configured(setting: &str, what: &str) -> AppError {
    AppError::new(
        ErrorCode::UpwardNotConfigured,
        format!("尚未配置{what}：请管理员在配置文件 hcp.toml 的 [upward] 中设置 {setting} 后重启服务"),
    )
}

/// The configured 行政区划代码, or the refusal naming the setting.
pub fn division_code(state: &AppState) -> Result<String, AppError> {
    let code = state.config().upward.division_code.trim();
    if code.is_empty() {
        return Err(not_configured("division_code", "行政区划代码（6位或9位数字）"));
    }
    Ok(code.to_owned())
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UpwardQuery {
    /// First day, YYYY-MM-DD (local date of the evaluation).
    pub from: Option<String>,
    /// Last day, inclusive; the period is at most 366 days.
    pub to: Option<String>,
    /// `csv` (default, UTF-8 with BOM), `xlsx` or `jsonl` (one interface record per line).
    #[param(value_type = Option<crate::app::choices::UpwardFormat>)]
    pub format: Option<String>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpwardBody {
    /// First day, YYYY-MM-DD.
    pub from: Option<String>,
    /// Last day, inclusive; the period is at most 31 days.
    pub to: Option<String>,
}

/// The upward report as a file, for supervisors only (the file holds comments; admins read no evaluation
/// contents): adopted evaluations of the days in the caller's scope.
pub fn export(state: &AppState, user: &CurrentUser, q: &UpwardQuery) -> AppResult<Export> {
    user.require(&[Role::Supervisor])?;
    let format = match blank(q.format.as_deref()) {
        None => Format::Csv,
        Some(text) => Format::parse(text).ok_or_else(|| {
            AppError::invalid_query("format", format!("format 应为 csv、xlsx 或 jsonl，而不是“{text}”"))
        })?,
    };
    let period = Period::parse(q.from.as_deref(), q.to.as_deref(), MAX_FILE_DAYS)?;
    let division_code = division_code(state)?;
    let filename = format!("{TITLE}_{}_{}.{}", period.from, period.to, format.extension());
    let stream = body(state.store().clone(), user.scope()?, period, division_code, format);
    Ok(Export { filename, content_type: format.content_type(), stream })
}

/// Puts the report of the days (at most 31) in the caller's scope in the outbox for the configured endpoint
/// (supervisors and administrators), audited; the delivery task sends it.
pub async fn submit(state: &AppState, user: &CurrentUser, body: &UpwardBody) -> AppResult<Enqueued> {
    user.require(&[Role::Supervisor, Role::Admin])?;
    let period = Period::parse(body.from.as_deref(), body.to.as_deref(), MAX_BATCH_DAYS)?;
    let scope = user.scope()?.clone();
    let mut tx = state.store().begin().await?;
    let enqueued = enqueue(&mut tx, state, &user.actor(), &scope, period).await?;
    tx.commit().await?;
    state.wake_delivery();
    Ok(enqueued)
}

/// The report of `period` in `scope` as a file's bytes, read one row at a time.
pub fn body(store: Store, scope: &Scope, period: Period, division_code: String, format: Format) -> ByteStream {
    let (from_ms, to_ms) = period.range_ms();
    let sql = hcp_store::upward::query(scope, from_ms, to_ms);
    match format {
        Format::Jsonl => {
            let (lines, reader) = spawn_rows(store, sql, move |row| {
                Ok(hcp_store::upward::record(row)?.interface_json(&division_code).to_string())
            });
            lines_body(lines, reader)
        }
        Format::Csv | Format::Xlsx => {
            let (rows, reader) = spawn_rows(store, sql, move |row| {
                let cells = hcp_store::upward::record(row)?.cells(&division_code);
                Ok(typed(cells, format))
            });
            let header = HEADERS.iter().map(|h| h.to_string()).collect();
            if format == Format::Csv { csv_body(header, rows, reader) } else { xlsx_body(TITLE, header, rows, reader) }
        }
    }
}

/// The cells of a record as the national format writes them: text as coded, and in XLSX the numeric columns
/// as numbers (the codes and times stay the text the format requires).
fn typed(cells: Vec<String>, format: Format) -> Vec<CellValue> {
    cells
        .into_iter()
        .zip(NUMERIC)
        .map(|(text, numeric)| match (format, numeric, text.parse::<f64>()) {
            (Format::Xlsx, true, Ok(n)) => CellValue::Number(n),
            _ => CellValue::Text(text),
        })
        .collect()
}

/// What `POST /reports/upward` answers.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Enqueued {
    /// The outbox message carrying the batch (`batchId` in what is sent).
    pub message_id: i64,
    /// Records in the batch.
    pub count: usize,
    pub from: String,
    pub to: String,
}

/// Puts the batch of `period` in `scope` in the outbox, in the caller's transaction (with its audit entry).
/// Refused without a division code or an endpoint.
pub async fn enqueue(
    conn: &mut AnyConnection,
    state: &AppState,
    actor: &str,
    scope: &Scope,
    period: Period,
) -> Result<Enqueued, AppError> {
    let division_code = division_code(state)?;
    if state.config().upward.endpoint.is_none() {
        return Err(not_configured("endpoint", "上报接收地址"));
    }
    let (from_ms, to_ms) = period.range_ms();
    let records: Vec<Record> = hcp_store::upward::all(conn, scope, from_ms, to_ms).await?;
    let (from, to) = (period.from.to_string(), period.to.to_string());
    let batch = json!({
        "divisionCode": division_code,
        "from": from,
        "to": to,
        "count": records.len(),
        "records": records.iter().map(|r| r.interface_json(&division_code)).collect::<Vec<_>>(),
    });
    let now = state.now();
    let subject = format!("评价数据上报 {from} 至 {to}");
    let message = NewMessage {
        sender: SENDER,
        recipient: SENDER,
        subject: &subject,
        body: &batch.to_string(),
        ticket_id: None,
        order_id: None,
    };
    let id = outbox::enqueue(conn, &message, hcp_store::ms(now)).await?;
    hcp_store::audit::append(
        conn,
        now,
        actor,
        "upward.enqueue",
        &format!("outbox:{id}"),
        &json!({"from": from, "to": to, "count": records.len(), "division_code": division_code}),
    )
    .await?;
    Ok(Enqueued { message_id: id, count: records.len(), from, to })
}

/// Sends a batch to the configured endpoint; any answer but 2xx is a failure to retry.
pub async fn send(state: &AppState, message: &Message) -> Result<(), String> {
    let url = state.config().upward.endpoint.as_deref().ok_or("未配置 [upward] endpoint")?;
    let mut batch: Value = serde_json::from_str(&message.body).map_err(|e| format!("上报内容损坏：{e}"))?;
    if let Some(object) = batch.as_object_mut() {
        object.insert("batchId".into(), json!(message.id));
    }
    crate::app::jobs::delivery::post_json(url, &batch, 60, "上报接口").await
}
