//! sarafan-reports: the monthly report, read from the aggregates, stored, drawn and emailed.

pub mod charts;
pub mod digest;
pub mod figures;
pub mod html;
pub mod i18n;
pub mod job;
pub mod lambda;
pub mod mail;
pub mod schedule;
pub mod ses;

use chrono::{DateTime, Utc};
use sarafan_core::ledger::{Applied, Change};
use sarafan_core::model::StoredReport;
use sarafan_core::report::{month_report, months_loaded, MonthReport, MonthlyCounters};
use sarafan_core::store::{AggregateReader, ChangeWriter, StoreError};
use sarafan_core::YearMonth;

/// Reads the counters a month's report needs ([`months_loaded`]: twelve months and the two before
/// them). Reads grow with months, never with records.
pub async fn load_counters(store: &dyn AggregateReader, month: YearMonth) -> Result<MonthlyCounters, StoreError> {
    let mut counters = MonthlyCounters::new();
    for m in months_loaded(month) {
        counters.insert(m, store.counters(m).await?);
    }
    Ok(counters)
}

/// Computes the month's report from the aggregates.
pub async fn compute(store: &dyn AggregateReader, month: YearMonth) -> Result<MonthReport, StoreError> {
    Ok(month_report(month, &load_counters(store, month).await?))
}

/// Stores the report made at `now`, replacing an earlier run of the same month.
pub async fn save(store: &dyn ChangeWriter, report: &MonthReport, now: DateTime<Utc>) -> Result<Applied, StoreError> {
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
