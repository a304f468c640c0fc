//! The warm path of a webhook, without store I/O: verify the signature over the raw bytes,
//! parse the payload, normalise it into domain changes (target: median <= 50 µs each), and
//! for the Slack mention also build the DynamoDB transaction that stores it (target:
//! median <= 15 µs for the whole path).

// The allocator the Lambda binary uses (src/main.rs): the write is dozens of small strings
// and maps, so the allocator is part of what this measures.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use axum::http::HeaderMap;
use chrono::DateTime;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use sarafan_core::signing::{meta_signature, slack_signature};
use sarafan_core::store::dynamodb::DynamoStore;
use sarafan_ingest::inbound::Inbound;
use sarafan_ingest::mentions::Listening;
use sarafan_ingest::platforms::{meta, slack};
use sarafan_ingest::{verify, Secrets};

const NOW: i64 = 1_773_144_000;

fn fixture(rel: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn warm_path(c: &mut Criterion) {
    let now = DateTime::from_timestamp(NOW, 0).unwrap();
    let classifier = Listening::new(&["Sprite".into(), "@SpriteCars".into()], &["Fanta Motors".into()]);

    let slack_secrets = Secrets::parse("old-slack-secret,slack-secret").unwrap();
    let slack_body = fixture("slack/message_channel.json");
    let mut slack_headers = HeaderMap::new();
    slack_headers.insert("x-slack-request-timestamp", NOW.to_string().parse().unwrap());
    let signature = slack_signature("slack-secret", NOW, &slack_body);
    slack_headers.insert("x-slack-signature", signature.parse().unwrap());
    c.bench_function("slack_event_channel_mention_2kb", |b| {
        b.iter(|| {
            verify::slack(&slack_secrets, &slack_headers, black_box(&slack_body), now).unwrap();
            let event = slack::normalise_event(black_box(&slack_body), &classifier, now).unwrap();
            assert!(matches!(event, slack::SlackEvent::Items(ref items) if items.len() == 1));
            event
        })
    });

    // The whole warm path of the Lambda: as above, then the TransactWriteItems the DynamoDB
    // store sends (delivery claim, record, feed event, monthly counters). Nothing is sent.
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let dynamodb = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::Config::builder()
            .behavior_version_latest()
            .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
            .build(),
    );
    let store = DynamoStore::new(dynamodb, "sarafan");
    c.bench_function("slack_event_channel_mention_2kb_to_dynamodb_write", |b| {
        b.iter(|| {
            verify::slack(&slack_secrets, &slack_headers, black_box(&slack_body), now).unwrap();
            let slack::SlackEvent::Items(items) =
                slack::normalise_event(black_box(&slack_body), &classifier, now).unwrap()
            else {
                unreachable!("a channel message")
            };
            let Some(Inbound::Store { delivery, change }) = items.into_iter().next() else {
                unreachable!("a mention to store")
            };
            let write = runtime
                .block_on(store.transaction(&delivery, &change, now, Some(41)))
                .unwrap();
            // Delivery claim, mention, feed counter, feed event, the month's counters, and the
            // month named in `MONTHS#mentions` (a plan names it until a write has).
            assert_eq!(write.len(), 6);
            write
        })
    });

    // Where the whole path's time goes: the signature check alone (one HMAC over 2 KB: the
    // secret that matched last is tried first), and the transaction alone.
    c.bench_function("slack_verify_2kb", |b| {
        b.iter(|| verify::slack(&slack_secrets, &slack_headers, black_box(&slack_body), now).unwrap())
    });
    let slack::SlackEvent::Items(items) = slack::normalise_event(&slack_body, &classifier, now).unwrap() else {
        unreachable!("a channel message")
    };
    let Some(Inbound::Store { delivery, change }) = items.into_iter().next() else {
        unreachable!("a mention to store")
    };
    c.bench_function("dynamodb_transaction_for_the_mention", |b| {
        b.iter(|| {
            runtime
                .block_on(store.transaction(black_box(&delivery), black_box(&change), now, Some(41)))
                .unwrap()
        })
    });

    // The common case in a busy channel: no term named, so no language or sentiment work.
    let chatter = String::from_utf8(slack_body.clone())
        .unwrap()
        .replace("new Sprite", "new car")
        .replace("sprite-day", "car-day");
    let chatter = chatter.into_bytes();
    let mut chatter_headers = slack_headers.clone();
    let signature = slack_signature("slack-secret", NOW, &chatter);
    chatter_headers.insert("x-slack-signature", signature.parse().unwrap());
    c.bench_function("slack_event_channel_no_term_2kb", |b| {
        b.iter(|| {
            verify::slack(&slack_secrets, &chatter_headers, black_box(&chatter), now).unwrap();
            let event = slack::normalise_event(black_box(&chatter), &classifier, now).unwrap();
            assert!(matches!(event, slack::SlackEvent::Items(ref items) if items.is_empty()));
            event
        })
    });

    let meta_secrets = Secrets::parse("meta-secret").unwrap();
    let meta_body = fixture("meta/facebook_feed_comment.json");
    let mut meta_headers = HeaderMap::new();
    let signature = meta_signature("meta-secret", &meta_body);
    meta_headers.insert("x-hub-signature-256", signature.parse().unwrap());
    c.bench_function("meta_facebook_comment", |b| {
        b.iter(|| {
            verify::meta(&meta_secrets, &meta_headers, black_box(&meta_body)).unwrap();
            let items = meta::normalise(black_box(&meta_body), &classifier, now).unwrap();
            assert_eq!(items.len(), 1);
            items
        })
    });
}

/// Where the Slack mention's time goes: the listening module's three steps on the same text.
fn listening_steps(c: &mut Criterion) {
    use sarafan_core::listening;
    let body: serde_json::Value = serde_json::from_slice(&fixture("slack/message_channel.json")).unwrap();
    let text = body["event"]["text"].as_str().unwrap().to_string();
    let terms = listening::TermSet::parse("Sprite,@SpriteCars", "Fanta Motors");
    c.bench_function("listening_match_terms", |b| {
        b.iter(|| listening::match_mention(&terms, black_box(&text)))
    });
    c.bench_function("listening_detect_language", |b| {
        b.iter(|| listening::detect_language(black_box(&text), None))
    });
    let lang = listening::detect_language(&text, None);
    c.bench_function("listening_sentiment", |b| {
        b.iter(|| listening::classify_in(black_box(&text), lang))
    });
}

criterion_group!(benches, warm_path, listening_steps);
criterion_main!(benches);
