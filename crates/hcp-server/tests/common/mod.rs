//! Test helpers: the real server on port 0 over a fresh database (SQLite, or PostgreSQL when
//! `HCP_TEST_POSTGRES_URL` is set for the `_postgres` variants), a manual clock, and a small jurisdiction with
//! one user per role.

#![allow(dead_code)]

pub mod pages;

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use hcp_core::clock::{Clock, ManualClock, TrainingClock};
use hcp_core::org::OrgKind;
use hcp_server::app::accounts::{self, NewAccount};
use hcp_server::app::state::Mode;
use hcp_server::{AppState, Config};
use hcp_store::Store;
use hcp_store::crypto::DataKey;
use hcp_store::org::{self, NewCase};
use hcp_store::testing::tempfile_guard::TempDir;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub const PASSWORD: &str = "test-password-1";

/// 2026-10-12 10:00 +08:00, a Monday.
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 12, 2, 0, 0).unwrap()
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub clock: ManualClock,
    pub dir: Arc<TempDir>,
    pub database_url: Option<String>,
    server: tokio::task::JoinHandle<()>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Options {
    pub config: Config,
    pub seed: bool,
    /// Run as `serve --demo --demo-clock <start()>`: a training clock paced by the (still) manual clock.
    pub demo_clock: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { config: Config::default(), seed: true, demo_clock: false }
    }
}

/// `None` when the PostgreSQL variant is requested but no server is configured.
pub async fn spawn(backend: Backend) -> Option<TestApp> {
    spawn_with(backend, Options::default()).await
}

pub async fn spawn_with(backend: Backend, options: Options) -> Option<TestApp> {
    let dir = Arc::new(TempDir::new());
    let database_url = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => {
            let url = std::env::var(hcp_store::testing::POSTGRES_ENV).ok().filter(|u| !u.is_empty())?;
            Some(hcp_store::testing::fresh_postgres_database(&url).await)
        }
    };
    let app = start_with_mode(dir, database_url, options.config, ManualClock::new(start()), options.demo_clock).await;
    if options.seed {
        seed(&app.state).await;
    }
    Some(app)
}

/// Starts a server over an existing data directory / database (used to test restarts).
pub async fn start_on(dir: Arc<TempDir>, database_url: Option<String>, config: Config, clock: ManualClock) -> TestApp {
    start_with_mode(dir, database_url, config, clock, false).await
}

pub async fn start_with_mode(
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
    TestApp { base, client: reqwest::Client::new(), state, clock, dir, database_url, server }
}

impl TestApp {
    pub async fn stop(self) -> (Arc<TempDir>, Option<String>) {
        self.server.abort();
        let _ = self.server.await;
        self.state.shutdown().await;
        (self.dir, self.database_url)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str, auth: Option<&str>) -> (StatusCode, Value) {
        let mut request = self.client.get(self.url(path));
        if let Some(cookie) = auth {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, auth: Option<&str>, body: &Value) -> (StatusCode, Value) {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(cookie) = auth {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Logs in and returns the `Cookie` header value.
    pub async fn login(&self, username: &str) -> String {
        let response = self
            .client
            .post(self.url("/api/v1/session"))
            .json(&json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "login {username}");
        let cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
        cookie.split(';').next().unwrap().to_owned()
    }

    /// A request with extra headers (e.g. the citizen's `X-Query-Password`).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        auth: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, self.url(path));
        if let Some(cookie) = auth {
            request = request.header("cookie", cookie);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Runs the scheduler and delivers the outbox, as the background tasks would.
    pub async fn run_jobs(&self) -> hcp_server::app::jobs::scheduler::TickReport {
        let report = hcp_server::app::jobs::scheduler::tick(&self.state).await.unwrap();
        hcp_server::app::jobs::delivery::deliver_due(&self.state).await.unwrap();
        report
    }

    pub async fn evaluate(&self, body: Value) -> (StatusCode, Value) {
        self.post("/api/v1/evaluations", None, &body).await
    }
}

/// A small jurisdiction: the district center with two departments and a street center; one case; one user per
/// role (user name = role code, window head and staff at window `W-SC-01`).
pub async fn seed(state: &AppState) {
    let now = start();
    let mut tx = state.store().begin().await.unwrap();
    let root = org::create_org_unit(&mut tx, "JK", "吉林经开区政务服务中心", OrgKind::Center, None, now).await.unwrap();
    let street =
        org::create_org_unit(&mut tx, "JK-JZ", "九站街道便民服务中心", OrgKind::StreetCenter, Some(&root), now)
            .await
            .unwrap();
    let scjg = org::create_department(&mut tx, "SCJG", "市场监督管理局", root.id, now).await.unwrap();
    let rs = org::create_department(&mut tx, "JZ-RS", "九站街道社保所", street.id, now).await.unwrap();
    let w1 = org::create_window(&mut tx, "W-SC-01", "市场主体登记窗口", scjg.id, now).await.unwrap();
    let w2 = org::create_window(&mut tx, "W-JZ-01", "社保医保窗口", rs.id, now).await.unwrap();
    let head = org::create_staff(&mut tx, "S001", "王芳", Some(w1.id), now).await.unwrap();
    let clerk = org::create_staff(&mut tx, "S002", "李强", Some(w1.id), now).await.unwrap();
    org::create_staff(&mut tx, "S101", "赵敏", Some(w2.id), now).await.unwrap();
    org::set_window_head(&mut tx, w1.id, Some(head.id)).await.unwrap();
    let item = org::create_service_item(&mut tx, "QYSL", "企业设立登记", Some(scjg.id), now).await.unwrap();
    for (no, staff) in [("C-001", clerk.id), ("C-002", clerk.id), ("C-003", head.id)] {
        org::create_case(
            &mut tx,
            &NewCase {
                case_no: no,
                item_id: item.id,
                window_id: w1.id,
                staff_id: Some(staff),
                accepted_at: now - chrono::Duration::days(2),
                finished_at: Some(now - chrono::Duration::days(1)),
            },
            now,
        )
        .await
        .unwrap();
    }
    let accounts = [
        ("admin", "admin", None, None, None),
        ("supervisor", "supervisor", None, None, None),
        ("discipline", "discipline", None, None, None),
        ("hotline_operator", "hotline_operator", None, None, None),
        ("registrar", "registrar", None, None, None),
        ("street_registrar", "registrar", Some("JK-JZ"), None, None),
        ("dept_head", "dept_head", None, Some("SCJG"), None),
        ("window_head", "window_head", None, None, Some(("W-SC-01", "S001"))),
        ("staff", "staff", None, None, Some(("", "S002"))),
    ];
    for (username, role, org_code, department, window) in accounts {
        let account = NewAccount {
            username: username.into(),
            role: role.into(),
            org_code: org_code.map(Into::into),
            department_code: department.map(Into::into),
            window_code: window.map(|w| w.0.to_owned()).filter(|w| !w.is_empty()),
            staff_no: window.map(|w| w.1.to_owned()),
            password: Some(PASSWORD.into()),
            ..Default::default()
        };
        accounts::create(&mut tx, &account, "test", now).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// Generates a `#[tokio::test]` per backend for each async story `fn(Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    super::$story(super::common::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    if std::env::var(hcp_store::testing::POSTGRES_ENV).map_or(true, |v| v.is_empty()) {
                        eprintln!("HCP_TEST_POSTGRES_URL not set: PostgreSQL variant skipped");
                        return;
                    }
                    super::$story(super::common::Backend::Postgres).await;
                }
            )*
        }
    };
}

/// The window roll-ups answer the coarse groupings exactly as the full rows would, over periods that cut
/// months and periods of whole months, open or bounded.
pub async fn assert_rollups_agree(conn: &mut hcp_store::AnyConnection) {
    use chrono::{Datelike, Duration, NaiveDate};
    use hcp_core::stats::Counters;
    use hcp_store::stats::{Filter, GroupBy, StatKey, all_rows, query};
    let rows = all_rows(conn).await.unwrap();
    let Some(first) = rows.iter().map(|(k, _)| k.day.clone()).min() else { return };
    let last = rows.iter().map(|(k, _)| k.day.clone()).max().unwrap();
    let d = |t: &str| NaiveDate::parse_from_str(t, "%Y-%m-%d").unwrap();
    let s = |t: NaiveDate| Some(t.format("%Y-%m-%d").to_string());
    let (d0, d1) = (d(&first), d(&last));
    let periods = [
        (None, None),
        (s(d0), s(d1)),
        (s(d0 - Duration::days(45)), s(d0 + Duration::days(1))),
        (s(d0.with_day(1).unwrap()), s(d1 + Duration::days(62))),
        (s(d0 + Duration::days(1)), None),
        (None, s(d1 - Duration::days(1))),
    ];
    let key_of = |k: &StatKey, group_by: GroupBy| match group_by {
        GroupBy::None => "all".to_owned(),
        GroupBy::Department => k.department_id.to_string(),
        GroupBy::Window => k.window_id.to_string(),
        GroupBy::Day => k.day.clone(),
        GroupBy::Month => k.day[..7].to_owned(),
        _ => unreachable!(),
    };
    for (from, to) in periods {
        for group_by in [GroupBy::None, GroupBy::Department, GroupBy::Window, GroupBy::Day, GroupBy::Month] {
            let mut expected: std::collections::BTreeMap<String, Counters> = Default::default();
            for (k, c) in &rows {
                if from.as_ref().is_none_or(|f| &k.day >= f) && to.as_ref().is_none_or(|t| &k.day <= t) {
                    expected.entry(key_of(k, group_by)).or_default().add(c);
                }
            }
            expected.retain(|_, c| !c.is_zero());
            let filter = Filter { org_path: None, from_day: from.clone(), to_day: to.clone() };
            let got: std::collections::BTreeMap<String, Counters> =
                query(conn, &filter, None, group_by).await.unwrap().into_iter().filter(|(_, c)| !c.is_zero()).collect();
            assert!(got == expected, "{group_by:?} over {from:?}..{to:?}");
        }
    }
}

/// A local HTTP receiver at `path` that answers 500 to the first `failures` calls, then 200, recording the JSON
/// bodies it accepted (a webhook or an upward-report endpoint).
pub async fn flaky_endpoint(path: &str, failures: usize) -> (String, Arc<std::sync::Mutex<Vec<Value>>>) {
    use axum::http::StatusCode as AxumStatus;
    let received = Arc::new(std::sync::Mutex::new(Vec::new()));
    let calls = Arc::new(std::sync::Mutex::new(0usize));
    let store = received.clone();
    let app = axum::Router::new().route(
        path,
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let (store, calls) = (store.clone(), calls.clone());
            async move {
                let mut n = calls.lock().unwrap();
                *n += 1;
                if *n <= failures {
                    return AxumStatus::INTERNAL_SERVER_ERROR;
                }
                store.lock().unwrap().push(body);
                AxumStatus::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{path}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}
