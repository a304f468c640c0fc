//! A small Lambda Runtime API emulator: starts one function process as Lambda would, hands it
//! events, collects its answers, and measures init (spawn to first `/next`), each invocation and
//! peak RSS. Shared by tests/lambda_runtime.rs and benches/cold_start.rs.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// What a function answered for one invocation.
#[derive(Debug)]
pub enum Outcome {
    Response(Value),
    Error(Value),
}

impl Outcome {
    /// The function's answer; a reported error panics, with the error.
    pub fn answered(self) -> Value {
        match self {
            Outcome::Response(value) => value,
            Outcome::Error(error) => panic!("the function reported an error: {error}"),
        }
    }
}

/// The Runtime API: `/next` hands out queued events (waiting while there are none), `/response`
/// and `/error` complete them. Records when the function first asked for work.
struct Runtime {
    events: tokio::sync::Mutex<mpsc::UnboundedReceiver<(String, Value)>>,
    pending: Mutex<HashMap<String, oneshot::Sender<(Outcome, Instant)>>>,
    handed_out: Mutex<HashMap<String, Instant>>,
    first_next: Mutex<Option<Instant>>,
    init_error: Mutex<Option<String>>,
}

async fn next(State(rt): State<Arc<Runtime>>) -> impl IntoResponse {
    rt.first_next.lock().unwrap().get_or_insert_with(Instant::now);
    let (id, event) = rt
        .events
        .lock()
        .await
        .recv()
        .await
        .expect("the caller keeps the queue open");
    let deadline = chrono::Utc::now().timestamp_millis() + 30_000;
    let mut headers = HeaderMap::new();
    // As Lambda sends it: awslambdaric parses the event as JSON only with this content type.
    headers.insert("content-type", "application/json".parse().unwrap());
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
    rt.handed_out.lock().unwrap().insert(id, Instant::now());
    (headers, event.to_string())
}

fn complete(rt: &Runtime, id: &str, outcome: Outcome) -> StatusCode {
    let at = Instant::now();
    match rt.pending.lock().unwrap().remove(id) {
        Some(tx) => {
            let _ = tx.send((outcome, at));
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

fn json_or_text(body: String) -> Value {
    serde_json::from_str(&body).unwrap_or(Value::String(body))
}

async fn response(State(rt): State<Arc<Runtime>>, Path(id): Path<String>, body: String) -> StatusCode {
    complete(&rt, &id, Outcome::Response(json_or_text(body)))
}

async fn error(State(rt): State<Arc<Runtime>>, Path(id): Path<String>, body: String) -> StatusCode {
    complete(&rt, &id, Outcome::Error(json_or_text(body)))
}

/// Kept for the caller: a function that fails to start posts here, then exits.
async fn init_error(State(rt): State<Arc<Runtime>>, body: String) -> StatusCode {
    *rt.init_error.lock().unwrap() = Some(body);
    StatusCode::ACCEPTED
}

/// One function process under the emulator; killed when dropped.
pub struct Function {
    child: Child,
    queue: mpsc::UnboundedSender<(String, Value)>,
    runtime: Arc<Runtime>,
    spawned: Instant,
    /// Each answered invocation's time, event handed out to answer received.
    durations: Vec<Duration>,
}

impl Function {
    /// Serves a Runtime API on a free loopback port, then spawns `command` (a function binary,
    /// or an interpreter and its arguments) with Lambda's variables and `env` only.
    pub async fn start(name: &str, mut command: Command, env: &[(&str, String)]) -> Function {
        let (tx, rx) = mpsc::unbounded_channel();
        let runtime = Arc::new(Runtime {
            events: tokio::sync::Mutex::new(rx),
            pending: Mutex::new(HashMap::new()),
            handed_out: Mutex::new(HashMap::new()),
            first_next: Mutex::new(None),
            init_error: Mutex::new(None),
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

        command
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "emulator")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "emulator")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if let Some((_, region)) = env.iter().find(|(k, _)| *k == "AWS_REGION") {
            // Lambda sets both; boto3 reads only this one.
            command.env("AWS_DEFAULT_REGION", region);
        }
        let spawned = Instant::now();
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("{name}: {:?}: {e}", command.get_program()));
        Function {
            child,
            queue: tx,
            runtime,
            spawned,
            durations: Vec::new(),
        }
    }

    /// Hands `event` to the function and waits (a minute at most) for its answer; a process
    /// that exits first is an error naming its exit status and any init error it posted.
    pub async fn invoke(&mut self, event: Value) -> Outcome {
        let id = format!("req-{}", self.durations.len() + 1);
        let (tx, mut rx) = oneshot::channel();
        self.runtime.pending.lock().unwrap().insert(id.clone(), tx);
        self.queue.send((id.clone(), event)).unwrap();
        let give_up = Instant::now() + Duration::from_secs(60);
        loop {
            tokio::select! {
                done = &mut rx => {
                    let (outcome, at) = done.expect("an outcome");
                    let handed_out = self.runtime.handed_out.lock().unwrap()[&id];
                    self.durations.push(at - handed_out);
                    return outcome;
                }
                _ = tokio::time::sleep(Duration::from_millis(50)) => {
                    if let Some(status) = self.child.try_wait().unwrap() {
                        let init_error = self.runtime.init_error.lock().unwrap().clone();
                        panic!("the function exited ({status}) before answering; init error: {init_error:?}");
                    }
                    assert!(Instant::now() < give_up, "the function answered within a minute");
                }
            }
        }
    }

    /// Spawn to the first `/next`: what a cold start costs before the first event.
    pub fn init_time(&self) -> Duration {
        let first = self
            .runtime
            .first_next
            .lock()
            .unwrap()
            .expect("the function asked for work");
        first - self.spawned
    }

    /// The first invocation's time, from handing out the event to the answer.
    pub fn first_invocation_time(&self) -> Duration {
        *self.durations.first().expect("an answered invocation")
    }

    /// Peak resident memory so far (VmHWM), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/PID/status")
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        // Ours only: the child this emulator started, by its handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A workspace binary: it sits beside the running test's or bench's directory
/// (target/<profile>/deps/..). Panics with `how_to_build` when it is missing.
pub fn binary(name: &str, how_to_build: &str) -> PathBuf {
    let dir = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let path = dir.join(name);
    assert!(path.exists(), "{} is not built: {how_to_build}", path.display());
    path
}

/// The variables that point an AWS SDK at the local servers scripts/test starts: DynamoDB
/// Local (`AWS_ENDPOINT_URL_DYNAMODB`) and moto for everything else (`AWS_ENDPOINT_URL`), with
/// their dummy credentials.
pub fn local_aws_env() -> Vec<(&'static str, String)> {
    let how = "run scripts/test (it starts DynamoDB Local and moto and sets both variables)";
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| panic!("needs AWS_ENDPOINT_URL: {how}"));
    let dynamodb =
        std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_else(|_| panic!("needs AWS_ENDPOINT_URL_DYNAMODB: {how}"));
    vec![
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_ENDPOINT_URL_DYNAMODB", dynamodb),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", "us-east-1".into()),
    ]
}

/// An API Gateway HTTP API (payload 2.0) event, from the fixture, with this request filled in.
pub fn http_event(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Value {
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

/// A fresh sender address, verified on the local SES (moto's SES, like SES, sends only from a
/// verified identity), for sarafan-reports' `REPORT_FROM`.
pub async fn verified_sender() -> String {
    let from = format!("reports-{:08x}@sarafan.example", rand::random::<u32>());
    sarafan_reports::ses::SesMailer::from_env()
        .await
        .client()
        .await
        .create_email_identity()
        .email_identity(&from)
        .send()
        .await
        .unwrap();
    from
}
