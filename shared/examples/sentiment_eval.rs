//! Runs the sentiment eval set: accuracy per language and overall, with a confusion summary.
//!
//! `cargo run -p sarafan-core --example sentiment_eval -- [fixtures dir] [--misses]`

use sarafan_core::listening::eval::{parse_fixture, Evaluation};
use sarafan_core::listening::{detect_language, Sentiment};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_misses = args.iter().any(|a| a == "--misses");
    let dir = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/sentiment"));

    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
            .collect(),
        Err(err) => {
            eprintln!("cannot read {}: {err}", dir.display());
            return ExitCode::from(1);
        }
    };
    files.sort();

    let mut evaluation = Evaluation::default();
    let mut detected = Vec::new();
    for path in &files {
        let lang = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let contents = match std::fs::read_to_string(path) {
            Ok(c) => c,
            Err(err) => {
                eprintln!("cannot read {}: {err}", path.display());
                return ExitCode::from(1);
            }
        };
        let sentences = match parse_fixture(&contents) {
            Ok(s) => s,
            Err(err) => {
                eprintln!("{}: {err}", path.display());
                return ExitCode::from(1);
            }
        };
        let right = sentences
            .iter()
            .filter(|s| detect_language(&s.text, None).map(|l| l.code()) == Some(lang.as_str()))
            .count();
        detected.push((lang.clone(), right, sentences.len()));
        evaluation.run(&lang, &sentences);
    }

    let short = |s: Sentiment| &s.as_str()[..3];
    // Written in one go, so piping into `head` ends quietly instead of panicking.
    let mut out = String::new();
    let header = "lang     n  accuracy   confusion (expected>predicted, misses only)   language detected";
    let _ = writeln!(out, "{header}");
    for ((lang, confusion), (_, right, n)) in evaluation.by_lang.iter().zip(&detected) {
        let mut misses = Vec::new();
        for expected in Sentiment::ALL {
            for predicted in Sentiment::ALL {
                let count = confusion.count(expected, predicted);
                if expected != predicted && count > 0 {
                    misses.push(format!("{}>{} {count}", short(expected), short(predicted)));
                }
            }
        }
        let _ = writeln!(
            out,
            "{lang:<4} {:>5}  {:>7.1}%   {:<46} {right}/{n}",
            confusion.total(),
            100.0 * confusion.accuracy(),
            if misses.is_empty() {
                "-".to_string()
            } else {
                misses.join(", ")
            },
        );
    }
    let overall = evaluation.overall();
    let _ = writeln!(out, "all  {:>5}  {:>7.1}%", overall.total(), 100.0 * overall.accuracy());
    let _ = writeln!(out);
    let _ = writeln!(out, "overall confusion (rows expected, columns predicted):");
    let _ = writeln!(out, "{:>10} {:>9} {:>9} {:>9}", "", "positive", "neutral", "negative");
    for expected in Sentiment::ALL {
        let _ = write!(out, "{:>10}", expected.as_str());
        for predicted in Sentiment::ALL {
            let _ = write!(out, " {:>9}", overall.count(expected, predicted));
        }
        let _ = writeln!(out);
    }
    if show_misses {
        let _ = writeln!(out);
        for (lang, confusion) in &evaluation.by_lang {
            for (expected, predicted, text) in &confusion.misses {
                let _ = writeln!(out, "{lang}\t{}>{}\t{text}", short(*expected), short(*predicted));
            }
        }
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    ExitCode::SUCCESS
}
