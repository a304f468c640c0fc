//! Listening alerts in-process: a real SQLite store, the outreach handler and a recorded Slack API.

use chrono::{DateTime, Duration, Utc};
use sarafan_core::chat::{Pacer, RetryPolicy, SlackClient};
use sarafan_core::clock::SetClock;
use sarafan_core::ledger::Change;
use sarafan_core::listening::TermSet;
use sarafan_core::model::*;
use sarafan_core::store::sqlite::SqliteStore;
use sarafan_core::store::{AlertReader, ChangeFeed, ChangeWriter, RecordKind, RecordLister};
use sarafan_outreach::{handle_entry, ChatClients, Handled, Outreach, OutreachConfig, Templates};
use secrecy::SecretString;
use serde_json::{json, Value};
use std::sync::Arc;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ALERTS: &str = "C0ALERTS";
const KUDOS: &str = "C0KUDOS";
const SPIKE_TITLE: &str = "Spike in negative mentions";

struct Harness {
    _dir: tempfile::TempDir,
    store: Arc<SqliteStore>,
    deps: Outreach,
    slack: MockServer,
}

async fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("sarafan.db")).unwrap());
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat.postMessage"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true, "channel": ALERTS, "ts": "1.2"})))
        .mount(&slack)
        .await;
    let client = SlackClient::new(
        sarafan_core::chat::http_client(),
        slack.uri(),
        SecretString::from("xoxb-t"),
    )
    .with_retry(RetryPolicy::quick(std::time::Duration::from_secs(3)))
    .with_pacer(Pacer::unpaced());
    let deps = Outreach {
        store: store.clone(),
        chat: ChatClients {
            slack: Some(client),
            ..ChatClients::default()
        },
        templates: Templates::builtin(),
        config: OutreachConfig {
            alert_channel: Some(ALERTS.into()),
            kudos_channel: Some(KUDOS.into()),
            staff: TermSet::parse("Anna, Иван", ""),
            ..OutreachConfig::default()
        },
    };
    Harness {
        _dir: dir,
        store,
        deps,
        slack,
    }
}

/// The Slack messages posted so far, oldest first.
async fn posts(h: &Harness) -> Vec<Value> {
    h.slack
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("/chat.postMessage"))
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

fn text_of(post: &Value) -> &str {
    post["text"].as_str().unwrap_or_default()
}

async fn spike_posts(h: &Harness) -> Vec<Value> {
    posts(h)
        .await
        .into_iter()
        .filter(|p| text_of(p).contains(SPIKE_TITLE))
        .collect()
}

fn mention(id: &str, text: &str, sentiment: Sentiment, at: DateTime<Utc>) -> Mention {
    Mention {
        id: id.into(),
        source: "instagram".into(),
        text: text.into(),
        url: Some(format!("https://www.instagram.com/p/{id}/")),
        author: Some("driver_olga".into()),
        lang: Some("ru".into()),
        sentiment,
        matched_terms: vec!["Sprite".into()],
        competitor: false,
        created_at: at,
    }
}

async fn record(h: &Harness, m: Mention) {
    h.store
        .apply(&format!("instagram:{}", m.id), Change::Mention(m))
        .await
        .unwrap();
}

/// Handles every new feed event, as the worker would; `twice` hands each one over again, as a
/// redelivery would.
async fn drain(h: &Harness, twice: bool) -> Vec<Handled> {
    let mut out = Vec::new();
    let cursor = h.store.cursor("test").await.unwrap();
    for entry in h.store.read_feed(cursor, 1000).await.unwrap() {
        out.push(handle_entry(&entry, &h.deps).await.unwrap());
        if twice {
            handle_entry(&entry, &h.deps).await.unwrap();
        }
        h.store.save_cursor("test", entry.seq).await.unwrap();
    }
    out
}

/// Skips the feed past what is stored (history seeded for the counters, not to be acted on).
async fn skip_feed(h: &Harness) {
    let cursor = h.store.cursor("test").await.unwrap();
    if let Some(last) = h.store.read_feed(cursor, 10_000).await.unwrap().last() {
        h.store.save_cursor("test", last.seq).await.unwrap();
    }
}

/// A quiet month: one complaint every four days over the four weeks before yesterday.
async fn seed_quiet_month(h: &Harness, now: DateTime<Utc>) {
    for k in 0..7 {
        let at = now - Duration::days(2 + 4 * k);
        record(
            h,
            mention(&format!("old-{k}"), "Долго ждали машину", Sentiment::Negative, at),
        )
        .await;
    }
    skip_feed(h).await;
}

async fn burst(h: &Harness, prefix: &str, n: usize, from: DateTime<Utc>) {
    for i in 0..n {
        let at = from + Duration::minutes(5 * i as i64);
        let text = format!("Sprite опять сорвали сроки ремонта, ужасный сервис ({i})");
        record(h, mention(&format!("{prefix}-{i}"), &text, Sentiment::Negative, at)).await;
    }
}

#[tokio::test]
async fn a_russian_instagram_complaint_alerts_staff_once() {
    // GIVEN a negative Russian Instagram comment about the brand
    let h = harness().await;
    let text = "Ужасный сервис в Sprite, машину держали неделю и никто не перезвонил";
    record(&h, mention("ig-1", text, Sentiment::Negative, Utc::now())).await;
    // WHEN outreach handles it, and the feed delivers it again
    let outcome = drain(&h, true).await;
    // THEN staff get one alert, quoting the comment, with its link; no spike from one complaint
    assert_eq!(outcome, [Handled::Done { messages: 1 }]);
    let posts = posts(&h).await;
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["channel"], ALERTS);
    let shown = text_of(&posts[0]);
    assert!(shown.contains("Negative mention on instagram"), "{shown}");
    assert!(shown.contains(text), "{shown}");
    assert!(shown.contains("<https://www.instagram.com/p/ig-1/>"), "{shown}");
    assert_eq!(
        h.store.alert("men-ig-1").await.unwrap().unwrap().kind,
        AlertKind::NegativeMention
    );
}

#[tokio::test]
async fn a_burst_after_a_quiet_month_raises_one_spike_alert_until_it_subsides() {
    let h = harness().await;
    let now = Utc::now();
    seed_quiet_month(&h, now).await;
    // Competitors' complaints in the same hour are theirs: they neither alert nor make a spike.
    for i in 0..6 {
        let mut m = mention(
            &format!("rival-{i}"),
            "Rival Motors ужасный сервис",
            Sentiment::Negative,
            now,
        );
        m.competitor = true;
        record(&h, m).await;
    }
    drain(&h, false).await;
    assert!(posts(&h).await.is_empty(), "competitors' complaints alerted staff");

    // GIVEN 6 complaints about the brand within the last hour (the month's mean is 0.25 a day)
    burst(&h, "burst", 6, now - Duration::minutes(30)).await;
    // WHEN outreach handles them (each delivered twice)
    drain(&h, true).await;
    // THEN each complaint alerts staff once, and the spike once, with its counts
    assert_eq!(posts(&h).await.len(), 6 + 1);
    let spikes = spike_posts(&h).await;
    assert_eq!(spikes.len(), 1, "{spikes:?}");
    let shown = text_of(&spikes[0]);
    assert!(
        shown.contains("5 in the last 24 hours") || shown.contains("6 in the last 24 hours"),
        "{shown}"
    );
    assert!(
        shown.contains("usually 0.2 a day") || shown.contains("usually 0.3 a day"),
        "{shown}"
    );
    assert!(
        shown.contains("сорвали сроки"),
        "an example complaint is quoted: {shown}"
    );
    assert_eq!(spike_alerts(&h).await, 1);

    // WHEN more complaints arrive while the spike is on
    burst(&h, "more", 3, now - Duration::minutes(2)).await;
    drain(&h, false).await;
    // THEN they alert staff one by one, but there is no second spike alert
    assert_eq!(spike_posts(&h).await.len(), 1);
    assert_eq!(spike_alerts(&h).await, 1);
}

#[tokio::test]
async fn a_new_burst_after_the_last_one_subsided_is_a_new_spike() {
    let h = harness().await;
    let now = Utc::now();
    seed_quiet_month(&h, now).await;
    // GIVEN a burst 30 hours ago, announced then
    burst(&h, "first", 6, now - Duration::hours(30)).await;
    drain(&h, false).await;
    assert_eq!(spike_posts(&h).await.len(), 1);
    // WHEN, after a quiet day (the burst has left the 24-hour window), complaints burst again
    burst(&h, "second", 6, now - Duration::minutes(30)).await;
    drain(&h, false).await;
    // THEN the new burst is a new spike: a second alert
    assert_eq!(spike_posts(&h).await.len(), 2);
    assert_eq!(spike_alerts(&h).await, 2);
}

#[tokio::test]
async fn the_spike_alert_quotes_the_three_newest_complaints_escaped() {
    let h = harness().await;
    let now = Utc::now();
    seed_quiet_month(&h, now).await;
    // GIVEN five complaints in the last hour, the newest with mrkdwn in it, and a competitor's
    // complaint newer than all of them
    let start = now - Duration::minutes(50);
    for i in 0..4 {
        let text = format!("Sprite: жалоба номер {i}, ужасно");
        record(
            &h,
            mention(
                &format!("b-{i}"),
                &text,
                Sentiment::Negative,
                start + Duration::minutes(i),
            ),
        )
        .await;
    }
    let sly = "<!channel> Sprite & co *опять* <https://evil.example|проверьте>";
    record(
        &h,
        mention("b-4", sly, Sentiment::Negative, start + Duration::minutes(4)),
    )
    .await;
    let mut rival = mention(
        "r-1",
        "Rival Motors ужасно",
        Sentiment::Negative,
        start + Duration::minutes(5),
    );
    rival.competitor = true;
    record(&h, rival).await;
    // WHEN outreach handles them
    drain(&h, false).await;
    // THEN the one spike alert quotes the brand's three newest complaints, newest first, each
    // escaped and followed by where it was said
    let spikes = spike_posts(&h).await;
    assert_eq!(spikes.len(), 1, "{spikes:?}");
    let shown = text_of(&spikes[0]);
    let quote: Vec<&str> = shown.lines().filter_map(|l| l.strip_prefix("> ")).collect();
    assert_eq!(
        quote,
        [
            "&lt;!channel&gt; Sprite &amp; co *опять* &lt;https://evil.example|проверьте&gt;",
            "— instagram, driver_olga, <https://www.instagram.com/p/b-4/>",
            "Sprite: жалоба номер 3, ужасно",
            "— instagram, driver_olga, <https://www.instagram.com/p/b-3/>",
            "Sprite: жалоба номер 2, ужасно",
            "— instagram, driver_olga, <https://www.instagram.com/p/b-2/>",
        ],
        "{shown}"
    );
    assert!(shown.contains("Sentiment: negative"), "{shown}");
    assert!(!shown.contains("Rival"), "{shown}");
}

/// Spike alerts stored, whatever their messages.
async fn spike_alerts(h: &Harness) -> usize {
    let page = h.store.list(RecordKind::Alerts, None, None, 1000).await.unwrap();
    page.records
        .iter()
        .filter(|r| matches!(r, sarafan_core::store::Record::Alert(a) if a.kind == AlertKind::Spike))
        .count()
}

#[tokio::test]
async fn praise_naming_staff_is_shared_as_kudos_and_mild_or_rival_praise_is_not() {
    let h = harness().await;
    let now = Utc::now();
    // GIVEN praise naming an employee, plain mild praise, and praise of a competitor
    let mut named = mention(
        "ig-k1",
        "Спасибо Ивану из Sprite, всё сделали хорошо",
        Sentiment::Positive,
        now,
    );
    named.author = Some("happy_client".into());
    record(&h, named).await;
    record(
        &h,
        mention("ig-k2", "Забрал машину из Sprite, нормально", Sentiment::Positive, now),
    )
    .await;
    let mut rival = mention("ig-k3", "Rival Motors, Иван молодец, спасибо", Sentiment::Positive, now);
    rival.competitor = true;
    record(&h, rival).await;
    // WHEN outreach handles them (each twice)
    let outcome = drain(&h, true).await;
    // THEN only the praise naming staff goes to the kudos channel, once, naming who
    assert_eq!(outcome[0], Handled::Done { messages: 1 });
    assert!(matches!(outcome[1], Handled::Skipped(_)), "{:?}", outcome[1]);
    assert!(matches!(outcome[2], Handled::Skipped(_)), "{:?}", outcome[2]);
    let posts = posts(&h).await;
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["channel"], KUDOS);
    let shown = text_of(&posts[0]);
    assert!(shown.contains("Praise on instagram"), "{shown}");
    assert!(shown.contains("Staff named: Иван"), "{shown}");
    assert!(!shown.contains("negative"), "{shown}");
    assert_eq!(
        h.store.alert("kudos-men-ig-k1").await.unwrap().unwrap().kind,
        AlertKind::Kudos
    );
}

/// Spikes are news on the outreach clock: the same burst handled as it happens raises a spike
/// alert; handled three days later (a backfill, a long outage) it alerts per complaint but
/// raises no spike. The clock is set, so the mentions' dates need not follow the wall clock.
#[tokio::test]
async fn with_a_set_clock_a_burst_is_a_spike_when_new_and_history_three_days_later() {
    let at = DateTime::parse_from_rfc3339("2026-02-01T12:00:00Z").unwrap().to_utc();
    for (handled_at, spikes) in [(at, 1), (at + Duration::days(3), 0)] {
        let mut h = harness().await;
        h.deps.config.clock = SetClock::at(handled_at).shared();
        seed_quiet_month(&h, at).await;
        burst(&h, "b", 6, at - Duration::minutes(30)).await;
        drain(&h, false).await;
        assert_eq!(spike_posts(&h).await.len(), spikes, "handled at {handled_at}");
        assert_eq!(spike_alerts(&h).await, spikes, "handled at {handled_at}");
        let complaints = posts(&h).await.len() - spikes;
        assert_eq!(complaints, 6, "handled at {handled_at}: each complaint alerts staff");
    }
}
