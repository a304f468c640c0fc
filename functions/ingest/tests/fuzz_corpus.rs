//! Replays every fuzz corpus and regression input through the very functions the fuzz targets
//! call (fuzz/src/lib.rs, included as source), on stable, so a crash fixed once stays fixed.

#[path = "../../../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod targets;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join(kind).join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return vec![];
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Feeds every corpus and regression file of `target` to `run`; fails naming each file that panics.
fn replay(target: &str, run: fn(&[u8])) {
    let corpus = inputs("corpus", target);
    assert!(!corpus.is_empty(), "fuzz/corpus/{target}/ is empty or missing");
    let mut failed = Vec::new();
    for file in corpus.iter().chain(inputs("regressions", target).iter()) {
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if catch_unwind(AssertUnwindSafe(|| run(&data))).is_err() {
            failed.push(file.display().to_string());
        }
    }
    assert!(failed.is_empty(), "{target}: these inputs panic: {failed:#?}");
}

#[test]
fn slack_events_corpus_replays_cleanly() {
    replay("slack_events", targets::slack_events);
}

#[test]
fn slack_interactions_corpus_replays_cleanly() {
    replay("slack_interactions", targets::slack_interactions);
}

#[test]
fn telegram_corpus_replays_cleanly() {
    replay("telegram", targets::telegram);
}

#[test]
fn meta_corpus_replays_cleanly() {
    replay("meta", targets::meta);
}

#[test]
fn x_corpus_replays_cleanly() {
    replay("x", targets::x);
}

#[test]
fn typeform_corpus_replays_cleanly() {
    replay("typeform", targets::typeform);
}

#[test]
fn api_routes_corpus_replays_cleanly() {
    replay("api_routes", targets::api_routes);
}

#[test]
fn score_corpus_replays_cleanly() {
    replay("score", targets::score);
}

#[test]
fn listening_corpus_replays_cleanly() {
    replay("listening", targets::listening);
}

#[test]
fn verify_corpus_replays_cleanly() {
    replay("verify", targets::verify);
}
