//! A report run over a real SQLite store: figures from records written through the store,
//! storing, idempotent emailing, SES refusals and the schedule's month.

use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};
use sarafan_core::clock::{Clock, SetClock};
use sarafan_core::ledger::{AlertAction, Change};
use sarafan_core::model::*;
use sarafan_core::settings::Vars;
use sarafan_core::store::sqlite::SqliteStore;
use sarafan_core::store::{ChangeWriter, ReportReader};
use sarafan_core::{Score, YearMonth};
use sarafan_reports::job::{self, EmailWhen, Emailed, JobError, Settings};
use sarafan_reports::lambda;
use sarafan_reports::ses::{MailError, ReportMailer};
use std::sync::Mutex;

/// One message as the mailer was handed it: from, to, raw MIME.
type Sent = (String, Vec<String>, Vec<u8>);

/// Records what would have been sent; refuses when told to, as SES does an unverified sender.
#[derive(Default)]
struct FakeMailer {
    sent: Mutex<Vec<Sent>>,
    refuse: bool,
}

#[async_trait]
impl ReportMailer for FakeMailer {
    async fn send_raw(&self, from: &str, to: &[String], raw: Vec<u8>) -> Result<String, MailError> {
        if self.refuse {
            return Err(MailError::Rejected {
                code: "MessageRejected".into(),
                reason: format!("Email address is not verified: {from}"),
            });
        }
        let mut sent = self.sent.lock().unwrap();
        sent.push((from.to_string(), to.to_vec(), raw));
        Ok(format!("fake-{}", sent.len()))
    }
}

fn settings() -> Settings {
    Settings::from_vars(&Vars::from_pairs([
        ("REPORT_FROM", "reports@brightside.example"),
        (
            "REPORT_RECIPIENTS",
            "owner@brightside.example, marketing@brightside.example",
        ),
        ("REPORT_LOCALE", "ru"),
    ]))
    .unwrap()
}

fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, minute, 0).unwrap()
}

const MARCH: &str = "2026-03";

/// A small March: answers 10, 9, 7, 3 (one comment each but the passive's), a detractor alert
/// claimed after 12 minutes and resolved after 150, a second alert claimed after 40 minutes.
async fn fixture_store(dir: &std::path::Path) -> SqliteStore {
    let store = SqliteStore::open(dir.join("sarafan.db")).unwrap();
    let answers = [
        (
            "r1",
            10,
            Some("Anna explained everything and the car was ready on time"),
        ),
        ("r2", 9, Some("Friendly team, honest price")),
        ("r3", 7, None),
        ("r4", 3, Some("Waited two hours and nobody came")),
    ];
    for (i, (id, score, comment)) in answers.into_iter().enumerate() {
        let response = Response {
            id: id.into(),
            customer_id: format!("c{i}"),
            platform: Platform::Telegram,
            score: Score::new(score).unwrap(),
            comment: None,
            locale: Some("en".into()),
            submitted_at: at(3 + i as u32, 10, 0),
            brand: None,
        };
        let change = Change::Response { response, survey: None };
        store.apply(&format!("resp-{id}"), change).await.unwrap();
        if let Some(text) = comment {
            let change = Change::Comment {
                response_id: id.into(),
                customer_id: format!("c{i}"),
                comment: text.into(),
                survey: None,
            };
            store.apply(&format!("comment-{id}"), change).await.unwrap();
        }
    }
    for (id, claim_after, resolve_after) in [("a1", 12, Some(150)), ("a2", 40, None)] {
        let raised = at(6, 9, 0);
        let alert = Alert {
            id: id.into(),
            kind: AlertKind::Detractor,
            subject_id: "r4".into(),
            status: AlertStatus::Open,
            claimed_by: None,
            created_at: raised,
            claimed_at: None,
            resolved_at: None,
            message: None,
        };
        store.apply(&format!("alert-{id}"), Change::Alert(alert)).await.unwrap();
        let claim = Change::AlertAction {
            alert_id: id.into(),
            action: AlertAction::Claim,
            by: "U0ANNA".into(),
            at: raised + Duration::minutes(claim_after),
        };
        store.apply(&format!("claim-{id}"), claim).await.unwrap();
        if let Some(after) = resolve_after {
            let resolve = Change::AlertAction {
                alert_id: id.into(),
                action: AlertAction::Resolve,
                by: "U0ANNA".into(),
                at: raised + Duration::minutes(after),
            };
            store.apply(&format!("resolve-{id}"), resolve).await.unwrap();
        }
    }
    store
}

#[tokio::test]
async fn figures_from_records_written_through_the_store_match_hand_computation() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path()).await;
    let report = job::compute(&store, MARCH.parse().unwrap()).await.unwrap();
    // 2 promoters, 1 passive, 1 detractor of 4: NPS = 50 - 25 = 25;
    // margin = 1.96 * 100 * sqrt((0.5 + 0.25 - 0.0625) / 4) = 1.96 * 41.4578 = 81.257
    assert!((report.nps.nps.unwrap() - 25.0).abs() < 1e-9);
    assert!((report.nps.margin_95.unwrap() - 81.257).abs() < 1e-3);
    // Themes counted by the Comment branch at write time: promoters' staff in both comments (100%),
    // on time in one (50%); the detractor's waiting, with its quote
    let promoters = &report.reasons[0];
    assert_eq!(promoters.comments, 2);
    let staff = promoters.themes.iter().find(|t| t.theme.as_str() == "staff").unwrap();
    assert_eq!((staff.comments, staff.share), (2, Some(1.0)));
    let detractors = &report.reasons[2];
    assert_eq!(detractors.themes[0].quotes, ["Waited two hours and nobody came"]);
    // Claims after 12 and 40 minutes: buckets (10,15] and (30,45]; rank 1 ends (10,15]: 15 minutes
    let lp = &report.closing_the_loop;
    assert_eq!((lp.raised, lp.claimed, lp.resolved), (2, 2, 1));
    assert!((lp.median_minutes_to_claim.unwrap().minutes - 15.0).abs() < 1e-9);
    // One resolution after 150 minutes: bucket (120,180], rank 0.5 -> 120 + 60 * 0.5 = 150
    assert!((lp.median_minutes_to_resolve.unwrap().minutes - 150.0).abs() < 1e-9);
}

#[tokio::test]
async fn the_schedule_emails_once_and_force_sends_again_while_the_report_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path()).await;
    let mailer = FakeMailer::default();
    let month: YearMonth = MARCH.parse().unwrap();
    let first = job::run(
        &store,
        Some(&mailer),
        &settings(),
        month,
        EmailWhen::IfNotSent,
        &Utc::now,
    )
    .await
    .unwrap();
    assert_eq!(
        first.emailed,
        Emailed::Sent {
            message_id: "fake-1".into()
        }
    );
    let stored = store.report(month, None).await.unwrap().unwrap();
    let emailed_at = stored.emailed_at.expect("the stored report remembers the email");
    assert_eq!(stored.body["nps"]["responses"], 4);
    // A late answer arrives; the re-run replaces the stored report but does not email again
    let late = Response {
        id: "r5".into(),
        customer_id: "c9".into(),
        platform: Platform::Web,
        score: Score::new(10).unwrap(),
        comment: None,
        locale: None,
        submitted_at: at(28, 12, 0),
        brand: None,
    };
    store
        .apply(
            "late",
            Change::Response {
                response: late,
                survey: None,
            },
        )
        .await
        .unwrap();
    let again = job::run(
        &store,
        Some(&mailer),
        &settings(),
        month,
        EmailWhen::IfNotSent,
        &Utc::now,
    )
    .await
    .unwrap();
    assert_eq!(again.emailed, Emailed::AlreadySent { at: emailed_at });
    assert_eq!(
        store.report(month, None).await.unwrap().unwrap().body["nps"]["responses"],
        5
    );
    assert_eq!(mailer.sent.lock().unwrap().len(), 1);
    // Forced: sent a second time, to both recipients, from REPORT_FROM
    let forced = job::run(&store, Some(&mailer), &settings(), month, EmailWhen::Always, &Utc::now)
        .await
        .unwrap();
    assert_eq!(
        forced.emailed,
        Emailed::Sent {
            message_id: "fake-2".into()
        }
    );
    let sent = mailer.sent.lock().unwrap();
    assert_eq!(sent[1].0, "reports@brightside.example");
    assert_eq!(sent[1].1, ["owner@brightside.example", "marketing@brightside.example"]);
    let raw = String::from_utf8_lossy(&sent[1].2);
    assert!(raw.contains("multipart/related") && raw.contains("text/csv"));
}

#[tokio::test]
async fn a_refused_email_fails_with_the_reason_and_keeps_the_stored_report() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path()).await;
    let mailer = FakeMailer {
        refuse: true,
        ..Default::default()
    };
    let month: YearMonth = MARCH.parse().unwrap();
    let err = job::run(&store, Some(&mailer), &settings(), month, EmailWhen::Always, &Utc::now)
        .await
        .unwrap_err();
    let JobError::Mail { source, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(source
        .to_string()
        .contains("Email address is not verified: reports@brightside.example"));
    let stored = store.report(month, None).await.unwrap().expect("the report is kept");
    assert_eq!(stored.emailed_at, None);
    // The Lambda handler fails the invocation the same way
    let event = serde_json::json!({"month": MARCH, "force": true});
    assert!(lambda::handle(&store, &mailer, &settings(), event, &Utc::now)
        .await
        .is_err());
}

#[tokio::test]
async fn a_future_month_is_refused_and_an_empty_month_still_reports() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("sarafan.db")).unwrap();
    let next = YearMonth::of(Utc::now()).next();
    let err = job::run(&store, None, &settings(), next, EmailWhen::Never, &Utc::now)
        .await
        .unwrap_err();
    assert!(matches!(err, JobError::FutureMonth(m) if m == next));
    let empty = job::run(
        &store,
        None,
        &settings(),
        "2026-01".parse().unwrap(),
        EmailWhen::Never,
        &Utc::now,
    )
    .await
    .unwrap();
    assert!(empty.report.empty);
    assert_eq!(empty.charts.len(), 6);
}

#[tokio::test]
async fn the_scheduled_event_reports_the_previous_month_in_the_report_time_zone() {
    // 08:00 on 1 April in Tokyo is still 31 March in UTC: Tokyo's previous month is March
    let fired = Utc.with_ymd_and_hms(2026, 3, 31, 23, 0, 0).unwrap();
    assert_eq!(
        lambda::previous_month(fired, chrono_tz::Asia::Tokyo).to_string(),
        "2026-03"
    );
    assert_eq!(lambda::previous_month(fired, chrono_tz::UTC).to_string(), "2026-02");
    // January reports December of the year before
    let jan = Utc.with_ymd_and_hms(2027, 1, 1, 8, 0, 0).unwrap();
    assert_eq!(
        lambda::previous_month(jan, chrono_tz::Europe::Prague).to_string(),
        "2026-12"
    );
    // EventBridge's scheduled-event shape: its `time` decides the month; emailed once
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path()).await;
    let mailer = FakeMailer::default();
    let event: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/eventbridge-scheduled-event.json")).unwrap();
    let out = lambda::handle(&store, &mailer, &settings(), event.clone(), &Utc::now)
        .await
        .unwrap();
    assert_eq!(out["month"], MARCH);
    assert_eq!(out["email"]["sent"], true);
    let out = lambda::handle(&store, &mailer, &settings(), event, &Utc::now)
        .await
        .unwrap();
    assert_eq!(out["email"]["sent"], false);
    assert_eq!(mailer.sent.lock().unwrap().len(), 1);
}

/// The month under way is the future for the report whatever the wall clock says: with the clock
/// set to the last minute of March, April is refused, March is reported, and the stored report
/// and its email mark carry the clock's time.
#[tokio::test]
async fn with_a_set_clock_the_month_under_way_is_the_limit_and_the_report_carries_the_clocks_time() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path()).await;
    let mailer = FakeMailer::default();
    let clock = SetClock::at(at(31, 23, 59));
    let april: YearMonth = "2026-04".parse().unwrap();
    let err = job::run(&store, Some(&mailer), &settings(), april, EmailWhen::Always, &clock)
        .await
        .unwrap_err();
    assert!(matches!(err, JobError::FutureMonth(m) if m == april), "{err:?}");
    let march: YearMonth = MARCH.parse().unwrap();
    let outcome = job::run(&store, Some(&mailer), &settings(), march, EmailWhen::IfNotSent, &clock)
        .await
        .unwrap();
    assert!(matches!(outcome.emailed, Emailed::Sent { .. }), "{:?}", outcome.emailed);
    let stored = store.report(march, None).await.unwrap().unwrap();
    assert_eq!(stored.emailed_at, Some(at(31, 23, 59)));
    assert_eq!(stored.created_at, at(31, 23, 59));
}

/// The schedule sleeps on its clock until the 1st at 08:00 in REPORT_TIMEZONE, then reports the
/// month before: with a set clock on 15 March it wakes at 1 April 08:00 and emails March's report.
#[tokio::test]
async fn with_a_set_clock_the_monthly_schedule_wakes_on_the_first_and_reports_the_month_before() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path()).await;
    let mailer = FakeMailer::default();
    let clock = SetClock::at(at(15, 12, 0));
    let ran = sarafan_reports::schedule::run_next(&store, &mailer, &settings(), &clock).await;
    let april_first = Utc.with_ymd_and_hms(2026, 4, 1, 8, 0, 0).unwrap();
    assert_eq!(ran, april_first);
    assert_eq!(clock.now(), april_first);
    let march: YearMonth = MARCH.parse().unwrap();
    assert!(store.report(march, None).await.unwrap().unwrap().emailed_at.is_some());
    assert_eq!(mailer.sent.lock().unwrap().len(), 1);
}
