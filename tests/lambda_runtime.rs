//! The built Lambda binaries under a small Lambda Runtime API emulator, on moto's DynamoDB:
//! real API Gateway and Scheduler event shapes in, stored records out; init time and peak RSS printed.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use sarafan_core::store::dynamodb::{create_table, DynamoStore};
use sarafan_core::store::{RecordKind, RecordLister};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// What a function answered for one invocation.
#[derive(Debug)]
enum Outcome {
    Response(Value),
    Error(Value),
}

/// The Runtime API: `/next` hands out queued events (waiting while there are none), `/response`
/// and `/error` complete them. Records when the function first asked for work.
struct Runtime {
    events: tokio::sync::Mutex<mpsc::UnboundedReceiver<(String, Value)>>,
    pending: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    first_next: Mutex<Option<Instant>>,
}

async fn next(State(rt): State<Arc<Runtime>>) -> impl IntoResponse {
    rt.first_next.lock().unwrap().get_or_insert_with(Instant::now);
    let (id, event) = rt
        .events
        .lock()
        .await
        .recv()
        .await
        .expect("the test keeps the queue open");
    let deadline = chrono::Utc::now().timestamp_millis() + 30_000;
    let mut headers = HeaderMap::new();
    headers.insert("lambda-runtime-aws-request-id", id.parse().unwrap());
    headers.insert("lambda-runtime-deadline-ms", deadline.to_string().parse().unwrap());
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:sarafan"
            .parse()
            .unwrap(),
    );
    headers.insert(
        "lambda-runtime-trace-id",
        "Root=1-00000000-000000000000000000000000".parse().unwrap(),
    );
    (headers, event.to_string())
}

fn complete(rt: &Runtime, id: &str, outcome: Outcome) -> StatusCode {
    match rt.pending.lock().unwrap().remove(id) {
        Some(tx) => {
            let _ = tx.send(outcome);
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

async fn response(State(rt): State<Arc<Runtime>>, Path(id): Path<String>, body: String) -> StatusCode {
    complete(
        &rt,
        &id,
        Outcome::Response(serde_json::from_str(&body).unwrap_or(Value::String(body))),
    )
}

async fn error(State(rt): State<Arc<Runtime>>, Path(id): Path<String>, body: String) -> StatusCode {
    complete(
        &rt,
        &id,
        Outcome::Error(serde_json::from_str(&body).unwrap_or(Value::String(body))),
    )
}

/// The function's answer; its reported error fails the test, with the error.
fn answered(outcome: Outcome) -> Value {
    match outcome {
        Outcome::Response(value) => value,
        Outcome::Error(error) => panic!("the function reported an error: {error}"),
    }
}

async fn init_error(body: String) -> StatusCode {
    panic!("the function failed to start: {body}");
}

/// One function process under the emulator.
struct Function {
    child: Child,
    queue: mpsc::UnboundedSender<(String, Value)>,
    runtime: Arc<Runtime>,
    spawned: Instant,
    invocations: u32,
}

impl Function {
    async fn start(bin: &str, env: &[(&str, String)]) -> Function {
        let (tx, rx) = mpsc::unbounded_channel();
        let runtime = Arc::new(Runtime {
            events: tokio::sync::Mutex::new(rx),
            pending: Mutex::new(HashMap::new()),
            first_next: Mutex::new(None),
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(runtime.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

        let path = binary(bin);
        let spawned = Instant::now();
        let child = Command::new(&path)
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", bin)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "test")
            .env("RUST_LOG", "warn")
            .envs(aws_env())
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Function {
            child,
            queue: tx,
            runtime,
            spawned,
            invocations: 0,
        }
    }

    async fn invoke(&mut self, event: Value) -> Outcome {
        self.invocations += 1;
        let id = format!("req-{}", self.invocations);
        let (tx, rx) = oneshot::channel();
        self.runtime.pending.lock().unwrap().insert(id.clone(), tx);
        self.queue.send((id, event)).unwrap();
        tokio::time::timeout(Duration::from_secs(60), rx)
            .await
            .expect("the function answered within a minute")
            .expect("an outcome")
    }

    /// Spawn to the first `/next`: what a cold start costs before the first event.
    fn init_time(&self) -> Duration {
        let first = self
            .runtime
            .first_next
            .lock()
            .unwrap()
            .expect("the function asked for work");
        first - self.spawned
    }

    /// Peak resident memory so far (VmHWM), in KiB.
    fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/PID/status")
    }

    fn report(&self, bin: &str) {
        eprintln!(
            "{bin}: init {} ms (spawn to first /next), peak RSS {} KiB",
            self.init_time().as_millis(),
            self.peak_rss_kib()
        );
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The workspace's built binaries sit beside this test's directory (target/debug/deps/..).
fn binary(name: &str) -> PathBuf {
    let dir = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo test --workspace` (or `cargo build --workspace`) first",
        path.display()
    );
    path
}

fn aws_env() -> Vec<(&'static str, String)> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .expect("these tests need a local AWS emulator: run scripts/test (it starts moto and sets AWS_ENDPOINT_URL)");
    vec![
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", "us-east-1".into()),
    ]
}

async fn fresh_table() -> DynamoStore {
    for (k, v) in aws_env() {
        assert_eq!(
            std::env::var(k).ok().as_deref(),
            Some(v.as_str()),
            "{k} for the test process"
        );
    }
    let store = DynamoStore::from_env(format!("sarafan-e2e-{:016x}", rand::random::<u64>())).await;
    create_table(store.client(), store.table()).await.unwrap();
    store
}

/// An API Gateway HTTP API (payload 2.0) event, from the fixture.
fn http_event(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/apigw/http_api_v2.json"
    ))
    .unwrap();
    let mut e: Value = serde_json::from_str(&text).unwrap();
    e["rawPath"] = json!(path);
    e["requestContext"]["http"]["method"] = json!(method);
    e["requestContext"]["http"]["path"] = json!(path);
    for (name, value) in headers {
        e["headers"][*name] = json!(value);
    }
    e["body"] = json!(body);
    e
}

#[tokio::test]
async fn ingest_binary_stores_a_detractor_answer_in_dynamodb() {
    let store = fresh_table().await;
    let mut ingest = Function::start(
        "sarafan-ingest",
        &[
            ("SARAFAN_TABLE", store.table().to_string()),
            ("SARAFAN_API_TOKEN", "e2e-token".into()),
        ],
    )
    .await;

    let health = answered(ingest.invoke(http_event("GET", "/health", &[], "")).await);
    assert_eq!(health["statusCode"], 200, "{health}");

    let body = json!({"id": "e2e-1", "customer": {"id": "c-1", "name": "Dana"}, "score": 3, "comment": "slow service"});
    let answer = answered(
        ingest
            .invoke(http_event(
                "POST",
                "/api/responses",
                &[("authorization", "Bearer e2e-token")],
                &body.to_string(),
            ))
            .await,
    );
    assert!(matches!(answer["statusCode"].as_u64(), Some(200 | 202)), "{answer}");

    let page = store.list(RecordKind::Responses, None, None, 10).await.unwrap();
    assert_eq!(page.records.len(), 1, "{page:?}");
    let sarafan_core::store::Record::Response(stored) = &page.records[0] else {
        panic!("{page:?}");
    };
    assert!(stored.customer_id.ends_with("c-1"), "{stored:?}");
    assert_eq!(stored.category(), sarafan_core::Category::Detractor);

    // A wrong token never reaches the store.
    let refused = answered(
        ingest
            .invoke(http_event(
                "POST",
                "/api/responses",
                &[("authorization", "Bearer nope")],
                &body.to_string(),
            ))
            .await,
    );
    assert_eq!(refused["statusCode"], 401, "{refused}");
    ingest.report("sarafan-ingest");
}

#[tokio::test]
async fn reports_binary_stores_the_month_on_a_scheduler_event() {
    let store = fresh_table().await;
    // moto's SES, like SES, sends only from a verified identity.
    let from = format!("reports-{:08x}@sarafan.example", rand::random::<u32>());
    let mailer = sarafan_reports::ses::SesMailer::from_env().await;
    mailer
        .client()
        .create_email_identity()
        .email_identity(&from)
        .send()
        .await
        .unwrap();
    let mut reports = Function::start(
        "sarafan-reports",
        &[
            ("SARAFAN_TABLE", store.table().to_string()),
            ("REPORT_FROM", from),
            ("REPORT_RECIPIENTS", "owner@sarafan.example".into()),
        ],
    )
    .await;
    // What EventBridge Scheduler sends with template.yaml's Input, the placeholder filled in.
    let outcome = reports.invoke(json!({"time": "2026-04-01T08:00:00Z"})).await;
    let answer = answered(outcome);
    assert!(answer.to_string().contains("2026-03"), "{answer}");
    assert!(
        answer.to_string().contains("message_id") || answer.to_string().contains("emailed"),
        "{answer}"
    );
    let page = store.list(RecordKind::Reports, None, None, 10).await.unwrap();
    assert_eq!(page.records.len(), 1, "{page:?}");
    reports.report("sarafan-reports");
}

#[tokio::test]
async fn outreach_binary_answers_a_stream_batch_with_no_failures() {
    let store = fresh_table().await;
    let mut outreach = Function::start("sarafan-outreach", &[("SARAFAN_TABLE", store.table().to_string())]).await;
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/dynamodb/stream-batch.json"
    ))
    .unwrap();
    let outcome = outreach.invoke(serde_json::from_str(&text).unwrap()).await;
    let answer = answered(outcome);
    // Nothing to retry: the batch's events are handled (or permanently skipped, with no platform set up).
    assert_eq!(answer["batchItemFailures"], json!([]), "{answer}");
    outreach.report("sarafan-outreach");
}
