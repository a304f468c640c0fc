//! `sarafan demo` for the tests that start from its year of data: run into a fresh folder, its
//! store and report page found.
#![allow(dead_code)]

use sarafan_core::YearMonth;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What `sarafan demo --out DIR` left in `DIR`.
pub struct Demo {
    /// The SQLite store (`sarafan.db`).
    pub db: PathBuf,
    /// The latest month's report page (`report-YYYY-MM.html`).
    pub report: PathBuf,
    /// The month of that report.
    pub month: YearMonth,
}

/// Runs `sarafan demo` into `dir`, with no store, log level or report locale from this
/// process's environment.
pub fn demo(dir: &Path) -> Demo {
    let out = Command::new(env!("CARGO_BIN_EXE_sarafan"))
        .args(["demo", "--out"])
        .arg(dir)
        .env_remove("SARAFAN_STORE")
        .env_remove("RUST_LOG")
        .env_remove("REPORT_LOCALE")
        .output()
        .expect("run sarafan demo");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (report, month) = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find_map(|path| {
            let name = path.file_name()?.to_str()?;
            let month = name.strip_prefix("report-")?.strip_suffix(".html")?.parse().ok()?;
            Some((path, month))
        })
        .expect("the demo writes report-YYYY-MM.html");
    Demo {
        db: dir.join("sarafan.db"),
        report,
        month,
    }
}
