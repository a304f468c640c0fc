//! The feed worker's stop signal, seen by a record being retried so a shutdown need not wait
//! for the store to recover.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

/// Raised once when the worker is asked to stop; cloned, all clones see it.
#[derive(Clone, Default)]
pub struct StopSignal(Arc<(AtomicBool, Notify)>);

impl std::fmt::Debug for StopSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("StopSignal").field(&self.is_raised()).finish()
    }
}

impl StopSignal {
    pub fn raise(&self) {
        self.0 .0.store(true, Ordering::SeqCst);
        self.0 .1.notify_waiters();
    }

    /// Lowers it again, for a worker started anew on the same dependencies.
    pub fn lower(&self) {
        self.0 .0.store(false, Ordering::SeqCst);
    }

    pub fn is_raised(&self) -> bool {
        self.0 .0.load(Ordering::SeqCst)
    }

    /// Returns once raised.
    pub async fn raised(&self) {
        loop {
            let notified = self.0 .1.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_raised() {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_clone_sees_it_raised_and_a_waiter_wakes() {
        let stop = StopSignal::default();
        let waiter = tokio::spawn({
            let stop = stop.clone();
            async move { stop.raised().await }
        });
        tokio::task::yield_now().await;
        assert!(!stop.clone().is_raised());
        stop.raise();
        tokio::time::timeout(std::time::Duration::from_secs(1), waiter)
            .await
            .expect("the waiter woke")
            .unwrap();
        stop.lower();
        assert!(!stop.is_raised());
    }
}
