//! One run of the weekly Slack digest: read the week's records, post one message, once a week.
//!
//! "Once" is kept by the store, in both stores the same way: a send claim on `effect:digest:{week}`
//! (only one run may post at a time), then the effect record under that key once Slack accepted
//! the message. A second run, or a redelivered schedule event, finds the record and posts nothing.

use chrono::Datelike;
use chrono::{DateTime, Utc};
use sarafan_core::chat::{ChatError, SlackClient};
use sarafan_core::clock::Clock;
use sarafan_core::digest::{self, BadWeek, IsoWeek, ReportLink, WeekDigest};
use sarafan_core::model::{Alert, AlertKind, Mention, Response};
use sarafan_core::report_link;
use sarafan_core::settings::{ConfigError, Vars};
use sarafan_core::store::{
    EffectLog, MentionReader, Record, RecordKind, RecordLister, ReportReader, ResponseReader, SendClaim, SendGuard,
    StoreError,
};
use sarafan_core::survey_link::LinkSecrets;
use sarafan_core::YearMonth;
use std::time::Duration;

/// How long a run that claimed the week may take to post before another may try.
pub const CLAIM_STALE_AFTER: Duration = Duration::from_secs(600);
/// Page size of the week's reads.
const PAGE: usize = 500;

/// The digest's settings, read once from the environment.
#[derive(Debug, Clone)]
pub struct DigestSettings {
    pub brand: String,
    pub timezone: chrono_tz::Tz,
    /// `SLACK_DIGEST_CHANNEL`, or `SLACK_ALERT_CHANNEL` when that is not set.
    pub channel: Option<String>,
    /// Built from `SLACK_BOT_TOKEN` (the first of a comma list) and `SLACK_API_URL`.
    pub slack: Option<SlackClient>,
    /// `SARAFAN_PUBLIC_URL` and `SARAFAN_LINK_SECRET`: with both, the digest links to the month's
    /// report (`GET /reports/{YYYY-MM}/{signature}`); without either, it carries no link.
    pub report_links: Option<ReportLinks>,
}

/// What signs the digest's link to a report.
#[derive(Debug, Clone)]
pub struct ReportLinks {
    /// Without its trailing slash.
    pub public_url: String,
    pub secrets: LinkSecrets,
}

#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("unreadable digest event: {0}")]
    UnreadableEvent(serde_json::Error),
    #[error(transparent)]
    Week(#[from] BadWeek),
    /// A week still under way would be recorded as posted and skipped by Monday's run.
    #[error("{0} has not ended yet: a digest sums up a whole week")]
    WeekNotOver(IsoWeek),
    #[error("the store failed")]
    Store(#[from] StoreError),
    /// Slack did not take the message; nothing was recorded, so the week can be posted later.
    #[error("the digest for {week} was not posted: {source}")]
    Slack {
        week: IsoWeek,
        #[source]
        source: ChatError,
    },
}

impl DigestError {
    /// Worth trying again later (Slack rate limited or unavailable, the store unreachable), as
    /// opposed to a setting or a refusal that needs a person (`channel_not_found`).
    pub fn is_transient(&self) -> bool {
        match self {
            DigestError::Slack { source, .. } => source.is_transient(),
            DigestError::Store(e) => e.is_transient(),
            DigestError::Config(_)
            | DigestError::UnreadableEvent(_)
            | DigestError::Week(_)
            | DigestError::WeekNotOver(_) => false,
        }
    }

    /// The wait Slack asked for, if it named one (`Retry-After` on a 429).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            DigestError::Slack { source, .. } => source.retry_after(),
            _ => None,
        }
    }
}

impl DigestSettings {
    /// Reads the digest's variables (the host's, or a literal list in tests).
    pub fn from_vars(vars: &Vars) -> Result<DigestSettings, ConfigError> {
        let report = crate::job::Settings::from_vars(vars)?;
        let slack = vars.secrets("SLACK_BOT_TOKEN").map(|token| {
            let base = vars.or("SLACK_API_URL", sarafan_core::chat::slack::DEFAULT_API_URL);
            SlackClient::new(sarafan_core::chat::http_client(), base.to_string(), token.first())
        });
        let public_url = vars.http_url("SARAFAN_PUBLIC_URL")?;
        let report_links = match (public_url, vars.get("SARAFAN_LINK_SECRET").and_then(LinkSecrets::parse)) {
            (Some(public_url), Some(secrets)) => Some(ReportLinks { public_url, secrets }),
            _ => None,
        };
        Ok(DigestSettings {
            brand: report.brand,
            timezone: report.timezone,
            channel: vars
                .string("SLACK_DIGEST_CHANNEL")
                .or_else(|| vars.string("SLACK_ALERT_CHANNEL")),
            slack,
            report_links,
        })
    }
}

/// What a run came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Posted {
    Posted {
        channel: String,
        ts: String,
    },
    /// This week's digest was posted before (by this run's schedule, a retry, or by hand).
    AlreadyPosted,
    /// Nothing happened this week, and no one asked for a digest anyway.
    EmptyWeek,
    /// Another run claimed the week a moment ago and may be posting it now.
    InFlight {
        claimant: String,
    },
}

impl std::fmt::Display for Posted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Posted::Posted { channel, ts } => write!(f, "posted to {channel} (ts {ts})"),
            Posted::AlreadyPosted => f.write_str("already posted; not posted again"),
            Posted::EmptyWeek => f.write_str("nothing happened this week; nothing posted (--force posts it anyway)"),
            Posted::InFlight { claimant } => write!(f, "another run ({claimant}) is posting it"),
        }
    }
}

/// The ports the weekly digest uses: the week's records and the answers and mentions its alerts
/// name, the stored reports it links to, and the effect log and send claim that post it once.
pub trait DigestStore: RecordLister + ResponseReader + MentionReader + ReportReader + EffectLog + SendGuard {}

impl<T: RecordLister + ResponseReader + MentionReader + ReportReader + EffectLog + SendGuard + ?Sized> DigestStore
    for T
{
}

/// The key the week's post is recorded under (and claimed by).
pub fn effect_key(week: IsoWeek) -> String {
    format!("effect:digest:{week}")
}

/// Every record of `kind` stored in the months `[start, end)` touches.
async fn read_months<S: RecordLister + ?Sized>(
    store: &S,
    kind: RecordKind,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<Record>, StoreError> {
    let mut records = Vec::new();
    let last = YearMonth::of(end - chrono::Duration::seconds(1));
    let mut month = YearMonth::of(start);
    while month <= last {
        let mut after: Option<String> = None;
        loop {
            let page = store.list(kind, Some(month), after.as_deref(), PAGE).await?;
            records.extend(page.records);
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        month = month.next();
    }
    Ok(records)
}

/// The week's figures from the store: its answers, mentions and alerts (the records of the one
/// or two months the week touches), plus the subjects of its alerts stored before it began.
pub async fn compute<S: RecordLister + ResponseReader + MentionReader + ?Sized>(
    store: &S,
    week: IsoWeek,
    tz: chrono_tz::Tz,
) -> Result<WeekDigest, StoreError> {
    let (start, end) = week.bounds(tz);
    let mut responses: Vec<Response> = read_months(store, RecordKind::Responses, start, end)
        .await?
        .into_iter()
        .filter_map(|r| match r {
            Record::Response(r) => Some(r),
            _ => None,
        })
        .collect();
    let mut mentions: Vec<Mention> = read_months(store, RecordKind::Mentions, start, end)
        .await?
        .into_iter()
        .filter_map(|r| match r {
            Record::Mention(m) => Some(m),
            _ => None,
        })
        .collect();
    let alerts: Vec<Alert> = read_months(store, RecordKind::Alerts, start, end)
        .await?
        .into_iter()
        .filter_map(|r| match r {
            // Those raised before the week count as "still open from earlier".
            Record::Alert(a) if a.created_at < end => Some(a),
            _ => None,
        })
        .collect();
    // An answer given late on Sunday of the month before may have its alert this week.
    for alert in alerts.iter().filter(|a| a.created_at >= start) {
        let id = alert.subject_id.as_str();
        match alert.kind {
            AlertKind::Detractor | AlertKind::Kudos if !responses.iter().any(|r| r.id == id) => {
                if let Some(r) = store.response(id).await? {
                    responses.push(r);
                } else if alert.kind == AlertKind::Kudos && !mentions.iter().any(|m| m.id == id) {
                    mentions.extend(store.mention(id).await?);
                }
            }
            _ => {}
        }
    }
    Ok(digest::week_digest(week, tz, &responses, &mentions, &alerts))
}

/// The report the digest of `week` links to: the month holding the week's Sunday (in `tz`) when
/// its report is stored, else the month before's (a month's report is stored once it is over, so
/// mid-month that is the last finished month), else none.
pub async fn report_link<S: ReportReader + ?Sized>(
    store: &S,
    links: &ReportLinks,
    week: IsoWeek,
    tz: chrono_tz::Tz,
) -> Result<Option<ReportLink>, StoreError> {
    let (_, end) = week.bounds(tz);
    let sunday = (end - chrono::Duration::seconds(1)).with_timezone(&tz).date_naive();
    let month = YearMonth::new(sunday.year(), sunday.month())
        .ok_or_else(|| StoreError::Corrupt(format!("{week} has no month")))?;
    for month in [month, month.prev()] {
        if store.report(month, None).await?.is_some() {
            return Ok(Some(ReportLink {
                month,
                url: report_link::url(&links.public_url, &links.secrets, month),
            }));
        }
    }
    Ok(None)
}

/// Posts `week`'s digest once. An empty week is posted only with `force`; a week already posted
/// is never posted again. When Slack does not take it, nothing is recorded and the error says
/// whether to try later ([`DigestError::is_transient`]).
pub async fn run<S: DigestStore + ?Sized>(
    store: &S,
    settings: &DigestSettings,
    week: IsoWeek,
    force: bool,
) -> Result<(Posted, WeekDigest), DigestError> {
    let slack = settings
        .slack
        .as_ref()
        .ok_or_else(|| ConfigError::not_set("SLACK_BOT_TOKEN", "the digest is posted to Slack"))?;
    let channel = settings.channel.as_deref().ok_or_else(|| ConfigError {
        name: "SLACK_DIGEST_CHANNEL",
        reason: "(or SLACK_ALERT_CHANNEL) is not set: the channel the digest goes to".into(),
    })?;
    let key = effect_key(week);
    let figures = compute(store, week, settings.timezone).await?;
    if store.effect_done(&key).await? {
        return Ok((Posted::AlreadyPosted, figures));
    }
    if figures.is_empty() && !force {
        return Ok((Posted::EmptyWeek, figures));
    }
    let claimant = format!(
        "digest-{}-{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    );
    if let SendClaim::InFlight { claimant } = store.claim_send(&key, &claimant, CLAIM_STALE_AFTER).await? {
        return Ok((Posted::InFlight { claimant }, figures));
    }
    // Whoever held the claim before us may have posted and recorded it before letting go.
    if store.effect_done(&key).await? {
        store.release_send(&key, &claimant).await?;
        return Ok((Posted::AlreadyPosted, figures));
    }
    let link = match &settings.report_links {
        Some(links) => match report_link(store, links, week, settings.timezone).await {
            Ok(link) => link,
            Err(e) => {
                store.release_send(&key, &claimant).await?;
                return Err(e.into());
            }
        },
        None => None,
    };
    let (text, blocks) = digest::message(&figures, &settings.brand, settings.timezone, link.as_ref());
    let posted = match slack.post_message(channel, &text, Some(&blocks)).await {
        Ok(message) => message,
        Err(source) => {
            store.release_send(&key, &claimant).await?;
            return Err(DigestError::Slack { week, source });
        }
    };
    store.mark_effect_done(&key).await?;
    store.release_send(&key, &claimant).await?;
    tracing::info!(week = %week, channel = %posted.channel, ts = %posted.ts, "weekly digest posted");
    Ok((
        Posted::Posted {
            channel: posted.channel,
            ts: posted.ts,
        },
        figures,
    ))
}

/// Runs forever for `sarafan serve`: sleeps on `clock` until each Monday 09:00 in
/// `REPORT_TIMEZONE`, then posts the week before. When Slack is unavailable it tries again every
/// `retry` (up to three times, as EventBridge Scheduler retries the Lambda); a refusal is logged
/// and left for a person.
pub async fn run_forever<S: DigestStore + ?Sized>(
    store: &S,
    settings: &DigestSettings,
    retry: Duration,
    clock: &dyn Clock,
) {
    loop {
        let at = digest::next_run(clock.now(), settings.timezone);
        tracing::info!(next_run = %at, "weekly digest scheduled");
        clock.sleep_until(at).await;
        run_scheduled(store, settings, at, retry).await;
    }
}

/// The scheduled run at `at`: the week before, with up to three retries of a transient failure.
pub async fn run_scheduled<S: DigestStore + ?Sized>(
    store: &S,
    settings: &DigestSettings,
    at: DateTime<Utc>,
    retry: Duration,
) {
    let week = IsoWeek::before(at, settings.timezone);
    for attempt in 0..4 {
        match run(store, settings, week, false).await {
            Ok((posted, _)) => {
                tracing::info!(week = %week, outcome = %posted, "weekly digest done");
                return;
            }
            Err(e) if e.is_transient() && attempt < 3 => {
                let wait = e.retry_after().unwrap_or_default().max(retry);
                tracing::warn!(week = %week, error = %e, wait_s = wait.as_secs(), "weekly digest failed; trying again later");
                tokio::time::sleep(wait).await;
            }
            Err(e) => {
                tracing::error!(week = %week, error = %e, "weekly digest failed");
                return;
            }
        }
    }
}
