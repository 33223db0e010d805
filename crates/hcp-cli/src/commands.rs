//! The commands behind the CLI: thin wrappers over the storage and application services.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use hcp_core::audit::Keyring;
use hcp_core::calendar::HolidayFile;
use hcp_core::clock::{Clock, SystemClock, TrainingClock, shanghai};
use hcp_server::app::accounts::{self, NewAccount};
use hcp_server::app::demo::{self, DemoOptions};
use hcp_server::app::import;
use hcp_server::app::import::parse::FileFormat;
use hcp_server::app::intake::Submitter;
use hcp_server::app::state::Mode;
use hcp_server::app::tickets::lifecycle::{self, Rules};
use hcp_server::app::tokens::{self, IssueRequest};
use hcp_server::config::Database;
use hcp_server::{AppState, Config};
use hcp_store::crypto::DataKey;
use hcp_store::{Store, audit, audit_key, calendar, org};

use crate::DbArgs;

type CmdResult = Result<ExitCode, String>;

fn config(db: &DbArgs) -> Result<Config, String> {
    let mut config = Config::load(db.config.as_deref(), db.data_dir.as_deref()).map_err(|e| e.to_string())?;
    if let Some(url) = &db.database_url
        && !url.trim().is_empty()
    {
        config.database_url = url.clone();
    }
    Ok(config)
}

async fn open(config: &Config) -> Result<(Store, DataKey), String> {
    let store = match config.database() {
        Database::SqliteDir(dir) => Store::open_sqlite_dir(&dir).await,
        Database::Url(url) => Store::open(&url).await,
    }
    .map_err(|e| format!("无法打开数据库: {e}"))?;
    let key = DataKey::load_or_create(&config.data_dir).map_err(|e| e.to_string())?;
    let audit_keys = load_audit_keys(&store, &config.data_dir).await?;
    let current = audit_keys.current().cloned().ok_or("审计密钥文件中没有密钥")?;
    audit_key::install(audit_keys).map_err(|e| e.to_string())?;
    audit::ensure_segment(&store, &current, Utc::now()).await.map_err(|e| e.to_string())?;
    Ok((store, key))
}

/// The audit keyring; a new key is created only while the chain has never been sealed with one, so a lost
/// `audit.key` stops the system instead of silently starting over with a new key.
async fn load_audit_keys(store: &Store, data_dir: &Path) -> Result<Keyring, String> {
    let mut conn = store.reader().await.map_err(|e| e.to_string())?;
    let head = audit::head(&mut conn).await.map_err(|e| e.to_string())?;
    drop(conn);
    if head.key_id.is_empty() {
        audit_key::load_or_create(data_dir).map_err(|e| e.to_string())
    } else {
        audit_key::load(data_dir, None).map_err(|e| format!("审计链已由密钥 {} 封存，{e}", head.key_id))
    }
}

/// The audit actor for command-line work: the operating-system user.
fn cli_actor() -> String {
    format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()))
}

pub async fn serve(db: DbArgs, listen: Option<String>, with_demo: bool, demo_clock: Option<String>) -> CmdResult {
    let mut config = config(&db)?;
    if let Some(listen) = listen {
        config.listen = listen;
    }
    let training = match demo_clock {
        None => None,
        Some(_) if !with_demo => return Err("--demo-clock 仅能与 --demo 一起使用（训练时钟只用于演示和培训）".into()),
        Some(text) => {
            let start = DateTime::parse_from_rfc3339(text.trim())
                .map_err(|_| "--demo-clock 应为 RFC 3339 时间，例如 2024-09-27T09:00:00+08:00".to_string())?;
            Some(TrainingClock::starting_at(Arc::new(SystemClock), start.with_timezone(&Utc)))
        }
    };
    let (store, key) = open(&config).await?;
    if with_demo {
        let now = training.as_ref().map_or_else(|| SystemClock.now(), |t| t.now());
        load_demo(&store, &key, &config, now, 20_000, true).await?;
    }
    warn_missing_administrators(&store).await?;
    let listener =
        tokio::net::TcpListener::bind(&config.listen).await.map_err(|e| format!("无法监听 {}: {e}", config.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let mode = Mode { demo: with_demo, training };
    // The real clock: the training clock's pace, and the clock of session lifetimes and other security timers
    // (the state runs everything else on the training clock when there is one).
    let state =
        AppState::with_mode(store, key, Arc::new(SystemClock), config, mode).await.map_err(|e| e.to_string())?;
    if state.training_clock().is_some() {
        let now = state.now().with_timezone(&shanghai()).format("%Y-%m-%d %H:%M:%S");
        println!("训练时钟：当前 {now}（管理员可 POST /api/v1/demo/clock 向前调整）");
    }
    println!("hcp 已启动：http://{address}  （接口文档 http://{address}/api/docs）");
    hcp_server::serve(state, listener).await.map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

async fn load_demo(
    store: &Store,
    key: &DataKey,
    config: &Config,
    now: DateTime<Utc>,
    evaluations: u64,
    users: bool,
) -> Result<(), String> {
    let empty = org::list_org_units(&mut *store.reader().await.map_err(|e| e.to_string())?)
        .await
        .map_err(|e| e.to_string())?
        .is_empty();
    if !empty {
        println!("数据库中已有数据，跳过演示数据载入。");
        return Ok(());
    }
    eprintln!("正在载入演示数据（约 {evaluations} 条评价）…");
    // A large data set takes the bulk path and spans a year, so that a year's statistics can be measured on it.
    let large = evaluations >= demo::BULK_FROM;
    let options =
        DemoOptions { now, evaluations, create_users: users, bulk: large, months: if large { 12 } else { 3 } };
    let rules = Rules::load(store, config, now).await.map_err(|e| e.to_string())?;
    let mut bar = crate::progress::ProgressBar::new(evaluations);
    let summary = demo::load(store, key, &rules, &options, |n| bar.update(n)).await.map_err(|e| e.to_string())?;
    bar.finish(summary.evaluations);
    println!(
        "演示数据：{} 个机构，{} 个窗口，{} 名工作人员，{} 件办件，{} 条评价（差评 {} 条），{} 件投诉，{} 件工单已有办理记录；\
         另有 {} 条刷评和恶意差评供督查人员核查。",
        summary.org_units,
        summary.windows,
        summary.staff,
        summary.cases,
        summary.evaluations,
        summary.bad_reviews,
        summary.complaints,
        summary.histories,
        summary.planted
    );
    if !summary.users.is_empty() {
        println!("演示账号（仅供演示，请勿用于生产）：");
        for (username, password, label) in &summary.users {
            println!("  {label:<14} 用户名 {username:<18} 密码 {password}");
        }
    }
    Ok(())
}

/// Tells (stderr, one line each) how to create the security and audit administrators while there is no active one
/// (三员分立; a database from before issue 16 has only system administrators).
async fn warn_missing_administrators(store: &Store) -> Result<(), String> {
    let mut conn = store.reader().await.map_err(|e| e.to_string())?;
    let lines =
        hcp_server::app::admin::users_lifecycle::missing_administrators(&mut conn).await.map_err(|e| e.summary())?;
    for line in lines {
        eprintln!("{line}");
    }
    Ok(())
}

pub async fn migrate(db: DbArgs) -> CmdResult {
    let config = config(&db)?;
    let (store, _) = open(&config).await?;
    warn_missing_administrators(&store).await?;
    store.close().await;
    println!("数据库已是最新结构。");
    Ok(ExitCode::SUCCESS)
}

pub async fn demo(db: DbArgs, evaluations: u64, with_users: bool) -> CmdResult {
    let config = config(&db)?;
    let (store, key) = open(&config).await?;
    if !with_users {
        println!("提示：演示账号只在加 --demo 时创建（它们的密码是公开的）。");
    }
    load_demo(&store, &key, &config, Utc::now(), evaluations, with_users).await?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn import_evaluations(db: DbArgs, file: PathBuf) -> CmdResult {
    let config = config(&db)?;
    let format = FileFormat::from_name(&file.to_string_lossy()).ok_or("仅支持 .csv 或 .xlsx 文件")?;
    let max = config.upload.max_import_bytes;
    let size = std::fs::metadata(&file).map_err(|e| format!("无法读取 {}: {e}", file.display()))?.len();
    if size > max as u64 {
        return Err(format!("文件超过了{}KB的上限，请拆分成多个文件分批导入", max / 1024));
    }
    let bytes = std::fs::read(&file).map_err(|e| format!("无法读取 {}: {e}", file.display()))?;
    let (store, key) = open(&config).await?;
    let submitter =
        Submitter { user_id: None, actor: cli_actor(), scope_path: None, client_index: None, client_ip: None };
    let rules = Rules::load(&store, &config, Utc::now()).await.map_err(|e| e.to_string())?;
    let report =
        import::import(&store, &key, &rules, &submitter, &bytes, format, Utc::now()).await.map_err(|e| e.summary())?;
    store.close().await;
    println!(
        "共 {} 行：导入 {} 条（其中差评 {} 条已生成工单），已导入过 {} 条，有误 {} 处。",
        report.rows,
        report.imported,
        report.tickets,
        report.duplicates,
        report.errors.len()
    );
    for error in &report.errors {
        println!("  第 {} 行 {}：{}", error.row, error.field, error.message);
    }
    for warning in &report.warnings {
        println!("  提示：第 {} 行{}", warning.row, warning.message);
    }
    Ok(if report.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

pub async fn calendar_import(db: DbArgs, file: PathBuf) -> CmdResult {
    let config = config(&db)?;
    let text = std::fs::read_to_string(&file).map_err(|e| format!("无法读取 {}: {e}", file.display()))?;
    let holidays = HolidayFile::parse(&text).map_err(|e| e.to_string())?;
    holidays.check_published().map_err(|e| e.to_string())?;
    let (store, _) = open(&config).await?;
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    let now = Utc::now();
    let replaced = calendar::save_year(&mut tx, &holidays, &cli_actor(), now).await.map_err(|e| e.to_string())?;
    // Open tickets' deadlines follow the new calendar in the same transaction (running servers reload it).
    // With the deadlines in force: the administrator's saved settings over the config file's.
    let policy = hcp_server::app::settings::Tunables::load(&mut tx, &config).await.map_err(|e| e.to_string())?.policy;
    let recomputed =
        lifecycle::calendar_changed(&mut tx, &policy, &cli_actor(), now).await.map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    store.close().await;
    println!(
        "{} {} 年节假日安排（{} 条），{} 件在办工单的期限已重新计算。",
        if replaced { "已替换" } else { "已添加" },
        holidays.year,
        holidays.days.len(),
        recomputed
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn calendar_deadline(db: DbArgs, from: String, working_days: u32) -> CmdResult {
    let config = config(&db)?;
    let from = DateTime::parse_from_rfc3339(from.trim())
        .map_err(|_| "时间应为 RFC 3339 格式，例如 2024-09-27T10:00:00+08:00".to_string())?
        .with_timezone(&Utc);
    let (store, _) = open(&config).await?;
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    calendar::seed_shipped(&mut tx, Utc::now()).await.map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    let cal =
        calendar::load(&mut *store.reader().await.map_err(|e| e.to_string())?).await.map_err(|e| e.to_string())?;
    store.close().await;
    let deadline = cal.deadline(from, working_days);
    println!("{}", deadline.to_rfc3339());
    if deadline.provisional {
        eprintln!("注意：期限涉及尚未公布节假日安排的年份，按周一至周五推算，为暂定期限。");
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn stats_rebuild(db: DbArgs) -> CmdResult {
    let config = config(&db)?;
    let (store, _) = open(&config).await?;
    let rows = hcp_server::app::stats::rebuild(&store).await.map_err(|e| e.to_string())?;
    store.close().await;
    println!("统计汇总已重建：{rows} 行。");
    Ok(ExitCode::SUCCESS)
}

/// Verifies without writing to the database (a copied data directory works); a clean result is written to the
/// checkpoint file, so a later truncation or recomputation of the chain is found.
pub async fn audit_verify(db: DbArgs, audit_key_file: Option<PathBuf>) -> CmdResult {
    let config = config(&db)?;
    let keys = audit_key::load(&config.data_dir, audit_key_file.as_deref()).map_err(|e| e.to_string())?;
    let store = match config.database() {
        Database::SqliteDir(dir) => Store::open_sqlite_dir(&dir).await,
        Database::Url(url) => Store::open(&url).await,
    }
    .map_err(|e| format!("无法打开数据库: {e}"))?;
    let (checkpoints, bad_lines) =
        audit::read_checkpoints(&config.data_dir, &keys).map_err(|e| format!("无法读取审计检查点: {e}"))?;
    let started = std::time::Instant::now();
    let report = audit::verify(&store, &keys, &checkpoints).await.map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    let findings: Vec<&String> = bad_lines.iter().chain(&report.findings).collect();
    if findings.is_empty() {
        let current = keys.current().ok_or("审计密钥文件中没有密钥")?;
        audit::write_checkpoint(&store, &config.data_dir, current, Utc::now())
            .await
            .map_err(|e| format!("无法写入审计检查点: {e}"))?;
        store.close().await;
        println!(
            "审计日志完整：共 {} 条记录，密钥封存的哈希链、{} 个检查点和 {} 条业务记录校验通过（用时 {seconds:.1} 秒）；已写入新检查点 #{}。",
            report.entries, report.checkpoints, report.records, report.head.seq
        );
        return Ok(ExitCode::SUCCESS);
    }
    store.close().await;
    println!("审计日志校验失败，发现 {} 处问题：", findings.len() + report.more);
    for finding in findings {
        println!("- {finding}");
    }
    if report.more > 0 {
        println!("- ……另有 {} 处未列出", report.more);
    }
    Ok(ExitCode::from(1))
}

#[allow(clippy::too_many_arguments)]
pub async fn user_add(
    db: DbArgs,
    username: String,
    role: String,
    org: Option<String>,
    department: Option<String>,
    window: Option<String>,
    staff_no: Option<String>,
    name: Option<String>,
    email: Option<String>,
) -> CmdResult {
    let config = config(&db)?;
    let (store, _) = open(&config).await?;
    let account = NewAccount {
        username,
        role,
        display_name: name,
        org_code: org,
        department_code: department,
        window_code: window,
        staff_no,
        password: None,
        email,
        ..Default::default()
    };
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    let (id, password) =
        accounts::create(&mut tx, &account, &cli_actor(), Utc::now()).await.map_err(|e| e.summary())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    store.close().await;
    match password {
        Some(password) => println!(
            "已创建用户 {}（#{id}），临时密码（仅显示这一次，首次登录须修改）：{password}",
            account.username.trim()
        ),
        None => {
            println!("已创建系统对接账号 {}（#{id}）：{}。", account.username.trim(), accounts::INTEGRATION_NO_SIGN_IN)
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Issues a token for an integration account (same rules as the system administrator's page) and prints it.
pub async fn user_token(db: DbArgs, username: String, name: String, days: Option<i64>) -> CmdResult {
    let config = config(&db)?;
    let (store, _) = open(&config).await?;
    let request = IssueRequest { username, name, days };
    let now = Utc::now();
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    let issued = tokens::issue_in(&mut tx, &config.security.tokens, &request, &cli_actor(), now, now)
        .await
        .map_err(|e| e.summary())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    store.close().await;
    eprintln!(
        "已为 {} 签发访问令牌“{}”（#{}），有效期至 {}；令牌仅显示这一次：",
        issued.username, issued.name, issued.id, issued.expires_at
    );
    println!("{}", issued.token);
    Ok(ExitCode::SUCCESS)
}
