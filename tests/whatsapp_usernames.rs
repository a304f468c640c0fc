//! System test of a WhatsApp customer who has a username and so no phone number: asked with
//! `sarafan ask` by business-scoped user id, answering in Meta's documented shape (`from_user_id`,
//! no `from`), thanked at the same id, over real HTTP with a recorded Cloud API.

#[path = "support/serve.rs"]
mod serve_support;

use sarafan_core::signing::meta_signature;
use serde_json::{json, Value};
use serve_support::{Launch, Serve};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const META_SECRET: &str = "meta-app-secret";
const BSUID: &str = "US.13491208655302741918";

fn env(cmd: &mut Command, db: &Path, graph: &MockServer) {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUST_LOG", "info")
        .env("SARAFAN_DB", db)
        .env("META_APP_SECRET", META_SECRET)
        .env("WHATSAPP_TOKEN", "wa-token")
        .env("WHATSAPP_PHONE_NUMBER_ID", "1055")
        .env("META_GRAPH_URL", graph.uri());
}

fn sarafan(args: &[&str], db: &Path, graph: &MockServer) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sarafan"));
    cmd.args(args);
    env(&mut cmd, db, graph);
    cmd.output().unwrap()
}

async fn serve(dir: &Path, graph: &MockServer) -> Serve {
    Launch::new(dir)
        .var("RUST_LOG", "info")
        .var("SARAFAN_DB", dir.join("sarafan.db"))
        .var("META_APP_SECRET", META_SECRET)
        .var("WHATSAPP_TOKEN", "wa-token")
        .var("WHATSAPP_PHONE_NUMBER_ID", "1055")
        .var("META_GRAPH_URL", graph.uri())
        .start()
        .await
}

/// The bodies posted to the Cloud API's messages endpoint, once at least `n` have arrived.
async fn sent(graph: &MockServer, n: usize, serve: &Serve) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let bodies: Vec<Value> = graph
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == "/1055/messages")
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect();
        if bodies.len() >= n {
            return bodies;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {n} messages: {}",
            bodies.len(),
            serve.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_known_only_by_business_scoped_id_is_asked_answers_and_is_thanked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sarafan.db");
    let graph = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/1055/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": BSUID, "user_id": BSUID}],
            "messages": [{"id": "wamid.sent"}]
        })))
        .mount(&graph)
        .await;

    // GIVEN a question asked by business-scoped id (a phone-shaped typo is refused, exit 2)
    let bad = sarafan(&["ask", "--platform", "whatsapp", "--to", "us.1349"], &db, &graph);
    assert_eq!(bad.status.code(), Some(2), "{}", String::from_utf8_lossy(&bad.stderr));
    let asked = sarafan(&["ask", "--platform", "whatsapp", "--to", BSUID], &db, &graph);
    assert!(asked.status.success(), "{}", String::from_utf8_lossy(&asked.stderr));
    assert_eq!(
        String::from_utf8_lossy(&asked.stdout).trim(),
        format!("whatsapp:{BSUID}")
    );
    let serve = serve(dir.path(), &graph).await;
    // THEN the question goes to that id as `recipient`, with no `to`
    let question = &sent(&graph, 1, &serve).await[0];
    assert_eq!(question["recipient"], BSUID, "{question}");
    assert!(question.get("to").is_none(), "{question}");

    // WHEN the customer answers 9, in Meta's documented shape for a user with a username
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/platforms/whatsapp/text_bsuid_no_from.json");
    let mut payload: Value = serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = json!("9");
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] =
        json!(chrono::Utc::now().timestamp().to_string());
    let body = payload.to_string();
    let signature = meta_signature(META_SECRET, body.as_bytes());
    let client = reqwest::Client::new();
    for _ in 0..2 {
        let res = client
            .post(format!("{}/webhooks/meta", serve.base))
            .header("x-hub-signature-256", &signature)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }

    // THEN the follow-up goes to the same id, once
    let messages = sent(&graph, 2, &serve).await;
    assert_eq!(messages[1]["recipient"], BSUID, "{}", messages[1]);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sent(&graph, 2, &serve).await.len(), 2, "{}", serve.log());
    // AND the answer is stored once under that customer
    let export = sarafan(&["export", "responses"], &db, &graph);
    let rows: Vec<Value> = String::from_utf8_lossy(&export.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (
            rows[0]["customer_id"].as_str(),
            rows[0]["score"].as_i64(),
            rows[0]["platform"].as_str()
        ),
        (Some(format!("whatsapp:{BSUID}").as_str()), Some(9), Some("whatsapp"))
    );
}
