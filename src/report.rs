//! `sarafan report` and the report page the demo writes: compute, store, draw, and email on request.

use crate::error::CliError;
use crate::store::open_existing_store;
use anyhow::Context;
use sarafan_core::clock::{Clock, SystemClock};
use sarafan_core::report::MonthReport;
use sarafan_core::settings::Vars;
use sarafan_core::YearMonth;
use sarafan_reports::html::Images;
use sarafan_reports::job::{self, EmailWhen, Emailed, JobError, ReportStore, Settings};
use sarafan_reports::ses::{ReportMailer, SesMailer};
use std::path::{Path, PathBuf};

pub async fn report(vars: &Vars, month: YearMonth, out: &Path, email: bool) -> Result<(), CliError> {
    if month > YearMonth::of(SystemClock.now()) {
        return Err(CliError::Usage(format!("{month} is in the future")));
    }
    let settings = Settings::from_vars(vars).map_err(|e| CliError::Usage(e.to_string()))?;
    if email {
        settings.envelope().map_err(|e| CliError::Usage(e.to_string()))?;
    }
    let store = open_existing_store(vars).await?;
    let store = store.as_ref();
    let mailer = match email {
        true => Some(SesMailer::from_env().await),
        false => None,
    };
    // `--email` is the person asking again: it sends even if the schedule already did.
    let when = if email { EmailWhen::Always } else { EmailWhen::Never };
    let result = job::run(
        store,
        mailer.as_ref().map(|m| m as &dyn ReportMailer),
        &settings,
        month,
        when,
        &SystemClock,
    )
    .await;
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(JobError::FutureMonth(m)) => return Err(CliError::Usage(format!("{m} is in the future"))),
        Err(e @ JobError::Mail { .. }) => {
            // The report is stored; write its page too, so the run is not lost.
            if let Ok(report) = job::compute(store, month).await {
                let _ = write_page(&report, &settings, out);
            }
            return Err(CliError::Failure(e.into()));
        }
        Err(e) => return Err(CliError::Failure(anyhow::Error::new(e).context("reporting the month"))),
    };
    let path = write_page_with(&outcome.report, &outcome.charts, &settings, out)?;
    if let Emailed::Sent { message_id } = &outcome.emailed {
        eprintln!(
            "emailed the {month} report to {} (SES message {message_id})",
            settings.recipients.join(", ")
        );
    }
    println!("{}", path.display());
    Ok(())
}

/// Writes `out/report-YYYY-MM.html`: the email's HTML with its charts embedded as data URIs.
fn write_page_with(
    report: &MonthReport,
    charts: &[sarafan_reports::charts::Chart],
    settings: &Settings,
    out: &Path,
) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let path = out.join(format!("report-{}.html", report.month));
    let html = sarafan_reports::html::render(report, &settings.brand, settings.locale, Images::Embedded(charts));
    std::fs::write(&path, html).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

fn write_page(report: &MonthReport, settings: &Settings, out: &Path) -> anyhow::Result<PathBuf> {
    let charts = sarafan_reports::charts::render_all(report, settings.locale.labels()).context("drawing the charts")?;
    write_page_with(report, &charts, settings, out)
}

/// Computes, stores and writes the month's report as `out/report-YYYY-MM.html` (no email).
pub async fn write_report<S: ReportStore + ?Sized>(
    vars: &Vars,
    store: &S,
    month: YearMonth,
    out: &Path,
    brand: &str,
) -> anyhow::Result<PathBuf> {
    let mut settings = Settings::from_vars(vars).context("reading the report settings")?;
    settings.brand = brand.to_string();
    let outcome = job::run(store, None, &settings, month, EmailWhen::Never, &SystemClock)
        .await
        .context("computing and storing the report")?;
    write_page_with(&outcome.report, &outcome.charts, &settings, out)
}
