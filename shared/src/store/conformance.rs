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

/// A comment sent after the score (chat follow-ups), then replaced, then the same text again:
/// the comment counters and the themes always describe the comment as stored.
pub async fn themes_follow_the_comment_as_stored<S: Store>(store: &S) {
    let mut r = response("r-themes", "c-themes", 3, at(4, 2));
    r.locale = Some("en".into());
    let comment = |key: &str, text: &str| {
        let change = Change::Comment {
            response_id: r.id.clone(),
            customer_id: r.customer_id.clone(),
            comment: text.into(),
            survey: None,
        };
        let key = key.to_string();
        async move { store.apply(&key, change).await.unwrap() }
    };
    let change = Change::Response {
        response: r.clone(),
        survey: None,
    };
    assert_eq!(store.apply("themes-score", change).await.unwrap(), Applied::Stored);
    let counts = |names: &'static [&'static str]| async move {
        let all = store.counters(month(4)).await.unwrap();
        names
            .iter()
            .map(|n| all.get(*n).copied().unwrap_or(0))
            .collect::<Vec<_>>()
    };
    const NAMES: &[&str] = &[
        "comments",
        "comments.detractor",
        "themes.detractor.waiting",
        "themes.detractor.cleanliness",
        "themes.detractor.price",
    ];
    assert_eq!(counts(NAMES).await, [0, 0, 0, 0, 0]);

    // The follow-up comment, sent after the score.
    assert_eq!(
        comment("themes-c1", "Waited two hours, the car was dirty").await,
        Applied::Stored
    );
    assert_eq!(counts(NAMES).await, [1, 1, 1, 1, 0]);
    // Redelivered: nothing moves.
    assert_eq!(
        comment("themes-c1", "Waited two hours, the car was dirty").await,
        Applied::Duplicate
    );
    assert_eq!(counts(NAMES).await, [1, 1, 1, 1, 0]);

    // Replaced: still one comment, its themes move from the old text to the new.
    assert_eq!(
        comment("themes-c2", "Far too expensive for what it is").await,
        Applied::Stored
    );
    assert_eq!(counts(NAMES).await, [1, 1, 0, 0, 1]);
    // The same text under another delivery key is stored, and counts nothing twice.
    assert_eq!(
        comment("themes-c3", "Far too expensive for what it is").await,
        Applied::Stored
    );
    assert_eq!(counts(NAMES).await, [1, 1, 0, 0, 1]);

    let page = store
        .list(RecordKind::Responses, Some(month(4)), None, 10)
        .await
        .unwrap();
    assert!(
        matches!(&page.records[..], [Record::Response(stored)] if stored.comment.as_deref() == Some("Far too expensive for what it is")),
        "{page:?}"
    );
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
    // The report's minutes-to-claim and minutes-to-resolve read these histograms: claimed 4
    // minutes after the alert was raised, resolved a day (1440 minutes) after.
    assert_eq!(counter(store, month(7), &metric::claim_minutes("4")).await, 1);
    assert_eq!(counter(store, month(7), &metric::resolve_minutes("1440")).await, 1);
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

/// An identity named by another customer moves to them: its owner, the new customer's record
/// and the former one's are all as the ledger decided, and moving it back undoes it.
pub async fn an_identity_moves_between_customers<S: Store>(store: &S) {
    let chat = Identity::new(Platform::Telegram, "6060");
    let slack = Identity::new(Platform::Slack, "U6060");
    let phone = Identity::new(Platform::Whatsapp, "+420600006060");
    let identities = |c: &Customer| {
        let mut ids: Vec<Identity> = c.identities.clone();
        ids.sort_by(|a, b| (a.platform.as_str(), &a.address).cmp(&(b.platform.as_str(), &b.address)));
        ids
    };
    // GIVEN Anna with a Telegram chat and a Slack user, and Boris with a WhatsApp number
    let anna = Customer {
        name: Some("Anna".into()),
        email: Some("anna@example.com".into()),
        identities: vec![chat.clone(), slack.clone()],
        ..Customer::new("anna", at(3, 1))
    };
    let boris = Customer {
        name: Some("Boris".into()),
        identities: vec![phone.clone()],
        ..Customer::new("boris", at(3, 2))
    };
    store.apply("move:anna", Change::Customer(anna.clone())).await.unwrap();
    store
        .apply("move:boris", Change::Customer(boris.clone()))
        .await
        .unwrap();
    // WHEN Boris comes again naming the Telegram chat, with an email
    let boris_again = Customer {
        email: Some("boris@example.com".into()),
        identities: vec![chat.clone()],
        ..Customer::new("boris", at(3, 5))
    };
    let applied = store
        .apply("move:chat", Change::Customer(boris_again.clone()))
        .await
        .unwrap();
    assert_eq!(applied, Applied::Stored);
    // THEN the chat is Boris's, his record holds it beside his number, his name and his email
    let owner = |identity: Identity| async move { store.customer_by_identity(&identity).await.unwrap().map(|c| c.id) };
    assert_eq!(owner(chat.clone()).await.as_deref(), Some("boris"));
    assert_eq!(owner(phone.clone()).await.as_deref(), Some("boris"));
    assert_eq!(owner(slack.clone()).await.as_deref(), Some("anna"));
    let b = store.customer("boris").await.unwrap().unwrap();
    assert_eq!(identities(&b), [chat.clone(), phone.clone()]);
    assert_eq!(b.name.as_deref(), Some("Boris"));
    assert_eq!(b.email.as_deref(), Some("boris@example.com"));
    assert_eq!(b.created_at, at(3, 2));
    // AND Anna's record lost only the chat
    let a = store.customer("anna").await.unwrap().unwrap();
    assert_eq!(identities(&a), std::slice::from_ref(&slack));
    assert_eq!(
        (a.name.as_deref(), a.email.as_deref()),
        (Some("Anna"), Some("anna@example.com"))
    );
    // A redelivery of the move changes nothing.
    let again = store.apply("move:chat", Change::Customer(boris_again)).await.unwrap();
    assert_eq!(again, Applied::Duplicate);
    assert_eq!(store.customer("boris").await.unwrap().unwrap(), b);
    // WHEN Anna names the chat again (through a survey request), it moves back
    let back = crate::ledger::survey_request(Some(anna.clone()), chat.clone(), None, at(3, 9));
    store.apply("move:back", back).await.unwrap();
    assert_eq!(owner(chat.clone()).await.as_deref(), Some("anna"));
    let a = store.customer("anna").await.unwrap().unwrap();
    assert_eq!(identities(&a), [slack, chat]);
    let b = store.customer("boris").await.unwrap().unwrap();
    assert_eq!(identities(&b), [phone]);
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
        identities: vec![identity.clone(), Identity::new(Platform::Slack, "U4242")],
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
    // Posted from their Slack identity: the authorship is theirs.
    let mut m = mention("m-e1", Sentiment::Negative, at(9, 3));
    (m.source, m.author) = ("slack".into(), Some("U4242".into()));
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
    assert!(erased.records > 0, "{erased:?}");

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
    let again = store.forget_customer("telegram:4242").await;
    assert!(matches!(again, Err(StoreError::NotFound(_))), "{again:?}");
}

/// Everything a store holds that erasure could touch, as (subject, text) pairs to compare: every
/// exported record and mention author, the named customers and their chat state, the feed and
/// the counters.
async fn everything_about<S: Store + MentionReader>(
    store: &S,
    customers: &[&str],
    identities: &[Identity],
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for kind in RecordKind::ALL {
        let mut after = None;
        loop {
            let page = store.list(kind, None, after.as_deref(), 100).await.unwrap();
            for record in &page.records {
                let row = crate::export::row(record);
                let id = row.values().next().map(|v| v.to_string()).unwrap_or_default();
                out.push((
                    format!("{} {id}", kind.as_str()),
                    serde_json::Value::Object(row).to_string(),
                ));
                if let Record::Mention(m) = record {
                    let author = store.mention(&m.id).await.unwrap().and_then(|m| m.author);
                    out.push((format!("author of {id}"), format!("{author:?}")));
                }
            }
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
    }
    for id in customers {
        let customer = store.customer(id).await.unwrap();
        out.push((format!("customer {id}"), format!("{customer:?}")));
        let responses = store.responses_of(id).await.unwrap();
        out.push((format!("responses of {id}"), format!("{responses:?}")));
        let referral = store.referral_of(id).await.unwrap();
        out.push((format!("referral of {id}"), format!("{referral:?}")));
    }
    for identity in identities {
        let customer = store.customer_by_identity(identity).await.unwrap();
        out.push((
            format!("customer of {}", identity.customer_id()),
            format!("{customer:?}"),
        ));
        let survey = store.latest_survey(identity).await.unwrap();
        out.push((format!("survey of {}", identity.customer_id()), format!("{survey:?}")));
    }
    for entry in store.read_feed(0, 10_000).await.unwrap() {
        out.push((format!("feed {}", entry.seq), format!("{:?}", entry.event)));
    }
    out.push((
        "counters".into(),
        format!("{:?}", store.counters(month(9)).await.unwrap()),
    ));
    out
}

/// Erasure finds a customer's records by the fields that name them, not by text in keys: erasing
/// CRM customer "55" leaves customer "550" (purchase `p-550`), Telegram chat 55 (customer
/// `telegram:55`), a mention by someone called "55" and every delivery key as they were, and a
/// redelivery of their webhooks afterwards is still a duplicate. An id no customer has (":",
/// "5", "") is `NotFound` and changes nothing.
pub async fn erasure_touches_only_its_customer<S: Store + CustomerEraser + EffectLog + MentionReader>(store: &S) {
    // GIVEN customer "55" (with a Slack identity), customer "550" and Telegram chat 55
    let slack_55 = Identity::new(Platform::Slack, "U55");
    let chat_55 = Identity::new(Platform::Telegram, "55");
    let fifty_five = Customer {
        name: Some("Fifty Five".into()),
        email: Some("55@example.com".into()),
        identities: vec![slack_55.clone()],
        ..Customer::new("55", at(9, 1))
    };
    let mut r55 = response("r-55", "55", 3, at(9, 2));
    r55.comment = Some("words of fifty-five".into());
    let mut r550 = response("r-550", "550", 9, at(9, 2));
    r550.comment = Some("words of five-fifty".into());
    let mut r_chat = response("telegram:5501", "telegram:55", 8, at(9, 3));
    r_chat.comment = Some("words of chat 55".into());
    let purchase = |id: &str, customer: &str| Purchase {
        id: id.into(),
        customer_id: customer.into(),
        kind: PurchaseKind::New,
        referral_code: None,
        amount: Some(55.0),
        currency: None,
        purchased_at: at(9, 4),
    };
    let mut from_slack = mention("m-slack-55", Sentiment::Negative, at(9, 5));
    (from_slack.source, from_slack.author) = ("slack".into(), Some("U55".into()));
    let mut by_namesake = mention("m-x-55", Sentiment::Positive, at(9, 5));
    by_namesake.author = Some("55".into());
    let deliveries: Vec<(&str, Change)> = vec![
        ("api:response:r-55:customer", Change::Customer(fifty_five)),
        (
            "api:response:r-55",
            Change::Response {
                response: r55.clone(),
                survey: None,
            },
        ),
        (
            "api:response:r-550",
            Change::Response {
                response: r550,
                survey: None,
            },
        ),
        (
            "api:survey:k-55:telegram:55",
            Change::SurveyRequested {
                customer: Customer {
                    identities: vec![chat_55.clone()],
                    ..Customer::new("telegram:55", at(9, 1))
                },
                identity: chat_55.clone(),
                brand: None,
            },
        ),
        (
            "telegram:5501",
            Change::Response {
                response: r_chat,
                survey: None,
            },
        ),
        ("api:purchase:p-55", Change::Purchase(purchase("p-55", "55"))),
        ("api:purchase:p-550", Change::Purchase(purchase("p-550", "550"))),
        ("slack:event:Ev55", Change::Mention(from_slack)),
        ("x:tweet:55", Change::Mention(by_namesake)),
    ];
    let mut keys: Vec<&str> = deliveries.iter().map(|(key, _)| *key).collect();
    for (key, change) in deliveries {
        assert_eq!(store.apply(key, change).await.unwrap(), Applied::Stored, "{key}");
    }
    for key in [
        "effect:opted_out:55",
        "effect:response_recorded:r-550",
        "effect:survey_requested:55",
    ] {
        store.mark_effect_done(key).await.unwrap();
        keys.push(key);
    }
    let customers = ["55", "550", "telegram:55"];
    let identities = [slack_55.clone(), chat_55.clone()];
    let before = everything_about(store, &customers, &identities).await;

    // WHEN ids that no customer has are erased THEN each is NotFound and nothing changes
    for unknown in [":", "5", "", "telegram:", "U55", "erased-"] {
        let outcome = store.forget_customer(unknown).await;
        assert!(
            matches!(outcome, Err(StoreError::NotFound(_))),
            "{unknown:?}: {outcome:?}"
        );
    }
    assert_eq!(everything_about(store, &customers, &identities).await, before);

    // WHEN customer "55" is erased
    let erased = store.forget_customer("55").await.unwrap();
    assert!(erased.records > 0, "{erased:?}");

    // THEN theirs is gone or anonymous
    assert_eq!(store.customer("55").await.unwrap(), None);
    assert_eq!(store.customer_by_identity(&slack_55).await.unwrap(), None);
    let kept = store.response("r-55").await.unwrap().unwrap();
    assert!(
        kept.customer_id.starts_with("erased-") && kept.comment.is_none(),
        "{kept:?}"
    );
    assert_eq!(store.mention("m-slack-55").await.unwrap().unwrap().author, None);
    // AND everything else is exactly as it was: only what is about them changed
    let theirs = |(subject, text): &(String, String)| {
        [
            "responses \"r-55\"",
            "purchases \"p-55\"",
            "mentions \"m-slack-55\"",
            "author of \"m-slack-55\"",
            "customer 55",
            "responses of 55",
            "referral of 55",
            "customer of slack:U55",
            "survey of slack:U55",
        ]
        .contains(&subject.as_str())
            || (subject.starts_with("feed ") && text.contains("customer_id: \"55\""))
    };
    let others = |all: &[(String, String)]| all.iter().filter(|line| !theirs(line)).cloned().collect::<Vec<_>>();
    let after = everything_about(store, &customers, &identities).await;
    assert_eq!(others(&after), others(&before));
    assert!(
        after
            .iter()
            .all(|(_, text)| !text.contains("words of fifty-five") && !text.contains("Fifty Five")),
        "{after:#?}"
    );
    assert!(others(&after)
        .iter()
        .any(|(s, t)| s == "purchases \"p-550\"" && t.contains("\"550\"")));
    assert!(others(&after).contains(&("author of \"m-x-55\"".into(), "Some(\"55\")".into())));
    assert_eq!(after.last(), before.last(), "aggregates changed");
    // AND every delivery key stays, so their redelivered webhooks are still duplicates
    for key in &keys {
        assert!(store.effect_done(key).await.unwrap(), "delivery key {key} was removed");
    }
    let again = Change::Purchase(purchase("p-55", "55"));
    assert_eq!(
        store.apply("api:purchase:p-55", again).await.unwrap(),
        Applied::Duplicate
    );
    let again = Change::Response {
        response: r55,
        survey: None,
    };
    assert_eq!(
        store.apply("api:response:r-55", again).await.unwrap(),
        Applied::Duplicate
    );
    // AND a customer known only from their purchase and answer ("550") is found and erased too
    assert!(store.forget_customer("550").await.unwrap().records > 0);
    assert!(store.responses_of("550").await.unwrap().is_empty());
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

/// Every record of `kind` (all months), across pages.
async fn list_all<S: Store + ?Sized>(store: &S, kind: RecordKind) -> Vec<Record> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.list(kind, None, after.as_deref(), 500).await.unwrap();
        out.extend(page.records);
        match page.next {
            Some(next) => after = Some(next),
            None => return out,
        }
    }
}

/// What the concurrent writers send: one delivery key and its change.
fn concurrent_workload(codes: &[ReferralCode]) -> Vec<(String, Change)> {
    let when = |i: usize| at(5, 1 + (i % 27) as u32) + Duration::minutes((i * 7 % 600) as i64);
    let mut out = Vec::new();
    let texts = [
        "Waited two hours, the car was dirty",
        "Far too expensive for what it is",
        "Friendly staff and quick service",
        "",
    ];
    for i in 0..60 {
        let mut r = response(
            &format!("cw-r{i}"),
            &format!("cw-c{}", i % 20),
            (i % 11) as i64,
            when(i),
        );
        r.locale = Some("en".into());
        r.comment = Some(texts[i % texts.len()].to_string()).filter(|t| !t.is_empty());
        out.push((
            format!("cw:response:{i}"),
            Change::Response {
                response: r,
                survey: None,
            },
        ));
    }
    // Three follow-up comments race on each seeded response.
    for i in 0..30 {
        out.push((
            format!("cw:comment:{i}"),
            Change::Comment {
                response_id: format!("cw-seed-r{}", i % 10),
                customer_id: format!("cw-seed-c{}", i % 10),
                comment: texts[i % 3].to_string(),
                survey: None,
            },
        ));
    }
    for i in 0..40 {
        let sentiment = [Sentiment::Positive, Sentiment::Negative, Sentiment::Neutral][i % 3];
        let mut m = mention(&format!("cw-m{i}"), sentiment, when(i));
        m.competitor = i % 5 == 0;
        out.push((format!("cw:mention:{i}"), Change::Mention(m)));
    }
    // Buyers buy twice, some through a promoter's link (one of them their own).
    for i in 0..30 {
        let buyer = if i == 28 {
            "cw-promoter-0".to_string()
        } else {
            format!("cw-b{}", i % 15)
        };
        out.push((
            format!("cw:purchase:{i}"),
            Change::Purchase(Purchase {
                id: format!("cw-p{i}"),
                customer_id: buyer,
                kind: if i < 15 {
                    PurchaseKind::New
                } else {
                    PurchaseKind::Repeat
                },
                referral_code: (i % 2 == 0).then(|| codes[i % codes.len()].clone()),
                amount: Some(100.0),
                currency: Some("EUR".into()),
                purchased_at: when(i),
            }),
        ));
    }
    for i in 0..40 {
        out.push((
            format!("cw:click:{i}"),
            Change::ReferralClick {
                code: codes[i % codes.len()].clone(),
                at: when(i),
            },
        ));
    }
    for i in 0..6 {
        out.push((
            format!("cw:alert:{i}"),
            Change::Alert(alert(&format!("cw-a{i}"), at(5, 2))),
        ));
    }
    // Two claims and one resolution race on each seeded alert.
    for i in 0..18 {
        out.push((
            format!("cw:alert-action:{i}"),
            Change::AlertAction {
                alert_id: format!("cw-seed-a{}", i % 6),
                action: if i < 12 {
                    AlertAction::Claim
                } else {
                    AlertAction::Resolve
                },
                by: format!("U{}", i % 4),
                at: at(5, 3) + Duration::minutes(i as i64 * 5),
            },
        ));
    }
    out
}

fn alert(id: &str, created: DateTime<Utc>) -> Alert {
    Alert {
        id: id.into(),
        kind: AlertKind::Detractor,
        subject_id: format!("{id}-subject"),
        status: AlertStatus::Open,
        claimed_by: None,
        created_at: created,
        claimed_at: None,
        resolved_at: None,
        message: None,
    }
}

/// 16 writers spread over every store instance given (separate connections or clients to the
/// same data, as separate Lambda instances are) send mixed changes, a fifth of them delivered
/// twice: each delivery is stored exactly once, the monthly counters equal a recount of the
/// stored records, and the events `events` reads afterwards (the feed, or a stream) hold each
/// change's events once.
pub async fn concurrent_writers_store_each_delivery_once<S, F, Fut>(stores: Vec<std::sync::Arc<S>>, events: F)
where
    S: Store + 'static,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Vec<DomainEvent>>,
{
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    use std::collections::HashMap;
    assert!(stores.len() >= 2, "the point is several store instances");
    let seeder = &stores[0];
    let codes: Vec<ReferralCode> = (0..4).map(|i| format!("cwcdexyz{}", i + 2).parse().unwrap()).collect();
    for (i, code) in codes.iter().enumerate() {
        let promoter = format!("cw-promoter-{i}");
        let first = Purchase {
            id: format!("cw-seed-p{i}"),
            customer_id: promoter.clone(),
            kind: PurchaseKind::New,
            referral_code: None,
            amount: None,
            currency: None,
            purchased_at: at(2, 1),
        };
        seeder
            .apply(&format!("cw:seed-purchase:{i}"), Change::Purchase(first))
            .await
            .unwrap();
        let referral = Referral {
            code: code.clone(),
            customer_id: promoter,
            clicks: 0,
            conversions: 0,
            created_at: at(2, 1),
        };
        seeder
            .apply(&format!("cw:seed-referral:{i}"), Change::ReferralCreated(referral))
            .await
            .unwrap();
    }
    for i in 0..10 {
        let mut r = response(
            &format!("cw-seed-r{i}"),
            &format!("cw-seed-c{i}"),
            (i % 11) as i64,
            at(5, 1),
        );
        r.locale = Some("en".into());
        let change = Change::Response {
            response: r,
            survey: None,
        };
        seeder.apply(&format!("cw:seed-response:{i}"), change).await.unwrap();
    }
    for i in 0..6 {
        let change = Change::Alert(alert(&format!("cw-seed-a{i}"), at(5, 2)));
        seeder.apply(&format!("cw:seed-alert:{i}"), change).await.unwrap();
    }

    let workload = concurrent_workload(&codes);
    let mut rng = rand::rngs::StdRng::seed_from_u64(18);
    let mut deliveries: Vec<usize> = (0..workload.len()).collect();
    let redelivered: Vec<usize> = deliveries
        .choose_multiple(&mut rng, workload.len() / 5)
        .copied()
        .collect();
    deliveries.extend(redelivered.iter().copied());
    deliveries.shuffle(&mut rng);
    let workload = std::sync::Arc::new(workload);
    let writers = 16;
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..writers {
        let store = stores[w % stores.len()].clone();
        let workload = workload.clone();
        let mine: Vec<usize> = deliveries.iter().copied().skip(w).step_by(writers).collect();
        tasks.spawn(async move {
            let mut outcomes = Vec::new();
            let mut retries = 0;
            for i in mine {
                let (key, change) = &workload[i];
                // A transient failure is what the platform sees as a 503: it delivers again.
                let applied = loop {
                    match store.apply(key, change.clone()).await {
                        Ok(applied) => break applied,
                        Err(e) if e.is_transient() && retries < 50 => retries += 1,
                        Err(e) => panic!("{key}: {e}"),
                    }
                };
                outcomes.push((i, applied));
            }
            (outcomes, retries)
        });
    }
    let mut stored: HashMap<usize, usize> = HashMap::new();
    let mut answers = 0;
    let mut retries = 0;
    while let Some(done) = tasks.join_next().await {
        let (outcomes, r) = done.unwrap();
        retries += r;
        for (i, applied) in outcomes {
            answers += 1;
            *stored.entry(i).or_default() += usize::from(applied == Applied::Stored);
        }
    }
    eprintln!(
        "{writers} writers over {} store instances: {answers} deliveries of {} changes, {retries} transient retries",
        stores.len(),
        workload.len()
    );
    assert_eq!(answers, deliveries.len());
    for (i, (key, _)) in workload.iter().enumerate() {
        assert_eq!(stored.get(&i).copied(), Some(1), "{key} stored once");
    }

    // The records, read back through another instance than the one that seeded them.
    let reader = &stores[1];
    let responses: Vec<Response> = list_all(reader.as_ref(), RecordKind::Responses)
        .await
        .into_iter()
        .filter_map(|r| match r {
            Record::Response(r) => Some(r),
            _ => None,
        })
        .collect();
    let mentions: Vec<Mention> = list_all(reader.as_ref(), RecordKind::Mentions)
        .await
        .into_iter()
        .filter_map(|r| match r {
            Record::Mention(m) => Some(m),
            _ => None,
        })
        .collect();
    let purchases: Vec<Purchase> = list_all(reader.as_ref(), RecordKind::Purchases)
        .await
        .into_iter()
        .filter_map(|r| match r {
            Record::Purchase(p) => Some(p),
            _ => None,
        })
        .collect();
    let referrals: Vec<Referral> = list_all(reader.as_ref(), RecordKind::Referrals)
        .await
        .into_iter()
        .filter_map(|r| match r {
            Record::Referral(r) => Some(r),
            _ => None,
        })
        .collect();
    let alerts: Vec<Alert> = list_all(reader.as_ref(), RecordKind::Alerts)
        .await
        .into_iter()
        .filter_map(|r| match r {
            Record::Alert(a) => Some(a),
            _ => None,
        })
        .collect();
    assert_eq!(
        (
            responses.len(),
            mentions.len(),
            purchases.len(),
            referrals.len(),
            alerts.len()
        ),
        (70, 40, 34, 4, 12)
    );

    // Recount: responses (with their comments as stored now, themes included) and mentions
    // through the ledger's own per-record counters, the rest by hand.
    let mut recount = crate::ledger::Deltas::default();
    for r in &responses {
        recount.merge(crate::ledger::response_deltas(r));
    }
    for m in &mentions {
        recount.merge(crate::ledger::mention_deltas(m));
    }
    let may = month(5);
    let counters = reader.counters(may).await.unwrap();
    for ((m, name), expected) in &recount.0 {
        if *m == may {
            assert_eq!(counters.get(name).copied().unwrap_or(0), *expected, "{name}");
        }
    }
    for (name, value) in &counters {
        let recounted = ["responses", "comments", "themes.", "mentions"]
            .iter()
            .any(|p| name.starts_with(p));
        if recounted && *value != 0 {
            assert!(
                recount.0.contains_key(&(may, name.clone())),
                "{name} = {value} counts nothing stored"
            );
        }
    }
    let in_may = |p: &&Purchase| YearMonth::of(p.purchased_at) == may;
    let new = purchases
        .iter()
        .filter(in_may)
        .filter(|p| p.kind == PurchaseKind::New)
        .count() as i64;
    let repeat = purchases
        .iter()
        .filter(in_may)
        .filter(|p| p.kind == PurchaseKind::Repeat)
        .count() as i64;
    let owner: HashMap<&ReferralCode, &str> = referrals.iter().map(|r| (&r.code, r.customer_id.as_str())).collect();
    let converted = purchases
        .iter()
        .filter(in_may)
        .filter(|p| p.referral_code.as_ref().is_some_and(|c| owner[c] != p.customer_id))
        .count() as i64;
    let get = |name: &str| counters.get(name).copied().unwrap_or(0);
    assert_eq!(get(metric::PURCHASES_NEW), new);
    assert_eq!(get(metric::PURCHASES_REPEAT), repeat);
    // Each buyer's first new purchase makes them a new customer, once.
    assert_eq!(get(metric::CUSTOMERS_NEW), 15);
    assert_eq!(get(metric::REFERRAL_CONVERSIONS), converted);
    assert_eq!(referrals.iter().map(|r| r.conversions as i64).sum::<i64>(), converted);
    assert_eq!(get(metric::REFERRAL_CLICKS), 40);
    assert_eq!(referrals.iter().map(|r| r.clicks as i64).sum::<i64>(), 40);
    assert_eq!(get(&metric::alerts_raised(AlertKind::Detractor)), alerts.len() as i64);
    let claimed = alerts.iter().filter(|a| a.claimed_at.is_some()).count() as i64;
    let resolved = alerts.iter().filter(|a| a.resolved_at.is_some()).count() as i64;
    assert_eq!(
        (get(metric::ALERTS_CLAIMED), get(metric::ALERTS_RESOLVED)),
        (claimed, resolved)
    );
    assert_eq!((claimed, resolved), (6, 6));

    // Events: one per stored change that makes one, each once.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for e in events().await {
        let id = match &e {
            DomainEvent::ResponseRecorded { response_id, .. } => format!("response {response_id}"),
            DomainEvent::MentionRecorded { mention_id, .. } => format!("mention {mention_id}"),
            DomainEvent::PurchaseRecorded { purchase_id, .. } => format!("purchase {purchase_id}"),
            DomainEvent::CommentRecorded { response_id, .. } => format!("comment on {response_id}"),
            DomainEvent::ReferralClicked { code } => format!("click on {code}"),
            DomainEvent::AlertChanged { alert_id, .. } => format!("action on {alert_id}"),
            other => panic!("unexpected event {other:?}"),
        };
        *seen.entry(id).or_default() += 1;
    }
    for i in 0..10 {
        assert_eq!(seen.remove(&format!("response cw-seed-r{i}")), Some(1));
    }
    for i in 0..4 {
        assert_eq!(seen.remove(&format!("purchase cw-seed-p{i}")), Some(1));
    }
    for i in 0..60 {
        assert_eq!(seen.remove(&format!("response cw-r{i}")), Some(1));
    }
    for i in 0..40 {
        assert_eq!(seen.remove(&format!("mention cw-m{i}")), Some(1));
    }
    for i in 0..30 {
        assert_eq!(seen.remove(&format!("purchase cw-p{i}")), Some(1));
    }
    for i in 0..10 {
        assert_eq!(seen.remove(&format!("comment on cw-seed-r{i}")), Some(3));
    }
    for code in &codes {
        assert_eq!(seen.remove(&format!("click on {code}")), Some(10));
    }
    for i in 0..6 {
        assert_eq!(seen.remove(&format!("action on cw-seed-a{i}")), Some(3));
    }
    assert!(seen.is_empty(), "{seen:?}");
}

/// Every event of the store's ordered feed, checking that it is strictly ordered.
pub async fn feed_events<S: Store + ?Sized>(store: &S) -> Vec<DomainEvent> {
    let feed = store.read_feed(0, 100_000).await.unwrap();
    assert!(
        feed.windows(2).all(|w| w[0].seq < w[1].seq),
        "the feed is strictly ordered"
    );
    feed.into_iter().map(|e| e.event).collect()
}

/// One lease holder at a time: renewed by its holder, refused to others until it lapses or is
/// given up, then taken over.
pub async fn lease_has_one_holder_until_it_lapses<S: SendGuard>(store: &S) {
    let ttl = std::time::Duration::from_secs(3);
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
    let stale = std::time::Duration::from_secs(3);
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

/// Parked events keep their event and due time, each lane's in record order (sequence numbers
/// of different lengths included); parking one again moves its due time; unparking drops one.
pub async fn parked_events_keep_their_order_until_unparked<S: ParkedEvents>(store: &S) {
    let due = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() + Duration::milliseconds(250);
    let event = |customer: &str| DomainEvent::OptedOut {
        customer_id: customer.into(),
        identity: None,
    };
    let parked = |lane: &str, record: &str, customer: &str| ParkedEvent {
        lane: lane.into(),
        record_id: record.into(),
        event: event(customer),
        due,
    };
    assert!(store.parked().await.unwrap().is_empty());
    assert_eq!(store.parked_if_at_most(0).await.unwrap(), Some(vec![]));
    assert!(store.parked_in("customer:a").await.unwrap().is_empty());
    store.park(&parked("customer:a", "1000", "a")).await.unwrap();
    store.park(&parked("customer:a", "999", "a")).await.unwrap();
    store.park(&parked("customer:ab", "5", "ab")).await.unwrap();
    store.park(&parked("staff", "7", "s")).await.unwrap();
    let lane_a = store.parked_in("customer:a").await.unwrap();
    let records: Vec<&str> = lane_a.iter().map(|p| p.record_id.as_str()).collect();
    assert_eq!(records, ["999", "1000"], "record order, not text order; no other lane");
    assert_eq!(lane_a[0], parked("customer:a", "999", "a"));
    let all: Vec<(String, String)> = store
        .parked()
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.lane, p.record_id))
        .collect();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0], ("customer:a".to_string(), "999".to_string()));
    // Read at once only when few are parked: all four at a bound of 4 or more, none at 3.
    let at_most = store
        .parked_if_at_most(4)
        .await
        .unwrap()
        .expect("four parked, bound four");
    assert_eq!(at_most, store.parked().await.unwrap());
    assert_eq!(store.parked_if_at_most(3).await.unwrap(), None);
    assert_eq!(store.parked_if_at_most(100).await.unwrap().map(|p| p.len()), Some(4));
    // Parked again (a redelivery, or a new wait): one event, the new due time.
    let mut later = parked("customer:a", "999", "a");
    later.due = due + Duration::minutes(40);
    store.park(&later).await.unwrap();
    let lane_a = store.parked_in("customer:a").await.unwrap();
    assert_eq!(lane_a.len(), 2);
    assert_eq!(lane_a[0].due, later.due);
    store.unpark("customer:a", "999").await.unwrap();
    store.unpark("customer:a", "nothing-here").await.unwrap();
    let records: Vec<String> = store
        .parked_in("customer:a")
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.record_id)
        .collect();
    assert_eq!(records, ["1000"]);
    assert_eq!(store.parked().await.unwrap().len(), 3);
}

/// Erasing a customer drops the events parked for a platform's retry_after that name them (so
/// none is sent after the erasure), and only those.
pub async fn erasure_drops_the_customers_parked_events<S: Store + CustomerEraser + ParkedEvents>(store: &S) {
    let identity = Identity::new(Platform::Telegram, "4343");
    let customer = Customer::new("telegram:4343", at(9, 1));
    let requested = Change::SurveyRequested {
        customer: customer.clone(),
        identity: identity.clone(),
        brand: None,
    };
    store.apply("p-ask", requested).await.unwrap();
    let due = at(9, 2);
    let parked = |lane: &str, record: &str, customer: &str| ParkedEvent {
        lane: lane.into(),
        record_id: record.into(),
        event: DomainEvent::OptedOut {
            customer_id: customer.into(),
            identity: None,
        },
        due,
    };
    store
        .park(&parked("customer:telegram:4343", "10", "telegram:4343"))
        .await
        .unwrap();
    store
        .park(&parked("customer:telegram:4343", "11", "telegram:4343"))
        .await
        .unwrap();
    store
        .park(&parked("customer:telegram:9", "12", "telegram:9"))
        .await
        .unwrap();
    store.forget_customer("telegram:4343").await.unwrap();
    let left: Vec<String> = store.parked().await.unwrap().into_iter().map(|p| p.record_id).collect();
    assert_eq!(left, ["12"], "only the other customer's parked event stays");
}
