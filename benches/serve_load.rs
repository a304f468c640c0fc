//! Load test of `sarafan serve` (release build, SQLite in a temporary directory): signed Slack
//! channel mentions and `/api/responses` bodies over loopback with bounded concurrency, a fifth
//! of them exact redeliveries; prints throughput and latency, then checks through
//! `sarafan export` that exactly the distinct records were stored.
//!
//! `cargo bench --bench serve_load` (options after `--`: `--requests N --concurrency C`).

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

const SLACK_SECRET: &str = "load-slack-secret";
const API_TOKEN: &str = "load-api-token";

struct Delivery {
    path: &'static str,
    body: Vec<u8>,
    bearer: bool,
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("bound address").port()
}

/// The server's environment: SQLite in `dir`, Slack and the API configured, quiet logs (the
/// default info log line per request would be measured too).
fn env(dir: &std::path::Path) -> Vec<(&'static str, String)> {
    vec![
        ("SARAFAN_STORE", "sqlite".into()),
        ("SARAFAN_DB", dir.join("sarafan.db").display().to_string()),
        ("SLACK_SIGNING_SECRET", SLACK_SECRET.into()),
        ("SARAFAN_API_TOKEN", API_TOKEN.into()),
        ("SARAFAN_BRAND_TERMS", "Sprite".into()),
        ("RUST_LOG", "warn".into()),
    ]
}

/// Distinct deliveries: even ones a channel message naming the brand (a mention), odd ones a
/// passive or promoter NPS answer (no alert, no chat follow-up: this measures ingest).
fn distinct(i: usize) -> Delivery {
    if i % 2 == 0 {
        let body = serde_json::json!({
            "token": "x", "team_id": "T0LOAD", "api_app_id": "A0LOAD", "type": "event_callback",
            "event_id": format!("Ev{i:08}"), "event_time": 1_773_144_000,
            "event": {"type": "message", "channel": "C0GENERAL", "channel_type": "channel",
                      "user": format!("U{i:08}"), "text": format!("The new Sprite service visit {i} was great, thanks!"),
                      "ts": format!("1773144000.{i:06}")}
        });
        Delivery {
            path: "/webhooks/slack/events",
            body: body.to_string().into_bytes(),
            bearer: false,
        }
    } else {
        let body = serde_json::json!({
            "id": format!("load-{i}"), "customer": {"id": format!("cust-{i}")},
            "score": 7 + (i % 4) as i64, "comment": "Quick and friendly", "submitted_at": "2026-03-09T10:00:00Z"
        });
        Delivery {
            path: "/api/responses",
            body: body.to_string().into_bytes(),
            bearer: true,
        }
    }
}

fn slack_signature(ts: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SLACK_SECRET.as_bytes()).expect("any key length");
    for part in [b"v0:".as_slice(), ts.as_bytes(), b":", body] {
        mac.update(part);
    }
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        // Ours only: the child we started, by its handle.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::main]
async fn main() {
    let total = arg("--requests", 10_000);
    let concurrency = arg("--concurrency", 64);
    let dir = tempfile::tempdir().expect("temporary directory");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_sarafan"))
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .envs(env(dir.path()))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
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
        assert!(ready.elapsed() < Duration::from_secs(20), "sarafan serve did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Every fifth delivery repeats an earlier one byte for byte (platforms redeliver).
    let mut plan = Vec::with_capacity(total);
    let mut fresh = 0;
    for i in 0..total {
        if i % 5 == 4 {
            plan.push(distinct((i * 7919) % fresh));
        } else {
            plan.push(distinct(fresh));
            fresh += 1;
        }
    }
    let duplicates = total - fresh;

    let gate = Arc::new(Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    let started = Instant::now();
    for delivery in plan {
        let permit = gate.clone().acquire_owned().await.expect("semaphore open");
        let (http, url) = (http.clone(), format!("{base}{}", delivery.path));
        tasks.spawn(async move {
            let mut req = http.post(url).header("content-type", "application/json");
            req = if delivery.bearer {
                req.bearer_auth(API_TOKEN)
            } else {
                let ts = chrono::Utc::now().timestamp().to_string();
                let signature = slack_signature(&ts, &delivery.body);
                req.header("x-slack-request-timestamp", ts)
                    .header("x-slack-signature", signature)
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
        "sarafan serve: {total} signed webhooks ({fresh} distinct, {duplicates} redelivered), {concurrency} in flight"
    );
    println!(
        "  {:.2} s, {throughput:.0} requests/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {failures} not 200",
        elapsed.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    drop(server);

    // Exactly the distinct records, through the CLI's export on the same database.
    let export = |kind: &str| -> Vec<serde_json::Value> {
        let out = Command::new(env!("CARGO_BIN_EXE_sarafan"))
            .args(["export", kind])
            .envs(env(dir.path()))
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
    let responses: BTreeSet<String> = export("responses")
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default().to_string())
        .collect();
    let expected: BTreeSet<String> = (0..fresh).filter(|i| i % 2 == 1).map(|i| format!("load-{i}")).collect();
    let mentions = export("mentions");
    let mention_texts: BTreeSet<String> = mentions
        .iter()
        .map(|m| m["text"].as_str().unwrap_or_default().to_string())
        .collect();
    let expected_mentions = (0..fresh).filter(|i| i % 2 == 0).count();
    println!(
        "  stored: {} responses (expected {}), {} mentions (expected {expected_mentions}, {} distinct texts)",
        responses.len(),
        expected.len(),
        mentions.len(),
        mention_texts.len()
    );
    assert_eq!(failures, 0, "every delivery, first or repeated, is answered 200");
    assert_eq!(responses, expected, "exactly the distinct responses are stored");
    assert_eq!(
        (mentions.len(), mention_texts.len()),
        (expected_mentions, expected_mentions),
        "exactly the distinct mentions are stored, once each"
    );
}
