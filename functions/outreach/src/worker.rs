//! The change-feed worker: outreach under `sarafan serve` (Lambda's stream batches are in stream.rs),
//! and the lease-driven loop it shares with serve's stream reader (stream_worker.rs).

use crate::config::WorkerTuning;
use crate::handler::{handle_entry, Outreach, OutreachError};
use sarafan_core::model::{DomainEvent, FeedEntry};
use sarafan_core::store::{Lease, StoreError};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::path::Path;
use std::time::Duration;
use tokio::time::Instant;

/// The name of the feed worker's lease in the store: one worker sends per store.
pub const LEASE: &str = "outreach";

/// At most this many events wait in lanes; past it the worker stops reading ahead.
const MAX_WAITING: usize = 10_000;

/// Handles the change feed from `consumer`'s cursor until `shutdown` completes, while this
/// process holds the store's outreach lease (renewed as it works; a second `sarafan serve` on
/// the same store waits for it to lapse and says so in its log).
///
/// Events are handled in order per recipient ("lane": a customer, or staff). An event that
/// fails for now (a chat answering 500 or 429, the store busy) waits in its lane, with those
/// after it for the same recipient, and is retried on its own: after the platform's
/// `retry_after` exactly when it named one, else after a growing wait. Other lanes flow on.
/// The saved cursor stays before the oldest waiting event, so a restart handles it again (the
/// effect log makes what was already done a no-op). A permanent failure is logged and skipped.
pub async fn run_feed_worker(deps: &Outreach, consumer: &str, shutdown: impl Future<Output = ()>) {
    let mut work = FeedWork {
        consumer,
        // Messages sent before the last stop and not recorded: recorded before anything is sent.
        unrecorded: deps.config.outbox.as_deref().filter(|path| path.exists()),
        feed: None,
        abandoned: false,
    };
    run_leased(deps, &mut work, shutdown).await;
    tracing::info!(consumer, "outreach worker stopped");
}

/// Outreach work done only while this process holds the store's outreach lease, a step at a
/// time: the ordered feed's worker here, serve's stream reader in stream_worker.rs.
pub(crate) trait LeaseWork {
    /// The lease went to another process, which owns the work now: what this one had read is
    /// dropped (it is read again from the store should the lease come back).
    fn lease_lost(&mut self);

    /// One step, cut short at `deadline` (when the lease is due for renewal): how long to wait
    /// before the next, or why the work is paused (it is tried again after a growing wait).
    async fn step(&mut self, deps: &Outreach, deadline: Instant) -> Result<Duration, Paused>;

    /// At the stop, leave the lease to lapse on its own instead of releasing it (the store may
    /// be refusing writes just now, and the stop does not wait on it).
    fn keeps_lease_at_stop(&self) -> bool {
        false
    }
}

/// Why a step could not be done: `what` is the log's message, `reason` the failure.
pub(crate) struct Paused {
    what: &'static str,
    reason: String,
}

impl Paused {
    pub(crate) fn because(what: &'static str, reason: impl std::fmt::Display) -> Self {
        Paused {
            what,
            reason: reason.to_string(),
        }
    }
}

/// Runs `work` until `shutdown` completes: while the lease is held (renewed as it works), a
/// step at a time, waiting as each step says, after a failed step twice as long as after the
/// last (from the poll interval up to the longest backoff); while another process holds it,
/// asking again when it would lapse. The lease is released at the end, unless `work` keeps it.
pub(crate) async fn run_leased(deps: &Outreach, work: &mut impl LeaseWork, shutdown: impl Future<Output = ()>) {
    let stop = &deps.config.stop;
    stop.lower();
    // The stop is raised the moment shutdown comes, so a record being retried gives up then
    // instead of holding the worker (and the process) until the store recovers.
    let raise = async {
        shutdown.await;
        stop.raise();
    };
    tokio::join!(raise, lease_loop(deps, work));
}

async fn lease_loop(deps: &Outreach, work: &mut impl LeaseWork) {
    let config = &deps.config;
    let stop = &config.stop;
    let tuning = config.worker;
    let mut lease = LeaseState::default();
    let mut backoff = tuning.poll;
    loop {
        if stop.is_raised() {
            break;
        }
        let now = Instant::now();
        if now >= lease.renew_at {
            lease.renew(deps, now).await;
            if !lease.held(now) {
                work.lease_lost();
            }
        }
        let wait = if !lease.held(now) {
            lease.renew_at.saturating_duration_since(now)
        } else {
            match work.step(deps, lease.renew_at).await {
                Ok(wait) => {
                    backoff = tuning.poll;
                    wait
                }
                Err(paused) => {
                    tracing::warn!(
                        reason = paused.reason,
                        wait_ms = backoff.as_millis() as u64,
                        "{}",
                        paused.what
                    );
                    let wait = backoff;
                    backoff = (backoff * 2).min(tuning.max_backoff);
                    wait
                }
            }
        };
        tokio::select! {
            _ = stop.raised() => break,
            _ = tokio::time::sleep(wait) => {}
        }
    }
    // The next worker need not wait for the lease to lapse, unless the store is refusing
    // writes just now (a stop gave up on a record): then it lapses on its own, and the stop
    // does not wait on the store.
    if lease.held(Instant::now()) && !work.keeps_lease_at_stop() {
        if let Err(e) = deps.store.release_lease(LEASE, &config.claimant).await {
            tracing::warn!(error = %e, "the outreach lease could not be released; it lapses on its own");
        }
    }
}

/// The ordered feed's worker: first the messages kept unrecorded at the last stop, then the
/// feed from `consumer`'s cursor.
struct FeedWork<'a> {
    consumer: &'a str,
    unrecorded: Option<&'a Path>,
    feed: Option<Feed>,
    /// A stop gave up on recording a message sent.
    abandoned: bool,
}

impl LeaseWork for FeedWork<'_> {
    fn lease_lost(&mut self) {
        self.feed = None;
    }

    async fn step(&mut self, deps: &Outreach, deadline: Instant) -> Result<Duration, Paused> {
        if let Some(path) = self.unrecorded {
            let recorded = crate::outbox::record_kept(deps, path).await.map_err(|reason| {
                Paused::because(
                    "outreach paused: messages sent before the last stop are not recorded yet",
                    reason,
                )
            })?;
            tracing::info!(recorded, "messages sent before the last stop are recorded");
            self.unrecorded = None;
            return Ok(Duration::ZERO);
        }
        let feed = match &mut self.feed {
            Some(feed) => feed,
            None => {
                let cursor = deps
                    .store
                    .cursor(self.consumer)
                    .await
                    .map_err(|e| Paused::because("outreach paused: the cursor could not be read", e))?;
                self.feed.insert(Feed::new(cursor))
            }
        };
        let stepped = feed.step(deps, self.consumer, deadline).await;
        self.abandoned |= feed.abandoned;
        stepped.map_err(|e| Paused::because("outreach paused", e))
    }

    fn keeps_lease_at_stop(&self) -> bool {
        self.abandoned
    }
}

/// What this worker knows of its lease.
#[derive(Debug)]
struct LeaseState {
    /// Until when it is ours for sure (it was renewed before this minus the lease's length).
    valid_until: Option<Instant>,
    renew_at: Instant,
    /// The other holder last logged, so the log says it once, not every poll.
    told_holder: Option<String>,
}

impl Default for LeaseState {
    fn default() -> Self {
        LeaseState {
            valid_until: None,
            renew_at: Instant::now(),
            told_holder: None,
        }
    }
}

impl LeaseState {
    fn held(&self, now: Instant) -> bool {
        self.valid_until.is_some_and(|until| now < until)
    }

    async fn renew(&mut self, deps: &Outreach, now: Instant) {
        let config = &deps.config;
        let ttl = config.lease_ttl;
        match deps.store.lease(LEASE, &config.claimant, ttl).await {
            Ok(Lease::Held) => {
                if self.valid_until.is_none() {
                    tracing::info!(holder = %config.claimant, lease_secs = ttl.as_secs(), "outreach lease taken: this process sends outreach");
                }
                self.valid_until = Some(now + ttl);
                self.renew_at = now + ttl / 3;
                self.told_holder = None;
            }
            Ok(Lease::HeldBy { holder, until }) => {
                if self.told_holder.as_deref() != Some(holder.as_str()) {
                    tracing::info!(%holder, until = %until, "another process holds the store's outreach lease: leaving outreach to it (HTTP routes are served here)");
                    self.told_holder = Some(holder);
                }
                self.valid_until = None;
                // Ask again when it would lapse, and meanwhile now and then (it may be released).
                let lapses = (until - config.clock.now()).to_std().unwrap_or_default();
                self.renew_at = now + lapses.min(ttl / 3).max(Duration::from_millis(100));
            }
            Err(e) => {
                // Still ours until the last renewal runs out; keep trying until then.
                tracing::warn!(error = %e, "the outreach lease could not be renewed");
                if !self.held(now) {
                    self.valid_until = None;
                }
                self.renew_at = now + (ttl / 10).max(Duration::from_millis(100));
            }
        }
    }
}

/// Which recipient an event is about: events of one lane are handled in order, lanes independently.
pub(crate) fn lane_of(event: &DomainEvent) -> String {
    match event {
        DomainEvent::SurveyRequested { customer_id, .. }
        | DomainEvent::ResponseRecorded { customer_id, .. }
        | DomainEvent::CommentRecorded { customer_id, .. }
        | DomainEvent::ScoreNotUnderstood { customer_id, .. }
        | DomainEvent::OptedOut { customer_id, .. }
        | DomainEvent::PurchaseRecorded { customer_id, .. } => format!("customer:{customer_id}"),
        // Staff alerts have a lane of their own: they never wait behind a customer's chat.
        DomainEvent::MentionRecorded { .. } | DomainEvent::AlertChanged { .. } => "staff".into(),
        DomainEvent::ReferralClicked { .. } => "referrals".into(),
    }
}

/// Events of one recipient waiting for a retry, oldest first.
#[derive(Debug)]
struct Lane {
    waiting: VecDeque<FeedEntry>,
    next_try: Instant,
    backoff: Duration,
}

/// The worker's place in the feed while it holds the lease.
#[derive(Debug)]
struct Feed {
    /// The newest event read (handled, skipped, or waiting in a lane).
    read: u64,
    /// The cursor as last saved.
    saved: u64,
    lanes: HashMap<String, Lane>,
    /// A stop gave up on recording a message sent (see `Outreach::record_sent`).
    abandoned: bool,
}

enum Outcome {
    Done,
    Retry(Option<Duration>),
    /// Stopping with the event's message sent and not recorded: it stays in its lane.
    Abandoned,
}

async fn handle_now(deps: &Outreach, entry: &FeedEntry) -> Outcome {
    match handle_entry(entry, deps).await {
        Ok(_) => Outcome::Done,
        Err(OutreachError::Stopped { .. }) => Outcome::Abandoned,
        Err(e) if e.is_retried() => Outcome::Retry(e.retry_after()),
        Err(e) => {
            tracing::error!(seq = entry.seq, kind = entry.event.kind(), error = %e, "event skipped after a permanent failure");
            Outcome::Done
        }
    }
}

impl Feed {
    fn new(cursor: u64) -> Self {
        Feed {
            read: cursor,
            saved: cursor,
            lanes: HashMap::new(),
            abandoned: false,
        }
    }

    fn waiting(&self) -> usize {
        self.lanes.values().map(|l| l.waiting.len()).sum()
    }

    /// Starts a lane with `entry` failed at `now`, retried after `retry_after` (however long)
    /// or the first backoff.
    fn park(
        &mut self,
        lane: String,
        entry: FeedEntry,
        retry_after: Option<Duration>,
        tuning: &WorkerTuning,
        now: Instant,
    ) {
        let wait = retry_after.unwrap_or(tuning.poll);
        tracing::info!(
            lane,
            seq = entry.seq,
            wait_ms = wait.as_millis() as u64,
            "event waits for a retry; other recipients go on"
        );
        self.lanes.insert(
            lane,
            Lane {
                waiting: VecDeque::from([entry]),
                next_try: now + wait,
                backoff: (tuning.poll * 2).min(tuning.max_backoff),
            },
        );
    }

    /// The lanes whose retry is due at `now`.
    fn due(&self, now: Instant) -> Vec<String> {
        self.lanes
            .iter()
            .filter(|(_, lane)| lane.next_try <= now)
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// How long to sleep at `now`: until the next retry is due, at most `poll`.
    fn next_wait(&self, now: Instant, poll: Duration) -> Duration {
        let next_retry = self
            .lanes
            .values()
            .map(|l| l.next_try.saturating_duration_since(now))
            .min();
        next_retry.map_or(poll, |due| due.min(poll))
    }

    /// The cursor to save: just before the oldest waiting event, or the last one read.
    fn cursor(&self) -> u64 {
        self.lanes
            .values()
            .filter_map(|l| l.waiting.front())
            .map(|e| e.seq - 1)
            .min()
            .unwrap_or(self.read)
    }

    /// Retries the lanes that are due, then reads on; returns how long to wait before the next
    /// step. Stops early at `deadline` (the lease's renewal).
    async fn step(&mut self, deps: &Outreach, consumer: &str, deadline: Instant) -> Result<Duration, StoreError> {
        let tuning = deps.config.worker;
        let stop = &deps.config.stop;
        for name in self.due(Instant::now()) {
            let Some(lane) = self.lanes.get_mut(&name) else {
                continue;
            };
            while let Some(entry) = lane.waiting.front() {
                if stop.is_raised() {
                    break;
                }
                match handle_now(deps, entry).await {
                    Outcome::Done => {
                        lane.waiting.pop_front();
                    }
                    Outcome::Abandoned => {
                        self.abandoned = true;
                        break;
                    }
                    Outcome::Retry(retry_after) => {
                        let wait = retry_after.unwrap_or(lane.backoff);
                        lane.next_try = Instant::now() + wait;
                        lane.backoff = (lane.backoff * 2).min(tuning.max_backoff);
                        tracing::info!(
                            lane = name,
                            seq = entry.seq,
                            wait_ms = wait.as_millis() as u64,
                            "retry failed; waiting again"
                        );
                        break;
                    }
                }
            }
            if lane.waiting.is_empty() {
                tracing::info!(lane = name, "lane caught up");
                self.lanes.remove(&name);
            }
        }
        let mut full_batch = false;
        if self.waiting() < MAX_WAITING && Instant::now() < deadline && !stop.is_raised() {
            let entries = deps.store.read_feed(self.read, tuning.batch).await?;
            full_batch = entries.len() == tuning.batch;
            for entry in entries {
                self.read = entry.seq;
                let lane = lane_of(&entry.event);
                if let Some(waiting) = self.lanes.get_mut(&lane) {
                    waiting.waiting.push_back(entry);
                    continue;
                }
                match handle_now(deps, &entry).await {
                    Outcome::Done => {}
                    Outcome::Retry(retry_after) => self.park(lane, entry, retry_after, &tuning, Instant::now()),
                    Outcome::Abandoned => {
                        self.abandoned = true;
                        self.park(lane, entry, None, &tuning, Instant::now());
                    }
                }
                if stop.is_raised() {
                    break;
                }
                if Instant::now() >= deadline {
                    full_batch = true;
                    break;
                }
            }
        }
        if stop.is_raised() {
            // Not saved now (the store may be refusing writes): a restart reads from the last
            // saved cursor, and what was done since is a no-op then.
            return Ok(Duration::ZERO);
        }
        let cursor = self.cursor();
        if cursor > self.saved {
            deps.store.save_cursor(consumer, cursor).await?;
            self.saved = cursor;
        }
        if full_batch {
            return Ok(Duration::ZERO);
        }
        Ok(self.next_wait(Instant::now(), tuning.poll))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: u64, customer: &str) -> FeedEntry {
        FeedEntry {
            seq,
            recorded_at: chrono::Utc::now(),
            event: DomainEvent::OptedOut {
                customer_id: customer.into(),
                identity: None,
            },
        }
    }

    // The lane's clock is the instant given, so a 40 s (or 40 min) wait is checked without waiting.
    #[test]
    fn a_lane_waits_exactly_the_platforms_retry_after_however_long() {
        let tuning = WorkerTuning::default();
        for retry_after in [Duration::from_secs(40), Duration::from_secs(2400)] {
            let mut feed = Feed::new(3);
            let failed_at = Instant::now();
            feed.park(
                "customer:a".into(),
                entry(5, "a"),
                Some(retry_after),
                &tuning,
                failed_at,
            );
            assert!(feed.due(failed_at + retry_after - Duration::from_millis(1)).is_empty());
            assert_eq!(feed.due(failed_at + retry_after), vec!["customer:a".to_string()]);
            // The worker wakes on the moment it passes, not a poll or a backoff later.
            let almost = failed_at + retry_after - Duration::from_millis(300);
            assert_eq!(feed.next_wait(almost, tuning.poll), Duration::from_millis(300));
            assert_eq!(
                feed.next_wait(failed_at, tuning.poll),
                tuning.poll,
                "polls on meanwhile"
            );
            // The saved cursor stays before the waiting event, so a restart handles it again.
            assert_eq!(feed.cursor(), 4);
        }
    }

    #[test]
    fn without_a_retry_after_a_lane_backs_off_and_other_lanes_are_unaffected() {
        let tuning = WorkerTuning::default();
        let mut feed = Feed::new(0);
        let now = Instant::now();
        feed.read = 9;
        feed.park("customer:a".into(), entry(7, "a"), None, &tuning, now);
        feed.park(
            "staff".into(),
            entry(8, "x"),
            Some(Duration::from_millis(10)),
            &tuning,
            now,
        );
        assert_eq!(feed.due(now + Duration::from_millis(10)), vec!["staff".to_string()]);
        let mut both = feed.due(now + tuning.poll);
        both.sort();
        assert_eq!(both, ["customer:a", "staff"]);
        assert_eq!(feed.cursor(), 6);
        feed.lanes.clear();
        assert_eq!(feed.cursor(), 9, "nothing waiting: the cursor is the last event read");
    }

    #[test]
    fn staff_events_have_their_own_lane() {
        assert_eq!(lane_of(&entry(1, "c-1").event), "customer:c-1");
        let mention = DomainEvent::MentionRecorded {
            mention_id: "m".into(),
            sentiment: sarafan_core::model::Sentiment::Negative,
        };
        assert_eq!(lane_of(&mention), "staff");
    }
}
