//! The real server on port 0 over a fresh database, with a manual clock.

use std::path::Path;
use std::sync::Arc;

use hcp_core::clock::{Clock, ManualClock, TrainingClock};
use hcp_server::app::state::Mode;
use hcp_server::{AppState, Config};
use hcp_store::crypto::DataKey;
use hcp_store::testing::tempfile_guard::TempDir;
use hcp_store::{Backend, Store};

/// A running server: its state, its clock and an HTTP client (redirects followed; see [`crate::pages`] for
/// one that does not).
pub struct TestApp {
    /// Shared with the handlers: the store, the data key, the rules.
    pub state: AppState,
    /// The server's clock; time moves only when a test moves it.
    pub clock: ManualClock,
    pub client: reqwest::Client,
    base: String,
    backend: Backend,
    dir: Arc<TempDir>,
    database_url: Option<String>,
    demo_clock: bool,
    server: tokio::task::JoinHandle<()>,
}

/// How [`TestApp::spawn_with`] starts the server.
pub struct Options {
    pub config: Config,
    /// Load the small jurisdiction of [`crate::seed`].
    pub seed: bool,
    /// Run as `serve --demo --demo-clock <start()>`: a training clock paced by the (still) manual clock.
    pub demo_clock: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { config: Config::default(), seed: true, demo_clock: false }
    }
}

impl TestApp {
    /// The server with default options over the seeded jurisdiction on `backend`.
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_with(backend, Options::default()).await
    }

    /// The server on a fresh database of `backend`: a SQLite file in a temporary directory, or a database of
    /// its own on the PostgreSQL server named by `HCP_TEST_POSTGRES_URL` (a panic naming the variable when
    /// it is unset).
    pub async fn spawn_with(backend: Backend, options: Options) -> TestApp {
        let dir = Arc::new(TempDir::new());
        let database_url = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                Some(hcp_store::testing::fresh_postgres_database(&hcp_store::testing::postgres_url()).await)
            }
        };
        let clock = ManualClock::new(crate::start());
        let app = TestApp::start(backend, dir, database_url, options.config, clock, options.demo_clock).await;
        if options.seed {
            crate::seed(&app.state).await;
        }
        app
    }

    async fn start(
        backend: Backend,
        dir: Arc<TempDir>,
        database_url: Option<String>,
        mut config: Config,
        clock: ManualClock,
        demo_clock: bool,
    ) -> TestApp {
        config.data_dir = dir.path().to_path_buf();
        config.database_url = database_url.clone().unwrap_or_default();
        let store = match &database_url {
            Some(url) => Store::open(url).await.unwrap(),
            None => Store::open_sqlite_dir(dir.path()).await.unwrap(),
        };
        let key = DataKey::load_or_create(dir.path()).unwrap();
        // The process seals with the test audit key; the file lets `hcp audit verify --data-dir` check a copy.
        let audit_key = dir.path().join(hcp_store::audit_key::KEY_FILE);
        if !audit_key.exists() {
            std::fs::write(&audit_key, format!("{}\n", hcp_store::audit_key::TEST_KEY_LINE)).unwrap();
        }
        hcp_store::audit_key::install_test_key();
        let mode = Mode {
            demo: demo_clock,
            training: demo_clock.then(|| TrainingClock::starting_at(Arc::new(clock.clone()), clock.now())),
        };
        let state = AppState::with_mode(store, key, Arc::new(clock.clone()), config, mode).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server_state = state.clone();
        let server = tokio::spawn(async move {
            let app = hcp_server::router(server_state);
            axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await.unwrap();
        });
        TestApp { state, clock, client: reqwest::Client::new(), base, backend, dir, database_url, demo_clock, server }
    }

    /// Stops serving and closes the store (the data stays while another server over it is alive).
    pub async fn stop(self) {
        self.server.abort();
        // An aborted server ends with a cancellation, which is what was asked for.
        let _ = self.server.await;
        self.state.shutdown().await;
    }

    /// Stops this server and starts a new one over the same data directory and database, with the same
    /// configuration, mode and clock: what survives a restart.
    pub async fn restart(self) -> TestApp {
        let config = self.state.config().clone();
        let (backend, dir, database_url) = (self.backend, self.dir.clone(), self.database_url.clone());
        let (clock, demo_clock) = (self.clock.clone(), self.demo_clock);
        self.stop().await;
        TestApp::start(backend, dir, database_url, config, clock, demo_clock).await
    }

    /// A second server process over the same data directory and database (same configuration), with a clock of
    /// its own starting at [`crate::start`].
    pub async fn second_server(&self) -> TestApp {
        let config = self.state.config().clone();
        let clock = ManualClock::new(crate::start());
        TestApp::start(self.backend, self.dir.clone(), self.database_url.clone(), config, clock, false).await
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The server's data directory (the SQLite file, the data key, `notifications.jsonl`).
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }
}
