//! The embedded store: one SQLite file in WAL mode, versioned migrations, one writer.

use super::*;
use crate::ledger::{self, Deltas, PurchaseContext};
use crate::nps::Score;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Params, Row, Transaction};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use tokio::sync::oneshot;

/// `PRAGMA application_id` of a Sarafan database ("SRFN"): tells ours from foreign files.
const APPLICATION_ID: i64 = 0x5352_464e;

/// Schema migrations; index + 1 is the `user_version` after applying it. Never edit a
/// released step: add a new one.
const MIGRATIONS: &[&str] = &[
    // 1: the records, the idempotency keys, the aggregates and the change feed.
    r#"
    CREATE TABLE deliveries (key TEXT PRIMARY KEY, applied_at TEXT NOT NULL);
    CREATE TABLE customers (
        id TEXT PRIMARY KEY, name TEXT, email TEXT, locale TEXT,
        opted_out INTEGER NOT NULL DEFAULT 0, last_asked_at TEXT, cohort TEXT, created_at TEXT NOT NULL);
    CREATE TABLE identities (
        platform TEXT NOT NULL, address TEXT NOT NULL, customer_id TEXT NOT NULL,
        PRIMARY KEY (platform, address));
    CREATE TABLE surveys (
        id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, platform TEXT NOT NULL, address TEXT NOT NULL,
        stage TEXT NOT NULL, asked_at TEXT NOT NULL, body TEXT NOT NULL);
    CREATE INDEX surveys_by_identity ON surveys (platform, address, asked_at);
    CREATE TABLE responses (
        id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, platform TEXT NOT NULL, score INTEGER NOT NULL,
        comment TEXT, locale TEXT, submitted_at TEXT NOT NULL, brand TEXT);
    CREATE INDEX responses_by_time ON responses (submitted_at, id);
    CREATE INDEX responses_by_customer ON responses (customer_id, submitted_at);
    CREATE TABLE mentions (
        id TEXT PRIMARY KEY, source TEXT NOT NULL, text TEXT NOT NULL, url TEXT, author TEXT, lang TEXT,
        sentiment TEXT NOT NULL, matched_terms TEXT NOT NULL, competitor INTEGER NOT NULL, created_at TEXT NOT NULL);
    CREATE INDEX mentions_by_time ON mentions (created_at, id);
    CREATE TABLE purchases (
        id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, kind TEXT NOT NULL, referral_code TEXT,
        amount REAL, currency TEXT, purchased_at TEXT NOT NULL);
    CREATE INDEX purchases_by_time ON purchases (purchased_at, id);
    CREATE TABLE referrals (
        code TEXT PRIMARY KEY, customer_id TEXT NOT NULL, clicks INTEGER NOT NULL DEFAULT 0,
        conversions INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
    CREATE INDEX referrals_by_customer ON referrals (customer_id);
    CREATE TABLE alerts (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, subject_id TEXT NOT NULL, status TEXT NOT NULL,
        claimed_by TEXT, created_at TEXT NOT NULL, claimed_at TEXT, resolved_at TEXT);
    CREATE INDEX alerts_by_time ON alerts (created_at, id);
    CREATE TABLE reports (
        month TEXT NOT NULL, brand TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, emailed_at TEXT,
        body TEXT NOT NULL, PRIMARY KEY (month, brand));
    CREATE TABLE aggregates (month TEXT NOT NULL, metric TEXT NOT NULL, value INTEGER NOT NULL,
        PRIMARY KEY (month, metric));
    CREATE TABLE feed (seq INTEGER PRIMARY KEY AUTOINCREMENT, ordering_key TEXT NOT NULL, kind TEXT NOT NULL,
        event TEXT NOT NULL, recorded_at TEXT NOT NULL);
    CREATE TABLE cursors (consumer TEXT PRIMARY KEY, seq INTEGER NOT NULL);
    "#,
    // 2: alerts remember their chat message so staff buttons can update it in place.
    r#"
    ALTER TABLE alerts ADD COLUMN message TEXT;
    CREATE INDEX feed_by_key ON feed (ordering_key, seq);
    "#,
    // 3: outreach's lease (one feed worker per file) and its claims on messages (see guard.rs).
    r#"
    CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until TEXT NOT NULL);
    CREATE TABLE send_claims (key TEXT PRIMARY KEY, claimant TEXT NOT NULL, claimed_at TEXT NOT NULL);
    "#,
    // 4: events outreach holds back until a platform's retry_after passes (see parking.rs).
    r#"
    CREATE TABLE parked_events (lane TEXT NOT NULL, record_id TEXT NOT NULL, event TEXT NOT NULL,
        due TEXT NOT NULL, PRIMARY KEY (lane, record_id));
    "#,
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The SQLite store. Writes go through one connection, reads through another, so a long
/// export does not hold up ingest (WAL lets readers and the writer work at once).
///
/// Deliveries, effect keys and cursors are written by one writer thread that commits whatever
/// is queued in one transaction (group commit), each write under its own savepoint; a caller is
/// answered only once its write is committed. Under load that writes each touched page to the
/// WAL once per batch instead of once per delivery, and no runtime thread waits on a commit.
pub struct SqliteStore {
    // Declared (so dropped) before the writer: the last connection to close checkpoints
    // the WAL, and only the writer may.
    reader: Mutex<Connection>,
    writer: Arc<Mutex<Connection>>,
    /// Closed (set to `None`) on drop, which ends the writer thread.
    queue: Option<mpsc::Sender<Write>>,
    writer_thread: Option<std::thread::JoinHandle<()>>,
    path: PathBuf,
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // The writer thread finishes what is queued and lets go of the connection, so the
        // writer still closes last (after the reader, dropped with the fields).
        self.queue = None;
        if let Some(thread) = self.writer_thread.take() {
            let _ = thread.join();
        }
    }
}

/// A write waiting for the next group commit, and where its outcome goes once committed.
struct Write {
    op: WriteOp,
    done: oneshot::Sender<StoreResult<Applied>>,
}

// Nearly every write is an `Apply`, moved once into the queue: boxing it would add an
// allocation per delivery to save nothing.
#[allow(clippy::large_enum_variant)]
enum WriteOp {
    Apply { delivery: String, change: Change },
    MarkEffect { key: String },
    SaveCursor { consumer: String, seq: u64 },
}

/// Most writes one commit takes: bounds the transaction and the wait of the batch's first caller.
const MAX_BATCH: usize = 256;

/// The writer thread: takes what is queued (waiting only when nothing is), commits it together.
fn run_writer(conn: Arc<Mutex<Connection>>, queue: mpsc::Receiver<Write>) {
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

/// Statements through the connection's cache of prepared statements: most run on every
/// delivery, and parsing and planning one costs more than running it.
trait Cached {
    /// `Connection::execute`, prepared once.
    fn run<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    /// `Connection::query_row`, prepared once.
    fn one<T, P: Params, F: FnOnce(&Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn run<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn one<T, P: Params, F: FnOnce(&Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

/// Room in each connection's statement cache for every statement the store runs.
const STATEMENT_CACHE: usize = 128;

/// SQLite's failures that time or an operator can cure (another writer holds the lock, the disk
/// is full, the file or its directory was made read-only, the disk fails to read or write) are
/// `Unavailable`, so ingest answers 503 and the platform redelivers; the message is SQLite's own,
/// so the log keeps the cause ("database or disk is full"). Anything else (a constraint, a
/// corrupt file, a bug) is `Backend`, with the error as its source.
fn backend(e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode::*;
    match e {
        rusqlite::Error::SqliteFailure(ref f, _)
            if matches!(
                f.code,
                DatabaseBusy
                    | DatabaseLocked
                    | DiskFull
                    | ReadOnly
                    | SystemIoFailure
                    | CannotOpen
                    | PermissionDenied
                    | FileLockingProtocolFailed
                    | OutOfMemory
            ) =>
        {
            StoreError::Unavailable(e.to_string())
        }
        other => StoreError::Backend(Box::new(other)),
    }
}

/// The same failure for each caller of a failed batch (errors are not `Clone`), its text whole.
fn for_each_caller(e: &StoreError) -> StoreError {
    match e {
        StoreError::Unavailable(why) => StoreError::Unavailable(why.clone()),
        StoreError::Corrupt(why) => StoreError::Corrupt(why.clone()),
        StoreError::NotFound(what) => StoreError::NotFound(what.clone()),
        StoreError::Backend(cause) => StoreError::Backend(cause.to_string().into()),
        other => StoreError::Backend(other.to_string().into()),
    }
}

fn json_err(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_ts(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

fn opt_ts(s: Option<String>) -> rusqlite::Result<Option<DateTime<Utc>>> {
    s.as_deref().map(parse_ts).transpose()
}

fn conversion<E: std::error::Error + Send + Sync + 'static>(e: E) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
}

#[derive(Debug, thiserror::Error)]
#[error("unknown value {0:?}")]
struct UnknownValue(String);

fn from_json_str<T: serde::de::DeserializeOwned>(s: &str) -> rusqlite::Result<T> {
    serde_json::from_str(s).map_err(conversion)
}

/// Enum columns are stored as their serde names.
fn enum_from<T: serde::de::DeserializeOwned>(s: String) -> rusqlite::Result<T> {
    serde_json::from_value(serde_json::Value::String(s.clone())).map_err(|_| conversion(UnknownValue(s)))
}

impl SqliteStore {
    /// Opens the database at `path` for a host that writes (serve, demo, ask), migrating an older
    /// schema. A missing path is created; any file there already must be a Sarafan database
    /// (an empty file is not), and it must be writable: a read-only file or a store whose first
    /// write fails is refused now, with its cause, rather than failing every request later.
    pub fn open(path: impl AsRef<Path>) -> StoreResult<Self> {
        Self::open_as(path.as_ref(), true)
    }

    /// Opens an existing database (export, report, forget): a missing path is
    /// `StoreError::Missing` and nothing is created.
    pub fn open_existing(path: impl AsRef<Path>) -> StoreResult<Self> {
        Self::open_as(path.as_ref(), false)
    }

    fn open_as(path: &Path, create: bool) -> StoreResult<Self> {
        let path = path.to_path_buf();
        let shown = path.display().to_string();
        let foreign = |reason: String| StoreError::Foreign {
            path: shown.clone(),
            reason,
        };
        // Only a path where nothing is becomes a new database. A file already there is never
        // initialised, even an empty one (0 bytes): it is someone else's, or a mistake.
        let created = match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() && meta.len() == 0 => return Err(foreign("the file is empty (0 bytes)".into())),
            Ok(_) => false,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(StoreError::Missing { path: shown }),
            Err(e) => return Err(foreign(e.to_string())),
        };
        let opened = Self::open_file(&path, &shown, create, created);
        if opened.is_err() && created {
            // Nothing of ours is in it yet: leave no half-made file behind.
            for suffix in ["", "-wal", "-shm"] {
                let mut file = path.as_os_str().to_owned();
                file.push(suffix);
                let _ = std::fs::remove_file(file);
            }
        }
        opened
    }

    /// `write`: the caller will write, so the store must take a write now.
    fn open_file(path: &Path, shown: &str, write: bool, created: bool) -> StoreResult<Self> {
        let foreign = |reason: String| StoreError::Foreign {
            path: shown.to_string(),
            reason,
        };
        let not_writable = |reason: String| StoreError::NotWritable {
            path: shown.to_string(),
            reason,
        };
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if created {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let writer = Connection::open_with_flags(path, flags).map_err(|e| foreign(e.to_string()))?;
        // Read-only checks first: nothing is written to a file we do not recognise.
        let (app_id, version, tables): (i64, i64, i64) = writer
            .query_row(
                "SELECT (SELECT application_id FROM pragma_application_id), (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(|e| foreign(e.to_string()))?;
        if app_id != APPLICATION_ID && !created {
            return Err(foreign(format!("application id {app_id:#x}, {tables} schema objects")));
        }
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: shown.to_string(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        // SQLite quietly opens a file it may not write read-only; every write would then fail.
        if write && writer.is_readonly(rusqlite::DatabaseName::Main).map_err(backend)? {
            return Err(not_writable("the file is read-only to this process".into()));
        }
        writer
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(backend)?;
        writer
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(backend)?;
        // Each write of a group commit runs under a savepoint, whose journal of the pages it
        // touches would otherwise spill to a temporary file past 64 KiB: a write() per page.
        writer.execute_batch("PRAGMA temp_store = MEMORY;").map_err(backend)?;
        migrate(&writer, version, SCHEMA_VERSION)?;
        // One real write (the schema version, as it is), so a store that cannot take one (a
        // read-only directory or file system, a full disk) is refused here with its cause.
        if write {
            if let Err(e) = writer.execute_batch(&format!(
                "BEGIN IMMEDIATE; PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            )) {
                let _ = writer.execute_batch("ROLLBACK");
                return Err(not_writable(e.to_string()));
            }
        }
        writer.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let reader =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(backend)?;
        reader
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(backend)?;
        reader.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let writer = Arc::new(Mutex::new(writer));
        let (queue, queued) = mpsc::channel();
        let writer_thread = {
            let writer = writer.clone();
            std::thread::Builder::new()
                .name("sqlite-writer".into())
                .spawn(move || run_writer(writer, queued))
                .map_err(|e| StoreError::Backend(Box::new(e)))?
        };
        Ok(SqliteStore {
            writer,
            reader: Mutex::new(reader),
            queue: Some(queue),
            writer_thread: Some(writer_thread),
            path: path.to_path_buf(),
        })
    }

    /// Queues a write for the writer thread and waits until it is committed (or refused).
    async fn write(&self, op: WriteOp) -> StoreResult<Applied> {
        let stopped = || StoreError::Unavailable("the SQLite writer has stopped".into());
        let (done, outcome) = oneshot::channel();
        self.queue
            .as_ref()
            .ok_or_else(stopped)?
            .send(Write { op, done })
            .map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())?
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        self.reader.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Recounts every monthly counter from the stored rows (for checks and repairs).
    pub fn recount_aggregates(&self) -> StoreResult<BTreeMap<(YearMonth, String), i64>> {
        let conn = self.reader();
        let mut deltas = Deltas::default();
        let mut stmt = conn.prepare("SELECT * FROM responses").map_err(backend)?;
        for r in stmt.query_map([], response_from_row).map_err(backend)? {
            deltas.merge(ledger::response_deltas(&r.map_err(backend)?));
        }
        let mut stmt = conn.prepare("SELECT * FROM mentions").map_err(backend)?;
        for m in stmt.query_map([], mention_from_row).map_err(backend)? {
            deltas.merge(ledger::mention_deltas(&m.map_err(backend)?));
        }
        Ok(deltas.0)
    }

    /// Every stored counter, for comparison with a recount.
    pub fn all_counters(&self) -> StoreResult<BTreeMap<(YearMonth, String), i64>> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare("SELECT month, metric, value FROM aggregates")
            .map_err(backend)?;
        let rows = stmt
            .query_map([], |r| {
                let month: String = r.get(0)?;
                Ok((
                    month.parse::<YearMonth>().map_err(conversion)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(backend)?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (month, metric, value) = row.map_err(backend)?;
            out.insert((month, metric), value);
        }
        Ok(out)
    }
}

/// Applies migrations `from+1..=to` in one transaction each, stamping the version.
fn migrate(conn: &Connection, from: i64, to: i64) -> StoreResult<()> {
    for version in from + 1..=to {
        let step = MIGRATIONS[(version - 1) as usize];
        let sql = format!(
            "BEGIN IMMEDIATE; {step}; PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {version}; COMMIT;"
        );
        if let Err(e) = conn.execute_batch(&sql) {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(backend(e));
        }
        tracing::info!(version, "sqlite schema migrated");
    }
    Ok(())
}

/// Opens a database with only the first `version` migrations: how older releases left it.
#[doc(hidden)]
pub fn create_at_version(path: &Path, version: i64) -> StoreResult<()> {
    let conn = Connection::open(path).map_err(backend)?;
    migrate(&conn, 0, version)
}

fn response_from_row(r: &Row<'_>) -> rusqlite::Result<Response> {
    Ok(Response {
        id: r.get("id")?,
        customer_id: r.get("customer_id")?,
        platform: enum_from(r.get("platform")?)?,
        score: Score::new(r.get("score")?).map_err(conversion)?,
        comment: r.get("comment")?,
        locale: r.get("locale")?,
        submitted_at: parse_ts(&r.get::<_, String>("submitted_at")?)?,
        brand: r.get("brand")?,
    })
}

fn mention_from_row(r: &Row<'_>) -> rusqlite::Result<Mention> {
    Ok(Mention {
        id: r.get("id")?,
        source: r.get("source")?,
        text: r.get("text")?,
        url: r.get("url")?,
        author: r.get("author")?,
        lang: r.get("lang")?,
        sentiment: enum_from(r.get("sentiment")?)?,
        matched_terms: from_json_str(&r.get::<_, String>("matched_terms")?)?,
        competitor: r.get("competitor")?,
        created_at: parse_ts(&r.get::<_, String>("created_at")?)?,
    })
}

fn purchase_from_row(r: &Row<'_>) -> rusqlite::Result<Purchase> {
    let code: Option<String> = r.get("referral_code")?;
    Ok(Purchase {
        id: r.get("id")?,
        customer_id: r.get("customer_id")?,
        kind: enum_from(r.get("kind")?)?,
        referral_code: code.map(|c| c.parse()).transpose().map_err(conversion)?,
        amount: r.get("amount")?,
        currency: r.get("currency")?,
        purchased_at: parse_ts(&r.get::<_, String>("purchased_at")?)?,
    })
}

fn referral_from_row(r: &Row<'_>) -> rusqlite::Result<Referral> {
    Ok(Referral {
        code: r.get::<_, String>("code")?.parse().map_err(conversion)?,
        customer_id: r.get("customer_id")?,
        clicks: r.get::<_, i64>("clicks")? as u64,
        conversions: r.get::<_, i64>("conversions")? as u64,
        created_at: parse_ts(&r.get::<_, String>("created_at")?)?,
    })
}

fn alert_from_row(r: &Row<'_>) -> rusqlite::Result<Alert> {
    let message: Option<String> = r.get("message")?;
    Ok(Alert {
        id: r.get("id")?,
        kind: enum_from(r.get("kind")?)?,
        subject_id: r.get("subject_id")?,
        status: enum_from(r.get("status")?)?,
        claimed_by: r.get("claimed_by")?,
        created_at: parse_ts(&r.get::<_, String>("created_at")?)?,
        claimed_at: opt_ts(r.get("claimed_at")?)?,
        resolved_at: opt_ts(r.get("resolved_at")?)?,
        message: message.as_deref().map(from_json_str).transpose()?,
    })
}

fn report_from_row(r: &Row<'_>) -> rusqlite::Result<StoredReport> {
    let brand: String = r.get("brand")?;
    Ok(StoredReport {
        month: r.get::<_, String>("month")?.parse().map_err(conversion)?,
        brand: (!brand.is_empty()).then_some(brand),
        created_at: parse_ts(&r.get::<_, String>("created_at")?)?,
        emailed_at: opt_ts(r.get("emailed_at")?)?,
        body: from_json_str(&r.get::<_, String>("body")?)?,
    })
}

fn customer_from_row(tx: &Connection, r: &Row<'_>) -> rusqlite::Result<Customer> {
    let id: String = r.get("id")?;
    let mut stmt = tx
        .prepare_cached("SELECT platform, address FROM identities WHERE customer_id = ?1 ORDER BY platform, address")?;
    let identities = stmt
        .query_map([&id], |i| {
            Ok(Identity {
                platform: enum_from(i.get(0)?)?,
                address: i.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Customer {
        id,
        name: r.get("name")?,
        email: r.get("email")?,
        locale: r.get("locale")?,
        identities,
        opted_out: r.get("opted_out")?,
        last_asked_at: opt_ts(r.get("last_asked_at")?)?,
        created_at: parse_ts(&r.get::<_, String>("created_at")?)?,
    })
}

fn get_customer(conn: &Connection, id: &str) -> rusqlite::Result<Option<Customer>> {
    conn.one("SELECT * FROM customers WHERE id = ?1", [id], |r| {
        customer_from_row(conn, r)
    })
    .optional()
}

fn get_customer_by_identity(conn: &Connection, identity: &Identity) -> rusqlite::Result<Option<Customer>> {
    let id: Option<String> = conn
        .one(
            "SELECT customer_id FROM identities WHERE platform = ?1 AND address = ?2",
            params![identity.platform.as_str(), identity.address],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => get_customer(conn, &id),
        None => Ok(None),
    }
}

fn get_referral(conn: &Connection, code: &str) -> rusqlite::Result<Option<Referral>> {
    conn.one("SELECT * FROM referrals WHERE code = ?1", [code], referral_from_row)
        .optional()
}

fn cohort_of(conn: &Connection, customer_id: &str) -> rusqlite::Result<Option<YearMonth>> {
    let cohort: Option<Option<String>> = conn
        .one("SELECT cohort FROM customers WHERE id = ?1", [customer_id], |r| {
            r.get(0)
        })
        .optional()?;
    cohort.flatten().map(|c| c.parse().map_err(conversion)).transpose()
}

/// Inserts or updates a customer, merging identities; opt-out is never undone.
fn upsert_customer(tx: &Transaction<'_>, c: &Customer) -> rusqlite::Result<()> {
    tx.run(
        "INSERT INTO customers (id, name, email, locale, opted_out, last_asked_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET
           name = coalesce(excluded.name, name), email = coalesce(excluded.email, email),
           locale = coalesce(excluded.locale, locale), opted_out = max(opted_out, excluded.opted_out),
           last_asked_at = coalesce(excluded.last_asked_at, last_asked_at)",
        params![
            c.id,
            c.name,
            c.email,
            c.locale,
            c.opted_out,
            c.last_asked_at.map(ts),
            ts(c.created_at)
        ],
    )?;
    for identity in &c.identities {
        tx.run(
            "INSERT INTO identities (platform, address, customer_id) VALUES (?1, ?2, ?3)
             ON CONFLICT (platform, address) DO UPDATE SET customer_id = excluded.customer_id",
            params![identity.platform.as_str(), identity.address, c.id],
        )?;
    }
    Ok(())
}

/// Makes sure a customer row exists for records that name one (purchases, API responses).
fn ensure_customer(tx: &Transaction<'_>, id: &str, at: DateTime<Utc>) -> rusqlite::Result<()> {
    tx.run(
        "INSERT OR IGNORE INTO customers (id, created_at) VALUES (?1, ?2)",
        params![id, ts(at)],
    )?;
    Ok(())
}

fn save_survey(tx: &Transaction<'_>, s: &SurveyState) -> StoreResult<()> {
    let body = serde_json::to_string(s).map_err(json_err)?;
    tx.run(
        "INSERT INTO surveys (id, customer_id, platform, address, stage, asked_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET stage = excluded.stage, body = excluded.body",
        params![
            s.id,
            s.customer_id,
            s.identity.platform.as_str(),
            s.identity.address,
            s.survey.stage.as_str(),
            ts(s.survey.asked_at),
            body
        ],
    )
    .map_err(backend)?;
    Ok(())
}

/// Outcome of writing one change inside the transaction.
enum Written {
    Stored {
        events: Vec<DomainEvent>,
        deltas: Deltas,
    },
    /// The record already exists under another delivery key: a duplicate all the same.
    AlreadyThere,
}

fn stored(events: Vec<DomainEvent>, deltas: Deltas) -> Written {
    Written::Stored { events, deltas }
}

/// Writes the change's own records, reads what the ledger needs, and persists the ledger's
/// answer (its events and counters, and the state it decides): all in the one transaction.
fn write_change(tx: &Transaction<'_>, change: Change) -> StoreResult<Written> {
    let mut read = ledger::Read::default();
    match &change {
        Change::Customer(c) | Change::SurveyRequested { customer: c, .. } => {
            upsert_customer(tx, c).map_err(backend)?;
        }
        Change::Survey(state) => {
            let previous: Option<String> = tx
                .one("SELECT stage FROM surveys WHERE id = ?1", [&state.id], |r| r.get(0))
                .optional()
                .map_err(backend)?;
            read.survey_is_new = previous.is_none();
            read.survey_was_asked = previous.as_deref() == Some("asked");
            save_survey(tx, state)?;
        }
        Change::Response { response: r, survey } => {
            ensure_customer(tx, &r.customer_id, r.submitted_at).map_err(backend)?;
            let inserted = tx
                .run(
                    "INSERT OR IGNORE INTO responses (id, customer_id, platform, score, comment, locale, submitted_at, brand)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        r.id,
                        r.customer_id,
                        r.platform.as_str(),
                        r.score.value(),
                        r.comment,
                        r.locale,
                        ts(r.submitted_at),
                        r.brand
                    ],
                )
                .map_err(backend)?;
            if inserted == 0 {
                return Ok(Written::AlreadyThere);
            }
            if let Some(s) = survey {
                save_survey(tx, s)?;
            }
        }
        Change::Comment {
            response_id, survey, ..
        } => {
            read.response = tx
                .one(
                    "SELECT * FROM responses WHERE id = ?1",
                    [response_id],
                    response_from_row,
                )
                .optional()
                .map_err(backend)?;
            if let Some(s) = survey {
                save_survey(tx, s)?;
            }
        }
        Change::ScoreNotUnderstood { .. } | Change::Report(_) => {}
        Change::OptOut {
            customer_id, survey, ..
        } => {
            ensure_customer(tx, customer_id, Utc::now()).map_err(backend)?;
            tx.run("UPDATE customers SET opted_out = 1 WHERE id = ?1", [customer_id])
                .map_err(backend)?;
            if let Some(s) = survey {
                save_survey(tx, s)?;
            }
        }
        Change::Mention(m) => {
            let terms = serde_json::to_string(&m.matched_terms).map_err(json_err)?;
            let inserted = tx
                .run(
                    "INSERT OR IGNORE INTO mentions (id, source, text, url, author, lang, sentiment, matched_terms, competitor, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    params![
                        m.id,
                        m.source,
                        m.text,
                        m.url,
                        m.author,
                        m.lang,
                        m.sentiment.as_str(),
                        terms,
                        m.competitor,
                        ts(m.created_at)
                    ],
                )
                .map_err(backend)?;
            if inserted == 0 {
                return Ok(Written::AlreadyThere);
            }
        }
        Change::Purchase(p) => {
            ensure_customer(tx, &p.customer_id, p.purchased_at).map_err(backend)?;
            let inserted = tx
                .run(
                    "INSERT OR IGNORE INTO purchases (id, customer_id, kind, referral_code, amount, currency, purchased_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        p.id,
                        p.customer_id,
                        p.kind.as_str(),
                        p.referral_code.as_ref().map(|c| c.as_str()),
                        p.amount,
                        p.currency,
                        ts(p.purchased_at)
                    ],
                )
                .map_err(backend)?;
            if inserted == 0 {
                return Ok(Written::AlreadyThere);
            }
            let referral = match &p.referral_code {
                Some(code) => get_referral(tx, code.as_str()).map_err(backend)?,
                None => None,
            };
            read.purchase = PurchaseContext {
                buyer_cohort: cohort_of(tx, &p.customer_id).map_err(backend)?,
                referrer_cohort: match &referral {
                    Some(r) => cohort_of(tx, &r.customer_id).map_err(backend)?,
                    None => None,
                },
                referral,
            };
        }
        Change::ReferralCreated(r) => {
            ensure_customer(tx, &r.customer_id, r.created_at).map_err(backend)?;
            let inserted = tx
                .run(
                    "INSERT OR IGNORE INTO referrals (code, customer_id, clicks, conversions, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![r.code.as_str(), r.customer_id, r.clicks as i64, r.conversions as i64, ts(r.created_at)],
                )
                .map_err(backend)?;
            if inserted == 0 {
                return Ok(Written::AlreadyThere);
            }
        }
        Change::ReferralClick { code, .. } => {
            let updated = tx
                .run(
                    "UPDATE referrals SET clicks = clicks + 1 WHERE code = ?1",
                    [code.as_str()],
                )
                .map_err(backend)?;
            // Nothing was counted if it is unknown; the ledger refuses the click then.
            read.referral_stored = updated > 0;
        }
        Change::Alert(Alert { id, .. }) | Change::AlertAction { alert_id: id, .. } => {
            read.alert = tx
                .one("SELECT * FROM alerts WHERE id = ?1", [id], alert_from_row)
                .optional()
                .map_err(backend)?;
        }
    }
    let outcome = ledger::decide(&change, &read).map_err(|m| StoreError::NotFound(m.0))?;
    if let Some(r) = &outcome.response {
        tx.run(
            "UPDATE responses SET comment = ?2 WHERE id = ?1",
            params![r.id, r.comment],
        )
        .map_err(backend)?;
    }
    if let Some(a) = &outcome.alert {
        save_alert(tx, a)?;
    }
    if let (Some(at), Change::Survey(state)) = (outcome.last_asked_at, &change) {
        tx.run(
            "UPDATE customers SET last_asked_at = ?2 WHERE id = ?1",
            params![state.customer_id, ts(at)],
        )
        .map_err(backend)?;
    }
    if let (Some(at), Change::Survey(state)) = (outcome.withdrawn_asked_at, &change) {
        tx.run(
            "UPDATE customers SET last_asked_at = NULL WHERE id = ?1 AND last_asked_at = ?2",
            params![state.customer_id, ts(at)],
        )
        .map_err(backend)?;
    }
    if let (Some(cohort), Change::Purchase(p)) = (outcome.set_buyer_cohort, &change) {
        tx.run(
            "UPDATE customers SET cohort = ?2 WHERE id = ?1",
            params![p.customer_id, cohort.to_string()],
        )
        .map_err(backend)?;
    }
    if let Some(code) = &outcome.conversion {
        tx.run(
            "UPDATE referrals SET conversions = conversions + 1 WHERE code = ?1",
            [code.as_str()],
        )
        .map_err(backend)?;
    }
    if let Change::Report(r) = &change {
        let body = serde_json::to_string(&r.body).map_err(json_err)?;
        tx.run(
            "INSERT INTO reports (month, brand, created_at, emailed_at, body) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (month, brand) DO UPDATE SET created_at = excluded.created_at, body = excluded.body,
               emailed_at = coalesce(excluded.emailed_at, emailed_at)",
            params![
                r.month.to_string(),
                r.brand.clone().unwrap_or_default(),
                ts(r.created_at),
                r.emailed_at.map(ts),
                body
            ],
        )
        .map_err(backend)?;
    }
    Ok(stored(outcome.events, outcome.deltas))
}

/// Writes an alert as the ledger decided it.
fn save_alert(tx: &Transaction<'_>, a: &Alert) -> StoreResult<()> {
    let message = a
        .message
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(json_err)?;
    tx.run(
        "INSERT INTO alerts (id, kind, subject_id, status, claimed_by, created_at, claimed_at, resolved_at, message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, claimed_by = excluded.claimed_by,
           claimed_at = excluded.claimed_at, resolved_at = excluded.resolved_at, message = excluded.message",
        params![
            a.id,
            a.kind.as_str(),
            a.subject_id,
            a.status.as_str(),
            a.claimed_by,
            ts(a.created_at),
            a.claimed_at.map(ts),
            a.resolved_at.map(ts),
            message
        ],
    )
    .map_err(backend)?;
    Ok(())
}

fn apply_in(tx: &Transaction<'_>, delivery: &str, change: Change) -> StoreResult<Applied> {
    let now = Utc::now();
    let claimed = tx
        .run(
            "INSERT OR IGNORE INTO deliveries (key, applied_at) VALUES (?1, ?2)",
            params![delivery, ts(now)],
        )
        .map_err(backend)?;
    if claimed == 0 {
        return Ok(Applied::Duplicate);
    }
    let (events, deltas) = match write_change(tx, change)? {
        Written::AlreadyThere => return Ok(Applied::Duplicate),
        Written::Stored { events, deltas } => (events, deltas),
    };
    let mut add = tx
        .prepare_cached(
            "INSERT INTO aggregates (month, metric, value) VALUES (?1, ?2, ?3)
             ON CONFLICT (month, metric) DO UPDATE SET value = value + excluded.value",
        )
        .map_err(backend)?;
    for ((month, metric), delta) in deltas.0 {
        add.execute(params![month.to_string(), metric, delta])
            .map_err(backend)?;
    }
    let mut log = tx
        .prepare_cached("INSERT INTO feed (ordering_key, kind, event, recorded_at) VALUES (?1, ?2, ?3, ?4)")
        .map_err(backend)?;
    for event in events {
        let json = serde_json::to_string(&event).map_err(json_err)?;
        log.execute(params![event.ordering_key(), event.kind(), json, ts(now)])
            .map_err(backend)?;
    }
    Ok(Applied::Stored)
}

#[async_trait]
impl ChangeWriter for SqliteStore {
    async fn apply(&self, delivery: &str, change: Change) -> StoreResult<Applied> {
        self.write(WriteOp::Apply {
            delivery: delivery.to_string(),
            change,
        })
        .await
    }
}

#[async_trait]
impl MentionReader for SqliteStore {
    async fn mention(&self, id: &str) -> StoreResult<Option<Mention>> {
        self.reader()
            .one("SELECT * FROM mentions WHERE id = ?1", [id], mention_from_row)
            .optional()
            .map_err(backend)
    }

    async fn brand_complaints(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<Mention>> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(
                "SELECT * FROM mentions WHERE created_at >= ?1 AND created_at < ?2 AND sentiment = ?3 AND competitor = 0
                 ORDER BY created_at DESC, id DESC LIMIT ?4",
            )
            .map_err(backend)?;
        let rows = stmt
            .query_map(
                params![ts(from), ts(until), Sentiment::Negative.as_str(), limit as i64],
                mention_from_row,
            )
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
    }
}

#[async_trait]
impl CustomerEraser for SqliteStore {
    async fn forget_customer(&self, customer_id: &str) -> StoreResult<Erasure> {
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(backend)?;
        let erasure = erase_in(&tx, customer_id)?;
        tx.commit().map_err(backend)?;
        Ok(erasure)
    }
}

/// One transaction: all of the customer's personal data goes, or none of it. Rows are found by
/// the columns that name the customer, never by matching text inside keys; delivery keys stay.
fn erase_in(tx: &Transaction<'_>, customer_id: &str) -> StoreResult<Erasure> {
    let cohort: Option<Option<String>> = tx
        .one("SELECT cohort FROM customers WHERE id = ?1", [customer_id], |r| {
            r.get(0)
        })
        .optional()
        .map_err(backend)?;
    // Every record naming a customer makes sure their row exists (`ensure_customer`,
    // `upsert_customer`), so no row means nothing of theirs is stored.
    let Some(cohort) = cohort else {
        return Err(super::unknown_customer(customer_id));
    };
    let anon = super::erased_pseudonym();
    let identities: Vec<(String, String)> = {
        let mut stmt = tx
            .prepare("SELECT platform, address FROM identities WHERE customer_id = ?1")
            .map_err(backend)?;
        let rows = stmt
            .query_map([customer_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<_>>().map_err(backend)?
    };
    let comments: Vec<String> = {
        let mut stmt = tx
            .prepare("SELECT comment FROM responses WHERE customer_id = ?1 AND comment IS NOT NULL")
            .map_err(backend)?;
        let rows = stmt.query_map([customer_id], |r| r.get(0)).map_err(backend)?;
        rows.collect::<rusqlite::Result<_>>().map_err(backend)?
    };
    // Events held back for a platform's retry_after (parked_events) that name them: found by
    // the event's own customer, as the feed's rows are, and deleted with the rest.
    let parked: Vec<(String, String)> = {
        let mut stmt = tx
            .prepare("SELECT lane, record_id, event FROM parked_events")
            .map_err(backend)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
            })
            .map_err(backend)?;
        let owner = format!("customer#{customer_id}");
        let mut theirs = Vec::new();
        for row in rows {
            let (lane, record_id, event) = row.map_err(backend)?;
            let names_them =
                serde_json::from_str::<crate::model::DomainEvent>(&event).is_ok_and(|e| e.ordering_key() == owner);
            if names_them {
                theirs.push((lane, record_id));
            }
        }
        theirs
    };
    let mut records = 0u64;
    let mut run = |sql: &str, params: &[&dyn rusqlite::ToSql]| -> StoreResult<()> {
        records += tx.run(sql, params).map_err(backend)? as u64;
        Ok(())
    };
    run(
        "UPDATE responses SET customer_id = ?2, comment = NULL, locale = NULL WHERE customer_id = ?1",
        &[&customer_id, &anon],
    )?;
    run(
        "UPDATE purchases SET customer_id = ?2 WHERE customer_id = ?1",
        &[&customer_id, &anon],
    )?;
    run(
        "UPDATE referrals SET customer_id = ?2 WHERE customer_id = ?1",
        &[&customer_id, &anon],
    )?;
    run("DELETE FROM surveys WHERE customer_id = ?1", &[&customer_id])?;
    run("DELETE FROM identities WHERE customer_id = ?1", &[&customer_id])?;
    run("DELETE FROM customers WHERE id = ?1", &[&customer_id])?;
    // Events still naming them: the feed's per-customer stream.
    run(
        "DELETE FROM feed WHERE ordering_key = ?1",
        &[&format!("customer#{customer_id}")],
    )?;
    for (lane, record_id) in &parked {
        run(
            "DELETE FROM parked_events WHERE lane = ?1 AND record_id = ?2",
            &[lane, record_id],
        )?;
    }
    // Mentions they posted from one of their chat identities (a Slack channel message).
    for (platform, address) in &identities {
        run(
            "UPDATE mentions SET author = NULL WHERE source = ?1 AND author = ?2",
            &[platform, address],
        )?;
    }
    // The pseudonym keeps their cohort, so cohort tables do not change; never surveyed again.
    run(
        "INSERT INTO customers (id, opted_out, cohort, created_at) VALUES (?1, 1, ?2, ?3)",
        &[&anon, &cohort, &ts(Utc::now())],
    )?;
    if !comments.is_empty() {
        let reports: Vec<(String, String, String)> = {
            let mut stmt = tx.prepare("SELECT month, brand, body FROM reports").map_err(backend)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(backend)?;
            rows.collect::<rusqlite::Result<_>>().map_err(backend)?
        };
        for (month, brand, body) in reports {
            let mut body: serde_json::Value = serde_json::from_str(&body).map_err(json_err)?;
            if super::scrub_quotes(&mut body, &comments) {
                let body = serde_json::to_string(&body).map_err(json_err)?;
                run(
                    "UPDATE reports SET body = ?3 WHERE month = ?1 AND brand = ?2",
                    &[&month, &brand, &body],
                )?;
            }
        }
    }
    Ok(Erasure { records })
}

#[async_trait]
impl EffectLog for SqliteStore {
    async fn effect_done(&self, key: &str) -> StoreResult<bool> {
        self.reader()
            .one("SELECT count(*) > 0 FROM deliveries WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .map_err(backend)
    }

    async fn mark_effect_done(&self, key: &str) -> StoreResult<()> {
        self.write(WriteOp::MarkEffect { key: key.to_string() }).await?;
        Ok(())
    }
}

#[async_trait]
impl CustomerReader for SqliteStore {
    async fn customer(&self, id: &str) -> StoreResult<Option<Customer>> {
        get_customer(&self.reader(), id).map_err(backend)
    }

    async fn customer_by_identity(&self, identity: &Identity) -> StoreResult<Option<Customer>> {
        get_customer_by_identity(&self.reader(), identity).map_err(backend)
    }
}

#[async_trait]
impl SurveyReader for SqliteStore {
    async fn latest_survey(&self, identity: &Identity) -> StoreResult<Option<SurveyState>> {
        let body: Option<String> = self
            .reader()
            .one(
                "SELECT body FROM surveys WHERE platform = ?1 AND address = ?2 ORDER BY asked_at DESC, id DESC LIMIT 1",
                params![identity.platform.as_str(), identity.address],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)?;
        body.map(|b| serde_json::from_str(&b).map_err(json_err)).transpose()
    }
}

#[async_trait]
impl ResponseReader for SqliteStore {
    async fn response(&self, id: &str) -> StoreResult<Option<Response>> {
        self.reader()
            .one("SELECT * FROM responses WHERE id = ?1", [id], response_from_row)
            .optional()
            .map_err(backend)
    }

    async fn responses_of(&self, customer_id: &str) -> StoreResult<Vec<Response>> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached("SELECT * FROM responses WHERE customer_id = ?1 ORDER BY submitted_at, id")
            .map_err(backend)?;
        let rows = stmt.query_map([customer_id], response_from_row).map_err(backend)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
    }
}

#[async_trait]
impl ReferralReader for SqliteStore {
    async fn referral(&self, code: &ReferralCode) -> StoreResult<Option<Referral>> {
        get_referral(&self.reader(), code.as_str()).map_err(backend)
    }

    async fn referral_of(&self, customer_id: &str) -> StoreResult<Option<Referral>> {
        self.reader()
            .one(
                "SELECT * FROM referrals WHERE customer_id = ?1 ORDER BY created_at LIMIT 1",
                [customer_id],
                referral_from_row,
            )
            .optional()
            .map_err(backend)
    }
}

#[async_trait]
impl AlertReader for SqliteStore {
    async fn alert(&self, id: &str) -> StoreResult<Option<Alert>> {
        self.reader()
            .one("SELECT * FROM alerts WHERE id = ?1", [id], alert_from_row)
            .optional()
            .map_err(backend)
    }
}

#[async_trait]
impl ReportReader for SqliteStore {
    async fn report(&self, month: YearMonth, brand: Option<&str>) -> StoreResult<Option<StoredReport>> {
        self.reader()
            .one(
                "SELECT * FROM reports WHERE month = ?1 AND brand = ?2",
                params![month.to_string(), brand.unwrap_or_default()],
                report_from_row,
            )
            .optional()
            .map_err(backend)
    }
}

#[async_trait]
impl AggregateReader for SqliteStore {
    async fn counters(&self, month: YearMonth) -> StoreResult<BTreeMap<String, i64>> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached("SELECT metric, value FROM aggregates WHERE month = ?1")
            .map_err(backend)?;
        let rows = stmt
            .query_map([month.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<BTreeMap<_, _>>>().map_err(backend)
    }
}

/// Page cursors are `{time}|{key}` of the last record returned.
fn split_cursor(after: Option<&str>) -> (String, String) {
    match after.and_then(|a| a.split_once('|')) {
        Some((t, k)) => (t.to_string(), k.to_string()),
        None => (String::new(), String::new()),
    }
}

#[async_trait]
impl RecordLister for SqliteStore {
    async fn list(
        &self,
        kind: RecordKind,
        month: Option<YearMonth>,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Page> {
        let (table, time_col, key_col) = match kind {
            RecordKind::Responses => ("responses", "submitted_at", "id"),
            RecordKind::Mentions => ("mentions", "created_at", "id"),
            RecordKind::Purchases => ("purchases", "purchased_at", "id"),
            RecordKind::Referrals => ("referrals", "created_at", "code"),
            RecordKind::Alerts => ("alerts", "created_at", "id"),
            RecordKind::Reports => ("reports", "month", "brand"),
        };
        let (from, to) = match (kind, month) {
            (RecordKind::Reports, Some(m)) => (m.to_string(), m.next().to_string()),
            (_, Some(m)) => (ts(m.start()), ts(m.end())),
            (_, None) => (String::new(), "\u{10ffff}".to_string()),
        };
        let (after_time, after_key) = split_cursor(after);
        let sql = format!(
            "SELECT * FROM {table} WHERE {time_col} >= ?1 AND {time_col} < ?2 AND ({time_col}, {key_col}) > (?3, ?4)
             ORDER BY {time_col}, {key_col} LIMIT ?5"
        );
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
        let mut rows = stmt
            .query(params![from, to, after_time, after_key, limit as i64])
            .map_err(backend)?;
        let mut records = Vec::new();
        let mut last = None;
        while let Some(row) = rows.next().map_err(backend)? {
            last = Some(format!(
                "{}|{}",
                row.get::<_, String>(time_col).map_err(backend)?,
                row.get::<_, String>(key_col).map_err(backend)?
            ));
            records.push(
                match kind {
                    RecordKind::Responses => response_from_row(row).map(Record::Response),
                    RecordKind::Mentions => mention_from_row(row).map(Record::Mention),
                    RecordKind::Purchases => purchase_from_row(row).map(Record::Purchase),
                    RecordKind::Referrals => referral_from_row(row).map(Record::Referral),
                    RecordKind::Alerts => alert_from_row(row).map(Record::Alert),
                    RecordKind::Reports => report_from_row(row).map(Record::Report),
                }
                .map_err(backend)?,
            );
        }
        let next = if records.len() == limit { last } else { None };
        Ok(Page { records, next })
    }
}

#[async_trait]
impl ChangeFeed for SqliteStore {
    async fn read_feed(&self, after: u64, limit: usize) -> StoreResult<Vec<FeedEntry>> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached("SELECT seq, recorded_at, event FROM feed WHERE seq > ?1 ORDER BY seq LIMIT ?2")
            .map_err(backend)?;
        let rows = stmt
            .query_map(params![after as i64, limit as i64], |r| {
                Ok(FeedEntry {
                    seq: r.get::<_, i64>(0)? as u64,
                    recorded_at: parse_ts(&r.get::<_, String>(1)?)?,
                    event: from_json_str(&r.get::<_, String>(2)?)?,
                })
            })
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
    }

    async fn cursor(&self, consumer: &str) -> StoreResult<u64> {
        let seq: Option<i64> = self
            .reader()
            .one("SELECT seq FROM cursors WHERE consumer = ?1", [consumer], |r| r.get(0))
            .optional()
            .map_err(backend)?;
        Ok(seq.unwrap_or(0) as u64)
    }

    async fn save_cursor(&self, consumer: &str, seq: u64) -> StoreResult<()> {
        self.write(WriteOp::SaveCursor {
            consumer: consumer.to_string(),
            seq,
        })
        .await?;
        Ok(())
    }
}

mod guard;
mod parking;
#[cfg(test)]
mod tests;
