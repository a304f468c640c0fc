//! One run of the monthly report: compute, store, draw, and email unless already emailed.

use crate::charts::{self, Chart, ChartError};
use crate::i18n::Locale;
use crate::mail::{self, Envelope, MessageError};
use crate::ses::{MailError, ReportMailer};
use chrono::{DateTime, Utc};
use sarafan_core::clock::Clock;
use sarafan_core::ledger::Change;
use sarafan_core::model::StoredReport;
use sarafan_core::report::MonthReport;
use sarafan_core::settings::{ConfigError, Vars};
use sarafan_core::store::{ChangeWriter, StoreError};
use sarafan_core::YearMonth;

pub use crate::compute::ReportStore;

/// The report's settings, read once from the environment.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub brand: String,
    pub locale: Locale,
    pub timezone: chrono_tz::Tz,
    /// `REPORT_FROM`, needed only to email.
    pub from: Option<String>,
    /// `REPORT_RECIPIENTS`, comma-separated.
    pub recipients: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("no mailer was configured for this run")]
    NoMailer,
    #[error("unreadable schedule event: {0}")]
    UnreadableEvent(serde_json::Error),
    #[error("{0} is in the future: there is nothing to report yet")]
    FutureMonth(YearMonth),
    #[error("the store failed")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Chart(#[from] ChartError),
    #[error(transparent)]
    Message(#[from] MessageError),
    /// The report was stored; only the email failed.
    #[error("the report for {month} is stored, but the email failed")]
    Mail {
        month: YearMonth,
        #[source]
        source: MailError,
    },
}

impl Settings {
    /// Reads the report's variables (the host's, or a literal list in tests).
    pub fn from_vars(vars: &Vars) -> Result<Settings, ConfigError> {
        let timezone = match vars.get("REPORT_TIMEZONE") {
            Some(name) => name.parse().map_err(|_| {
                ConfigError::invalid("REPORT_TIMEZONE", format!("{name:?} is not an IANA time zone name"))
            })?,
            None => chrono_tz::UTC,
        };
        // The report names the brand as operators configured it: the first plain name of
        // SARAFAN_BRAND_TERMS (handles and tags are for matching, not for headings).
        let brand = vars
            .list("SARAFAN_BRAND_TERMS")
            .into_iter()
            .find(|t| !t.starts_with('@') && !t.starts_with('#'))
            .unwrap_or_else(|| "Sarafan".to_string());
        Ok(Settings {
            brand,
            locale: Locale::parse(vars.or("REPORT_LOCALE", "")),
            timezone,
            from: vars.string("REPORT_FROM"),
            recipients: vars.list("REPORT_RECIPIENTS"),
        })
    }

    pub fn envelope(&self) -> Result<Envelope, ConfigError> {
        let from = self
            .from
            .clone()
            .ok_or_else(|| ConfigError::not_set("REPORT_FROM", "the address the report is sent from"))?;
        if self.recipients.is_empty() {
            return Err(ConfigError::not_set(
                "REPORT_RECIPIENTS",
                "a comma list of addresses to send the report to",
            ));
        }
        Ok(Envelope {
            from,
            to: self.recipients.clone(),
        })
    }
}

/// When to send the email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailWhen {
    Never,
    /// Unless the stored report says it was already sent (the scheduled run).
    IfNotSent,
    /// Even if it was sent before (`--email`, or `force` in the event).
    Always,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Emailed {
    NotAsked,
    Sent { message_id: String },
    AlreadySent { at: chrono::DateTime<Utc> },
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub report: MonthReport,
    pub charts: Vec<Chart>,
    pub emailed: Emailed,
}

pub use crate::compute::{compute, EXAMPLE_READ_LIMIT};

/// Reports `month`: computes, stores (replacing an earlier run), draws, and emails per `when`.
/// `clock` says which months are over and stamps the stored report. A refused email leaves the
/// stored report in place and answers [`JobError::Mail`].
pub async fn run<S: ReportStore + ?Sized>(
    store: &S,
    mailer: Option<&dyn ReportMailer>,
    settings: &Settings,
    month: YearMonth,
    when: EmailWhen,
    clock: &dyn Clock,
) -> Result<Outcome, JobError> {
    if month > YearMonth::of(clock.now()) {
        return Err(JobError::FutureMonth(month));
    }
    let report = compute(store, month).await?;
    let charts = charts::render_all(&report, settings.locale.labels())?;
    crate::compute::save(store, &report, clock.now()).await?;
    let previously = store.report(month, None).await?.and_then(|r| r.emailed_at);
    let emailed = match (when, previously) {
        (EmailWhen::Never, _) => Emailed::NotAsked,
        (EmailWhen::IfNotSent, Some(at)) => Emailed::AlreadySent { at },
        _ => {
            let envelope = settings.envelope()?;
            let mailer = mailer.ok_or(JobError::NoMailer)?;
            let raw = mail::build(&report, &settings.brand, settings.locale, &charts, &envelope)?;
            let message_id = mailer
                .send_raw(&envelope.from, &envelope.to, raw)
                .await
                .map_err(|source| JobError::Mail { month, source })?;
            mark_emailed(store, &report, clock.now()).await?;
            tracing::info!(month = %month, message_id = %message_id, "report emailed");
            Emailed::Sent { message_id }
        }
    };
    Ok(Outcome {
        report,
        charts,
        emailed,
    })
}

async fn mark_emailed<S: ChangeWriter + ?Sized>(
    store: &S,
    report: &MonthReport,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let body = serde_json::to_value(report).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let stored = StoredReport {
        month: report.month,
        brand: None,
        created_at: now,
        emailed_at: Some(now),
        body,
    };
    let key = format!(
        "report-emailed:{}:{}",
        report.month,
        now.timestamp_nanos_opt().unwrap_or_default()
    );
    store.apply(&key, Change::Report(stored)).await.map(drop)
}
