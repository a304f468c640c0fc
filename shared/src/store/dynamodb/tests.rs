use super::*;
use crate::store::conformance as suite;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

/// A client of DynamoDB Local (scripts/test starts it), with room for slow large queries.
async fn local_client() -> Client {
    assert!(
        std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB").is_some(),
        "the DynamoDB store tests need DynamoDB Local: run scripts/test (it starts it and sets \
         AWS_ENDPOINT_URL_DYNAMODB), or start one and set AWS_ENDPOINT_URL_DYNAMODB yourself"
    );
    let config = DynamoStore::config_loader()
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(120))
                .build(),
        )
        .load()
        .await;
    Client::new(&config)
}

/// Each test gets its own table, so tests run in parallel.
async fn fresh() -> DynamoStore {
    let client = local_client().await;
    let name = format!("sarafan-test-{:016x}", rand::random::<u64>());
    create_table(&client, &name).await.unwrap();
    DynamoStore::new(client, name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_over_two_instances_store_each_delivery_once() {
    let first = fresh().await;
    // A second instance on the same table with its own client and connections: another Lambda.
    let second = DynamoStore::new(local_client().await, first.table());
    let reader = first.clone();
    let stores = vec![Arc::new(first), Arc::new(second)];
    suite::concurrent_writers_store_each_delivery_once(stores, || suite::feed_events(&reader)).await;
}

/// As in Lambda: events for the stream alone, no feed counter; checked on the table's stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_with_stream_events_store_each_delivery_once() {
    let first = fresh().await.with_stream_feed();
    let second = DynamoStore::new(local_client().await, first.table()).with_stream_feed();
    let table = first.table().to_string();
    let stores = vec![Arc::new(first), Arc::new(second)];
    suite::concurrent_writers_store_each_delivery_once(stores, || stream_events(&table)).await;
}

/// One call of DynamoDB Local's API, unsigned (it checks no signature).
async fn local_call(target: &str, body: serde_json::Value) -> serde_json::Value {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap();
    let answer = reqwest::Client::new()
        .post(endpoint)
        .header("x-amz-target", target)
        .header("content-type", "application/x-amz-json-1.0")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
        )
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = answer.status();
    let text = answer.text().await.unwrap();
    assert!(status.is_success(), "{target}: {status} {text}");
    serde_json::from_str(&text).unwrap()
}

/// Every event on the table's stream so far, decoded as outreach decodes a Lambda batch.
async fn stream_events(table: &str) -> Vec<DomainEvent> {
    use serde_json::json;
    let described = local_call("DynamoDB_20120810.DescribeTable", json!({ "TableName": table })).await;
    let arn = described["Table"]["LatestStreamArn"].as_str().unwrap().to_string();
    let stream = local_call("DynamoDBStreams_20120810.DescribeStream", json!({ "StreamArn": arn })).await;
    let mut records = Vec::new();
    for shard in stream["StreamDescription"]["Shards"].as_array().unwrap() {
        let request = json!({"StreamArn": arn, "ShardId": shard["ShardId"], "ShardIteratorType": "TRIM_HORIZON"});
        let mut iterator =
            local_call("DynamoDBStreams_20120810.GetShardIterator", request).await["ShardIterator"].clone();
        // An open shard always names a next iterator: read until a page comes back empty.
        loop {
            let page = local_call(
                "DynamoDBStreams_20120810.GetRecords",
                json!({ "ShardIterator": iterator }),
            )
            .await;
            let got = page["Records"].as_array().unwrap();
            if got.is_empty() {
                break;
            }
            records.extend(got.iter().cloned());
            iterator = page["NextShardIterator"].clone();
        }
    }
    let batch: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_value(json!({ "Records": records })).unwrap();
    stream::events_from_stream(&batch).into_iter().map(|(_, e)| e).collect()
}

#[tokio::test]
async fn idempotent_delivery() {
    suite::idempotent_delivery(&fresh().await).await;
}

#[tokio::test]
async fn themes_follow_the_comment_as_stored() {
    suite::themes_follow_the_comment_as_stored(&fresh().await).await;
}

#[tokio::test]
async fn aggregates_match_a_recount() {
    suite::aggregates_match_a_recount(&fresh().await).await;
}

#[tokio::test]
async fn pagination_covers_every_record_across_dynamodbs_1mb_pages() {
    // 160 mentions of ~8 KB (1.3 MB), asked for 150 a page: DynamoDB cuts the first query at
    // 1 MB.
    suite::pagination_covers_every_record_of_size(&fresh().await, 160, 150, 8000).await;
}

#[tokio::test]
async fn feed_is_ordered_per_customer() {
    suite::feed_is_ordered_per_customer(&fresh().await).await;
}

#[tokio::test]
async fn referrals_and_purchases() {
    suite::referrals_and_purchases(&fresh().await).await;
}

#[tokio::test]
async fn effect_log_remembers_effects() {
    suite::effect_log_remembers_effects(&fresh().await).await;
}

#[tokio::test]
async fn mentions_are_read_by_id() {
    suite::mentions_are_read_by_id(&fresh().await).await;
}

#[tokio::test]
async fn brand_complaints_are_the_newest_in_the_window() {
    suite::brand_complaints_are_the_newest_in_the_window(&fresh().await).await;
}

#[tokio::test]
async fn erasure_leaves_nothing_in_any_export() {
    suite::erasure_leaves_nothing_in_any_export(&fresh().await).await;
}

#[tokio::test]
async fn erasure_touches_only_its_customer() {
    suite::erasure_touches_only_its_customer(&fresh().await).await;
}

#[tokio::test]
async fn alerts_lifecycle() {
    suite::alerts_lifecycle(&fresh().await).await;
}

#[tokio::test]
async fn an_identity_moves_between_customers() {
    suite::an_identity_moves_between_customers(&fresh().await).await;
}

#[tokio::test]
async fn opt_out_is_for_good() {
    suite::opt_out_is_for_good(&fresh().await).await;
}

#[tokio::test]
async fn reports_are_replaced() {
    suite::reports_are_replaced(&fresh().await).await;
}

fn ttl_of(item: &Item) -> i64 {
    attr_n(item, TTL).unwrap().expect("the item has a TTL attribute")
}

#[tokio::test]
async fn delivery_keys_and_survey_states_expire_by_ttl() {
    let store = fresh().await;
    let identity = Identity::new(Platform::Slack, "U123");
    let state = SurveyState {
        id: "survey-1".into(),
        customer_id: identity.customer_id(),
        identity: identity.clone(),
        locale: None,
        brand: None,
        survey: crate::survey::Survey::ask(&crate::survey::SurveyPolicy::default(), Utc::now()),
        response_id: None,
        error: None,
    };
    let before = Utc::now();
    assert_eq!(
        store.apply("slack:ev1", Change::Survey(state.clone())).await.unwrap(),
        Applied::Stored
    );
    let delivery = store.delivery_item("slack:ev1").await.unwrap().unwrap();
    let expected = epoch_after(before, DELIVERY_TTL_DAYS);
    assert!(
        (ttl_of(&delivery) - expected).abs() < 60,
        "delivery TTL {}",
        ttl_of(&delivery)
    );
    let survey = store.survey_item(&state).await.unwrap().unwrap();
    assert_eq!(ttl_of(&survey), epoch_after(state.survey.asked_at, SURVEY_TTL_DAYS));
    assert_eq!(store.latest_survey(&identity).await.unwrap(), Some(state));
    // Nothing else expires: records and counters stay.
    let shard = aggregate_shard("slack:ev1");
    let counters = store
        .get(aggregate_key(YearMonth::of(before), shard))
        .await
        .unwrap()
        .unwrap();
    assert!(!counters.contains_key(TTL));
}

#[tokio::test]
async fn the_table_is_created_as_defined() {
    let store = fresh().await;
    let described = store
        .client()
        .describe_table()
        .table_name(store.table())
        .send()
        .await
        .unwrap();
    let t = described.table().unwrap();
    let stream = t.stream_specification().unwrap();
    assert!(stream.stream_enabled());
    assert_eq!(stream.stream_view_type().map(|v| v.as_str()), Some("NEW_IMAGE"));
    assert_eq!(
        t.billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .map(|b| b.as_str()),
        Some("PAY_PER_REQUEST")
    );
    let mut indexes: Vec<&str> = t
        .global_secondary_indexes()
        .iter()
        .filter_map(|i| i.index_name())
        .collect();
    indexes.sort();
    assert_eq!(indexes, ["gsi1", "gsi2"]);
    let ttl = store
        .client()
        .describe_time_to_live()
        .table_name(store.table())
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(ttl.attribute_name(), Some(TTL));
    assert_eq!(ttl.time_to_live_status().map(|s| s.as_str()), Some("ENABLED"));
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_quickly() {
    // A port nobody listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = DynamoStore::config_loader()
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .region(aws_config::Region::new("us-east-1"))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(2)
                .with_initial_backoff(Duration::from_millis(10)),
        )
        .load()
        .await;
    let store = DynamoStore::new(Client::new(&config), "sarafan");
    let started = Instant::now();
    let r = suite::response("r1", "c1", 9, Utc::now());
    let outcome = store
        .apply(
            "d1",
            Change::Response {
                response: r,
                survey: None,
            },
        )
        .await;
    assert!(matches!(outcome, Err(StoreError::Unavailable(_))), "{outcome:?}");
    assert!(outcome.unwrap_err().is_transient());
    assert!(matches!(
        store.counters(YearMonth::of(Utc::now())).await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

fn stream_fixture() -> aws_lambda_events::event::dynamodb::Event {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/dynamodb/stream-batch.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn stream_batches_yield_only_the_feed_events_in_order() {
    let events = stream::events_from_stream(&stream_fixture());
    assert_eq!(
        events,
        vec![
            (
                "4421584500000000017450439092".to_string(),
                DomainEvent::ResponseRecorded {
                    response_id: "telegram:1001".into(),
                    customer_id: "telegram:42".into(),
                    platform: Platform::Telegram,
                    score: crate::Score::new(9).unwrap(),
                }
            ),
            (
                "4421584500000000017450439094".to_string(),
                DomainEvent::SurveyRequested {
                    customer_id: "telegram:777".into(),
                    identity: Identity::new(Platform::Telegram, "777"),
                    brand: None,
                }
            ),
        ]
    );
}

/// An SDK item in the stream's JSON shape (`{"S": ...}`, `{"N": ...}`).
fn stream_image(item: &Item) -> serde_json::Value {
    let mut image = serde_json::Map::new();
    for (name, value) in item {
        let v = match value {
            Av::S(v) => serde_json::json!({ "S": v }),
            Av::N(v) => serde_json::json!({ "N": v }),
            other => panic!("unexpected attribute {name}: {other:?}"),
        };
        image.insert(name.clone(), v);
    }
    serde_json::Value::Object(image)
}

#[tokio::test]
async fn the_items_the_store_writes_decode_from_the_stream_as_its_feed_reads_them() {
    let store = fresh().await;
    suite::feed_is_ordered_per_customer(&store).await;
    let feed = store.read_feed(0, 100).await.unwrap();
    let mut records = Vec::new();
    for entry in &feed {
        let item = store.get(key(FEED_PK, feed_sk(entry.seq))).await.unwrap().unwrap();
        records.push(serde_json::json!({
            "eventID": format!("id-{}", entry.seq),
            "eventName": "INSERT",
            "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "dynamodb": {
                "Keys": { "pk": { "S": FEED_PK }, "sk": { "S": feed_sk(entry.seq) } },
                "NewImage": stream_image(&item),
                "SequenceNumber": format!("{:030}", entry.seq),
                "SizeBytes": 100,
                "StreamViewType": "NEW_IMAGE"
            }
        }));
    }
    let batch: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_value(serde_json::json!({ "Records": records })).unwrap();
    let decoded: Vec<DomainEvent> = stream::events_from_stream(&batch).into_iter().map(|(_, e)| e).collect();
    assert_eq!(decoded, feed.into_iter().map(|e| e.event).collect::<Vec<_>>());
    assert!(!decoded.is_empty());
}

#[tokio::test]
async fn an_identity_moves_to_its_new_customer() {
    let store = fresh().await;
    let identity = Identity::new(Platform::Telegram, "55");
    let at = Utc::now();
    let first = Customer {
        identities: vec![identity.clone()],
        ..Customer::new("first", at)
    };
    store.apply("c1", Change::Customer(first)).await.unwrap();
    let second = Customer {
        identities: vec![identity.clone()],
        ..Customer::new("second", at)
    };
    store.apply("c2", Change::Customer(second)).await.unwrap();
    assert_eq!(
        store.customer_by_identity(&identity).await.unwrap().unwrap().id,
        "second"
    );
    assert!(store.customer("first").await.unwrap().unwrap().identities.is_empty());
}

/// Whose the identity is, as its own item and as every customer's record say: consistent when
/// exactly its owner's record lists it.
async fn holders_of(store: &DynamoStore, identity: &Identity, customers: &[&str]) -> (Option<String>, Vec<String>) {
    let owner = store.customer_by_identity(identity).await.unwrap().map(|c| c.id);
    let mut listing = Vec::new();
    for id in customers {
        if let Some(c) = store.customer(id).await.unwrap() {
            if c.identities.contains(identity) {
                listing.push(c.id);
            }
        }
    }
    (owner, listing)
}

/// A plan made before another instance moved the identity is refused as a lost race, and the
/// same change, read again and decided again, moves the identity from where it is now.
#[tokio::test]
async fn a_merge_planned_before_another_instance_moved_the_identity_is_decided_again() {
    let first = fresh().await;
    let second = DynamoStore::new(local_client().await, first.table());
    let chat = Identity::new(Platform::Telegram, "7070");
    let named = |id: &str| Customer {
        identities: vec![chat.clone()],
        ..Customer::new(id, Utc::now())
    };
    first.apply("race:a", Change::Customer(named("a"))).await.unwrap();
    // GIVEN the first instance planned moving the chat from A to B
    let to_b = Change::Customer(named("b"));
    let stale = first
        .plan_transaction("race:b", &to_b, Utc::now(), FeedSeq::Known(None))
        .await
        .unwrap();
    // WHEN the second instance moves it to C meanwhile
    assert_eq!(
        second.apply("race:c", Change::Customer(named("c"))).await.unwrap(),
        Applied::Stored
    );
    // THEN the first plan is refused as a lost race (read again), not a duplicate, and
    // writes nothing
    let (roles, _, sent) = first.send_planned(stale).await;
    let failure = classify(sent.expect_err("a stale plan must not be written"), &roles);
    assert!(matches!(failure, Failure::Retry { feed: false, .. }));
    assert_eq!(
        holders_of(&first, &chat, &["a", "b", "c"]).await,
        (Some("c".into()), vec!["c".into()])
    );
    assert!(first.customer("b").await.unwrap().is_none());
    // AND applied, the change reads again and moves the chat from C, where it is now
    assert_eq!(first.apply("race:b", to_b).await.unwrap(), Applied::Stored);
    assert_eq!(
        holders_of(&first, &chat, &["a", "b", "c"]).await,
        (Some("b".into()), vec!["b".into()])
    );
}

/// Writers on two instances naming the same identity at once: each is stored, one at a time
/// (a loser reads again and decides again), and the identity ends with exactly one customer
/// whose record lists it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_merges_of_one_identity_end_consistent() {
    let (first, first_requests) = counted(fresh().await);
    let (second, second_requests) = counted(DynamoStore::new(first.client().clone(), first.table()));
    let stores = [Arc::new(first), Arc::new(second)];
    const ROUNDS: usize = 6;
    const WRITERS: usize = 4;
    for round in 0..ROUNDS {
        let chat = Identity::new(Platform::Telegram, format!("80{round}"));
        let former = format!("former-{round}");
        let named = |id: &str| Customer {
            identities: vec![chat.clone()],
            ..Customer::new(id, Utc::now())
        };
        stores[0]
            .apply(&format!("merge:{former}"), Change::Customer(named(&former)))
            .await
            .unwrap();
        let writers: Vec<String> = (0..WRITERS).map(|w| format!("writer-{round}-{w}")).collect();
        let tasks: Vec<_> = writers
            .iter()
            .enumerate()
            .map(|(w, id)| {
                let store = stores[w % 2].clone();
                let change = Change::Customer(named(id));
                let delivery = format!("merge:{id}");
                tokio::spawn(async move { store.apply(&delivery, change).await })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), Applied::Stored);
        }
        let mut everyone: Vec<&str> = writers.iter().map(String::as_str).collect();
        everyone.push(&former);
        let (owner, listing) = holders_of(&stores[0], &chat, &everyone).await;
        let owner = owner.expect("the identity has an owner");
        assert!(writers.contains(&owner), "round {round}: owned by {owner}");
        assert_eq!(listing, [owner], "round {round}: exactly its owner's record lists it");
    }
    // The writers raced: some transaction lost and its change was written on a later one.
    let transactions = [first_requests.take(), second_requests.take()]
        .concat()
        .into_iter()
        .filter(|op| op == "TransactWriteItems")
        .count();
    let applies = ROUNDS * (WRITERS + 1);
    assert!(
        transactions > applies,
        "{transactions} transactions for {applies} changes: no writer lost a race"
    );
}

#[tokio::test]
async fn hourly_complaints_fill_a_month() {
    // A whole month of hourly counters: the month's aggregate item at its largest.
    suite::hourly_complaints_fill_a_month(&fresh().await, 31).await;
}

/// A transaction item with its maps in key order, so two builds of it can be compared.
fn canonical(item: &TransactWriteItem) -> String {
    fn sorted<V: std::fmt::Debug>(m: Option<&HashMap<String, V>>) -> Option<BTreeMap<&String, &V>> {
        m.map(|m| m.iter().collect())
    }
    if let Some(p) = item.put() {
        format!(
            "put {} {:?} if {:?} names {:?} values {:?}",
            p.table_name(),
            sorted(Some(p.item())),
            p.condition_expression(),
            sorted(p.expression_attribute_names()),
            sorted(p.expression_attribute_values())
        )
    } else if let Some(u) = item.update() {
        format!(
            "update {} {:?} {:?} if {:?} names {:?} values {:?}",
            u.table_name(),
            sorted(Some(u.key())),
            u.update_expression(),
            u.condition_expression(),
            sorted(u.expression_attribute_names()),
            sorted(u.expression_attribute_values())
        )
    } else {
        format!("{item:?}")
    }
}

/// The items, attribute names, conditions and values of the writes ingest makes most (a
/// mention, an API response) are exactly what they were before the builder was tuned for speed.
#[tokio::test]
async fn transactions_keep_their_exact_shape() {
    let client = Client::from_conf(
        aws_sdk_dynamodb::Config::builder()
            .behavior_version_latest()
            .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
            .build(),
    );
    let store = DynamoStore::new(client, "sarafan");
    let now = DateTime::parse_from_rfc3339("2026-04-01T00:00:01.5Z")
        .unwrap()
        .with_timezone(&Utc);
    let before = DateTime::parse_from_rfc3339("2026-03-31T23:59:58.000123Z")
        .unwrap()
        .with_timezone(&Utc);
    let mut m = suite::mention("slack:C1:1.2", Sentiment::Negative, before);
    m.text = "Sprite lost my \"keys\", <@U1> – terrible".into();
    m.matched_terms = vec!["Sprite".into(), "@SpriteCars".into()];
    let cases = [
        ("slack:event:Ev1", Change::Mention(m), Some(41)),
        (
            "api:key-1",
            Change::Response {
                response: suite::response("r-1", "c-1", 3, before),
                survey: None,
            },
            None,
        ),
    ];
    let mut got = Vec::new();
    for (delivery, change, seq) in &cases {
        for item in store.transaction(delivery, change, now, *seq).await.unwrap() {
            got.push(canonical(&item));
        }
    }
    // Recorded from the builder before it was tuned (main at dd9c968), one item a line; since
    // then (issue 18) gsi1's partition key is `{kind}#{month}#{shard}`, the counters have 256
    // shards, and a process's first record of a kind and month names the month (`MONTHS#`).
    let expected: Vec<&str> = include_str!("../../../../tests/fixtures/dynamodb/transaction-shapes.txt")
        .lines()
        .collect();
    assert_eq!(got, expected, "\n{}", got.join("\n"));
}

#[test]
fn timestamps_and_feed_keys_are_written_as_chrono_and_format_write_them() {
    use chrono::TimeZone;
    let mut times: Vec<DateTime<Utc>> = (0..2000i64)
        .map(|i| {
            Utc.timestamp_opt(
                i * 15_485_863 - 2_000_000_000,
                ((i as u64 * 7_919_003) % 1_000_000_000) as u32,
            )
            .unwrap()
        })
        .collect();
    times.extend([
        Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
        Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(-1, 6, 1, 12, 0, 0).unwrap(),
        // A leap second, as chrono represents one.
        Utc.timestamp_opt(1_483_228_799, 1_500_000_000).unwrap(),
    ]);
    for at in times {
        assert_eq!(ts(at), at.to_rfc3339_opts(SecondsFormat::Micros, true), "{at:?}");
    }
    for seq in [0, 1, 41, 99_999, u64::MAX / 3, u64::MAX] {
        assert_eq!(feed_sk(seq), format!("{seq:020}"));
    }
}

#[tokio::test]
async fn counters_sum_the_month_shards_and_the_unsharded_item_of_older_tables() {
    let store = fresh().await;
    let when = Utc::now();
    let month = YearMonth::of(when);
    // What a table written before sharding holds: one item for the month.
    let mut old = unsharded_aggregate_key(month);
    old.insert(TYPE.into(), s("aggregate"));
    old.insert(format!("{COUNTER_PREFIX}responses"), n(5));
    store.put(old).await.unwrap();
    // Deliveries spread over several shards (the keys are chosen to land on distinct ones).
    let keys: Vec<String> = (0..40).map(|i| format!("api:shard-{i}")).collect();
    let shards: BTreeSet<u32> = keys.iter().map(|k| aggregate_shard(k)).collect();
    assert!(shards.len() > 8, "{shards:?}");
    for (i, key) in keys.iter().enumerate() {
        let change = Change::Response {
            response: suite::response(&format!("r-{i}"), "c-1", 9, when),
            survey: None,
        };
        store.apply(key, change).await.unwrap();
    }
    let counters = store.counters(month).await.unwrap();
    assert_eq!(counters.get("responses"), Some(&45));
    assert_eq!(counters.get("responses.score.9"), Some(&40));
}

#[tokio::test]
async fn a_mention_costs_one_round_trip_and_so_does_a_redelivery() {
    let (store, requests) = counted(fresh().await);
    let m = suite::mention("rt-1", Sentiment::Negative, Utc::now());
    assert_eq!(
        store.apply("rt:1", Change::Mention(m.clone())).await.unwrap(),
        Applied::Stored
    );
    // The process's first event-writing change reads the feed counter, then writes.
    assert_eq!(requests.take(), ["GetItem", "TransactWriteItems"]);
    // A redelivery: the transaction's condition on the delivery key refuses it; no read.
    assert_eq!(
        store.apply("rt:1", Change::Mention(m)).await.unwrap(),
        Applied::Duplicate
    );
    assert_eq!(requests.take(), ["TransactWriteItems"]);
    // The next mention: the counter is what this process last wrote, so one round trip.
    let next = suite::mention("rt-3", Sentiment::Positive, Utc::now());
    assert_eq!(
        store.apply("rt:3", Change::Mention(next)).await.unwrap(),
        Applied::Stored
    );
    assert_eq!(requests.take(), ["TransactWriteItems"]);
    // Another process writes an event: this one's counter is stale, so its next transaction
    // loses on it, reads it and writes again; for a while after, it reads the counter before
    // writing.
    let other = DynamoStore::new(store.client().clone(), store.table());
    let theirs = suite::mention("rt-other", Sentiment::Neutral, Utc::now());
    assert_eq!(
        other.apply("rt:o", Change::Mention(theirs)).await.unwrap(),
        Applied::Stored
    );
    requests.take();
    let raced = suite::mention("rt-4", Sentiment::Neutral, Utc::now());
    assert_eq!(
        store.apply("rt:4", Change::Mention(raced)).await.unwrap(),
        Applied::Stored
    );
    assert_eq!(requests.take(), ["TransactWriteItems", "GetItem", "TransactWriteItems"]);
    let after = suite::mention("rt-5", Sentiment::Neutral, Utc::now());
    assert_eq!(
        store.apply("rt:5", Change::Mention(after)).await.unwrap(),
        Applied::Stored
    );
    assert_eq!(requests.take(), ["GetItem", "TransactWriteItems"]);
    // A change whose plan reads (a comment reads its response) checks the delivery first.
    let r = suite::response("rt-r", "rt-c", 6, Utc::now());
    store
        .apply(
            "rt:r",
            Change::Response {
                response: r,
                survey: None,
            },
        )
        .await
        .unwrap();
    requests.take();
    let comment = Change::Comment {
        response_id: "rt-r".into(),
        customer_id: "rt-c".into(),
        comment: "slow".into(),
        survey: None,
    };
    assert_eq!(store.apply("rt:c", comment.clone()).await.unwrap(), Applied::Stored);
    assert_eq!(requests.take(), ["BatchGetItem", "GetItem", "TransactWriteItems"]);
    assert_eq!(store.apply("rt:c", comment).await.unwrap(), Applied::Duplicate);
    assert_eq!(requests.take(), ["BatchGetItem"]);
    // The counters of a month: its 256 shards and the unsharded item, 100 keys a read.
    store.counters(YearMonth::of(Utc::now())).await.unwrap();
    assert_eq!(requests.take(), ["BatchGetItem", "BatchGetItem", "BatchGetItem"]);
    // Events for the stream alone (as in Lambda): one round trip, and no write touches the
    // feed counter.
    let stream = DynamoStore::new(store.client().clone(), store.table()).with_stream_feed();
    let m = suite::mention("rt-2", Sentiment::Negative, Utc::now());
    let items = stream
        .transaction("rt:2", &Change::Mention(m.clone()), Utc::now(), None)
        .await
        .unwrap();
    assert!(
        items.iter().all(|i| !format!("{i:?}").contains("FEED#SEQ")),
        "{items:#?}"
    );
    let event = items
        .iter()
        .filter_map(|i| i.put())
        .find(|p| attr_s(p.item(), PK) == Some("EVENT#mention#rt-2"))
        .unwrap_or_else(|| panic!("an event item: {items:#?}"));
    // It expires once the stream is done with it.
    let expires = attr_n(event.item(), TTL).unwrap().unwrap();
    assert!((expires - epoch_after(Utc::now(), STREAM_EVENT_TTL_DAYS)).abs() < 60);
    requests.take();
    assert_eq!(
        stream.apply("rt:2", Change::Mention(m.clone())).await.unwrap(),
        Applied::Stored
    );
    assert_eq!(requests.take(), ["TransactWriteItems"]);
    assert_eq!(
        stream.apply("rt:2", Change::Mention(m)).await.unwrap(),
        Applied::Duplicate
    );
    assert_eq!(requests.take(), ["TransactWriteItems"]);
}

#[tokio::test]
async fn a_missing_table_is_unavailable_so_the_sender_retries() {
    // GIVEN a store whose table an operator has not created yet
    let fresh = fresh().await;
    let store = DynamoStore::new(fresh.client().clone(), format!("{}-missing", fresh.table()));
    let r = suite::response("r1", "c1", 9, Utc::now());
    let response = Change::Response {
        response: r,
        survey: None,
    };
    // THEN writes and reads are refused for now (503), naming the cause, not a 500
    let outcome = store.apply("d1", response).await;
    assert!(
        matches!(&outcome, Err(StoreError::Unavailable(why)) if why.contains("ResourceNotFound")),
        "{outcome:?}"
    );
    let read = store.customer("c1").await;
    assert!(matches!(&read, Err(e) if e.is_transient()), "{read:?}");
}

#[tokio::test]
async fn lease_has_one_holder_until_it_lapses() {
    suite::lease_has_one_holder_until_it_lapses(&fresh().await).await;
}

#[tokio::test]
async fn parked_events_keep_their_order_until_unparked() {
    suite::parked_events_keep_their_order_until_unparked(&fresh().await).await;
}

#[tokio::test]
async fn a_message_is_claimed_once() {
    suite::a_message_is_claimed_once(&fresh().await).await;
}

#[tokio::test]
async fn racing_claims_have_one_winner() {
    suite::racing_claims_have_one_winner(&fresh().await).await;
}

#[tokio::test]
async fn a_survey_recorded_before_a_refused_send_is_withdrawn() {
    suite::a_survey_recorded_before_a_refused_send_is_withdrawn(&fresh().await).await;
}

/// gsi1 is partitioned by kind and month (`responses#2026-03`), and the months of a kind are
/// named under `MONTHS#{kind}`; a record a table held before the split (under `responses`
/// alone) is still listed, in time order with the rest, by month and page by page, and a
/// complaint held so is still found.
#[tokio::test]
async fn records_written_before_gsi1_was_split_by_month_are_still_listed() {
    let store = fresh().await;
    let march = "2026-03-10T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
    let april = "2026-04-02T09:00:00Z".parse::<DateTime<Utc>>().unwrap();
    // As an earlier version wrote them: the kind alone as gsi1's partition key.
    let old = suite::response("r-old", "c-1", 9, march + chrono::Duration::hours(1));
    let mut item = response_item(&old).unwrap();
    item.insert(BY_KIND_TIME.partition_key.into(), s("responses"));
    store.put(item).await.unwrap();
    let old_complaint = suite::mention("m-old", Sentiment::Negative, april);
    let mut item = mention_item(&old_complaint).unwrap();
    item.insert(BY_KIND_TIME.partition_key.into(), s("mentions"));
    store.put(item).await.unwrap();

    for (i, at) in [march, march + chrono::Duration::hours(2), april]
        .into_iter()
        .enumerate()
    {
        let change = Change::Response {
            response: suite::response(&format!("r-{i}"), "c-1", 8, at),
            survey: None,
        };
        assert_eq!(
            store.apply(&format!("api:r-{i}"), change).await.unwrap(),
            Applied::Stored
        );
    }
    let complaint = suite::mention("m-new", Sentiment::Negative, april + chrono::Duration::minutes(5));
    store.apply("slack:m-new", Change::Mention(complaint)).await.unwrap();

    let new = store.get(response_key("r-2")).await.unwrap().unwrap();
    let shard = fnv1a("r-2") % u64::from(KIND_MONTH_SHARDS);
    assert_eq!(
        attr_s(&new, BY_KIND_TIME.partition_key),
        Some(format!("responses#2026-04#{shard:02}").as_str())
    );
    let months: Vec<String> = store
        .query_all(None, PK, "MONTHS#responses", None, true, None)
        .await
        .unwrap()
        .iter()
        .map(|i| attr_s(i, SK).unwrap().to_string())
        .collect();
    assert_eq!(months, ["2026-03", "2026-04"]);

    let ids = |page: &Page| -> Vec<String> {
        page.records
            .iter()
            .map(|r| match r {
                Record::Response(r) => r.id.clone(),
                other => panic!("{other:?}"),
            })
            .collect()
    };
    let all = store.list(RecordKind::Responses, None, None, 10).await.unwrap();
    assert_eq!(ids(&all), ["r-0", "r-old", "r-1", "r-2"]);
    let march_only = store
        .list(RecordKind::Responses, Some(YearMonth::of(march)), None, 10)
        .await
        .unwrap();
    assert_eq!(ids(&march_only), ["r-0", "r-old", "r-1"]);
    // One at a time: each page starts after the last, across the old partition and the months.
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list(RecordKind::Responses, None, after.as_deref(), 1)
            .await
            .unwrap();
        paged.extend(ids(&page));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(paged, ["r-0", "r-old", "r-1", "r-2"]);

    let complaints = store
        .brand_complaints(march, april + chrono::Duration::hours(1), 10)
        .await
        .unwrap();
    let ids: Vec<&str> = complaints.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["m-new", "m-old"]);
}

#[tokio::test]
async fn erasure_drops_the_customers_parked_events() {
    suite::erasure_drops_the_customers_parked_events(&fresh().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_processs_waiting_mentions_and_responses_share_transactions() {
    // GIVEN one process's store (ordered feed) counting the requests it sends
    let (store, requests) = counted(fresh().await);
    let store = Arc::new(store);
    // WHEN 30 webhooks arrive at once: 20 mentions, 8 responses of which two pairs share a
    // customer (their items meet, so they cannot share a transaction), and 2 redeliveries
    let now = Utc::now();
    let mut changes: Vec<(String, Change)> = (0..20)
        .map(|i| {
            let m = suite::mention(&format!("grp-m{i}"), Sentiment::Negative, now);
            (format!("grp:m{i}"), Change::Mention(m))
        })
        .collect();
    for i in 0..8 {
        let customer = format!("grp-c{}", i % 6);
        let response = suite::response(&format!("grp-r{i}"), &customer, 9, now);
        changes.push((format!("grp:r{i}"), Change::Response { response, survey: None }));
    }
    changes.push(changes[3].clone());
    changes.push(changes[21].clone());
    let mut writes = tokio::task::JoinSet::new();
    for (delivery, change) in changes {
        let store = store.clone();
        writes.spawn(async move { store.apply(&delivery, change).await.unwrap() });
    }
    let mut answers = Vec::new();
    while let Some(answer) = writes.join_next().await {
        answers.push(answer.unwrap());
    }
    // THEN 28 are stored and the 2 redeliveries are duplicates
    assert_eq!(answers.iter().filter(|a| **a == Applied::Stored).count(), 28);
    assert_eq!(answers.iter().filter(|a| **a == Applied::Duplicate).count(), 2);
    // in fewer transactions than changes
    let sent = requests.take();
    let transactions = sent.iter().filter(|op| *op == "TransactWriteItems").count();
    println!("30 webhooks at once: {transactions} transactions, requests {sent:?}");
    assert!(transactions < 20, "{sent:?}");
    // and the feed holds each stored change's event once, numbered without a gap
    let feed = store.read_feed(0, 100).await.unwrap();
    assert_eq!(feed.len(), 28);
    assert!(feed.iter().enumerate().all(|(i, e)| e.seq == i as u64 + 1));
    let counters = store.counters(YearMonth::of(now)).await.unwrap();
    assert_eq!(counters.get("mentions"), Some(&20));
    assert_eq!(counters.get("responses"), Some(&8));
}

/// `sarafan serve`'s reader of the table's stream (shards.rs), through the SDK: it decodes the
/// same events as a Lambda batch of the same records, goes on after a checkpoint with only the
/// newer records, and keeps its checkpoints in the table.
#[cfg(feature = "dynamodb-streams")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_reader_reads_each_event_once_from_its_checkpoints() {
    use super::shards::{Checkpoint, StreamReader};
    let store = fresh().await.with_stream_feed();
    let answer = |id: &str, customer: &str, score: i64| Change::Response {
        response: suite::response(id, customer, score, Utc::now()),
        survey: None,
    };
    for (i, customer) in ["c1", "c2", "c1"].iter().enumerate() {
        let id = format!("r{i}");
        store.apply(&id, answer(&id, customer, 9)).await.unwrap();
    }
    let arn = store
        .stream_arn()
        .await
        .unwrap()
        .expect("a table made by create_table has a stream");
    let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap();
    let reader = StreamReader::new(&DynamoStore::sdk_config().await, arn, Some(&endpoint));

    // Everything so far, shard by shard, as the Lambda's decoding sees it.
    let read_all = |after: std::collections::HashMap<String, String>| {
        let reader = reader.clone();
        async move {
            let mut events = Vec::new();
            let mut last = std::collections::HashMap::new();
            for shard in reader.shards().await.unwrap() {
                let from = after.get(&shard.id).map(String::as_str);
                let mut iterator = reader.iterator(&shard.id, from).await.unwrap();
                while let Some(at) = iterator {
                    let batch = reader.records(&at, 50).await.unwrap();
                    if batch.records.is_empty() {
                        break;
                    }
                    events.extend(batch.events().into_iter().map(|(_, e)| e));
                    last.insert(shard.id.clone(), batch.last().unwrap().to_string());
                    iterator = batch.next;
                }
            }
            (events, last)
        }
    };
    let (events, last) = read_all(Default::default()).await;
    assert_eq!(events, stream_events(store.table()).await);
    let responses: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            DomainEvent::ResponseRecorded { response_id, .. } => Some(response_id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(responses, ["r0", "r1", "r2"]);

    // Checkpoints round-trip through the table, per shard.
    for (shard, seq) in &last {
        let checkpoint = Checkpoint {
            after: Some(seq.clone()),
            done: false,
        };
        store
            .save_stream_checkpoint("outreach", shard, &checkpoint)
            .await
            .unwrap();
    }
    let saved = store.stream_checkpoints("outreach").await.unwrap();
    assert_eq!(saved.len(), last.len());
    for (shard, seq) in &last {
        assert_eq!(saved[shard].after.as_deref(), Some(seq.as_str()));
        assert!(!saved[shard].done);
    }
    assert!(store.stream_checkpoints("another reader").await.unwrap().is_empty());

    // After the checkpoints: only what was written since.
    store.apply("r3", answer("r3", "c3", 2)).await.unwrap();
    let (newer, _) = read_all(last).await;
    let ids: Vec<&str> = newer
        .iter()
        .filter_map(|e| match e {
            DomainEvent::ResponseRecorded { response_id, .. } => Some(response_id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(ids, ["r3"], "{newer:?}");
}
