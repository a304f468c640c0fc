//! The two hosts of the handler: the change-feed worker (`sarafan serve`) and Lambda stream batches.

use crate::handler::{handle, handle_entry, Outreach};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use sarafan_core::model::DomainEvent;
use serde_json::json;
use std::future::Future;
use std::time::Duration;

/// Handles the change feed in order from `consumer`'s cursor until `shutdown` completes.
///
/// The cursor is saved after each handled event. A transient failure (platform down, store busy)
/// stops the batch and retries from the same event after a growing wait, so order is kept and
/// nothing is dropped; a permanent failure is logged and skipped.
pub async fn run_feed_worker(deps: &Outreach, consumer: &str, shutdown: impl Future<Output = ()>) {
    let tuning = deps.config.worker;
    let mut shutdown = std::pin::pin!(shutdown);
    let mut backoff = tuning.poll;
    loop {
        let wait = match poll_once(deps, consumer, tuning.batch).await {
            Ok(0) => {
                backoff = tuning.poll;
                tuning.poll
            }
            Ok(_) => {
                backoff = tuning.poll;
                Duration::ZERO
            }
            Err(reason) => {
                tracing::warn!(consumer, %reason, wait_ms = backoff.as_millis() as u64, "outreach paused");
                let wait = backoff;
                backoff = (backoff * 2).min(tuning.max_backoff);
                wait
            }
        };
        tokio::select! {
            _ = &mut shutdown => {
                tracing::info!(consumer, "outreach worker stopped");
                return;
            }
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Handles one batch from the cursor; returns how many events moved the cursor, or why it stopped.
async fn poll_once(deps: &Outreach, consumer: &str, batch: usize) -> Result<usize, String> {
    let cursor = deps.store.cursor(consumer).await.map_err(|e| e.to_string())?;
    let entries = deps.store.read_feed(cursor, batch).await.map_err(|e| e.to_string())?;
    let mut done = 0;
    for entry in &entries {
        match handle_entry(entry, deps).await {
            Ok(_) => {}
            Err(e) if e.is_transient() => return Err(format!("event {}: {e}", entry.seq)),
            Err(e) => {
                tracing::error!(seq = entry.seq, kind = entry.event.kind(), error = %e, "event skipped after a permanent failure")
            }
        }
        deps.store
            .save_cursor(consumer, entry.seq)
            .await
            .map_err(|e| e.to_string())?;
        done += 1;
    }
    Ok(done)
}

/// Handles a DynamoDB stream batch, already decoded into `(record id, event)` pairs in stream order.
///
/// Stops at the first transient failure and reports that record: Lambda retries the batch from
/// it, so later events about the same customer are not handled ahead of it. Permanent failures
/// are logged and not reported (a retry could not fix them).
pub async fn handle_stream_batch(deps: &Outreach, records: Vec<(String, DomainEvent)>) -> DynamoDbEventResponse {
    let mut failed: Option<&str> = None;
    for (record_id, event) in &records {
        match handle(record_id, event, deps).await {
            Ok(_) => {}
            Err(e) if e.is_transient() => {
                tracing::warn!(record_id, error = %e, "record failed; Lambda will retry from it");
                failed = Some(record_id);
                break;
            }
            Err(e) => tracing::error!(record_id, error = %e, "record skipped after a permanent failure"),
        }
    }
    batch_response(failed)
}

/// The answer Lambda reads; built through serde so it holds whichever fields the crate's features add.
fn batch_response(failed: Option<&str>) -> DynamoDbEventResponse {
    let failures: Vec<_> = failed.map(|id| json!({ "itemIdentifier": id })).into_iter().collect();
    serde_json::from_value(json!({ "batchItemFailures": failures })).expect("a well-formed batch response")
}
