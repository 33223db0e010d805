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

/// The training clock (`hcp serve --demo --demo-clock`): runs on from a chosen instant at the pace of `base`,
/// and can be moved forward (never back, so deadlines and the audit log stay in order).
#[derive(Clone)]
pub struct TrainingClock {
    base: Arc<dyn Clock>,
    offset: Arc<RwLock<chrono::Duration>>,
}

impl TrainingClock {
    pub fn starting_at(base: Arc<dyn Clock>, start: DateTime<Utc>) -> Self {
        let offset = start - base.now();
        TrainingClock { base, offset: Arc::new(RwLock::new(offset)) }
    }

    /// Moves the clock to `to`; refuses (returning the current instant) if that is in its past.
    pub fn move_to(&self, to: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
        let mut offset = self.offset.write().unwrap_or_else(|e| e.into_inner());
        let now = self.base.now() + *offset;
        if to < now {
            return Err(now);
        }
        *offset += to - now;
        Ok(())
    }
}

impl Clock for TrainingClock {
    fn now(&self) -> DateTime<Utc> {
        self.base.now() + *self.offset.read().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_training_clock_runs_on_from_its_start_and_only_moves_forward() {
        let base = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 25, 1, 0, 0).unwrap());
        let start = Utc.with_ymd_and_hms(2024, 9, 27, 2, 0, 0).unwrap();
        let clock = TrainingClock::starting_at(Arc::new(base.clone()), start);
        assert_eq!(clock.now(), start);
        base.advance(chrono::Duration::minutes(5));
        assert_eq!(clock.now(), start + chrono::Duration::minutes(5));
        let later = Utc.with_ymd_and_hms(2024, 10, 9, 2, 0, 0).unwrap();
        clock.move_to(later).unwrap();
        assert_eq!(clock.now(), later);
        assert_eq!(clock.move_to(start), Err(later));
    }
}
