//! A recording Slack Web API for the tests that post to Slack: it answers `chat.postMessage` with
//! Slack's documented example answer (tests/fixtures/slack/web_api/chat_postMessage_ok.json,
//! source recorded in tests/fixtures) and keeps every post for the test to read.
#![allow(dead_code)]

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// tests/fixtures/slack/web_api/{name}, parsed.
pub fn web_api_fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/slack/web_api/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Slack accepting every post (Slack's documented example answer).
pub async fn slack_accepting() -> MockServer {
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat.postMessage"))
        .respond_with(ResponseTemplate::new(200).set_body_json(web_api_fixture("chat_postMessage_ok.json")))
        .mount(&slack)
        .await;
    slack
}

/// The bodies posted to `chat.postMessage` so far, in order.
pub async fn posts(slack: &MockServer) -> Vec<Value> {
    slack
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/chat.postMessage")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}
