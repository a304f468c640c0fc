use super::*;
use crate::store::conformance as suite;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use std::time::Instant;

/// Each test gets its own table on the local server scripts/test starts, so tests run in parallel.
async fn fresh() -> DynamoStore {
    assert!(
        std::env::var_os("AWS_ENDPOINT_URL").is_some() || std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB").is_some(),
        "the DynamoDB store tests need a local DynamoDB-compatible server: run scripts/test \
         (it starts moto and sets AWS_ENDPOINT_URL), or start one and set AWS_ENDPOINT_URL yourself"
    );
    // moto is far slower than DynamoDB on large queries (it sizes every item in Python).
    let config = DynamoStore::config_loader()
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(120))
                .build(),
        )
        .load()
        .await;
    let client = Client::new(&config);
    let name = format!("sarafan-test-{:016x}", rand::random::<u64>());
    create_table(&client, &name).await.unwrap();
    DynamoStore::new(client, name)
}

#[tokio::test]
async fn idempotent_delivery() {
    suite::idempotent_delivery(&fresh().await).await;
}

#[tokio::test]
async fn aggregates_match_a_recount() {
    suite::aggregates_match_a_recount(&fresh().await).await;
}

#[tokio::test]
async fn pagination_covers_every_record_across_dynamodbs_1mb_pages() {
    // 160 mentions of ~8 KB (1.3 MB), asked for 150 a page: DynamoDB cuts the first query at
    // 1 MB. (Fewer, larger records: moto copies the table on every transaction.)
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
async fn alerts_lifecycle() {
    suite::alerts_lifecycle(&fresh().await).await;
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
    let counters = store.get(aggregate_key(YearMonth::of(before))).await.unwrap().unwrap();
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

#[tokio::test]
async fn hourly_complaints_fill_a_month() {
    // moto takes seconds per write as the item grows: two days prove the counters, not the size.
    suite::hourly_complaints_fill_a_month(&fresh().await, 2).await;
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
    // Recorded from the builder before it was tuned (main at dd9c968), one item a line.
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
async fn lease_has_one_holder_until_it_lapses() {
    suite::lease_has_one_holder_until_it_lapses(&fresh().await).await;
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
