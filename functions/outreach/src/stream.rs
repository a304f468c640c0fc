//! Outreach in Lambda: DynamoDB stream batches, waits that fit the invocation, and events parked
//! in the store until a platform's long `retry_after` passes (handed back by a scheduled sweep).
//!
//! A platform that says "retry after N seconds" is not called again for that recipient before
//! N seconds have passed, whatever N is. A wait that ends before the invocation must (its
//! deadline less [`MARGIN`]) is slept out in the invocation; a longer one parks the recipient's
//! events in the store with their due time, the record is not reported as failed (so Lambda
//! does not call the platform again at once), and the sweep (EventBridge Scheduler, every
//! minute, see template.yaml) delivers them when due, sleeping until the exact moment when it
//! falls inside its own invocation.

use crate::handler::{handle, Outreach, OutreachError};
use crate::worker::lane_of;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use chrono::{DateTime, Utc};
pub use sarafan_core::clock::{Clock, SystemClock};
use sarafan_core::model::DomainEvent;
use sarafan_core::store::ParkedEvent;
use serde_json::json;
use std::collections::VecDeque;
use std::time::Duration;

/// Room kept before the invocation's deadline for the send and its record after a wait.
pub const MARGIN: Duration = Duration::from_secs(5);

/// The first wait after a failure that named no wait (an outage); it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// A batch reads everything parked at once when at most this many events are (else one read
/// per recipient in the batch).
const PARKED_READ_AT_ONCE: usize = 100;
/// A parked event that fails again with no wait named (an outage) is tried again after this.
const PARKED_RETRY: Duration = Duration::from_secs(30);

/// One invocation's time: its clock and when Lambda stops it.
#[derive(Clone, Copy)]
pub struct Invocation<'a> {
    pub clock: &'a dyn Clock,
    pub deadline: DateTime<Utc>,
}

impl Invocation<'_> {
    /// The latest moment a wait may end and still leave [`MARGIN`] for the send.
    fn last_wake(&self) -> DateTime<Utc> {
        self.deadline - chrono::Duration::from_std(MARGIN).unwrap_or_default()
    }
}

fn after(at: DateTime<Utc>, wait: Duration) -> DateTime<Utc> {
    at + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX)
}

/// `at` rounded up to the whole millisecond the stores keep, so a parked wait never ends early.
fn to_stored_precision(at: DateTime<Utc>) -> DateTime<Utc> {
    let millis = at.timestamp_millis();
    let floor = DateTime::from_timestamp_millis(millis).unwrap_or(at);
    if floor < at {
        DateTime::from_timestamp_millis(millis + 1).unwrap_or(at)
    } else {
        floor
    }
}

/// Handles a DynamoDB stream batch, already decoded into `(record id, event)` pairs in stream
/// order, with no time to wait: see [`handle_stream_batch_within`].
pub async fn handle_stream_batch(deps: &Outreach, records: Vec<(String, DomainEvent)>) -> DynamoDbEventResponse {
    let clock = deps.config.clock.as_ref();
    let invocation = Invocation {
        clock,
        deadline: after(clock.now(), MARGIN),
    };
    handle_stream_batch_within(deps, records, invocation).await
}

/// One recipient's events of a batch, in stream order, and when to try the first again.
struct Lane {
    name: String,
    records: VecDeque<(String, DomainEvent)>,
    next_try: DateTime<Utc>,
    backoff: Duration,
    /// The last failure came with the platform's own wait (a rate limit).
    rate_limited: bool,
}

/// Handles a stream batch within `invocation`.
///
/// Events are handled in order per recipient (see `lane_of`), recipients independently. A
/// recipient whose events are parked in the store gets the new ones parked behind them. One
/// that fails for now is tried again after the platform's `retry_after`, or a growing wait,
/// while that ends before the deadline (less [`MARGIN`]); a rate limit that ends later parks the
/// recipient's events until it passes. What still fails is reported: the first such record is
/// the batch item failure Lambda retries from (later records of other recipients are handled
/// now, and find their effects done on the retry). Permanent failures are logged and not
/// reported (a retry could not fix them).
pub async fn handle_stream_batch_within(
    deps: &Outreach,
    records: Vec<(String, DomainEvent)>,
    invocation: Invocation<'_>,
) -> DynamoDbEventResponse {
    handle_batch(deps, records, invocation, StillFailing::Report).await.0
}

/// As [`handle_stream_batch_within`], for a reader that keeps no batch to retry (`sarafan
/// serve` reading the table's stream): a recipient still failing at the deadline has its events
/// parked until its next try, whatever the failure, so the records behind it in the shard go on
/// at once, as other recipients do under the ordered feed's worker. Only a record that could not
/// be parked is reported. Also returns the earliest due time it parked events until (none: it
/// parked nothing), so the reader can wake for it then rather than at its next poll.
pub async fn handle_stream_batch_parking(
    deps: &Outreach,
    records: Vec<(String, DomainEvent)>,
    invocation: Invocation<'_>,
) -> (DynamoDbEventResponse, Option<DateTime<Utc>>) {
    handle_batch(deps, records, invocation, StillFailing::Park).await
}

/// What becomes of a recipient's events still failing at a batch's deadline.
#[derive(Clone, Copy, PartialEq, Eq)]
enum StillFailing {
    /// Reported (Lambda retries the batch from the first); a rate limit is parked.
    Report,
    /// Parked until the recipient's next try.
    Park,
}

async fn handle_batch(
    deps: &Outreach,
    records: Vec<(String, DomainEvent)>,
    invocation: Invocation<'_>,
    still_failing: StillFailing,
) -> (DynamoDbEventResponse, Option<DateTime<Utc>>) {
    let clock = invocation.clock;
    let mut parked_until = None;
    let order: Vec<String> = records.iter().map(|(id, _)| id.clone()).collect();
    let mut lanes: Vec<Lane> = Vec::new();
    for (id, event) in records {
        let name = lane_of(&event);
        match lanes.iter_mut().find(|l| l.name == name) {
            Some(lane) => lane.records.push_back((id, event)),
            None => lanes.push(Lane {
                name,
                records: VecDeque::from([(id, event)]),
                next_try: clock.now(),
                backoff: FIRST_BACKOFF,
                rate_limited: false,
            }),
        }
    }
    let mut failed: Vec<String> = Vec::new();
    // A recipient already waiting out a rate limit: its new events wait behind the parked ones.
    // Everything parked is read at once when little is (the usual case: nothing), else each
    // recipient's parked events are read on their own.
    let parked_now = match lanes.len() {
        0 | 1 => Ok(None),
        _ => deps.store.parked_if_at_most(PARKED_READ_AT_ONCE).await,
    };
    for lane in &mut lanes {
        let first_due = match &parked_now {
            Ok(Some(all)) => Ok(all.iter().filter(|p| p.lane == lane.name).map(|p| p.due).min()),
            Ok(None) => (deps.store.parked_in(&lane.name).await)
                .map(|parked| parked.iter().map(|p| p.due).min())
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        let first_due = match first_due {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(lane = lane.name, error = %e, "parked events could not be read; Lambda will retry");
                failed.extend(lane.records.front().map(|(id, _)| id.clone()));
                lane.records.clear();
                continue;
            }
        };
        if let Some(due) = first_due {
            tracing::info!(lane = lane.name, %due, events = lane.records.len(), "recipient waiting out a rate limit: parked behind it");
            parked_until = earliest(parked_until, due);
            if let Err(id) = park(deps, &lane.name, &mut lane.records, due).await {
                // Lambda retries from the record that could not be parked; the ones behind it
                // are not sent now, ahead of the parked events and their due time.
                failed.push(id);
                lane.records.clear();
            }
        }
    }
    loop {
        let now = clock.now();
        for lane in lanes.iter_mut().filter(|l| !l.records.is_empty() && l.next_try <= now) {
            while let Some((id, event)) = lane.records.front() {
                match handle(id, event, deps).await {
                    Ok(_) => {
                        lane.records.pop_front();
                    }
                    Err(e) if e.is_retried() => {
                        let wait = e.retry_after().unwrap_or(lane.backoff);
                        lane.rate_limited = e.retry_after().is_some();
                        lane.backoff = (lane.backoff * 2).min(MAX_BACKOFF);
                        lane.next_try = after(clock.now(), wait);
                        tracing::info!(record_id = id, lane = lane.name, wait_ms = wait.as_millis() as u64, error = %e, "record failed for now");
                        break;
                    }
                    Err(e) => {
                        tracing::error!(record_id = id, error = %e, "record skipped after a permanent failure");
                        lane.records.pop_front();
                    }
                }
            }
        }
        let next = lanes.iter().filter(|l| !l.records.is_empty()).map(|l| l.next_try).min();
        match next {
            Some(at) if at <= invocation.last_wake() => clock.sleep_until(at).await,
            _ => break,
        }
    }
    for lane in lanes.iter_mut().filter(|l| !l.records.is_empty()) {
        if lane.rate_limited || still_failing == StillFailing::Park {
            tracing::info!(lane = lane.name, due = %lane.next_try, rate_limited = lane.rate_limited, "failing past this batch: parked until its next try");
            parked_until = earliest(parked_until, to_stored_precision(lane.next_try));
            if let Err(id) = park(deps, &lane.name, &mut lane.records, lane.next_try).await {
                failed.push(id);
            }
        } else if let Some((id, _)) = lane.records.front() {
            tracing::warn!(
                record_id = id,
                lane = lane.name,
                "record failed; Lambda will retry from it"
            );
            failed.push(id.clone());
        }
    }
    let first_failed = order.into_iter().find(|id| failed.contains(id));
    (batch_response(first_failed.as_deref()), parked_until)
}

/// The earlier of a known time (if any) and `other`.
pub(crate) fn earliest(at: Option<DateTime<Utc>>, other: DateTime<Utc>) -> Option<DateTime<Utc>> {
    Some(at.map_or(other, |at| at.min(other)))
}

/// Parks `records` of `lane` until `due`; on failure, the first record not parked (to report).
async fn park(
    deps: &Outreach,
    lane: &str,
    records: &mut VecDeque<(String, DomainEvent)>,
    due: DateTime<Utc>,
) -> Result<(), String> {
    while let Some((record_id, event)) = records.front() {
        let parked = ParkedEvent {
            lane: lane.to_string(),
            record_id: record_id.clone(),
            event: event.clone(),
            due: to_stored_precision(due),
        };
        if let Err(e) = deps.store.park(&parked).await {
            tracing::warn!(record_id, lane, error = %e, "event could not be parked; Lambda will retry");
            return Err(record_id.clone());
        }
        records.pop_front();
    }
    Ok(())
}

/// The answer Lambda reads; built through serde so it holds whichever fields the crate's features add.
fn batch_response(failed: Option<&str>) -> DynamoDbEventResponse {
    let failures: Vec<_> = failed.map(|id| json!({ "itemIdentifier": id })).into_iter().collect();
    serde_json::from_value(json!({ "batchItemFailures": failures })).expect("a well-formed batch response")
}

/// What a sweep did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Swept {
    /// Parked events handled (sent, or found done) and dropped from the store.
    pub handled: usize,
    /// Parked events left for a later sweep (not due within this invocation, or failing again).
    pub waiting: usize,
}

/// The scheduled sweep: hands back the parked events that fall due before the invocation's
/// deadline (less [`MARGIN`]), each recipient's in order, sleeping until each is due. A
/// recipient rate limited again is parked again until the new wait passes.
pub async fn deliver_parked(deps: &Outreach, invocation: Invocation<'_>) -> Result<Swept, OutreachError> {
    let backoff = &mut ParkedBackoff::new(PARKED_RETRY, PARKED_RETRY);
    Ok(deliver_parked_backing_off(deps, invocation, backoff).await?.0)
}

/// How long a parked recipient that fails again with no wait named (an outage) waits for its
/// next try: `first`, doubling up to `max` while it keeps failing.
#[derive(Debug, Clone)]
pub struct ParkedBackoff {
    first: Duration,
    max: Duration,
    lanes: std::collections::HashMap<String, Duration>,
}

impl ParkedBackoff {
    pub fn new(first: Duration, max: Duration) -> Self {
        ParkedBackoff {
            first,
            max,
            lanes: Default::default(),
        }
    }

    fn failed(&mut self, lane: &str) -> Duration {
        let next = self
            .lanes
            .get(lane)
            .map_or(self.first, |wait| (*wait * 2).min(self.max));
        self.lanes.insert(lane.to_string(), next);
        next
    }

    fn done(&mut self, lane: &str) {
        self.lanes.remove(lane);
    }
}

/// As [`deliver_parked`], with `backoff` keeping each failing recipient's growing wait across
/// sweeps (a process that sweeps often, `sarafan serve`; each Lambda sweep waits [`PARKED_RETRY`]).
/// Also returns the earliest due time of the events it left parked (none: nothing is parked), so
/// such a process sweeps again the moment it comes.
pub async fn deliver_parked_backing_off(
    deps: &Outreach,
    invocation: Invocation<'_>,
    backoff: &mut ParkedBackoff,
) -> Result<(Swept, Option<DateTime<Utc>>), OutreachError> {
    let clock = invocation.clock;
    let parked = deps.store.parked().await?;
    let mut lanes: Vec<(DateTime<Utc>, Vec<ParkedEvent>)> = Vec::new();
    for event in parked {
        match lanes.last_mut() {
            Some((due, events)) if events[0].lane == event.lane => {
                *due = (*due).min(event.due);
                events.push(event);
            }
            _ => lanes.push((event.due, vec![event])),
        }
    }
    lanes.sort_by_key(|(due, _)| *due);
    let mut swept = Swept::default();
    let mut next_due = None;
    for (due, events) in lanes {
        if due > invocation.last_wake() {
            swept.waiting += events.len();
            next_due = earliest(next_due, due);
            continue;
        }
        clock.sleep_until(due).await;
        let lane = events[0].lane.clone();
        let mut events = events.into_iter();
        let mut failed = false;
        while let Some(parked) = events.next() {
            match handle(&parked.record_id, &parked.event, deps).await {
                Ok(_) => {}
                Err(e) if e.is_retried() => {
                    let rest: Vec<ParkedEvent> = std::iter::once(parked).chain(events.by_ref()).collect();
                    swept.waiting += rest.len();
                    if let Some(wait) = e.retry_after() {
                        let due = after(clock.now(), wait);
                        tracing::info!(lane = rest[0].lane, %due, "rate limited again: parked until it passes");
                        next_due = earliest(next_due, to_stored_precision(due));
                        for mut event in rest {
                            event.due = to_stored_precision(due);
                            deps.store.park(&event).await?;
                        }
                    } else {
                        let due = after(clock.now(), backoff.failed(&rest[0].lane));
                        tracing::warn!(lane = rest[0].lane, error = %e, %due, "parked event failed for now; retried then");
                        next_due = earliest(next_due, to_stored_precision(due));
                        for mut event in rest {
                            event.due = to_stored_precision(due);
                            deps.store.park(&event).await?;
                        }
                    }
                    failed = true;
                    break;
                }
                Err(e) => {
                    tracing::error!(record_id = parked.record_id, error = %e, "parked event skipped after a permanent failure")
                }
            }
            // Handled (or never can be): its effects are recorded, so dropping it loses nothing.
            deps.store.unpark(&parked.lane, &parked.record_id).await?;
            swept.handled += 1;
        }
        if !failed {
            backoff.done(&lane);
        }
    }
    Ok((swept, next_due))
}
