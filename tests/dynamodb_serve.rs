//! `sarafan dynamodb create-table`, then `SARAFAN_STORE=dynamodb sarafan serve` end to end on the
//! local DynamoDB-compatible server that scripts/test starts, including an outage of it.

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

const API_TOKEN: &str = "api-token";
const SLACK_SECRET: &str = "slack-signing-secret";

fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL").expect(
        "these tests need a local DynamoDB-compatible server: run scripts/test (it starts moto and sets AWS_ENDPOINT_URL)",
    )
}

/// A TCP forwarder in front of the DynamoDB server that can be cut and restored, so the
/// server's data survive the "outage".
struct Link {
    port: u16,
    upstream: String,
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
            upstream,
            tasks: None,
        };
        link.up().await;
        link
    }

    async fn up(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        let upstream = self.upstream.clone();
        let mut tasks = JoinSet::new();
        tasks.spawn(async move {
            let mut conns = JoinSet::new();
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                let upstream = upstream.clone();
                conns.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        self.tasks = Some(tasks);
    }

    /// Closes the listener and every open connection.
    async fn down(&mut self) {
        if let Some(mut tasks) = self.tasks.take() {
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn sarafan(args: &[&str], endpoint: &str, table: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sarafan"))
        .args(args)
        .env("SARAFAN_STORE", "dynamodb")
        .env("SARAFAN_TABLE", table)
        .env("AWS_ENDPOINT_URL", endpoint)
        .output()
        .unwrap()
}

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_table_then_serve_on_dynamodb_answers_503_while_it_is_down_and_stores_once() {
    let upstream = endpoint()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut link = Link::new(upstream).await;
    let table = format!("sarafan-e2e-{:08x}", rand_suffix());

    let created = sarafan(&["dynamodb", "create-table"], &link.url(), &table);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert_eq!(String::from_utf8_lossy(&created.stdout).trim(), table);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let _serve = Serve(
        Command::new(env!("CARGO_BIN_EXE_sarafan"))
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .env("SARAFAN_STORE", "dynamodb")
            .env("SARAFAN_TABLE", &table)
            .env("AWS_ENDPOINT_URL", link.url())
            .env("SARAFAN_API_TOKEN", API_TOKEN)
            .env("SLACK_SIGNING_SECRET", SLACK_SECRET)
            .env("SARAFAN_BRAND_TERMS", "Sprite")
            .env_remove("SLACK_BOT_TOKEN")
            .env_remove("TELEGRAM_BOT_TOKEN")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while http.get(format!("{base}/health")).send().await.is_err() {
        assert!(
            Instant::now() < deadline,
            "serve did not start: {}",
            std::fs::read_to_string(&log).unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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
    let mut mac = Hmac::<Sha256>::new_from_slice(SLACK_SECRET.as_bytes()).unwrap();
    mac.update(format!("v0:{ts}:{event}").as_bytes());
    let signature = format!("v0={}", hex::encode(mac.finalize().into_bytes()));
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
    let out = sarafan(&["export", "responses"], &link.url(), &table);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.iter().filter(|id| **id == "r1").count(), 1, "{ids:?}");
    assert_eq!(ids.iter().filter(|id| **id == "r2").count(), 1, "{ids:?}");
    let out = sarafan(&["export", "mentions"], &link.url(), &table);
    let mentions = String::from_utf8(out.stdout).unwrap();
    assert_eq!(mentions.lines().count(), 1, "{mentions}");
    assert!(mentions.contains("brilliant"));
}

fn rand_suffix() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    nanos ^ std::process::id()
}
