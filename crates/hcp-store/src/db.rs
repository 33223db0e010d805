use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, AssertSqlSafe, Executor, Transaction};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库错误: {0}")]
    Database(#[from] sqlx::Error),
    #[error("数据库迁移 {version} 失败: {message}")]
    Migration { version: i64, message: String },
    #[error("{0}已存在")]
    Conflict(String),
    #[error("加密错误: {0}")]
    Crypto(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("数据错误: {0}")]
    Corrupt(String),
}

pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

impl StoreError {
    /// Maps a unique-constraint failure to `Conflict(what)`, leaving other errors as they are.
    pub fn unique_as(err: sqlx::Error, what: &str) -> StoreError {
        if is_unique_violation(&err) { StoreError::Conflict(what.to_owned()) } else { StoreError::Database(err) }
    }
}

/// Both pools point at one database. On SQLite the write pool holds a single connection: SQLite admits one
/// writer, and funnelling writes through one connection avoids lock-upgrade failures under WAL.
#[derive(Clone)]
pub struct Store {
    read: AnyPool,
    write: AnyPool,
    backend: Backend,
}

impl Store {
    /// Opens `postgres://…` / `postgresql://…`, or a SQLite file for `sqlite://…`.
    pub async fn open(url: &str) -> crate::Result<Store> {
        install_default_drivers();
        let store = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool =
                AnyPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect(url).await?;
            Store { read: pool.clone(), write: pool, backend: Backend::Postgres }
        } else {
            let url = if url.contains('?') { url.to_owned() } else { format!("{url}?mode=rwc") };
            let write = sqlite_pool(&url, 1, WRITER_CACHE_KIB).await?;
            let read = sqlite_pool(&url, 4, READER_CACHE_KIB).await?;
            Store { read, write, backend: Backend::Sqlite }
        };
        crate::migrate::run(&store).await?;
        Ok(store)
    }

    /// The SQLite file `hcp.db` inside `data_dir`, created if missing; the directory 0700 and the database (with
    /// its WAL and shared-memory files, which SQLite creates with the database's mode) 0600.
    pub async fn open_sqlite_dir(data_dir: &Path) -> crate::Result<Store> {
        crate::datadir::prepare(data_dir)?;
        let path = data_dir.join("hcp.db");
        crate::datadir::create_private(&path)?;
        for beside in ["hcp.db-wal", "hcp.db-shm"] {
            crate::datadir::private_file(&data_dir.join(beside))?;
        }
        Store::open(&format!("sqlite://{}", path.display())).await
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection for reads.
    pub async fn reader(&self) -> crate::Result<PoolConnection<Any>> {
        Ok(self.read.acquire().await?)
    }

    /// A write transaction; commit it to make the change visible.
    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): a transaction that
    /// read first and upgraded later could fail with "database is locked" when another process (the CLI, a
    /// second server) wrote in between, without waiting for the busy timeout.
    pub async fn begin(&self) -> crate::Result<Transaction<'static, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.write.begin().await?,
        })
    }

    /// A read-only transaction that sees one snapshot of the database throughout (long verifications).
    pub async fn snapshot(&self) -> crate::Result<Transaction<'static, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.read.begin().await?,
            Backend::Postgres => self.read.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?,
        })
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// SQLite page cache per connection. The default 2 MB makes every index page of a database past a few hundred
/// megabytes a system call away; the one writer gets 64 MB, each of the four readers 16 MB.
const WRITER_CACHE_KIB: i64 = 64 * 1024;
const READER_CACHE_KIB: i64 = 16 * 1024;

async fn sqlite_pool(url: &str, max: u32, cache_kib: i64) -> crate::Result<AnyPool> {
    Ok(AnyPoolOptions::new()
        .max_connections(max)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                // WAL: readers never block the writer; NORMAL sync is durable across process crashes in WAL.
                conn.execute("PRAGMA journal_mode = WAL").await?;
                conn.execute("PRAGMA synchronous = NORMAL").await?;
                conn.execute("PRAGMA busy_timeout = 10000").await?;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                conn.execute(AssertSqlSafe(format!("PRAGMA cache_size = -{cache_kib}"))).await?;
                Ok(())
            })
        })
        .connect(url)
        .await?)
}
