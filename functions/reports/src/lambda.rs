//! The Lambda handler: EventBridge Scheduler's monthly event -> the previous month's report;
//! its weekly event (`"digest": true`) -> the previous week's Slack digest.

use crate::digest::{self, DigestError, DigestSettings, DigestStore, Posted};
use crate::job::{self, EmailWhen, Emailed, JobError, ReportStore, Settings};
use crate::ses::ReportMailer;
use chrono::{DateTime, Datelike, Utc};
use sarafan_core::clock::Clock;
use sarafan_core::digest::IsoWeek;
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

/// What the weekly schedule sends: `{"digest": true, "week"?: "YYYY-Www", "force"?: bool}`, or
/// with EventBridge's `time` instead of `week`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct DigestEvent {
    #[serde(default)]
    pub force: bool,
    #[serde(default)]
    pub week: Option<String>,
    #[serde(default)]
    pub time: Option<DateTime<Utc>>,
}

/// Is this the weekly digest's event (`"digest": true`) rather than the monthly report's?
pub fn is_digest(payload: &Value) -> bool {
    payload.get("digest").and_then(Value::as_bool) == Some(true)
}

/// Handles the weekly digest's event: the week named, or the week before the event's `time`
/// (or the clock's now) on the calendar of `REPORT_TIMEZONE`. A failure fails the invocation, so
/// the schedule's retry policy tries again; a week already posted is not posted again.
pub async fn handle_digest<S: DigestStore + ?Sized>(
    store: &S,
    settings: &DigestSettings,
    payload: Value,
    clock: &dyn Clock,
) -> Result<Value, DigestError> {
    let now = clock.now();
    let event: DigestEvent = serde_json::from_value(payload).map_err(DigestError::UnreadableEvent)?;
    let week = match event.week {
        Some(w) => w.parse::<IsoWeek>()?,
        None => IsoWeek::before(event.time.unwrap_or(now), settings.timezone),
    };
    // A week still under way would be recorded as posted and skipped by Monday's run.
    if week.bounds(settings.timezone).1 > now {
        return Err(DigestError::WeekNotOver(week));
    }
    let (posted, _) = digest::run(store, settings, week, event.force).await?;
    let posted = match posted {
        Posted::Posted { channel, ts } => json!({"posted": true, "channel": channel, "ts": ts}),
        Posted::AlreadyPosted => json!({"posted": false, "already_posted": true}),
        Posted::EmptyWeek => json!({"posted": false, "empty": true}),
        Posted::InFlight { claimant } => json!({"posted": false, "in_flight": claimant}),
    };
    Ok(json!({"week": week.to_string(), "digest": posted}))
}

/// Handles one event; `clock` says when the handler runs (the event's `time` wins when present).
pub async fn handle<S: ReportStore + ?Sized>(
    store: &S,
    mailer: &dyn ReportMailer,
    settings: &Settings,
    payload: Value,
    clock: &dyn Clock,
) -> Result<Value, JobError> {
    let event: ScheduleEvent = serde_json::from_value(payload).map_err(JobError::UnreadableEvent)?;
    let month = event
        .month
        .unwrap_or_else(|| previous_month(event.time.unwrap_or_else(|| clock.now()), settings.timezone));
    let when = if event.force {
        EmailWhen::Always
    } else {
        EmailWhen::IfNotSent
    };
    let outcome = job::run(store, Some(mailer), settings, month, when, clock).await?;
    let emailed = match outcome.emailed {
        Emailed::Sent { message_id } => json!({"sent": true, "message_id": message_id}),
        Emailed::AlreadySent { at } => json!({"sent": false, "already_sent_at": at}),
        Emailed::NotAsked => json!({"sent": false}),
    };
    Ok(json!({"month": month, "empty": outcome.report.empty, "email": emailed}))
}
