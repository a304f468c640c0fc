//! Outreach flows in-process: a real SQLite store, the handler, and recorded local chat APIs.

use chrono::Utc;
use sarafan_core::chat::{Pacer, RetryPolicy, SlackClient, TelegramClient, WhatsappClient};
use sarafan_core::clock::SetClock;
use sarafan_core::ledger::{AlertAction, Change};
use sarafan_core::model::*;
use sarafan_core::store::sqlite::SqliteStore;
use sarafan_core::store::{AlertReader, ChangeFeed, ChangeWriter, EffectLog, ReferralReader, SurveyReader};
use sarafan_core::survey::{Reply, ReplyOutcome, SurveyPolicy, SurveyStage};
use sarafan_core::Score;
use sarafan_outreach::{
    handle, handle_entry, handle_stream_batch, run_feed_worker, ChatClients, Handled, Outreach, OutreachConfig,
    Templates, WorkerTuning,
};
use secrecy::SecretString;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TG_TOKEN: &str = "4242:TEST";
const SLACK_TOKEN: &str = "xoxb-test";
const ALERTS: &str = "C0ALERTS";

struct Harness {
    _dir: tempfile::TempDir,
    store: Arc<SqliteStore>,
    deps: Outreach,
    slack: MockServer,
    telegram: MockServer,
    whatsapp: MockServer,
}

#[derive(Default)]
struct Setup {
    no_telegram: bool,
    kudos: bool,
}

async fn harness(setup: Setup) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("sarafan.db")).unwrap());
    let (slack, telegram, whatsapp) = (
        MockServer::start().await,
        MockServer::start().await,
        MockServer::start().await,
    );
    let http = reqwest_client();
    let quick = RetryPolicy::quick(Duration::from_secs(3));
    let chat = ChatClients {
        slack: Some(
            SlackClient::new(http.clone(), slack.uri(), SecretString::from(SLACK_TOKEN))
                .with_retry(quick)
                .with_pacer(Pacer::unpaced()),
        ),
        telegram: (!setup.no_telegram).then(|| {
            TelegramClient::new(http.clone(), telegram.uri(), SecretString::from(TG_TOKEN))
                .with_retry(quick)
                .with_pacer(Pacer::unpaced())
        }),
        whatsapp: Some(
            WhatsappClient::new(http.clone(), whatsapp.uri(), "1055", SecretString::from("wa-token"))
                .with_retry(quick)
                .with_pacer(Pacer::unpaced()),
        ),
    };
    let deps = Outreach {
        store: store.clone(),
        chat,
        templates: Templates::builtin(),
        config: OutreachConfig {
            public_url: Some("https://sarafan.example".into()),
            alert_channel: Some(ALERTS.into()),
            kudos_channel: setup.kudos.then(|| "C0KUDOS".to_string()),
            worker: WorkerTuning {
                batch: 10,
                poll: Duration::from_millis(20),
                max_backoff: Duration::from_millis(100),
            },
            ..OutreachConfig::default()
        },
    };
    Harness {
        _dir: dir,
        store,
        deps,
        slack,
        telegram,
        whatsapp,
    }
}

fn reqwest_client() -> reqwest::Client {
    sarafan_core::chat::http_client()
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

async fn telegram_accepts(h: &Harness) {
    Mock::given(method("POST"))
        .and(path(format!("/bot{TG_TOKEN}/sendMessage")))
        .respond_with(ok(json!({"ok": true, "result": {"message_id": 1}})))
        .mount(&h.telegram)
        .await;
}

async fn slack_accepts(h: &Harness) {
    Mock::given(method("POST"))
        .and(path("/conversations.open"))
        .respond_with(ok(json!({"ok": true, "channel": {"id": "D0CUSTOMER"}})))
        .mount(&h.slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/chat.postMessage"))
        .respond_with(ok(json!({"ok": true, "channel": ALERTS, "ts": "1700000000.000100"})))
        .mount(&h.slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/chat.update"))
        .respond_with(ok(json!({"ok": true, "channel": ALERTS, "ts": "1700000000.000100"})))
        .mount(&h.slack)
        .await;
    Mock::given(method("GET"))
        .and(path("/users.info"))
        .respond_with(ok(json!({"ok": true, "user": {"id": "U0ANNA", "locale": "en-US"}})))
        .mount(&h.slack)
        .await;
}

fn body(r: &Request) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

async fn calls(server: &MockServer, to: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with(to))
        .map(body)
        .collect()
}

/// Handles every new feed event, as the worker would.
async fn drain(h: &Harness) -> Vec<Handled> {
    let mut out = Vec::new();
    let cursor = h.store.cursor("test").await.unwrap();
    for entry in h.store.read_feed(cursor, 100).await.unwrap() {
        out.push(handle_entry(&entry, &h.deps).await.unwrap());
        h.store.save_cursor("test", entry.seq).await.unwrap();
    }
    out
}

fn customer(id: &str, identity: &Identity, locale: Option<&str>) -> Customer {
    let mut c = Customer::new(id, Utc::now());
    c.locale = locale.map(str::to_string);
    c.name = Some("Anna <script>".into());
    c.identities.push(identity.clone());
    c
}

/// What the API's POST /api/surveys stores.
async fn request_survey(h: &Harness, identity: &Identity, locale: Option<&str>, brand: Option<&str>) -> String {
    let id = identity.customer_id();
    let change = Change::SurveyRequested {
        customer: customer(&id, identity, locale),
        identity: identity.clone(),
        brand: brand.map(str::to_string),
    };
    h.store.apply(&format!("api:survey:{id}"), change).await.unwrap();
    id
}

/// What ingest stores when the customer clicks a score button.
async fn click(h: &Harness, identity: &Identity, score: i64) -> String {
    let policy = SurveyPolicy::default();
    let mut survey = h
        .store
        .latest_survey(identity)
        .await
        .unwrap()
        .expect("a survey was asked");
    let score = Score::new(score).unwrap();
    assert_eq!(
        survey.survey.on_reply(Reply::Button(score), &policy, Utc::now()),
        ReplyOutcome::Scored(score)
    );
    let response_id = format!("resp-{}", survey.id);
    survey.response_id = Some(response_id.clone());
    let response = Response {
        id: response_id.clone(),
        customer_id: survey.customer_id.clone(),
        platform: identity.platform,
        score,
        comment: None,
        locale: None,
        submitted_at: Utc::now(),
        brand: survey.brand.clone(),
    };
    let change = Change::Response {
        response,
        survey: Some(survey),
    };
    h.store.apply(&format!("click:{response_id}"), change).await.unwrap();
    response_id
}

/// What ingest stores when the customer answers the follow-up.
async fn comment(h: &Harness, identity: &Identity, response_id: &str, text: &str) {
    let mut survey = h.store.latest_survey(identity).await.unwrap().unwrap();
    let outcome = survey
        .survey
        .on_reply(Reply::Text(text), &SurveyPolicy::default(), Utc::now());
    assert_eq!(outcome, ReplyOutcome::Comment(text.to_string()));
    let change = Change::Comment {
        response_id: response_id.into(),
        customer_id: survey.customer_id.clone(),
        comment: text.into(),
        survey: Some(survey),
    };
    h.store.apply(&format!("comment:{response_id}"), change).await.unwrap();
}

fn telegram_user() -> Identity {
    Identity::new(Platform::Telegram, "4242001")
}

#[tokio::test]
async fn asking_on_telegram_sends_the_question_with_eleven_buttons() {
    let h = harness(Setup::default()).await;
    telegram_accepts(&h).await;
    let identity = telegram_user();
    request_survey(&h, &identity, None, Some("Autohaus Nord")).await;

    assert_eq!(drain(&h).await, vec![Handled::Done { messages: 1 }]);

    let requests = h.telegram.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method.as_str(), "POST");
    assert_eq!(requests[0].url.path(), format!("/bot{TG_TOKEN}/sendMessage"));
    let button = |s: u8| json!({"text": s.to_string(), "callback_data": format!("nps:{s}")});
    assert_eq!(
        body(&requests[0]),
        json!({
            "chat_id": 4242001,
            "text": "How likely are you to recommend Autohaus Nord to a friend or family member?\n\n0 = not at all likely, 10 = extremely likely.",
            "reply_markup": {"inline_keyboard": [
                (0..=5).map(button).collect::<Vec<_>>(),
                (6..=10).map(button).collect::<Vec<_>>(),
            ]},
        })
    );
    let survey = h.store.latest_survey(&identity).await.unwrap().unwrap();
    assert_eq!(survey.survey.stage, SurveyStage::Asked);
    assert_eq!(survey.brand.as_deref(), Some("Autohaus Nord"));
}

#[tokio::test]
async fn a_detractor_gets_an_apology_staff_get_an_alert_and_the_comment_updates_it() {
    let h = harness(Setup::default()).await;
    telegram_accepts(&h).await;
    slack_accepts(&h).await;
    let identity = telegram_user();
    request_survey(&h, &identity, None, None).await;
    drain(&h).await;

    let response_id = click(&h, &identity, 3).await;
    assert_eq!(drain(&h).await, vec![Handled::Done { messages: 2 }]);

    let sent = calls(&h.telegram, "/sendMessage").await;
    assert_eq!(
        sent[1],
        json!({"chat_id": 4242001, "text": "We're sorry we let you down. What went wrong? Your answer goes straight to our team."})
    );
    let posts = calls(&h.slack, "/chat.postMessage").await;
    assert_eq!(posts.len(), 1);
    let alert_post = &posts[0];
    assert_eq!(alert_post["channel"], ALERTS);
    let text = alert_post["text"].as_str().unwrap();
    assert!(text.contains("Detractor: scored 3/10"), "{text}");
    assert!(text.contains("Platform: telegram"), "{text}");
    assert!(text.contains("Language: en"), "{text}");
    assert!(text.contains("Previous scores: none, first answer"), "{text}");
    assert!(text.contains("Anna &lt;script&gt;"), "customer text is escaped: {text}");
    let buttons = alert_post["blocks"].as_array().unwrap().last().unwrap()["elements"].clone();
    let alert_id = format!("det-{response_id}");
    assert_eq!(buttons[0]["action_id"], format!("alert:claim:{alert_id}"));
    assert_eq!(buttons[0]["text"]["text"], "I'll handle it");
    assert_eq!(buttons[1]["action_id"], format!("alert:resolve:{alert_id}"));
    assert_eq!(buttons[1]["text"]["text"], "Resolved");
    let alert = h.store.alert(&alert_id).await.unwrap().expect("alert stored");
    assert_eq!(alert.kind, AlertKind::Detractor);
    assert_eq!(
        alert.message,
        Some(MessageRef {
            channel: ALERTS.into(),
            ts: "1700000000.000100".into()
        })
    );
    let survey = h.store.latest_survey(&identity).await.unwrap().unwrap();
    assert_eq!(survey.survey.stage, SurveyStage::FollowUpAsked);

    comment(&h, &identity, &response_id, "waited two hours <!channel>").await;
    assert_eq!(drain(&h).await, vec![Handled::Done { messages: 2 }]);
    let updates = calls(&h.slack, "/chat.update").await;
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0]["channel"], ALERTS);
    assert_eq!(updates[0]["ts"], "1700000000.000100");
    let updated = updates[0]["text"].as_str().unwrap();
    assert!(updated.contains("> waited two hours &lt;!channel&gt;"), "{updated}");
    let thanks = calls(&h.telegram, "/sendMessage").await;
    assert_eq!(thanks.len(), 3);
    assert_eq!(thanks[2]["text"], "Thank you for telling us. We read every answer.");
}

#[tokio::test]
async fn a_promoter_on_slack_gets_thanks_and_a_referral_link_that_exists() {
    let h = harness(Setup::default()).await;
    slack_accepts(&h).await;
    let identity = Identity::new(Platform::Slack, "U0ANNA");
    let customer_id = request_survey(&h, &identity, None, None).await;
    assert_eq!(drain(&h).await, vec![Handled::Done { messages: 1 }]);

    let requests = h.slack.received_requests().await.unwrap();
    let paths: Vec<&str> = requests.iter().map(|r| r.url.path()).collect();
    assert_eq!(paths, ["/users.info", "/conversations.open", "/chat.postMessage"]);
    assert!(requests
        .iter()
        .all(|r| r.headers.get("authorization").unwrap() == "Bearer xoxb-test"));
    assert_eq!(body(&requests[1]), json!({"users": "U0ANNA"}));
    let question = body(&requests[2]);
    assert_eq!(question["channel"], "D0CUSTOMER");
    assert_eq!(
        question["text"],
        "How likely are you to recommend us to a friend or family member?"
    );
    let buttons = question["blocks"][1]["elements"].as_array().unwrap();
    assert_eq!(buttons.len(), 11);
    for (score, button) in buttons.iter().enumerate() {
        assert_eq!(button["action_id"], format!("nps:{score}"));
        assert_eq!(button["value"], format!("nps:{score}"));
        assert_eq!(button["text"], json!({"type": "plain_text", "text": score.to_string()}));
    }

    click(&h, &identity, 10).await;
    assert_eq!(drain(&h).await, vec![Handled::Done { messages: 1 }]);
    let posts = calls(&h.slack, "/chat.postMessage").await;
    assert_eq!(posts.len(), 2, "thanks only: no alert for a promoter without a comment");
    let thanks = posts[1]["text"].as_str().unwrap();
    let code = h
        .store
        .referral_of(&customer_id)
        .await
        .unwrap()
        .expect("referral created")
        .code;
    assert!(thanks.starts_with("Thank you, that means a lot to us!"), "{thanks}");
    assert!(
        thanks.ends_with(&format!("https://sarafan.example/r/{code}")),
        "{thanks}"
    );
}

#[tokio::test]
async fn a_russian_speaking_telegram_customer_is_followed_up_in_russian() {
    let h = harness(Setup::default()).await;
    telegram_accepts(&h).await;
    slack_accepts(&h).await;
    let identity = telegram_user();
    request_survey(&h, &identity, Some("ru-RU"), None).await;
    drain(&h).await;
    click(&h, &identity, 8).await;
    drain(&h).await;
    let sent = calls(&h.telegram, "/sendMessage").await;
    assert!(
        sent[0]["text"].as_str().unwrap().starts_with("Насколько вероятно"),
        "{}",
        sent[0]
    );
    assert_eq!(sent[1]["text"], "Спасибо! Что нам сделать, чтобы вы поставили 10?");
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_and_the_question_delivered_once() {
    let h = harness(Setup::default()).await;
    Mock::given(method("POST"))
        .and(path("/conversations.open"))
        .respond_with(ok(json!({"ok": true, "channel": {"id": "D0CUSTOMER"}})))
        .mount(&h.slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/chat.postMessage"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&h.slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/chat.postMessage"))
        .respond_with(ok(json!({"ok": true, "channel": "D0CUSTOMER", "ts": "1.2"})))
        .expect(1)
        .mount(&h.slack)
        .await;
    let mut c = Customer::new("slack:U0BOB", Utc::now());
    c.locale = Some("en".into());
    let identity = Identity::new(Platform::Slack, "U0BOB");
    c.identities.push(identity.clone());
    h.store
        .apply(
            "api:1",
            Change::SurveyRequested {
                customer: c,
                identity: identity.clone(),
                brand: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(drain(&h).await, vec![Handled::Done { messages: 1 }]);
    assert_eq!(
        calls(&h.slack, "/chat.postMessage").await.len(),
        2,
        "one refused, one delivered"
    );
    assert_eq!(
        h.store.latest_survey(&identity).await.unwrap().unwrap().survey.stage,
        SurveyStage::Asked
    );
}

#[tokio::test]
async fn the_same_event_handled_twice_sends_one_message() {
    let h = harness(Setup::default()).await;
    telegram_accepts(&h).await;
    slack_accepts(&h).await;
    let identity = telegram_user();
    request_survey(&h, &identity, None, None).await;
    let entries = h.store.read_feed(0, 10).await.unwrap();
    assert_eq!(
        handle_entry(&entries[0], &h.deps).await.unwrap(),
        Handled::Done { messages: 1 }
    );
    assert_eq!(
        handle_entry(&entries[0], &h.deps).await.unwrap(),
        Handled::Done { messages: 0 }
    );

    click(&h, &identity, 2).await;
    let entries = h.store.read_feed(entries[0].seq, 10).await.unwrap();
    assert_eq!(
        handle_entry(&entries[0], &h.deps).await.unwrap(),
        Handled::Done { messages: 2 }
    );
    assert_eq!(
        handle_entry(&entries[0], &h.deps).await.unwrap(),
        Handled::Done { messages: 0 }
    );
    assert_eq!(
        calls(&h.telegram, "/sendMessage").await.len(),
        2,
        "question and apology, once each"
    );
    assert_eq!(calls(&h.slack, "/chat.postMessage").await.len(), 1, "one staff alert");
}

#[tokio::test]
async fn an_unknown_slack_channel_fails_the_survey_without_retrying() {
    let h = harness(Setup::default()).await;
    Mock::given(method("POST"))
        .and(path("/conversations.open"))
        .respond_with(ok(json!({"ok": false, "error": "channel_not_found"})))
        .expect(1)
        .mount(&h.slack)
        .await;
    Mock::given(method("GET"))
        .and(path("/users.info"))
        .respond_with(ok(json!({"ok": false, "error": "user_not_found"})))
        .mount(&h.slack)
        .await;
    let identity = Identity::new(Platform::Slack, "U0GONE");
    request_survey(&h, &identity, None, None).await;
    let outcome = drain(&h).await;
    assert_eq!(
        outcome,
        vec![Handled::SurveyFailed(
            "slack refused the request: channel_not_found".into()
        )]
    );
    let survey = h.store.latest_survey(&identity).await.unwrap().unwrap();
    assert_eq!(survey.survey.stage, SurveyStage::Failed);
    assert_eq!(
        survey.error.as_deref(),
        Some("slack refused the request: channel_not_found")
    );
    // Redelivered: recorded as done, so no second attempt.
    let entries = h.store.read_feed(0, 10).await.unwrap();
    assert_eq!(
        handle_entry(&entries[0], &h.deps).await.unwrap(),
        Handled::Done { messages: 0 }
    );
}

#[tokio::test]
async fn a_blocked_telegram_bot_fails_the_survey() {
    let h = harness(Setup::default()).await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})))
        .expect(1)
        .mount(&h.telegram)
        .await;
    let identity = telegram_user();
    request_survey(&h, &identity, None, None).await;
    let outcome = drain(&h).await;
    assert!(
        matches!(&outcome[0], Handled::SurveyFailed(r) if r.contains("bot was blocked")),
        "{outcome:?}"
    );
    let survey = h.store.latest_survey(&identity).await.unwrap().unwrap();
    assert_eq!(survey.survey.stage, SurveyStage::Failed);
}

#[tokio::test]
async fn a_platform_without_a_token_records_platform_not_configured() {
    let h = harness(Setup {
        no_telegram: true,
        ..Setup::default()
    })
    .await;
    let identity = telegram_user();
    let customer_id = request_survey(&h, &identity, None, None).await;
    assert_eq!(
        drain(&h).await,
        vec![Handled::SurveyFailed("platform not configured".into())]
    );
    let survey = h.store.latest_survey(&identity).await.unwrap().unwrap();
    assert_eq!(survey.survey.stage, SurveyStage::Failed);
    assert_eq!(survey.error.as_deref(), Some("platform not configured"));
    // A question never asked does not throttle the next one once the platform is configured.
    let customer = sarafan_core::store::CustomerReader::customer(&*h.store, &customer_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(customer.last_asked_at, None);
}

/// The 90-day throttle on the outreach clock, not the wall clock: asked on 10 January, the
/// customer is refused on day 89 and asked again on day 91, without waiting three months.
#[tokio::test]
async fn with_a_set_clock_the_throttle_lifts_after_ninety_days() {
    let mut h = harness(Setup::default()).await;
    let asked = chrono::DateTime::parse_from_rfc3339("2026-01-10T09:00:00Z")
        .unwrap()
        .to_utc();
    let clock = SetClock::at(asked);
    h.deps.config.clock = clock.shared();
    telegram_accepts(&h).await;
    let identity = telegram_user();
    request_survey(&h, &identity, None, None).await;
    assert_eq!(drain(&h).await, vec![Handled::Done { messages: 1 }]);
    let again = |key: &'static str| {
        let change = Change::SurveyRequested {
            customer: customer(&identity.customer_id(), &identity, None),
            identity: identity.clone(),
            brand: None,
        };
        let store = h.store.clone();
        async move { store.apply(key, change).await.unwrap() }
    };
    clock.set(asked + chrono::Duration::days(89));
    again("api:day-89").await;
    let outcome = drain(&h).await;
    assert!(
        matches!(&outcome[..], [Handled::Skipped(r)] if r.contains("asked recently")),
        "{outcome:?}"
    );
    clock.set(asked + chrono::Duration::days(91));
    again("api:day-91").await;
    assert_eq!(drain(&h).await, vec![Handled::Done { messages: 1 }]);
    assert_eq!(calls(&h.telegram, "/sendMessage").await.len(), 2);
}

#[tokio::test]
async fn a_customer_asked_recently_or_opted_out_is_not_asked() {
    let h = harness(Setup::default()).await;
    telegram_accepts(&h).await;
    let identity = telegram_user();
    request_survey(&h, &identity, None, None).await;
    drain(&h).await;
    // Asked again a week later: the 90-day throttle says no.
    let c = customer(&identity.customer_id(), &identity, None);
    h.store
        .apply(
            "api:again",
            Change::SurveyRequested {
                customer: c,
                identity: identity.clone(),
                brand: None,
            },
        )
        .await
        .unwrap();
    let outcome = drain(&h).await;
    assert!(
        matches!(&outcome[0], Handled::Skipped(r) if r.contains("asked recently")),
        "{outcome:?}"
    );

    let other = Identity::new(Platform::Telegram, "99");
    let mut c = customer(&other.customer_id(), &other, None);
    c.opted_out = true;
    h.store
        .apply(
            "api:opted",
            Change::SurveyRequested {
                customer: c,
                identity: other,
                brand: None,
            },
        )
        .await
        .unwrap();
    let outcome = drain(&h).await;
    assert!(
        matches!(&outcome[0], Handled::Skipped(r) if r.contains("opted out")),
        "{outcome:?}"
    );
    assert_eq!(calls(&h.telegram, "/sendMessage").await.len(), 1);
}

#[tokio::test]
async fn whatsapp_asks_with_a_list_and_confirms_an_opt_out() {
    let h = harness(Setup::default()).await;
    Mock::given(method("POST"))
        .and(path("/1055/messages"))
        .respond_with(ok(
            json!({"messaging_product": "whatsapp", "messages": [{"id": "wamid.1"}]}),
        ))
        .mount(&h.whatsapp)
        .await;
    let identity = Identity::new(Platform::Whatsapp, "420777123456");
    let customer_id = request_survey(&h, &identity, Some("cs"), None).await;
    drain(&h).await;
    h.store
        .apply(
            "wa:stop",
            Change::OptOut {
                customer_id,
                identity: Some(identity.clone()),
                survey: None,
            },
        )
        .await
        .unwrap();
    drain(&h).await;

    let requests = h.whatsapp.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].headers.get("authorization").unwrap(), "Bearer wa-token");
    let rows: Vec<Value> = (1..=10)
        .map(|s| json!({"id": format!("nps:{s}"), "title": s.to_string()}))
        .collect();
    assert_eq!(
        body(&requests[0]),
        json!({
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": "420777123456",
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": "Jak pravděpodobné je, že nás doporučíte příteli nebo někomu z rodiny?\n\nKlepnutím na tlačítko vyberte, nebo prostě odpovězte číslem od 0 do 10."},
                "action": {"button": "Vybrat hodnocení", "sections": [{"title": "Vybrat hodnocení", "rows": rows}]},
            },
        })
    );
    assert_eq!(
        body(&requests[1])["text"]["body"],
        "Hotovo: další průzkumy vám už posílat nebudeme. Děkujeme za váš čas."
    );
}

#[tokio::test]
async fn an_unclear_score_is_asked_again_saying_why() {
    let h = harness(Setup::default()).await;
    telegram_accepts(&h).await;
    let identity = telegram_user();
    let customer_id = request_survey(&h, &identity, Some("de"), None).await;
    drain(&h).await;
    h.store
        .apply(
            "tg:7or8",
            Change::ScoreNotUnderstood {
                customer_id,
                identity: identity.clone(),
                reason: "several different scores in the reply: [7, 8]".into(),
            },
        )
        .await
        .unwrap();
    drain(&h).await;
    let sent = calls(&h.telegram, "/sendMessage").await;
    assert_eq!(
        sent[1]["text"],
        "Entschuldigung, da standen mehrere Zahlen. Bitte antworten Sie mit nur einer Zahl von 0 bis 10."
    );
}

#[tokio::test]
async fn claiming_an_alert_updates_the_staff_message() {
    let h = harness(Setup::default()).await;
    telegram_accepts(&h).await;
    slack_accepts(&h).await;
    let identity = telegram_user();
    request_survey(&h, &identity, None, None).await;
    drain(&h).await;
    let response_id = click(&h, &identity, 0).await;
    drain(&h).await;
    let alert_id = format!("det-{response_id}");
    h.store
        .apply(
            "slack:claim",
            Change::AlertAction {
                alert_id: alert_id.clone(),
                action: AlertAction::Claim,
                by: "U0STAFF01".into(),
                at: Utc::now(),
            },
        )
        .await
        .unwrap();
    drain(&h).await;
    let updates = calls(&h.slack, "/chat.update").await;
    assert_eq!(updates.len(), 1);
    let text = updates[0]["text"].as_str().unwrap();
    assert!(text.contains("Claimed by <@U0STAFF01> at "), "{text}");
    let actions = updates[0]["blocks"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        actions["elements"].as_array().unwrap().len(),
        1,
        "only Resolved remains"
    );

    h.store
        .apply(
            "slack:resolve",
            Change::AlertAction {
                alert_id,
                action: AlertAction::Resolve,
                by: "U0STAFF01".into(),
                at: Utc::now(),
            },
        )
        .await
        .unwrap();
    drain(&h).await;
    let updates = calls(&h.slack, "/chat.update").await;
    let last = &updates[1];
    assert!(
        last["text"].as_str().unwrap().contains("Resolved by <@U0STAFF01>"),
        "{last}"
    );
    assert!(
        last["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["type"] != "actions"),
        "no buttons once resolved"
    );
}

#[tokio::test]
async fn a_negative_mention_alerts_staff_with_its_text_source_and_link() {
    let h = harness(Setup::default()).await;
    slack_accepts(&h).await;
    let mention = Mention {
        id: "x-991".into(),
        source: "x".into(),
        text: "@Sarafan Motors lost my keys <https://evil.example|refund>".into(),
        url: Some("https://x.com/i/status/991".into()),
        author: Some("@driver".into()),
        lang: Some("en".into()),
        sentiment: Sentiment::Negative,
        matched_terms: vec!["@Sarafan".into()],
        competitor: false,
        created_at: Utc::now(),
    };
    h.store.apply("x:991", Change::Mention(mention.clone())).await.unwrap();
    let mut positive = mention.clone();
    positive.id = "x-992".into();
    positive.sentiment = Sentiment::Positive;
    h.store.apply("x:992", Change::Mention(positive)).await.unwrap();
    let outcome = drain(&h).await;
    assert_eq!(outcome[0], Handled::Done { messages: 1 });
    assert!(matches!(outcome[1], Handled::Skipped(_)));
    let posts = calls(&h.slack, "/chat.postMessage").await;
    assert_eq!(posts.len(), 1);
    let text = posts[0]["text"].as_str().unwrap();
    assert!(text.contains("Negative mention on x"), "{text}");
    assert!(text.contains("&lt;https://evil.example|refund&gt;"), "{text}");
    assert!(text.contains("<https://x.com/i/status/991>"), "{text}");
    assert!(text.contains("Sentiment: negative"), "{text}");
    assert_eq!(
        h.store.alert("men-x-991").await.unwrap().unwrap().kind,
        AlertKind::NegativeMention
    );
}

#[tokio::test]
async fn praise_with_a_comment_is_shared_in_the_kudos_channel() {
    let h = harness(Setup {
        kudos: true,
        ..Setup::default()
    })
    .await;
    telegram_accepts(&h).await;
    slack_accepts(&h).await;
    let identity = telegram_user();
    request_survey(&h, &identity, None, None).await;
    drain(&h).await;
    let response_id = click(&h, &identity, 9).await;
    drain(&h).await;
    comment(&h, &identity, &response_id, "Ivan at the desk was wonderful").await;
    drain(&h).await;
    let posts = calls(&h.slack, "/chat.postMessage").await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["channel"], "C0KUDOS");
    assert!(posts[0]["text"]
        .as_str()
        .unwrap()
        .contains("> Ivan at the desk was wonderful"));
    assert_eq!(
        h.store
            .alert(&format!("kudos-{response_id}"))
            .await
            .unwrap()
            .unwrap()
            .kind,
        AlertKind::Kudos
    );
}

#[tokio::test]
async fn the_feed_worker_keeps_its_place_and_retries_a_platform_outage() {
    let h = harness(Setup::default()).await;
    // Telegram is down for the first two calls, then recovers.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&h.telegram)
        .await;
    telegram_accepts(&h).await;
    let h = Harness {
        deps: Outreach {
            chat: ChatClients {
                telegram: Some(
                    TelegramClient::new(reqwest_client(), h.telegram.uri(), SecretString::from(TG_TOKEN))
                        .with_retry(RetryPolicy::quick(Duration::ZERO))
                        .with_pacer(Pacer::unpaced()),
                ),
                ..h.deps.chat.clone()
            },
            store: h.deps.store.clone(),
            templates: h.deps.templates.clone(),
            config: h.deps.config.clone(),
        },
        ..h
    };
    let identity = telegram_user();
    request_survey(&h, &identity, None, None).await;
    request_survey(&h, &Identity::new(Platform::Telegram, "5"), None, None).await;

    let store = h.store.clone();
    let stop = async move {
        for _ in 0..200 {
            if store.cursor("outreach").await.unwrap() >= 2 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), run_feed_worker(&h.deps, "outreach", stop))
        .await
        .expect("the worker stops when asked");
    assert_eq!(h.store.cursor("outreach").await.unwrap(), 2);
    let sent = calls(&h.telegram, "/sendMessage").await;
    assert_eq!(sent.len(), 4, "two refused, then each question once");
    // Order is kept per recipient, not across them: the second customer did not wait for the
    // first one's retry, and each was refused once and then asked once.
    assert_eq!(sent[0]["chat_id"], 4242001);
    assert_eq!(sent[1]["chat_id"], 5);
    for chat in [4242001, 5] {
        assert_eq!(sent.iter().filter(|m| m["chat_id"] == chat).count(), 2, "{sent:#?}");
    }
}

#[tokio::test]
async fn a_stream_batch_reports_the_first_record_that_must_be_retried() {
    let h = harness(Setup::default()).await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&h.telegram)
        .await;
    let h = Harness {
        deps: Outreach {
            chat: ChatClients {
                telegram: Some(
                    TelegramClient::new(reqwest_client(), h.telegram.uri(), SecretString::from(TG_TOKEN))
                        .with_retry(RetryPolicy::quick(Duration::ZERO))
                        .with_pacer(Pacer::unpaced()),
                ),
                ..h.deps.chat.clone()
            },
            store: h.deps.store.clone(),
            templates: h.deps.templates.clone(),
            config: h.deps.config.clone(),
        },
        ..h
    };
    let ask = |address: &str| DomainEvent::SurveyRequested {
        customer_id: format!("telegram:{address}"),
        identity: Identity::new(Platform::Telegram, address),
        brand: None,
    };
    let records = vec![
        (
            "rec-1".to_string(),
            DomainEvent::PurchaseRecorded {
                purchase_id: "p".into(),
                customer_id: "c".into(),
                referral_code: None,
            },
        ),
        ("rec-2".to_string(), ask("1")),
        ("rec-3".to_string(), ask("2")),
    ];
    let response = handle_stream_batch(&h.deps, records).await;
    let failed: Vec<Option<String>> = response
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect();
    assert_eq!(failed, vec![Some("rec-2".to_string())]);
    // rec-3 is another customer's: tried now, not held back behind rec-2 (it fails too, and
    // Lambda's retry from rec-2 covers it).
    assert_eq!(calls(&h.telegram, "/sendMessage").await.len(), 2);
    // Handling it again while the platform is down: the survey stays recorded as asked (it is
    // stored before the send, so an answer can never outrun it) and the question is still due.
    assert!(handle("rec-2", &ask("1"), &h.deps).await.unwrap_err().is_retried());
    let survey = h
        .store
        .latest_survey(&Identity::new(Platform::Telegram, "1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(survey.survey.stage, SurveyStage::Asked);
    assert!(!h.store.effect_done("effect:survey_requested:rec-2").await.unwrap());
    assert_eq!(calls(&h.telegram, "/sendMessage").await.len(), 3);
}
