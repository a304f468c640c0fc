//! Outreach reads only what it can use, counted at the DynamoDB client on DynamoDB Local (the
//! server scripts/test starts): an event whose follow-up can send or store nothing, as the event
//! itself tells (a passive's or promoter's answer through the API with no kudos channel, praise
//! with no kudos channel), costs no read; a batch reads what is parked once for all its
//! recipients; an event that can lead somewhere (a detractor's alert; a kudos channel to share
//! praise in) reads its record and acts as before.

use chrono::Utc;
use sarafan_core::ledger::Change;
use sarafan_core::model::*;
use sarafan_core::nps::Score;
use sarafan_core::store::dynamodb::{counted, fresh_table, Requests};
use sarafan_core::store::{ParkedEvent, Store};
use sarafan_outreach::{handle_stream_batch, ChatClients, Outreach, OutreachConfig, Templates};
use std::sync::Arc;

fn response(id: &str, score: i64, comment: Option<&str>) -> Response {
    Response {
        id: id.into(),
        customer_id: format!("api:{id}"),
        platform: Platform::Api,
        score: Score::new(score).unwrap(),
        comment: comment.map(str::to_string),
        locale: None,
        submitted_at: Utc::now(),
        brand: None,
    }
}

fn praise(id: &str) -> Mention {
    Mention {
        id: id.into(),
        source: "slack".into(),
        text: "The Sprite service team were wonderful, thank you!".into(),
        url: None,
        author: Some("U1".into()),
        lang: Some("en".into()),
        sentiment: Sentiment::Positive,
        matched_terms: vec!["Sprite".into()],
        competitor: false,
        created_at: Utc::now(),
    }
}

/// Outreach with no chat platform (staff alerts and kudos are stored without a message).
fn outreach(store: &Arc<dyn Store>, kudos_channel: Option<&str>) -> Outreach {
    Outreach {
        store: store.clone(),
        chat: ChatClients::default(),
        templates: Templates::builtin(),
        config: OutreachConfig {
            kudos_channel: kudos_channel.map(str::to_string),
            ..OutreachConfig::default()
        },
    }
}

/// Stores `changes` and returns their events as a stream batch, the requests so far forgotten.
async fn batch(
    store: &Arc<dyn Store>,
    requests: &Requests,
    changes: Vec<(&str, Change)>,
) -> Vec<(String, DomainEvent)> {
    let from = store.read_feed(0, 1000).await.unwrap().last().map_or(0, |e| e.seq);
    for (delivery, change) in changes {
        store.apply(delivery, change).await.unwrap();
    }
    let events = store.read_feed(from, 1000).await.unwrap();
    requests.take();
    events
        .into_iter()
        .map(|e| (format!("shard-1:{}", e.seq), e.event))
        .collect()
}

fn answer(r: Response) -> Change {
    Change::Response {
        response: r,
        survey: None,
    }
}

#[tokio::test]
async fn outreach_reads_nothing_for_events_it_can_do_nothing_with() {
    let (store, requests) = counted(fresh_table("reads").await);
    let store: Arc<dyn Store> = Arc::new(store);
    let quiet = outreach(&store, None);

    // Four recipients, nothing to do for any: a passive and a promoter (with a comment) who
    // answered through the API, praise of the brand, all with no kudos channel.
    let records = batch(
        &store,
        &requests,
        vec![
            ("api:passive", answer(response("passive", 8, Some("Quick")))),
            ("api:promoter", answer(response("promoter", 10, Some("Lovely people")))),
            ("slack:praise", Change::Mention(praise("praise"))),
            ("slack:praise-2", Change::Mention(praise("praise-2"))),
        ],
    )
    .await;
    assert_eq!(records.len(), 4, "{records:?}");
    let answered = handle_stream_batch(&quiet, records).await;
    assert!(answered.batch_item_failures.is_empty());
    // One read of what is parked, for the whole batch; nothing else.
    assert_eq!(requests.take(), ["Query"]);
    assert_eq!(store.alert("kudos-promoter").await.unwrap(), None);

    // A detractor's answer is read (its alert is stored even without Slack), as is praise
    // once there is a kudos channel to share it in.
    let records = batch(
        &store,
        &requests,
        vec![("api:detractor", answer(response("detractor", 3, Some("Still waiting"))))],
    )
    .await;
    let answered = handle_stream_batch(&quiet, records).await;
    assert!(answered.batch_item_failures.is_empty());
    let detractor = requests.take();
    assert!(detractor.iter().any(|r| r == "GetItem"), "{detractor:?}");
    let alert = store
        .alert("det-detractor")
        .await
        .unwrap()
        .expect("the detractor alert");
    assert_eq!(alert.kind, AlertKind::Detractor);

    let sharing = outreach(&store, Some("C0KUDOS"));
    let records = batch(
        &store,
        &requests,
        vec![
            (
                "api:promoter-2",
                answer(response("promoter-2", 10, Some("Lovely people"))),
            ),
            ("slack:praise-3", Change::Mention(praise("praise-3"))),
        ],
    )
    .await;
    let answered = handle_stream_batch(&sharing, records).await;
    assert!(answered.batch_item_failures.is_empty());
    let shared = requests.take();
    assert!(
        shared.iter().filter(|r| *r == "GetItem").count() >= 2,
        "the answer and the mention read: {shared:?}"
    );
    let kudos = store.alert("kudos-promoter-2").await.unwrap();
    assert_eq!(
        kudos.map(|a| (a.kind, a.subject_id)),
        Some((AlertKind::Kudos, "promoter-2".to_string())),
        "the promoter's comment is shared as kudos"
    );
}

#[tokio::test]
async fn with_more_parked_than_one_read_takes_each_recipient_reads_its_own() {
    let (store, requests) = counted(fresh_table("reads-parked").await);
    let store: Arc<dyn Store> = Arc::new(store);
    let quiet = outreach(&store, None);
    // 101 events parked for one recipient (a long rate limit during an outage).
    for i in 0..101 {
        store
            .park(&ParkedEvent {
                lane: "customer:api:elsewhere".into(),
                record_id: format!("{i:05}"),
                event: DomainEvent::OptedOut {
                    customer_id: "api:elsewhere".into(),
                    identity: None,
                },
                due: Utc::now() + chrono::Duration::hours(1),
            })
            .await
            .unwrap();
    }
    let records = batch(
        &store,
        &requests,
        vec![
            ("api:p1", answer(response("p1", 8, None))),
            ("api:p2", answer(response("p2", 9, None))),
        ],
    )
    .await;
    let answered = handle_stream_batch(&quiet, records).await;
    assert!(answered.batch_item_failures.is_empty());
    // The one read stops past 100 events; then one read per recipient of the batch.
    let reads = requests.take();
    assert_eq!(reads.iter().filter(|r| *r == "Query").count(), 3, "{reads:?}");
    assert_eq!(reads.len(), 3, "{reads:?}");
}
