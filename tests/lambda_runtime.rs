//! The built Lambda binaries under a small Lambda Runtime API emulator, on DynamoDB Local:
//! real API Gateway and Scheduler event shapes in, stored records out; init time and peak RSS printed.

#[path = "support/lambda_emulator.rs"]
mod lambda_emulator;

use lambda_emulator::{binary, http_event, local_aws_env, verified_sender, Function};
use sarafan_core::signing::slack_signature;
use sarafan_core::store::dynamodb::DynamoStore;
use sarafan_core::store::{ChangeFeed, ParkedEvents, RecordKind, RecordLister};
use serde_json::{json, Value};
use std::process::Command;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A debug build of one of the workspace's Lambda binaries under the emulator, on DynamoDB Local.
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
    sarafan_core::store::dynamodb::fresh_table("sarafan-e2e").await
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

/// The local server's DynamoDB Streams API, read raw (the Lambda event's records are the
/// stream's records as `GetRecords` returns them, in DynamoDB JSON).
struct StreamReader {
    http: reqwest::Client,
    endpoint: String,
    arn: String,
    shard: String,
    /// Taken at the first read (see [`StreamReader::next_batch`]).
    iterator: Option<String>,
}

impl StreamReader {
    async fn call(http: &reqwest::Client, endpoint: &str, target: &str, body: Value) -> Value {
        let res = http
            .post(endpoint)
            .header("x-amz-target", target)
            .header("content-type", "application/x-amz-json-1.0")
            // DynamoDB Local reads the region from the credential scope; it checks no signature.
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
            )
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert!(status.is_success(), "{target}: {status} {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Opens the table's stream at its start.
    async fn open(table: &str) -> StreamReader {
        let http = reqwest::Client::new();
        let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap();
        let described = Self::call(
            &http,
            &endpoint,
            "DynamoDB_20120810.DescribeTable",
            json!({"TableName": table}),
        )
        .await;
        let arn = described["Table"]["LatestStreamArn"]
            .as_str()
            .expect("the table has a stream")
            .to_string();
        let stream = Self::call(
            &http,
            &endpoint,
            "DynamoDBStreams_20120810.DescribeStream",
            json!({"StreamArn": arn}),
        )
        .await;
        let shard = stream["StreamDescription"]["Shards"][0]["ShardId"]
            .as_str()
            .unwrap()
            .to_string();
        StreamReader {
            http,
            endpoint,
            arn,
            shard,
            iterator: None,
        }
    }

    /// The records written since the last read, as the DynamoDB Streams event Lambda hands
    /// the function: the stream's records with the stream's ARN as `eventSourceARN`.
    async fn next_batch(&mut self) -> Value {
        // DynamoDB Local numbers stream records across all its tables, and a TRIM_HORIZON
        // iterator taken while this shard was still empty is refused as trimmed once another
        // table has written: so it is taken at the first read, after the first write.
        let iterator = match self.iterator.take() {
            Some(iterator) => iterator,
            None => Self::call(
                &self.http,
                &self.endpoint,
                "DynamoDBStreams_20120810.GetShardIterator",
                json!({"StreamArn": self.arn, "ShardId": self.shard, "ShardIteratorType": "TRIM_HORIZON"}),
            )
            .await["ShardIterator"]
                .as_str()
                .unwrap()
                .to_string(),
        };
        let mut page = Self::call(
            &self.http,
            &self.endpoint,
            "DynamoDBStreams_20120810.GetRecords",
            json!({"ShardIterator": iterator}),
        )
        .await;
        let next = page["NextShardIterator"].as_str().expect("the shard stays open");
        self.iterator = Some(next.to_string());
        for record in page["Records"].as_array_mut().into_iter().flatten() {
            record["eventSourceARN"] = json!(self.arn);
        }
        json!({"Records": page["Records"]})
    }
}

#[tokio::test]
async fn a_signed_slack_detractor_click_reaches_staff_through_the_real_stream() {
    let store = fresh_table().await;
    let mut stream = StreamReader::open(store.table()).await;
    let slack = MockServer::start().await;
    for (route, answer) in [
        (
            "/conversations.open",
            json!({"ok": true, "channel": {"id": "D0CUSTOMER"}}),
        ),
        (
            "/chat.postMessage",
            json!({"ok": true, "channel": "C0ALERTS", "ts": "1773150000.000100"}),
        ),
    ] {
        Mock::given(method("POST"))
            .and(path(route))
            .respond_with(ResponseTemplate::new(200).set_body_json(answer))
            .mount(&slack)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/users.info"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": true, "user": {"id": "U0CUSTOMER", "locale": "en-US"}})),
        )
        .mount(&slack)
        .await;
    let table = ("SARAFAN_TABLE", store.table().to_string());
    let slack_env = [
        ("SLACK_BOT_TOKEN", "xoxb-e2e".to_string()),
        ("SLACK_API_URL", slack.uri()),
        ("SLACK_ALERT_CHANNEL", "C0ALERTS".into()),
    ];
    let mut ingest = start(
        "sarafan-ingest",
        &[
            table.clone(),
            ("SARAFAN_API_TOKEN", "e2e-token".into()),
            ("SLACK_SIGNING_SECRET", "e2e-slack-secret".into()),
            slack_env[0].clone(),
        ],
    )
    .await;
    let mut outreach = start(
        "sarafan-outreach",
        &[
            table.clone(),
            slack_env[0].clone(),
            slack_env[1].clone(),
            slack_env[2].clone(),
        ],
    )
    .await;

    // Ask the customer on Slack: ingest stores the request, its stream record makes outreach ask.
    let asked = ingest
        .invoke(http_event(
            "POST",
            "/api/surveys",
            &[("authorization", "Bearer e2e-token")],
            &json!({"customers": [{"platform": "slack", "user_id": "U0CUSTOMER"}]}).to_string(),
        ))
        .await
        .answered();
    assert_eq!(asked["statusCode"], 202, "{asked}");
    let batch = stream.next_batch().await;
    let handled = outreach.invoke(batch).await.answered();
    assert_eq!(handled["batchItemFailures"], json!([]), "{handled}");
    let question = posts(&slack).await;
    assert_eq!(question.len(), 1, "{question:#?}");
    assert_eq!(question[0]["channel"], "D0CUSTOMER");
    assert!(question[0].to_string().matches("nps:").count() >= 11, "{}", question[0]);

    // The customer clicks 3: a signed Slack interaction through the ingest binary.
    let mut click: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/slack/block_actions_nps.json"
        ))
        .unwrap(),
    )
    .unwrap();
    click["user"]["id"] = json!("U0CUSTOMER");
    click["actions"][0]["action_id"] = json!("nps:3");
    click["actions"][0]["value"] = json!("nps:3");
    let body = format!(
        "payload={}",
        form_urlencoded::byte_serialize(click.to_string().as_bytes()).collect::<String>()
    );
    let ts = chrono::Utc::now().timestamp().to_string();
    let signature = slack_signature("e2e-slack-secret", &ts, body.as_bytes());
    let clicked = ingest
        .invoke(http_event(
            "POST",
            "/webhooks/slack/interactions",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("x-slack-request-timestamp", &ts),
                ("x-slack-signature", &signature),
            ],
            &body,
        ))
        .await
        .answered();
    assert_eq!(clicked["statusCode"], 200, "{clicked}");
    let page = store.list(RecordKind::Responses, None, None, 10).await.unwrap();
    let [sarafan_core::store::Record::Response(stored)] = page.records.as_slice() else {
        panic!("one stored response: {page:?}");
    };
    assert_eq!(
        (stored.score.value(), stored.category()),
        (3, sarafan_core::Category::Detractor)
    );

    // Its stream record through the outreach binary: an apology to the customer, an alert to staff.
    let batch = stream.next_batch().await;
    assert!(batch.to_string().contains("response_recorded"), "{batch}");
    let handled = outreach.invoke(batch).await.answered();
    assert_eq!(handled["batchItemFailures"], json!([]), "{handled}");
    let sent = posts(&slack).await;
    let alert = sent
        .iter()
        .find(|m| m["channel"] == "C0ALERTS")
        .unwrap_or_else(|| panic!("a staff alert: {sent:#?}"));
    assert!(alert.to_string().contains("alert:claim:"), "{alert}");
    assert!(
        sent.iter().skip(1).any(|m| m["channel"] == "D0CUSTOMER"),
        "a follow-up to the customer: {sent:#?}"
    );
    report("sarafan-ingest", &ingest);
    report("sarafan-outreach", &outreach);
}

/// The bodies of every chat.postMessage the recorded Slack API received, in order.
async fn posts(slack: &MockServer) -> Vec<Value> {
    slack
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/chat.postMessage")
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}

/// Keeps what DynamoDB Streams' event source mapping lets through to outreach (template.yaml's
/// filter: INSERTs of `type = event` items).
fn filtered(batch: Value) -> Vec<Value> {
    batch["Records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["eventName"] == "INSERT" && r["dynamodb"]["NewImage"]["type"]["S"] == "event")
        .cloned()
        .collect()
}

/// `/api/surveys` for three Slack customers through the ingest binary, the table's stream read
/// back, its records handed to the outreach binary as Lambda hands them: one customer's question
/// meets Slack's rate limit for 10 minutes, longer than the invocation, so that record is parked
/// in the table, not reported as failed (a failed record is retried at once, calling Slack
/// before it said to); the others are asked; redeliveries of the whole batch and the scheduled
/// sweep before the wait passes ask nobody; the sweep once it has passed asks that customer.
/// Each customer gets exactly one question.
#[tokio::test]
async fn stream_records_ask_each_customer_once_and_a_long_rate_limit_is_parked_until_it_passes() {
    let store = fresh_table().await;
    let mut stream = StreamReader::open(store.table()).await;
    let slack = MockServer::start().await;
    let customers = ["U0AAAA", "U0BFAIL", "U0CCCC"];
    // Rate limited for longer than an invocation can wait (Slack's Retry-After, in seconds).
    Mock::given(method("POST"))
        .and(path("/conversations.open"))
        .and(body_string_contains("U0BFAIL"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "600"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&slack)
        .await;
    for user in customers {
        Mock::given(method("POST"))
            .and(path("/conversations.open"))
            .and(body_string_contains(user))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"ok": true, "channel": {"id": format!("D{user}")}})),
            )
            .mount(&slack)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/chat.postMessage"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"ok": true, "channel": "D0", "ts": "1773150000.000100"})),
        )
        .mount(&slack)
        .await;
    Mock::given(method("GET"))
        .and(path("/users.info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true, "user": {"locale": "en-US"}})))
        .mount(&slack)
        .await;
    let table = ("SARAFAN_TABLE", store.table().to_string());
    let token = ("SLACK_BOT_TOKEN", "xoxb-e2e".to_string());
    let mut ingest = start(
        "sarafan-ingest",
        &[table.clone(), ("SARAFAN_API_TOKEN", "e2e-token".into()), token.clone()],
    )
    .await;
    let mut outreach = start("sarafan-outreach", &[table, token, ("SLACK_API_URL", slack.uri())]).await;

    let targets: Vec<Value> = customers
        .iter()
        .map(|u| json!({"platform": "slack", "user_id": u}))
        .collect();
    let asked = ingest
        .invoke(http_event(
            "POST",
            "/api/surveys",
            &[("authorization", "Bearer e2e-token")],
            &json!({ "customers": targets }).to_string(),
        ))
        .await
        .answered();
    assert_eq!(asked["statusCode"], 202, "{asked}");
    let records = filtered(stream.next_batch().await);
    assert_eq!(
        records.len(),
        3,
        "one survey_requested event per customer: {records:#?}"
    );
    // In Lambda the events are written for the stream alone, one partition per customer, with
    // no global counter: the ordered feed `sarafan serve` reads stays empty.
    for r in &records {
        let pk = r["dynamodb"]["Keys"]["pk"]["S"].as_str().unwrap_or_default();
        assert!(pk.starts_with("EVENT#customer#slack:"), "{r}");
    }
    assert!(store.read_feed(0, 10).await.unwrap().is_empty());

    // First delivery: nothing fails; the rate-limited customer's record is parked.
    let handled = outreach.invoke(json!({ "Records": records })).await.answered();
    assert_eq!(handled["batchItemFailures"], json!([]), "{handled}");
    let questions = |sent: &[Value]| customers.map(|u| sent.iter().filter(|m| m["channel"] == format!("D{u}")).count());
    // A rate-limited recipient holds back only itself: the others, before and after it in the
    // batch, are asked at once (issue 17).
    assert_eq!(
        questions(&posts(&slack).await),
        [1, 0, 1],
        "everyone but the rate-limited customer"
    );
    let parked = store.parked().await.unwrap();
    assert_eq!(parked.len(), 1, "{parked:#?}");
    assert_eq!(parked[0].lane, "customer:slack:U0BFAIL");
    let wait = parked[0].due - chrono::Utc::now();
    assert!(
        wait > chrono::Duration::seconds(590) && wait <= chrono::Duration::seconds(600),
        "due in {wait}"
    );

    // The whole batch again (Lambda delivers at least once), and the scheduled sweep before the
    // ten minutes pass: nobody is asked again, the rate-limited customer not yet.
    let again = outreach.invoke(json!({ "Records": records })).await.answered();
    assert_eq!(again["batchItemFailures"], json!([]), "{again}");
    let swept = outreach.invoke(json!({"sarafan": "deliver-parked"})).await.answered();
    assert_eq!(swept, json!({"handled": 0, "waiting": 1}));
    assert_eq!(questions(&posts(&slack).await), [1, 0, 1]);

    // Ten minutes on (the parked event's due time moved to now): the sweep asks that customer.
    let mut due_now = parked[0].clone();
    due_now.due = chrono::Utc::now();
    store.park(&due_now).await.unwrap();
    let swept = outreach.invoke(json!({"sarafan": "deliver-parked"})).await.answered();
    assert_eq!(swept, json!({"handled": 1, "waiting": 0}));
    assert_eq!(questions(&posts(&slack).await), [1, 1, 1]);
    assert!(store.parked().await.unwrap().is_empty());

    // The whole batch once more: still one question each.
    let again = outreach.invoke(json!({ "Records": records })).await.answered();
    assert_eq!(again["batchItemFailures"], json!([]), "{again}");
    assert_eq!(questions(&posts(&slack).await), [1, 1, 1]);
    report("sarafan-outreach", &outreach);
}
