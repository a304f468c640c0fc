//! Messages a platform accepted but the store could not record before outreach had to stop:
//! kept in a file beside the store, recorded (not sent again) when the worker starts next.
//!
//! Each line is one message: its effect key, the claimant that sent it (whose claim still
//! stands in the store, keeping every other sender off it) and the record to store.

use crate::handler::Outreach;
use sarafan_core::ledger::Change;
use sarafan_core::store::StoreError;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why the outbox could not be read or recorded. The file is left in place for the next try.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("{}: {source}", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A line that cannot be read: the file is left for an operator rather than skipped.
    #[error("{} line {line}: {what}", path.display())]
    BadLine { path: PathBuf, line: usize, what: String },
    #[error("{key}: {source}")]
    Record {
        key: String,
        #[source]
        source: StoreError,
    },
}

/// One message sent and not recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Unrecorded {
    pub key: String,
    pub claimant: String,
    pub record: Option<Change>,
}

/// The outbox beside an SQLite database file.
pub fn beside(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".unrecorded.jsonl");
    db.with_file_name(name)
}

/// Appends `message` and syncs it to disk before returning.
pub fn keep(path: &Path, message: &Unrecorded) -> std::io::Result<()> {
    let line = json!({
        "key": message.key,
        "claimant": message.claimant,
        "record": message.record,
    });
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    writeln!(file, "{line}")?;
    file.sync_all()
}

/// The messages kept in `path` (none when there is no file). A line that cannot be read is an
/// error naming its line: the file is left for an operator rather than skipped.
pub fn read(path: &Path) -> Result<Vec<Unrecorded>, OutboxError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(OutboxError::File {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            let bad = |what: &str| OutboxError::BadLine {
                path: path.to_path_buf(),
                line: n + 1,
                what: what.to_string(),
            };
            let value: Value = serde_json::from_str(line).map_err(|e| bad(&e.to_string()))?;
            let text = |field: &str| {
                value[field]
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad(&format!("no {field}")))
            };
            let record = match &value["record"] {
                Value::Null => None,
                record => Some(serde_json::from_value(record.clone()).map_err(|e| bad(&format!("record: {e}")))?),
            };
            Ok(Unrecorded {
                key: text("key")?,
                claimant: text("claimant")?,
                record,
            })
        })
        .collect()
}

/// Records every message kept in `path`, lets go of the claims their senders left, and removes
/// the file; the number recorded. Recording one twice is a duplicate the store ignores, so a
/// failure part way is retried whole.
pub async fn record_kept(deps: &Outreach, path: &Path) -> Result<usize, OutboxError> {
    let kept = read(path)?;
    for message in &kept {
        let stored = match &message.record {
            Some(change) => deps.store.apply(&message.key, change.clone()).await.map(drop),
            None => deps.store.mark_effect_done(&message.key).await,
        };
        stored.map_err(|source| OutboxError::Record {
            key: message.key.clone(),
            source,
        })?;
        if let Err(e) = deps.store.release_send(&message.key, &message.claimant).await {
            tracing::debug!(key = message.key, error = %e, "claim not released");
        }
        tracing::info!(
            key = message.key,
            "message sent before the last stop recorded now; not sent again"
        );
    }
    match std::fs::remove_file(path) {
        Ok(()) => Ok(kept.len()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(kept.len()),
        Err(source) => Err(OutboxError::File {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_messages_read_back_as_written_and_a_bad_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = beside(&dir.path().join("sarafan.db"));
        assert_eq!(path.file_name().unwrap(), "sarafan.db.unrecorded.jsonl");
        assert_eq!(read(&path).unwrap(), vec![]);
        let question = Unrecorded {
            key: "effect:survey_requested:7".into(),
            claimant: "outreach-1-ab".into(),
            record: None,
        };
        keep(&path, &question).unwrap();
        keep(&path, &question).unwrap();
        assert_eq!(read(&path).unwrap(), vec![question.clone(), question]);
        std::fs::write(&path, "{\"key\": \"k\"}\n").unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(err.ends_with("line 1: no claimant"), "{err}");
    }
}
