use crate::common::*;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use sarafan_core::store::*;

#[tokio::test]
async fn health_answers_ok() {
    let answer = Harness::new().send(get("/health")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["status"], "ok");
}

#[tokio::test]
async fn unknown_routes_are_404_json() {
    let answer = Harness::new().send(get("/webhooks/myspace")).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.json()["error"], "not_found");
}

#[tokio::test]
async fn a_body_over_256_kib_is_413_whether_or_not_its_length_is_declared() {
    let h = Harness::new();
    let big = format!(
        "{{\"id\":\"m\",\"source\":\"web\",\"text\":\"Sprite {}\"}}",
        "a".repeat(256 * 1024)
    );
    let declared = api("/api/mentions", &big);
    assert_eq!(h.send(declared).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Streamed without a Content-Length: refused while reading.
    let chunks = big.as_bytes().chunks(16 * 1024).map(Bytes::copy_from_slice).collect();
    let streamed = Request::post("/api/mentions")
        .header("authorization", format!("Bearer {API_TOKEN}"))
        .body(Body::new(Chunked(chunks)))
        .unwrap();
    assert!(streamed.headers().get("content-length").is_none());
    let answer = h.send(streamed).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.json()["error"], "payload_too_large");
    // A signed Slack body that is too large is refused the same way.
    let slack = slack_event(&big);
    assert_eq!(h.send(slack).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(h.mentions().await.is_empty());
    // Just under the limit is fine.
    let fits = format!(
        "{{\"id\":\"m\",\"source\":\"web\",\"text\":\"Sprite {}\"}}",
        "a".repeat(200 * 1024)
    );
    assert_eq!(h.send(api("/api/mentions", &fits)).await.status, StatusCode::OK);
    assert_eq!(h.store.read_feed(0, 10).await.unwrap().len(), 1);
}

/// A body of unknown length, delivered chunk by chunk.
struct Chunked(std::collections::VecDeque<Bytes>);

impl http_body::Body for Chunked {
    type Data = Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        std::task::Poll::Ready(self.0.pop_front().map(|c| Ok(http_body::Frame::data(c))))
    }
}

#[tokio::test]
async fn errors_never_leak_internals() {
    let answer = send(unreachable_app(), telegram(&fixture("telegram/message.json"))).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        !answer.body.contains("10.0.0.7") && !answer.body.contains("secret"),
        "{}",
        answer.body
    );
}
