//! How SQLite failures become `StoreError`s (transient or not).

use super::*;

/// SQLite's failures that time or an operator can cure (another writer holds the lock, the disk
/// is full, the file or its directory was made read-only, the disk fails to read or write) are
/// `Unavailable`, so ingest answers 503 and the platform redelivers; the message is SQLite's own,
/// so the log keeps the cause ("database or disk is full"). Anything else (a constraint, a
/// corrupt file, a bug) is `Backend`, with the error as its source.
pub(super) fn backend(e: rusqlite::Error) -> StoreError {
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
pub(super) fn for_each_caller(e: &StoreError) -> StoreError {
    match e {
        StoreError::Unavailable(why) => StoreError::Unavailable(why.clone()),
        StoreError::Corrupt(why) => StoreError::Corrupt(why.clone()),
        StoreError::NotFound(what) => StoreError::NotFound(what.clone()),
        StoreError::Backend(cause) => StoreError::Backend(cause.to_string().into()),
        other => StoreError::Backend(other.to_string().into()),
    }
}

pub(super) fn json_err(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(e.to_string())
}
