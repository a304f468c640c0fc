//! `sarafan digest [--week YYYY-Www] [--force]`: the weekly Slack digest, on demand.

use crate::error::{configuration, CliError};
use crate::store::open_existing_store;
use sarafan_core::clock::{Clock, SystemClock};
use sarafan_core::digest::IsoWeek;
use sarafan_core::settings::Vars;
use sarafan_reports::digest::{self, DigestError, DigestSettings};

/// Posts the week's digest (the last full week by default) unless it was posted before.
pub async fn run(vars: &Vars, week: Option<IsoWeek>, force: bool) -> Result<(), CliError> {
    let settings = DigestSettings::from_vars(vars).map_err(configuration)?;
    let now = SystemClock.now();
    let week = week.unwrap_or_else(|| IsoWeek::before(now, settings.timezone));
    // A week still under way would be recorded as posted and skipped by Monday's run.
    if week.bounds(settings.timezone).1 > now {
        return Err(CliError::Usage(format!(
            "{week} has not ended yet in {}: a digest sums up a whole week",
            settings.timezone.name()
        )));
    }
    let store = open_existing_store(vars).await?;
    match digest::run(store.as_ref(), &settings, week, force).await {
        Ok((posted, figures)) => {
            eprintln!(
                "{week}: {} answers, {} new detractors, {} mentions",
                figures.nps.total(),
                figures.detractors.len(),
                figures.brand_mentions
            );
            println!("{week}: {posted}");
            Ok(())
        }
        Err(e @ DigestError::Config(_)) => Err(CliError::Usage(e.to_string())),
        Err(e) => {
            let hint = if e.is_transient() {
                "nothing was recorded: run it again later"
            } else {
                "nothing was recorded: fix the cause, then run it again"
            };
            Err(CliError::Failure(anyhow::Error::new(e).context(hint)))
        }
    }
}
