//! What time it is, and waiting for a time: the system clock in every host, a set one in tests.
//!
//! Anything that depends on "now" (throttles, answer windows, schedules, spikes, leases) asks the
//! clock it was lent, so a test sets the time instead of waiting for it.

use chrono::{DateTime, Utc};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

/// The time, and sleeping until a time.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    /// Returns at `at` (at once if it has passed). The default waits on tokio's timer for the
    /// time between [`Self::now`] and `at`.
    fn sleep_until(&self, at: DateTime<Utc>) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        let wait = (at - self.now()).to_std().unwrap_or_default();
        Box::pin(tokio::time::sleep(wait))
    }
}

impl fmt::Debug for dyn Clock + '_ {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Clock({})", self.now().to_rfc3339())
    }
}

/// A clock shared by the parts of a host (handlers, workers, schedules).
pub type SharedClock = Arc<dyn Clock>;

/// A function giving the time is a clock (`Arc::new(Utc::now)`, or a closure over a test's time).
impl<F> Clock for F
where
    F: Fn() -> DateTime<Utc> + Send + Sync,
{
    fn now(&self) -> DateTime<Utc> {
        self()
    }
}

/// The system clock and tokio's timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The system clock, shared.
pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// A clock that shows the time it was set to until set again or advanced; sleeping until a
/// time moves it there at once. For tests of time-dependent behaviour.
#[derive(Debug, Clone)]
pub struct SetClock {
    now: Arc<Mutex<DateTime<Utc>>>,
}

impl SetClock {
    pub fn at(now: DateTime<Utc>) -> Self {
        SetClock {
            now: Arc::new(Mutex::new(now)),
        }
    }

    pub fn set(&self, now: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|e| e.into_inner()) = now;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }

    /// This clock, shared (clones see the same time).
    pub fn shared(&self) -> SharedClock {
        Arc::new(self.clone())
    }
}

impl Clock for SetClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn sleep_until(&self, at: DateTime<Utc>) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        if at > *now {
            *now = at;
        }
        Box::pin(std::future::ready(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_set_clock_moves_only_when_told_or_slept() {
        let t0 = DateTime::parse_from_rfc3339("2026-03-01T09:00:00Z").unwrap().to_utc();
        let clock = SetClock::at(t0);
        let shared = clock.shared();
        assert_eq!(shared.now(), t0);
        clock.advance(chrono::Duration::minutes(5));
        assert_eq!(shared.now(), t0 + chrono::Duration::minutes(5));
        shared.sleep_until(t0 + chrono::Duration::hours(1)).await;
        assert_eq!(clock.now(), t0 + chrono::Duration::hours(1));
        // Sleeping until a time passed leaves the clock where it is.
        shared.sleep_until(t0).await;
        assert_eq!(clock.now(), t0 + chrono::Duration::hours(1));
        let from_fn: SharedClock = Arc::new(move || t0);
        assert_eq!(from_fn.now(), t0);
    }
}
