//! A platform's `retry_after`, however long, honoured exactly for that recipient through the
//! outreach Lambda's handlers (stream batch and scheduled sweep), on SQLite and on DynamoDB (the
//! local server scripts/test starts): no call to the platform before it passes, exactly one
//! after. The invocation's clock is set, not waited on; the recording Telegram API notes each
//! call at that clock's time.

mod common;

use chrono::{DateTime, Utc};
use common::{dynamodb, failed_ids, request_survey, sqlite, telegram_outreach};
use sarafan_core::chat::RetryPolicy;
use sarafan_core::model::*;
use sarafan_core::store::Store;
use sarafan_outreach::{
    deliver_parked, handle_stream_batch_within, Clock, Invocation, Outreach, OutreachConfig, Swept,
};
use serde_json::{json, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "4242:RETRY-AFTER";
const LIMITED: i64 = 4_290_001;
const OTHER: i64 = 4_290_002;
/// What Lambda gives outreach per invocation (template.yaml, OutreachFunction's Timeout).
const TIMEOUT: Duration = Duration::from_secs(90);

/// A clock that moves only when slept on (or set by the test).
struct SetClock(Mutex<DateTime<Utc>>);

impl SetClock {
    fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap() = at;
    }
}

impl Clock for SetClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }

    fn sleep_until(&self, at: DateTime<Utc>) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        let mut now = self.0.lock().unwrap();
        *now = (*now).max(at);
        Box::pin(std::future::ready(()))
    }
}

/// One `sendMessage` as the recording server saw it, at the set clock's time.
#[derive(Debug, Clone)]
struct Call {
    chat: i64,
    text: String,
    at: DateTime<Utc>,
    limited: bool,
}

/// A recording Telegram Bot API: `LIMITED`'s first message is refused with 429 and
/// `retry_after` (with a 500 when there is none), every other message accepted.
struct Telegram {
    clock: Arc<SetClock>,
    retry_after: Option<u64>,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl Respond for Telegram {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let chat = body["chat_id"]
            .as_i64()
            .or_else(|| body["chat_id"].as_str()?.parse().ok())
            .unwrap();
        let mut calls = self.calls.lock().unwrap();
        let limited = chat == LIMITED && !calls.iter().any(|c| c.chat == LIMITED);
        calls.push(Call {
            chat,
            text: body["text"].as_str().unwrap_or_default().to_string(),
            at: self.clock.now(),
            limited,
        });
        if limited && self.retry_after.is_none() {
            return ResponseTemplate::new(500).set_body_string("Internal Server Error");
        }
        if let Some(retry_after) = self.retry_after.filter(|_| limited) {
            // The Bot API's answer to flood control: https://core.telegram.org/bots/api#making-requests
            // ("ok": false, "error_code", "description") with ResponseParameters.retry_after,
            // https://core.telegram.org/bots/api#responseparameters
            return ResponseTemplate::new(429).set_body_json(json!({
                "ok": false,
                "error_code": 429,
                "description": format!("Too Many Requests: retry after {retry_after}"),
                "parameters": {"retry_after": retry_after}
            }));
        }
        ResponseTemplate::new(200).set_body_json(json!({"ok": true, "result": {"message_id": 1}}))
    }
}

struct Harness {
    _dir: Option<tempfile::TempDir>,
    store: Arc<dyn Store>,
    deps: Outreach,
    clock: Arc<SetClock>,
    calls: Arc<Mutex<Vec<Call>>>,
    _telegram: MockServer,
}

impl Harness {
    async fn start(store: (Option<tempfile::TempDir>, Arc<dyn Store>), retry_after: Option<u64>) -> Harness {
        let (dir, store) = store;
        let clock = Arc::new(SetClock(Mutex::new(Utc::now())));
        let calls = Arc::new(Mutex::new(Vec::new()));
        let telegram = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(format!("/bot{TOKEN}/sendMessage")))
            .respond_with(Telegram {
                clock: clock.clone(),
                retry_after,
                calls: calls.clone(),
            })
            .mount(&telegram)
            .await;
        // As in Lambda (main.rs): no waiting in the client, the handler schedules it.
        let deps = telegram_outreach(
            &store,
            (telegram.uri(), TOKEN),
            RetryPolicy::none(),
            OutreachConfig::default(),
        );
        Harness {
            _dir: dir,
            store,
            deps,
            clock,
            calls,
            _telegram: telegram,
        }
    }

    /// An invocation starting now on the set clock, as long as Lambda gives one.
    fn invocation(&self) -> Invocation<'_> {
        Invocation {
            clock: self.clock.as_ref(),
            deadline: self.clock.now() + chrono::Duration::from_std(TIMEOUT).unwrap(),
        }
    }

    fn calls_to(&self, chat: i64) -> Vec<Call> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.chat == chat)
            .cloned()
            .collect()
    }

    /// The stream batch asking `chats` (record ids `shard-1:{seq}`), stored as ingest stores it.
    async fn ask(&self, chats: &[i64]) -> Vec<(String, DomainEvent)> {
        let from = self.store.read_feed(0, 1000).await.unwrap().len() as u64;
        for chat in chats {
            request_survey(&self.store, &chat.to_string(), &format!("api:survey:{chat}")).await;
        }
        self.store
            .read_feed(from, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (format!("{:021}", e.seq), e.event))
            .collect()
    }
}

/// 40 s: longer than the chat client's 30 s budget, shorter than the invocation. Waited out in
/// the invocation, after the other customer was asked; one call after it passes.
async fn a_retry_after_that_fits_the_invocation_is_waited_out_in_it(
    store: (Option<tempfile::TempDir>, Arc<dyn Store>),
) {
    let h = Harness::start(store, Some(40)).await;
    let t0 = h.clock.now();
    let batch = h.ask(&[LIMITED, OTHER]).await;
    let response = handle_stream_batch_within(&h.deps, batch, h.invocation()).await;
    assert!(failed_ids(&response).is_empty(), "{response:?}");
    let limited = h.calls_to(LIMITED);
    eprintln!(
        "retry_after 40 s: calls to the limited chat at {:?}",
        limited
            .iter()
            .map(|c| (c.at - t0).num_milliseconds())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        limited.len(),
        2,
        "one refusal, one delivery, nothing in between: {limited:#?}"
    );
    assert!(limited[0].limited && !limited[1].limited);
    assert_eq!(limited[1].at - limited[0].at, chrono::Duration::seconds(40));
    assert_eq!(limited[1].text, limited[0].text);
    // The other customer was asked before the wait, not after it.
    let other = h.calls_to(OTHER);
    assert_eq!(other.len(), 1);
    assert!(other[0].at < limited[1].at);
    assert!(h.store.parked().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_retry_after_that_fits_the_invocation_is_waited_out_in_it_on_sqlite() {
    a_retry_after_that_fits_the_invocation_is_waited_out_in_it(sqlite().await).await;
}

#[tokio::test]
async fn a_retry_after_that_fits_the_invocation_is_waited_out_in_it_on_dynamodb() {
    a_retry_after_that_fits_the_invocation_is_waited_out_in_it(dynamodb("sarafan-retry-after").await).await;
}

/// 40 min: longer than any invocation. The question is parked (the record is not reported as
/// failed, so Lambda does not call Telegram again at once); a redelivered batch and a later
/// event of the same customer park behind it; sweeps before it is due call nobody; the sweep
/// whose invocation spans the due time sends it at that moment, then the event behind it.
async fn a_retry_after_longer_than_the_invocation_parks_the_message_until_it_passes(
    store: (Option<tempfile::TempDir>, Arc<dyn Store>),
) {
    const WAIT: i64 = 40 * 60;
    let h = Harness::start(store, Some(WAIT as u64)).await;
    let t0 = h.clock.now();
    let batch = h.ask(&[LIMITED, OTHER]).await;
    let response = handle_stream_batch_within(&h.deps, batch.clone(), h.invocation()).await;
    assert!(failed_ids(&response).is_empty(), "parked, not failed: {response:?}");
    assert_eq!(h.calls_to(LIMITED).len(), 1);
    assert_eq!(h.calls_to(OTHER).len(), 1);
    let parked = h.store.parked().await.unwrap();
    assert_eq!(parked.len(), 1, "{parked:#?}");
    // Kept to the millisecond, rounded up: the wait never ends early.
    let due = t0 + chrono::Duration::seconds(WAIT);
    assert!(parked[0].due >= due && parked[0].due - due < chrono::Duration::milliseconds(1));

    // Lambda delivers at least once: the same batch again, a minute later, calls nobody.
    h.clock.set(t0 + chrono::Duration::seconds(60));
    let again = handle_stream_batch_within(&h.deps, batch, h.invocation()).await;
    assert!(failed_ids(&again).is_empty());
    // The customer opts out meanwhile: that event waits behind the question.
    let identity = Identity::new(Platform::Telegram, LIMITED.to_string());
    let opt_out = DomainEvent::OptedOut {
        customer_id: identity.customer_id(),
        identity: Some(identity),
    };
    let later = vec![("000000000000000009999".to_string(), opt_out)];
    let later = handle_stream_batch_within(&h.deps, later, h.invocation()).await;
    assert!(failed_ids(&later).is_empty());
    assert_eq!(h.store.parked().await.unwrap().len(), 2);

    // Sweeps every so often before it is due: nothing sent, nothing dropped.
    for minute in [2, 10, 30, 38] {
        h.clock.set(t0 + chrono::Duration::minutes(minute));
        let swept = deliver_parked(&h.deps, h.invocation()).await.unwrap();
        assert_eq!(swept, Swept { handled: 0, waiting: 2 });
    }
    assert_eq!(h.calls_to(LIMITED).len(), 1, "no call before the wait passes");

    // The sweep that starts 30 s before it is due waits in its invocation for the moment.
    h.clock.set(t0 + chrono::Duration::seconds(WAIT - 30));
    let swept = deliver_parked(&h.deps, h.invocation()).await.unwrap();
    assert_eq!(swept, Swept { handled: 2, waiting: 0 });
    let limited = h.calls_to(LIMITED);
    eprintln!(
        "retry_after 40 min: calls to the limited chat at {:?} s",
        limited.iter().map(|c| (c.at - t0).num_seconds()).collect::<Vec<_>>()
    );
    assert_eq!(
        limited.len(),
        3,
        "the refusal, the question, then the opt-out: {limited:#?}"
    );
    assert!(
        limited[1].at >= due && limited[1].at - due < chrono::Duration::milliseconds(1),
        "exactly when it passed"
    );
    assert_eq!(limited[1].text, limited[0].text, "the question, once");
    assert_ne!(limited[2].text, limited[0].text, "then the opt-out confirmation");
    assert!(h.store.parked().await.unwrap().is_empty());

    // Later sweeps and redeliveries send nothing more.
    h.clock.set(t0 + chrono::Duration::seconds(WAIT + 60));
    assert_eq!(deliver_parked(&h.deps, h.invocation()).await.unwrap(), Swept::default());
    let batch = h.ask(&[]).await;
    assert!(batch.is_empty());
    assert_eq!(h.calls_to(LIMITED).len(), 3);
    assert_eq!(h.calls_to(OTHER).len(), 1);
}

#[tokio::test]
async fn a_retry_after_longer_than_the_invocation_parks_the_message_until_it_passes_on_sqlite() {
    a_retry_after_longer_than_the_invocation_parks_the_message_until_it_passes(sqlite().await).await;
}

#[tokio::test]
async fn a_retry_after_longer_than_the_invocation_parks_the_message_until_it_passes_on_dynamodb() {
    a_retry_after_longer_than_the_invocation_parks_the_message_until_it_passes(dynamodb("sarafan-retry-after").await)
        .await;
}

/// A 500 names no wait: retried in the invocation after a short growing wait (0.5 s first), not
/// reported as failed while the invocation has time; with no time left it is reported.
#[tokio::test]
async fn an_outage_without_a_named_wait_is_retried_in_the_invocation_while_it_has_time() {
    let h = Harness::start(sqlite().await, None).await;
    let t0 = h.clock.now();
    let batch = h.ask(&[LIMITED, OTHER]).await;
    let response = handle_stream_batch_within(&h.deps, batch, h.invocation()).await;
    assert!(failed_ids(&response).is_empty(), "{response:?}");
    let limited = h.calls_to(LIMITED);
    assert_eq!(limited.len(), 2, "{limited:#?}");
    assert_eq!(limited[1].at - t0, chrono::Duration::milliseconds(500));
    assert!(h.store.parked().await.unwrap().is_empty(), "an outage is not parked");

    // No time left in the invocation: the failing record is the batch item failure.
    let h = Harness::start(sqlite().await, None).await;
    let batch = h.ask(&[OTHER, LIMITED]).await;
    let failing = batch[1].0.clone();
    let invocation = Invocation {
        clock: h.clock.as_ref(),
        deadline: h.clock.now() + chrono::Duration::seconds(5),
    };
    let response = handle_stream_batch_within(&h.deps, batch, invocation).await;
    assert_eq!(failed_ids(&response), vec![failing]);
    assert_eq!(h.calls_to(LIMITED).len(), 1);
    assert_eq!(h.calls_to(OTHER).len(), 1);
}
