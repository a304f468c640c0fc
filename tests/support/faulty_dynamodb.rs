//! A fault-injecting HTTP proxy in front of DynamoDB Local: point a process's
//! `AWS_ENDPOINT_URL_DYNAMODB` at [`FaultyDynamo::url`] and, while its switch is on, every write
//! call (`X-Amz-Target: DynamoDB_20120810.{TransactWriteItems, PutItem, UpdateItem,
//! DeleteItem, BatchWriteItem}`) is answered as DynamoDB answers an internal fault, without
//! reaching DynamoDB Local; everything else (reads, `DescribeTable`, Streams calls) is forwarded
//! unchanged, both ways. A store failing on write is DynamoDB's version of a locked or full disk.
//!
//! The fault's shape is DynamoDB's own (Amazon DynamoDB Developer Guide, "Error handling with
//! DynamoDB", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html:
//! HTTP 500, `Content-Type: application/x-amz-json-1.0`, a body of `__type` and `message`; the
//! message as the API reference gives it for `InternalServerError`).
#![allow(dead_code)]

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// DynamoDB's write calls, as `X-Amz-Target` names them after `DynamoDB_20120810.`.
pub const WRITES: [&str; 5] = [
    "TransactWriteItems",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
];

/// DynamoDB's answer to a request it failed on its side.
const INTERNAL_SERVER_ERROR: &str = r#"{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"The server encountered an internal error trying to fulfill the request."}"#;

/// The switch: on, writes fail; off, everything is forwarded. Cheap to clone into a callback.
#[derive(Clone, Default)]
pub struct WriteFault {
    on: Arc<AtomicBool>,
    /// Write calls answered with the fault so far.
    refused: Arc<AtomicUsize>,
}

impl WriteFault {
    pub fn is_on(&self) -> bool {
        self.on.load(Ordering::SeqCst)
    }

    pub fn set(&self, on: bool) {
        self.on.store(on, Ordering::SeqCst);
    }

    /// Turns writes off for `how_long` from now, unless they are off already (`false` then).
    /// Callable from any thread, including a mock server's synchronous responder.
    pub fn fail_for(&self, how_long: Duration) -> bool {
        if self.on.swap(true, Ordering::SeqCst) {
            return false;
        }
        let on = self.on.clone();
        std::thread::spawn(move || {
            std::thread::sleep(how_long);
            on.store(false, Ordering::SeqCst);
        });
        true
    }

    /// How many write calls were refused.
    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    client: reqwest::Client,
    fault: WriteFault,
}

/// The proxy, listening on a free loopback port until dropped.
pub struct FaultyDynamo {
    pub url: String,
    pub fault: WriteFault,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultyDynamo {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultyDynamo {
    /// Starts a proxy to `upstream` (e.g. DynamoDB Local's `http://127.0.0.1:8000`), switched off.
    pub async fn start(upstream: &str) -> FaultyDynamo {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let fault = WriteFault::default();
        let proxy = Proxy {
            upstream: upstream.trim_end_matches('/').to_string(),
            client: reqwest::Client::new(),
            fault: fault.clone(),
        };
        let app = axum::Router::new().fallback(forward).with_state(proxy);
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FaultyDynamo { url, fault, task }
    }
}

/// Whether `headers` name one of DynamoDB's [`WRITES`].
fn is_write(headers: &HeaderMap) -> bool {
    headers
        .get("x-amz-target")
        .and_then(|target| target.to_str().ok())
        .and_then(|target| target.strip_prefix("DynamoDB_20120810."))
        .is_some_and(|call| WRITES.contains(&call))
}

async fn forward(State(proxy): State<Proxy>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    if proxy.fault.is_on() && is_write(&headers) {
        proxy.fault.refused.fetch_add(1, Ordering::SeqCst);
        return Response::builder()
            .status(StatusCode::INTERNAL_SERVER_ERROR)
            .header("content-type", "application/x-amz-json-1.0")
            .body(Body::from(INTERNAL_SERVER_ERROR))
            .unwrap();
    }
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = proxy.client.request(method, format!("{}{path}", proxy.upstream));
    for (name, value) in &headers {
        if !matches!(
            name.as_str(),
            "host" | "content-length" | "connection" | "transfer-encoding"
        ) {
            request = request.header(name, value);
        }
    }
    let answer = match request.body(body).send().await {
        Ok(answer) => answer,
        Err(e) => {
            return Response::builder()
                .status(StatusCode::BAD_GATEWAY)
                .body(Body::from(format!("the proxy could not reach DynamoDB: {e}")))
                .unwrap()
        }
    };
    let mut response = Response::builder().status(answer.status().as_u16());
    for (name, value) in answer.headers() {
        if !matches!(name.as_str(), "content-length" | "connection" | "transfer-encoding") {
            response = response.header(name.as_str(), value.as_bytes());
        }
    }
    let body = answer.bytes().await.unwrap_or_default();
    response.body(Body::from(body)).unwrap()
}
