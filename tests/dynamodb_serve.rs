//! `sarafan dynamodb create-table`, then `SARAFAN_STORE=dynamodb sarafan serve` end to end on
//! DynamoDB Local (which scripts/test starts), including outages of it.

#[path = "support/serve.rs"]
mod serve_support;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sarafan_core::ledger::{self, metric, Deltas, PurchaseContext};
use sarafan_core::model::{Alert, DomainEvent, Mention, Purchase, Referral, Response};
use sarafan_core::signing::slack_signature;
use sarafan_core::store::dynamodb::shards::StreamReader;
use sarafan_core::store::dynamodb::DynamoStore;
use sarafan_core::store::{AggregateReader, Record, RecordKind, RecordLister};
use sarafan_core::YearMonth;
use serde_json::{json, Value};
use serve_support::{forwarded, Launch};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

const API_TOKEN: &str = "api-token";
const SLACK_SECRET: &str = "slack-signing-secret";

/// DynamoDB Local's address (the SDK's per-service variable, which wins over `AWS_ENDPOINT_URL`).
fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
        .expect("these tests need DynamoDB Local: run scripts/test (it starts it and sets AWS_ENDPOINT_URL_DYNAMODB)")
}

/// Where an armed fault strikes the transaction it is armed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strike {
    /// The server never sees the transaction: the request is lost.
    BeforeServer,
    /// The server applies the transaction, and its answer is lost on the way back.
    AfterServer,
}

struct LinkState {
    upstream: String,
    /// TransactWriteItems requests seen so far.
    transactions: AtomicU64,
    armed: std::sync::Mutex<Option<(u64, Strike)>>,
    /// Faults that struck so far.
    struck: watch::Sender<u32>,
    /// Set from the moment a fault strikes until the link is up again: nothing passes.
    cutting: AtomicBool,
}

impl LinkState {
    /// Counts a transaction; the fault armed for it, if any, fires.
    fn strike_for_next_transaction(&self) -> Option<Strike> {
        let n = self.transactions.fetch_add(1, Ordering::SeqCst) + 1;
        let mut armed = self.armed.lock().unwrap();
        match *armed {
            Some((at, strike)) if n >= at => {
                *armed = None;
                Some(strike)
            }
            _ => None,
        }
    }

    fn cut(&self) {
        self.cutting.store(true, Ordering::SeqCst);
        self.struck.send_modify(|n| *n += 1);
    }
}

/// A forwarder in front of the DynamoDB server that can be cut (every open connection reset,
/// new ones refused) and restored, so the server and its data survive the "outage".
///
/// Why a link rather than killing the server: DynamoDB Local runs in memory here, so a killed
/// server comes back empty; the link gives the same view from the client's side (connections
/// reset mid-request, then refused) and can strike at an exact point: just before a transaction
/// reaches the server, or just after the server applied it and before the answer gets back
/// (the case that tests idempotency hardest).
///
/// The link speaks just enough HTTP/1.1 (Content-Length framing) to see each request; requests
/// pass concurrently, as they reach DynamoDB, which serialises conflicting transactions itself.
struct Link {
    port: u16,
    state: Arc<LinkState>,
    tasks: Option<JoinSet<()>>,
}

impl Link {
    async fn new(upstream: String) -> Link {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut link = Link {
            port,
            state: Arc::new(LinkState {
                upstream,
                transactions: AtomicU64::new(0),
                armed: std::sync::Mutex::new(None),
                struck: watch::channel(0).0,
                cutting: AtomicBool::new(false),
            }),
            tasks: None,
        };
        link.up().await;
        link
    }

    async fn up(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.state.cutting.store(false, Ordering::SeqCst);
        let state = self.state.clone();
        let mut tasks = JoinSet::new();
        tasks.spawn(async move {
            // Dropped with the accept loop when the link goes down, aborting every connection.
            let mut conns = JoinSet::new();
            loop {
                let Ok((inbound, _)) = listener.accept().await else {
                    return;
                };
                // A connection dropped by the link is reset (RST), as when a server dies.
                let _ = inbound.set_zero_linger();
                conns.spawn(relay(state.clone(), inbound));
                while conns.try_join_next().is_some() {}
            }
        });
        self.tasks = Some(tasks);
    }

    /// Closes the listener and resets every open connection.
    async fn down(&mut self) {
        self.state.cutting.store(true, Ordering::SeqCst);
        if let Some(mut tasks) = self.tasks.take() {
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
        }
    }

    /// Cuts the link at the `after`-th TransactWriteItems from now.
    fn arm(&self, after: u64, strike: Strike) {
        let at = self.state.transactions.load(Ordering::SeqCst) + after;
        *self.state.armed.lock().unwrap() = Some((at, strike));
    }

    fn disarm(&self) {
        *self.state.armed.lock().unwrap() = None;
    }

    fn struck(&self) -> watch::Receiver<u32> {
        self.state.struck.subscribe()
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// One HTTP/1.1 message as bytes, with what the link needs to know of it.
struct Message {
    bytes: Vec<u8>,
    transaction: bool,
    close: bool,
}

/// Reads one message framed by Content-Length (what the AWS SDK and DynamoDB Local send); `None` at a
/// clean end of the connection.
async fn read_message<R: AsyncBufRead + Unpin>(r: &mut R, response: bool) -> std::io::Result<Option<Message>> {
    let mut bytes = Vec::new();
    let (mut length, mut transaction, mut close) = (None, false, false);
    loop {
        let start = bytes.len();
        if r.read_until(b'\n', &mut bytes).await? == 0 {
            return match bytes.is_empty() {
                true => Ok(None),
                false => Err(std::io::ErrorKind::UnexpectedEof.into()),
            };
        }
        let line = String::from_utf8_lossy(&bytes[start..]).trim().to_ascii_lowercase();
        if line.is_empty() {
            break;
        }
        if start == 0 {
            close = line.starts_with("http/1.0");
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim() {
            "content-length" => length = Some(value.parse::<usize>().map_err(std::io::Error::other)?),
            "transfer-encoding" => return Err(std::io::Error::other("the test link does not relay chunked bodies")),
            "connection" => close = value == "close",
            "x-amz-target" => transaction = value.ends_with(".transactwriteitems"),
            _ => {}
        }
    }
    match length {
        Some(n) => {
            let start = bytes.len();
            bytes.resize(start + n, 0);
            r.read_exact(&mut bytes[start..]).await?;
        }
        None if response => {
            r.read_to_end(&mut bytes).await?;
            close = true;
        }
        None => {}
    }
    Ok(Some(Message {
        bytes,
        transaction,
        close,
    }))
}

/// Relays one client connection's requests to the server, one at a time across all connections.
async fn relay(state: Arc<LinkState>, inbound: TcpStream) {
    let (r, mut w) = inbound.into_split();
    let mut r = BufReader::new(r);
    let mut upstream: Option<(BufReader<OwnedReadHalf>, OwnedWriteHalf)> = None;
    while let Ok(Some(request)) = read_message(&mut r, false).await {
        if state.cutting.load(Ordering::SeqCst) {
            return;
        }
        let strike = match request.transaction {
            true => state.strike_for_next_transaction(),
            false => None,
        };
        if strike == Some(Strike::BeforeServer) {
            state.cut();
            return;
        }
        let (ur, uw) = match &mut upstream {
            Some(conn) => conn,
            None => {
                let Ok(conn) = TcpStream::connect(&state.upstream).await else {
                    return;
                };
                let (ur, uw) = conn.into_split();
                upstream.insert((BufReader::new(ur), uw))
            }
        };
        if uw.write_all(&request.bytes).await.is_err() {
            return;
        }
        let Ok(Some(response)) = read_message(ur, true).await else {
            return;
        };
        if response.close {
            upstream = None;
        }
        if strike == Some(Strike::AfterServer) {
            state.cut();
            return;
        }
        if w.write_all(&response.bytes).await.is_err() || request.close {
            return;
        }
    }
}

fn sarafan(args: &[&str], endpoint: &str, table: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sarafan"))
        .args(args)
        .env("SARAFAN_STORE", "dynamodb")
        .env("SARAFAN_TABLE", table)
        .env("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
        .output()
        .unwrap()
}

/// `sarafan serve` (tests/support/serve.rs) with the directory of its log.
struct Serve {
    serve: serve_support::Serve,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for Serve {
    type Target = serve_support::Serve;

    fn deref(&self) -> &serve_support::Serve {
        &self.serve
    }
}

impl Serve {
    /// `sarafan serve` on DynamoDB through `endpoint`, answering on a free port once it is up.
    async fn start(endpoint: &str, table: &str) -> Serve {
        let dir = tempfile::tempdir().unwrap();
        let serve = Launch::new(dir.path())
            // The suite's AWS credentials and region, and its log level if it sets one.
            .vars(forwarded(&[
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN",
                "AWS_REGION",
                "AWS_DEFAULT_REGION",
                "RUST_LOG",
            ]))
            .var("SARAFAN_STORE", "dynamodb")
            .var("SARAFAN_TABLE", table)
            .var("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
            .var("SARAFAN_API_TOKEN", API_TOKEN)
            .var("SLACK_SIGNING_SECRET", SLACK_SECRET)
            .var("SARAFAN_BRAND_TERMS", "Sprite")
            // No organic listening here: nothing leaves this machine.
            .var("HN_SEARCH_URL", "")
            .start()
            .await;
        Serve { serve, _dir: dir }
    }

    fn log_tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

fn upstream() -> String {
    endpoint()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

fn new_table() -> String {
    format!("sarafan-e2e-{:08x}", rand_suffix())
}

async fn create_table(link: &Link) -> String {
    let table = new_table();
    let created = sarafan(&["dynamodb", "create-table"], &link.url(), &table);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert_eq!(String::from_utf8_lossy(&created.stdout).trim(), table);
    table
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_table_then_serve_on_dynamodb_answers_503_while_it_is_down_and_stores_once() {
    let mut link = Link::new(upstream()).await;
    let table = create_table(&link).await;
    let serve = Serve::start(&link.url(), &table).await;
    let base = &serve.base;
    let http = reqwest::Client::new();
    let api = |body: Value| {
        http.post(format!("{base}/api/responses"))
            .bearer_auth(API_TOKEN)
            .body(body.to_string())
            .send()
    };

    // Signed webhooks in.
    assert_eq!(
        api(json!({"id": "r1", "customer": {"id": "c1"}, "score": 10}))
            .await
            .unwrap()
            .status(),
        200
    );
    let event = json!({
        "token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback", "event_id": "Ev0DYNAMO1",
        "event_time": 1773144000,
        "event": {"type": "message", "channel": "C0GENERAL", "channel_type": "channel", "user": "U0FAN",
                  "text": "The Sprite team sorted my car in an hour, brilliant", "ts": "1773144000.000200"}
    })
    .to_string();
    let ts = chrono::Utc::now().timestamp().to_string();
    let signature = slack_signature(SLACK_SECRET, &ts, event.as_bytes());
    for _ in 0..2 {
        let res = http
            .post(format!("{base}/webhooks/slack/events"))
            .header("x-slack-request-timestamp", &ts)
            .header("x-slack-signature", &signature)
            .body(event.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }

    // The store goes away: the platform is told to retry (503), not that all is well.
    link.down().await;
    let res = api(json!({"id": "r2", "customer": {"id": "c2"}, "score": 2}))
        .await
        .unwrap();
    assert_eq!(res.status(), 503, "{}", res.text().await.unwrap());
    // It comes back, the sender retries: stored once.
    link.up().await;
    for _ in 0..2 {
        let res = api(json!({"id": "r2", "customer": {"id": "c2"}, "score": 2}))
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }

    // `sarafan export` out.
    let ids = export_ids("responses", &link.url(), &table);
    assert_eq!(ids.iter().filter(|id| *id == "r1").count(), 1, "{ids:?}");
    assert_eq!(ids.iter().filter(|id| *id == "r2").count(), 1, "{ids:?}");
    let out = sarafan(&["export", "mentions"], &link.url(), &table);
    let mentions = String::from_utf8(out.stdout).unwrap();
    assert_eq!(mentions.lines().count(), 1, "{mentions}");
    assert!(mentions.contains("brilliant"));
}

/// Every event the table's stream holds, each shard read to its newest record, in stream order.
async fn stream_events(store: &DynamoStore) -> Vec<DomainEvent> {
    let arn = store.stream_arn().await.unwrap().expect("the table has a stream");
    let reader = StreamReader::new(&DynamoStore::sdk_config().await, arn, Some(&endpoint()));
    let mut events = Vec::new();
    for shard in reader.shards().await.unwrap() {
        let mut iterator = reader.iterator(&shard.id, None).await.unwrap();
        while let Some(at) = iterator {
            let batch = reader.records(&at, 1000).await.unwrap();
            if batch.records.is_empty() {
                break;
            }
            events.extend(batch.events().into_iter().map(|(_, event)| event));
            iterator = batch.next;
        }
    }
    events
}

/// `sarafan export KIND` (JSON lines): the records' ids, in the order printed.
fn export_ids(kind: &str, endpoint: &str, table: &str) -> Vec<String> {
    let out = sarafan(&["export", kind], endpoint, table);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// One webhook as its platform sends it: the same body, byte for byte, on every redelivery.
struct Webhook {
    path: &'static str,
    auth: Auth,
    body: String,
    /// The record it carries, and the delivery keys the store keeps for it.
    kind: RecordKind,
    id: String,
    deliveries: Vec<String>,
}

/// How a webhook proves where it comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Auth {
    Bearer,
    /// Signed when sent, as Slack signs each delivery (a retry has a fresh timestamp).
    Slack,
}

/// What a sender got back from one attempt.
#[derive(Debug, Clone)]
enum Answer {
    Status(u16),
    /// Refused, reset or timed out: no HTTP answer at all.
    Nothing(String),
}

/// Webhooks in flight at once.
const SENDERS: usize = 4;

/// Scores of the replayed answers, in turn: mostly promoters and passives, as in life (each
/// detractor also makes outreach write an alert).
const SCORES: [u8; 10] = [10, 9, 8, 3, 10, 7, 9, 6, 10, 8];

/// The month every replayed record belongs to (its own aggregate item, whatever today is).
const REPLAY_MONTH: &str = "2025-11";

/// A few hundred distinct webhooks: survey answers through the API (some naming the customer,
/// which is a second delivery key), brand mentions in a Slack channel, purchases. Customers and
/// buyers repeat, so concurrent writes contend on the same items.
fn replay_webhooks() -> Vec<Webhook> {
    // One hour of one day: every write lands on the same few counters.
    let at = |i: usize| format!("{REPLAY_MONTH}-10T10:{:02}:{:02}Z", i % 60, (i * 7) % 60);
    let mut hooks = Vec::new();
    let comments = ["Quick service and a friendly team", "The wait was far too long", ""];
    for i in 0..70 {
        let id = format!("fault-r{i:03}");
        let mut customer = json!({"id": format!("fault-c{:02}", i % 30)});
        let mut deliveries = vec![format!("api:response:{id}")];
        if i % 4 == 0 {
            customer["name"] = json!(format!("Customer {}", i % 30));
            deliveries.push(format!("api:response:{id}:customer"));
        }
        let mut body =
            json!({"id": id, "customer": customer, "score": SCORES[i % SCORES.len()], "submitted_at": at(i)});
        if !comments[i % 3].is_empty() {
            body["comment"] = json!(comments[i % 3]);
        }
        hooks.push(Webhook {
            path: "/api/responses",
            auth: Auth::Bearer,
            body: body.to_string(),
            kind: RecordKind::Responses,
            id,
            deliveries,
        });
    }
    let texts = [
        "Sprite fixed my car in an hour, brilliant",
        "Sprite opens at nine on Saturdays",
        "Sprite lost my booking twice, awful",
        "Sprite moved to the new site on the ring road",
    ];
    for i in 0..45 {
        let secs = chrono::DateTime::parse_from_rfc3339(&at(i)).unwrap().timestamp();
        let ts = format!("{secs}.{i:06}");
        let event_id = format!("Ev0FAULT{i:04}");
        let body = json!({
            "token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
            "event_id": event_id, "event_time": secs,
            "event": {"type": "message", "channel": "C0FAULT", "channel_type": "channel",
                      "user": format!("U0FAN{:02}", i % 30), "text": texts[i % texts.len()], "ts": ts}
        })
        .to_string();
        hooks.push(Webhook {
            path: "/webhooks/slack/events",
            auth: Auth::Slack,
            body,
            kind: RecordKind::Mentions,
            id: format!("slack:C0FAULT:{ts}"),
            deliveries: vec![format!("slack:event:{event_id}")],
        });
    }
    for i in 0..35 {
        let id = format!("fault-p{i:03}");
        let kind = if i % 3 == 0 { "repeat" } else { "new" };
        let body = json!({
            "id": id, "customer_id": format!("fault-b{:02}", i % 20), "kind": kind,
            "amount": 100 + i, "currency": "EUR", "purchased_at": at(i)
        });
        hooks.push(Webhook {
            path: "/api/purchases",
            auth: Auth::Bearer,
            body: body.to_string(),
            kind: RecordKind::Purchases,
            deliveries: vec![format!("api:purchase:{id}")],
            id,
        });
    }
    hooks
}

/// Sends one webhook until it is accepted, as a platform does: a 503 or no answer is retried
/// after a short backoff; anything else ends it. Returns every answer, the last one last.
async fn deliver(http: &reqwest::Client, base: &str, hook: &Webhook, unavailable: &AtomicU64) -> Vec<Answer> {
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut answers = Vec::new();
    for attempt in 0u64.. {
        let mut req = http.post(format!("{base}{}", hook.path)).body(hook.body.clone());
        req = match hook.auth {
            Auth::Bearer => req.bearer_auth(API_TOKEN),
            Auth::Slack => {
                let ts = chrono::Utc::now().timestamp().to_string();
                let signature = slack_signature(SLACK_SECRET, &ts, hook.body.as_bytes());
                req.header("x-slack-request-timestamp", ts)
                    .header("x-slack-signature", signature)
            }
        };
        match req.send().await {
            Ok(res) => {
                let status = res.status().as_u16();
                let _ = res.bytes().await;
                answers.push(Answer::Status(status));
                if status != 503 {
                    return answers;
                }
                unavailable.fetch_add(1, Ordering::SeqCst);
            }
            Err(e) => answers.push(Answer::Nothing(e.to_string())),
        }
        if Instant::now() > deadline {
            return answers;
        }
        let jitter = rand::random::<u64>() % 50;
        tokio::time::sleep(Duration::from_millis(50 * attempt.min(6) + 20 + jitter)).await;
    }
    answers
}

/// What one outage was: where it struck, and how many 503s senders had seen when it ended.
#[derive(Debug)]
struct Outage {
    strike: Strike,
    unavailable_by_then: u64,
}

/// Takes the DynamoDB server away and brings it back, up to three times, at seeded points of
/// the replay; each outage lasts until senders have been told 503 as many times as there are
/// senders (the SDK's own retries gave up), with a bounded wait, so no timing is assumed.
async fn outages(
    mut link: Link,
    seed: u64,
    unavailable: Arc<AtomicU64>,
    mut done: watch::Receiver<bool>,
) -> (Link, Vec<Outage>) {
    let mut rng = StdRng::seed_from_u64(seed.wrapping_add(1));
    let third = if rng.gen_bool(0.5) {
        Strike::AfterServer
    } else {
        Strike::BeforeServer
    };
    let mut happened = Vec::new();
    for strike in [Strike::AfterServer, Strike::BeforeServer, third] {
        let mut struck = link.struck();
        let before = *struck.borrow_and_update();
        link.arm(rng.gen_range(25..80), strike);
        tokio::select! {
            _ = struck.wait_for(|n| *n > before) => {}
            _ = done.wait_for(|d| *d) => {
                link.disarm();
                break;
            }
        }
        link.down().await;
        let seen = unavailable.load(Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(30);
        while unavailable.load(Ordering::SeqCst) < seen + SENDERS as u64 && Instant::now() < deadline && !*done.borrow()
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..400))).await;
        link.up().await;
        happened.push(Outage {
            strike,
            unavailable_by_then: unavailable.load(Ordering::SeqCst),
        });
    }
    (link, happened)
}

async fn list_all(store: &DynamoStore, kind: RecordKind) -> Vec<Record> {
    let (mut records, mut after) = (Vec::new(), None::<String>);
    loop {
        let page = store.list(kind, None, after.as_deref(), 500).await.unwrap();
        records.extend(page.records);
        match page.next {
            Some(next) => after = Some(next),
            None => return records,
        }
    }
}

/// The monthly counters recounted from the stored records with the ledger's own rules.
fn recount(
    responses: &[Response],
    mentions: &[Mention],
    purchases: &[Purchase],
    referrals: &[Referral],
    alerts: &[Alert],
) -> BTreeMap<YearMonth, BTreeMap<String, i64>> {
    let mut deltas = Deltas::default();
    for r in responses {
        deltas.merge(ledger::response_deltas(r));
    }
    for m in mentions {
        deltas.merge(ledger::mention_deltas(m));
    }
    // Cohorts follow the first new purchase; within one month the order does not change a count.
    let mut cohorts: HashMap<&str, YearMonth> = HashMap::new();
    let mut purchases: Vec<&Purchase> = purchases.iter().collect();
    purchases.sort_by(|a, b| (a.purchased_at, &a.id).cmp(&(b.purchased_at, &b.id)));
    for p in purchases {
        assert!(p.referral_code.is_none(), "the replay sends no referral codes");
        let ctx = PurchaseContext {
            buyer_cohort: cohorts.get(p.customer_id.as_str()).copied(),
            ..PurchaseContext::default()
        };
        let effects = ledger::purchase_effects(p, &ctx);
        if let Some(cohort) = effects.set_buyer_cohort {
            cohorts.insert(&p.customer_id, cohort);
        }
        deltas.merge(effects.deltas);
    }
    // Outreach's own records, written while the replay ran: promoters' links, detractor alerts.
    for r in referrals {
        deltas.add(r.created_at, metric::REFERRALS_CREATED, 1);
        deltas.add(r.created_at, metric::REFERRAL_CLICKS, r.clicks as i64);
    }
    for a in alerts {
        assert!(
            a.claimed_at.is_none() && a.resolved_at.is_none(),
            "no one claims alerts here"
        );
        deltas.add(a.created_at, metric::alerts_raised(a.kind), 1);
    }
    let mut months: BTreeMap<YearMonth, BTreeMap<String, i64>> = BTreeMap::new();
    for ((month, metric), delta) in deltas.0 {
        if delta != 0 {
            months.entry(month).or_default().insert(metric, delta);
        }
    }
    months
}

/// Issue 9, "faults against the real local servers": a replay of signed webhooks (about 20%
/// byte-identical redeliveries, four in flight) while the DynamoDB server goes away and comes
/// back at seeded points, once right after it applied a transaction whose answer is lost, once
/// right before a transaction reaches it. Senders retry 503s and dropped connections like a
/// platform. Afterwards: every webhook ended 2xx, no answer was anything but 2xx or 503, each
/// record is stored once, and the store is consistent: every record has its delivery key and
/// exactly one event in the table's stream (serve writes its events for the stream alone, as
/// Lambda does), and the monthly counters equal a recount of the
/// records (no double counts, no record without its counters).
///
/// `SARAFAN_FAULT_SEED=N` replays another choreography; the seed is printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_outages_during_a_webhook_replay_lose_and_double_nothing() {
    let seed = std::env::var("SARAFAN_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(9);
    let link = Link::new(upstream()).await;
    // The test above creates the table with `sarafan dynamodb create-table`; this one directly.
    let table = new_table();
    let store = DynamoStore::from_env(&table).await;
    sarafan_core::store::dynamodb::create_table(store.client(), &table)
        .await
        .unwrap();
    let serve = Serve::start(&link.url(), &table).await;

    let started = Instant::now();
    let hooks = Arc::new(replay_webhooks());
    let mut rng = StdRng::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..hooks.len()).collect();
    order.shuffle(&mut rng);
    let redeliveries = hooks.len() / 5;
    for n in 0..redeliveries {
        let pos = rng.gen_range(0..order.len());
        // Half follow closely (in flight together with the first delivery), half much later.
        let reach = if n % 2 == 0 { 8 } else { order.len() };
        let at = rng.gen_range(pos + 1..=order.len().min(pos + reach));
        order.insert(at, order[pos]);
    }
    let order = Arc::new(order);

    let unavailable = Arc::new(AtomicU64::new(0));
    let (done_tx, done_rx) = watch::channel(false);
    let choreography = tokio::spawn(outages(link, seed, unavailable.clone(), done_rx));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let mut senders = JoinSet::new();
    for _ in 0..SENDERS {
        let (http, base, hooks, order, next, unavailable) = (
            http.clone(),
            serve.base.clone(),
            hooks.clone(),
            order.clone(),
            next.clone(),
            unavailable.clone(),
        );
        senders.spawn(async move {
            let mut log = Vec::new();
            loop {
                let k = next.fetch_add(1, Ordering::SeqCst);
                let Some(&hook) = order.get(k) else {
                    return log;
                };
                log.push((hook, deliver(&http, &base, &hooks[hook], &unavailable).await));
            }
        });
    }
    let mut log: Vec<(usize, Vec<Answer>)> = Vec::new();
    while let Some(done) = senders.join_next().await {
        log.extend(done.unwrap());
    }
    // The choreography may be over already (all its outages happened).
    let _ = done_tx.send(true);
    let (link, outages) = choreography.await.unwrap();

    // What the senders saw.
    let answers: Vec<&Answer> = log.iter().flat_map(|(_, a)| a).collect();
    let count = |f: &dyn Fn(&Answer) -> bool| answers.iter().filter(|a| f(a)).count();
    let ok = count(&|a| matches!(a, Answer::Status(s) if (200..300).contains(s)));
    let unavailable = count(&|a| matches!(a, Answer::Status(503)));
    let nothing = count(&|a| matches!(a, Answer::Nothing(_)));
    let why_nothing: BTreeSet<&str> = answers
        .iter()
        .filter_map(|a| match a {
            Answer::Nothing(why) => Some(why.as_str()),
            Answer::Status(_) => None,
        })
        .collect();
    let outage_list: Vec<String> = outages
        .iter()
        .map(|o| format!("{:?} (503s so far: {})", o.strike, o.unavailable_by_then))
        .collect();
    eprintln!(
        "fault replay: seed {seed}, {} webhooks sent ({} distinct, {redeliveries} redeliveries) in {:.1?} ({} transactions sent to the server); \
         outages: {}; answers: {ok} 2xx, {unavailable} 503, {nothing} without an answer {why_nothing:?}",
        log.len(),
        hooks.len(),
        started.elapsed(),
        link.state.transactions.load(Ordering::SeqCst),
        outage_list.join(", ")
    );
    let odd: Vec<_> = answers
        .iter()
        .filter(|a| {
            !matches!(a, Answer::Status(s) if (200..300).contains(s) || *s == 503) && !matches!(a, Answer::Nothing(_))
        })
        .collect();
    assert!(
        odd.is_empty(),
        "answers other than 2xx and 503: {odd:?}\n{}",
        serve.log_tail()
    );
    let unfinished: Vec<_> = log
        .iter()
        .filter(|(_, a)| !matches!(a.last(), Some(Answer::Status(s)) if (200..300).contains(s)))
        .map(|(hook, a)| (&hooks[*hook].id, a))
        .collect();
    assert!(
        unfinished.is_empty(),
        "webhooks never accepted: {unfinished:?}\n{}",
        serve.log_tail()
    );
    assert!(outages.len() >= 2, "the server went away only {} times", outages.len());
    assert!(
        unavailable > 0,
        "no sender was ever told 503: the outages were not noticed"
    );
    drop(serve);

    // Each distinct record exactly once, as `sarafan export` prints them.
    for kind in [RecordKind::Responses, RecordKind::Mentions, RecordKind::Purchases] {
        let mut want: Vec<&str> = hooks.iter().filter(|h| h.kind == kind).map(|h| h.id.as_str()).collect();
        want.sort_unstable();
        let mut got = export_ids(kind.as_str(), &link.url(), &table);
        got.sort_unstable();
        assert_eq!(got, want, "{} exported", kind.as_str());
    }

    // Consistent store: read directly, not through the link.
    let mut keys = BTreeSet::new();
    let mut start = None;
    loop {
        let page = store
            .client()
            .scan()
            .table_name(&table)
            .consistent_read(true)
            .projection_expression("pk")
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .unwrap();
        keys.extend(page.items().iter().filter_map(|i| i.get("pk")?.as_s().ok().cloned()));
        match page.last_evaluated_key {
            Some(last) => start = Some(last),
            None => break,
        }
    }
    for hook in hooks.iter() {
        for delivery in &hook.deliveries {
            assert!(
                keys.contains(&format!("DELIVERY#{delivery}")),
                "{} stored without its delivery key {delivery}",
                hook.id
            );
        }
    }
    let (mut responses, mut mentions, mut purchases, mut referrals, mut alerts) =
        (vec![], vec![], vec![], vec![], vec![]);
    for kind in RecordKind::ALL {
        for record in list_all(&store, kind).await {
            match record {
                Record::Response(r) => responses.push(r),
                Record::Mention(m) => mentions.push(m),
                Record::Purchase(p) => purchases.push(p),
                Record::Referral(r) => referrals.push(r),
                Record::Alert(a) => alerts.push(a),
                Record::Report(_) => {}
            }
        }
    }

    // The table's stream (what outreach read, as in Lambda): one event per stored record.
    let feed = stream_events(&store).await;
    let mut events: BTreeMap<(&str, String), usize> = BTreeMap::new();
    for event in &feed {
        let key = match event {
            DomainEvent::ResponseRecorded { response_id, .. } => ("response", response_id.clone()),
            DomainEvent::MentionRecorded { mention_id, .. } => ("mention", mention_id.clone()),
            DomainEvent::PurchaseRecorded { purchase_id, .. } => ("purchase", purchase_id.clone()),
            _ => continue,
        };
        *events.entry(key).or_default() += 1;
    }
    let stored: BTreeMap<(&str, String), usize> = responses
        .iter()
        .map(|r| (("response", r.id.clone()), 1))
        .chain(mentions.iter().map(|m| (("mention", m.id.clone()), 1)))
        .chain(purchases.iter().map(|p| (("purchase", p.id.clone()), 1)))
        .collect();
    assert_eq!(events, stored, "events in the stream vs stored records");

    // The monthly counters equal a recount of the records.
    let expected = recount(&responses, &mentions, &purchases, &referrals, &alerts);
    assert!(expected.contains_key(&REPLAY_MONTH.parse().unwrap()));
    for (month, want) in &expected {
        let got: BTreeMap<String, i64> = store
            .counters(*month)
            .await
            .unwrap()
            .into_iter()
            .filter(|(_, v)| *v != 0)
            .collect();
        let metrics: BTreeSet<&String> = want.keys().chain(got.keys()).collect();
        let wrong: Vec<String> = metrics
            .into_iter()
            .filter(|m| want.get(*m) != got.get(*m))
            .map(|m| format!("{m}: stored {:?}, recount {:?}", got.get(m), want.get(m)))
            .collect();
        assert!(
            wrong.is_empty(),
            "counters of {month} differ from a recount:\n{}",
            wrong.join("\n")
        );
    }
    eprintln!("fault replay: verified in {:.1?} in all", started.elapsed());
    // The emulator is shared with the other tests, and slows as it holds more.
    let _ = store.client().delete_table().table_name(&table).send().await;
}

fn rand_suffix() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    nanos ^ std::process::id()
}
