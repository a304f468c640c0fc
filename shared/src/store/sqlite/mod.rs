//! The embedded store: one SQLite file in WAL mode, versioned migrations, one writer.

use super::*;
use crate::ledger::{self, Deltas, PurchaseContext};
use crate::nps::Score;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Params, Row, Transaction};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use tokio::sync::oneshot;

mod erasure;
mod errors;
mod feed;
mod migrations;
mod readers;
mod rows;
mod statements;
mod writer;
mod writes;

use errors::*;
use migrations::*;
pub use migrations::{create_at_version, SCHEMA_VERSION};
use rows::*;
use statements::*;
use writer::*;
use writes::*;

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

mod guard;
mod parking;
#[cfg(test)]
mod tests;
