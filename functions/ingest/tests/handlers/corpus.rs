//! The platforms' own payloads (tests/fixtures/platforms/, each with its source in
//! manifest.json), signed as each platform signs, posted through the router on SQLite twice
//! (a redelivery), and what was stored compared with the manifest's `expect`.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sarafan_core::model::{Identity, Platform};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Deserialize)]
struct Entry {
    file: String,
    route: String,
    source: String,
    expect: Expect,
}

#[derive(Debug, Deserialize)]
struct Expect {
    #[serde(default = "ok")]
    status: u16,
    /// `platform:address` of a customer with an open survey before the delivery.
    survey: Option<String>,
    /// Settings beyond the corpus defaults (`TYPEFORM_SCORE_FIELD`).
    #[serde(default)]
    vars: BTreeMap<String, String>,
    /// Responses and mentions stored, one line each (see [`stored`]).
    #[serde(default)]
    stored: Vec<String>,
    /// The kinds of the events the delivery added to the change feed.
    #[serde(default)]
    feed: Vec<String>,
}

fn ok() -> u16 {
    200
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/platforms")
}

/// The corpus's settings: every secret, and brand terms that some of the documented texts name.
fn vars(extra: &BTreeMap<String, String>) -> Vec<(&'static str, String)> {
    let mut vars: Vec<(&'static str, String)> = all_vars()
        .into_iter()
        .filter(|(k, _)| *k != "SARAFAN_BRAND_TERMS")
        .collect();
    vars.push(("SARAFAN_BRAND_TERMS", "Sprite,prospect,Antikythera".into()));
    for (k, v) in extra {
        let name: &'static str = Box::leak(k.clone().into_boxed_str());
        vars.push((name, v.clone()));
    }
    vars
}

fn request(route: &str, body: &str) -> Request<Body> {
    match route {
        "slack_events" => slack_event(body),
        "slack_interactions" => slack_interaction(body),
        "telegram" => telegram(body),
        "meta" => meta(body),
        "x" => x(body),
        "typeform" => typeform(body),
        other => panic!("unknown route {other}"),
    }
}

/// What a delivery left in the store, one line per response and mention.
async fn stored(h: &Harness) -> Vec<String> {
    let mut lines = Vec::new();
    for r in h.responses().await {
        lines.push(format!(
            "response {} {} score={} {} comment={}",
            r.customer_id,
            r.platform,
            r.score.value(),
            r.score.category().as_str(),
            r.comment.as_deref().unwrap_or("-")
        ));
    }
    for m in h.mentions().await {
        lines.push(format!(
            "mention {} {} terms=[{}] author={} lang={} {}",
            m.id,
            m.source,
            m.matched_terms.join("|"),
            m.author.as_deref().unwrap_or("-"),
            m.lang.as_deref().unwrap_or("-"),
            m.sentiment.as_str()
        ));
    }
    lines
}

#[tokio::test]
async fn every_documented_payload_is_acknowledged_and_stored_once_as_expected() {
    let manifest = std::fs::read_to_string(corpus_dir().join("manifest.json")).unwrap();
    let entries: Vec<Entry> = serde_json::from_str(&manifest).unwrap();
    assert!(entries.len() >= 80, "only {} fixtures", entries.len());
    let mut failures = Vec::new();
    let mut actual = Vec::new();
    for entry in &entries {
        assert!(!entry.source.trim().is_empty(), "{}: no source", entry.file);
        let body =
            std::fs::read_to_string(corpus_dir().join(&entry.file)).unwrap_or_else(|e| panic!("{}: {e}", entry.file));
        let h = Harness::with_vars(vars(&entry.expect.vars));
        if let Some(survey) = &entry.expect.survey {
            let (platform, address) = survey.split_once(':').unwrap();
            let platform = Platform::parse(platform).unwrap();
            h.seed_survey(Identity::new(platform, address), 1).await;
        }
        let seeded = h.feed().await.len();
        // Delivered twice, as platforms redeliver: both acknowledged alike, stored once.
        let mut statuses = Vec::new();
        for _ in 0..2 {
            let answer = h.send(request(&entry.route, &body)).await;
            statuses.push(answer.status);
        }
        let feed: Vec<String> = h.feed().await[seeded..].iter().map(|k| k.to_string()).collect();
        let stored = stored(&h).await;
        actual.push(
            serde_json::json!({"file": entry.file, "stored": stored, "feed": feed, "status": statuses[0].as_u16()}),
        );
        let want = StatusCode::from_u16(entry.expect.status).unwrap();
        if statuses != [want, want] || stored != entry.expect.stored || feed != entry.expect.feed {
            failures.push(format!(
                "{} ({}): status {statuses:?}, stored {stored:#?}, feed {feed:?}; expected {want}, {:#?}, {:?}",
                entry.file, entry.source, entry.expect.stored, entry.expect.feed
            ));
        }
    }
    if let Ok(path) = std::env::var("SARAFAN_CORPUS_OUTCOMES") {
        std::fs::write(path, serde_json::to_string_pretty(&actual).unwrap()).unwrap();
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures:\n{}",
        failures.len(),
        entries.len(),
        failures.join("\n")
    );
}
