//! What every request runs on: storage, the data key, the clock, the calendar, configuration, rate limits and
//! the intake writer.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use hcp_core::calendar::WorkCalendar;
use hcp_core::clock::{Clock, TrainingClock};
use hcp_store::Store;
use hcp_store::crypto::DataKey;

use crate::app::intake::IntakeWriter;
use crate::app::settings::Tunables;
use crate::app::tickets::lifecycle::Rules;
use crate::config::Config;
use crate::config::NotifyConfig;
use crate::ratelimit::RateLimiter;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    store: Store,
    key: DataKey,
    clock: Arc<dyn Clock>,
    /// The real clock (in demo mode the training clock's pace): security timers run on it, so moving the
    /// training clock neither ends sessions nor expires open forms.
    system: Arc<dyn Clock>,
    calendar: RwLock<Arc<WorkCalendar>>,
    config: Config,
    limiter: RateLimiter,
    intake: IntakeWriter,
    notify: Arc<NotifyConfig>,
    /// Deadlines and thresholds in force: the config file's values under the administrator's saved ones.
    tunables: RwLock<Arc<Tunables>>,
    /// Wakes the outbox delivery task after a commit that wrote notifications.
    delivery: tokio::sync::Notify,
    /// Set in demo mode with `--demo-clock`: the clock `POST /api/v1/demo/clock` moves.
    training: Option<TrainingClock>,
    /// `hcp serve --demo`: the sign-in page lists the demo users.
    demo: bool,
    /// Calendar rows' fingerprint when last loaded: another process's edit shows as a change.
    calendar_version: RwLock<String>,
    /// When the integrity sweep last ran in this process.
    last_sweep: std::sync::Mutex<Option<DateTime<Utc>>>,
}

/// How the server runs: normally, or as the demo (with an optional training clock).
#[derive(Clone, Default)]
pub struct Mode {
    pub demo: bool,
    pub training: Option<TrainingClock>,
}

impl AppState {
    /// Seeds the shipped calendar years if missing, loads the calendar and starts the intake writer.
    pub async fn new(store: Store, key: DataKey, clock: Arc<dyn Clock>, config: Config) -> hcp_store::Result<AppState> {
        AppState::with_mode(store, key, clock, config, Mode::default()).await
    }

    /// With a training clock the state runs on it (`clock` is then only its pace).
    pub async fn with_mode(
        store: Store,
        key: DataKey,
        clock: Arc<dyn Clock>,
        config: Config,
        mode: Mode,
    ) -> hcp_store::Result<AppState> {
        // The training clock exists only in demo mode.
        let training = if mode.demo { mode.training } else { None };
        let system = clock.clone();
        let clock: Arc<dyn Clock> = match &training {
            Some(training) => Arc::new(training.clone()),
            None => clock,
        };
        let mut tx = store.begin().await?;
        hcp_store::calendar::seed_shipped(&mut tx, clock.now()).await?;
        tx.commit().await?;
        crate::app::stats::ensure_built(&store).await?;
        let mut conn = store.reader().await?;
        let calendar = hcp_store::calendar::load(&mut conn).await?;
        let calendar_version = hcp_store::calendar::version(&mut conn).await?;
        let tunables = Tunables::load(&mut conn, &config).await?;
        drop(conn);
        let intake = IntakeWriter::start(store.clone(), key.clone());
        Ok(AppState(Arc::new(Inner {
            limiter: RateLimiter::new(system.clone()),
            notify: Arc::new(config.notify.clone()),
            tunables: RwLock::new(Arc::new(tunables)),
            store,
            key,
            clock,
            system,
            calendar: RwLock::new(Arc::new(calendar)),
            config,
            intake,
            delivery: tokio::sync::Notify::new(),
            training,
            demo: mode.demo,
            calendar_version: RwLock::new(calendar_version),
            last_sweep: std::sync::Mutex::new(None),
        })))
    }

    /// The calendar, policy and notification settings a transition runs with.
    pub fn rules(&self) -> Rules {
        let tunables = self.tunables();
        Rules {
            calendar: self.calendar(),
            policy: tunables.policy,
            notify: self.0.notify.clone(),
            integrity: tunables.integrity.clone(),
        }
    }

    /// Deadlines and thresholds in force (see `service::settings` for the precedence).
    pub fn tunables(&self) -> Arc<Tunables> {
        self.0.tunables.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn policy(&self) -> hcp_core::lifecycle::Policy {
        self.tunables().policy
    }

    /// Re-reads the saved settings (after an edit here, or at each scheduler run for edits in other processes).
    pub async fn reload_tunables(&self) -> hcp_store::Result<()> {
        let tunables = Tunables::load(&mut *self.store().reader().await?, &self.0.config).await?;
        *self.0.tunables.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(tunables);
        Ok(())
    }

    /// The integrity sweep runs at most hourly per process (and at the first scheduler run); claims the slot.
    pub fn sweep_due(&self, now: DateTime<Utc>) -> bool {
        let mut last = self.0.last_sweep.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some_and(|at| now >= at && now - at < chrono::Duration::hours(1)) {
            return false;
        }
        *last = Some(now);
        true
    }

    pub fn is_demo(&self) -> bool {
        self.0.demo
    }

    pub fn training_clock(&self) -> Option<&TrainingClock> {
        self.0.training.as_ref()
    }

    pub fn wake_delivery(&self) {
        self.0.delivery.notify_one();
    }

    pub async fn delivery_woken(&self) {
        self.0.delivery.notified().await;
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    pub fn key(&self) -> &DataKey {
        &self.0.key
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }

    /// The real time for security timers (sessions, form tokens, rate limits): never the training clock.
    pub fn system_now(&self) -> DateTime<Utc> {
        self.0.system.now()
    }

    pub fn clock(&self) -> Arc<dyn Clock> {
        self.0.clock.clone()
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    pub fn limiter(&self) -> &RateLimiter {
        &self.0.limiter
    }

    pub fn intake(&self) -> &IntakeWriter {
        &self.0.intake
    }

    pub fn calendar(&self) -> Arc<WorkCalendar> {
        self.0.calendar.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Re-reads the calendar after an import or edit.
    pub async fn reload_calendar(&self) -> hcp_store::Result<()> {
        let mut conn = self.store().reader().await?;
        let calendar = hcp_store::calendar::load(&mut conn).await?;
        let version = hcp_store::calendar::version(&mut conn).await?;
        *self.0.calendar.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(calendar);
        *self.0.calendar_version.write().unwrap_or_else(|e| e.into_inner()) = version;
        Ok(())
    }

    /// Reloads the calendar if another process (or the CLI) changed it; true when it did.
    pub async fn refresh_calendar(&self) -> hcp_store::Result<bool> {
        let version = hcp_store::calendar::version(&mut *self.store().reader().await?).await?;
        if *self.0.calendar_version.read().unwrap_or_else(|e| e.into_inner()) == version {
            return Ok(false);
        }
        self.reload_calendar().await?;
        Ok(true)
    }

    pub async fn shutdown(&self) {
        self.0.intake.stop().await;
        self.0.store.close().await;
    }
}
