//! Group commit for the ordered feed: the mentions and responses a process has waiting go to
//! DynamoDB in one transaction, which moves `FEED#SEQ` once for all of them.
//!
//! With the ordered feed every event-writing change moves one counter, so a process's writers
//! take turns at it. Instead of each waiting its turn for its own transaction, a change that
//! plans without reading joins a queue; whoever gets the turn takes up to [`MAX_GROUP`] queued
//! changes and writes them together. A change that finds its answer when its turn comes is
//! done. Changes whose items would meet in one transaction (two answers of one customer) wait
//! for the next one; one change's failure (a redelivery) is answered alone and the others are
//! written again at once.

use super::*;
use std::collections::{HashSet, VecDeque};
use tokio::sync::oneshot;

/// At most this many changes share a transaction: each is at most six items (claim, record,
/// customer, survey, feed event, a month's name) and DynamoDB takes 100.
const MAX_GROUP: usize = 12;

/// A change waiting for a turn at the feed, and where its answer goes.
pub(super) struct Waiting {
    delivery: String,
    change: Change,
    reply: oneshot::Sender<StoreResult<Applied>>,
}

/// The changes waiting in this process (shared by the store's clones).
#[derive(Default)]
pub(super) struct Queue(std::sync::Mutex<VecDeque<Waiting>>);

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Queue({} waiting)", self.lock().len())
    }
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Waiting>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The key (`pk`, `sk`) an item of a transaction writes or checks.
fn item_key(item: &TransactWriteItem) -> Option<(String, String)> {
    let key = |i: &Item| Some((attr_s(i, PK)?.to_string(), attr_s(i, SK)?.to_string()));
    if let Some(put) = item.put() {
        return key(put.item());
    }
    if let Some(update) = item.update() {
        return key(update.key());
    }
    item.condition_check().and_then(|c| key(c.key()))
}

/// One attempt's changes: each with the range of its own items in the transaction.
struct Group {
    members: Vec<Waiting>,
    ranges: Vec<std::ops::Range<usize>>,
}

impl DynamoStore {
    /// Applies a change that plans without reading, in the ordered feed, grouped with the
    /// process's other waiting ones (see the module's docs).
    pub(super) async fn apply_grouped(&self, delivery: &str, change: Change) -> StoreResult<Applied> {
        let (reply, mut answer) = oneshot::channel();
        self.group.lock().push_back(Waiting {
            delivery: delivery.to_string(),
            change,
            reply,
        });
        loop {
            let turn = tokio::time::timeout(FEED_TURN_WAIT, self.feed_writer.clone().lock_owned()).await;
            let mut turn = match turn {
                Ok(turn) => turn,
                Err(_) => {
                    // Taken back if no turn has taken it yet; else its answer is on its way.
                    let taken_back = {
                        let mut queue = self.group.lock();
                        let at = queue.iter().position(|w| w.delivery == delivery);
                        at.and_then(|at| queue.remove(at)).is_some()
                    };
                    if taken_back {
                        return Err(StoreError::Unavailable(format!(
                            "waited {} s for this process's other feed writes",
                            FEED_TURN_WAIT.as_secs()
                        )));
                    }
                    return answer
                        .await
                        .unwrap_or_else(|_| Err(StoreError::Unavailable("the grouped write was dropped".into())));
                }
            };
            match answer.try_recv() {
                Ok(result) => return result,
                Err(oneshot::error::TryRecvError::Closed) => {
                    return Err(StoreError::Unavailable("the grouped write was dropped".into()))
                }
                Err(oneshot::error::TryRecvError::Empty) => {}
            }
            let members: Vec<Waiting> = {
                let mut queue = self.group.lock();
                let take = queue.len().min(MAX_GROUP);
                queue.drain(..take).collect()
            };
            self.commit_group(members, &mut turn).await;
        }
    }

    /// Writes `members` in as few transactions as it takes, answering each; `last` is this
    /// process's view of the feed counter (`None`: read it).
    async fn commit_group(&self, mut members: Vec<Waiting>, last: &mut Option<u64>) {
        let (mut attempt, mut feed_races) = (0u32, 0u32);
        while !members.is_empty() {
            let now = Utc::now();
            let mut group = Group {
                members: Vec::with_capacity(members.len()),
                ranges: Vec::with_capacity(members.len()),
            };
            let mut plan = Plan::new(&self.table);
            let mut keys: HashSet<(String, String)> = HashSet::new();
            let mut later = Vec::new();
            for member in members.drain(..) {
                let mut own = Plan::new(&self.table);
                if let Err(e) = self.plan_member(&mut own, &member.delivery, &member.change, now).await {
                    let _ = member.reply.send(Err(e));
                    continue;
                }
                let own_keys: Vec<(String, String)> = own.items.iter().filter_map(item_key).collect();
                if own_keys.iter().any(|k| keys.contains(k)) {
                    later.push(member);
                    continue;
                }
                keys.extend(own_keys);
                let start = plan.items.len();
                plan.items.append(&mut own.items);
                plan.roles.append(&mut own.roles);
                plan.events.append(&mut own.events);
                plan.deltas.merge(own.deltas);
                plan.partitions.append(&mut own.partitions);
                group.ranges.push(start..plan.items.len());
                group.members.push(member);
            }
            // Those that would meet another change's items wait for the next transaction.
            {
                let mut queue = self.group.lock();
                for member in later.into_iter().rev() {
                    queue.push_front(member);
                }
            }
            let Some(first) = group.members.first() else {
                return;
            };
            let contended = self
                .feed_lost_at
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_some_and(|at| at.elapsed() < FEED_CONTENDED_FOR);
            if last.is_none() || contended {
                match self.feed_seq().await {
                    // `None`: the feed is still empty.
                    Ok(read) => *last = read,
                    Err(e) => {
                        answer_all(group.members, |_| same_error(&e));
                        return;
                    }
                }
            }
            let delivery = first.delivery.clone();
            let planned = match self.finish_plan(plan, &delivery, now, *last) {
                Ok(planned) => planned,
                Err(e) => {
                    answer_all(group.members, |_| same_error(&e));
                    return;
                }
            };
            let (roles, feed_seq_after, sent) = self.send_planned(planned).await;
            let e = match sent {
                Ok(()) => {
                    if feed_seq_after.is_some() {
                        *last = feed_seq_after;
                    }
                    answer_all_ok(group.members);
                    return;
                }
                Err(e) => e,
            };
            // Which changes are redeliveries (their claim or record exists): answered alone.
            let reasons: Vec<Option<String>> = match &e {
                SdkError::ServiceError(se) => match se.err() {
                    TransactWriteItemsError::TransactionCanceledException(tc) => tc
                        .cancellation_reasons()
                        .iter()
                        .map(|r| r.code().filter(|c| *c != "None").map(str::to_string))
                        .collect(),
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            let failed_at = |i: usize| reasons.get(i).and_then(|r| r.as_deref());
            let roles = &roles;
            let mut duplicate_items: Vec<usize> = Vec::new();
            let mut rest = Vec::with_capacity(group.members.len());
            for (member, range) in group.members.into_iter().zip(group.ranges) {
                let duplicate = range.clone().any(|i| {
                    failed_at(i) == Some("ConditionalCheckFailed")
                        && matches!(roles.get(i), Some(Role::Delivery | Role::Record))
                });
                if duplicate {
                    let _ = member.reply.send(Ok(Applied::Duplicate));
                    duplicate_items.extend(range);
                } else {
                    rest.push(member);
                }
            }
            members = rest;
            let feed_lost = (0..roles.len()).any(|i| roles[i] == Role::Feed && failed_at(i).is_some());
            // What failed besides redeliveries and the feed: a race on something read or shared.
            let others: Vec<&str> = (0..roles.len())
                .filter(|i| roles[*i] != Role::Feed && !duplicate_items.contains(i))
                .filter_map(failed_at)
                .collect();
            if feed_lost {
                *last = None;
                *self.feed_lost_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::time::Instant::now());
            }
            let last_failure;
            if reasons.is_empty() {
                // Not a cancellation: an outage or a refusal.
                match classify(e, roles) {
                    Failure::Retry { why, .. } => last_failure = why,
                    Failure::Duplicate => last_failure = "a duplicate outside a cancellation".into(),
                    Failure::Fatal(e) => {
                        // Each change gets the error as it is: an outage stays `Unavailable`,
                        // so the platform is told to retry (503).
                        answer_all(members, |_| same_error(&e));
                        return;
                    }
                }
            } else if others.is_empty() {
                // Only redeliveries or the feed stood in the way: the others go again, at once
                // after redeliveries, after a pause after a lost feed (a bounded number of times).
                if !duplicate_items.is_empty() || feed_races < MAX_FEED_RACES {
                    if duplicate_items.is_empty() {
                        feed_races += 1;
                        // Meanwhile more of this process's changes join the queue.
                        tokio::time::sleep(feed_race_pause()).await;
                    }
                    continue;
                }
                last_failure = "the feed counter kept moving".into();
            } else if others.iter().all(|c| {
                matches!(
                    *c,
                    "ConditionalCheckFailed"
                        | "TransactionConflict"
                        | "ThrottlingError"
                        | "ProvisionedThroughputExceeded"
                )
            }) {
                last_failure = format!("transaction cancelled: {others:?}");
            } else {
                let message = format!("transaction cancelled: {others:?}");
                answer_all(members, |_| StoreError::Backend(message.clone().into()));
                return;
            }
            attempt += 1;
            if attempt >= MAX_ATTEMPTS {
                answer_all(members, |_| {
                    StoreError::Unavailable(format!(
                        "gave up after {MAX_ATTEMPTS} contended attempts: {last_failure}"
                    ))
                });
                return;
            }
            let jitter = rand::random::<u64>() % 50;
            tokio::time::sleep(Duration::from_millis(20 * (1 << attempt.min(5)) + jitter)).await;
        }
    }
}

fn answer_all_ok(members: Vec<Waiting>) {
    for member in members {
        let _ = member.reply.send(Ok(Applied::Stored));
    }
}

fn answer_all(members: Vec<Waiting>, error: impl Fn(&Waiting) -> StoreError) {
    for member in members {
        let e = error(&member);
        let _ = member.reply.send(Err(e));
    }
}

/// The same failure for another change of the group: of the same kind (an unreachable store
/// stays `Unavailable`, so ingest answers 503 and the platform redelivers), with the same text.
fn same_error(e: &StoreError) -> StoreError {
    match e {
        StoreError::Unavailable(why) => StoreError::Unavailable(why.clone()),
        StoreError::NotFound(what) => StoreError::NotFound(what.clone()),
        StoreError::Corrupt(why) => StoreError::Corrupt(why.clone()),
        other => {
            let mut text = other.to_string();
            let mut source = std::error::Error::source(other);
            while let Some(cause) = source {
                text.push_str(": ");
                text.push_str(&cause.to_string());
                source = cause.source();
            }
            StoreError::Backend(text.into())
        }
    }
}
