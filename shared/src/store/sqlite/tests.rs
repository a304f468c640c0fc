use super::*;
use crate::store::conformance as suite;

fn fresh() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("sarafan.db")).unwrap();
    (dir, store)
}

#[tokio::test]
async fn idempotent_delivery() {
    suite::idempotent_delivery(&fresh().1).await;
}

#[tokio::test]
async fn themes_follow_the_comment_as_stored() {
    suite::themes_follow_the_comment_as_stored(&fresh().1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_over_two_instances_store_each_delivery_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sarafan.db");
    // Two instances on one file (two processes, as `sarafan serve` and a CLI command).
    let first = SqliteStore::open(&path).unwrap();
    let second = SqliteStore::open(&path).unwrap();
    let reader = SqliteStore::open(&path).unwrap();
    let stores = vec![std::sync::Arc::new(first), std::sync::Arc::new(second)];
    suite::concurrent_writers_store_each_delivery_once(stores, || suite::feed_events(&reader)).await;
}

#[tokio::test]
async fn aggregates_match_a_recount() {
    let (_dir, store) = fresh();
    suite::aggregates_match_a_recount(&store).await;
    assert_eq!(store.all_counters().unwrap(), store.recount_aggregates().unwrap());
}

#[tokio::test]
async fn pagination_covers_every_record() {
    suite::pagination_covers_every_record(&fresh().1, 250, 40).await;
}

#[tokio::test]
async fn feed_is_ordered_per_customer() {
    suite::feed_is_ordered_per_customer(&fresh().1).await;
}

#[tokio::test]
async fn referrals_and_purchases() {
    suite::referrals_and_purchases(&fresh().1).await;
}

#[tokio::test]
async fn alerts_lifecycle() {
    suite::alerts_lifecycle(&fresh().1).await;
}

#[tokio::test]
async fn an_identity_moves_between_customers() {
    suite::an_identity_moves_between_customers(&fresh().1).await;
}

#[tokio::test]
async fn opt_out_is_for_good() {
    suite::opt_out_is_for_good(&fresh().1).await;
}

#[tokio::test]
async fn reports_are_replaced() {
    suite::reports_are_replaced(&fresh().1).await;
}

#[tokio::test]
async fn effect_log_remembers_effects() {
    suite::effect_log_remembers_effects(&fresh().1).await;
}

#[tokio::test]
async fn mentions_are_read_by_id() {
    suite::mentions_are_read_by_id(&fresh().1).await;
}

#[tokio::test]
async fn brand_complaints_are_the_newest_in_the_window() {
    suite::brand_complaints_are_the_newest_in_the_window(&fresh().1).await;
}

#[tokio::test]
async fn erasure_leaves_nothing_in_any_export() {
    suite::erasure_leaves_nothing_in_any_export(&fresh().1).await;
}

#[tokio::test]
async fn erasure_touches_only_its_customer() {
    suite::erasure_touches_only_its_customer(&fresh().1).await;
}

#[test]
fn a_foreign_sqlite_file_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY); INSERT INTO invoices VALUES (1);")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = SqliteStore::open(&path).err().expect("refused");
    assert!(matches!(err, StoreError::Foreign { .. }), "{err}");
    assert!(err.to_string().contains("not a Sarafan database"));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_corrupt_file_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corrupt.db");
    let garbage = b"this is not a database, it is a shopping list: bread, milk".repeat(100);
    std::fs::write(&path, &garbage).unwrap();
    let err = SqliteStore::open(&path).err().expect("refused");
    assert!(matches!(err, StoreError::Foreign { .. }), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
}

#[tokio::test]
async fn an_older_database_is_migrated_without_losing_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    // GIVEN a database as release 1 left it, with a response in it
    create_at_version(&path, 1).unwrap();
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "INSERT INTO responses (id, customer_id, platform, score, submitted_at) VALUES ('old-1', 'c1', 'web', 8, '2025-01-02T03:04:05.000000Z')",
            [],
        )
        .unwrap();
        conn.execute("INSERT INTO alerts (id, kind, subject_id, status, created_at) VALUES ('a1', 'detractor', 'old-1', 'open', '2025-01-02T03:04:05.000000Z')", []).unwrap();
    }
    // WHEN this build opens it
    let store = SqliteStore::open(&path).unwrap();
    // THEN the rows are there and the new column works
    assert_eq!(store.response("old-1").await.unwrap().unwrap().score.value(), 8);
    let alert = store.alert("a1").await.unwrap().unwrap();
    assert_eq!(alert.message, None);
    let version: i64 = store
        .reader()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn a_newer_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    create_at_version(&path, SCHEMA_VERSION).unwrap();
    Connection::open(&path)
        .unwrap()
        .execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1))
        .unwrap();
    assert!(matches!(SqliteStore::open(&path), Err(StoreError::TooNew { .. })));
}

#[tokio::test]
async fn readers_work_while_a_writer_holds_a_transaction() {
    let (dir, store) = fresh();
    store
        .apply(
            "d1",
            crate::ledger::Change::Response {
                response: suite::response("r1", "c1", 10, Utc::now()),
                survey: None,
            },
        )
        .await
        .unwrap();
    // Another process (another connection) holds the write lock...
    let other = Connection::open(dir.path().join("sarafan.db")).unwrap();
    other
        .execute_batch("BEGIN IMMEDIATE; INSERT INTO deliveries VALUES ('x', 'y');")
        .unwrap();
    // ...and reads still answer at once.
    assert!(store.response("r1").await.unwrap().is_some());
    other.execute_batch("ROLLBACK").unwrap();
}

#[tokio::test]
async fn hourly_complaints_fill_a_month() {
    suite::hourly_complaints_fill_a_month(&fresh().1, 31).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_redeliveries_in_one_group_commit_are_stored_once() {
    // GIVEN 50 deliveries, each sent four times at once (the writer commits them in batches)
    let (_dir, store) = fresh();
    let store = std::sync::Arc::new(store);
    let mut sends = tokio::task::JoinSet::new();
    for copy in 0..4 {
        for n in 0..50 {
            let store = store.clone();
            sends.spawn(async move {
                let r = suite::response(&format!("r{n}"), &format!("c{n}"), 9, chrono::Utc::now());
                let change = Change::Response {
                    response: r,
                    survey: None,
                };
                (copy, store.apply(&format!("api:r{n}"), change).await.unwrap())
            });
        }
    }
    // AND a comment on a response that does not exist, refused in the middle of them
    let refused = store
        .apply(
            "api:comment-on-nothing",
            Change::Comment {
                response_id: "missing".into(),
                customer_id: "c0".into(),
                comment: "hello".into(),
                survey: None,
            },
        )
        .await;
    // WHEN all are answered
    let mut stored = 0;
    while let Some(done) = sends.join_next().await {
        if done.unwrap().1 == Applied::Stored {
            stored += 1;
        }
    }
    // THEN each delivery was stored once, the refusal took nothing else down, and left no key
    assert_eq!(stored, 50);
    assert!(matches!(refused, Err(StoreError::NotFound(_))), "{refused:?}");
    let responses = store.list(RecordKind::Responses, None, None, 1000).await.unwrap();
    assert_eq!(responses.records.len(), 50);
    assert!(!store.effect_done("api:comment-on-nothing").await.unwrap());
}

#[tokio::test]
async fn a_full_database_is_unavailable_with_its_cause_and_stores_nothing_half() {
    let (_dir, store) = fresh();
    let answer = |i: usize| crate::ledger::Change::Response {
        response: Response {
            comment: Some(format!("{i} {}", "a long comment ".repeat(300))),
            ..suite::response(&format!("r{i}"), "c1", 3, Utc::now())
        },
        survey: None,
    };
    store.apply("d0", answer(0)).await.unwrap();
    // GIVEN a database that may not grow: what a full disk is to SQLite (SQLITE_FULL)
    let pages: i64 = store.writer().query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
    store
        .writer()
        .execute_batch(&format!("PRAGMA max_page_count = {pages}"))
        .unwrap();
    // WHEN answers keep coming
    let mut refused = None;
    for i in 1..200 {
        if let Err(e) = store.apply(&format!("d{i}"), answer(i)).await {
            refused = Some((i, e));
            break;
        }
    }
    // THEN one is refused as unavailable (a retry may succeed: 503), naming SQLite's cause once
    let (i, e) = refused.expect("the database filled up");
    assert!(e.is_transient(), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("database or disk is full"), "{text}");
    assert_eq!(text.matches("database or disk is full").count(), 1, "{text}");
    // AND nothing of it was stored: not its record, not its delivery key
    assert!(store.response(&format!("r{i}")).await.unwrap().is_none());
    assert!(!store.effect_done(&format!("d{i}")).await.unwrap());
    // AND once there is room again, the redelivery is stored
    store
        .writer()
        .execute_batch("PRAGMA max_page_count = 1073741823")
        .unwrap();
    assert_eq!(store.apply(&format!("d{i}"), answer(i)).await.unwrap(), Applied::Stored);
}

#[test]
fn an_empty_file_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sarafan.db");
    std::fs::write(&path, b"").unwrap();
    for opened in [SqliteStore::open(&path).err(), SqliteStore::open_existing(&path).err()] {
        let err = opened.expect("refused");
        assert!(matches!(err, StoreError::Foreign { .. }), "{err}");
        assert!(err.to_string().contains("empty (0 bytes)"), "{err}");
    }
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["sarafan.db"], "no -wal or -shm beside it");
}

#[test]
fn only_open_creates_a_missing_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    let err = SqliteStore::open_existing(&path).err().expect("refused");
    assert!(matches!(err, StoreError::Missing { .. }), "{err}");
    assert!(!path.exists());
    drop(SqliteStore::open(&path).unwrap());
    drop(SqliteStore::open_existing(&path).unwrap());
}

#[test]
fn an_empty_sqlite_database_made_elsewhere_is_not_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blank.db");
    Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 0; VACUUM;")
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    assert!(!before.is_empty());
    let err = SqliteStore::open(&path).err().expect("refused");
    assert!(matches!(err, StoreError::Foreign { .. }), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[tokio::test]
async fn lease_has_one_holder_until_it_lapses() {
    suite::lease_has_one_holder_until_it_lapses(&fresh().1).await;
}

#[tokio::test]
async fn parked_events_keep_their_order_until_unparked() {
    suite::parked_events_keep_their_order_until_unparked(&fresh().1).await;
}

#[tokio::test]
async fn a_message_is_claimed_once() {
    suite::a_message_is_claimed_once(&fresh().1).await;
}

/// Two stores on one file, as two `sarafan serve` processes have: one lease, one claim.
#[tokio::test]
async fn two_stores_on_one_file_share_the_lease_and_the_claims() {
    let (dir, first) = fresh();
    let second = SqliteStore::open(dir.path().join("sarafan.db")).unwrap();
    let ttl = std::time::Duration::from_secs(30);
    assert_eq!(first.lease("outreach", "a", ttl).await.unwrap(), Lease::Held);
    assert!(matches!(second.lease("outreach", "b", ttl).await.unwrap(), Lease::HeldBy { holder, .. } if holder == "a"));
    assert_eq!(first.claim_send("k", "a", ttl).await.unwrap(), SendClaim::Claimed);
    assert!(matches!(
        second.claim_send("k", "b", ttl).await.unwrap(),
        SendClaim::InFlight { .. }
    ));
}

#[tokio::test]
async fn racing_claims_have_one_winner() {
    suite::racing_claims_have_one_winner(&fresh().1).await;
}

#[tokio::test]
async fn a_survey_recorded_before_a_refused_send_is_withdrawn() {
    suite::a_survey_recorded_before_a_refused_send_is_withdrawn(&fresh().1).await;
}

#[tokio::test]
async fn erasure_drops_the_customers_parked_events() {
    suite::erasure_drops_the_customers_parked_events(&fresh().1).await;
}
