//! The monthly schedule for hosts without EventBridge (`sarafan serve`): the 1st at 08:00 in
//! `REPORT_TIMEZONE`, reporting the month before, exactly as the Lambda's scheduled event does.

use crate::job::{ReportStore, Settings};
use crate::lambda;
use crate::ses::ReportMailer;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use sarafan_core::clock::Clock;

/// Local hour of the monthly run.
pub const HOUR: u32 = 8;

/// The first run strictly after `now`: the 1st of a month at 08:00 local time in `tz`.
pub fn next_run(now: DateTime<Utc>, tz: chrono_tz::Tz) -> DateTime<Utc> {
    let local = now.with_timezone(&tz);
    let this_month = NaiveDate::from_ymd_opt(local.year(), local.month(), 1).expect("the 1st exists");
    let mut candidate = this_month;
    loop {
        let at = candidate.and_hms_opt(HOUR, 0, 0).expect("08:00 exists");
        // earliest(): 08:00 is never in a DST gap in practice, but a zone may still skip it.
        if let Some(run) = tz.from_local_datetime(&at).earliest().map(|t| t.with_timezone(&Utc)) {
            if run > now {
                return run;
            }
        }
        candidate = candidate
            .checked_add_months(chrono::Months::new(1))
            .expect("months within chrono's range");
    }
}

/// Runs forever: sleeps on `clock` until each monthly run, then reports the previous month
/// (emailing once). A failed run is logged; the stored report, if any, stays, and the next month
/// runs as usual.
pub async fn run_forever<S: ReportStore + ?Sized>(
    store: &S,
    mailer: &dyn ReportMailer,
    settings: &Settings,
    clock: &dyn Clock,
) {
    loop {
        run_next(store, mailer, settings, clock).await;
    }
}

/// Sleeps on `clock` until the next monthly run, then runs it; answers when it ran.
pub async fn run_next<S: ReportStore + ?Sized>(
    store: &S,
    mailer: &dyn ReportMailer,
    settings: &Settings,
    clock: &dyn Clock,
) -> DateTime<Utc> {
    {
        let at = next_run(clock.now(), settings.timezone);
        tracing::info!(next_run = %at, "monthly report scheduled");
        clock.sleep_until(at).await;
        let event = serde_json::json!({ "time": at });
        match lambda::handle(store, mailer, settings, event, clock).await {
            Ok(outcome) => tracing::info!(%outcome, "monthly report done"),
            Err(e) => tracing::error!(error = %e, "monthly report failed"),
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_run_is_the_first_at_eight_local_time() {
        let now = Utc.with_ymd_and_hms(2026, 3, 15, 12, 0, 0).unwrap();
        // UTC: 1 April 08:00Z
        assert_eq!(
            next_run(now, chrono_tz::UTC),
            Utc.with_ymd_and_hms(2026, 4, 1, 8, 0, 0).unwrap()
        );
        // Prague on 1 April is on summer time (UTC+2): 06:00Z
        assert_eq!(
            next_run(now, chrono_tz::Europe::Prague),
            Utc.with_ymd_and_hms(2026, 4, 1, 6, 0, 0).unwrap()
        );
        // Just before this month's run it is today's; just after, next month's
        let before = Utc.with_ymd_and_hms(2026, 3, 1, 7, 59, 0).unwrap();
        assert_eq!(
            next_run(before, chrono_tz::UTC),
            Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap()
        );
        let after = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        assert_eq!(
            next_run(after, chrono_tz::UTC),
            Utc.with_ymd_and_hms(2027, 1, 1, 8, 0, 0).unwrap()
        );
    }

    #[test]
    fn the_run_reports_the_month_before_on_the_local_calendar() {
        // Tokyo's run on 1 April 08:00 local is 31 March 23:00Z: it reports March
        let run = next_run(
            Utc.with_ymd_and_hms(2026, 3, 20, 0, 0, 0).unwrap(),
            chrono_tz::Asia::Tokyo,
        );
        assert_eq!(run, Utc.with_ymd_and_hms(2026, 3, 31, 23, 0, 0).unwrap());
        assert_eq!(
            lambda::previous_month(run, chrono_tz::Asia::Tokyo).to_string(),
            "2026-03"
        );
    }
}
