//! The behavioural suite every store adapter passes (SQLite here, DynamoDB in its own tests).

use super::*;
use crate::compounding::PurchaseKind;
use crate::ledger::{metric, AlertAction, Applied, Change};
use crate::nps::Score;
use crate::survey::{Survey, SurveyPolicy};
use chrono::{DateTime, Duration, TimeZone, Utc};

fn at(month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, 10, 0, 0).unwrap()
}

fn month(m: u32) -> YearMonth {
    YearMonth::of(at(m, 1))
}

pub fn response(id: &str, customer: &str, score: i64, when: DateTime<Utc>) -> Response {
    Response {
        id: id.into(),
        customer_id: customer.into(),
        platform: Platform::Telegram,
        score: Score::new(score).unwrap(),
        comment: None,
        locale: Some("ru".into()),
        submitted_at: when,
        brand: None,
    }
}

pub fn mention(id: &str, sentiment: Sentiment, when: DateTime<Utc>) -> Mention {
    Mention {
        id: id.into(),
        source: "x".into(),
        text: format!("mention {id} of Sarafan"),
        url: Some(format!("https://x.com/i/status/{id}")),
        author: Some("someone".into()),
        lang: Some("en".into()),
        sentiment,
        matched_terms: vec!["Sarafan".into()],
        competitor: false,
        created_at: when,
    }
}

async fn counter<S: Store>(store: &S, m: YearMonth, name: &str) -> i64 {
    store.counters(m).await.unwrap().get(name).copied().unwrap_or(0)
}

/// The same delivery twice: one row, one count, one event.
pub async fn idempotent_delivery<S: Store>(store: &S) {
    let r = response("telegram:1001", "telegram:42", 9, at(3, 5));
    assert_eq!(
        store
            .apply(
                "telegram:1001",
                Change::Response {
                    response: r.clone(),
                    survey: None
                }
            )
            .await
            .unwrap(),
        Applied::Stored
    );
    assert_eq!(
        store
            .apply(
                "telegram:1001",
                Change::Response {
                    response: r.clone(),
                    survey: None
                }
            )
            .await
            .unwrap(),
        Applied::Duplicate
    );
    // The same record under another delivery key is still stored once.
    assert_eq!(
        store
            .apply(
                "retry:1001",
                Change::Response {
                    response: r.clone(),
                    survey: None
                }
            )
            .await
            .unwrap(),
        Applied::Duplicate
    );
    assert_eq!(store.response("telegram:1001").await.unwrap(), Some(r));
    assert_eq!(counter(store, month(3), metric::RESPONSES).await, 1);
    assert_eq!(counter(store, month(3), "responses.score.9").await, 1);
    let events = store.read_feed(0, 100).await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e.event, DomainEvent::ResponseRecorded { .. }))
            .count(),
        1
    );
}

/// Counters equal a recount of the stored rows after a mixed sequence with duplicates.
pub async fn aggregates_match_a_recount<S: Store>(store: &S) {
    let mut expected = NpsCount::default();
    for i in 0..60u32 {
        let score = i64::from(i % 11);
        let r = response(
            &format!("r{i}"),
            &format!("c{}", i % 7),
            score,
            at(1 + i % 3, 1 + i % 28),
        );
        let first = store
            .apply(
                &format!("d{i}"),
                Change::Response {
                    response: r.clone(),
                    survey: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(first, Applied::Stored);
        expected.add(1 + i % 3, score);
        if i % 4 == 0 {
            let again = store
                .apply(
                    &format!("d{i}"),
                    Change::Response {
                        response: r,
                        survey: None,
                    },
                )
                .await
                .unwrap();
            assert_eq!(again, Applied::Duplicate);
        }
    }
    for m in 1..=3 {
        let mut listed = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .list(RecordKind::Responses, Some(month(m)), after.as_deref(), 7)
                .await
                .unwrap();
            listed.extend(page.records);
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(listed.len() as i64, counter(store, month(m), metric::RESPONSES).await);
        for score in 0..=10 {
            let recount = listed
                .iter()
                .filter(|r| matches!(r, Record::Response(r) if i64::from(r.score.value()) == score))
                .count() as i64;
            assert_eq!(
                recount,
                counter(store, month(m), &format!("responses.score.{score}")).await,
                "month {m} score {score}"
            );
        }
        assert_eq!(expected.total(m), listed.len() as i64);
    }
}

#[derive(Default)]
struct NpsCount(std::collections::HashMap<u32, i64>);

impl NpsCount {
    fn add(&mut self, m: u32, _score: i64) {
        *self.0.entry(m).or_default() += 1;
    }
    fn total(&self, m: u32) -> i64 {
        self.0.get(&m).copied().unwrap_or(0)
    }
}

/// Listing walks every record exactly once across many pages, and only the month asked.
pub async fn pagination_covers_every_record<S: Store>(store: &S, count: usize, page_size: usize) {
    pagination_covers_every_record_of_size(store, count, page_size, 1400).await;
}

/// As [`pagination_covers_every_record`], with mention texts of about `text_bytes` each: large
/// records cross a backend's own page limit (DynamoDB's 1 MB) with fewer writes.
pub async fn pagination_covers_every_record_of_size<S: Store>(
    store: &S,
    count: usize,
    page_size: usize,
    text_bytes: usize,
) {
    let long_text = "word of mouth ".repeat(text_bytes / 14);
    for i in 0..count {
        let mut m = mention(
            &format!("m{i:05}"),
            Sentiment::Neutral,
            at(4, 1 + (i % 28) as u32) + Duration::seconds(i as i64),
        );
        m.text = format!("{long_text}{i}");
        store.apply(&format!("mention:{i}"), Change::Mention(m)).await.unwrap();
    }
    store
        .apply(
            "mention:other-month",
            Change::Mention(mention("other", Sentiment::Neutral, at(5, 1))),
        )
        .await
        .unwrap();
    let mut seen = std::collections::HashSet::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = store
            .list(RecordKind::Mentions, Some(month(4)), after.as_deref(), page_size)
            .await
            .unwrap();
        pages += 1;
        for record in page.records {
            let Record::Mention(m) = record else {
                panic!("not a mention")
            };
            assert!(month(4).contains(m.created_at));
            assert!(seen.insert(m.id), "a record listed twice");
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), count);
    assert!(pages > 1, "expected several pages");
}

/// A customer's events come out of the feed in the order they were applied.
pub async fn feed_is_ordered_per_customer<S: Store>(store: &S) {
    let policy = SurveyPolicy::default();
    let identity = Identity::new(Platform::Telegram, "777");
    let customer = Customer {
        identities: vec![identity.clone()],
        ..Customer::new("telegram:777", at(6, 1))
    };
    store
        .apply(
            "ask:777",
            Change::SurveyRequested {
                customer: customer.clone(),
                identity: identity.clone(),
                brand: None,
            },
        )
        .await
        .unwrap();
    let mut state = SurveyState {
        id: "survey-777".into(),
        customer_id: customer.id.clone(),
        identity: identity.clone(),
        locale: Some("ru".into()),
        brand: None,
        survey: Survey::ask(&policy, at(6, 1)),
        response_id: None,
        error: None,
    };
    store.apply("sent:777", Change::Survey(state.clone())).await.unwrap();
    let r = response("resp-777", &customer.id, 3, at(6, 1) + Duration::minutes(5));
    state
        .survey
        .on_reply(crate::survey::Reply::Button(r.score), &policy, r.submitted_at);
    state.response_id = Some(r.id.clone());
    store
        .apply(
            "click:777",
            Change::Response {
                response: r.clone(),
                survey: Some(state.clone()),
            },
        )
        .await
        .unwrap();
    state.survey.follow_up_sent();
    state
        .survey
        .on_reply(crate::survey::Reply::Text("waited two hours"), &policy, r.submitted_at);
    store
        .apply(
            "msg:778",
            Change::Comment {
                response_id: r.id.clone(),
                customer_id: customer.id.clone(),
                comment: "waited two hours".into(),
                survey: Some(state.clone()),
            },
        )
        .await
        .unwrap();
    let cursor = store.cursor("test-consumer").await.unwrap();
    let events: Vec<DomainEvent> = store
        .read_feed(cursor, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .filter(|e| e.ordering_key() == "customer#telegram:777")
        .collect();
    let kinds: Vec<&str> = events.iter().map(DomainEvent::kind).collect();
    assert_eq!(kinds, ["survey_requested", "response_recorded", "comment_recorded"]);
    let all = store.read_feed(0, 1000).await.unwrap();
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
    // A consumer's cursor survives and only moves forward.
    let last = all.last().unwrap().seq;
    store.save_cursor("test-consumer", last).await.unwrap();
    store.save_cursor("test-consumer", 1).await.unwrap();
    assert_eq!(store.cursor("test-consumer").await.unwrap(), last);
    assert!(store.read_feed(last, 10).await.unwrap().is_empty());
    // The survey and the comment are readable back.
    assert_eq!(
        store.latest_survey(&identity).await.unwrap().unwrap().survey.stage,
        crate::survey::SurveyStage::Commented
    );
    assert_eq!(
        store.response("resp-777").await.unwrap().unwrap().comment.as_deref(),
        Some("waited two hours")
    );
    assert_eq!(
        store.customer_by_identity(&identity).await.unwrap().unwrap().id,
        "telegram:777"
    );
    assert_eq!(counter(store, month(6), metric::COMMENTS).await, 1);
    assert_eq!(counter(store, month(6), metric::SURVEYS_ASKED).await, 1);
}

/// Referrals count clicks and conversions; self-referrals do not convert; cohorts are credited.
pub async fn referrals_and_purchases<S: Store>(store: &S) {
    let code: crate::referral::ReferralCode = "abcdefghj".parse().unwrap();
    let purchase = |id: &str, customer: &str, kind, m, referral: Option<&crate::referral::ReferralCode>| Purchase {
        id: id.into(),
        customer_id: customer.into(),
        kind,
        referral_code: referral.cloned(),
        amount: Some(25_000.0),
        currency: Some("EUR".into()),
        purchased_at: at(m, 3),
    };
    store
        .apply(
            "p1",
            Change::Purchase(purchase("p1", "promoter", PurchaseKind::New, 1, None)),
        )
        .await
        .unwrap();
    let referral = Referral {
        code: code.clone(),
        customer_id: "promoter".into(),
        clicks: 0,
        conversions: 0,
        created_at: at(1, 20),
    };
    store.apply("ref1", Change::ReferralCreated(referral)).await.unwrap();
    store
        .apply(
            "click1",
            Change::ReferralClick {
                code: code.clone(),
                at: at(2, 1),
            },
        )
        .await
        .unwrap();
    store
        .apply(
            "click2",
            Change::ReferralClick {
                code: code.clone(),
                at: at(2, 2),
            },
        )
        .await
        .unwrap();
    let unknown = store
        .apply(
            "click3",
            Change::ReferralClick {
                code: "zzzzzzzzz".parse().unwrap(),
                at: at(2, 2),
            },
        )
        .await;
    assert!(matches!(unknown, Err(StoreError::NotFound(_))), "{unknown:?}");
    store
        .apply(
            "p2",
            Change::Purchase(purchase("p2", "friend", PurchaseKind::New, 2, Some(&code))),
        )
        .await
        .unwrap();
    store
        .apply(
            "p3",
            Change::Purchase(purchase("p3", "promoter", PurchaseKind::Repeat, 2, Some(&code))),
        )
        .await
        .unwrap();
    store
        .apply(
            "p2",
            Change::Purchase(purchase("p2", "friend", PurchaseKind::New, 2, Some(&code))),
        )
        .await
        .unwrap();
    let r = store.referral(&code).await.unwrap().unwrap();
    assert_eq!((r.clicks, r.conversions), (2, 1));
    assert_eq!(store.referral_of("promoter").await.unwrap().unwrap().code, code);
    assert_eq!(counter(store, month(2), metric::PURCHASES_REFERRED).await, 1);
    assert_eq!(counter(store, month(2), metric::REFERRAL_CLICKS).await, 2);
    // The friend's purchase and the promoter's return both count for January's cohort.
    assert_eq!(counter(store, month(2), &metric::cohort(month(1))).await, 2);
    assert_eq!(counter(store, month(1), metric::CUSTOMERS_NEW).await, 1);
    assert_eq!(counter(store, month(2), metric::CUSTOMERS_NEW).await, 1);
}

/// Alerts move open -> claimed -> resolved once; repeated clicks change nothing more.
pub async fn alerts_lifecycle<S: Store>(store: &S) {
    let alert = Alert {
        id: "alert-1".into(),
        kind: AlertKind::Detractor,
        subject_id: "resp-1".into(),
        status: AlertStatus::Open,
        claimed_by: None,
        created_at: at(7, 1),
        claimed_at: None,
        resolved_at: None,
        message: None,
    };
    store.apply("alert-1", Change::Alert(alert)).await.unwrap();
    let claim = |key: &str, by: &str, mins| {
        (
            key.to_string(),
            Change::AlertAction {
                alert_id: "alert-1".into(),
                action: AlertAction::Claim,
                by: by.into(),
                at: at(7, 1) + Duration::minutes(mins),
            },
        )
    };
    let (k, c) = claim("claim-1", "U1", 4);
    store.apply(&k, c).await.unwrap();
    let (k, c) = claim("claim-2", "U2", 9);
    store.apply(&k, c).await.unwrap();
    store
        .apply(
            "resolve-1",
            Change::AlertAction {
                alert_id: "alert-1".into(),
                action: AlertAction::Resolve,
                by: "U1".into(),
                at: at(7, 2),
            },
        )
        .await
        .unwrap();
    let a = store.alert("alert-1").await.unwrap().unwrap();
    assert_eq!(a.status, AlertStatus::Resolved);
    assert_eq!(a.claimed_by.as_deref(), Some("U1"));
    assert_eq!(a.claimed_at, Some(at(7, 1) + Duration::minutes(4)));
    assert_eq!(a.resolved_at, Some(at(7, 2)));
    assert_eq!(
        counter(store, month(7), &metric::alerts_raised(AlertKind::Detractor)).await,
        1
    );
    assert_eq!(counter(store, month(7), metric::ALERTS_CLAIMED).await, 1);
    assert_eq!(counter(store, month(7), metric::ALERTS_RESOLVED).await, 1);
    let missing = store
        .apply(
            "claim-x",
            Change::AlertAction {
                alert_id: "nope".into(),
                action: AlertAction::Claim,
                by: "U1".into(),
                at: at(7, 2),
            },
        )
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))));
}

/// Opting out sticks: a later customer update cannot undo it.
pub async fn opt_out_is_for_good<S: Store>(store: &S) {
    let identity = Identity::new(Platform::Whatsapp, "+420600000001");
    let customer = Customer {
        identities: vec![identity.clone()],
        ..Customer::new("whatsapp:+420600000001", at(8, 1))
    };
    store.apply("c1", Change::Customer(customer.clone())).await.unwrap();
    store
        .apply(
            "stop1",
            Change::OptOut {
                customer_id: customer.id.clone(),
                identity: Some(identity.clone()),
                survey: None,
            },
        )
        .await
        .unwrap();
    store
        .apply(
            "c2",
            Change::Customer(Customer {
                locale: Some("cs".into()),
                ..customer.clone()
            }),
        )
        .await
        .unwrap();
    let stored = store.customer(&customer.id).await.unwrap().unwrap();
    assert!(stored.opted_out);
    assert_eq!(stored.locale.as_deref(), Some("cs"));
}

/// Reports are replaced on re-run, and keep when they were emailed.
pub async fn reports_are_replaced<S: Store>(store: &S) {
    let report = |body: serde_json::Value, emailed: Option<DateTime<Utc>>| StoredReport {
        month: month(9),
        brand: None,
        created_at: at(10, 1),
        emailed_at: emailed,
        body,
    };
    store
        .apply(
            "report-1",
            Change::Report(report(serde_json::json!({"nps": 10}), Some(at(10, 1)))),
        )
        .await
        .unwrap();
    store
        .apply("report-2", Change::Report(report(serde_json::json!({"nps": 12}), None)))
        .await
        .unwrap();
    let stored = store.report(month(9), None).await.unwrap().unwrap();
    assert_eq!(stored.body["nps"], 12);
    assert_eq!(stored.emailed_at, Some(at(10, 1)));
    let page = store.list(RecordKind::Reports, None, None, 10).await.unwrap();
    assert_eq!(page.records.len(), 1);
}

/// Outreach's effect log: an effect is remembered once marked or once a change was applied
/// under its key, and marking it again is harmless.
pub async fn effect_log_remembers_effects<S: Store + EffectLog>(store: &S) {
    let key = "effect:opted_out:c-1";
    assert!(!store.effect_done(key).await.unwrap());
    store.mark_effect_done(key).await.unwrap();
    store.mark_effect_done(key).await.unwrap();
    assert!(store.effect_done(key).await.unwrap());
    // A change applied under an effect key counts as the effect done.
    let alert_key = "effect:mention_recorded:m-1:alert";
    let alert = Alert {
        id: "men-m-1".into(),
        kind: AlertKind::NegativeMention,
        subject_id: "m-1".into(),
        status: AlertStatus::Open,
        claimed_by: None,
        created_at: at(3, 1),
        claimed_at: None,
        resolved_at: None,
        message: None,
    };
    assert_eq!(
        store.apply(alert_key, Change::Alert(alert)).await.unwrap(),
        Applied::Stored
    );
    assert!(store.effect_done(alert_key).await.unwrap());
    assert!(!store.effect_done("effect:mention_recorded:m-2:alert").await.unwrap());
}

pub async fn mentions_are_read_by_id<S: Store + MentionReader>(store: &S) {
    let m = mention("m-7", Sentiment::Negative, at(3, 2));
    store.apply("x:m-7", Change::Mention(m.clone())).await.unwrap();
    assert_eq!(store.mention("m-7").await.unwrap(), Some(m));
    assert_eq!(store.mention("m-8").await.unwrap(), None);
}

/// A spike alert's examples: the newest complaints about the brand in a window, newest first.
pub async fn brand_complaints_are_the_newest_in_the_window<S: Store + MentionReader>(store: &S) {
    // GIVEN complaints at 09:00..=13:00, praise at 12:30, a competitor's complaint at 12:45
    let nine = at(3, 2) - Duration::hours(1);
    for h in 0..5 {
        let m = mention(&format!("c-{h}"), Sentiment::Negative, nine + Duration::hours(h));
        store.apply(&format!("x:c-{h}"), Change::Mention(m)).await.unwrap();
    }
    let praise = mention("p-1", Sentiment::Positive, nine + Duration::minutes(210));
    store.apply("x:p-1", Change::Mention(praise)).await.unwrap();
    let mut rival = mention("r-1", Sentiment::Negative, nine + Duration::minutes(225));
    rival.competitor = true;
    store.apply("x:r-1", Change::Mention(rival)).await.unwrap();
    let ids = |found: Vec<Mention>| found.into_iter().map(|m| m.id).collect::<Vec<_>>();
    // WHEN asked for three from 10:00 up to (not including) 13:00
    let found = store
        .brand_complaints(nine + Duration::hours(1), nine + Duration::hours(4), 3)
        .await
        .unwrap();
    // THEN the brand's complaints at 12, 11 and 10 o'clock, newest first
    assert_eq!(ids(found), ["c-3", "c-2", "c-1"]);
    let found = store
        .brand_complaints(nine, nine + Duration::hours(5), 2)
        .await
        .unwrap();
    assert_eq!(ids(found), ["c-4", "c-3"]);
    let none = store.brand_complaints(nine - Duration::days(1), nine, 3).await.unwrap();
    assert!(none.is_empty(), "{none:?}");
}

/// Erasing a customer leaves nothing of theirs in any export, and the aggregates as they were.
pub async fn erasure_leaves_nothing_in_any_export<S: Store + CustomerEraser>(store: &S) {
    let policy = SurveyPolicy::default();
    let identity = Identity::new(Platform::Telegram, "4242");
    let customer = Customer {
        name: Some("Olga Secretova".into()),
        email: Some("olga@example.com".into()),
        identities: vec![identity.clone()],
        ..Customer::new("telegram:4242", at(9, 1))
    };
    let requested = Change::SurveyRequested {
        customer: customer.clone(),
        identity: identity.clone(),
        brand: None,
    };
    store.apply("e-ask", requested).await.unwrap();
    let mut state = SurveyState {
        id: "survey-e1".into(),
        customer_id: customer.id.clone(),
        identity: identity.clone(),
        locale: Some("ru".into()),
        brand: None,
        survey: Survey::ask(&policy, at(9, 1)),
        response_id: Some("resp-e1".into()),
        error: None,
    };
    store.apply("e-sent", Change::Survey(state.clone())).await.unwrap();
    let r = response("resp-e1", &customer.id, 2, at(9, 2));
    state
        .survey
        .on_reply(crate::survey::Reply::Button(r.score), &policy, r.submitted_at);
    store
        .apply(
            "e-click",
            Change::Response {
                response: r,
                survey: Some(state.clone()),
            },
        )
        .await
        .unwrap();
    let secret = "my secret complaint about the car";
    let comment = Change::Comment {
        response_id: "resp-e1".into(),
        customer_id: customer.id.clone(),
        comment: secret.into(),
        survey: Some(state),
    };
    store.apply("e-comment", comment).await.unwrap();
    let purchase = Purchase {
        id: "p-e1".into(),
        customer_id: customer.id.clone(),
        kind: PurchaseKind::New,
        referral_code: None,
        amount: Some(100.0),
        currency: None,
        purchased_at: at(9, 1),
    };
    store.apply("e-purchase", Change::Purchase(purchase)).await.unwrap();
    let code: crate::referral::ReferralCode = "erasedcde".parse().unwrap_or_else(|_| "bcdefghjk".parse().unwrap());
    let referral = Referral {
        code,
        customer_id: customer.id.clone(),
        clicks: 0,
        conversions: 0,
        created_at: at(9, 2),
    };
    store
        .apply("e-referral", Change::ReferralCreated(referral))
        .await
        .unwrap();
    let mut m = mention("m-e1", Sentiment::Negative, at(9, 3));
    m.author = Some("4242".into());
    store.apply("e-mention", Change::Mention(m)).await.unwrap();
    let body = serde_json::json!({"themes": [{"quotes": [secret, "someone else's words"]}]});
    let report = StoredReport {
        month: month(9),
        brand: None,
        created_at: at(10, 1),
        emailed_at: None,
        body,
    };
    store.apply("e-report", Change::Report(report)).await.unwrap();
    let before = store.counters(month(9)).await.unwrap();

    let erased = store.forget_customer("telegram:4242").await.unwrap();
    assert!(erased.found && erased.records > 0, "{erased:?}");

    let mut everything = String::new();
    for kind in RecordKind::ALL {
        let mut after = None;
        loop {
            let page = store.list(kind, None, after.as_deref(), 100).await.unwrap();
            for record in &page.records {
                everything.push_str(&serde_json::Value::Object(crate::export::row(record)).to_string());
                everything.push('\n');
            }
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
    }
    for trace in ["4242", secret, "Olga", "olga@example.com"] {
        assert!(
            !everything.contains(trace),
            "{trace:?} is still exported:\n{everything}"
        );
    }
    // What is not theirs stays: the answer's score, the purchase, the mention, the other quote.
    assert!(everything.contains("someone else's words"));
    assert!(everything.contains("\"p-e1\"") && everything.contains("\"resp-e1\"") && everything.contains("\"m-e1\""));
    assert_eq!(store.customer_by_identity(&identity).await.unwrap(), None);
    assert_eq!(store.customer("telegram:4242").await.unwrap(), None);
    assert_eq!(store.latest_survey(&identity).await.unwrap(), None);
    let feed = store.read_feed(0, 10_000).await.unwrap();
    assert!(feed.iter().all(|e| e.event.ordering_key() != "customer#telegram:4242"));
    assert_eq!(store.counters(month(9)).await.unwrap(), before, "aggregates changed");
    // A second request finds nothing left.
    assert!(!store.forget_customer("telegram:4242").await.unwrap().found);
}

/// `days` of hourly complaint counters fit the month's aggregate (all of March's 744 take ~34 KB
/// of DynamoDB's 400 KB item), and a spike reading from the store's counters sees exactly the
/// brand's complaints (competitors' left out).
pub async fn hourly_complaints_fill_a_month<S: Store>(store: &S, days: i64) {
    use crate::listening::spike::{self, HourlySeries};
    let start = Utc.with_ymd_and_hms(2026, 3, 1, 0, 30, 0).unwrap();
    let hours = days * 24;
    for h in 0..hours {
        let when = start + Duration::hours(h);
        let delivery = format!("hour-{h}");
        let change = Change::Mention(mention(&delivery, Sentiment::Negative, when));
        assert_eq!(store.apply(&delivery, change).await.unwrap(), Applied::Stored);
    }
    let mut rival = mention("rival", Sentiment::Negative, start + Duration::hours(hours - 1));
    rival.competitor = true;
    store.apply("rival", Change::Mention(rival)).await.unwrap();
    let march = YearMonth::of(start);
    let counters = store.counters(march).await.unwrap();
    let hourly = counters
        .keys()
        .filter(|name| metric::parse_brand_negative_in_hour(name).is_some())
        .count();
    assert_eq!(hourly as i64, hours, "one counter per hour");
    assert_eq!(counters.get("mentions.brand.negative"), Some(&hours));
    assert_eq!(counters.get("mentions.negative"), Some(&(hours + 1)));
    let mut months = BTreeMap::new();
    months.insert(march, counters);
    let reading = HourlySeries::from_counters(&months, start + Duration::hours(hours - 1)).reading();
    let trailing = (hours as u64 - 24).min(28 * 24);
    assert_eq!((reading.last_24h, reading.trailing_28d), (24, trailing));
    // One complaint an hour for a month is the usual day, no spike; after one quiet month it is.
    assert_eq!(reading.episode_start.is_some(), spike::is_spike(24, trailing));
}

/// One lease holder at a time: renewed by its holder, refused to others until it lapses or is
/// given up, then taken over.
pub async fn lease_has_one_holder_until_it_lapses<S: SendGuard>(store: &S) {
    let ttl = std::time::Duration::from_millis(600);
    assert_eq!(store.lease("outreach", "a", ttl).await.unwrap(), Lease::Held);
    assert_eq!(store.lease("outreach", "a", ttl).await.unwrap(), Lease::Held, "renewed");
    match store.lease("outreach", "b", ttl).await.unwrap() {
        Lease::HeldBy { holder, until } => {
            assert_eq!(holder, "a");
            assert!(until > Utc::now());
        }
        Lease::Held => panic!("a second holder got a held lease"),
    }
    // Another lease name is independent.
    assert_eq!(store.lease("other", "b", ttl).await.unwrap(), Lease::Held);
    tokio::time::sleep(ttl + std::time::Duration::from_millis(100)).await;
    assert_eq!(
        store.lease("outreach", "b", ttl).await.unwrap(),
        Lease::Held,
        "taken over"
    );
    assert!(matches!(store.lease("outreach", "a", ttl).await.unwrap(), Lease::HeldBy { holder, .. } if holder == "b"));
    // Giving it up lets the next one in at once; releasing someone else's lease does nothing.
    store.release_lease("outreach", "a").await.unwrap();
    assert!(matches!(
        store.lease("outreach", "a", ttl).await.unwrap(),
        Lease::HeldBy { .. }
    ));
    store.release_lease("outreach", "b").await.unwrap();
    assert_eq!(store.lease("outreach", "a", ttl).await.unwrap(), Lease::Held);
}

/// A message is claimed by one sender; its own retry may claim again, others only once it is stale.
pub async fn a_message_is_claimed_once<S: SendGuard>(store: &S) {
    let stale = std::time::Duration::from_millis(600);
    let key = "effect:response_recorded:r-1";
    assert_eq!(store.claim_send(key, "a", stale).await.unwrap(), SendClaim::Claimed);
    assert_eq!(
        store.claim_send(key, "b", stale).await.unwrap(),
        SendClaim::InFlight { claimant: "a".into() }
    );
    assert_eq!(
        store.claim_send(key, "a", stale).await.unwrap(),
        SendClaim::Claimed,
        "own retry"
    );
    assert_eq!(
        store
            .claim_send("effect:response_recorded:r-2", "b", stale)
            .await
            .unwrap(),
        SendClaim::Claimed
    );
    // A release by someone else leaves the claim; its claimant's release frees it.
    store.release_send(key, "b").await.unwrap();
    assert!(matches!(
        store.claim_send(key, "b", stale).await.unwrap(),
        SendClaim::InFlight { .. }
    ));
    store.release_send(key, "a").await.unwrap();
    assert_eq!(store.claim_send(key, "b", stale).await.unwrap(), SendClaim::Claimed);
    // b dies holding it: once stale, a takes it over.
    tokio::time::sleep(stale + std::time::Duration::from_millis(100)).await;
    assert_eq!(store.claim_send(key, "a", stale).await.unwrap(), SendClaim::Claimed);
}

/// Many claimants racing for one message: exactly one wins.
pub async fn racing_claims_have_one_winner<S: SendGuard>(store: &S) {
    let stale = std::time::Duration::from_secs(60);
    let claim = |who: &'static str| store.claim_send("effect:survey_requested:7", who, stale);
    let (a, b, c, d) = tokio::join!(claim("w-a"), claim("w-b"), claim("w-c"), claim("w-d"));
    let won = [a, b, c, d]
        .into_iter()
        .filter(|c| *c.as_ref().unwrap() == SendClaim::Claimed)
        .count();
    assert_eq!(won, 1);
}

/// Outreach stores a survey before its question goes out; if the platform then refuses the
/// question, the survey turns failed and neither counts as asked nor throttles the customer.
pub async fn a_survey_recorded_before_a_refused_send_is_withdrawn<S: Store>(store: &S) {
    let identity = Identity::new(Platform::Telegram, "31337");
    let mut customer = Customer::new("telegram:31337", at(6, 1));
    customer.identities.push(identity.clone());
    store.apply("c-1", Change::Customer(customer)).await.unwrap();
    let mut state = SurveyState {
        id: "survey-9".into(),
        customer_id: "telegram:31337".into(),
        identity: identity.clone(),
        locale: None,
        brand: None,
        survey: Survey::ask(&SurveyPolicy::default(), at(6, 2)),
        response_id: None,
        error: None,
    };
    store
        .apply("effect:survey_requested:9:asked", Change::Survey(state.clone()))
        .await
        .unwrap();
    assert_eq!(counter(store, month(6), metric::SURVEYS_ASKED).await, 1);
    let asked = store.customer("telegram:31337").await.unwrap().unwrap();
    assert_eq!(asked.last_asked_at, Some(at(6, 2)));

    state.survey.delivery_failed();
    state.error = Some("Forbidden: bot was blocked by the user".into());
    store
        .apply("effect:survey_requested:9", Change::Survey(state))
        .await
        .unwrap();
    assert_eq!(counter(store, month(6), metric::SURVEYS_ASKED).await, 0);
    let refused = store.customer("telegram:31337").await.unwrap().unwrap();
    assert_eq!(refused.last_asked_at, None);
    assert_eq!(
        store.latest_survey(&identity).await.unwrap().unwrap().survey.stage,
        crate::survey::SurveyStage::Failed
    );
}
