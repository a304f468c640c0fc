//! The weekly Slack digest: the week's figures from its records, and the one Block Kit message.
//!
//! Weeks are ISO weeks (`2026-W49`, Monday to Sunday) on the calendar of `REPORT_TIMEZONE`; the
//! scheduled run is Monday 09:00 there and sums up the week that just ended.

use crate::model::{Alert, AlertKind, AlertStatus, Mention, Response, Sentiment};
use crate::nps::{Category, NpsSummary};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use serde_json::{json, Value};
use std::fmt;
use std::str::FromStr;

/// Local hour of the Monday run.
pub const HOUR: u32 = 9;
/// How many of the week's detractors and kudos the message lists by name.
pub const LISTED: usize = 5;
/// How many kudos the message quotes.
pub const TOP_KUDOS: usize = 3;

/// An ISO week, `YYYY-Www`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek {
    year: i32,
    week: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad week {0:?}: expected an ISO week YYYY-Www, e.g. 2026-W49")]
pub struct BadWeek(pub String);

impl IsoWeek {
    pub fn new(year: i32, week: u32) -> Option<IsoWeek> {
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).map(|_| IsoWeek { year, week })
    }

    /// The week `date` falls in.
    pub fn of(date: NaiveDate) -> IsoWeek {
        let w = date.iso_week();
        IsoWeek {
            year: w.year(),
            week: w.week(),
        }
    }

    pub fn monday(self) -> NaiveDate {
        NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Mon).expect("checked when made")
    }

    pub fn prev(self) -> IsoWeek {
        IsoWeek::of(self.monday() - Duration::days(7))
    }

    /// `[Monday 00:00, next Monday 00:00)` local time in `tz`, as UTC instants.
    pub fn bounds(self, tz: chrono_tz::Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let at = |d: NaiveDate| {
            let midnight = d.and_hms_opt(0, 0, 0).expect("midnight exists");
            // A zone that skips midnight (DST at 00:00) starts the day at its first instant.
            tz.from_local_datetime(&midnight)
                .earliest()
                .unwrap_or_else(|| tz.from_utc_datetime(&midnight))
                .with_timezone(&Utc)
        };
        (at(self.monday()), at(self.monday() + Duration::days(7)))
    }

    /// The week before the one `at` falls in, on `tz`'s calendar (what a Monday run reports).
    pub fn before(at: DateTime<Utc>, tz: chrono_tz::Tz) -> IsoWeek {
        IsoWeek::of(at.with_timezone(&tz).date_naive()).prev()
    }
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-W{:02}", self.year, self.week)
    }
}

impl FromStr for IsoWeek {
    type Err = BadWeek;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadWeek(s.to_string());
        let (year, week) = s.trim().split_once("-W").ok_or_else(bad)?;
        if year.len() != 4 || week.len() != 2 {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let week: u32 = week.parse().map_err(|_| bad())?;
        IsoWeek::new(year, week).ok_or_else(bad)
    }
}

/// The first Monday 09:00 local time in `tz` strictly after `now`.
pub fn next_run(now: DateTime<Utc>, tz: chrono_tz::Tz) -> DateTime<Utc> {
    let today = now.with_timezone(&tz).date_naive();
    let mut monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    loop {
        let at = monday.and_hms_opt(HOUR, 0, 0).expect("09:00 exists");
        if let Some(run) = tz.from_local_datetime(&at).earliest().map(|t| t.with_timezone(&Utc)) {
            if run > now {
                return run;
            }
        }
        monday += Duration::days(7);
    }
}

/// A detractor of the week: their score and comment, who claimed the alert, and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct DetractorLine {
    pub score: Option<u8>,
    pub comment: Option<String>,
    pub claimed_by: Option<String>,
    pub status: AlertStatus,
}

/// The week's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekDigest {
    pub week: IsoWeek,
    pub nps: NpsSummary,
    /// Detractor alerts raised this week, oldest first.
    pub detractors: Vec<DetractorLine>,
    /// Of them, not resolved yet (open or claimed).
    pub still_open: usize,
    /// Of them, claimed by no one yet.
    pub unclaimed: usize,
    /// Alerts that ask for action (detractors, negative mentions) raised before the week, among
    /// the records read (its month, or two), and still not resolved.
    pub earlier_open: usize,
    pub brand_mentions: u64,
    pub negative_mentions: u64,
    pub spikes: u64,
    /// Praise shared this week, longest first (long-form praise says most).
    pub kudos: Vec<String>,
}

impl WeekDigest {
    /// Nothing happened: no answers, mentions or alerts.
    pub fn is_empty(&self) -> bool {
        self.nps.total() == 0
            && self.detractors.is_empty()
            && self.brand_mentions == 0
            && self.spikes == 0
            && self.kudos.is_empty()
    }
}

/// The week's figures from records read around it (anything outside `[start, end)` is ignored):
/// answers, alerts raised and mentions heard. Alerts name their subject (a response or a
/// mention) by id; the detractors' scores and the kudos' words are looked up in the records given.
pub fn week_digest(
    week: IsoWeek,
    tz: chrono_tz::Tz,
    responses: &[Response],
    mentions: &[Mention],
    alerts: &[Alert],
) -> WeekDigest {
    let (start, end) = week.bounds(tz);
    let within = |at: &DateTime<Utc>| *at >= start && *at < end;
    let week_responses: Vec<&Response> = responses.iter().filter(|r| within(&r.submitted_at)).collect();
    let nps = NpsSummary::from_scores(week_responses.iter().map(|r| r.score));
    let response = |id: &str| responses.iter().find(|r| r.id == id);
    let mention = |id: &str| mentions.iter().find(|m| m.id == id);
    let mut week_alerts: Vec<&Alert> = alerts.iter().filter(|a| within(&a.created_at)).collect();
    week_alerts.sort_by_key(|a| (a.created_at, a.id.clone()));
    let detractors: Vec<DetractorLine> = week_alerts
        .iter()
        .filter(|a| a.kind == AlertKind::Detractor)
        .map(|a| {
            let r = response(&a.subject_id);
            DetractorLine {
                score: r.map(|r| r.score.value()),
                comment: r.and_then(|r| r.comment.clone()).filter(|c| !c.trim().is_empty()),
                claimed_by: a.claimed_by.clone(),
                status: a.status,
            }
        })
        .collect();
    let still_open = detractors.iter().filter(|d| d.status != AlertStatus::Resolved).count();
    let unclaimed = detractors.iter().filter(|d| d.status == AlertStatus::Open).count();
    let earlier_open = alerts
        .iter()
        .filter(|a| a.created_at < start && a.status != AlertStatus::Resolved)
        .filter(|a| matches!(a.kind, AlertKind::Detractor | AlertKind::NegativeMention))
        .count();
    let mut kudos: Vec<String> = week_alerts
        .iter()
        .filter(|a| a.kind == AlertKind::Kudos)
        .filter_map(|a| {
            response(&a.subject_id)
                .and_then(|r| r.comment.clone())
                .or_else(|| mention(&a.subject_id).map(|m| m.text.clone()))
        })
        .filter(|t| !t.trim().is_empty())
        .collect();
    kudos.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
    kudos.truncate(TOP_KUDOS);
    let brand: Vec<&Mention> = mentions
        .iter()
        .filter(|m| !m.competitor && within(&m.created_at))
        .collect();
    WeekDigest {
        week,
        nps,
        still_open,
        unclaimed,
        earlier_open,
        detractors,
        brand_mentions: brand.len() as u64,
        negative_mentions: brand.iter().filter(|m| m.sentiment == Sentiment::Negative).count() as u64,
        spikes: week_alerts.iter().filter(|a| a.kind == AlertKind::Spike).count() as u64,
        kudos,
    }
}

/// Text for Slack's mrkdwn: `&`, `<` and `>` are its control characters.
fn mrkdwn(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// At most `max` characters, cut on a character boundary.
fn clip(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>().trim_end())
    }
}

/// A Slack user id as a mention (`<@U0ANNA>`); anything else as plain text.
fn who(claimant: &str) -> String {
    let slack_id = claimant.len() > 1
        && claimant.starts_with(['U', 'W'])
        && claimant.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if slack_id {
        format!("<@{claimant}>")
    } else {
        mrkdwn(claimant)
    }
}

/// The month's report a digest links to (`crate::report_link`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLink {
    pub month: crate::YearMonth,
    pub url: String,
}

/// The message: `(text, blocks)`, `text` being the notification and the fallback for `blocks`
/// (Block Kit: `header`, `section` with `mrkdwn` text, `context`; docs.slack.dev/reference/block-kit/blocks).
/// With `report`, a section links to that month's report before the closing context line.
pub fn message(d: &WeekDigest, brand: &str, tz: chrono_tz::Tz, report: Option<&ReportLink>) -> (String, Value) {
    let monday = d.week.monday();
    let sunday = monday + Duration::days(6);
    let days = format!("{} – {}", monday.format("%-d %b"), sunday.format("%-d %b %Y"));
    let nps = match (d.nps.nps(), d.nps.margin_95()) {
        (Some(nps), Some(margin)) => format!("NPS *{nps:+.0}* ± {margin:.0}"),
        _ => "no NPS (no answers)".to_string(),
    };
    let answers = d.nps.total();
    let caution = if answers > 0 && answers < crate::nps_change::MIN_ANSWERS {
        " (few answers: the margin is wide)"
    } else {
        ""
    };
    let split = format!(
        "promoters {} · passives {} · detractors {}",
        d.nps.count(Category::Promoter),
        d.nps.count(Category::Passive),
        d.nps.count(Category::Detractor)
    );
    let mut detractors = format!(
        "*New detractors: {}* (still open: {}, claimed by no one: {})",
        d.detractors.len(),
        d.still_open,
        d.unclaimed
    );
    for line in d.detractors.iter().take(LISTED) {
        let score = line.score.map(|s| format!("{s}/10")).unwrap_or_else(|| "–".into());
        let comment = line
            .comment
            .as_deref()
            .map(|c| format!(" “{}”", mrkdwn(&clip(c, 120))))
            .unwrap_or_default();
        let state = match (&line.claimed_by, line.status) {
            (_, AlertStatus::Resolved) => format!(
                "resolved{}",
                line.claimed_by
                    .as_deref()
                    .map(|c| format!(" by {}", who(c)))
                    .unwrap_or_default()
            ),
            (Some(c), _) => format!("claimed by {}, open", who(c)),
            (None, _) => "*not claimed*".to_string(),
        };
        detractors.push_str(&format!("\n• {score}{comment}: {state}"));
    }
    if d.detractors.len() > LISTED {
        detractors.push_str(&format!("\n…and {} more", d.detractors.len() - LISTED));
    }
    if d.earlier_open > 0 {
        detractors.push_str(&format!(
            "\nAlerts still open from earlier this month: {}",
            d.earlier_open
        ));
    }
    let listening = format!(
        "*Mentions: {}* ({} negative); negative spikes: {}",
        d.brand_mentions, d.negative_mentions, d.spikes
    );
    let kudos = if d.kudos.is_empty() {
        "*Kudos*: none this week".to_string()
    } else {
        let quotes: Vec<String> = d.kudos.iter().map(|k| format!("> {}", mrkdwn(&clip(k, 200)))).collect();
        format!("*Kudos*\n{}", quotes.join("\n"))
    };
    let title = format!("{} — week {} ({days})", clip(brand, 60), d.week);
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": title, "emoji": true}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("*{answers} answers*, {nps}{caution}\n{split}")}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": detractors}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": listening}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": kudos}}),
    ];
    if let Some(report) = report {
        // Slack's link syntax `<url|label>`; the signed URL holds no `|` or `>`.
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("*Monthly report*: <{}|{} report>", report.url, report.month)}}));
    }
    blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": format!("Weekly digest by Sarafan; weeks run Monday to Sunday in {}", tz.name())}]}));
    let blocks = Value::Array(blocks);
    let text = format!(
        "{} week {}: {answers} answers, {}, new detractors {} ({} still open), mentions {}",
        clip(brand, 60),
        d.week,
        nps.replace('*', ""),
        d.detractors.len(),
        d.still_open,
        d.brand_mentions
    );
    (text, blocks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Platform;
    use crate::nps::Score;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn weeks_parse_print_and_cover_monday_to_monday_local_time() {
        let w: IsoWeek = "2026-W49".parse().unwrap();
        assert_eq!(w.to_string(), "2026-W49");
        assert_eq!(w.monday(), NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        // Prague in winter is UTC+1: the week starts Sunday 23:00Z
        assert_eq!(
            w.bounds(chrono_tz::Europe::Prague),
            (at("2026-11-29T23:00:00Z"), at("2026-12-06T23:00:00Z"))
        );
        // 2026 has 53 ISO weeks, 2025 52; week 1 of 2027 starts 4 January
        assert!("2026-W53".parse::<IsoWeek>().is_ok());
        assert!("2025-W53".parse::<IsoWeek>().is_err());
        assert_eq!("2027-W01".parse::<IsoWeek>().unwrap().prev().to_string(), "2026-W53");
        for bad in ["2026-49", "2026-W4", "26-W49", "2026-W00", "next week"] {
            let err = bad.parse::<IsoWeek>().unwrap_err();
            assert!(err.to_string().contains("YYYY-Www"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_run_is_monday_nine_local_time_and_reports_the_week_before() {
        let tz = chrono_tz::Europe::Prague;
        // Sunday 6 December 2026 noon: next Monday 7 December 09:00 CET = 08:00Z
        let run = next_run(at("2026-12-06T12:00:00Z"), tz);
        assert_eq!(run, at("2026-12-07T08:00:00Z"));
        assert_eq!(IsoWeek::before(run, tz).to_string(), "2026-W49");
        // At the very minute of a run, the next one is a week later
        assert_eq!(next_run(run, tz), at("2026-12-14T08:00:00Z"));
        // Just before it, it is that morning's
        assert_eq!(next_run(at("2026-12-07T07:59:59Z"), tz), run);
        // Summer time (CEST, UTC+2): Monday 6 July 2026 09:00 local = 07:00Z
        assert_eq!(next_run(at("2026-07-01T00:00:00Z"), tz), at("2026-07-06T07:00:00Z"));
        // Auckland's Monday 09:00 is Sunday 20:00Z: the week before is still the local one
        let nz = chrono_tz::Pacific::Auckland;
        let run = next_run(at("2026-12-06T12:00:00Z"), nz);
        assert_eq!(run, at("2026-12-06T20:00:00Z"));
        assert_eq!(IsoWeek::before(run, nz).to_string(), "2026-W49");
    }

    fn response(id: &str, score: i64, comment: Option<&str>, when: &str) -> Response {
        Response {
            id: id.into(),
            customer_id: format!("c-{id}"),
            platform: Platform::Telegram,
            score: Score::new(score).unwrap(),
            comment: comment.map(str::to_string),
            locale: None,
            submitted_at: at(when),
            brand: None,
        }
    }

    fn alert(id: &str, kind: AlertKind, subject: &str, status: AlertStatus, by: Option<&str>, when: &str) -> Alert {
        Alert {
            id: id.into(),
            kind,
            subject_id: subject.into(),
            status,
            claimed_by: by.map(str::to_string),
            created_at: at(when),
            claimed_at: None,
            resolved_at: None,
            message: None,
        }
    }

    #[test]
    fn the_digest_counts_only_the_week_and_names_who_claimed_what() {
        let tz = chrono_tz::UTC;
        let week: IsoWeek = "2026-W49".parse().unwrap();
        let responses = vec![
            response("r1", 10, Some("Anna was wonderful"), "2026-11-30T10:00:00Z"),
            response("r2", 3, Some("Waited two hours"), "2026-12-01T10:00:00Z"),
            response("r3", 6, None, "2026-12-06T23:59:59Z"),
            response("r0", 0, None, "2026-11-29T23:59:59Z"), // the week before
        ];
        let alerts = vec![
            alert(
                "a2",
                AlertKind::Detractor,
                "r2",
                AlertStatus::Claimed,
                Some("U0ANNA"),
                "2026-12-01T10:00:01Z",
            ),
            alert(
                "a3",
                AlertKind::Detractor,
                "r3",
                AlertStatus::Open,
                None,
                "2026-12-06T23:59:59Z",
            ),
            alert(
                "a0",
                AlertKind::Detractor,
                "r0",
                AlertStatus::Open,
                None,
                "2026-11-29T23:59:59Z",
            ),
            alert(
                "k1",
                AlertKind::Kudos,
                "r1",
                AlertStatus::Open,
                None,
                "2026-11-30T10:00:01Z",
            ),
        ];
        let d = week_digest(week, tz, &responses, &[], &alerts);
        // 1 promoter, 2 detractors of 3: NPS -33.3
        assert_eq!(d.nps.total(), 3);
        assert_eq!(d.detractors.len(), 2);
        assert_eq!((d.still_open, d.unclaimed), (2, 1));
        // r0's alert, raised the Sunday before and still open, is counted as earlier
        assert_eq!(d.earlier_open, 1);
        assert_eq!(d.kudos, ["Anna was wonderful"]);
        let (text, blocks) = message(&d, "Brightside", tz, None);
        assert_eq!(
            text,
            "Brightside week 2026-W49: 3 answers, NPS -33 ± 107, new detractors 2 (2 still open), mentions 0"
        );
        let detractors = blocks[2]["text"]["text"].as_str().unwrap();
        assert_eq!(
            detractors,
            "*New detractors: 2* (still open: 2, claimed by no one: 1)\n\
             • 3/10 “Waited two hours”: claimed by <@U0ANNA>, open\n\
             • 6/10: *not claimed*\n\
             Alerts still open from earlier this month: 1"
        );
        assert_eq!(blocks.as_array().unwrap().len(), 6, "no link without one");
        assert!(!blocks.to_string().contains("/reports/"));
        let link = ReportLink {
            month: "2026-11".parse().unwrap(),
            url: "https://wom.example.com/reports/2026-11/sig".into(),
        };
        let (_, linked) = message(&d, "Brightside", tz, Some(&link));
        assert_eq!(
            linked[5],
            json!({"type": "section", "text": {"type": "mrkdwn", "text": "*Monthly report*: <https://wom.example.com/reports/2026-11/sig|2026-11 report>"}})
        );
        assert_eq!(linked[6]["type"], "context");
        assert_eq!(linked.as_array().unwrap().len(), 7);
        assert!(!d.is_empty());
        assert!(week_digest(week.prev().prev(), tz, &responses, &[], &alerts).is_empty());
    }

    #[test]
    fn slack_control_characters_in_comments_are_escaped() {
        assert_eq!(mrkdwn("<!channel> & co"), "&lt;!channel&gt; &amp; co");
        assert_eq!(who("<!here>"), "&lt;!here&gt;");
        assert_eq!(clip("abcdef", 4), "abc…");
    }
}
