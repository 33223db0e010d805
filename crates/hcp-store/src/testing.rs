//! Helpers for tests of this crate and the ones above it: a fresh database on each backend.

use crate::Store;

/// Environment variable naming a PostgreSQL server for the conformance suite (any database on it; each test
/// creates its own).
pub const POSTGRES_ENV: &str = "HCP_TEST_POSTGRES_URL";

/// A fresh SQLite store in a temporary directory (kept alive by the returned guard).
pub async fn sqlite() -> (Store, tempfile_guard::TempDir) {
    crate::audit_key::install_test_key();
    let dir = tempfile_guard::TempDir::new();
    let store = Store::open_sqlite_dir(dir.path()).await.expect("open sqlite store");
    (store, dir)
}

/// The server named by `HCP_TEST_POSTGRES_URL`. A PostgreSQL variant asked to run without it fails, naming
/// the variable, rather than passing having run nothing.
pub fn postgres_url() -> String {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!("{POSTGRES_ENV} is not set: name a PostgreSQL server to run the PostgreSQL variants"),
    }
}

/// A fresh PostgreSQL database on the server named by `HCP_TEST_POSTGRES_URL`.
pub async fn postgres() -> Store {
    crate::audit_key::install_test_key();
    let url = fresh_postgres_database(&postgres_url()).await;
    Store::open(&url).await.expect("open postgres store")
}

/// A fresh store on `backend`, with the guard that keeps a SQLite file's directory alive.
pub async fn open(backend: crate::Backend) -> (Store, Option<tempfile_guard::TempDir>) {
    match backend {
        crate::Backend::Sqlite => {
            let (store, dir) = sqlite().await;
            (store, Some(dir))
        }
        crate::Backend::Postgres => (postgres().await, None),
    }
}

/// Generates a `#[tokio::test]` per backend for each async story `fn(Backend)`: `sqlite::<story>` always
/// runs; `postgres::<story>` is ignored unless asked for (`-- --ignored`, with `HCP_TEST_POSTGRES_URL`).
#[macro_export]
macro_rules! on_both_backends {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    super::$story($crate::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[ignore = "PostgreSQL: set HCP_TEST_POSTGRES_URL and run with --ignored"]
                async fn $story() {
                    super::$story($crate::Backend::Postgres).await;
                }
            )*
        }
    };
}

/// Creates `hcp_test_<unique>` on the server of `url` and returns a URL pointing at it.
pub async fn fresh_postgres_database(url: &str) -> String {
    use sqlx::{AssertSqlSafe, Connection, Executor};
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("connect to the PostgreSQL test server");
    let mut suffix = [0u8; 6];
    crate::crypto::fill_random(&mut suffix);
    let name = format!("hcp_test_{}", hex::encode(suffix));
    conn.execute(AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.expect("create test database");
    conn.close().await.ok();
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let base = match base.rfind('/') {
        Some(slash) if slash > "postgres://".len() => &base[..slash],
        _ => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// A temporary directory without pulling a dev-dependency into every user of this module.
pub mod tempfile_guard {
    use std::path::{Path, PathBuf};

    pub struct TempDir(PathBuf);

    impl TempDir {
        pub fn new() -> TempDir {
            let mut suffix = [0u8; 8];
            crate::crypto::fill_random(&mut suffix);
            let path = std::env::temp_dir().join(format!("hcp-test-{}", hex::encode(suffix)));
            std::fs::create_dir_all(&path).expect("create temp dir");
            TempDir(path)
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Default for TempDir {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
