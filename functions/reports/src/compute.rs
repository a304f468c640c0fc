//! Computing a month's report (the one way every host does it) and storing it.

use chrono::{DateTime, Utc};
use sarafan_core::ledger::{Applied, Change};
use sarafan_core::model::StoredReport;
use sarafan_core::report::{month_report, months_loaded, MonthReport, MonthlyCounters};
use sarafan_core::store::{AggregateReader, ChangeWriter, RecordKind, RecordLister, ReportReader, StoreError};
use sarafan_core::YearMonth;

/// The ports a month's report run uses: the aggregates and the month's records to compute it,
/// the stored report to see whether it was emailed, and the writer to store it.
pub trait ReportStore: AggregateReader + RecordLister + ReportReader + ChangeWriter {}

impl<T: AggregateReader + RecordLister + ReportReader + ChangeWriter + ?Sized> ReportStore for T {}

/// How many of the month's records a report reads for its quotes and top mentions: a fixed
/// bound, so the run costs the same over ten thousand records or ten million.
pub const EXAMPLE_READ_LIMIT: usize = 500;

/// Computes the month's report: the figures from the aggregates, with quotes and top mentions
/// from a bounded read of the month's records.
pub async fn compute<S: AggregateReader + RecordLister + ?Sized>(
    store: &S,
    month: YearMonth,
) -> Result<MonthReport, StoreError> {
    let mut report = month_report(month, &load_counters(store, month).await?);
    let responses = store
        .list(RecordKind::Responses, Some(month), None, EXAMPLE_READ_LIMIT)
        .await?
        .records
        .into_iter()
        .filter_map(|r| match r {
            sarafan_core::store::Record::Response(r) => Some(r),
            _ => None,
        })
        .collect::<Vec<_>>();
    let mentions = store
        .list(RecordKind::Mentions, Some(month), None, EXAMPLE_READ_LIMIT)
        .await?
        .records
        .into_iter()
        .filter_map(|r| match r {
            sarafan_core::store::Record::Mention(m) => Some(m),
            _ => None,
        })
        .collect::<Vec<_>>();
    sarafan_core::report::attach_examples(&mut report, &responses, &mentions);
    Ok(report)
}

/// Reads the counters a month's report needs ([`months_loaded`]: twelve months and the two before
/// them). Reads grow with months, never with records.
pub async fn load_counters<S: AggregateReader + ?Sized>(
    store: &S,
    month: YearMonth,
) -> Result<MonthlyCounters, StoreError> {
    let mut counters = MonthlyCounters::new();
    for m in months_loaded(month) {
        counters.insert(m, store.counters(m).await?);
    }
    Ok(counters)
}

/// Stores the report made at `now`, replacing an earlier run of the same month.
pub async fn save<S: ChangeWriter + ?Sized>(
    store: &S,
    report: &MonthReport,
    now: DateTime<Utc>,
) -> Result<Applied, StoreError> {
    let body = serde_json::to_value(report).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let stored = StoredReport {
        month: report.month,
        brand: None,
        created_at: now,
        emailed_at: None,
        body,
    };
    // Each run is its own delivery: re-running a month replaces its report.
    let key = format!(
        "report:{}:{}",
        report.month,
        now.timestamp_nanos_opt().unwrap_or_default()
    );
    store.apply(&key, Change::Report(stored)).await
}
