//! Outreach under `sarafan serve` on DynamoDB: the table's stream read as Lambda's event source
//! mapping reads it (template.yaml: from the oldest record, batches of up to 50), each batch
//! handled as the Lambda handles one, except that a recipient failing for now has its events
//! parked until its next try at once ([`handle_stream_batch_parking`]; the Lambda waits within
//! its invocation, then reports it and Lambda retries the batch), so one failing chat does not
//! hold up the shard; parked events are swept at each poll, and the moment the earliest falls
//! due (so a platform's `retry_after` is waited exactly), with a wait that doubles per recipient
//! while it keeps failing (in AWS, EventBridge Scheduler's sweep each minute).
//!
//! So the table's writers move no shared counter (their events are written for the stream
//! alone), however many serve processes share it; one of them at a time, the outreach lease's
//! holder, reads the stream. Where it is in each shard is saved in the table after every batch,
//! so the next holder (or a restart) goes on from there; an event read twice finds its message
//! sent (the effect log and send guards make it a no-op).

use crate::handler::Outreach;
use crate::stream::{
    deliver_parked_backing_off, earliest, handle_stream_batch_parking, Invocation, ParkedBackoff, MARGIN,
};
use crate::worker::{run_leased, LeaseWork, Paused};
use chrono::{DateTime, Utc};
use sarafan_core::store::dynamodb::shards::{Checkpoint, ShardBatch, ShardError, StreamReader};
use sarafan_core::store::dynamodb::DynamoStore;
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// The checkpoints' reader name in the table.
pub const READER: &str = "outreach";
/// Records per `GetRecords`, as the outreach function's event source mapping (template.yaml).
const BATCH: i32 = 50;
/// How soon a shard is read again after a batch that was not full, as Lambda's event source
/// mapping polls a shard four times a second. Reading again at once made the reader call
/// GetRecords for every delivery or two while ingest wrote: requests to the engine that carry
/// almost nothing (by hand, one client, 300 deliveries: 23-35 GetRecords with the window).
const BATCH_WINDOW: Duration = Duration::from_millis(250);
/// How often the stream's shards are listed again (a shard is split or closed every few hours).
const SHARD_REFRESH: Duration = Duration::from_secs(30);

/// Reads `reader`'s stream from the saved checkpoints until `shutdown` completes, while this
/// process holds the store's outreach lease.
pub async fn run_stream_worker(
    deps: &Outreach,
    store: &DynamoStore,
    reader: &StreamReader,
    shutdown: impl Future<Output = ()>,
) {
    tracing::info!(stream = reader.arn(), "outreach reads the table's stream");
    let mut work = StreamWork {
        store,
        reader,
        position: None,
    };
    run_leased(deps, &mut work, shutdown).await;
    tracing::info!("outreach stream reader stopped");
}

/// The stream reader's work under the lease: where it is, once the checkpoints are read.
struct StreamWork<'a> {
    store: &'a DynamoStore,
    reader: &'a StreamReader,
    position: Option<Position>,
}

impl LeaseWork for StreamWork<'_> {
    fn lease_lost(&mut self) {
        self.position = None;
    }

    async fn step(&mut self, deps: &Outreach, deadline: Instant) -> Result<Duration, Paused> {
        let at = match &mut self.position {
            Some(at) => at,
            None => {
                let saved =
                    self.store.stream_checkpoints(READER).await.map_err(|e| {
                        Paused::because("outreach paused: the stream's checkpoints could not be read", e)
                    })?;
                let mut at = Position::default();
                for (shard, checkpoint) in saved {
                    at.shards.insert(
                        shard,
                        ShardState {
                            checkpoint,
                            ..ShardState::default()
                        },
                    );
                }
                self.position.insert(at)
            }
        };
        step(deps, self.store, self.reader, at, deadline)
            .await
            .map_err(|e| Paused::because("outreach paused: the stream could not be read", e))
    }
}

/// Where the worker is in one shard while it holds the lease.
#[derive(Debug, Default)]
struct ShardState {
    parent: Option<String>,
    /// The stream holds it now (a checkpoint can outlive its shard by days).
    listed: bool,
    checkpoint: Checkpoint,
    iterator: Option<String>,
    /// After a failure, not read again before this.
    retry_at: Option<Instant>,
    backoff: Option<Duration>,
}

/// The worker's place in the stream while it holds the lease.
#[derive(Debug, Default)]
struct Position {
    shards: HashMap<String, ShardState>,
    listed_at: Option<Instant>,
    swept_at: Option<Instant>,
    /// The growing wait of each parked recipient that keeps failing.
    backoff: Option<ParkedBackoff>,
    /// The earliest due time of the events parked, as far as this worker knows: it sweeps then,
    /// so a platform's `retry_after` is waited exactly, not until the next poll.
    parked_due: Option<DateTime<Utc>>,
}

/// Lists the shards when due, sweeps parked events when due, then reads one batch from every
/// shard that is ready; returns how long to wait before the next step.
async fn step(
    deps: &Outreach,
    store: &DynamoStore,
    reader: &StreamReader,
    at: &mut Position,
    deadline: Instant,
) -> Result<Duration, sarafan_core::store::StoreError> {
    let tuning = deps.config.worker;
    let stop = &deps.config.stop;
    let clock = deps.config.clock.as_ref();
    let now = Instant::now();
    if at.listed_at.is_none_or(|listed| now >= listed + SHARD_REFRESH) {
        let shards = reader.shards().await?;
        for state in at.shards.values_mut() {
            state.listed = false;
        }
        for shard in shards {
            let state = at.shards.entry(shard.id).or_default();
            state.parent = shard.parent;
            state.listed = true;
        }
        at.listed_at = Some(now);
    }
    // Parked events that are due go out at each poll, and the moment the earliest falls due (in
    // AWS, EventBridge Scheduler's sweep each minute): here they are the failing recipients' as
    // well as the rate limited ones'.
    let parked_due = at.parked_due.is_some_and(|due| due <= clock.now());
    if parked_due || at.swept_at.is_none_or(|swept| now >= swept + tuning.poll) {
        let backoff = at
            .backoff
            .get_or_insert_with(|| ParkedBackoff::new(tuning.poll * 2, tuning.max_backoff));
        at.parked_due = sweep(deps, backoff).await;
        at.swept_at = Some(now);
    }
    let (mut read_any, mut read_full) = (false, false);
    let mut next_retry: Option<Instant> = None;
    let ready: Vec<String> = at
        .shards
        .iter()
        .filter(|(_, state)| state.listed && !state.checkpoint.done)
        // A split shard's records come before its children's: each key's events stay in order.
        .filter(|(_, state)| {
            state
                .parent
                .as_ref()
                .and_then(|parent| at.shards.get(parent))
                .is_none_or(|parent| !parent.listed || parent.checkpoint.done)
        })
        .map(|(id, _)| id.clone())
        .collect();
    for id in ready {
        if stop.is_raised() || Instant::now() >= deadline {
            break;
        }
        let Some(state) = at.shards.get_mut(&id) else { continue };
        if let Some(retry_at) = state.retry_at {
            if Instant::now() < retry_at {
                next_retry = Some(next_retry.map_or(retry_at, |n| n.min(retry_at)));
                continue;
            }
        }
        let iterator = match &state.iterator {
            Some(iterator) => iterator.clone(),
            None => match reader.iterator(&id, state.checkpoint.after.as_deref()).await? {
                Some(iterator) => iterator,
                None => continue,
            },
        };
        let batch = match reader.records(&iterator, BATCH).await {
            Ok(batch) => batch,
            Err(ShardError::IteratorExpired) => {
                // A new one from the checkpoint at the next step.
                state.iterator = None;
                continue;
            }
            Err(ShardError::Store(e)) => return Err(e),
        };
        read_any |= !batch.records.is_empty();
        read_full |= batch.records.len() >= BATCH as usize;
        let events = batch.events();
        let failed = if events.is_empty() {
            None
        } else {
            let invocation = Invocation {
                clock: deps.config.clock.as_ref(),
                // No waiting in the batch: a recipient failing for now is parked at once, so the
                // records behind it in the shard go on (as the ordered feed's lanes do).
                deadline: deps.config.clock.now() + chrono::Duration::from_std(MARGIN).unwrap_or_default(),
            };
            let (answer, parked_until) = handle_stream_batch_parking(deps, events, invocation).await;
            if let Some(due) = parked_until {
                at.parked_due = earliest(at.parked_due, due);
            }
            answer
                .batch_item_failures
                .into_iter()
                .next()
                .and_then(|f| f.item_identifier)
        };
        match failed {
            Some(failed) => {
                // As Lambda does: read again from the first failure, after a growing wait.
                let wait = state.backoff.map_or(tuning.poll, |b| (b * 2).min(tuning.max_backoff));
                tracing::warn!(
                    shard = id,
                    record = failed,
                    wait_ms = wait.as_millis() as u64,
                    "a stream record failed; reading again from it"
                );
                if let Some(before) = batch.before(&failed) {
                    save(store, &id, state, before.to_string(), false).await?;
                }
                state.iterator = None;
                state.backoff = Some(wait);
                let retry_at = Instant::now() + wait;
                state.retry_at = Some(retry_at);
                next_retry = Some(next_retry.map_or(retry_at, |n| n.min(retry_at)));
            }
            None => {
                state.backoff = None;
                state.retry_at = None;
                advance(store, &id, state, &batch).await?;
            }
        }
    }
    if read_full {
        return Ok(Duration::ZERO);
    }
    let retry = next_retry.map(|at| at.saturating_duration_since(Instant::now()));
    let parked = at
        .parked_due
        .map(|due| (due - clock.now()).to_std().unwrap_or_default());
    let idle = if read_any {
        BATCH_WINDOW.min(tuning.poll)
    } else {
        tuning.poll
    };
    Ok(retry.into_iter().chain(parked).fold(idle, Duration::min))
}

/// After a batch handled in full: the checkpoint moves to its last record, and a shard read to
/// its end is done.
///
/// The checkpoint is an item of the same table, so saving it makes a stream record that the next
/// read finds: after a batch without events (such records, the lease's renewals, records and
/// counters) it moves in memory only, or the reader would feed itself a write per read. A
/// restart reads those records again, which costs nothing.
async fn advance(
    store: &DynamoStore,
    id: &str,
    state: &mut ShardState,
    batch: &ShardBatch,
) -> Result<(), sarafan_core::store::StoreError> {
    let done = batch.next.is_none();
    state.iterator = batch.next.clone();
    let handled = batch.records.iter().any(|(_, event)| event.is_some());
    if let Some(last) = batch.last() {
        state.checkpoint.after = Some(last.to_string());
    }
    if handled || done {
        state.checkpoint.done = done;
        store.save_stream_checkpoint(READER, id, &state.checkpoint).await?;
        if done {
            tracing::info!(shard = id, "stream shard read to its end");
        }
    }
    Ok(())
}

async fn save(
    store: &DynamoStore,
    id: &str,
    state: &mut ShardState,
    after: String,
    done: bool,
) -> Result<(), sarafan_core::store::StoreError> {
    let checkpoint = Checkpoint {
        after: Some(after),
        done,
    };
    store.save_stream_checkpoint(READER, id, &checkpoint).await?;
    state.checkpoint = checkpoint;
    Ok(())
}

/// Hands back the parked events that are due now, as the scheduled sweep does in AWS (without
/// sleeping for those due later: the reader sweeps again when the earliest is due, which this
/// returns; none when nothing is left parked, or the sweep failed and the next poll tries again).
async fn sweep(deps: &Outreach, backoff: &mut ParkedBackoff) -> Option<DateTime<Utc>> {
    let invocation = Invocation {
        clock: deps.config.clock.as_ref(),
        deadline: deps.config.clock.now() + chrono::Duration::from_std(MARGIN).unwrap_or_default(),
    };
    match deliver_parked_backing_off(deps, invocation, backoff).await {
        Ok((swept, next_due)) => {
            if swept.handled + swept.waiting > 0 {
                tracing::info!(handled = swept.handled, waiting = swept.waiting, "parked events swept");
            }
            next_due
        }
        Err(e) => {
            tracing::warn!(error = %e, "parked events could not be swept; trying again at the next poll");
            None
        }
    }
}
