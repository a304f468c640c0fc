//! Cold starts side by side: the three release Lambda binaries and a Python 3.11 peer of ingest
//! (bench/python_peer, awslambdaric + boto3) under the same Runtime API emulator, on the same
//! local DynamoDB; prints init, first invocation and peak RSS (median, min, max) and the ratios.
//!
//! `cargo build --release -p sarafan-ingest -p sarafan-outreach -p sarafan-reports`, then
//! `cargo bench --bench cold_start` (options after `--`: `--runs N`). Uses the moto server named
//! by `AWS_ENDPOINT_URL`, or starts one from `.venv` on a free loopback port.

#[path = "../tests/support/lambda_emulator.rs"]
mod lambda_emulator;

use lambda_emulator::{binary, http_event, local_aws_env, verified_sender, Function};
use sarafan_core::signing::slack_signature;
use sarafan_core::store::dynamodb::fresh_table;
use sarafan_core::store::{RecordKind, RecordLister};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BUILD: &str = "build the release binaries first: \
    `cargo build --release -p sarafan-ingest -p sarafan-outreach -p sarafan-reports`";
const SLACK_SECRET: &str = "cold-start-slack-secret";
const BRAND_TERMS: &str = "Sprite";

/// `--runs N` after `--`; 10 by default.
fn runs() -> usize {
    let value = std::env::args().skip_while(|a| a != "--runs").nth(1);
    value.and_then(|v| v.parse().ok()).unwrap_or(10)
}

fn run(command: &mut Command, what: &str) {
    let status = command.status().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(status.success(), "{what}: {status}");
}

/// The peer's own venv (only what its Lambda package would hold), made on first use.
fn peer_python() -> PathBuf {
    let dir = Path::new(ROOT).join("bench/python_peer");
    let python = dir.join(".venv/bin/python");
    let ready = python.exists()
        && Command::new(&python)
            .args(["-c", "import awslambdaric, boto3"])
            .status()
            .is_ok_and(|s| s.success());
    if !ready {
        eprintln!("setting up the Python peer's venv in {}", dir.join(".venv").display());
        run(
            Command::new("python3.11").args(["-m", "venv"]).arg(dir.join(".venv")),
            "python3.11 -m venv (the peer is a Python 3.11 Lambda)",
        );
        run(
            Command::new(&python)
                .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r"])
                .arg(dir.join("requirements.txt")),
            "pip install -r bench/python_peer/requirements.txt",
        );
    }
    python
}

/// moto's server, started by this bench; stopped when dropped.
struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        // Ours only: the child we started, by its handle.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// moto on a free loopback port, installed into .venv as scripts/test does if it is missing.
fn start_moto() -> (Moto, String) {
    let venv = Path::new(ROOT).join(".venv");
    let server = venv.join("bin/moto_server");
    if !server.exists() {
        eprintln!("installing moto's server into {}", venv.display());
        run(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "python3 -m venv .venv",
        );
        run(
            Command::new(venv.join("bin/pip")).args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "moto[server]>=5,<6",
            ]),
            "pip install moto[server]",
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port();
    let child = Command::new(&server)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", server.display()));
    let moto = Moto(child);
    let give_up = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < give_up, "moto did not listen within 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    (moto, format!("http://127.0.0.1:{port}"))
}

/// One contestant: how to start it and what its first event is.
struct Side {
    name: &'static str,
    command: fn() -> Command,
    env: Vec<(&'static str, String)>,
    event: fn(usize) -> Value,
    /// Panics unless the answer is the one a user would want.
    check: fn(&Value),
}

#[derive(Default)]
struct Samples {
    init: Vec<Duration>,
    first_invocation: Vec<Duration>,
    peak_rss_kib: Vec<u64>,
}

fn fixture(rel: &str) -> String {
    let path = Path::new(ROOT).join("tests/fixtures").join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A signed Slack Events API delivery of a ~2 KB channel message naming the brand, through
/// API Gateway HTTP API; `run` makes its event id and message distinct, so every run stores.
fn slack_event(run: usize) -> Value {
    let mut body: Value = serde_json::from_str(&fixture("slack/message_channel.json")).unwrap();
    body["event_id"] = json!(format!("Ev0COLD{run:06}"));
    body["event"]["ts"] = json!(format!("1773143990.{run:06}"));
    let body = body.to_string();
    let ts = chrono::Utc::now().timestamp().to_string();
    let signature = slack_signature(SLACK_SECRET, &ts, body.as_bytes());
    http_event(
        "POST",
        "/webhooks/slack/events",
        &[("x-slack-request-timestamp", &ts), ("x-slack-signature", &signature)],
        &body,
    )
}

fn stream_batch(_run: usize) -> Value {
    serde_json::from_str(&fixture("dynamodb/stream-batch.json")).unwrap()
}

/// What EventBridge Scheduler sends with template.yaml's Input: a distinct month each run.
fn scheduler_event(run: usize) -> Value {
    let (year, month) = (2020 + run / 12, run % 12 + 1);
    json!({"time": format!("{year}-{month:02}-01T08:00:00Z")})
}

fn answered_200(answer: &Value) {
    assert_eq!(answer["statusCode"], 200, "{answer}");
}

fn no_failures(answer: &Value) {
    assert_eq!(answer["batchItemFailures"], json!([]), "{answer}");
}

fn emailed(answer: &Value) {
    let text = answer.to_string();
    assert!(text.contains("message_id") || text.contains("emailed"), "{answer}");
}

fn release_binary(name: &str) -> Command {
    Command::new(binary(name, BUILD))
}

fn python_peer() -> Command {
    let mut command = Command::new(Path::new(ROOT).join("bench/python_peer/.venv/bin/python"));
    command
        .args(["-m", "awslambdaric", "handler.handler"])
        .current_dir(Path::new(ROOT).join("bench/python_peer"));
    command
}

fn stats<T: Copy + Ord>(values: &[T]) -> (T, T, T) {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    (sorted[sorted.len() / 2], sorted[0], sorted[sorted.len() - 1])
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

fn main() {
    let runs = runs().max(1);
    // Fail fast, naming the command, before anything is started.
    for name in ["sarafan-ingest", "sarafan-outreach", "sarafan-reports"] {
        binary(name, BUILD);
    }
    peer_python();
    let _moto = match std::env::var("AWS_ENDPOINT_URL") {
        Ok(url) => {
            eprintln!("using the AWS emulator at {url}");
            None
        }
        Err(_) => {
            let (moto, url) = start_moto();
            eprintln!("started moto at {url}");
            // Before the runtime starts: no other thread exists yet to read the environment.
            for (name, value) in [
                ("AWS_ENDPOINT_URL", url.as_str()),
                ("AWS_ACCESS_KEY_ID", "testing"),
                ("AWS_SECRET_ACCESS_KEY", "testing"),
                ("AWS_REGION", "us-east-1"),
            ] {
                std::env::set_var(name, value);
            }
            Some(moto)
        }
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(bench(runs));
}

async fn bench(runs: usize) {
    let rust_table = fresh_table("sarafan-cold-rust").await;
    let python_table = fresh_table("sarafan-cold-python").await;
    let from = verified_sender().await;

    // As template.yaml sets them, minus SARAFAN_SECRETS_ARN: the secrets come from the
    // environment here, for the peer as for the binaries.
    let mut common = local_aws_env();
    common.extend([
        ("RUST_LOG", "info".into()),
        ("SARAFAN_STORE", "dynamodb".into()),
        ("SARAFAN_TABLE", rust_table.table().to_string()),
        ("SARAFAN_BRAND_TERMS", BRAND_TERMS.into()),
        ("SLACK_SIGNING_SECRET", SLACK_SECRET.into()),
    ]);
    let mut reports_env = common.clone();
    reports_env.extend([
        ("REPORT_FROM", from),
        ("REPORT_RECIPIENTS", "owner@sarafan.example".into()),
    ]);
    let mut peer_env = local_aws_env();
    peer_env.extend([
        ("AWS_EXECUTION_ENV", "AWS_Lambda_python3.11".into()),
        ("SARAFAN_TABLE", python_table.table().to_string()),
        ("SARAFAN_BRAND_TERMS", BRAND_TERMS.into()),
        ("SLACK_SIGNING_SECRET", SLACK_SECRET.into()),
    ]);
    let sides = [
        Side {
            name: "sarafan-ingest",
            command: || release_binary("sarafan-ingest"),
            env: common.clone(),
            event: slack_event,
            check: answered_200,
        },
        Side {
            name: "sarafan-outreach",
            command: || release_binary("sarafan-outreach"),
            env: common.clone(),
            event: stream_batch,
            check: no_failures,
        },
        Side {
            name: "sarafan-reports",
            command: || release_binary("sarafan-reports"),
            env: reports_env,
            event: scheduler_event,
            check: emailed,
        },
        Side {
            name: "python peer (ingest)",
            command: python_peer,
            env: peer_env,
            event: slack_event,
            check: answered_200,
        },
    ];

    let load_before = load_average();
    let mut samples: Vec<Samples> = sides.iter().map(|_| Samples::default()).collect();
    // Interleaved, so a change in the machine's load falls on every side alike.
    for run in 0..runs {
        for (side, samples) in sides.iter().zip(&mut samples) {
            let mut function = Function::start(side.name, (side.command)(), &side.env).await;
            let answer = function.invoke((side.event)(run)).await.answered();
            (side.check)(&answer);
            samples.init.push(function.init_time());
            samples.first_invocation.push(function.first_invocation_time());
            samples.peak_rss_kib.push(function.peak_rss_kib());
        }
        eprint!(".");
    }
    eprintln!();
    let load_after = load_average();

    // Every run's mention stored once, by each ingest.
    let rust_mentions = rust_table.list(RecordKind::Mentions, None, None, 1000).await.unwrap();
    let python_items = python_table
        .client()
        .scan()
        .table_name(python_table.table())
        .send()
        .await
        .unwrap();
    assert_eq!(rust_mentions.records.len(), runs, "sarafan-ingest's stored mentions");
    assert_eq!(python_items.count() as usize, runs, "the Python peer's stored items");

    println!(
        "cold starts: {runs} per side, interleaved; {} cores; load average {load_before} before, {load_after} after",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "{:<22} {:>30} {:>30} {:>30}",
        "", "init (spawn to first /next)", "first invocation", "peak RSS (VmHWM)"
    );
    println!(
        "{:<22} {:>30} {:>30} {:>30}",
        "", "median [min-max]", "median [min-max]", "median [min-max]"
    );
    let mut medians = Vec::new();
    for (side, s) in sides.iter().zip(&samples) {
        let (init, init_min, init_max) = stats(&s.init);
        let (first, first_min, first_max) = stats(&s.first_invocation);
        let (rss, rss_min, rss_max) = stats(&s.peak_rss_kib);
        println!(
            "{:<22} {:>30} {:>30} {:>30}",
            side.name,
            format!("{} [{}-{}]", ms(init), ms(init_min), ms(init_max)),
            format!("{} [{}-{}]", ms(first), ms(first_min), ms(first_max)),
            format!("{} [{}-{}]", mib(rss), mib(rss_min), mib(rss_max)),
        );
        medians.push((init, first, rss));
    }

    let (ingest, peer) = (medians[0], medians[3]);
    let ratio = |python: f64, rust: f64| python / rust.max(f64::MIN_POSITIVE);
    let init_ratio = ratio(peer.0.as_secs_f64(), ingest.0.as_secs_f64());
    println!();
    println!("Python peer / sarafan-ingest (medians):");
    println!("  init             {init_ratio:.1}x");
    println!(
        "  first invocation {:.1}x",
        ratio(peer.1.as_secs_f64(), ingest.1.as_secs_f64())
    );
    println!("  peak RSS         {:.1}x", ratio(peer.2 as f64, ingest.2 as f64));
    println!("  cold start (init + first invocation) {:.1}x", {
        let total = |m: (Duration, Duration, u64)| (m.0 + m.1).as_secs_f64();
        ratio(total(peer), total(ingest))
    });

    println!();
    println!("targets (issue 9: ingest; issue 8: every binary):");
    println!(
        "  ingest init <= 10 ms: {} ({})",
        verdict(ingest.0 <= Duration::from_millis(10)),
        ms(ingest.0)
    );
    println!(
        "  ingest init >= 20x faster than the peer: {} ({init_ratio:.1}x)",
        verdict(init_ratio >= 20.0)
    );
    println!(
        "  ingest peak RSS <= 20 MiB: {} ({})",
        verdict(ingest.2 <= 20 * 1024),
        mib(ingest.2)
    );
    for (side, (init, _, rss)) in sides.iter().zip(&medians).take(3) {
        println!(
            "  {}: init <= 30 ms {}, peak RSS <= 30 MB {}",
            side.name,
            verdict(*init <= Duration::from_millis(30)),
            verdict(*rss * 1024 <= 30_000_000)
        );
    }
}
