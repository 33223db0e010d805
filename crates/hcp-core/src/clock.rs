//! Time as a dependency: production reads the system clock, tests and the training mode move a manual one.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, FixedOffset, Utc};

/// China Standard Time (Asia/Shanghai has had no daylight saving since 1991, so a fixed offset is exact).
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<RwLock<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Arc::new(RwLock::new(start)))
    }

    pub fn set(&self, now: DateTime<Utc>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = now;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut guard = self.0.write().unwrap_or_else(|e| e.into_inner());
        *guard += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.read().unwrap_or_else(|e| e.into_inner())
    }
}
