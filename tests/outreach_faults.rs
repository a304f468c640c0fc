//! Outreach under faults, through the real `sarafan serve` binary and recording chat APIs:
//! two serves on one database, the store failing right after a send, one recipient failing
//! while the others flow, a long Telegram `retry_after`, and kill -9 in the middle of a batch.
//! Each test counts the messages the recording server received.

#[path = "support/faulty_dynamodb.rs"]
mod faulty_dynamodb;
#[path = "support/serve.rs"]
mod serve_support;

use faulty_dynamodb::FaultyDynamo;
use sarafan_core::signing::meta_signature;
use serde_json::{json, Value};
use serve_support::Launch;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TG_TOKEN: &str = "123456:telegram-bot-token";
const SLACK_TOKEN: &str = "xoxb-slack-bot-token";
const TELEGRAM_SECRET: &str = "telegram-webhook-secret";
const META_SECRET: &str = "meta-app-secret";
const API_TOKEN: &str = "api-token";
const ALERTS: &str = "C0ALERTS";
/// Short, so a takeover after kill -9 is quick; a test setting, the default is 30 s.
const LEASE_SECS: &str = "2";

/// A running `sarafan serve` (the shared harness), with this file's ways to talk to it.
struct Serve(serve_support::Serve);

impl std::ops::Deref for Serve {
    type Target = serve_support::Serve;
    fn deref(&self) -> &serve_support::Serve {
        &self.0
    }
}

impl std::ops::DerefMut for Serve {
    fn deref_mut(&mut self) -> &mut serve_support::Serve {
        &mut self.0
    }
}

impl Serve {
    /// Starts `sarafan serve` on `dir`'s database.
    async fn start(dir: &Path, slack: &MockServer, telegram: &MockServer) -> Serve {
        Serve::start_on(dir, slack, telegram, &[]).await
    }

    /// As [`Serve::start`], with `store` variables added (another store).
    async fn start_on(dir: &Path, slack: &MockServer, telegram: &MockServer, store: &[(&str, String)]) -> Serve {
        let launch = Launch::new(dir)
            .var("RUST_LOG", "info")
            .var("SARAFAN_DB", dir.join("sarafan.db"))
            .var("SARAFAN_OUTREACH_LEASE_SECS", LEASE_SECS)
            .var("TELEGRAM_WEBHOOK_SECRET", TELEGRAM_SECRET)
            .var("META_APP_SECRET", META_SECRET)
            .var("SARAFAN_API_TOKEN", API_TOKEN)
            .var("SARAFAN_BRAND_TERMS", "Sprite")
            .var("SLACK_BOT_TOKEN", SLACK_TOKEN)
            .var("SLACK_API_URL", slack.uri())
            .var("SLACK_ALERT_CHANNEL", ALERTS)
            .var("TELEGRAM_BOT_TOKEN", TG_TOKEN)
            .var("TELEGRAM_API_URL", telegram.uri())
            .vars(store.iter().map(|(k, v)| (*k, v.as_str())));
        Serve(launch.start().await)
    }

    async fn post(&self, path: &str, headers: &[(&str, String)], body: String) -> u16 {
        let mut req = self.http.post(self.url(path)).body(body);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        req.send().await.unwrap().status().as_u16()
    }

    async fn ask(&self, chats: &[u64]) {
        let customers: Vec<Value> = chats
            .iter()
            .map(|c| json!({"platform": "telegram", "chat_id": c}))
            .collect();
        let headers = [
            ("authorization", format!("Bearer {API_TOKEN}")),
            ("content-type", "application/json".into()),
        ];
        let status = self
            .post("/api/surveys", &headers, json!({ "customers": customers }).to_string())
            .await;
        assert_eq!(status, 202);
    }

    /// The customer in `chat` clicks score `score` under the question.
    async fn answer(&self, update_id: u64, chat: u64, score: u8) {
        let update = json!({
            "update_id": update_id,
            "callback_query": {
                "id": format!("cq{update_id}"),
                "from": {"id": chat, "is_bot": false, "first_name": "Olga", "language_code": "en"},
                "message": {"message_id": 1, "chat": {"id": chat, "type": "private"}, "date": 1773140000, "text": "?"},
                "chat_instance": "-1",
                "data": format!("nps:{score}")
            }
        });
        let headers = [("x-telegram-bot-api-secret-token", TELEGRAM_SECRET.to_string())];
        assert_eq!(self.post("/webhooks/telegram", &headers, update.to_string()).await, 200);
    }

    /// A negative Instagram comment about the brand (tests/serve.rs has it stored and alerted).
    async fn complaint(&self, id: &str) {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/meta/instagram_comments.json");
        let mut payload: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let value = &mut payload["entry"][0]["changes"][0]["value"];
        value["id"] = json!(id);
        value["text"] = json!("Ужасный сервис в Sprite: машину держали неделю, никто не перезвонил. Больше не приеду!");
        let body = payload.to_string();
        let sig = meta_signature(META_SECRET, body.as_bytes());
        assert_eq!(
            self.post("/webhooks/meta", &[("x-hub-signature-256", sig)], body).await,
            200
        );
    }
}

/// One `sendMessage` as the recording server saw it.
#[derive(Debug, Clone)]
struct Sent {
    chat: u64,
    text: String,
    at: Instant,
    accepted: bool,
}

/// A recording Telegram Bot API: accepts every message unless `script` says otherwise for its
/// chat, after `delay`; every call is logged with what it came to.
struct Telegram {
    log: Arc<Mutex<Vec<Sent>>>,
    script: Box<dyn Fn(u64, usize) -> Option<ResponseTemplate> + Send + Sync>,
    /// Called with each accepted message, before the answer goes back (to fail the store then).
    on_accept: Box<dyn Fn(u64) + Send + Sync>,
    delay: Duration,
}

impl Respond for Telegram {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let chat = body["chat_id"].as_u64().unwrap_or_default();
        let text = body["text"].as_str().unwrap_or_default().to_string();
        let mut log = self.log.lock().unwrap();
        let nth = log.iter().filter(|s| s.chat == chat).count();
        let scripted = (self.script)(chat, nth);
        log.push(Sent {
            chat,
            text,
            at: Instant::now(),
            accepted: scripted.is_none(),
        });
        drop(log);
        match scripted {
            Some(answer) => answer,
            None => {
                (self.on_accept)(chat);
                ResponseTemplate::new(200)
                    .set_body_json(json!({"ok": true, "result": {"message_id": 7}}))
                    .set_delay(self.delay)
            }
        }
    }
}

struct Apis {
    slack: MockServer,
    telegram: MockServer,
    sent: Arc<Mutex<Vec<Sent>>>,
}

impl Apis {
    async fn start(
        script: impl Fn(u64, usize) -> Option<ResponseTemplate> + Send + Sync + 'static,
        on_accept: impl Fn(u64) + Send + Sync + 'static,
        delay: Duration,
    ) -> Apis {
        let slack = MockServer::start().await;
        let telegram = MockServer::start().await;
        let sent = Arc::new(Mutex::new(Vec::new()));
        Mock::given(method("POST"))
            .and(path(format!("/bot{TG_TOKEN}/sendMessage")))
            .respond_with(Telegram {
                log: sent.clone(),
                script: Box::new(script),
                on_accept: Box::new(on_accept),
                delay,
            })
            .mount(&telegram)
            .await;
        Mock::given(method("POST"))
            .and(path("/chat.postMessage"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"ok": true, "channel": ALERTS, "ts": "1773150000.000100"})),
            )
            .mount(&slack)
            .await;
        Apis { slack, telegram, sent }
    }

    async fn healthy() -> Apis {
        Apis::start(|_, _| None, |_| {}, Duration::ZERO).await
    }

    fn sent(&self) -> Vec<Sent> {
        self.sent.lock().unwrap().clone()
    }

    /// Messages Telegram accepted, per chat.
    fn accepted_per_chat(&self) -> BTreeMap<u64, usize> {
        let mut per_chat = BTreeMap::new();
        for s in self.sent().iter().filter(|s| s.accepted) {
            *per_chat.entry(s.chat).or_default() += 1;
        }
        per_chat
    }

    async fn alerts(&self) -> usize {
        self.slack
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.url.path() == "/chat.postMessage")
            .count()
    }

    /// Waits (bounded by `within`) until `ready` holds of the accepted messages.
    async fn wait_until(&self, within: Duration, what: &str, logs: &[&Serve], ready: impl Fn(&[Sent]) -> bool) {
        let deadline = Instant::now() + within;
        loop {
            let accepted: Vec<Sent> = self.sent().into_iter().filter(|s| s.accepted).collect();
            if ready(&accepted) {
                return;
            }
            if Instant::now() > deadline {
                let logs: Vec<String> = logs.iter().map(|s| s.log()).collect();
                panic!("timed out waiting for {what}: {accepted:#?}\n{}", logs.join("\n----\n"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn chats(n: u64) -> Vec<u64> {
    (0..n).map(|i| 5_000_000 + i).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_serves_on_one_database_ask_and_follow_up_each_customer_once() {
    let dir = tempfile::tempdir().unwrap();
    two_serves_on_one_store(dir.path(), &[], 40).await;
}

/// The same on one table of Amazon's DynamoDB Local (scripts/test starts it): the lease holder
/// reads the table's stream, as the outreach Lambda would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_serves_on_one_dynamodb_table_ask_and_follow_up_each_customer_once() {
    let store = dynamodb_table("two-serves");
    let dir = tempfile::tempdir().unwrap();
    two_serves_on_one_store(dir.path(), &store, 10).await;
}

/// The variables of `sarafan serve` on a new table of DynamoDB Local (scripts/test starts it),
/// created as `sarafan dynamodb create-table` creates it (with its stream).
fn dynamodb_table(name: &str) -> Vec<(&'static str, String)> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
        .expect("this test needs DynamoDB Local: run scripts/test (it starts it and sets AWS_ENDPOINT_URL_DYNAMODB)");
    let store = vec![
        ("SARAFAN_STORE", "dynamodb".to_string()),
        ("SARAFAN_TABLE", format!("sarafan-{name}-{}", std::process::id())),
        ("AWS_ENDPOINT_URL_DYNAMODB", endpoint),
        ("AWS_ACCESS_KEY_ID", "testing".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
    ];
    let created = Command::new(env!("CARGO_BIN_EXE_sarafan"))
        .args(["dynamodb", "create-table"])
        .env_clear()
        .envs(store.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    store
}

async fn two_serves_on_one_store(dir: &Path, store: &[(&str, String)], n: u64) {
    let apis = Apis::healthy().await;
    // A lease long enough that a slow moment on a busy machine does not hand it over mid-test
    // (a takeover would be correct, but the test counts who says it left outreach alone).
    let mut env = store.to_vec();
    env.push(("SARAFAN_OUTREACH_LEASE_SECS", "15".to_string()));
    let first = Serve::start_on(dir, &apis.slack, &apis.telegram, &env).await;
    let second = Serve::start_on(dir, &apis.slack, &apis.telegram, &env).await;
    let logs = [&first, &second];

    // Asked through both: each serve takes requests, one of them sends.
    let customers = chats(n);
    let (half_a, half_b) = customers.split_at(customers.len() / 2);
    first.ask(half_a).await;
    second.ask(half_b).await;
    apis.wait_until(Duration::from_secs(30), "every question", &logs, |s| {
        s.len() >= n as usize
    })
    .await;
    // Every customer answers 9 at once (the survey is stored before its question goes out) (through either serve): one follow-up each.
    for (i, chat) in customers.iter().enumerate() {
        let serve = if i % 2 == 0 { &first } else { &second };
        serve.answer(100 + i as u64, *chat, 9).await;
    }
    apis.wait_until(Duration::from_secs(30), "every follow-up", &logs, |s| {
        s.len() >= 2 * n as usize
    })
    .await;
    // Time for any second sender to show itself.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let per_chat = apis.accepted_per_chat();
    eprintln!("two serves, {n} customers: {} messages sent", apis.sent().len());
    assert_eq!(per_chat.len(), n as usize);
    assert!(per_chat.values().all(|&count| count == 2), "{per_chat:?}");
    assert_eq!(
        apis.sent().len(),
        2 * n as usize,
        "exactly n questions and n follow-ups"
    );
    // One of them says it leaves outreach to the other.
    let left = logs
        .iter()
        .filter(|s| s.log().contains("leaving outreach to it"))
        .count();
    assert_eq!(left, 1, "{}\n----\n{}", first.log(), second.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_whose_record_fails_is_recorded_later_not_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sarafan.db");
    let locked = Arc::new(AtomicBool::new(false));
    // The moment Telegram accepts the question, the database refuses writes for 8 s (longer
    // than the store's 5 s busy timeout): the record after the send fails, as on a full disk.
    let on_accept = move |_chat: u64| {
        if locked.swap(true, Ordering::SeqCst) {
            return;
        }
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.busy_timeout(Duration::from_secs(5)).unwrap();
        conn.execute_batch("BEGIN EXCLUSIVE").unwrap();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(8));
            conn.execute_batch("COMMIT").unwrap();
        });
    };
    record_fails_after_the_send(dir.path(), &[], on_accept).await;
}

/// The same on DynamoDB (serve reading the table's stream): a proxy in front of DynamoDB Local
/// answers every write call with DynamoDB's 500 `InternalServerError` for 8 s from the moment
/// Telegram accepts the question (longer than the SDK's own retries), while the stream is read
/// from DynamoDB Local directly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_dynamodb_a_message_whose_record_fails_is_recorded_later_not_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = dynamodb_table("record-fails");
    let (_, endpoint) = store
        .iter_mut()
        .find(|(name, _)| *name == "AWS_ENDPOINT_URL_DYNAMODB")
        .unwrap();
    let proxy = FaultyDynamo::start(endpoint).await;
    let direct = std::mem::replace(endpoint, proxy.url.clone());
    store.push(("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", direct));
    let fault = proxy.fault.clone();
    let tripped = AtomicBool::new(false);
    let on_accept = move |_chat: u64| {
        if !tripped.swap(true, Ordering::SeqCst) {
            fault.fail_for(Duration::from_secs(8));
        }
    };
    record_fails_after_the_send(dir.path(), &store, on_accept).await;
    eprintln!(
        "store failing after the send: {} write calls refused",
        proxy.fault.refused()
    );
    assert!(proxy.fault.refused() > 0, "no write was refused: the fault never hit");
}

async fn record_fails_after_the_send(
    dir: &Path,
    store: &[(&str, String)],
    on_accept: impl Fn(u64) + Send + Sync + 'static,
) {
    let apis = Apis::start(|_, _| None, on_accept, Duration::ZERO).await;
    let serve = Serve::start_on(dir, &apis.slack, &apis.telegram, store).await;
    serve.ask(&[7_000_001]).await;
    apis.wait_until(Duration::from_secs(10), "the question", &[&serve], |s| !s.is_empty())
        .await;
    // The store is back at 8 s; give the record time to land and any resend time to show.
    tokio::time::sleep(Duration::from_secs(11)).await;
    eprintln!("store failing after the send: {} messages sent", apis.sent().len());
    assert_eq!(apis.sent().len(), 1, "{:#?}\n{}", apis.sent(), serve.log());
    assert!(serve.log().contains("message sent but not recorded"), "{}", serve.log());
    // Recorded in the end: the customer's answer is taken.
    serve.answer(1, 7_000_001, 10).await;
    apis.wait_until(Duration::from_secs(10), "the follow-up", &[&serve], |s| s.len() >= 2)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = apis.sent();
    eprintln!("store failing after the send: {} messages in all", sent.len());
    assert_eq!(
        sent.len(),
        2,
        "the question once, then the follow-up: {sent:#?}\n{}",
        serve.log()
    );
    assert_ne!(sent[0].text, sent[1].text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_failing_chat_does_not_hold_up_the_others_or_staff_alerts() {
    let dir = tempfile::tempdir().unwrap();
    one_failing_chat(dir.path(), &[], 3, Duration::from_secs(5)).await;
}

/// The same on DynamoDB, where serve reads the table's stream: the failing chat's events are
/// parked until its next try (the records behind it in the shard go on) and it is asked once.
/// Storing nine survey requests on DynamoDB Local takes seconds on a busy machine, so the chat
/// fails five times here (retried after 0.5, 2, 4 and 8 s), and the others must all be asked
/// and staff alerted while it still fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_dynamodb_one_failing_chat_does_not_hold_up_the_others_or_staff_alerts() {
    let dir = tempfile::tempdir().unwrap();
    one_failing_chat(dir.path(), &dynamodb_table("failing-chat"), 5, Duration::from_secs(12)).await;
}

async fn one_failing_chat(dir: &Path, store: &[(&str, String)], failures: usize, within: Duration) {
    const FAILING: u64 = 6_660_000;
    // FAILING's chat answers 500 for its first `failures` tries; everyone else is accepted at once.
    let apis = Apis::start(
        move |chat, nth| {
            (chat == FAILING && nth < failures).then(|| ResponseTemplate::new(500).set_body_string("oops"))
        },
        |_| {},
        Duration::ZERO,
    )
    .await;
    let serve = Serve::start_on(dir, &apis.slack, &apis.telegram, store).await;
    let mut customers = vec![FAILING];
    customers.extend(chats(8));
    let started = Instant::now();
    serve.ask(&customers).await;
    serve.complaint("1799000111").await;

    // The eight others are asked, and staff alerted, while FAILING is still failing.
    let deadline = Instant::now() + within;
    let flowing = loop {
        let others = apis.sent().iter().filter(|m| m.chat != FAILING && m.accepted).count();
        let alerts = apis.alerts().await;
        if others == 8 && alerts == 1 {
            let failing = apis.sent().iter().filter(|m| m.chat == FAILING).count();
            eprintln!(
                "one failing chat: 8 others asked and staff alerted {:?} after the ask, the failing chat tried {failing} times by then",
                started.elapsed()
            );
            break true;
        }
        if Instant::now() > deadline {
            eprintln!("one failing chat: after {within:?}, {others} of 8 others asked, {alerts} staff alerts");
            break false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(flowing, "the others waited for the failing chat\n{}", serve.log());
    assert!(
        apis.sent().iter().filter(|m| m.chat == FAILING).count() <= failures,
        "the others did not wait for the failing chat"
    );
    // FAILING gets its question once it recovers, once.
    apis.wait_until(Duration::from_secs(60), "the failing chat's question", &[&serve], |s| {
        s.iter().any(|m| m.chat == FAILING)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let per_chat = apis.accepted_per_chat();
    eprintln!(
        "one failing chat: {} messages accepted",
        per_chat.values().sum::<usize>()
    );
    assert_eq!(per_chat.len(), 9);
    assert!(per_chat.values().all(|&n| n == 1), "{per_chat:?}");
    assert_eq!(apis.sent().iter().filter(|m| m.chat == FAILING).count(), failures + 1);
    assert_eq!(apis.alerts().await, 1);
    eprintln!("failing chat asked {:?} after the ask", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telegram_retry_after_is_waited_exactly_for_that_chat() {
    let dir = tempfile::tempdir().unwrap();
    retry_after_waited(dir.path(), &[]).await;
}

/// The same on DynamoDB, where serve reads the table's stream: the limited chat's event is
/// parked until the wait passes, and the reader wakes for it then (not at its next poll).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_dynamodb_a_telegram_retry_after_is_waited_exactly_for_that_chat() {
    let dir = tempfile::tempdir().unwrap();
    retry_after_waited(dir.path(), &dynamodb_table("retry-after")).await;
}

async fn retry_after_waited(dir: &Path, store: &[(&str, String)]) {
    const LIMITED: u64 = 4_290_000;
    const RETRY_AFTER: u64 = 4;
    let apis = Apis::start(
        |chat, nth| {
            (chat == LIMITED && nth == 0).then(|| {
                ResponseTemplate::new(429).set_body_json(json!({
                    "ok": false, "error_code": 429,
                    "description": format!("Too Many Requests: retry after {RETRY_AFTER}"),
                    "parameters": {"retry_after": RETRY_AFTER}
                }))
            })
        },
        |_| {},
        Duration::ZERO,
    )
    .await;
    let serve = Serve::start_on(dir, &apis.slack, &apis.telegram, store).await;
    let mut customers = vec![LIMITED];
    customers.extend(chats(5));
    serve.ask(&customers).await;
    apis.wait_until(Duration::from_secs(20), "every question", &[&serve], |s| s.len() == 6)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let sent = apis.sent();
    let limited: Vec<&Sent> = sent.iter().filter(|m| m.chat == LIMITED).collect();
    eprintln!(
        "retry_after {RETRY_AFTER} s on {}: {} calls to the limited chat, {:?} apart; {} calls in all",
        if store.is_empty() { "SQLite" } else { "DynamoDB" },
        limited.len(),
        limited.windows(2).map(|w| w[1].at - w[0].at).collect::<Vec<_>>(),
        sent.len()
    );
    assert_eq!(
        limited.len(),
        2,
        "one refusal, one delivery, no call in between: {limited:#?}"
    );
    let waited = limited[1].at - limited[0].at;
    assert!(
        waited >= Duration::from_secs(RETRY_AFTER)
            && waited < Duration::from_secs(RETRY_AFTER) + Duration::from_millis(1500),
        "waited {waited:?} for a retry_after of {RETRY_AFTER} s"
    );
    // The others did not wait for it.
    let others_done = sent.iter().filter(|m| m.chat != LIMITED).map(|m| m.at).max().unwrap();
    assert!(
        others_done < limited[1].at,
        "the other chats waited behind the limited one"
    );
    assert_eq!(limited[1].text, limited[0].text);
    assert_eq!(sent.len(), 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_in_the_middle_of_a_batch_then_restart_repeats_at_most_one_message() {
    let dir = tempfile::tempdir().unwrap();
    kill_9_then_restart(dir.path(), &[]).await;
}

/// The same on DynamoDB: the restart reads the table's stream on from the checkpoint of the
/// last batch handled in full, and what the killed process had sent of the next batch is found
/// recorded (or its claim, once the lease has lapsed) instead of sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_dynamodb_kill_9_in_the_middle_of_a_batch_then_restart_repeats_at_most_one_message() {
    let dir = tempfile::tempdir().unwrap();
    kill_9_then_restart(dir.path(), &dynamodb_table("kill-9")).await;
}

async fn kill_9_then_restart(dir: &Path, store: &[(&str, String)]) {
    const N: u64 = 30;
    // Each send takes 150 ms, so the kill lands in the middle of the batch (and likely of a send).
    let apis = Apis::start(|_, _| None, |_| {}, Duration::from_millis(150)).await;
    let mut first = Serve::start_on(dir, &apis.slack, &apis.telegram, store).await;
    first.ask(&chats(N)).await;
    apis.wait_until(Duration::from_secs(20), "a third of the questions", &[&first], |s| {
        s.len() >= N as usize / 3
    })
    .await;
    first.kill();
    let before_restart = apis.sent().len();
    assert!(before_restart < N as usize, "the kill came too late to test anything");

    let second = Serve::start_on(dir, &apis.slack, &apis.telegram, store).await;
    apis.wait_until(Duration::from_secs(30), "every question", &[&second], |s| {
        let mut seen: Vec<u64> = s.iter().map(|m| m.chat).collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len() == N as usize
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let per_chat = apis.accepted_per_chat();
    let repeated: Vec<_> = per_chat.iter().filter(|(_, &n)| n > 1).collect();
    assert!(per_chat.values().all(|&n| n <= 2), "{per_chat:?}");
    assert!(
        repeated.len() <= 1,
        "only the message in flight at the kill may repeat: {repeated:?}"
    );
    eprintln!(
        "kill -9 after {before_restart} of {N}: {} messages in all, repeated {repeated:?}",
        apis.sent().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_right_after_the_question_finds_its_survey() {
    const CHAT: u64 = 5_550_001;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sarafan.db");
    // When Telegram takes the question, is its survey already stored?
    let stored_at_send = Arc::new(Mutex::new(Vec::new()));
    let on_accept = {
        let stored_at_send = stored_at_send.clone();
        move |chat: u64| {
            let conn = rusqlite::Connection::open(&db).unwrap();
            conn.busy_timeout(Duration::from_secs(5)).unwrap();
            let surveys: i64 = conn
                .query_row(
                    "SELECT count(*) FROM surveys WHERE address = ?1",
                    [chat.to_string()],
                    |r| r.get(0),
                )
                .unwrap();
            stored_at_send.lock().unwrap().push(surveys);
        }
    };
    // The answer to the question is slow, so a fast customer answers before outreach hears back.
    let apis = Apis::start(|_, _| None, on_accept, Duration::from_millis(500)).await;
    let serve = Serve::start(dir.path(), &apis.slack, &apis.telegram).await;
    serve.ask(&[CHAT]).await;
    apis.wait_until(Duration::from_secs(10), "the question", &[&serve], |s| !s.is_empty())
        .await;
    // At once, not as a person would: the click reaches ingest while the send is still open.
    serve.answer(1, CHAT, 10).await;
    apis.wait_until(Duration::from_secs(10), "the follow-up", &[&serve], |s| s.len() >= 2)
        .await;
    assert_eq!(
        stored_at_send.lock().unwrap()[0],
        1,
        "the survey was stored before the send"
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(apis.sent().len(), 2, "{:#?}", apis.sent());
}

/// SIGTERM while a message, accepted by Telegram, waits for its record (the database refusing
/// writes): serve stops within seconds instead of waiting for the store; the claim and a kept
/// note of the message stay, so the restart on a healthy store records it and does not send it
/// again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_a_record_retries_stops_serve_and_the_restart_records_the_message_not_resends_it() {
    const CHAT: u64 = 7_100_001;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sarafan.db");
    // The moment Telegram accepts the question, the database refuses writes until the test says.
    let lock: Arc<Mutex<Option<rusqlite::Connection>>> = Arc::new(Mutex::new(None));
    let on_accept = {
        let lock = lock.clone();
        let db = db.clone();
        move |_chat: u64| {
            let mut held = lock.lock().unwrap();
            if held.is_some() {
                return;
            }
            let conn = rusqlite::Connection::open(&db).unwrap();
            conn.busy_timeout(Duration::from_secs(5)).unwrap();
            conn.execute_batch("BEGIN EXCLUSIVE").unwrap();
            *held = Some(conn);
        }
    };
    let apis = Apis::start(|_, _| None, on_accept, Duration::ZERO).await;
    let mut first = Serve::start(dir.path(), &apis.slack, &apis.telegram).await;
    first.ask(&[CHAT]).await;
    apis.wait_until(Duration::from_secs(10), "the question", &[&first], |s| !s.is_empty())
        .await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !first.log().contains("message sent but not recorded") {
        assert!(Instant::now() < deadline, "the record was not retried: {}", first.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let signalled = Instant::now();
    let term = Command::new("kill")
        .args(["-TERM", &first.pid().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let exited = loop {
        if first.try_wait().is_some() {
            break Some(signalled.elapsed());
        }
        if signalled.elapsed() > Duration::from_secs(30) {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    eprintln!("SIGTERM while a record retries: serve exited after {exited:?}");
    let held = lock.lock().unwrap().take();
    drop(held);
    let exited = exited.unwrap_or_else(|| panic!("serve did not stop within 30 s: {}", first.log()));
    assert!(
        exited < Duration::from_secs(8),
        "serve took {exited:?} to stop\n{}",
        first.log()
    );
    assert!(
        first.log().contains("kept to record at the next start"),
        "{}",
        first.log()
    );

    // The store is healthy again: the restart records the message, and does not send it again.
    let second = Serve::start(dir.path(), &apis.slack, &apis.telegram).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !second.log().contains("messages sent before the last stop are recorded") {
        assert!(
            Instant::now() < deadline,
            "not recorded after the restart: {}",
            second.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Time for a resend to show itself, were there one.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(apis.sent().len(), 1, "{:#?}\n{}", apis.sent(), second.log());
    // Recorded: the customer's answer is taken and followed up, once.
    second.answer(1, CHAT, 10).await;
    apis.wait_until(Duration::from_secs(10), "the follow-up", &[&second], |s| s.len() >= 2)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = apis.sent();
    eprintln!("SIGTERM then restart: {} messages sent to the customer", sent.len());
    assert_eq!(sent.len(), 2, "the question once, then the follow-up: {sent:#?}");
    assert_ne!(sent[0].text, sent[1].text);
    assert!(!db.with_file_name("sarafan.db.unrecorded.jsonl").exists());
}

/// On DynamoDB the stream reader's checkpoints are items of the table it reads, so each save is
/// itself a stream record: once the questions are out, an idle serve must not keep saving (a
/// reader that saved after every batch would feed itself a write per read, for ever).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_serve_on_dynamodb_leaves_its_stream_checkpoints_alone() {
    use sarafan_core::store::dynamodb::DynamoStore;
    let store_vars = dynamodb_table("idle");
    let table = store_vars
        .iter()
        .find(|(k, _)| *k == "SARAFAN_TABLE")
        .unwrap()
        .1
        .clone();
    let dir = tempfile::tempdir().unwrap();
    let apis = Apis::healthy().await;
    let serve = Serve::start_on(dir.path(), &apis.slack, &apis.telegram, &store_vars).await;
    serve.ask(&chats(3)).await;
    apis.wait_until(Duration::from_secs(30), "every question", &[&serve], |s| s.len() == 3)
        .await;
    let store = DynamoStore::from_sdk_config(&DynamoStore::sdk_config().await, table);
    // Settled: the batch that handled the questions has saved its checkpoint.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = store.stream_checkpoints("outreach").await.unwrap();
    assert!(
        before.values().any(|c| c.after.is_some()),
        "the reader saved where it is: {before:?}\n{}",
        serve.log()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = store.stream_checkpoints("outreach").await.unwrap();
    assert_eq!(before, after, "an idle reader saved its checkpoints again");
    assert_eq!(apis.sent().len(), 3);
}
