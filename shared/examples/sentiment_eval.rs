//! Runs the sentiment eval set: accuracy per language and overall, with a confusion summary.
//!
//! `cargo run -p sarafan-core --example sentiment_eval -- [fixtures dir] [--misses]`
//!
//! `cargo run --release -p sarafan-core --example sentiment_eval -- --blind DIR` reads every
//! `<lang>.tsv` of DIR and prints aggregate figures only, never a mention: per language the
//! complaint recall, the neutral mentions called complaints, the accuracy and the count of
//! each class, for the rules with the model and for the rules alone, then the overall
//! confusion. For a blind set, whose lines must not be seen.

use sarafan_core::listening::eval::{meets_issue_24_target, parse_fixture, Evaluation};
use sarafan_core::listening::{classify_by_rules, detect_language, Lang, Sentiment};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_misses = args.iter().any(|a| a == "--misses");
    if let Some(at) = args.iter().position(|a| a == "--blind") {
        if show_misses {
            eprintln!("--blind prints aggregate figures only: --misses is refused with it");
            return ExitCode::from(2);
        }
        let Some(dir) = args.get(at + 1) else {
            eprintln!("--blind needs a directory of <lang>.tsv files");
            return ExitCode::from(2);
        };
        return blind(&PathBuf::from(dir));
    }
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

/// Aggregate figures for a directory of `<lang>.tsv` files: no line of them is printed.
fn blind(dir: &std::path::Path) -> ExitCode {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
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
    if files.is_empty() {
        eprintln!("{} holds no <lang>.tsv file", dir.display());
        return ExitCode::from(1);
    }
    let (mut both, mut rules) = (Evaluation::default(), Evaluation::default());
    for path in &files {
        let lang = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        if Lang::from_code(lang).is_none() {
            eprintln!(
                "{}: the file name should be a language code Sarafan reads",
                path.display()
            );
            return ExitCode::from(1);
        }
        let sentences = match std::fs::read_to_string(path).map(|c| parse_fixture(&c)) {
            Ok(Ok(s)) => s,
            // The error names the line number and what is wrong, never the line's text.
            Ok(Err(err)) => {
                eprintln!("{}: {err}", path.display());
                return ExitCode::from(1);
            }
            Err(err) => {
                eprintln!("cannot read {}: {err}", path.display());
                return ExitCode::from(1);
            }
        };
        both.run(lang, &sentences);
        rules.run_with(lang, &sentences, classify_by_rules);
    }
    let mut out = String::new();
    let _ = writeln!(out, "{} ({} files), figures only\n", dir.display(), files.len());
    let _ = writeln!(
        out,
        "rules and model (the classifier as built):\n{}",
        both.complaint_table()
    );
    let _ = writeln!(
        out,
        "rules alone (before issue 24's model):\n{}",
        rules.complaint_table()
    );
    let _ = writeln!(out, "per class, expected (negative / neutral / positive):");
    let overall = both.overall();
    for (lang, c) in both.by_lang.iter().chain([(&"all".to_string(), &overall)]) {
        let _ = writeln!(
            out,
            "{lang:<4} {:>4} / {:>4} / {:>4}",
            c.row(Sentiment::Negative),
            c.row(Sentiment::Neutral),
            c.row(Sentiment::Positive)
        );
    }
    let _ = writeln!(
        out,
        "\noverall confusion, rules and model (rows expected, columns predicted):"
    );
    let _ = writeln!(out, "{:>10} {:>9} {:>9} {:>9}", "", "positive", "neutral", "negative");
    for expected in Sentiment::ALL {
        let _ = write!(out, "{:>10}", expected.as_str());
        for predicted in Sentiment::ALL {
            let _ = write!(out, " {:>9}", overall.count(expected, predicted));
        }
        let _ = writeln!(out);
    }
    let target: Vec<&str> = both
        .by_lang
        .iter()
        .filter(|(_, c)| {
            let recall =
                c.count(Sentiment::Negative, Sentiment::Negative) as f64 / c.row(Sentiment::Negative).max(1) as f64;
            let alarms =
                c.count(Sentiment::Neutral, Sentiment::Negative) as f64 / c.row(Sentiment::Neutral).max(1) as f64;
            !meets_issue_24_target(recall, alarms)
        })
        .map(|(lang, _)| lang.as_str())
        .collect();
    let _ = writeln!(
        out,
        "\nissue 24's target (recall >= 85%, neutral called complaint <= 5%) missed in: {}",
        if target.is_empty() {
            "none".to_string()
        } else {
            target.join(" ")
        }
    );
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    ExitCode::SUCCESS
}
