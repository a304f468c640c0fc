//! The built Lambda binaries under a small Lambda Runtime API emulator, on moto's DynamoDB:
//! real API Gateway and Scheduler event shapes in, stored records out; init time and peak RSS printed.

#[path = "support/lambda_emulator.rs"]
mod lambda_emulator;

use lambda_emulator::{binary, http_event, local_aws_env, verified_sender, Function};
use sarafan_core::store::dynamodb::{create_table, DynamoStore};
use sarafan_core::store::{RecordKind, RecordLister};
use serde_json::json;
use std::process::Command;

/// A debug build of one of the workspace's Lambda binaries under the emulator, on moto.
async fn start(bin: &str, env: &[(&str, String)]) -> Function {
    let path = binary(bin, "run `cargo test --workspace` (or `cargo build --workspace`) first");
    let mut vars = local_aws_env();
    vars.push(("RUST_LOG", "warn".into()));
    vars.extend(env.iter().cloned());
    Function::start(bin, Command::new(path), &vars).await
}

fn report(bin: &str, function: &Function) {
    eprintln!(
        "{bin}: init {} ms (spawn to first /next), first invocation {} ms, peak RSS {} KiB",
        function.init_time().as_millis(),
        function.first_invocation_time().as_millis(),
        function.peak_rss_kib()
    );
}

async fn fresh_table() -> DynamoStore {
    for (k, v) in local_aws_env() {
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

#[tokio::test]
async fn ingest_binary_stores_a_detractor_answer_in_dynamodb() {
    let store = fresh_table().await;
    let mut ingest = start(
        "sarafan-ingest",
        &[
            ("SARAFAN_TABLE", store.table().to_string()),
            ("SARAFAN_API_TOKEN", "e2e-token".into()),
        ],
    )
    .await;

    let health = ingest.invoke(http_event("GET", "/health", &[], "")).await.answered();
    assert_eq!(health["statusCode"], 200, "{health}");

    let body = json!({"id": "e2e-1", "customer": {"id": "c-1", "name": "Dana"}, "score": 3, "comment": "slow service"});
    let answer = ingest
        .invoke(http_event(
            "POST",
            "/api/responses",
            &[("authorization", "Bearer e2e-token")],
            &body.to_string(),
        ))
        .await
        .answered();
    assert!(matches!(answer["statusCode"].as_u64(), Some(200 | 202)), "{answer}");

    let page = store.list(RecordKind::Responses, None, None, 10).await.unwrap();
    assert_eq!(page.records.len(), 1, "{page:?}");
    let sarafan_core::store::Record::Response(stored) = &page.records[0] else {
        panic!("{page:?}");
    };
    assert!(stored.customer_id.ends_with("c-1"), "{stored:?}");
    assert_eq!(stored.category(), sarafan_core::Category::Detractor);

    // A wrong token never reaches the store.
    let refused = ingest
        .invoke(http_event(
            "POST",
            "/api/responses",
            &[("authorization", "Bearer nope")],
            &body.to_string(),
        ))
        .await
        .answered();
    assert_eq!(refused["statusCode"], 401, "{refused}");
    report("sarafan-ingest", &ingest);
}

#[tokio::test]
async fn reports_binary_stores_the_month_on_a_scheduler_event() {
    let store = fresh_table().await;
    let from = verified_sender().await;
    let mut reports = start(
        "sarafan-reports",
        &[
            ("SARAFAN_TABLE", store.table().to_string()),
            ("REPORT_FROM", from),
            ("REPORT_RECIPIENTS", "owner@sarafan.example".into()),
        ],
    )
    .await;
    // What EventBridge Scheduler sends with template.yaml's Input, the placeholder filled in.
    let answer = reports.invoke(json!({"time": "2026-04-01T08:00:00Z"})).await.answered();
    assert!(answer.to_string().contains("2026-03"), "{answer}");
    assert!(
        answer.to_string().contains("message_id") || answer.to_string().contains("emailed"),
        "{answer}"
    );
    let page = store.list(RecordKind::Reports, None, None, 10).await.unwrap();
    assert_eq!(page.records.len(), 1, "{page:?}");
    report("sarafan-reports", &reports);
}

#[tokio::test]
async fn outreach_binary_answers_a_stream_batch_with_no_failures() {
    let store = fresh_table().await;
    let mut outreach = start("sarafan-outreach", &[("SARAFAN_TABLE", store.table().to_string())]).await;
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/dynamodb/stream-batch.json"
    ))
    .unwrap();
    let answer = outreach.invoke(serde_json::from_str(&text).unwrap()).await.answered();
    // Nothing to retry: the batch's events are handled (or permanently skipped, with no platform set up).
    assert_eq!(answer["batchItemFailures"], json!([]), "{answer}");
    report("sarafan-outreach", &outreach);
}
