//! Per-client fixed-window rate limits on the public endpoints. Written here rather than taken from a crate so
//! that it runs on the injected clock: tests and the training clock see the same behaviour as production.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use hcp_core::clock::Clock;

#[derive(Clone)]
pub struct RateLimiter {
    clock: Arc<dyn Clock>,
    windows: Arc<Mutex<HashMap<String, (i64, u32)>>>,
}

impl RateLimiter {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        RateLimiter { clock, windows: Arc::default() }
    }

    /// Gives back an event counted by [`check`](Self::check) that turned out not to count (a right password):
    /// attempts are counted before they are checked, so concurrent guesses cannot all pass a check made before
    /// any of them failed, and a success does not use up the limit.
    pub fn refund(&self, key: &str) {
        let minute = self.clock.now().timestamp().div_euclid(60);
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((m, count)) = windows.get_mut(key)
            && *m == minute
        {
            *count = count.saturating_sub(1);
        }
    }

    /// Counts one event for `key`; `Err(seconds until the window resets)` once `per_minute` is exceeded.
    pub fn check(&self, key: &str, per_minute: u32) -> Result<(), u64> {
        let now = self.clock.now().timestamp();
        let minute = now.div_euclid(60);
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > 100_000 {
            // Bounded memory under a flood of distinct clients: forget finished windows.
            windows.retain(|_, (m, _)| *m == minute);
        }
        let entry = windows.entry(key.to_owned()).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        if entry.1 >= per_minute {
            return Err((60 - now.rem_euclid(60)) as u64);
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use hcp_core::clock::ManualClock;

    #[test]
    fn limits_per_key_and_resets_each_minute() {
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 10, 12, 2, 0, 10).unwrap());
        let limiter = RateLimiter::new(Arc::new(clock.clone()));
        assert!(limiter.check("a", 2).is_ok());
        assert!(limiter.check("a", 2).is_ok());
        assert_eq!(limiter.check("a", 2), Err(50));
        assert!(limiter.check("b", 2).is_ok());
        clock.advance(chrono::Duration::seconds(50));
        assert!(limiter.check("a", 2).is_ok());
    }

    #[test]
    fn concurrent_attempts_counted_first_never_exceed_the_limit() {
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 10, 12, 2, 0, 10).unwrap());
        let limiter = RateLimiter::new(Arc::new(clock));
        let passed = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..64).map(|_| scope.spawn(|| limiter.check("code", 5).is_ok())).collect();
            handles.into_iter().map(|h| h.join().unwrap()).filter(|passed| *passed).count()
        });
        assert_eq!(passed, 5);
        // A right answer gives its attempt back.
        limiter.refund("code");
        assert!(limiter.check("code", 5).is_ok());
        assert!(limiter.check("code", 5).is_err());
    }
}
