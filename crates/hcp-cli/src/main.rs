//! `hcp`: the one binary of the 好差评 system.

mod commands;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(name = "hcp", version, about = "政务服务“好差评”评价与投诉反馈系统")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives; the same options for every command that touches the database.
#[derive(Args, Clone, Debug)]
pub struct DbArgs {
    /// Data directory: SQLite file, data key, configuration (`hcp.toml`).
    #[arg(long, env = "HCP_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// PostgreSQL URL (postgres://…); default is the SQLite file in the data directory.
    #[arg(long, env = "HCP_DATABASE_URL")]
    database_url: Option<String>,
    /// Configuration file (default `<data-dir>/hcp.toml` if present).
    #[arg(long, env = "HCP_CONFIG")]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
        /// Fill an empty database with the demo jurisdiction and create one demo user per role.
        #[arg(long)]
        demo: bool,
        /// Demo only: run on a training clock starting at this instant (RFC 3339), which
        /// `POST /api/v1/demo/clock` moves forward.
        #[arg(long, value_name = "RFC3339")]
        demo_clock: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Fill an empty database with demo data.
    Demo {
        #[command(flatten)]
        db: DbArgs,
        /// Roughly how many evaluations to generate.
        #[arg(long, default_value_t = 20_000)]
        evaluations: u64,
        /// Also create the demo users (`<role>` / `<role>-demo`); refused without this flag.
        #[arg(long)]
        demo: bool,
    },
    /// Import data files.
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// The working-day calendar.
    Calendar {
        #[command(subcommand)]
        what: CalendarCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        what: AuditCommand,
    },
    /// The statistics aggregate.
    Stats {
        #[command(subcommand)]
        what: StatsCommand,
    },
    /// Users and API tokens.
    User {
        #[command(subcommand)]
        what: UserCommand,
    },
    /// Print the OpenAPI document of the HTTP API (the one served at /api/openapi.json) to generate clients.
    Openapi,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Paper forms, box records and hotline logs from a CSV (UTF-8) or XLSX file.
    Evaluations {
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Add or replace a year from a holiday-cn JSON file.
    Import {
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Deadline N working days after an instant (RFC 3339).
    Deadline {
        from: String,
        working_days: u32,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum StatsCommand {
    /// Rebuild the statistics aggregate from the records (after a manual repair; it is built automatically for
    /// databases that predate it).
    Rebuild {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the keyed hash chain, the checkpoints and the business records; exits non-zero naming each finding.
    Verify {
        #[command(flatten)]
        db: DbArgs,
        /// Audit key file (default `HCP_AUDIT_KEY_FILE`, else `<data-dir>/audit.key`).
        #[arg(long)]
        audit_key: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user and print a generated password.
    Add {
        #[arg(long)]
        username: String,
        /// hotline_operator, registrar, staff, window_head, dept_head, supervisor, discipline, admin (系统管理员),
        /// security_admin (安全管理员), auditor (审计管理员), integration (系统对接账号: no password, never signs in)
        #[arg(long)]
        role: String,
        /// Org unit code (scope of operators, registrars, supervisors, discipline, admins).
        #[arg(long)]
        org: Option<String>,
        /// Department code (scope of a department head).
        #[arg(long)]
        department: Option<String>,
        /// Window code (scope of a window head).
        #[arg(long)]
        window: Option<String>,
        /// Staff number (staff; optional for a window head).
        #[arg(long)]
        staff_no: Option<String>,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// E-mail address for notifications through the intranet mail relay.
        #[arg(long)]
        email: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Issue an API token for an integration account and print it (people do not keep tokens).
    Token {
        /// The integration account (role `integration`).
        #[arg(long)]
        username: String,
        /// What the token is for.
        #[arg(long)]
        name: String,
        /// Days the token lasts (default `[security.tokens] default_days`, at most `max_days`).
        #[arg(long)]
        days: Option<i64>,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_max_level(match std::env::var("HCP_LOG").as_deref() {
            Ok("debug") => tracing::Level::DEBUG,
            Ok("warn") => tracing::Level::WARN,
            _ => tracing::Level::INFO,
        })
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("无法启动运行时: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve { db, listen, demo, demo_clock } => commands::serve(db, listen, demo, demo_clock).await,
            Command::Migrate { db } => commands::migrate(db).await,
            Command::Demo { db, evaluations, demo } => commands::demo(db, evaluations, demo).await,
            Command::Import { what: ImportCommand::Evaluations { file, db } } => {
                commands::import_evaluations(db, file).await
            }
            Command::Calendar { what: CalendarCommand::Import { file, db } } => {
                commands::calendar_import(db, file).await
            }
            Command::Calendar { what: CalendarCommand::Deadline { from, working_days, db } } => {
                commands::calendar_deadline(db, from, working_days).await
            }
            Command::Audit { what: AuditCommand::Verify { db, audit_key } } => {
                commands::audit_verify(db, audit_key).await
            }
            Command::Stats { what: StatsCommand::Rebuild { db } } => commands::stats_rebuild(db).await,
            Command::User {
                what: UserCommand::Add { username, role, org, department, window, staff_no, name, email, db },
            } => commands::user_add(db, username, role, org, department, window, staff_no, name, email).await,
            Command::User { what: UserCommand::Token { username, name, days, db } } => {
                commands::user_token(db, username, name, days).await
            }
            Command::Openapi => {
                println!("{}", hcp_server::api::openapi::document_json());
                Ok(ExitCode::SUCCESS)
            }
        }
    });
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("错误：{message}");
            ExitCode::FAILURE
        }
    }
}
