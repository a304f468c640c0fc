//! `sarafan import delighted` on SQLite: a generated Delighted export of 100,000 NPS answers
//! (12 months, 20,000 people, a comment on every third) into a fresh store, then the same file
//! again (every row a duplicate). Prints rows/s for both runs.
//!
//! `cargo bench --bench import` (options after `--`: `--rows N`, `--bin PATH` for another
//! `sarafan` build).

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn arg(name: &str) -> Option<String> {
    std::env::args().skip_while(|a| a != name).nth(1)
}

/// A Delighted-shaped export (tests/fixtures/import/README.md), deterministic for a given size.
fn write_export(path: &Path, rows: u64) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create the export"));
    writeln!(
        out,
        "Response ID,Score,Comment,Response timestamp,Email,Name,Survey type"
    )
    .unwrap();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        // xorshift64: the same file every run.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for i in 0..rows {
        let score = next() % 11;
        let month = 1 + next() % 12;
        let day = 1 + next() % 28;
        let minute = next() % (24 * 60);
        let person = next() % 20_000;
        let comment = match i % 3 {
            0 => "\"Quick service, fair price, would buy again\"",
            _ => "",
        };
        let at = if i % 2 == 0 {
            format!(
                "2025-{month:02}-{day:02} {:02}:{:02}:00 -0700",
                minute / 60,
                minute % 60
            )
        } else {
            format!("2025-{month:02}-{day:02}T{:02}:{:02}:00Z", minute / 60, minute % 60)
        };
        writeln!(
            out,
            "{},{score},{comment},{at},person{person}@example.com,Person {person},nps",
            500_000 + i
        )
        .unwrap();
    }
    out.flush().unwrap();
}

fn import(bin: &str, db: &Path, file: &Path) -> (f64, String) {
    let started = Instant::now();
    let out = Command::new(bin)
        .args(["import", "delighted"])
        .arg(file)
        .env_remove("SARAFAN_STORE")
        .env_remove("RUST_LOG")
        .env("SARAFAN_DB", db)
        .output()
        .expect("run sarafan import");
    let secs = started.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "sarafan import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (secs, String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let rows: u64 = arg("--rows").and_then(|r| r.parse().ok()).unwrap_or(100_000);
    let bin = arg("--bin").unwrap_or_else(|| env!("CARGO_BIN_EXE_sarafan").to_string());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("delighted-export.csv");
    write_export(&file, rows);
    let db = dir.path().join("sarafan.db");
    eprintln!("importing {rows} generated Delighted rows into a fresh SQLite store with {bin}");

    let (secs, summary) = import(&bin, &db, &file);
    println!(
        "first import: {rows} rows in {secs:.2} s = {:.0} rows/s ({summary})",
        rows as f64 / secs
    );
    let (secs, summary) = import(&bin, &db, &file);
    println!(
        "second import (all duplicates): {rows} rows in {secs:.2} s = {:.0} rows/s ({summary})",
        rows as f64 / secs
    );
}
