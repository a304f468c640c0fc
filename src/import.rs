//! `sarafan import`: past answers from another tool (a Delighted export) or from Sarafan's own
//! `export responses`, written through the same changes as live answers.
//!
//! Every row becomes one `Change::Response` applied with a delivery key named after the
//! source's response id (`import:delighted:{id}`, `import:responses:{id}`), so importing a file
//! twice, or again after a failure part-way, stores each answer once, and the monthly counters
//! the reports read are written by the same change.

use crate::error::CliError;
use anyhow::anyhow;
use chrono::{DateTime, NaiveDateTime, Utc};
use sarafan_core::ledger::{Applied, Change};
use sarafan_core::model::{Customer, Platform, Response};
use sarafan_core::nps::Score;
use sarafan_core::settings::Vars;
use sarafan_core::store::{ChangeWriter, EffectLog};
use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where the rows come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Delighted's response export (CSV).
    Delighted,
    /// Sarafan's own `export responses` (CSV or JSON Lines).
    Responses,
}

impl Source {
    pub fn parse(kind: &str) -> Option<Source> {
        match kind {
            "delighted" => Some(Source::Delighted),
            "responses" => Some(Source::Responses),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Source::Delighted => "delighted",
            Source::Responses => "responses",
        }
    }
}

/// What an import did, printed at the end.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub read: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub refused: u64,
    /// Delighted rows of another survey type (CSAT, CES...): not an NPS answer, left out.
    pub not_nps: u64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "read {}, stored {}, duplicates {}, refused {}",
            self.read, self.stored, self.duplicates, self.refused
        )?;
        if self.not_nps > 0 {
            write!(f, ", skipped {} (not NPS)", self.not_nps)?;
        }
        Ok(())
    }
}

/// `sarafan import KIND FILE`: exit 0 when every row went in (or was there already), 1 when
/// some row was refused (the rest is imported) or the store failed, 2 on bad usage.
pub async fn run(vars: &Vars, kind: &str, file: &Path) -> Result<(), CliError> {
    let source = Source::parse(kind)
        .ok_or_else(|| CliError::Usage(format!("unknown import kind {kind:?}: expected delighted or responses")))?;
    let rows = read_rows(source, file)?;
    let store = crate::store::open_store(vars).await?;
    let mut progress = Progress::new(std::io::stderr().is_terminal(), rows.len() as u64);
    let summary = import(store, rows, &mut progress, &mut |line, reason| {
        eprintln!("line {line}: refused: {reason}");
    })
    .await;
    progress.finish();
    let summary = summary?;
    println!("{summary}");
    if summary.refused > 0 {
        return Err(CliError::Failure(anyhow!(
            "{} row(s) refused (see above); the others were imported",
            summary.refused
        )));
    }
    Ok(())
}

/// One input row: its line in the file and either its answer or why it is refused.
pub struct Row {
    pub line: u64,
    pub parsed: Result<Parsed, String>,
}

// Nearly every row is an answer: boxing it would add an allocation per row to save nothing.
#[allow(clippy::large_enum_variant)]
pub enum Parsed {
    Answer {
        response: Response,
        customer: Option<Customer>,
        delivery: String,
    },
    NotNps,
}

/// Reads and parses the whole file: a file that cannot be read, or lacks the columns of its
/// kind, is bad usage (exit 2); a bad row is refused later with its line number.
pub fn read_rows(source: Source, file: &Path) -> Result<Vec<Row>, CliError> {
    let bytes = std::fs::read(file).map_err(|e| CliError::Usage(format!("cannot read {}: {e}", file.display())))?;
    let jsonl = file
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl") || e.eq_ignore_ascii_case("ndjson"));
    match (source, jsonl) {
        (Source::Delighted, true) => Err(CliError::Usage("a Delighted export is a CSV file (.csv)".into())),
        (Source::Delighted, false) => parse_csv(&bytes, source, file),
        (Source::Responses, false) => parse_csv(&bytes, source, file),
        (Source::Responses, true) => parse_jsonl(&bytes, file),
    }
}

/// A header cell as compared: lower case, `_` as space, spaces collapsed.
fn normal(header: &str) -> String {
    header
        .trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace('_', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The column named by any of `names` (normalised), if the header has one.
fn column(headers: &[String], names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| headers.iter().position(|h| h == n))
}

struct DelightedColumns {
    id: usize,
    score: usize,
    at: usize,
    comment: Option<usize>,
    email: Option<usize>,
    name: Option<usize>,
    survey_type: Option<usize>,
    locale: Option<usize>,
}

struct SarafanColumns {
    id: usize,
    customer_id: usize,
    platform: usize,
    score: usize,
    at: usize,
    comment: Option<usize>,
    locale: Option<usize>,
}

fn parse_csv(bytes: &[u8], source: Source, file: &Path) -> Result<Vec<Row>, CliError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", file.display())))?
        .iter()
        .map(normal)
        .collect();
    let need = |names: &[&str], what: &str| {
        column(&headers, names).ok_or_else(|| {
            CliError::Usage(format!(
                "{} has no {what} column (expected one of: {}); is it a {} export?",
                file.display(),
                names.join(", "),
                source.as_str()
            ))
        })
    };
    enum Cols {
        D(DelightedColumns),
        S(SarafanColumns),
    }
    let cols = match source {
        // Delighted's export names (docs/import.md and tests/fixtures/import/README.md):
        // "Response ID", "Score", "Comment", "Response timestamp", "Email", "Name"; the API's
        // field names (id, score, comment, created_at, survey_type) are taken too.
        Source::Delighted => Cols::D(DelightedColumns {
            id: need(&["response id", "survey response id", "id"], "response id")?,
            score: need(&["score"], "score")?,
            at: need(
                &["response timestamp", "created at", "timestamp", "date", "response date"],
                "response timestamp",
            )?,
            comment: column(&headers, &["comment"]),
            email: column(&headers, &["email", "person email"]),
            name: column(&headers, &["name", "person name"]),
            survey_type: column(&headers, &["survey type"]),
            locale: column(&headers, &["locale", "language"]),
        }),
        Source::Responses => Cols::S(SarafanColumns {
            id: need(&["id"], "id")?,
            customer_id: need(&["customer id"], "customer_id")?,
            platform: need(&["platform"], "platform")?,
            score: need(&["score"], "score")?,
            at: need(&["submitted at"], "submitted_at")?,
            comment: column(&headers, &["comment"]),
            locale: column(&headers, &["locale"]),
        }),
    };
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() + 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(line, |p| p.line());
                if record.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                let cell = |i: usize| record.get(i).map(str::trim).unwrap_or("");
                let opt = |i: Option<usize>| i.map(cell).filter(|s| !s.is_empty()).map(str::to_string);
                let parsed = match &cols {
                    Cols::D(c) => delighted_row(
                        cell(c.id),
                        cell(c.score),
                        cell(c.at),
                        opt(c.comment),
                        opt(c.email),
                        opt(c.name),
                        opt(c.survey_type),
                        opt(c.locale),
                    ),
                    Cols::S(c) => sarafan_row(
                        cell(c.id),
                        cell(c.customer_id),
                        cell(c.platform),
                        cell(c.score),
                        cell(c.at),
                        opt(c.comment).map(unneutralise),
                        opt(c.locale),
                    ),
                };
                rows.push(Row { line, parsed });
            }
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    return Err(CliError::Usage(format!("cannot read {}: {e}", file.display())));
                }
                rows.push(Row {
                    line,
                    parsed: Err(format!("not a CSV row: {e}")),
                });
            }
        }
    }
    Ok(rows)
}

/// Text as it was before a CSV export put `'` in front of what a spreadsheet would read as a
/// formula (`=`, `+`, `-`, `@`, tab, CR: the OWASP list `sarafan export --format csv` uses).
fn unneutralise(text: String) -> String {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_string(),
        _ => text,
    }
}

fn parse_jsonl(bytes: &[u8], file: &Path) -> Result<Vec<Row>, CliError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| CliError::Usage(format!("cannot read {}: not UTF-8 ({e})", file.display())))?;
    let mut rows = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let line = i as u64 + 1;
        let parsed = match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(raw) {
            Err(e) => Err(format!("not a JSON object: {e}")),
            Ok(obj) => {
                let text = |k: &str| match obj.get(k) {
                    Some(serde_json::Value::String(s)) => s.trim().to_string(),
                    Some(serde_json::Value::Number(n)) => n.to_string(),
                    _ => String::new(),
                };
                let opt = |k: &str| Some(text(k)).filter(|s| !s.is_empty());
                sarafan_row(
                    &text("id"),
                    &text("customer_id"),
                    &text("platform"),
                    &text("score"),
                    &text("submitted_at"),
                    opt("comment"),
                    opt("locale"),
                )
            }
        };
        rows.push(Row { line, parsed });
    }
    Ok(rows)
}

fn score(raw: &str) -> Result<Score, String> {
    if raw.is_empty() {
        return Err("no score".into());
    }
    let value: i64 = raw
        .parse()
        .map_err(|_| format!("score {raw:?} is not a whole number"))?;
    Score::new(value).map_err(|_| format!("score {value} is outside 0-10"))
}

/// A timestamp as RFC 3339 (`2026-10-03T14:05:00-07:00`), as Delighted's export writes it
/// (`2026-10-03 14:05:00 -0700`), or as Unix seconds (the API's `created_at`).
pub fn timestamp(raw: &str) -> Result<DateTime<Utc>, String> {
    if raw.is_empty() {
        return Err("no timestamp".into());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S%.f %z", "%Y-%m-%d %H:%M %z"] {
        if let Ok(t) = DateTime::parse_from_str(raw, format) {
            return Ok(t.with_timezone(&Utc));
        }
    }
    if let Some(naive) = raw.strip_suffix(" UTC") {
        if let Ok(t) = NaiveDateTime::parse_from_str(naive, "%Y-%m-%d %H:%M:%S") {
            return Ok(t.and_utc());
        }
    }
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        if let Some(t) = raw.parse::<i64>().ok().and_then(|s| DateTime::from_timestamp(s, 0)) {
            return Ok(t);
        }
    }
    Err(format!(
        "timestamp {raw:?} is neither RFC 3339 nor like 2026-10-03 14:05:00 -0700"
    ))
}

/// The id of a source's response, usable in keys: not empty, no control characters.
fn source_id(raw: &str, what: &str) -> Result<String, String> {
    if raw.is_empty() {
        return Err(format!("no {what}"));
    }
    if raw.chars().any(char::is_control) || raw.len() > 200 {
        return Err(format!("{what} {raw:?} is not an id"));
    }
    Ok(raw.to_string())
}

#[allow(clippy::too_many_arguments)]
fn delighted_row(
    id: &str,
    raw_score: &str,
    at: &str,
    comment: Option<String>,
    email: Option<String>,
    name: Option<String>,
    survey_type: Option<String>,
    locale: Option<String>,
) -> Result<Parsed, String> {
    if survey_type.as_deref().is_some_and(|t| !t.eq_ignore_ascii_case("nps")) {
        return Ok(Parsed::NotNps);
    }
    let id = source_id(id, "response id")?;
    let score = score(raw_score)?;
    let submitted_at = timestamp(at)?;
    let email = email.map(|e| e.to_lowercase());
    // The customer is the person's email when the export has it; otherwise the answer stands
    // alone, as an anonymous customer of its own.
    let customer_id = match &email {
        Some(e) => format!("delighted:{e}"),
        None => format!("delighted:response:{id}"),
    };
    let customer = (email.is_some() || name.is_some()).then(|| {
        let mut c = Customer::new(customer_id.clone(), submitted_at);
        c.email = email.clone();
        c.name = name.clone();
        c.locale = locale.clone();
        c
    });
    Ok(Parsed::Answer {
        response: Response {
            id: format!("delighted:{id}"),
            customer_id,
            platform: Platform::Api,
            score,
            comment,
            locale,
            submitted_at,
            brand: None,
        },
        customer,
        delivery: format!("import:delighted:{id}"),
    })
}

fn sarafan_row(
    id: &str,
    customer_id: &str,
    platform: &str,
    raw_score: &str,
    at: &str,
    comment: Option<String>,
    locale: Option<String>,
) -> Result<Parsed, String> {
    let id = source_id(id, "id")?;
    let customer_id = source_id(customer_id, "customer_id")?;
    let platform = Platform::parse(platform).ok_or_else(|| format!("unknown platform {platform:?}"))?;
    let score = score(raw_score)?;
    let submitted_at = timestamp(at)?;
    Ok(Parsed::Answer {
        response: Response {
            id: id.clone(),
            customer_id,
            platform,
            score,
            comment,
            locale,
            submitted_at,
            brand: None,
        },
        customer: None,
        delivery: format!("import:responses:{id}"),
    })
}

/// How many rows are written at once: the SQLite writer commits what is queued together, so
/// rows sent together share their commits (a chunk is a few commits, not a few per row).
const CHUNK: usize = 256;

/// Writes the rows, a chunk at a time. A refused row is reported through `refused` (in line
/// order) and counted; a store failure stops the import after its chunk (what was stored
/// stays, and a second run finishes the rest).
pub async fn import<S: ChangeWriter + EffectLog + ?Sized + 'static>(
    store: Arc<S>,
    rows: Vec<Row>,
    progress: &mut Progress,
    refused: &mut dyn FnMut(u64, &str),
) -> Result<Summary, CliError> {
    let mut summary = Summary::default();
    let mut customers_seen: HashSet<String> = HashSet::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut writes = Vec::with_capacity(CHUNK);
        for row in rows.by_ref().take(CHUNK) {
            summary.read += 1;
            match row.parsed {
                Err(reason) => {
                    summary.refused += 1;
                    refused(row.line, &reason);
                }
                Ok(Parsed::NotNps) => summary.not_nps += 1,
                Ok(Parsed::Answer {
                    response,
                    customer,
                    delivery,
                }) => {
                    // Name and email once a run; merging keeps what is already stored.
                    let customer = customer.filter(|c| customers_seen.insert(c.id.clone()));
                    let store = store.clone();
                    let line = row.line;
                    writes.push((
                        line,
                        tokio::spawn(async move { write_answer(store.as_ref(), response, customer, delivery).await }),
                    ));
                }
            }
        }
        let mut failed: Option<anyhow::Error> = None;
        for (line, write) in writes {
            match write.await {
                Ok(Ok(Applied::Stored)) => summary.stored += 1,
                Ok(Ok(Applied::Duplicate)) => summary.duplicates += 1,
                Ok(Err(e)) => {
                    failed.get_or_insert_with(|| {
                        e.context(format!("storing line {line} (run the import again to finish)"))
                    });
                }
                Err(e) => {
                    failed.get_or_insert_with(|| anyhow!("storing line {line}: {e}"));
                }
            }
        }
        progress.tick(summary.read);
        if let Some(e) = failed {
            return Err(CliError::Failure(e));
        }
    }
    Ok(summary)
}

async fn write_answer<S: ChangeWriter + EffectLog + ?Sized>(
    store: &S,
    response: Response,
    customer: Option<Customer>,
    delivery: String,
) -> anyhow::Result<Applied> {
    if let Some(customer) = customer {
        let key = format!("import:customer:{}", customer.id);
        store.apply(&key, Change::Customer(customer)).await?;
    }
    // History is not news: staff are not alerted about answers given long ago, nor shown old
    // praise, when the outreach worker reads these answers from the change feed.
    for effect in [
        format!("effect:response_recorded:{}:alert", response.id),
        format!("effect:kudos:{}", response.id),
    ] {
        store.mark_effect_done(&effect).await?;
    }
    let applied = store
        .apply(&delivery, Change::Response { response, survey: None })
        .await?;
    Ok(applied)
}

/// Rows so far on standard error: one line updated in place on a terminal, a line every few
/// seconds otherwise (a log, a CI job).
pub struct Progress {
    terminal: bool,
    total: u64,
    started: Instant,
    last: Option<Instant>,
    shown: bool,
}

impl Progress {
    pub fn new(terminal: bool, total: u64) -> Self {
        Progress {
            terminal,
            total,
            started: Instant::now(),
            last: None,
            shown: false,
        }
    }

    fn tick(&mut self, rows: u64) {
        let every = if self.terminal {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(5)
        };
        let now = Instant::now();
        if self.last.is_some_and(|l| now.duration_since(l) < every) {
            return;
        }
        if self.last.is_none() {
            // The first tick only starts the clock: short imports print nothing but the summary.
            self.last = Some(now);
            return;
        }
        self.last = Some(now);
        self.show(rows);
    }

    fn show(&mut self, rows: u64) {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = rows as f64 / secs;
        let share = rows as f64 / self.total.max(1) as f64;
        let total = self.total;
        let mut err = std::io::stderr().lock();
        if self.terminal {
            const WIDTH: usize = 30;
            let filled = ((share * WIDTH as f64) as usize).min(WIDTH);
            let bar = format!("{}{}", "#".repeat(filled), "-".repeat(WIDTH - filled));
            // \x1b[K clears what a longer line before left.
            let _ = write!(
                err,
                "\r[{bar}] {rows}/{total} rows {:.0}% {rate:.0} rows/s\x1b[K",
                share * 100.0
            );
        } else {
            let _ = writeln!(
                err,
                "importing: {rows} of {total} rows ({:.0}%), {rate:.0} rows/s",
                share * 100.0
            );
        }
        let _ = err.flush();
        self.shown = true;
    }

    fn finish(&mut self) {
        if self.terminal && self.shown {
            let _ = writeln!(std::io::stderr());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_both_forms_and_unix_seconds() {
        let want = "2026-10-03T21:05:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(timestamp("2026-10-03 14:05:00 -0700").unwrap(), want);
        assert_eq!(timestamp("2026-10-03T14:05:00-07:00").unwrap(), want);
        assert_eq!(timestamp("2026-10-03T21:05:00Z").unwrap(), want);
        assert_eq!(timestamp(&want.timestamp().to_string()).unwrap(), want);
        assert!(timestamp("03/10/2026").is_err());
        assert!(timestamp("").is_err());
    }

    #[test]
    fn a_neutralised_formula_cell_is_read_back_as_written() {
        assert_eq!(unneutralise("'=1+1".into()), "=1+1");
        assert_eq!(unneutralise("'-great".into()), "-great");
        assert_eq!(unneutralise("'tis fine".into()), "'tis fine");
        assert_eq!(unneutralise("fine".into()), "fine");
    }

    #[test]
    fn headers_compare_loosely() {
        assert_eq!(normal("\u{feff}Response ID"), "response id");
        assert_eq!(normal("survey_type"), "survey type");
        assert_eq!(normal(" Response  timestamp "), "response timestamp");
    }

    #[test]
    fn scores_outside_nps_are_refused() {
        assert!(score("11").is_err());
        assert!(score("").is_err());
        assert!(score("7.5").is_err());
        assert_eq!(score("10").unwrap().value(), 10);
    }
}
