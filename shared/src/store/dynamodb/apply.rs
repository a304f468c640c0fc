//! Where a change is written: `ChangeWriter::apply`, one transaction retried on lost races and feed contention.

use super::*;

/// How many times a change may lose the feed counter to another process's writes (each time
/// it reads the counter again and retries at once) besides its [`MAX_ATTEMPTS`] other tries.
pub(super) const MAX_FEED_RACES: u32 = 64;
/// How long a writer that lost the feed counter to another process waits before reading it
/// again: 20-70 ms, about one transaction of the other process's. Retrying at once made two
/// `serve` processes thrash on the counter (bench: 39 deliveries/s against 66 with a pause).
pub(super) fn feed_race_pause() -> Duration {
    Duration::from_millis(20 + rand::random::<u64>() % 50)
}
/// How long after losing the feed counter to another process a process reads it before writing.
pub(super) const FEED_CONTENDED_FOR: Duration = Duration::from_secs(10);
/// How long a change waits for its turn at the feed counter before answering `Unavailable`.
pub(super) const FEED_TURN_WAIT: Duration = Duration::from_secs(20);

#[async_trait]
impl ChangeWriter for DynamoStore {
    async fn apply(&self, delivery: &str, change: Change) -> StoreResult<Applied> {
        // A change whose plan reads nothing (a mention, a response) goes straight to its
        // transaction: the transaction's own condition on the delivery key finds a redelivery,
        // so such a change costs one round trip; with the ordered feed it is written together
        // with the process's other waiting ones (group.rs). Any other change checks the
        // delivery first, as SQLite does (a redelivery is a duplicate even if its subject is
        // gone), with the feed counter, when events are numbered, in the same read.
        let reads_first = !plans_without_reading(&change);
        if !reads_first && self.feed == Feed::Ordered {
            return self.apply_grouped(delivery, change).await;
        }
        let mut read_seq = None;
        if reads_first {
            let mut keys = vec![delivery_key(delivery)];
            if self.feed == Feed::Ordered {
                keys.push(key(SEQ_PK, ONE));
            }
            for item in self.batch_get(keys).await? {
                match attr_s(&item, PK) {
                    Some(SEQ_PK) => read_seq = Some(attr_n(&item, "seq")?.unwrap_or(0) as u64),
                    _ => return Ok(Applied::Duplicate),
                }
            }
        }
        // With the ordered feed this process's writers take turns (see `feed_writer`); the
        // counter is the freshest of what this process last wrote and what was just read.
        let mut feed_writer = match self.feed {
            Feed::Ordered => {
                // Bounded: while DynamoDB is unreachable each turn can take the SDK's whole
                // operation timeout, and a webhook should hear 503 rather than wait for them all.
                let guard = tokio::time::timeout(FEED_TURN_WAIT, self.feed_writer.clone().lock_owned())
                    .await
                    .map_err(|_| {
                        StoreError::Unavailable(format!(
                            "waited {} s for this process's other feed writes",
                            FEED_TURN_WAIT.as_secs()
                        ))
                    })?;
                Some(guard)
            }
            Feed::Stream => None,
        };
        let known = feed_writer.as_deref().copied().flatten().max(read_seq);
        let mut seq = match known {
            Some(last) => FeedSeq::Known(Some(last)),
            // Nothing read and nothing written by this process yet: the plan reads the counter
            // if the change has events.
            None if !reads_first => FeedSeq::Read,
            None => FeedSeq::Known(None),
        };
        let mut last_failure = String::new();
        let (mut attempt, mut feed_races) = (0, 0);
        while attempt < MAX_ATTEMPTS {
            let now = Utc::now();
            let planned = self.plan_transaction(delivery, &change, now, seq).await?;
            let (roles, feed_seq_after, sent) = self.send_planned(planned).await;
            let failure = match sent {
                Ok(()) => {
                    if let (Some(guard), Some(after)) = (feed_writer.as_mut(), feed_seq_after) {
                        **guard = Some(after);
                    }
                    return Ok(Applied::Stored);
                }
                Err(e) => classify(e, &roles),
            };
            match failure {
                Failure::Duplicate => return Ok(Applied::Duplicate),
                Failure::Retry { why, feed } => {
                    tracing::debug!(
                        delivery,
                        attempt,
                        why,
                        feed,
                        "dynamodb transaction lost a race; retrying"
                    );
                    last_failure = why;
                    if let Some(guard) = feed_writer.as_mut() {
                        **guard = None;
                    }
                    // A retry lost a race: the counter may have moved since it was read.
                    seq = FeedSeq::Read;
                    if feed {
                        *self.feed_lost_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::time::Instant::now());
                    }
                    if feed && feed_races < MAX_FEED_RACES {
                        // Another process's events went first: the counter has moved (or is
                        // moving). Its writer is likely to write again at once, so this one
                        // stands aside for about a transaction's time before reading it again.
                        feed_races += 1;
                        tokio::time::sleep(feed_race_pause()).await;
                    } else {
                        attempt += 1;
                        if attempt < MAX_ATTEMPTS {
                            let jitter = rand::random::<u64>() % 50;
                            tokio::time::sleep(Duration::from_millis(20 * (1 << attempt.min(5)) + jitter)).await;
                        }
                    }
                }
                Failure::Fatal(e) => return Err(e),
            }
        }
        Err(StoreError::Unavailable(format!(
            "gave up after {MAX_ATTEMPTS} contended attempts: {last_failure}"
        )))
    }
}
