//! Load test of `sarafan serve` (release build, SQLite in a temporary directory, Telegram Bot API
//! recorded by a local server): signed Slack channel mentions, `/api/responses` bodies and Telegram
//! answers (score buttons and typed scores) to surveys asked beforehand, over loopback with bounded
//! concurrency, a fifth of them byte-identical redeliveries. Prints throughput and latency, waits
//! for outreach to drain, then checks that exactly the distinct records were stored (`sarafan
//! export`) and that exactly one follow-up per distinct answer reached the recorded chat API.
//!
//! `cargo bench --bench serve_load` (options after `--`: `--requests N --concurrency C`, and
//! `--bin PATH` to measure another `sarafan` build, e.g. a copy of an earlier one, against this one).

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::Json;
use sarafan_core::signing::slack_signature;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

const SLACK_SECRET: &str = "load-slack-secret";
const API_TOKEN: &str = "load-api-token";
const TELEGRAM_SECRET: &str = "load-telegram-secret";
const TELEGRAM_TOKEN: &str = "700000001:load-telegram-bot-token";
/// Private chat ids of the surveyed Telegram customers start here.
const FIRST_CHAT: i64 = 500_000_000;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `sarafan` binary to start: this build's, unless `--bin PATH` names another.
fn sarafan_bin() -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--bin")
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_sarafan").to_string())
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("bound address").port()
}

/// The server's environment: SQLite in `dir`, Slack, Telegram and the API configured, the Bot
/// API at the recorder, quiet logs (the default info line per request would be measured too).
fn env(dir: &Path, telegram_api: &str) -> Vec<(&'static str, String)> {
    vec![
        ("SARAFAN_STORE", "sqlite".into()),
        ("SARAFAN_DB", dir.join("sarafan.db").display().to_string()),
        ("SLACK_SIGNING_SECRET", SLACK_SECRET.into()),
        ("SARAFAN_API_TOKEN", API_TOKEN.into()),
        ("TELEGRAM_WEBHOOK_SECRET", TELEGRAM_SECRET.into()),
        ("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN.into()),
        ("TELEGRAM_API_URL", telegram_api.into()),
        ("SARAFAN_BRAND_TERMS", "Sprite".into()),
        // No organic listening in the load test: nothing leaves this machine.
        ("HN_SEARCH_URL", "".into()),
        ("RUST_LOG", "warn".into()),
    ]
}

/// What a distinct delivery is, by its index: one in eight a Telegram answer, the rest half
/// Slack channel messages naming the brand (mentions), half `/api/responses` bodies (customers
/// without a chat: stored, no follow-up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Mention,
    Response,
    Answer,
}

fn kind(i: usize) -> Kind {
    match i % 8 {
        7 => Kind::Answer,
        n if n % 2 == 0 => Kind::Mention,
        _ => Kind::Response,
    }
}

/// The Telegram chat answering as distinct delivery `i` (an answer), and its score.
fn answer_chat(i: usize) -> i64 {
    FIRST_CHAT + (i / 8) as i64
}

fn answer_score(i: usize) -> usize {
    (i / 8) % 11
}

/// How a delivery is authenticated.
#[derive(Clone, Copy)]
enum Auth {
    Slack,
    Bearer,
    Telegram,
}

struct Delivery {
    path: &'static str,
    body: Vec<u8>,
    auth: Auth,
}

/// Distinct delivery `i`, built the same way each time it is sent (redeliveries are byte for byte).
fn distinct(i: usize, date: i64) -> Delivery {
    match kind(i) {
        Kind::Mention => {
            let body = json!({
                "token": "x", "team_id": "T0LOAD", "api_app_id": "A0LOAD", "type": "event_callback",
                "event_id": format!("Ev{i:08}"), "event_time": date,
                "event": {"type": "message", "channel": "C0GENERAL", "channel_type": "channel",
                          "user": format!("U{i:08}"), "text": format!("The new Sprite service visit {i} was great, thanks!"),
                          "ts": format!("{date}.{i:06}")}
            });
            Delivery {
                path: "/webhooks/slack/events",
                body: body.to_string().into_bytes(),
                auth: Auth::Slack,
            }
        }
        Kind::Response => {
            let body = json!({
                "id": format!("load-{i}"), "customer": {"id": format!("cust-{i}")},
                "score": 7 + (i % 4) as i64, "comment": "Quick and friendly", "submitted_at": "2026-03-09T10:00:00Z"
            });
            Delivery {
                path: "/api/responses",
                body: body.to_string().into_bytes(),
                auth: Auth::Bearer,
            }
        }
        Kind::Answer => Delivery {
            path: "/webhooks/telegram",
            body: telegram_answer(i, date).to_string().into_bytes(),
            auth: Auth::Telegram,
        },
    }
}

/// A Bot API update answering the survey: every other one a click on the question's score
/// button (`callback_query`), the others the score typed as a message.
fn telegram_answer(i: usize, date: i64) -> Value {
    let chat = answer_chat(i);
    let score = answer_score(i);
    let update_id = 730_000_000 + i as i64;
    let from = json!({"id": chat, "is_bot": false, "first_name": "Olga", "username": format!("olga{chat}"), "language_code": "en"});
    let private = json!({"id": chat, "first_name": "Olga", "username": format!("olga{chat}"), "type": "private"});
    if (i / 8) % 2 == 0 {
        let keyboard: Vec<Vec<Value>> = [0..6, 6..11]
            .into_iter()
            .map(|row| {
                row.map(|s| json!({"text": s.to_string(), "callback_data": format!("nps:{s}")}))
                    .collect()
            })
            .collect();
        json!({
            "update_id": update_id,
            "callback_query": {
                "id": format!("{}", 4_382_000_000_000_000_000u64 + i as u64),
                "from": from,
                "message": {
                    "message_id": 1,
                    "from": {"id": 700000001, "is_bot": true, "first_name": "Sprite", "username": "sprite_load_bot"},
                    "chat": private, "date": date - 60,
                    "text": "How likely are you to recommend us to a friend or colleague?",
                    "reply_markup": {"inline_keyboard": keyboard}
                },
                "chat_instance": format!("-64228183851273{i:05}"),
                "data": format!("nps:{score}")
            }
        })
    } else {
        json!({
            "update_id": update_id,
            "message": {"message_id": 2, "from": from, "chat": private, "date": date, "text": score.to_string()}
        })
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The recorded Telegram Bot API: every `sendMessage` per chat, split into questions (with the
/// score keyboard) and follow-ups (plain text).
#[derive(Default)]
struct Recorded {
    questions: BTreeMap<i64, usize>,
    follow_ups: BTreeMap<i64, usize>,
    other: Vec<String>,
    next_message_id: i64,
}

type Recorder = Arc<Mutex<Recorded>>;

impl Recorded {
    fn totals(&self) -> (usize, usize) {
        (self.questions.values().sum(), self.follow_ups.values().sum())
    }
}

/// Answers `sendMessage` as the Bot API does (`{"ok":true,"result":Message}`); anything else 404.
async fn bot_api(State(recorder): State<Recorder>, uri: Uri, Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    let send_message = format!("/bot{TELEGRAM_TOKEN}/sendMessage");
    let mut recorded = recorder.lock().expect("recorder lock");
    let chat = body["chat_id"].as_i64();
    let (Some(chat), true) = (chat, uri.path() == send_message) else {
        recorded
            .other
            .push(format!("{} {body}", uri.path().replace(TELEGRAM_TOKEN, "<token>")));
        let error = json!({"ok": false, "error_code": 404, "description": "Not Found"});
        return (StatusCode::NOT_FOUND, Json(error));
    };
    let counts = if body.get("reply_markup").is_some() {
        &mut recorded.questions
    } else {
        &mut recorded.follow_ups
    };
    *counts.entry(chat).or_default() += 1;
    recorded.next_message_id += 1;
    let message = json!({
        "message_id": recorded.next_message_id,
        "from": {"id": 700000001, "is_bot": true, "first_name": "Sprite", "username": "sprite_load_bot"},
        "chat": {"id": chat, "first_name": "Olga", "type": "private"},
        "date": chrono::Utc::now().timestamp(),
        "text": body["text"],
    });
    (StatusCode::OK, Json(json!({"ok": true, "result": message})))
}

async fn start_recorder() -> (String, Recorder) {
    let recorder = Recorder::default();
    let app = axum::Router::new().fallback(bot_api).with_state(recorder.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port for the recorder");
    let base = format!("http://{}", listener.local_addr().expect("bound address"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("the recorder serves") });
    (base, recorder)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        // Ours only: the child we started, by its handle.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The last lines of the server's log, for a failure message.
fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// Waits, bounded and saying how far it got every two seconds, until `progress` reaches its goal.
async fn wait_until(what: &str, limit: Duration, log: &Path, mut progress: impl FnMut() -> (usize, usize)) {
    let started = Instant::now();
    let mut said = Instant::now();
    loop {
        let (got, want) = progress();
        if got >= want {
            eprintln!("  {what}: {got}/{want} after {:.1} s", started.elapsed().as_secs_f64());
            return;
        }
        assert!(
            started.elapsed() < limit,
            "{what}: only {got}/{want} after {limit:?}\n{}",
            log_tail(log)
        );
        if said.elapsed() >= Duration::from_secs(2) {
            eprintln!("  {what}: {got}/{want} ...");
            said = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::main]
async fn main() {
    let total = arg("--requests", 10_000);
    let concurrency = arg("--concurrency", 64);
    let dir = tempfile::tempdir().expect("temporary directory");
    let log = dir.path().join("serve.log");
    let (telegram_api, recorder) = start_recorder().await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let server = Server(
        Command::new(sarafan_bin())
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .envs(env(dir.path(), &telegram_api))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("the server's log file"))
            .spawn()
            .expect("starting sarafan serve"),
    );
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client");
    let ready = Instant::now();
    while http.get(format!("{base}/health")).send().await.is_err() {
        assert!(
            ready.elapsed() < Duration::from_secs(20),
            "sarafan serve did not start\n{}",
            log_tail(&log)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Every fifth delivery repeats an earlier one byte for byte (platforms redeliver).
    let date = chrono::Utc::now().timestamp();
    let mut plan = Vec::with_capacity(total);
    let mut fresh = 0;
    for i in 0..total {
        if i % 5 == 4 {
            plan.push(distinct((i * 7919) % fresh, date));
        } else {
            plan.push(distinct(fresh, date));
            fresh += 1;
        }
    }
    let duplicates = total - fresh;
    let answers: BTreeMap<i64, usize> = (0..fresh)
        .filter(|&i| kind(i) == Kind::Answer)
        .map(|i| (answer_chat(i), answer_score(i)))
        .collect();
    // A tenth more customers are asked and never answer: they must get no follow-up.
    let silent = answers.len() / 10;
    let surveyed: Vec<i64> = (0..(answers.len() + silent) as i64).map(|n| FIRST_CHAT + n).collect();

    // Before the clock starts: ask every Telegram customer (outreach sends the question), then
    // one more; outreach works through its feed in order, so once that last question is out,
    // every survey before it is stored and the answers will find them.
    let sentinel = FIRST_CHAT - 1;
    eprintln!(
        "asking {} Telegram customers (outreach paces the Bot API at ~30 messages/s)",
        surveyed.len()
    );
    let batches = surveyed.chunks(200).map(<[i64]>::to_vec).chain([vec![sentinel]]);
    for (n, chats) in batches.enumerate() {
        let customers: Vec<Value> = chats
            .iter()
            .map(|c| json!({"platform": "telegram", "chat_id": c}))
            .collect();
        let answer = http
            .post(format!("{base}/api/surveys"))
            .bearer_auth(API_TOKEN)
            .header("idempotency-key", format!("load-surveys-{n}"))
            .json(&json!({ "customers": customers }))
            .send()
            .await
            .expect("POST /api/surveys");
        assert_eq!(answer.status().as_u16(), 202, "POST /api/surveys");
    }
    let limit = Duration::from_secs(30 + surveyed.len() as u64 / 10);
    wait_until("questions sent", limit, &log, || {
        (recorder.lock().expect("recorder lock").totals().0, surveyed.len() + 1)
    })
    .await;

    let gate = Arc::new(Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    let started = Instant::now();
    for delivery in plan {
        let permit = gate.clone().acquire_owned().await.expect("semaphore open");
        let (http, url) = (http.clone(), format!("{base}{}", delivery.path));
        tasks.spawn(async move {
            let req = http.post(url).header("content-type", "application/json");
            let req = match delivery.auth {
                Auth::Bearer => req.bearer_auth(API_TOKEN),
                Auth::Telegram => req.header("x-telegram-bot-api-secret-token", TELEGRAM_SECRET),
                Auth::Slack => {
                    let ts = chrono::Utc::now().timestamp().to_string();
                    let signature = slack_signature(SLACK_SECRET, &ts, &delivery.body);
                    req.header("x-slack-request-timestamp", ts)
                        .header("x-slack-signature", signature)
                }
            };
            let sent = Instant::now();
            let status = req.body(delivery.body).send().await.map(|r| r.status().as_u16());
            drop(permit);
            (status, sent.elapsed())
        });
    }
    let mut latencies = Vec::with_capacity(total);
    let mut failures = 0;
    while let Some(done) = tasks.join_next().await {
        let (status, latency) = done.expect("request task");
        if !matches!(status, Ok(200)) {
            failures += 1;
            if failures <= 5 {
                eprintln!("unexpected answer: {status:?}");
            }
        }
        latencies.push(latency);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let throughput = total as f64 / elapsed.as_secs_f64();
    println!(
        "sarafan serve: {total} signed webhooks ({fresh} distinct, {duplicates} redelivered byte for byte; {} Telegram answers), {concurrency} in flight",
        answers.len()
    );
    println!(
        "  {:.2} s, {throughput:.0} requests/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {failures} not 200",
        elapsed.as_secs_f64(),
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
    );

    // Outreach follows up each answer through the paced Bot API; wait for all of them, then a
    // little longer so a doubled follow-up would have time to show.
    let drain = Instant::now();
    let limit = Duration::from_secs(60 + answers.len() as u64 / 10);
    wait_until("follow-ups sent", limit, &log, || {
        (recorder.lock().expect("recorder lock").totals().1, answers.len())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    println!(
        "  outreach drained {:.1} s after the last answer was acknowledged",
        drain.elapsed().as_secs_f64() - 3.0
    );
    drop(server);

    // Exactly the distinct records, through the CLI's export on the same database.
    let export = |kind: &str| -> Vec<Value> {
        let out = Command::new(sarafan_bin())
            .args(["export", kind])
            .envs(env(dir.path(), &telegram_api))
            .output()
            .expect("running sarafan export");
        assert!(
            out.status.success(),
            "export {kind}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
            .collect()
    };
    let responses = export("responses");
    let api_responses: BTreeSet<String> = responses
        .iter()
        .filter(|r| r["platform"] != "telegram")
        .map(|r| r["id"].as_str().unwrap_or_default().to_string())
        .collect();
    let expected_api: BTreeSet<String> = (0..fresh)
        .filter(|&i| kind(i) == Kind::Response)
        .map(|i| format!("load-{i}"))
        .collect();
    let mut telegram_scores: Vec<(i64, usize)> = responses
        .iter()
        .filter(|r| r["platform"] == "telegram")
        .map(|r| {
            let customer = r["customer_id"].as_str().unwrap_or_default();
            let chat = customer.trim_start_matches("telegram:").parse().unwrap_or_default();
            (chat, r["score"].as_u64().unwrap_or(99) as usize)
        })
        .collect();
    let expected_scores: Vec<(i64, usize)> = answers.iter().map(|(c, s)| (*c, *s)).collect();
    let mentions = export("mentions");
    let mention_texts: BTreeSet<String> = mentions
        .iter()
        .map(|m| m["text"].as_str().unwrap_or_default().to_string())
        .collect();
    let expected_mentions = (0..fresh).filter(|&i| kind(i) == Kind::Mention).count();
    let detractor_alerts = export("alerts").iter().filter(|a| a["kind"] == "detractor").count();
    let expected_alerts = answers.values().filter(|&&s| s <= 6).count();

    let recorded = recorder.lock().expect("recorder lock");
    let follow_ups_total = recorded.totals().1;
    let answered_once = answers
        .keys()
        .filter(|c| recorded.follow_ups.get(c) == Some(&1))
        .count();
    let asked_once = surveyed
        .iter()
        .filter(|c| recorded.questions.get(c) == Some(&1))
        .count();
    println!(
        "  stored: {} API responses (expected {}), {} Telegram responses (expected {}), {} mentions (expected {expected_mentions}, {} distinct texts), {detractor_alerts} detractor alerts (expected {expected_alerts})",
        api_responses.len(),
        expected_api.len(),
        telegram_scores.len(),
        answers.len(),
        mentions.len(),
        mention_texts.len()
    );
    println!(
        "  Telegram Bot API: {follow_ups_total} follow-ups (expected {}: {answered_once} chats with exactly one), {} questions to {} surveyed chats ({asked_once} asked exactly once), {} other calls",
        answers.len(),
        recorded.totals().0 - 1,
        surveyed.len(),
        recorded.other.len()
    );
    assert_eq!(failures, 0, "every delivery, first or repeated, is answered 200");
    assert_eq!(
        api_responses, expected_api,
        "exactly the distinct API responses are stored"
    );
    telegram_scores.sort();
    assert_eq!(
        telegram_scores, expected_scores,
        "exactly one response per distinct Telegram answer, with its score"
    );
    assert_eq!(
        (mentions.len(), mention_texts.len()),
        (expected_mentions, expected_mentions),
        "exactly the distinct mentions are stored, once each"
    );
    assert_eq!(detractor_alerts, expected_alerts, "one staff alert per detractor");
    assert_eq!(asked_once, surveyed.len(), "every surveyed chat was asked once");
    assert_eq!(
        (answered_once, follow_ups_total),
        (answers.len(), answers.len()),
        "exactly one follow-up per distinct answer, none to the silent chats"
    );
    assert!(
        recorded.other.is_empty(),
        "unexpected Bot API calls: {:?}",
        recorded.other
    );
}
