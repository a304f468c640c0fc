//! Benchmark: one month's report over 1,000,000 stored responses on SQLite must take at most
//! 1 s, because it reads the monthly aggregates (and two bounded pages), never every record.
//! Also prints how long rebuilding the aggregates from the raw records takes, for comparison.
//!
//! Run: `cargo bench -p sarafan-reports --bench report_month` (RESPONSES=n to change the size).

use rusqlite::params;
use sarafan_core::store::sqlite::SqliteStore;
use sarafan_core::YearMonth;
use std::time::Instant;

const BUDGET_SECS: f64 = 1.0;

const COMMENTS: [&str; 6] = [
    "Anna explained everything and the car was ready on time",
    "Waited two hours and nobody came",
    "Fine, but the paperwork took ages",
    "Great service, I already told my brother",
    "The car was handed over dirty",
    "Honest prices and friendly staff",
];

fn main() {
    let n: u64 = std::env::var("RESPONSES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("bench.db");
    let store = SqliteStore::open(&path).expect("a fresh store");
    let month: YearMonth = "2026-03".parse().expect("a month");
    let first = month.plus(-11);

    // Bulk-load raw records straight into the tables (one transaction): the store's own write
    // path would take minutes for a million, and what is measured here is the reading.
    let started = Instant::now();
    {
        let mut conn = rusqlite::Connection::open(&path).expect("a second connection");
        let tx = conn.transaction().expect("a transaction");
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO responses (id, customer_id, platform, score, comment, locale, submitted_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, 'en', ?6)",
                )
                .expect("the responses table");
            for i in 0..n {
                let m = first.plus((i % 12) as i32);
                let day = 1 + (i / 12) % 28;
                let at = format!("{m}-{day:02}T{:02}:{:02}:00.000000Z", 8 + (i % 10), i % 60);
                let score = [10, 9, 9, 8, 7, 10, 3, 6, 9, 5][(i % 10) as usize];
                let comment = (i % 3 == 0).then(|| COMMENTS[(i % 6) as usize]);
                let platform = ["telegram", "slack", "whatsapp", "web"][(i % 4) as usize];
                insert
                    .execute(params![
                        format!("r{i:08}"),
                        format!("c{i:08}"),
                        platform,
                        score,
                        comment,
                        at
                    ])
                    .expect("an insert");
            }
        }
        tx.commit().expect("a commit");
    }
    eprintln!(
        "loaded {n} responses over 12 months in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Rebuilding every counter from the raw records: what the report avoids doing.
    let started = Instant::now();
    let counters = store.recount_aggregates().expect("a recount");
    let rebuild = started.elapsed().as_secs_f64();
    {
        let mut conn = rusqlite::Connection::open(&path).expect("a second connection");
        let tx = conn.transaction().expect("a transaction");
        for ((m, metric), value) in &counters {
            tx.execute(
                "INSERT INTO aggregates (month, metric, value) VALUES (?1, ?2, ?3)",
                params![m.to_string(), metric, value],
            )
            .expect("an aggregate");
        }
        tx.commit().expect("a commit");
    }
    println!(
        "rebuild aggregates from {n} raw records: {rebuild:.3} s ({} counters)",
        counters.len()
    );

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let mut best = f64::MAX;
    let mut report = None;
    for _ in 0..5 {
        let started = Instant::now();
        let r = runtime
            .block_on(sarafan_reports::job::compute(&store, month))
            .expect("the report");
        best = best.min(started.elapsed().as_secs_f64());
        report = Some(r);
    }
    let report = report.expect("computed");
    println!(
        "report {month} from the aggregates (+ {} bounded example reads): best of 5 {:.4} s, {} answers, NPS {:+.1}",
        2,
        best,
        report.nps.responses,
        report.nps.nps.unwrap_or(0.0)
    );
    let started = Instant::now();
    let charts =
        sarafan_reports::charts::render_all(&report, sarafan_reports::i18n::Locale::En.labels()).expect("the charts");
    println!(
        "six charts drawn and encoded: {:.3} s ({} KiB of PNG)",
        started.elapsed().as_secs_f64(),
        charts.iter().map(|c| c.png.len()).sum::<usize>() / 1024
    );
    assert_eq!(
        report.nps.responses,
        n / 12 + u64::from(n % 12 > 11),
        "every answer of the month is counted"
    );
    if best > BUDGET_SECS {
        eprintln!("FAILED: the report took {best:.3} s, over the {BUDGET_SECS} s budget");
        std::process::exit(1);
    }
    println!("ok: within the {BUDGET_SECS} s budget");
}
