//! The weekly Slack digest against a recording Slack server: the exact chat.postMessage body,
//! posted once per week (run twice, redelivered, or retried after Slack failed), on SQLite through
//! `sarafan digest`, in-process, and on DynamoDB Local.

// Only the emulator's start and invoke are used here.
#[allow(dead_code)]
#[path = "support/lambda_emulator.rs"]
mod lambda_emulator;
#[path = "support/slack.rs"]
mod slack;

use chrono::{DateTime, Utc};
use sarafan_core::chat::{Pacer, RetryPolicy, SlackClient};
use sarafan_core::digest::IsoWeek;
use sarafan_core::ledger::{AlertAction, Change};
use sarafan_core::model::{Alert, AlertKind, AlertStatus, Mention, Platform, Response, Sentiment};
use sarafan_core::settings::Vars;
use sarafan_core::store::dynamodb::fresh_table;
use sarafan_core::store::sqlite::SqliteStore;
use sarafan_core::store::{ChangeWriter, EffectLog};
use sarafan_core::Score;
use sarafan_reports::digest::{self, effect_key, DigestError, DigestSettings, Posted};
use serde_json::{json, Value};
use slack::{posts, slack_accepting, web_api_fixture};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CHANNEL: &str = "C0DIGEST";
const TOKEN: &str = "xoxb-digest-test";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn response(id: &str, score: i64, comment: Option<&str>, when: &str) -> Response {
    Response {
        id: id.into(),
        customer_id: format!("cust-{id}"),
        platform: Platform::Telegram,
        score: Score::new(score).unwrap(),
        comment: comment.map(str::to_string),
        locale: Some("en".into()),
        submitted_at: at(when),
        brand: None,
    }
}

fn mention(id: &str, text: &str, sentiment: Sentiment, competitor: bool, when: &str) -> Mention {
    Mention {
        id: id.into(),
        source: "reddit".into(),
        text: text.into(),
        url: Some(format!("https://reddit.example/{id}")),
        author: None,
        lang: Some("en".into()),
        sentiment,
        matched_terms: vec!["Brightside".into()],
        competitor,
        created_at: at(when),
    }
}

fn alert(id: &str, kind: AlertKind, subject: &str, when: &str) -> Alert {
    Alert {
        id: id.into(),
        kind,
        subject_id: subject.into(),
        status: AlertStatus::Open,
        claimed_by: None,
        created_at: at(when),
        claimed_at: None,
        resolved_at: None,
        message: None,
    }
}

/// Week 2026-W11 (Monday 9 to Sunday 15 March 2026) and a day of the week before it.
async fn fill(store: &dyn ChangeWriter) {
    let responses = [
        response(
            "r1",
            10,
            Some("Anna explained everything about the car"),
            "2026-03-10T12:00:00Z",
        ),
        response("r2", 3, Some("Waited two hours for the car"), "2026-03-11T09:00:00Z"),
        response("r3", 8, None, "2026-03-12T15:00:00Z"),
        response("r0", 2, Some("Last week's complaint"), "2026-03-08T20:00:00Z"),
    ];
    for r in responses {
        let key = format!("test:{}", r.id);
        store
            .apply(
                &key,
                Change::Response {
                    response: r,
                    survey: None,
                },
            )
            .await
            .unwrap();
    }
    for m in [
        mention(
            "m1",
            "Brightside kept me waiting all morning",
            Sentiment::Negative,
            false,
            "2026-03-13T08:00:00Z",
        ),
        mention(
            "m2",
            "Brightside fixed it the same day",
            Sentiment::Positive,
            false,
            "2026-03-14T08:00:00Z",
        ),
        mention(
            "m3",
            "Rival Motors is fine",
            Sentiment::Positive,
            true,
            "2026-03-14T09:00:00Z",
        ),
    ] {
        let key = format!("test:{}", m.id);
        store.apply(&key, Change::Mention(m)).await.unwrap();
    }
    for a in [
        alert("det-r0", AlertKind::Detractor, "r0", "2026-03-08T20:00:05Z"),
        alert("det-r2", AlertKind::Detractor, "r2", "2026-03-11T09:00:05Z"),
        alert("kudos-r1", AlertKind::Kudos, "r1", "2026-03-10T12:00:05Z"),
        alert("spike-1", AlertKind::Spike, "m1", "2026-03-13T08:00:05Z"),
    ] {
        let key = format!("test:{}", a.id);
        store.apply(&key, Change::Alert(a)).await.unwrap();
    }
    store
        .apply(
            "test:claim",
            Change::AlertAction {
                alert_id: "det-r2".into(),
                action: AlertAction::Claim,
                by: "U0ANNA".into(),
                at: at("2026-03-11T09:10:00Z"),
            },
        )
        .await
        .unwrap();
}

/// The message for 2026-W11, worked out by hand from the records above: 3 answers in the week
/// (10, 3, 8: one of each category, NPS 0, margin 1.96 * 100 * sqrt((2/3 - 0) / 3) = 92.4);
/// one new detractor (r2; r0's alert was the week before, and is still open from earlier),
/// claimed by U0ANNA and not resolved;
/// the brand's 2 mentions (the competitor's is not ours), 1 negative; 1 spike; r1's kudos.
fn expected_w11() -> Value {
    json!({
        "channel": CHANNEL,
        "text": "Brightside week 2026-W11: 3 answers, NPS +0 ± 92, new detractors 1 (1 still open), mentions 2",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Brightside — week 2026-W11 (9 Mar – 15 Mar 2026)", "emoji": true}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*3 answers*, NPS *+0* ± 92 (few answers: the margin is wide)\npromoters 1 · passives 1 · detractors 1"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*New detractors: 1* (still open: 1, claimed by no one: 0)\n• 3/10 “Waited two hours for the car”: claimed by <@U0ANNA>, open\nAlerts still open from earlier this month: 1"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Mentions: 2* (1 negative); negative spikes: 1"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Kudos*\n> Anna explained everything about the car"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "Weekly digest by Sarafan; weeks run Monday to Sunday in UTC"}]}
        ]
    })
}

/// The settings as read from the variables: the digest goes to SLACK_ALERT_CHANNEL when
/// SLACK_DIGEST_CHANNEL is not set.
fn settings(slack: &MockServer, tz: &str) -> DigestSettings {
    let vars = [
        ("SARAFAN_BRAND_TERMS", "@brightside,Brightside".to_string()),
        ("REPORT_TIMEZONE", tz.to_string()),
        ("SLACK_BOT_TOKEN", format!("{TOKEN},xoxb-next")),
        ("SLACK_API_URL", slack.uri()),
        ("SLACK_ALERT_CHANNEL", CHANNEL.to_string()),
    ];
    let mut settings = DigestSettings::from_vars(&Vars::from_pairs(vars.iter().cloned())).unwrap();
    assert_eq!(settings.channel.as_deref(), Some(CHANNEL));
    settings.slack = settings.slack.map(|c: SlackClient| {
        c.with_retry(RetryPolicy::quick(Duration::from_millis(300)))
            .with_pacer(Pacer::unpaced())
    });
    settings
}

fn week(s: &str) -> IsoWeek {
    s.parse().unwrap()
}

fn sarafan(args: &[&str], db: &Path, slack: &MockServer) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sarafan"))
        .args(args)
        .env_remove("SARAFAN_STORE")
        .env_remove("RUST_LOG")
        .env_remove("REPORT_TIMEZONE")
        .env_remove("SLACK_ALERT_CHANNEL")
        .env("SARAFAN_DB", db)
        .env("SARAFAN_BRAND_TERMS", "Brightside,@brightside")
        .env("SLACK_BOT_TOKEN", TOKEN)
        .env("SLACK_API_URL", slack.uri())
        .env("SLACK_DIGEST_CHANNEL", CHANNEL)
        .output()
        .expect("run sarafan")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test]
async fn sarafan_digest_posts_the_week_once_on_sqlite_even_when_run_twice() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sarafan.db");
    fill(&SqliteStore::open(&db).unwrap()).await;
    let slack = slack_accepting().await;
    // WHEN the digest of 2026-W11 is asked for twice
    let first = sarafan(&["digest", "--week", "2026-W11"], &db, &slack);
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(stdout(&first), "2026-W11: posted to C1H9RESGL (ts 1503435956.000247)\n");
    let second = sarafan(&["digest", "--week", "2026-W11"], &db, &slack);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(stdout(&second), "2026-W11: already posted; not posted again\n");
    // THEN Slack got exactly one chat.postMessage, with the hand-computed body and the bot token
    let requests = slack.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "one call to Slack in all");
    assert_eq!(
        requests[0].headers.get("authorization").unwrap(),
        &format!("Bearer {TOKEN}")
    );
    assert_eq!(posts(&slack).await, [expected_w11()]);
}

#[tokio::test]
async fn an_empty_week_posts_nothing_unless_forced_and_then_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sarafan.db");
    fill(&SqliteStore::open(&db).unwrap()).await;
    let slack = slack_accepting().await;
    // 2026-W05 (26 January - 1 February) has no records
    let quiet = sarafan(&["digest", "--week", "2026-W05"], &db, &slack);
    assert!(quiet.status.success(), "{}", stderr(&quiet));
    assert!(stdout(&quiet).contains("nothing happened this week; nothing posted"));
    assert!(posts(&slack).await.is_empty());
    // --force posts it, once
    for _ in 0..2 {
        let forced = sarafan(&["digest", "--week", "2026-W05", "--force"], &db, &slack);
        assert!(forced.status.success(), "{}", stderr(&forced));
    }
    let sent = posts(&slack).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0]["text"],
        "Brightside week 2026-W05: 0 answers, no NPS (no answers), new detractors 0 (0 still open), mentions 0"
    );
}

#[tokio::test]
async fn a_bad_or_unfinished_week_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sarafan.db");
    fill(&SqliteStore::open(&db).unwrap()).await;
    let slack = slack_accepting().await;
    let bad = sarafan(&["digest", "--week", "2026-49"], &db, &slack);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("expected an ISO week YYYY-Www"),
        "{}",
        stderr(&bad)
    );
    let this_week = IsoWeek::of(Utc::now().date_naive()).to_string();
    let early = sarafan(&["digest", "--week", &this_week], &db, &slack);
    assert_eq!(early.status.code(), Some(2));
    assert!(stderr(&early).contains("has not ended yet"), "{}", stderr(&early));
    assert!(posts(&slack).await.is_empty());
}

#[tokio::test]
async fn slack_refusing_or_unavailable_records_nothing_and_a_later_run_posts_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("sarafan.db")).unwrap();
    fill(&store).await;
    let w11 = week("2026-W11");
    // Slack refuses (ok:false, channel_not_found): a permanent error naming Slack's reason
    let refusing = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat.postMessage"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(web_api_fixture("chat_postMessage_channel_not_found.json")),
        )
        .mount(&refusing)
        .await;
    let err = digest::run(&store, &settings(&refusing, "UTC"), w11, false)
        .await
        .unwrap_err();
    assert!(
        matches!(err, DigestError::Slack { .. }) && !err.is_transient(),
        "{err:?}"
    );
    assert!(err.source_text().contains("channel_not_found"), "{err:?}");
    assert_eq!(posts(&refusing).await.len(), 1, "a refusal is not retried");
    // Slack unavailable (503 beyond the retry budget): transient, try later
    let down = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat.postMessage"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&down)
        .await;
    let err = digest::run(&store, &settings(&down, "UTC"), w11, false)
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    // Nothing was recorded, so the next run posts it, and only once
    assert!(!store.effect_done(&effect_key(w11)).await.unwrap());
    let slack = slack_accepting().await;
    for _ in 0..2 {
        digest::run(&store, &settings(&slack, "UTC"), w11, false).await.unwrap();
    }
    assert_eq!(posts(&slack).await, [expected_w11()]);
}

#[tokio::test]
async fn the_monday_run_posts_the_week_before_after_a_rate_limit_and_a_redelivery_posts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("sarafan.db")).unwrap();
    fill(&store).await;
    // Slack rate limits the first post (429, Retry-After 0), then accepts
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat.postMessage"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/chat.postMessage"))
        .respond_with(ResponseTemplate::new(200).set_body_json(web_api_fixture("chat_postMessage_ok.json")))
        .with_priority(2)
        .mount(&slack)
        .await;
    // The clock: Monday 16 March 2026 09:00 in Prague (08:00Z) is the run after Sunday's noon
    let mut settings = settings(&slack, "Europe/Prague");
    let run = sarafan_core::digest::next_run(at("2026-03-15T12:00:00Z"), settings.timezone);
    assert_eq!(run, at("2026-03-16T08:00:00Z"));
    // No retry inside the client: the schedule's own retry takes the 429
    settings.slack = settings.slack.map(|c| c.with_retry(RetryPolicy::none()));
    digest::run_scheduled(&store, &settings, run, Duration::from_millis(10)).await;
    // AND the schedule's event delivered again changes nothing
    digest::run_scheduled(&store, &settings, run, Duration::from_millis(10)).await;
    let sent = posts(&slack).await;
    assert_eq!(sent.len(), 2, "the rate-limited attempt and the one that went through");
    assert_eq!(sent[0], sent[1]);
    assert!(sent[1]["text"]
        .as_str()
        .unwrap()
        .starts_with("Brightside week 2026-W11: 3 answers"));
    assert!(store.effect_done(&effect_key(week("2026-W11"))).await.unwrap());
}

#[tokio::test]
async fn on_dynamodb_the_week_is_claimed_recorded_and_posted_once() {
    let store = fresh_table("sarafan-digest").await;
    fill(&store).await;
    let slack = slack_accepting().await;
    let settings = settings(&slack, "UTC");
    let w11 = week("2026-W11");
    // Two runs at once (a schedule and a person), then a third
    let (a, b) = tokio::join!(
        digest::run(&store, &settings, w11, false),
        digest::run(&store, &settings, w11, false)
    );
    let outcomes = [a.unwrap().0, b.unwrap().0];
    assert_eq!(
        outcomes.iter().filter(|p| matches!(p, Posted::Posted { .. })).count(),
        1,
        "{outcomes:?}"
    );
    let (again, _) = digest::run(&store, &settings, w11, false).await.unwrap();
    assert_eq!(again, Posted::AlreadyPosted);
    assert_eq!(posts(&slack).await, [expected_w11()]);
    let store: &dyn EffectLog = &store;
    assert!(store.effect_done(&effect_key(w11)).await.unwrap());
}

trait SourceText {
    fn source_text(&self) -> String;
}

impl SourceText for DigestError {
    /// The error and its causes on one line.
    fn source_text(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        text
    }
}

#[tokio::test]
async fn the_reports_function_takes_the_weekly_schedule_event() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("sarafan.db")).unwrap();
    fill(&store).await;
    let slack = slack_accepting().await;
    let settings = settings(&slack, "Europe/Prague");
    // template.yaml's DigestSchedule input, as EventBridge Scheduler fills it in on Monday 09:00
    let event = json!({"digest": true, "time": "2026-03-16T08:00:00Z"});
    assert!(sarafan_reports::lambda::is_digest(&event));
    let answer = sarafan_reports::lambda::handle_digest(&store, &settings, event.clone(), &Utc::now)
        .await
        .unwrap();
    assert_eq!(answer["week"], "2026-W11");
    assert_eq!(answer["digest"]["posted"], true);
    // A retry of the same event posts nothing more
    let again = sarafan_reports::lambda::handle_digest(&store, &settings, event, &Utc::now)
        .await
        .unwrap();
    assert_eq!(again["digest"], json!({"posted": false, "already_posted": true}));
    assert_eq!(posts(&slack).await.len(), 1);
    // The monthly event is not the digest's
    assert!(!sarafan_reports::lambda::is_digest(
        &json!({"time": "2026-04-01T06:00:00Z"})
    ));
    // A week not over yet in the digest's time zone is refused, and nothing is posted for it
    // (the week of today in Prague: on a Sunday after 23:00 UTC, UTC's week has already ended
    // there)
    let this_week = IsoWeek::of(Utc::now().with_timezone(&settings.timezone).date_naive()).to_string();
    let early = json!({"digest": true, "week": this_week, "force": true});
    let err = sarafan_reports::lambda::handle_digest(&store, &settings, early, &Utc::now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("has not ended yet"), "{err}");
    assert_eq!(posts(&slack).await.len(), 1);
}

#[tokio::test]
async fn the_built_reports_function_posts_the_week_once_on_the_scheduler_event_over_dynamodb() {
    use lambda_emulator::{binary, local_aws_env, Function};
    let store = fresh_table("sarafan-digest-fn").await;
    let table = store.table().to_string();
    fill(&store).await;
    let slack = slack_accepting().await;
    let mut vars = local_aws_env();
    vars.extend([
        ("RUST_LOG", "warn".to_string()),
        ("SARAFAN_TABLE", table.clone()),
        ("SARAFAN_BRAND_TERMS", "Brightside".into()),
        ("SLACK_BOT_TOKEN", TOKEN.into()),
        ("SLACK_API_URL", slack.uri()),
        ("SLACK_DIGEST_CHANNEL", CHANNEL.into()),
    ]);
    let path = binary(
        "sarafan-reports",
        "run `cargo test --workspace` (or `cargo build --workspace`) first",
    );
    let mut reports = Function::start("sarafan-reports", Command::new(path), &vars).await;
    // template.yaml's DigestSchedule input with the placeholder filled in: Monday 09:00 UTC,
    // delivered, then delivered again (a Scheduler retry)
    let event = json!({"digest": true, "time": "2026-03-16T09:00:00Z"});
    let first = reports.invoke(event.clone()).await.answered();
    assert_eq!(first["week"], "2026-W11", "{first}");
    assert_eq!(first["digest"]["posted"], true, "{first}");
    let again = reports.invoke(event).await.answered();
    assert_eq!(again["digest"]["already_posted"], true, "{again}");
    assert_eq!(posts(&slack).await, [expected_w11()]);
}
