//! Chat API faults while follow-ups are due: the recorded Telegram API answers 500s, then 429s,
//! then too slowly (client timeouts), then recovers. flows.rs covers a single 429, a 502 outage
//! and a 500 in a stream batch; this covers a long mixed outage across many follow-ups at once.

use chrono::Utc;
use sarafan_core::chat::{Pacer, RetryPolicy, TelegramClient};
use sarafan_core::ledger::Change;
use sarafan_core::model::*;
use sarafan_core::store::sqlite::SqliteStore;
use sarafan_core::store::{ChangeFeed, ChangeWriter, SurveyReader};
use sarafan_core::survey::{Reply, ReplyOutcome, SurveyPolicy};
use sarafan_core::Score;
use sarafan_outreach::{run_feed_worker, ChatClients, Outreach, OutreachConfig, Templates, WorkerTuning};
use secrecy::SecretString;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "4242:FAULTS";
/// This customer blocks the bot after answering: every send during the outage is refused for good.
const BLOCKED: i64 = 666;
/// How long the client waits for an answer; the slow phase answers later than this.
const CLIENT_TIMEOUT: Duration = Duration::from_millis(300);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Delivered,
    Refused,
    Failed(u16),
    TimedOut,
}

/// A Telegram API that fails in phases once `faulty` is set, and records what each send came to.
struct FlakyTelegram {
    faulty: Arc<AtomicBool>,
    faults: AtomicUsize,
    log: Arc<Mutex<Vec<(i64, String, Outcome)>>>,
}

/// Phases by the number of sends seen while faulty: 4 x 500, 4 x 429, 3 x slow, then healthy.
const PHASES: [(usize, Outcome); 3] = [
    (4, Outcome::Failed(500)),
    (8, Outcome::Failed(429)),
    (11, Outcome::TimedOut),
];

impl Respond for FlakyTelegram {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let chat = body["chat_id"].as_i64().unwrap_or_default();
        let text = body["text"].as_str().unwrap_or_default().to_string();
        let faulty = self.faulty.load(Ordering::SeqCst);
        let n = if faulty {
            self.faults.fetch_add(1, Ordering::SeqCst)
        } else {
            usize::MAX
        };
        let outcome = if faulty && chat == BLOCKED {
            Outcome::Refused
        } else {
            PHASES
                .iter()
                .find(|(until, _)| n < *until)
                .map_or(Outcome::Delivered, |(_, o)| *o)
        };
        self.log.lock().unwrap().push((chat, text, outcome));
        match outcome {
            Outcome::Delivered => ResponseTemplate::new(200).set_body_json(json!({"ok": true, "result": {"message_id": 1}})),
            Outcome::Refused => ResponseTemplate::new(403).set_body_json(
                json!({"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}),
            ),
            Outcome::Failed(429) => ResponseTemplate::new(429).set_body_json(
                json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 1", "parameters": {"retry_after": 1}}),
            ),
            Outcome::Failed(code) => ResponseTemplate::new(code).set_body_string("Internal Server Error"),
            // A gateway that gives up late: the platform did not act on it (see the note below).
            Outcome::TimedOut => ResponseTemplate::new(504).set_delay(CLIENT_TIMEOUT * 4),
        }
    }
}

fn identity(chat: i64) -> Identity {
    Identity::new(Platform::Telegram, chat.to_string())
}

async fn ask(store: &SqliteStore, chat: i64) {
    let identity = identity(chat);
    let mut customer = Customer::new(identity.customer_id(), Utc::now());
    customer.locale = Some("en".into());
    customer.identities.push(identity.clone());
    let change = Change::SurveyRequested {
        customer,
        identity,
        brand: None,
    };
    store.apply(&format!("api:survey:{chat}"), change).await.unwrap();
}

/// What ingest stores when the customer taps a score button.
async fn answer(store: &SqliteStore, chat: i64, score: i64) {
    let identity = identity(chat);
    let mut survey = store.latest_survey(&identity).await.unwrap().expect("asked");
    let score = Score::new(score).unwrap();
    let policy = SurveyPolicy::default();
    assert_eq!(
        survey.survey.on_reply(Reply::Button(score), &policy, Utc::now()),
        ReplyOutcome::Scored(score)
    );
    let response_id = format!("resp-{chat}");
    survey.response_id = Some(response_id.clone());
    let response = Response {
        id: response_id.clone(),
        customer_id: survey.customer_id.clone(),
        platform: Platform::Telegram,
        score,
        comment: None,
        locale: None,
        submitted_at: Utc::now(),
        brand: None,
    };
    let change = Change::Response {
        response,
        survey: Some(survey),
    };
    store.apply(&format!("tap:{response_id}"), change).await.unwrap();
}

/// Runs the feed worker until it has handled every event stored so far (or 30 s pass).
async fn work_off(deps: &Outreach, store: &Arc<SqliteStore>) {
    let last = store.read_feed(0, 10_000).await.unwrap().last().map_or(0, |e| e.seq);
    let watched = store.clone();
    let done = async move {
        while watched.cursor("outreach").await.unwrap() < last {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), run_feed_worker(deps, "outreach", done))
        .await
        .expect("the worker caught up within 30 s");
}

#[tokio::test]
async fn follow_ups_survive_500s_429s_and_timeouts_delivered_once_each_or_refused_for_good() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("sarafan.db")).unwrap());
    let server = MockServer::start().await;
    let faulty = Arc::new(AtomicBool::new(false));
    let log = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("POST"))
        .and(path(format!("/bot{TOKEN}/sendMessage")))
        .respond_with(FlakyTelegram {
            faulty: faulty.clone(),
            faults: AtomicUsize::new(0),
            log: log.clone(),
        })
        .mount(&server)
        .await;
    let http = reqwest::Client::builder().timeout(CLIENT_TIMEOUT).build().unwrap();
    let deps = Outreach {
        store: store.clone(),
        chat: ChatClients {
            telegram: Some(
                TelegramClient::new(http, server.uri(), SecretString::from(TOKEN))
                    .with_retry(RetryPolicy::quick(Duration::from_millis(500)))
                    .with_pacer(Pacer::unpaced()),
            ),
            ..ChatClients::default()
        },
        templates: Templates::builtin(),
        config: OutreachConfig {
            public_url: Some("https://sarafan.example".into()),
            worker: WorkerTuning {
                batch: 10,
                poll: Duration::from_millis(20),
                max_backoff: Duration::from_millis(200),
            },
            ..OutreachConfig::default()
        },
    };

    // GIVEN eight customers asked while Telegram is healthy, one of whom then blocks the bot
    let scores: BTreeMap<i64, i64> = [(101, 7), (102, 8), (103, 9), (104, 10), (105, 7), (106, 9), (107, 8)]
        .into_iter()
        .chain([(BLOCKED, 9)])
        .collect();
    for &chat in scores.keys() {
        ask(&store, chat).await;
    }
    work_off(&deps, &store).await;
    let asked = log.lock().unwrap().len();
    assert_eq!(asked, scores.len(), "each question once");

    // WHEN they all answer while Telegram fails with 500s, then 429s, then times out, then recovers
    faulty.store(true, Ordering::SeqCst);
    for (&chat, &score) in &scores {
        answer(&store, chat, score).await;
    }
    work_off(&deps, &store).await;

    // THEN every outage kind was met, and afterwards each customer got their follow-up once
    let log = log.lock().unwrap()[asked..].to_vec();
    for kind in [Outcome::Failed(500), Outcome::Failed(429), Outcome::TimedOut] {
        assert!(
            log.iter().any(|(_, _, o)| *o == kind),
            "{kind:?} never happened: {log:#?}"
        );
    }
    for (&chat, &score) in &scores {
        let delivered: Vec<&String> = log
            .iter()
            .filter(|(c, _, o)| *c == chat && *o == Outcome::Delivered)
            .map(|(_, text, _)| text)
            .collect();
        if chat == BLOCKED {
            // A refusal no retry can fix is logged and not retried: asked once, never delivered.
            let tries = log.iter().filter(|(c, _, _)| *c == chat).count();
            assert_eq!((delivered.len(), tries), (0, 1), "{log:#?}");
            continue;
        }
        assert_eq!(delivered.len(), 1, "chat {chat} (score {score}): {delivered:#?}");
        if score >= 9 {
            assert!(delivered[0].contains("https://sarafan.example/r/"), "{}", delivered[0]);
        }
    }
    // A timed-out send is retried, so this holds only because the slow answers here come from a
    // platform that did not act (a 504): Telegram's sendMessage has no idempotency key, so a send
    // that succeeds after the client gave up would be delivered twice (docs/SECURITY.md).
}
