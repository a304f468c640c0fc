//! The Lambda handler: EventBridge Scheduler's monthly event -> the previous month's report.

use crate::job::{self, EmailWhen, Emailed, JobError, ReportStore, Settings};
use crate::ses::ReportMailer;
use chrono::{DateTime, Datelike, Utc};
use sarafan_core::YearMonth;
use serde::Deserialize;
use serde_json::{json, Value};

/// What the schedule sends: `{"force"?: bool, "month"?: "YYYY-MM"}`, or EventBridge's
/// scheduled-event shape, whose `time` is when it fired. Unknown fields are ignored.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ScheduleEvent {
    #[serde(default)]
    pub force: bool,
    #[serde(default)]
    pub month: Option<YearMonth>,
    #[serde(default)]
    pub time: Option<DateTime<Utc>>,
}

/// The month before the one `at` falls in, on the calendar of `tz`: the 1st at 08:00 in
/// Tokyo is still the last day of the month before in UTC, and reports that month's previous one.
pub fn previous_month(at: DateTime<Utc>, tz: chrono_tz::Tz) -> YearMonth {
    let local = at.with_timezone(&tz);
    YearMonth::new(local.year(), local.month())
        .expect("a calendar date has a valid month")
        .prev()
}

/// Handles one event; `now` is when the handler runs (the event's `time` wins when present).
pub async fn handle(
    store: &dyn ReportStore,
    mailer: &dyn ReportMailer,
    settings: &Settings,
    payload: Value,
    now: DateTime<Utc>,
) -> Result<Value, JobError> {
    let event: ScheduleEvent =
        serde_json::from_value(payload).map_err(|e| JobError::Config(format!("unreadable schedule event: {e}")))?;
    let month = event
        .month
        .unwrap_or_else(|| previous_month(event.time.unwrap_or(now), settings.timezone));
    let when = if event.force {
        EmailWhen::Always
    } else {
        EmailWhen::IfNotSent
    };
    let outcome = job::run(store, Some(mailer), settings, month, when).await?;
    let emailed = match outcome.emailed {
        Emailed::Sent { message_id } => json!({"sent": true, "message_id": message_id}),
        Emailed::AlreadySent { at } => json!({"sent": false, "already_sent_at": at}),
        Emailed::NotAsked => json!({"sent": false}),
    };
    Ok(json!({"month": month, "empty": outcome.report.empty, "email": emailed}))
}
