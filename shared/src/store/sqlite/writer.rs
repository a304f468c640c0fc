//! The writer thread: queued writes committed together (group commit), each under its own savepoint.

use super::*;

/// A write waiting for the next group commit, and where its outcome goes once committed.
pub(super) struct Write {
    op: WriteOp,
    done: oneshot::Sender<StoreResult<Applied>>,
}

// Nearly every write is an `Apply`, moved once into the queue: boxing it would add an
// allocation per delivery to save nothing.
#[allow(clippy::large_enum_variant)]
pub(super) enum WriteOp {
    Apply { delivery: String, change: Change },
    MarkEffect { key: String },
    SaveCursor { consumer: String, seq: u64 },
}

/// Most writes one commit takes: bounds the transaction and the wait of the batch's first caller.
const MAX_BATCH: usize = 256;

/// The writer thread: takes what is queued (waiting only when nothing is), commits it together.
pub(super) fn run_writer(conn: Arc<Mutex<Connection>>, queue: mpsc::Receiver<Write>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(write) => batch.push(write),
                Err(_) => break,
            }
        }
        let mut conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        commit_batch(&mut conn, batch);
    }
}

/// One transaction for the whole batch; every caller learns its outcome only after the commit,
/// and if the commit fails every caller gets the error (nothing of the batch was stored).
fn commit_batch(conn: &mut Connection, batch: Vec<Write>) {
    let fail_all = |dones: Vec<oneshot::Sender<StoreResult<Applied>>>, e: StoreError| {
        for done in dones {
            let _ = done.send(Err(for_each_caller(&e)));
        }
    };
    let tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => return fail_all(batch.into_iter().map(|w| w.done).collect(), backend(e)),
    };
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut broken = None;
    for write in batch {
        if broken.is_none() {
            match write_one(&tx, write.op) {
                Ok(outcome) => {
                    outcomes.push((write.done, Some(outcome)));
                    continue;
                }
                Err(e) => broken = Some(e),
            }
        }
        outcomes.push((write.done, None));
    }
    let committed = match broken {
        Some(e) => Err(e),
        None => tx.commit().map_err(backend),
    };
    match committed {
        Ok(()) => {
            for (done, outcome) in outcomes {
                if let Some(outcome) = outcome {
                    let _ = done.send(outcome);
                }
            }
        }
        Err(e) => fail_all(outcomes.into_iter().map(|(done, _)| done).collect(), e),
    }
}

/// One write inside the batch's transaction, under its own savepoint: a duplicate or a refused
/// write leaves nothing behind and the others stand. The outer error means the transaction
/// itself is unusable and the whole batch must be abandoned.
fn write_one(tx: &Transaction<'_>, op: WriteOp) -> StoreResult<StoreResult<Applied>> {
    tx.run("SAVEPOINT write", []).map_err(backend)?;
    let outcome = match op {
        WriteOp::Apply { delivery, change } => apply_in(tx, &delivery, change),
        WriteOp::MarkEffect { key } => tx
            .run(
                "INSERT OR IGNORE INTO deliveries (key, applied_at) VALUES (?1, ?2)",
                params![key, ts(Utc::now())],
            )
            .map(|_| Applied::Stored)
            .map_err(backend),
        WriteOp::SaveCursor { consumer, seq } => tx
            .run(
                "INSERT INTO cursors (consumer, seq) VALUES (?1, ?2) ON CONFLICT (consumer) DO UPDATE SET seq = max(seq, excluded.seq)",
                params![consumer, seq as i64],
            )
            .map(|_| Applied::Stored)
            .map_err(backend),
    };
    // Nothing of a duplicate is kept, not even its delivery key.
    if !matches!(outcome, Ok(Applied::Stored)) {
        // On some failures (a full disk, an I/O error) SQLite rolls the whole transaction back
        // itself: the batch is lost, and its callers must hear this write's error, cause and all.
        if tx.is_autocommit() {
            return Err(match outcome {
                Err(e) => e,
                Ok(_) => StoreError::Unavailable("the transaction was rolled back".into()),
            });
        }
        tx.run("ROLLBACK TO write", []).map_err(backend)?;
    }
    tx.run("RELEASE write", []).map_err(backend)?;
    Ok(outcome)
}

impl SqliteStore {
    /// Queues a write for the writer thread and waits until it is committed (or refused).
    pub(super) async fn write(&self, op: WriteOp) -> StoreResult<Applied> {
        let stopped = || StoreError::Unavailable("the SQLite writer has stopped".into());
        let (done, outcome) = oneshot::channel();
        self.queue
            .as_ref()
            .ok_or_else(stopped)?
            .send(Write { op, done })
            .map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())?
    }
}
